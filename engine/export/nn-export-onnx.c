/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ONNX export: the model as an onnx.ModelProto (onnx/onnx.proto, IR
 * version 7, opset 13), written with our protobuf writer. The graph is one
 * GraphProto whose repeated fields (nodes, initializers) are written as the
 * layers are visited: protobuf concatenates repeated fields in the order
 * they come, wherever they fall in the message. Nested models are inlined,
 * their names prefixed with the Model layer's. The layer mappings live in
 * nn-export-onnx-layers.c and nn-export-onnx-seq.c. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "nn-onnx.h"
#include "nn-export-onnx-private.h"

/* Field numbers of onnx.proto. */
enum {
  MODEL_IR_VERSION = 1, MODEL_PRODUCER = 2, MODEL_PRODUCER_VERSION = 3, MODEL_GRAPH = 7,
  MODEL_OPSET = 8, MODEL_DOC = 6, MODEL_METADATA = 14, ENTRY_KEY = 1, ENTRY_VALUE = 2,
  OPSET_DOMAIN = 1, OPSET_VERSION = 2,
  GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12,
  NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5,
  ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_S = 4, ATTR_INTS = 8, ATTR_STRINGS = 9,
  ATTR_TYPE = 20,
  VALUE_NAME = 1, VALUE_TYPE = 2,
  TYPE_TENSOR = 1, TENSOR_TYPE_ELEM = 1, TENSOR_TYPE_SHAPE = 2,
  SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2,
  TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_INT64_DATA = 7, TENSOR_NAME = 8,
  TENSOR_RAW_DATA = 9,
};
enum { ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS_T = 7, ATTR_STRINGS_T = 8 };
enum { ONNX_FLOAT = 1, ONNX_INT64 = 7 };

/* ONNX files are protobuf messages, which may not reach 2 GiB. */
#define MAX_FILE_BYTES ((gsize) G_MAXINT32)

/* ---- nodes and attributes --------------------------------------------- */

void
ox_node_begin (OxCtx *c, const char *op, const char *const *ins, int n_in,
               const char *const *outs, int n_out)
{
  nn_pb_begin (c->pb, GRAPH_NODE);
  for (int i = 0; i < n_in; i++)
    nn_pb_write_string (c->pb, NODE_INPUT, ins[i]);
  for (int i = 0; i < n_out; i++)
    nn_pb_write_string (c->pb, NODE_OUTPUT, outs[i]);
  nn_pb_write_string (c->pb, NODE_OP_TYPE, op);
}

void
ox_node_end (OxCtx *c)
{
  nn_pb_end (c->pb);
}

void
ox_binary (OxCtx *c, const char *op, const char *a, const char *b, const char *out)
{
  const char *ins[2] = { a, b };
  ox_node_begin (c, op, ins, 2, &out, 1);
  ox_node_end (c);
}

void
ox_unary (OxCtx *c, const char *op, const char *in, const char *out)
{
  ox_node_begin (c, op, &in, 1, &out, 1);
  ox_node_end (c);
}

static void
attr_begin (OxCtx *c, const char *name, int type)
{
  nn_pb_begin (c->pb, NODE_ATTRIBUTE);
  nn_pb_write_string (c->pb, ATTR_NAME, name);
  nn_pb_write_varint (c->pb, ATTR_TYPE, (guint64) type);
}

void
ox_attr_int (OxCtx *c, const char *name, gint64 v)
{
  attr_begin (c, name, ATTR_INT);
  nn_pb_write_int64 (c->pb, ATTR_I, v);
  nn_pb_end (c->pb);
}

void
ox_attr_float (OxCtx *c, const char *name, float v)
{
  attr_begin (c, name, ATTR_FLOAT);
  nn_pb_write_float (c->pb, ATTR_F, v);
  nn_pb_end (c->pb);
}

void
ox_attr_string (OxCtx *c, const char *name, const char *v)
{
  attr_begin (c, name, ATTR_STRING);
  nn_pb_write_string (c->pb, ATTR_S, v);
  nn_pb_end (c->pb);
}

void
ox_attr_ints (OxCtx *c, const char *name, const gint64 *v, int n)
{
  attr_begin (c, name, ATTR_INTS_T);
  nn_pb_write_packed_int64 (c->pb, ATTR_INTS, v, (gsize) n);
  nn_pb_end (c->pb);
}

void
ox_attr_strings (OxCtx *c, const char *name, const char *const *v, int n)
{
  attr_begin (c, name, ATTR_STRINGS_T);
  for (int i = 0; i < n; i++)
    nn_pb_write_string (c->pb, ATTR_STRINGS, v[i]);
  nn_pb_end (c->pb);
}

/* ---- initializers ------------------------------------------------------- */

static void
tensor_header (OxCtx *c, const char *name, const gint64 *dims, int ndim, int type)
{
  nn_pb_begin (c->pb, GRAPH_INITIALIZER);
  for (int i = 0; i < ndim; i++)
    nn_pb_write_int64 (c->pb, TENSOR_DIMS, dims[i]);
  nn_pb_write_varint (c->pb, TENSOR_DATA_TYPE, (guint64) type);
  nn_pb_write_string (c->pb, TENSOR_NAME, name);
}

void
ox_init_floats (OxCtx *c, const char *name, const gint64 *dims, int ndim, const float *data)
{
  gsize n = 1;
  for (int i = 0; i < ndim; i++)
    n *= (gsize) dims[i];
  tensor_header (c, name, dims, ndim, ONNX_FLOAT);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  nn_pb_write_bytes (c->pb, TENSOR_RAW_DATA, data, n * sizeof (float));
#else
  g_autofree guint32 *le = g_new (guint32, n);
  memcpy (le, data, n * sizeof (float));
  for (gsize i = 0; i < n; i++)
    le[i] = GUINT32_TO_LE (le[i]);
  nn_pb_write_bytes (c->pb, TENSOR_RAW_DATA, le, n * sizeof (float));
#endif
  nn_pb_end (c->pb);
}

char *
ox_const_ints (OxCall *k, const char *hint, const gint64 *v, int n)
{
  char *name = ox_name (k, hint);
  gint64 dims[1] = { n };
  tensor_header (k->c, name, dims, 1, ONNX_INT64);
  nn_pb_write_packed_int64 (k->c->pb, TENSOR_INT64_DATA, v, (gsize) n);
  nn_pb_end (k->c->pb);
  return name;
}

char *
ox_const_floats (OxCall *k, const char *hint, const float *v, int n)
{
  char *name = ox_name (k, hint);
  gint64 dims[1] = { n };
  ox_init_floats (k->c, name, dims, 1, v);
  return name;
}

const float *
ox_weight (OxCall *k, int w, NnTensor *view)
{
  nn_model_layer_get_weight (k->m, k->layer, w, view);
  return view->data;
}

char *
ox_weight_init_as (OxCall *k, int w, const gint64 *dims, int ndim, const float *data)
{
  NnTensor view;
  const char *wname = nn_model_layer_get_weight (k->m, k->layer, w, &view);
  char *name = g_strdup_printf ("%s%s/%s", k->c->prefix, k->l->name, wname);
  if (g_hash_table_contains (k->c->written, name))
    return name;   /* a shared layer's second call */
  gint64 own[NN_MAX_DIMS];
  if (!dims)
    {
      for (int i = 0; i < view.ndim; i++)
        own[i] = view.shape[i];
      dims = own;
      ndim = view.ndim;
      data = view.data;
    }
  ox_init_floats (k->c, name, dims, ndim, data);
  g_hash_table_add (k->c->written, g_strdup (name));
  return name;
}

char *
ox_weight_init (OxCall *k, int w)
{
  return ox_weight_init_as (k, w, NULL, 0, NULL);
}

/* ---- names and layouts -------------------------------------------------- */

char *
ox_name (OxCall *k, const char *what)
{
  return g_strdup_printf ("%s%s/%s_%d", k->c->prefix, k->l ? k->l->name : "graph", what,
                          k->c->counter++);
}

OxLayout
ox_have (const OxValue *v)
{
  return v->name[OX_LAST] ? OX_LAST : OX_FIRST;
}

const char *
ox_get (OxCtx *c, OxValue *v, OxLayout lay)
{
  if (v->name[lay])
    return v->name[lay];
  g_assert (v->name[!lay]);
  if (v->ndim < 2)
    return v->name[lay] = g_strdup (v->name[!lay]);   /* (batch, features): the same */
  /* (batch, d1, .., dn, channels) <-> (batch, channels, d1, .., dn) */
  int rank = v->ndim + 1;
  gint64 perm[NN_MAX_DIMS + 1];
  perm[0] = 0;
  for (int i = 1; i < rank; i++)
    perm[i] = lay == OX_FIRST ? (i == 1 ? rank - 1 : i - 1) : (i == rank - 1 ? 1 : i + 1);
  v->name[lay] = g_strdup_printf ("%s_%s", v->name[!lay], lay == OX_FIRST ? "nchw" : "nhwc");
  ox_node_begin (c, "Transpose", (const char *const *) &v->name[!lay], 1,
                 (const char *const *) &v->name[lay], 1);
  ox_attr_ints (c, "perm", perm, rank);
  ox_node_end (c);
  return v->name[lay];
}

/* ---- activations -------------------------------------------------------- */

/* gelu: x Phi(x) = x (1 + erf (x / sqrt 2)) / 2 (opset 13 has no Gelu). */
static void
gelu (OxCall *k, const char *in, const char *out)
{
  float half = 0.5f, one = 1.0f, rsqrt2 = (float) M_SQRT1_2;
  g_autofree char *c_half = ox_const_floats (k, "half", &half, 1);
  g_autofree char *c_one = ox_const_floats (k, "one", &one, 1);
  g_autofree char *c_r = ox_const_floats (k, "rsqrt2", &rsqrt2, 1);
  g_autofree char *t1 = ox_name (k, "gelu_scaled");
  g_autofree char *t2 = ox_name (k, "gelu_erf");
  g_autofree char *t3 = ox_name (k, "gelu_plus1");
  g_autofree char *t4 = ox_name (k, "gelu_half_x");
  ox_binary (k->c, "Mul", in, c_r, t1);
  ox_unary (k->c, "Erf", t1, t2);
  ox_binary (k->c, "Add", t2, c_one, t3);
  ox_binary (k->c, "Mul", in, c_half, t4);
  ox_binary (k->c, "Mul", t4, t3, out);
}

gboolean
ox_activation (OxCall *k, const char *act, const char *in, OxLayout lay, int rank,
               const char *out, GError **error)
{
  static const struct { const char *ours, *onnx; } plain[] = {
    { "linear", "Identity" }, { "relu", "Relu" }, { "sigmoid", "Sigmoid" }, { "tanh", "Tanh" },
    { "selu", "Selu" }, { "softplus", "Softplus" }, { "exponential", "Exp" },
  };
  OxCtx *c = k->c;
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    if (g_str_equal (act, plain[i].ours))
      {
        ox_unary (c, plain[i].onnx, in, out);
        return TRUE;
      }
  if (g_str_equal (act, "softmax"))
    {
      /* over the channels: the last axis, or axis 1 when channels-first */
      ox_node_begin (c, "Softmax", &in, 1, &out, 1);
      ox_attr_int (c, "axis", lay == OX_FIRST && rank > 2 ? 1 : -1);
    }
  else if (g_str_equal (act, "leaky_relu"))
    {
      ox_node_begin (c, "LeakyRelu", &in, 1, &out, 1);
      ox_attr_float (c, "alpha", 0.3f);   /* the engine's (Keras 2's) slope */
    }
  else if (g_str_equal (act, "elu"))
    {
      ox_node_begin (c, "Elu", &in, 1, &out, 1);
      ox_attr_float (c, "alpha", 1.0f);
    }
  else if (g_str_equal (act, "hard_sigmoid"))
    {
      ox_node_begin (c, "HardSigmoid", &in, 1, &out, 1);
      ox_attr_float (c, "alpha", 0.2f);
      ox_attr_float (c, "beta", 0.5f);
    }
  else if (g_str_equal (act, "swish") || g_str_equal (act, "silu"))
    {
      g_autofree char *s = ox_name (k, "sigmoid");
      ox_unary (c, "Sigmoid", in, s);
      ox_binary (c, "Mul", in, s, out);
      return TRUE;
    }
  else if (g_str_equal (act, "gelu"))
    {
      gelu (k, in, out);
      return TRUE;
    }
  else
    {
      g_autofree char *why = g_strdup_printf ("its activation \"%s\" has none", act);
      ox_unsupported (k, error, why);
      return FALSE;
    }
  ox_node_end (c);
  return TRUE;
}

void
ox_unsupported (OxCall *k, GError **error, const char *why)
{
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER,
               _("%s%s (%s) cannot be exported to ONNX: %s"), k->c->prefix, k->l->name,
               k->l->type->name, why);
}

/* ---- the model, layer call by layer call -------------------------------- */

typedef struct {
  OxCtx          *c;
  const NnModel  *m;
  OxValue      ***vals;     /* [layer][call * NN_MAX_LAYER_OUTPUTS + out], NULL until made */
  OxValue *const *inputs;   /* one per model input */
  GPtrArray      *owned;    /* every OxValue made */
} OxScope;

static OxValue *scope_value (OxScope *s, NnRef r, GError **error);

static OxValue *
value_new (OxScope *s)
{
  OxValue *v = g_new0 (OxValue, 1);
  g_ptr_array_add (s->owned, v);
  return v;
}

static void
value_free (gpointer p)
{
  OxValue *v = p;
  g_free (v->name[0]);
  g_free (v->name[1]);
  g_free (v->mask);
  g_free (v->lens);
  g_free (v);
}

static OxValue *export_model (OxScope *parent, const NnModel *m, OxValue *const *inputs,
                              const char *prefix, GError **error);

/* Call ci of layer li on `in`: its output tensors into outs[0..]. */
static gboolean
layer_call (OxScope *s, int li, int ci, OxValue **in, int n_in, OxValue **outs,
            GError **error)
{
  const NnLayer *l = nn_model_layer (s->m, li);
  if (l->sub)
    {
      g_autofree char *prefix = ci > 0
        ? g_strdup_printf ("%s%s:%d/", s->c->prefix, l->name, ci)
        : g_strdup_printf ("%s%s/", s->c->prefix, l->name);
      return (outs[0] = export_model (s, l->sub, in, prefix, error)) != NULL;
    }
  int n_out = nn_model_layer_get_n_outputs (s->m, li);
  for (int o = 0; o < n_out; o++)
    outs[o] = value_new (s);
  OxValue *out = outs[0];
  OxCall k = { s->c, s->m, li, l, in, n_in, out, outs + 1, n_out - 1 };
  OxLayerFn fn = ox_seq_lookup (l->type->name);
  if (!fn)
    fn = ox_layer_lookup (l->type->name);
  if (!fn)
    {
      ox_unsupported (&k, error, "the exporter has no ONNX mapping for this layer type");
      return FALSE;
    }
  for (int o = 0; o < n_out; o++)
    if (!nn_model_get_shape (s->m, (NnRef) { li, ci, o }, &outs[o]->ndim, outs[o]->d))
      {
        ox_unsupported (&k, error, "its output shape is unknown");
        return FALSE;
      }
  if (!fn (&k, error))
    return FALSE;
  if (l->type->keeps_mask && !out->mask && in[0]->mask)
    {
      /* layers that work step by step pass the padding on */
      out->mask = g_strdup (in[0]->mask);
      out->lens = g_strdup (in[0]->lens);
    }
  return TRUE;
}

static OxValue *
scope_value (OxScope *s, NnRef r, GError **error)
{
  OxValue **slot = &s->vals[r.layer][r.call * NN_MAX_LAYER_OUTPUTS];
  if (slot[0])
    return slot[r.out];
  const NnLayer *l = nn_model_layer (s->m, r.layer);
  if (l->type->min_inputs == 0)
    {
      for (int i = 0; i < nn_model_get_n_inputs (s->m); i++)
        if (nn_model_get_input_layer (s->m, i) == r.layer)
          slot[0] = s->inputs[i];
      g_assert (slot[0]);
      return slot[r.out];
    }
  int n_in = l->calls[r.call].n_in;
  g_autofree OxValue **in = g_new0 (OxValue *, MAX (n_in, 1));
  for (int k = 0; k < n_in; k++)
    if (!(in[k] = scope_value (s, l->calls[r.call].in[k], error)))
      return NULL;
  OxValue *outs[NN_MAX_LAYER_OUTPUTS] = { NULL };
  if (!layer_call (s, r.layer, r.call, in, n_in, outs, error))
    return NULL;
  memcpy (slot, outs, sizeof outs);
  return slot[r.out];
}

static void
scope_init (OxScope *s, OxCtx *c, const NnModel *m, OxValue *const *inputs, GPtrArray *owned)
{
  *s = (OxScope) { c, m, g_new0 (OxValue **, m->n_layers), inputs, owned };
  for (int i = 0; i < m->n_layers; i++)
    s->vals[i] = g_new0 (OxValue *, MAX (m->layers[i]->n_calls, 1) * NN_MAX_LAYER_OUTPUTS);
}

static void
scope_clear (OxScope *s)
{
  for (int i = 0; i < s->m->n_layers; i++)
    g_free (s->vals[i]);
  g_free (s->vals);
}

/* Exports a Model layer's inner model m on the given input values; returns
 * the value of its first output (what the layer outputs). */
static OxValue *
export_model (OxScope *parent, const NnModel *m, OxValue *const *inputs, const char *prefix,
              GError **error)
{
  OxScope s;
  scope_init (&s, parent->c, m, inputs, parent->owned);
  const char *saved = s.c->prefix;
  s.c->prefix = prefix;
  OxValue *out = NULL;
  if (m->n_outputs < 1)
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                 _("the model %s has no outputs to export"), m->name ? m->name : "");
  else
    out = scope_value (&s, m->outputs[0].ref, error);
  s.c->prefix = saved;
  scope_clear (&s);
  return out;
}

/* ---- the file ----------------------------------------------------------- */

/* A graph input or output: float, (batch, d...). */
static void
value_info (NnPb *pb, int field, const char *name, int ndim, const int *d)
{
  nn_pb_begin (pb, field);
  nn_pb_write_string (pb, VALUE_NAME, name);
  nn_pb_begin (pb, VALUE_TYPE);
  nn_pb_begin (pb, TYPE_TENSOR);
  nn_pb_write_varint (pb, TENSOR_TYPE_ELEM, ONNX_FLOAT);
  nn_pb_begin (pb, TENSOR_TYPE_SHAPE);
  nn_pb_begin (pb, SHAPE_DIM);
  nn_pb_write_string (pb, DIM_PARAM, "batch");
  nn_pb_end (pb);
  for (int i = 0; i < ndim; i++)
    {
      nn_pb_begin (pb, SHAPE_DIM);
      nn_pb_write_int64 (pb, DIM_VALUE, d[i]);
      nn_pb_end (pb);
    }
  nn_pb_end (pb);
  nn_pb_end (pb);
  nn_pb_end (pb);
  nn_pb_end (pb);
}

/* The graph's inputs, every layer its outputs need, and the outputs. */
static gboolean
write_graph (OxCtx *c, NnModel *model, GPtrArray *owned, GError **error)
{
  int n_in = nn_model_get_n_inputs (model);
  g_autofree OxValue **inputs = g_new0 (OxValue *, MAX (n_in, 1));
  for (int i = 0; i < n_in; i++)
    {
      int li = nn_model_get_input_layer (model, i);
      OxValue *v = inputs[i] = g_new0 (OxValue, 1);
      g_ptr_array_add (owned, v);
      v->name[OX_LAST] = g_strdup (nn_model_layer_get_name (model, li));
      nn_model_get_shape (model, (NnRef) { li, 0 }, &v->ndim, v->d);
      value_info (c->pb, GRAPH_INPUT, v->name[OX_LAST], v->ndim, v->d);
    }
  OxScope s;
  scope_init (&s, c, model, inputs, owned);
  gboolean ok = TRUE;
  g_autoptr (GHashTable) outs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; ok && i < nn_model_get_n_outputs (model); i++)
    {
      NnRef r = nn_model_get_output (model, i);
      OxValue *v = scope_value (&s, r, error);
      if (!(ok = v != NULL))
        break;
      const char *lname = nn_model_layer_get_name (model, r.layer);
      char *name = g_hash_table_contains (outs, lname) ? g_strdup_printf ("%s_%d", lname, i)
                                                       : g_strdup (lname);
      g_hash_table_add (outs, name);
      ox_unary (c, "Identity", ox_get (c, v, OX_LAST), name);
      value_info (c->pb, GRAPH_OUTPUT, name, v->ndim, v->d);
    }
  scope_clear (&s);
  return ok;
}

static gboolean
check_model (NnModel *model, GError **error)
{
  if (!nn_model_infer (model, error))
    return FALSE;
  if (nn_model_get_n_outputs (model) < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("%s has no outputs to export; mark the layers whose results it gives"),
                   nn_model_get_name (model));
      return FALSE;
    }
  /* refused before any weight is made or written: the file would hold
   * them all as float32 */
  gint64 n = nn_model_count_params (model, NULL, NULL);
  if ((guint64) n > MAX_FILE_BYTES / sizeof (float))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   "%s has %" G_GINT64_FORMAT " weights, more than an ONNX file can hold "
                   "(protobuf messages stop at 2 GB); use smaller layers",
                   nn_model_get_name (model), n);
      return FALSE;
    }
  return nn_model_has_weights (model) || nn_model_init_weights (model, 1, error);
}

/* DIR/model.onnx, and DIR/vocab.json for a text model. */
static gboolean
write_file (NnModel *model, const char *dir, const guint8 *data, gsize len, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("cannot create the folder %s: %s"),
                   dir, g_strerror (e));
      return FALSE;
    }
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *vocab = g_build_filename (dir, NN_VOCAB_FILE, NULL);
  g_autoptr (GError) err = NULL;
  if (!g_file_set_contents (path, (const char *) data, (gssize) len, &err)
      || !nn_model_write_vocab (model, vocab, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("cannot write %s: %s"), path,
                   err->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_export_onnx (NnModel *model, const char *dir, GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);
  if (!check_model (model, error))
    return FALSE;
  g_autoptr (NnPb) pb = nn_pb_new ();
  g_autoptr (GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (value_free);
  OxCtx c = { pb, 0, "", written };
  nn_pb_write_int64 (pb, MODEL_IR_VERSION, NN_ONNX_IR_VERSION);
  nn_pb_write_string (pb, MODEL_PRODUCER, "Deepscope");
  nn_pb_write_string (pb, MODEL_PRODUCER_VERSION, "1");
  nn_pb_begin (pb, MODEL_GRAPH);
  nn_pb_write_string (pb, GRAPH_NAME, nn_model_get_name (model));
  gboolean ok = write_graph (&c, model, owned, error);
  nn_pb_end (pb);
  if (!ok)
    return FALSE;
  nn_pb_begin (pb, MODEL_OPSET);
  nn_pb_write_string (pb, OPSET_DOMAIN, "");
  nn_pb_write_int64 (pb, OPSET_VERSION, NN_ONNX_OPSET);
  nn_pb_end (pb);
  if (nn_model_get_vocab (model))
    {
      /* where the text model's vocabulary is: metadata_props */
      nn_pb_begin (pb, MODEL_METADATA);
      nn_pb_write_string (pb, ENTRY_KEY, "vocabulary");
      nn_pb_write_string (pb, ENTRY_VALUE, NN_VOCAB_FILE);
      nn_pb_end (pb);
    }
  gsize len;
  const guint8 *data = nn_pb_get_data (pb, &len);
  if (len > MAX_FILE_BYTES)
    {
      g_autofree char *size = g_format_size (len);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("%s would make an ONNX file of %s, over the 2 GB protobuf limit"),
                   nn_model_get_name (model), size);
      return FALSE;
    }
  return write_file (model, dir, data, len, error);
}
