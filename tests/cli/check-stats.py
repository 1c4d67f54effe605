#!/usr/bin/env python3
"""Hold irx-dump --stats against torch's own counts.

    check-stats.py IRX_DUMP FIXTURE_DIR...

For every NAME.flops.json (written by tests/fixtures/gen_flops.py with real
torch) beside NAME.pt2: irx's totals.flops must equal FlopCounterMode's total,
totals.params and totals.buffers the program's parameter and buffer elements,
and irx's FLOPs per counted operator torch's per-operator counts (where torch
picks mm or bmm by the strides of a tensor, which the IR does not record, only
the matmul family's sum is compared, and that is said).  Where torch ran the
eager module and its total equals the program's, every module that torch
charged FLOPs to must have the same FLOPs in irx's by_module.
Exit 1 on any difference.
"""
import json
import os
import subprocess
import sys

MATMUL = {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm"}


def main():
    dump, dirs = sys.argv[1], sys.argv[2:]
    bad = checked = 0
    for d in dirs:
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".flops.json"):
                continue
            name = fn[: -len(".flops.json")]
            tag = f"{os.path.basename(d)}/{name}"
            want = json.load(open(os.path.join(d, fn)))
            if want.get("flops") is None:
                print(f"skip: {tag}: torch {want.get('torch_version')} could not count it "
                      f"({want.get('program_error')})")
                continue
            r = subprocess.run([dump, "--stats", "--format=json", os.path.join(d, name + ".pt2")],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL: {tag}: irx-dump exited {r.returncode}: {r.stderr.strip()[:300]}")
                bad += 1
                continue
            got = json.loads(r.stdout)
            t = got["totals"]
            errs = []
            for key in ("params", "buffers"):
                if want.get(key) is not None and t[key] != want[key]:
                    errs.append(f"{key}: irx {t[key]}, torch {want[key]}")
            if t.get("symbolic"):
                print(f"note: {tag}: symbolic sizes: FLOPs not compared (torch counted "
                      f"{want['flops']} at the example size)")
            else:
                if t["flops"] != want["flops"]:
                    errs.append(f"flops: irx {t['flops']}, torch {want['flops']}")
                mine = t["flops_by_counted_op"]
                theirs = want["flops_by_op"]
                if mine != theirs:
                    fam = lambda c: sum(v for k, v in c.items() if k in MATMUL)
                    rest = lambda c: {k: v for k, v in c.items() if k not in MATMUL}
                    if fam(mine) == fam(theirs) and rest(mine) == rest(theirs):
                        print(f"note: {tag}: torch splits the matmul family by strides: torch "
                              f"{theirs}, irx {mine}")
                    else:
                        errs.append(f"per operator: irx {mine}, torch {theirs}")
                mods = want.get("eager_by_module")
                if mods and want.get("eager_flops") == want["flops"]:
                    irx_mods = {m["module"]: m["flops"] for m in got["by_module"]}
                    for key, fl in mods.items():
                        if key == "Global":
                            continue
                        path = key.split(".", 1)[1] if "." in key else ""
                        if irx_mods.get(path) != fl:
                            errs.append(f"module '{path}': irx {irx_mods.get(path)}, torch {fl}")
            checked += 1
            if errs:
                bad += 1
                print(f"FAIL: {tag}: " + "; ".join(errs))
            else:
                print(f"ok: {tag}: {t['flops']} FLOPs, {t['params']} parameters, "
                      f"{t['buffers']} buffer elements as torch counts them")
    if not checked:
        print("FAIL: no fixture with torch's counts")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
