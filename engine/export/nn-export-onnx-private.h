/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ONNX writer's insides, shared by nn-export-onnx.c (the file, the
 * graph, values and their layouts, nested models) and the layer mappings
 * (nn-export-onnx-layers.c, nn-export-onnx-seq.c). */
#pragma once

#include "nn-model-private.h"
#include "nn-protobuf.h"

/* A tensor of our model in the ONNX graph. The engine keeps images and
 * sequences channels-last; ONNX's Conv, pooling, BatchNormalization and
 * friends want channels-first. A value keeps a name in either layout and
 * gets the other through one Transpose the first time it is asked for, so
 * a chain of convolutions and poolings transposes once at each end. */
typedef enum { OX_LAST = 0, OX_FIRST = 1 } OxLayout;

typedef struct {
  char *name[2];            /* per layout, NULL until made */
  int   ndim;               /* per sample (no batch axis) */
  int   d[NN_MAX_DIMS];
  /* A sequence's padding (Embedding with mask_zero), or NULL: which steps
   * are real, float (batch, steps) of 0 and 1, and how many, int32
   * (batch): ONNX's recurrent ops take lengths, so the padding must come
   * after the real steps (the engine's text datasets pad at the end). */
  char *mask, *lens;
} OxValue;

typedef struct {
  NnPb       *pb;           /* inside the GraphProto */
  int         counter;      /* for unique names */
  const char *prefix;       /* "" at top level, "encoder/" inside a Model layer */
  GHashTable *written;      /* initializers written (a shared layer's are written once) */
} OxCtx;

/* One layer call: its model and layer, its inputs and where its output goes
 * (the mapping sets out->name[] and out's shape is already filled in), and
 * a recurrent layer's final states (return_state: outputs 1 and on, each
 * (batch, units), which the mapping names too). */
typedef struct {
  OxCtx         *c;
  const NnModel *m;
  int            layer;
  const NnLayer *l;
  OxValue      **in;
  int            n_in;
  OxValue       *out;
  OxValue      **states;
  int            n_states;
} OxCall;

/* A fresh name "prefix+layer/what_N". */
char       *ox_name          (OxCall *k, const char *what);
/* The value's name in layout `lay`, adding the Transpose if needed
 * (borrowed from v). */
const char *ox_get           (OxCtx *c, OxValue *v, OxLayout lay);
/* The layout a value already has (channels-last when it has both). */
OxLayout    ox_have          (const OxValue *v);

/* Nodes: begin, attributes, end. ins may hold "" for an absent input. */
void        ox_node_begin    (OxCtx *c, const char *op, const char *const *ins, int n_in,
                              const char *const *outs, int n_out);
void        ox_node_end      (OxCtx *c);
void        ox_attr_int      (OxCtx *c, const char *name, gint64 v);
void        ox_attr_float    (OxCtx *c, const char *name, float v);
void        ox_attr_string   (OxCtx *c, const char *name, const char *v);
void        ox_attr_ints     (OxCtx *c, const char *name, const gint64 *v, int n);
void        ox_attr_strings  (OxCtx *c, const char *name, const char *const *v, int n);
/* A one-in, one-out node with no attributes. */
void        ox_unary         (OxCtx *c, const char *op, const char *in, const char *out);
/* A two-in, one-out node with no attributes (Add, Mul, MatMul, Gather). */
void        ox_binary        (OxCtx *c, const char *op, const char *a, const char *b,
                              const char *out);

/* Initializers: float data (dims without batch), int64 constants. */
void        ox_init_floats   (OxCtx *c, const char *name, const gint64 *dims, int ndim,
                              const float *data);
/* A new int64 constant (1-D) named "prefix+hint_N"; returns its name. */
char       *ox_const_ints    (OxCall *k, const char *hint, const gint64 *v, int n);
char       *ox_const_floats  (OxCall *k, const char *hint, const float *v, int n);

/* Layer weight `w` (borrowed view). */
const float *ox_weight       (OxCall *k, int w, NnTensor *view);
/* The weight as an initializer named "prefix+layer/weightname" in its own
 * layout; returns the name. */
char        *ox_weight_init  (OxCall *k, int w);
/* The same with the data rearranged by the caller (dims, ndim, data). */
char        *ox_weight_init_as (OxCall *k, int w, const gint64 *dims, int ndim,
                                const float *data);

/* Activation act (our names) applied to `in` of layout lay, written to
 * `out`; "linear" is an Identity. FALSE with an error for an unknown one. */
gboolean     ox_activation   (OxCall *k, const char *act, const char *in, OxLayout lay,
                              int rank, const char *out, GError **error);

/* The mapping of one layer type: fills k->out->name[]. */
typedef gboolean (*OxLayerFn) (OxCall *k, GError **error);
/* The mapping for a layer class, or NULL (nn-export-onnx-layers.c). */
OxLayerFn    ox_layer_lookup (const char *class_name);
/* The sequence layers' mappings (nn-export-onnx-seq.c). */
OxLayerFn    ox_seq_lookup   (const char *class_name);

/* The "no mapping" error, naming the layer and why. */
void         ox_unsupported  (OxCall *k, GError **error, const char *why);
