/*
 * torchscript.c: the state of a TorchScript archive, read without libtorch.
 *
 *   <prefix>version          the file format version (2 to 10)
 *   <prefix>data.pkl         the module object: __torch__ classes, each a
 *                            NEWOBJ then a BUILD with its attributes
 *   <prefix>constants.pkl    a tuple of the code's constants (CONSTANTS.cN)
 *   <prefix>data/<key>       storages of data.pkl
 *   <prefix>constants/<key>  storages of constants.pkl (".storage" in .ptl)
 *   <prefix>code/.../X.py    the classes: __parameters__, __buffers__, defs
 *
 * Both pickles go through the pickle reader's TorchScript mode, which runs
 * nothing.  The module tree is walked from data.pkl's root: tensors get
 * their dotted attribute path (the state_dict key), and their kind from
 * the class's __parameters__ and __buffers__ lines in code/.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "irx/torchscript.h"
#include "tensor/tensor.h"

/* How deep objects and containers may nest (deeper is hostile). */
#define MAX_DEPTH 200
/* The paths kept (tensors, modules, opaque values) take at most this many
 * times the pickle's length: a shared submodule deep under long names
 * costs a few pickle bytes per visit but its whole path per copy. */
#define NAME_FACTOR 64
/* code/ files read for their class lines: at most this many bytes each. */
#define MAX_CODE ((size_t)64 << 20)

struct ts_class {
	char *name; /* qualified: "__torch__.torch.nn.modules.linear.Linear" */
	char **params, **buffers;
	size_t n_params, n_buffers;
	int has_buffers; /* a __buffers__ line was seen (not in version 2) */
	size_t first_method, n_methods;
	int listed; /* its methods are in the result already */
};

struct irx_torchscript {
	irx_tensors *set;
	char version[16];
	enum irx_ts_tensor_kind *kinds;
	size_t cap_kinds;
	irx_ts_module *modules;
	size_t n_modules, cap_modules;
	irx_ts_method *methods; /* of the classes in use, in tree order */
	size_t n_methods, cap_methods;
	irx_ts_opaque *opaque;
	size_t n_opaque, cap_opaque;
	/* while reading */
	struct ts_class *classes; /* sorted by name */
	size_t n_classes, cap_classes;
	irx_ts_method *all_methods; /* every class's, by class */
	size_t n_all, cap_all;
};

struct ts_walk {
	irx_tensors *t;
	struct irx_torchscript *ts;
	struct tensor_pickled st;
	struct tensor_name nm;
	size_t visits, max_visits;
	uint64_t name_bytes, max_name_bytes;
	irx_error *err;
};

#define GROW BASE_GROW

static int oom(irx_error *err) { return irx_error_set(err, IRX_ENOMEM, "out of memory"); }

static void free_classes(struct irx_torchscript *ts)
{
	for (size_t i = 0; i < ts->n_classes; i++) {
		struct ts_class *c = &ts->classes[i];
		for (size_t j = 0; j < c->n_params; j++)
			free(c->params[j]);
		for (size_t j = 0; j < c->n_buffers; j++)
			free(c->buffers[j]);
		free(c->params);
		free(c->buffers);
		free(c->name);
	}
	free(ts->classes);
	free(ts->all_methods);
	ts->classes = NULL;
	ts->all_methods = NULL;
	ts->n_classes = ts->n_all = 0;
}

/* ---- code/: class lines --------------------------------------------- */

/* The quoted names of a "[\"a\", \"b\", ]" list on one line. */
static int parse_names(const char *p, const char *end, char ***out, size_t *n, irx_error *err)
{
	size_t cap = 0;

	while (p < end && *p != ']') {
		const char *q, *s;
		if (*p != '"' && *p != '\'') {
			p++;
			continue;
		}
		s = p + 1;
		if (!(q = memchr(s, *p, (size_t)(end - s))))
			break;
		if (GROW(*out, cap, *n + 1) || !((*out)[*n] = strndup(s, (size_t)(q - s))))
			return oom(err);
		(*n)++;
		p = q + 1;
	}
	return IRX_OK;
}

static int cmp_class(const void *a, const void *b)
{
	return strcmp(((const struct ts_class *)a)->name, ((const struct ts_class *)b)->name);
}

static struct ts_class *find_class(struct irx_torchscript *ts, const char *name)
{
	struct ts_class key = {.name = (char *)name};

	if (!ts->n_classes)
		return NULL;
	return bsearch(&key, ts->classes, ts->n_classes, sizeof(key), cmp_class);
}

/* "def NAME(self: T,\n    x: Tensor) -> Tensor:" from P: the method's name
 * and its signature with self's annotation dropped; *NEXT after it. */
static int parse_def(irx_tensors *t, const char *p, const char *end, irx_ts_method *m,
		     const char **next, irx_error *err)
{
	const char *name = p, *q = p;
	char *sig;
	size_t n = 0, cap;
	int depth = 0, started = 0;

	while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q == name || q >= end || *q != '(')
		return (*next = q, 1);
	cap = 256;
	if (!(sig = malloc(cap)))
		return oom(err);
	/* copy the signature, folding each line break and its indent into one
	 * space (or none after an opening parenthesis) */
	for (q = name; q < end; q++) {
		char c = *q;
		if (c == '\n') {
			while (q + 1 < end && q[1] == ' ')
				q++;
			if (n && sig[n - 1] != '(')
				c = ' ';
			else
				continue;
		}
		if (c == '(' || c == '[')
			depth++, started = 1;
		else if (c == ')' || c == ']')
			depth--;
		if (started && depth == 0 && c == ':')
			break;
		if (n + 2 > cap) {
			char *s = realloc(sig, cap * 2);
			if (!s) {
				free(sig);
				return oom(err);
			}
			sig = s;
			cap *= 2;
		}
		sig[n++] = c;
		if (n > 65536)
			break;
	}
	sig[n] = '\0';
	*next = q;
	/* "(self: __torch__.X, ...": drop self's annotation */
	char *open = strchr(sig, '(');
	if (open && !strncmp(open + 1, "self: ", 6)) {
		char *e = open + 7;
		while (*e && *e != ',' && *e != ')')
			e++;
		memmove(open + 5, e, strlen(e) + 1);
	}
	m->name = tensor_strdup(t, (open ? (*open = '\0', sig) : sig));
	if (open)
		*open = '(';
	m->signature = tensor_strdup(t, open ? open : "");
	free(sig);
	(void)name;
	return m->name && m->signature ? IRX_OK : oom(err);
}

/* One code/ file: its classes, their parameter and buffer lists and defs. */
static int parse_code(struct irx_torchscript *ts, const char *module, const char *text, size_t len,
		      irx_error *err)
{
	const char *p = text, *end = text + len;
	struct ts_class *cur = NULL;
	int rc;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *next;
		if (!eol)
			eol = end;
		next = eol + (eol < end);
		if (!strncmp(p, "class ", 6) && (size_t)(eol - p) > 6) {
			const char *n = p + 6, *q = n;
			while (q < eol && (isalnum((unsigned char)*q) || *q == '_'))
				q++;
			if (q == n) {
				cur = NULL;
			} else {
				if (GROW(ts->classes, ts->cap_classes, ts->n_classes + 1))
					return oom(err);
				cur = &ts->classes[ts->n_classes++];
				memset(cur, 0, sizeof(*cur));
				size_t ml = strlen(module), nl = (size_t)(q - n);
				if (!(cur->name = malloc(ml + nl + 2)))
					return oom(err);
				memcpy(cur->name, module, ml);
				cur->name[ml] = '.';
				memcpy(cur->name + ml + 1, n, nl);
				cur->name[ml + 1 + nl] = '\0';
				cur->first_method = ts->n_all;
			}
		} else if (p < eol && *p != ' ' && *p != '#') {
			cur = NULL; /* a top-level statement ends the class */
		} else if (cur && !strncmp(p, "  __parameters__ = [", 20)) {
			if ((rc = parse_names(p + 20, eol, &cur->params, &cur->n_params, err)))
				return rc;
		} else if (cur && !strncmp(p, "  __buffers__ = [", 17)) {
			cur->has_buffers = 1;
			if ((rc = parse_names(p + 17, eol, &cur->buffers, &cur->n_buffers, err)))
				return rc;
		} else if (cur && !strncmp(p, "  def ", 6)) {
			irx_ts_method m = {0};
			const char *after = p;
			rc = parse_def(ts->set, p + 6, end, &m, &after, err);
			if (rc < 0 || rc > 1)
				return rc;
			if (rc == 0) {
				if (GROW(ts->all_methods, ts->cap_all, ts->n_all + 1))
					return oom(err);
				m.class_name = cur->name; /* fixed once sorted */
				ts->all_methods[ts->n_all++] = m;
				cur->n_methods++;
				eol = memchr(after, '\n', (size_t)(end - after));
				next = eol ? eol + 1 : end;
			}
		}
		p = next;
	}
	return IRX_OK;
}

static int read_entry(const irx_zip *z, const irx_zip_entry *e, const uint8_t **data, size_t *len,
		      void **owned, irx_error *err)
{
	int rc = irx_zip_read(data, len, owned, z, e, err);

	if (rc)
		base_where_prefix(err, "entry '%s'", e->name);
	return rc;
}

static int read_code(struct irx_torchscript *ts, const irx_zip *z, const char *prefix, int *any,
		     irx_error *err)
{
	char code[1024];
	size_t clen;
	int rc;

	snprintf(code, sizeof(code), "%scode/", prefix);
	clen = strlen(code);
	*any = 0;
	for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
		const irx_zip_entry *e = irx_zip_entry_at(z, i);
		size_t nl = strlen(e->name);
		const uint8_t *d;
		size_t len;
		void *owned = NULL;
		char module[1024];
		if (strncmp(e->name, code, clen))
			continue;
		*any = 1;
		if (nl < clen + 4 || strcmp(e->name + nl - 3, ".py"))
			continue;
		if (e->usize > MAX_CODE)
			return irx_error_set(err, IRX_EFORMAT,
					     "entry '%s' is %llu bytes long (at most %zu)", e->name,
					     (unsigned long long)e->usize, MAX_CODE);
		if (nl - clen - 3 >= sizeof(module))
			continue;
		snprintf(module, sizeof(module), "%.*s", (int)(nl - clen - 3), e->name + clen);
		for (char *p = module; *p; p++)
			if (*p == '/')
				*p = '.';
		if ((rc = read_entry(z, e, &d, &len, &owned, err)))
			return rc;
		rc = parse_code(ts, module, (const char *)d, len, err);
		free(owned);
		if (rc)
			return rc;
	}
	/* sort the classes; methods keep pointing at their class's name */
	qsort(ts->classes, ts->n_classes, sizeof(*ts->classes), cmp_class);
	for (size_t i = 0; i < ts->n_classes; i++) {
		struct ts_class *c = &ts->classes[i];
		for (size_t j = 0; j < c->n_methods; j++)
			if (!(ts->all_methods[c->first_method + j].class_name =
				      tensor_strdup(ts->set, c->name)))
				return oom(err);
	}
	return IRX_OK;
}

/* ---- the module tree ------------------------------------------------- */

static int name_push(struct ts_walk *w, const char *part, size_t n)
{
	return tensor_name_push(&w->nm, part, n, w->err);
}

static void name_pop(struct ts_walk *w, size_t mark) { tensor_name_pop(&w->nm, mark); }

/* Count the current path against the budget of kept names. */
static int charge(struct ts_walk *w)
{
	if ((w->name_bytes += w->nm.len + 1) > w->max_name_bytes)
		return irx_error_set(
			w->err, IRX_EFORMAT,
			"the attribute paths take more than %d times the pickle's length",
			NAME_FACTOR);
	return IRX_OK;
}

/* "__torch__.a.___torch_mangle_7.Linear" -> "a.Linear" */
static char *display_name(irx_tensors *t, const char *cls)
{
	char *d = tensor_strdup(t, !strncmp(cls, "__torch__.", 10) ? cls + 10 : cls), *p;

	while (d && (p = strstr(d, "___torch_mangle_"))) {
		char *e = p + 16;
		while (isdigit((unsigned char)*e))
			e++;
		if (*e == '.')
			e++;
		memmove(p, e, strlen(e) + 1);
	}
	return d;
}

static int add_opaque(struct ts_walk *w, const char *cls, const char *why)
{
	struct irx_torchscript *ts = w->ts;
	irx_ts_opaque *o;

	if (charge(w))
		return IRX_EFORMAT;
	if (GROW(ts->opaque, ts->cap_opaque, ts->n_opaque + 1))
		return oom(w->err);
	o = &ts->opaque[ts->n_opaque++];
	o->path = tensor_strdup(w->t, w->nm.len ? w->nm.buf : "(root)");
	o->class_name = tensor_strdup(w->t, cls);
	o->why = tensor_strdup(w->t, why);
	return o->path && o->class_name && o->why ? IRX_OK : oom(w->err);
}

static int add_tensor(struct ts_walk *w, const struct pk_tensor *p, enum irx_ts_tensor_kind kind)
{
	struct irx_torchscript *ts = w->ts;
	int rc = charge(w);

	if (rc || (rc = tensor_add_pickled(&w->st, w->nm.len ? w->nm.buf : "0", p, NULL, w->err))) {
		/* name the tensor, unless the message does already */
		if (w->err && !strstr(w->err->text, w->nm.len ? w->nm.buf : "0"))
			base_where_prefix(w->err, "tensor '%s'", w->nm.len ? w->nm.buf : "0");
		return rc;
	}
	if (ts) {
		if (GROW(ts->kinds, ts->cap_kinds, w->t->n))
			return oom(w->err);
		ts->kinds[w->t->n - 1] = kind;
	}
	return IRX_OK;
}

static int in_list(char *const *names, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return 1;
	return 0;
}

static int walk_value(struct ts_walk *w, const struct pk_value *v, enum irx_ts_tensor_kind kind,
		      int depth);

static int walk_object(struct ts_walk *w, const struct pk_value *obj, int depth)
{
	struct irx_torchscript *ts = w->ts;
	const struct pk_value *st = obj->state;
	struct ts_class *c = ts ? find_class(ts, obj->u.str.s) : NULL;
	int rc;

	if (obj->opaque)
		return add_opaque(w, obj->u.str.s, "a custom-class object");
	if (base_check_name("class name", obj->u.str.s, obj->u.str.len, w->err))
		return IRX_EFORMAT;
	/* restored by its class's __setstate__ (packed quantized parameters):
	 * only running that code would say what its state means */
	if (st && st->kind != PK_DICT)
		return add_opaque(w, obj->u.str.s, "an object restored by its __setstate__");
	if (ts) {
		irx_ts_module *m;
		if (charge(w))
			return IRX_EFORMAT;
		if (GROW(ts->modules, ts->cap_modules, ts->n_modules + 1))
			return oom(w->err);
		m = &ts->modules[ts->n_modules++];
		m->path = tensor_strdup(w->t, w->nm.len ? w->nm.buf : "");
		m->class_name = tensor_strdup(w->t, obj->u.str.s);
		m->display = display_name(w->t, obj->u.str.s);
		m->depth = depth;
		if (!m->path || !m->class_name || !m->display)
			return oom(w->err);
		if (c && !c->listed) {
			c->listed = 1;
			if (GROW(ts->methods, ts->cap_methods, ts->n_methods + c->n_methods))
				return oom(w->err);
			memcpy(ts->methods + ts->n_methods, ts->all_methods + c->first_method,
			       c->n_methods * sizeof(*ts->methods));
			ts->n_methods += c->n_methods;
		}
	}
	if (!st)
		return IRX_OK;
	for (size_t i = 0; i + 1 < st->u.seq.n; i += 2) {
		const struct pk_value *k = st->u.seq.v[i], *v = st->u.seq.v[i + 1];
		size_t mark = w->nm.len;
		enum irx_ts_tensor_kind kind = IRX_TS_UNKNOWN;
		if (k->kind != PK_STR)
			return irx_error_set(w->err, IRX_EFORMAT,
					     "object '%s': an attribute name that is not a string",
					     w->nm.len ? w->nm.buf : "(root)");
		if (base_check_name("attribute name", k->u.str.s, k->u.str.len, w->err))
			return IRX_EFORMAT;
		if (c && in_list(c->params, c->n_params, k->u.str.s))
			kind = IRX_TS_PARAMETER;
		else if (c && in_list(c->buffers, c->n_buffers, k->u.str.s))
			kind = IRX_TS_BUFFER;
		else if (!c || c->has_buffers)
			kind = c ? IRX_TS_ATTRIBUTE : IRX_TS_UNKNOWN;
		if ((rc = name_push(w, k->u.str.s, k->u.str.len)) ||
		    (rc = walk_value(w, v, kind, depth + 1)))
			return rc;
		name_pop(w, mark);
	}
	return IRX_OK;
}

static int walk_value(struct ts_walk *w, const struct pk_value *v, enum irx_ts_tensor_kind kind,
		      int depth)
{
	if (depth > MAX_DEPTH)
		return irx_error_set(w->err, IRX_EUNSUPPORTED, "objects nest deeper than %d levels",
				     MAX_DEPTH);
	if (++w->visits > w->max_visits)
		return irx_error_set(
			w->err, IRX_EFORMAT,
			"objects refer to each other more often than the pickle is long");
	switch (v->kind) {
	case PK_TENSOR: return add_tensor(w, v->u.tensor, kind);
	case PK_OBJECT: return walk_object(w, v, depth);
	case PK_REFUSED:
		return add_opaque(w,
				  strstr(v->u.str.s, "quantized") ? "torch._utils._rebuild_qtensor"
								  : "(tensor)",
				  v->u.str.s);
	case PK_TUPLE:
	case PK_LIST:
	case PK_DICT: {
		int dict = v->kind == PK_DICT;
		size_t step = dict ? 2 : 1;
		/* tensors inside containers are attributes, whatever the list */
		if (kind != IRX_TS_CONSTANT)
			kind = IRX_TS_ATTRIBUTE;
		for (size_t i = 0; i + step - 1 < v->u.seq.n; i += step) {
			size_t mark = w->nm.len, n;
			char buf[32];
			const char *part = buf;
			const struct pk_value *k = v->u.seq.v[i];
			int rc;
			if (dict && k->kind == PK_STR) {
				if (base_check_name("dict key", k->u.str.s, k->u.str.len, w->err))
					return IRX_EFORMAT;
				part = k->u.str.s;
				n = k->u.str.len;
			} else if (dict && k->kind == PK_INT) {
				n = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)k->u.i);
			} else if (dict) {
				continue; /* other keys hold no state_dict entries */
			} else {
				n = (size_t)snprintf(buf, sizeof(buf), "%zu", i);
			}
			if ((rc = name_push(w, part, n)) ||
			    (rc = walk_value(w, v->u.seq.v[i + step - 1], kind, depth + 1)))
				return rc;
			name_pop(w, mark);
		}
		return IRX_OK;
	}
	case PK_STORAGE:
		return irx_error_set(w->err, IRX_EUNSUPPORTED,
				     "'%s' is a bare storage, not a tensor",
				     w->nm.len ? w->nm.buf : "(root)");
	default: return IRX_OK;
	}
}

/* ---- the archive ---------------------------------------------------- */

static int read_version(const irx_zip *z, const char *prefix, char *out, size_t size,
			irx_error *err)
{
	char name[1024];
	const irx_zip_entry *e;
	const uint8_t *d;
	size_t len, i;
	void *owned = NULL;
	long v = 0;
	int rc;

	/* torch writes version, or .data/version only (a torch 2.14 trace of
	 * a transformers model has no other); libtorch reads either */
	snprintf(name, sizeof(name), "%sversion", prefix);
	if (!(e = irx_zip_find(z, name))) {
		snprintf(name, sizeof(name), "%s.data/version", prefix);
		if (!(e = irx_zip_find(z, name)))
			return irx_error_set(
				err, IRX_EFORMAT,
				"no entry '%sversion' or '%s.data/version': not a complete TorchScript archive",
				prefix, prefix);
	}
	if (e->usize > 64)
		return irx_error_set(err, IRX_EFORMAT, "entry '%s' is %llu bytes long", name,
				     (unsigned long long)e->usize);
	if ((rc = read_entry(z, e, &d, &len, &owned, err)))
		return rc;
	while (len && (d[len - 1] == '\n' || d[len - 1] == ' ' || d[len - 1] == '\r'))
		len--;
	for (i = 0; i < len && isdigit(d[i]) && v < 1000; i++)
		v = v * 10 + (d[i] - '0');
	snprintf(out, size, "%.*s", (int)(len < size - 1 ? len : size - 1), (const char *)d);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	free(owned);
	if (!len || i != len || v < 2 || v > 10) {
		irx_error_set(err, IRX_EFORMAT,
			      "TorchScript file version '%s' is not one irx reads (2 to 10)", out);
		base_where(err, "entry '%s'", name);
		return IRX_EFORMAT;
	}
	return IRX_OK;
}

/* Run pickle NAME (PFX + "data.pkl") in TorchScript mode and walk it. */
static int read_pickle(struct ts_walk *w, const irx_zip *z, const char *prefix, const char *pkl,
		       const char *dir, int constants)
{
	char entry[1024], sdir[1024];
	const irx_zip_entry *e;
	struct pk_reader *r = NULL;
	struct pk_value *root;
	const uint8_t *data;
	size_t len;
	void *owned = NULL;
	int rc;

	snprintf(entry, sizeof(entry), "%s%s", prefix, pkl);
	if (!(e = irx_zip_find(z, entry))) {
		if (constants)
			return IRX_OK;
		return irx_error_set(w->err, IRX_EFORMAT, "no entry '%s'", entry);
	}
	snprintf(sdir, sizeof(sdir), "%s%s/", prefix, dir);
	if ((rc = read_entry(z, e, &data, &len, &owned, w->err)))
		return rc;
	if ((rc = fmt_pickle_load_mode(&r, data, len, FMT_PICKLE_TORCHSCRIPT, &root, w->err)))
		goto done;
	free(w->st.storage_map);
	if (!(w->st.storage_map = malloc((fmt_pickle_n_storages(r) + 1) * sizeof(int)))) {
		rc = oom(w->err);
		goto done;
	}
	memset(w->st.storage_map, 0xff, (fmt_pickle_n_storages(r) + 1) * sizeof(int));
	w->st.dir = sdir;
	w->st.key_prefix = constants ? "constants/" : "data/";
	w->st.alt_suffix = ".storage";
	w->visits = 0;
	w->max_visits = len + 1024;
	w->name_bytes = 0;
	w->max_name_bytes = (uint64_t)len * NAME_FACTOR + 65536;
	name_pop(w, 0);
	if (constants) {
		if (root->kind != PK_TUPLE && root->kind != PK_LIST) {
			rc = irx_error_set(w->err, IRX_EFORMAT,
					   "constants.pkl holds a %s, not a tuple",
					   root->kind == PK_DICT ? "dict" : "single value");
			goto done;
		}
		for (size_t i = 0; i < root->u.seq.n && !rc; i++) {
			char part[48];
			int n = snprintf(part, sizeof(part), "CONSTANTS.c%zu", i);
			if (!(rc = name_push(w, part, (size_t)n)))
				rc = walk_value(w, root->u.seq.v[i], IRX_TS_CONSTANT, 1);
			name_pop(w, 0);
		}
	} else if (root->kind != PK_OBJECT || root->opaque) {
		rc = irx_error_set(
			w->err, IRX_EFORMAT,
			"data.pkl holds no module object (a TorchScript archive's data.pkl "
			"starts with a __torch__ class)");
	} else {
		rc = walk_object(w, root, 0);
	}
done:
	if (rc)
		base_where_prefix(w->err, "entry '%s'", entry);
	fmt_pickle_free(r);
	free(owned);
	return rc;
}

int tensor_read_torchscript(irx_tensors *t, const irx_archive *a, struct irx_torchscript *info,
			    irx_error *err)
{
	struct irx_torchscript local = {0}, *ts = info ? info : &local;
	const irx_zip *z = irx_archive_zip(a);
	const char *prefix = irx_archive_prefix(a);
	struct ts_walk w = {.t = t, .ts = ts, .st = {.t = t, .z = z}, .err = err};
	char name[1024];
	int any_code = 0, rc;

	if (irx_archive_kind(a) != IRX_ARCHIVE_TORCHSCRIPT &&
	    irx_archive_kind(a) != IRX_ARCHIVE_TORCHSCRIPT_LITE)
		return irx_error_set(err, IRX_EUNSUPPORTED, "not a TorchScript archive (%s)",
				     irx_archive_kind_name(irx_archive_kind(a)));
	ts->set = t;
	snprintf(name, sizeof(name), "%sdata.pkl", prefix);
	if ((rc = read_code(ts, z, prefix, &any_code, err)))
		goto done;
	if (irx_archive_kind(a) == IRX_ARCHIVE_TORCHSCRIPT_LITE &&
	    (!any_code || !irx_zip_find(z, name))) {
		rc = irx_error_set(
			err, IRX_EUNSUPPORTED,
			"a bytecode-only lite-interpreter archive (.ptl: bytecode.pkl without "
			"code/ and data.pkl): irx reads full TorchScript archives; save the "
			"module with torch.jit.save instead");
		goto done;
	}
	if (!any_code) {
		rc = irx_error_set(
			err, IRX_EFORMAT,
			"no entries under '%scode/': a damaged or incomplete TorchScript archive",
			prefix);
		goto done;
	}
	if ((rc = read_version(z, prefix, ts->version, sizeof(ts->version), err)) ||
	    (rc = tensor_read_byteorder(z, prefix, &w.st.big_endian, err)))
		goto done;
	if ((rc = read_pickle(&w, z, prefix, "data.pkl", "data", 0)) ||
	    (rc = read_pickle(&w, z, prefix, "constants.pkl", "constants", 1)))
		goto done;
	if (!info) {
		for (size_t i = 0; i < ts->n_opaque; i++)
			base_warn(t->warn, t->warn_ctx,
				  "'%s' is %s (%s), kept opaque: no tensors read from it",
				  ts->opaque[i].path, ts->opaque[i].why, ts->opaque[i].class_name);
	}
	if (!t->container)
		t->container = "module";
done:
	free(w.st.storage_map);
	free(w.nm.buf);
	free_classes(ts);
	if (!info) {
		free(local.kinds);
		free(local.modules);
		free(local.methods);
		free(local.opaque);
	}
	return rc;
}

/* ---- the public API --------------------------------------------------- */

irx_status irx_torchscript_open(irx_torchscript **out, const irx_archive *a,
				const irx_tensors_options *o, irx_error *err)
{
	irx_torchscript *ts = calloc(1, sizeof(*ts));
	int rc;

	*out = NULL;
	base_source(err, irx_archive_path(a));
	if (!ts || !(ts->set = tensor_set_new(o))) {
		free(ts);
		return oom(err);
	}
	ts->set->format = IRX_TENSORS_TORCHSCRIPT;
	ts->set->root = irx_archive_blob(a);
	if ((rc = tensor_read_torchscript(ts->set, a, ts, err)) ||
	    (rc = tensor_set_index(ts->set, err))) {
		irx_torchscript_free(ts);
		return rc;
	}
	*out = ts;
	return IRX_OK;
}

void irx_torchscript_free(irx_torchscript *ts)
{
	if (!ts)
		return;
	free_classes(ts);
	irx_tensors_free(ts->set);
	free(ts->kinds);
	free(ts->modules);
	free(ts->methods);
	free(ts->opaque);
	free(ts);
}

const char *irx_torchscript_version(const irx_torchscript *ts) { return ts->version; }
const irx_tensors *irx_torchscript_tensors(const irx_torchscript *ts) { return ts->set; }

enum irx_ts_tensor_kind irx_torchscript_tensor_kind(const irx_torchscript *ts, size_t i)
{
	return i < ts->set->n ? ts->kinds[i] : IRX_TS_UNKNOWN;
}

const char *irx_ts_tensor_kind_name(enum irx_ts_tensor_kind kind)
{
	switch (kind) {
	case IRX_TS_PARAMETER: return "parameter";
	case IRX_TS_BUFFER: return "buffer";
	case IRX_TS_UNKNOWN: return "unknown";
	case IRX_TS_ATTRIBUTE: return "attribute";
	case IRX_TS_CONSTANT: return "constant";
	}
	return "unknown";
}

size_t irx_torchscript_n_modules(const irx_torchscript *ts) { return ts->n_modules; }
const irx_ts_module *irx_torchscript_module(const irx_torchscript *ts, size_t i)
{
	return i < ts->n_modules ? &ts->modules[i] : NULL;
}
size_t irx_torchscript_n_methods(const irx_torchscript *ts) { return ts->n_methods; }
const irx_ts_method *irx_torchscript_method(const irx_torchscript *ts, size_t i)
{
	return i < ts->n_methods ? &ts->methods[i] : NULL;
}
size_t irx_torchscript_n_opaque(const irx_torchscript *ts) { return ts->n_opaque; }
const irx_ts_opaque *irx_torchscript_opaque(const irx_torchscript *ts, size_t i)
{
	return i < ts->n_opaque ? &ts->opaque[i] : NULL;
}
