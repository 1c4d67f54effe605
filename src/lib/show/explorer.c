/*
 * explorer.c: an IR as Model Explorer's graph JSON, a GraphCollection
 * (google-ai-edge/model-explorer, graph_builder.py):
 *
 *   {"label": MODEL, "graphs": [{"id": MODEL, "nodes": [GraphNode, ...]},
 *                               {"id": "MODEL/NODE/SUBGRAPH", ...}, ...]}
 *   GraphNode = {"id", "label", "namespace", "subgraphIds", "attrs": [{"key",
 *                "value"}], "incomingEdges": [{"sourceNodeId",
 *                "sourceNodeOutputId", "targetNodeInputId"}], "inputsMetadata",
 *                "outputsMetadata": [{"id", "attrs": [...]}]}
 *
 * Module paths are namespaces ("layers.0.mlp" -> "layers/0/mlp"), so Model
 * Explorer shows the module tree as layers to expand; the tensor metadata
 * (tensor_shape "float32[3, 8]", __tensor_tag the value's name) is on each
 * node's outputs and inputs, which Model Explorer shows on the edges.
 * Names from the input are escaped by irx_escape() (valid UTF-8, no
 * control characters); jansson quotes them for JSON.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "irx/json.h"
#include "show/show.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *esc(const char *s) { return base_json_escaped(s ? s : ""); }

/* "float32[3, 8]" */
static json_t *shape_text(const json_t *m)
{
	char buf[512];
	size_t n = 0;
	const json_t *d;
	size_t i;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s[",
			      str(m, "dtype") ? str(m, "dtype") : "?");
	json_array_foreach(json_object_get(m, "shape"), i, d) {
		if (n >= sizeof(buf) - 32)
			break;
		if (json_is_integer(d))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%lld", i ? ", " : "",
					      (long long)json_integer_value(d));
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
					      json_is_string(d) ? json_string_value(d) : "?");
	}
	if (n < sizeof(buf) - 2)
		buf[n++] = ']', buf[n] = 0;
	return esc(buf);
}

static json_t *kv(const char *key, json_t *value)
{
	return json_pack("{s:s,s:o}", "key", key, "value", value ? value : json_string("?"));
}

/* "layers.0.mlp" -> "layers/0/mlp" (escaped first, so a '/' in a name is
 * the only way to split a namespace, which a module path cannot hold) */
static json_t *namespace_of(const char *path)
{
	char *e = irx_escape_dup(path ? path : "");
	json_t *s;

	if (!e)
		return NULL;
	for (char *p = e; *p; p++)
		if (*p == '.')
			*p = '/';
	s = json_string(e);
	free(e);
	return s;
}

struct ctx {
	const json_t *ir;
	const irx_view_options *o;
	json_t *graphs;
};

static int graph(struct ctx *c, const json_t *g, const char *id, int top);

/* The node for a graph input, weight or output (KIND), with its tensor. */
static json_t *value_node(const char *id, const char *label, const json_t *m, const char *ns,
			  const char *sd)
{
	json_t *n = json_pack("{s:s,s:s,s:o,s:[],s:[o,o],s:[],s:[],s:[{s:s,s:[o,o]}]}", "id", id,
			      "label", label, "namespace", namespace_of(ns), "subgraphIds", "attrs",
			      kv("name", esc(str(m, "name"))), kv("tensor_shape", shape_text(m)),
			      "incomingEdges", "inputsMetadata", "outputsMetadata", "id", "0",
			      "attrs", kv("__tensor_tag", esc(str(m, "name"))),
			      kv("tensor_shape", shape_text(m)));

	if (n && sd)
		json_array_append_new(json_object_get(n, "attrs"), kv("state_dict_key", esc(sd)));
	return n;
}

static int graph(struct ctx *c, const json_t *g, const char *gid, int top)
{
	const json_t *map = json_object_get(c->ir, "weight_name_mapping"), *v, *n, *in;
	json_t *nodes = json_array(), *where = json_object(), *gj;
	size_t i, k;
	char id[64];
	int rc = -1;

	if (!nodes || !where)
		goto out;
	/* where each value comes from: "node id" and output index */
	json_array_foreach(json_object_get(g, "graph_inputs"), i, v) {
		snprintf(id, sizeof(id), "input_%zu", i);
		if (json_array_append_new(nodes, value_node(id, "input", v, "", NULL)) ||
		    json_object_set_new(where, str(v, "name") ? str(v, "name") : "",
					json_pack("[s,i]", id, 0)))
			goto out;
	}
	if (top && !c->o->no_weights) {
		const char *lists[] = {"weights", "constants"};
		for (int l = 0; l < 2; l++)
			json_array_foreach(json_object_get(c->ir, lists[l]), i, v) {
				const char *sd = json_string_value(
					json_object_get(map, str(v, "name") ? str(v, "name") : ""));
				char *mod = strdup(sd ? sd : "");
				if (!mod)
					goto out;
				char *dot = strrchr(mod, '.');
				*(dot ? dot : mod) = 0;
				snprintf(id, sizeof(id), "%s_%zu", l ? "constant" : "weight", i);
				json_t *vn = value_node(
					id, str(v, "kind") ? str(v, "kind") : "weight", v, mod, sd);
				free(mod);
				if (json_array_append_new(nodes, vn) ||
				    json_object_set_new(where, str(v, "name") ? str(v, "name") : "",
							json_pack("[s,i]", id, 0)))
					goto out;
			}
	}
	json_array_foreach(json_object_get(g, "nodes"), i, n) {
		const json_t *subs = json_object_get(n, "subgraphs"), *sub;
		const char *sname;
		uint64_t flops = 0, other = 0;
		const char *as = NULL;
		char *attrs =
			json_dumps(json_object_get(n, "attrs"), JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *node, *ins, *outs, *ids, *edges;

		snprintf(id, sizeof(id), "node_%zu", i);
		irx_node_flops(&flops, &as, &other, n, NULL);
		node = json_pack(
			"{s:s,s:o,s:o,s:[],s:[o,o,o,o,o],s:[],s:[],s:[]}", "id", id, "label",
			esc(str(n, "op_type")), "namespace", namespace_of(str(n, "module_path")),
			"subgraphIds", "attrs", kv("name", esc(str(n, "name"))),
			kv("op_type", esc(str(n, "op_type"))),
			kv("attrs", esc(attrs ? attrs : "{}")),
			kv("flops", json_sprintf("%llu", (unsigned long long)flops)),
			kv("module_type", esc(str(n, "module_type") ? str(n, "module_type") : "")),
			"incomingEdges", "inputsMetadata", "outputsMetadata");
		base_json_free(attrs);
		if (!node || json_array_append_new(nodes, node))
			goto out;
		ins = json_object_get(node, "inputsMetadata");
		outs = json_object_get(node, "outputsMetadata");
		ids = json_object_get(node, "subgraphIds");
		edges = json_object_get(node, "incomingEdges");
		json_array_foreach(json_object_get(n, "inputs"), k, in) {
			const json_t *w =
				json_object_get(where, str(in, "name") ? str(in, "name") : "");
			char tin[32], sout[32];
			snprintf(tin, sizeof(tin), "%zu", k);
			snprintf(sout, sizeof(sout), "%lld",
				 (long long)json_integer_value(json_array_get(w, 1)));
			if (w && json_array_append_new(
					 edges, json_pack("{s:s,s:s,s:s}", "sourceNodeId",
							  json_string_value(json_array_get(w, 0)),
							  "sourceNodeOutputId", sout,
							  "targetNodeInputId", tin)))
				goto out;
			json_array_append_new(ins,
					      json_pack("{s:s,s:[o,o,o]}", "id", tin, "attrs",
							kv("__tensor_tag", esc(str(in, "name"))),
							kv("tensor_shape", shape_text(in)),
							kv("arg", esc(str(in, "arg")))));
		}
		json_array_foreach(json_object_get(n, "outputs"), k, v) {
			char kid[32];
			snprintf(kid, sizeof(kid), "%zu", k);
			json_array_append_new(outs,
					      json_pack("{s:s,s:[o,o]}", "id", kid, "attrs",
							kv("__tensor_tag", esc(str(v, "name"))),
							kv("tensor_shape", shape_text(v))));
			if (str(v, "name") &&
			    json_object_set_new(where, str(v, "name"),
						json_pack("[s,I]", id, (json_int_t)k)))
				goto out;
		}
		json_object_foreach((json_t *)subs, sname, sub) {
			char *sid = NULL;
			size_t len = strlen(gid) + strlen(sname) + 64;
			if (!(sid = malloc(len)))
				goto out;
			snprintf(sid, len, "%s/%s/%s", gid, id, sname);
			json_t *e = esc(sid);
			int bad = !e || json_array_append_new(ids, e) ||
				  graph(c, sub, json_string_value(e), 0);
			free(sid);
			if (bad)
				goto out;
		}
	}
	json_array_foreach(json_object_get(g, "graph_outputs"), i, v) {
		const json_t *w = json_object_get(where, str(v, "name") ? str(v, "name") : "");
		json_t *on;
		snprintf(id, sizeof(id), "output_%zu", i);
		on = value_node(id, "output", v, "", NULL);
		if (!on || json_array_append_new(nodes, on))
			goto out;
		json_array_clear(json_object_get(on, "outputsMetadata"));
		if (w) {
			char sout[32];
			snprintf(sout, sizeof(sout), "%lld",
				 (long long)json_integer_value(json_array_get(w, 1)));
			json_array_append_new(json_object_get(on, "incomingEdges"),
					      json_pack("{s:s,s:s,s:s}", "sourceNodeId",
							json_string_value(json_array_get(w, 0)),
							"sourceNodeOutputId", sout,
							"targetNodeInputId", "0"));
		}
	}
	gj = json_pack("{s:s,s:O}", "id", gid, "nodes", nodes);
	/* the top graph first, subgraphs after it */
	if (!gj ||
	    (top ? json_array_insert_new(c->graphs, 0, gj) : json_array_append_new(c->graphs, gj)))
		goto out;
	rc = 0;
out:
	json_decref(nodes);
	json_decref(where);
	return rc;
}

int show_explorer(FILE *f, const json_t *ir, const irx_view_options *o, irx_error *err)
{
	json_t *model = esc(str(ir, "model_name") ? str(ir, "model_name") : "model"), *doc;
	struct ctx c = {ir, o, json_array()};
	int rc;

	if (!model || !c.graphs || graph(&c, ir, json_string_value(model), 1)) {
		json_decref(model);
		json_decref(c.graphs);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	doc = json_pack("{s:o,s:o}", "label", model, "graphs", c.graphs);
	if (!doc)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	rc = irx_json_write(f, doc, IRX_JSON_PRETTY, err);
	json_decref(doc);
	return rc;
}
