/*
 * exec_pair.c: irx-exec's runs and TorchScript's forwards timed in pairs in
 * one process, for bench/exec.sh.
 *
 *   exec-pair IR WEIGHTS INPUTS TS.pt THREADS PAIRS WARMUP
 *
 * The IR is planned and bound as irx-exec does (libirx's public API: the
 * weights in place, the inputs from a torch.save list), the TorchScript
 * module is loaded by the same libtorch (irx_th_module_load, forward under
 * NoGradGuard: what irx-verify --reference runs).  After WARMUP untimed
 * runs of each, PAIRS pairs are timed: one irx run and one TorchScript
 * forward back to back, the order alternating from pair to pair.  Load
 * from other processes that comes and goes then hits both sides of a pair
 * alike, so the median of the per-pair ratios is steadier on a shared
 * machine than a ratio of medians taken minutes apart.  Prints
 *
 *   exec-pair: P pairs: irx median X ms (fastest x), TorchScript median Y ms
 *     (fastest y), ratio of medians R, median of pair ratios Q
 *
 * No Python here: the TorchScript side is the C++ module call itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irx/exec.h"
#include "irx/json.h"
#include "irx/tensor.h"
#include "irx/torch.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const irx_error *err)
{
	fprintf(stderr, "exec-pair: %s: %s\n", what, err ? err->text : "failed");
	exit(2);
}

int main(int argc, char **argv)
{
	irx_error err = {0};
	json_t *ir;
	irx_tensors *w, *in;
	irx_exec *x;
	irx_th_module *m;
	irx_th **inputs;
	size_t n_in;

	if (argc != 8) {
		fprintf(stderr, "usage: exec-pair IR WEIGHTS INPUTS TS.pt THREADS PAIRS WARMUP\n");
		return 64;
	}
	int threads = atoi(argv[5]);
	size_t pairs = (size_t)atol(argv[6]), warmup = (size_t)atol(argv[7]);
	irx_exec_options o = {.threads = threads};

	if (irx_json_load(&ir, argv[1], &err))
		die(argv[1], &err);
	if (irx_tensors_open(&w, argv[2], NULL, &err))
		die(argv[2], &err);
	if (irx_tensors_open(&in, argv[3], NULL, &err))
		die(argv[3], &err);
	const irx_tensors *sets[] = {w};
	if (irx_exec_new(&x, ir, &o, &err) || irx_exec_bind(x, sets, 1, &err))
		die(argv[1], &err);
	n_in = irx_exec_n_inputs(x);
	if (irx_tensors_count(in) != n_in)
		die(argv[3], NULL);
	inputs = calloc(n_in + 1, sizeof(*inputs));
	for (size_t i = 0; i < n_in; i++)
		if (irx_th_from_view(&inputs[i], irx_tensors_at(in, i), &err))
			die(argv[3], &err);
	if (irx_th_module_load(&m, argv[4], &err))
		die(argv[4], &err);
	irx_th_set_threads(threads);

	double *ti = calloc(pairs + 1, sizeof(double)), *tt = calloc(pairs + 1, sizeof(double));
	double *ratio = calloc(pairs + 1, sizeof(double));
	for (size_t i = 0; i < warmup + pairs; i++) {
		double a = 0, b = 0;
		for (int k = 0; k < 2; k++) {
			int irx_turn = (k == 0) == (i % 2 == 0);
			double t0 = now_ms();
			if (irx_turn) {
				if (irx_exec_run(x, inputs, n_in, &err))
					die("irx_exec_run", &err);
				a = now_ms() - t0;
			} else {
				irx_th_results *r;
				if (irx_th_module_forward(&r, m, inputs, n_in, &err))
					die("TorchScript forward", &err);
				irx_th_results_free(r);
				b = now_ms() - t0;
			}
		}
		if (i >= warmup) {
			ti[i - warmup] = a;
			tt[i - warmup] = b;
			ratio[i - warmup] = a / b;
		}
	}
	double mq = median(ratio, pairs), mi = median(ti, pairs), mt = median(tt, pairs);
	printf("exec-pair: %zu pairs: irx median %.3f ms (fastest %.3f), TorchScript median %.3f ms "
	       "(fastest %.3f), ratio of medians %.3f, median of pair ratios %.3f\n",
	       pairs, mi, ti[0], mt, tt[0], mi / mt, mq);
	irx_th_module_free(m);
	for (size_t i = 0; i < n_in; i++)
		irx_th_free(inputs[i]);
	free(inputs);
	irx_exec_free(x);
	irx_tensors_free(in);
	irx_tensors_free(w);
	json_decref(ir);
	free(ti);
	free(tt);
	free(ratio);
	return 0;
}
