/*
 * verdicts.c: irx-verify's per-node verdicts (its --per-node --report=json
 * document) read for the pictures: which node diverges first, which make
 * an error, which inherit one, which match.  The report is untrusted
 * input: anything but the fields read here is ignored, and a field of the
 * wrong kind is IRX_EFORMAT with the place as a JSON pointer (RFC 6901,
 * "/nodes/2/verdict"), as irx's other readers name places.
 */
#include <config.h>

#include <string.h>

#include "irx/view.h"
#include "show/show.h"

static const char *const names[] = {
	[SHOW_VERDICT_NOT_COMPARED] = "not compared",
	[SHOW_VERDICT_MATCH] = "match",
	[SHOW_VERDICT_INHERITS] = "inherits",
	[SHOW_VERDICT_DIVERGES] = "diverges",
};

static int bad(irx_error *err, const char *where, const char *what)
{
	irx_status rc = irx_error_set(err, IRX_EFORMAT, "%s", what);

	if (err)
		snprintf(err->where, sizeof(err->where), "%s", where);
	return rc;
}

/* Raise the rank of NODE in GRAPH in MAP to R. */
static int raise_to(json_t *map, const char *graph, const char *node, int r)
{
	json_t *g = json_object_get(map, graph);

	if (!g && (!(g = json_object()) || json_object_set_new(map, graph, g)))
		return -1;
	if (json_integer_value(json_object_get(g, node)) >= r)
		return 0;
	return json_object_set_new(g, node, json_integer(r));
}

int show_verdicts(json_t **out, const json_t *report, irx_error *err)
{
	const char *root = ""; /* JSON pointer of the report: the document */
	const json_t *nodes, *e, *first, *fmt;
	json_t *map;
	char where[96];
	size_t i;

	*out = NULL;
	if (!json_is_object(report))
		return bad(err, "", "not an irx-verify report (a JSON object)");
	/* irx-verify --per-node with --expected or --reference nests it */
	if (json_is_object(json_object_get(report, "per_node"))) {
		report = json_object_get(report, "per_node");
		root = "/per_node";
	}
	fmt = json_object_get(report, "format");
	if (fmt && (!json_is_string(fmt) || strcmp(json_string_value(fmt), "irx-verify-report"))) {
		snprintf(where, sizeof(where), "%s/format", root);
		return bad(err, where, "not \"irx-verify-report\"");
	}
	nodes = json_object_get(report, "nodes");
	if (!json_is_array(nodes)) {
		snprintf(where, sizeof(where), "%s/nodes", root);
		return bad(err, where,
			   "not a list: not an irx-verify --per-node --report=json document");
	}
	if (!(map = json_object()))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_array_foreach(nodes, i, e) {
		const json_t *node = json_object_get(e, "node"),
			     *graph = json_object_get(e, "graph"),
			     *v = json_object_get(e, "verdict");
		int r = -1;
		for (int k = 0; json_is_string(v) && k < SHOW_VERDICT_FIRST; k++)
			if (names[k] && !strcmp(json_string_value(v), names[k]))
				r = k;
		const char *what = !json_is_object(e)                             ? ""
				   : !json_is_string(node) && !json_is_null(node) ? "/node"
				   : !json_is_string(graph)                       ? "/graph"
				   : r < 0                                        ? "/verdict"
										  : NULL;
		if (what) {
			json_decref(map);
			snprintf(where, sizeof(where), "%s/nodes/%zu%s", root, i, what);
			return bad(err, where,
				   !*what                     ? "not an object"
				   : strcmp(what, "/verdict") ? "not a string"
							      : "not one of match, diverges, "
								"inherits, not compared");
		}
		if (json_is_null(node)) /* irx-verify's entry for a node without a name */
			continue;
		if (raise_to(map, json_string_value(graph), json_string_value(node), r)) {
			json_decref(map);
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		}
	}
	first = json_object_get(report, "first_divergence");
	if (first && !json_is_null(first)) {
		const char *what = !json_is_object(first)                             ? ""
				   : !json_is_string(json_object_get(first, "node"))  ? "/node"
				   : !json_is_string(json_object_get(first, "graph")) ? "/graph"
										      : NULL;
		if (what) {
			json_decref(map);
			snprintf(where, sizeof(where), "%s/first_divergence%s", root, what);
			return bad(err, where, *what ? "not a string" : "not an object");
		}
		if (raise_to(map, json_string_value(json_object_get(first, "graph")),
			     json_string_value(json_object_get(first, "node")),
			     SHOW_VERDICT_FIRST)) {
			json_decref(map);
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		}
	}
	*out = map;
	return IRX_OK;
}

irx_status irx_view_check_verdicts(const json_t *report, irx_error *err)
{
	json_t *map = NULL;
	int rc = show_verdicts(&map, report, err);

	json_decref(map);
	return rc;
}
