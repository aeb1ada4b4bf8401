/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table: each layer type is described once, here and in its
 * nn-layer-*.c file: parameters (for the property panel, JSON and docs), the
 * shape rule, the weight variables, and how it lowers to ops. */
#pragma once

#include "nn.h"
#include "nn-graph-private.h"

#define NN_MAX_WEIGHTS 8

typedef struct {
  int ndim;
  int d[NN_MAX_DIMS];     /* per sample: no batch axis */
} NnShape;

typedef enum {
  NN_INIT_ZEROS,
  NN_INIT_ONES,
  NN_INIT_GLOROT_UNIFORM,
  NN_INIT_GLOROT_NORMAL,
  NN_INIT_HE_NORMAL,
  NN_INIT_HE_UNIFORM,
  NN_INIT_LECUN_NORMAL,
  NN_INIT_RANDOM_NORMAL,  /* stddev 0.05 as in Keras */
  NN_INIT_ORTHOGONAL,
  NN_INIT_UNIFORM,        /* RandomUniform(-0.05, 0.05), Keras's "uniform" */
  NN_N_INITS
} NnInit;

extern const char *const nn_init_names[];   /* NULL-terminated, Keras names */
extern const char *const nn_activation_names[]; /* "linear", "relu", ..., "exponential", NULL */

typedef struct {
  const char *name;       /* "kernel", "bias", "moving_mean" */
  int         ndim;
  int         shape[NN_MAX_DIMS];
  NnInit      init;
  int         fan_in, fan_out; /* for Glorot/He; 0: derive from shape */
  int         trainable;  /* 0 for statistics such as moving averages */
  float       l1, l2;     /* weight penalties */
  int         ones_lo, ones_hi; /* elements [lo, hi) start at 1 after init (LSTM's
                                   unit_forget_bias: the forget gate's bias) */
} NnWeightSpec;

typedef struct _NnLayer NnLayer;

typedef struct {
  int     n_in;
  NnRef  *in;          /* owned */
  NnShape shape;       /* output shape after inference (output 0) */
  int     shape_ok;
  int     n_out;       /* outputs after inference (1 unless the type has n_outputs) */
  NnShape more[NN_MAX_LAYER_OUTPUTS - 1]; /* shapes of outputs 1 .. n_out - 1 */
} NnCall;

/* The shape of output `out` of a call (out < NN_MAX_LAYER_OUTPUTS). */
static inline NnShape *
nn_call_shape (NnCall *c, int out)
{
  return out > 0 ? &c->more[out - 1] : &c->shape;
}

/* One layer of a model (nn-model.c edits it; the layer table reads it). */
struct _NnLayer {
  const NnLayerType *type;
  char       *name;
  NnValue    *cfg;          /* type->n_params values, in spec order */
  gboolean    trainable;
  double      x, y;         /* editor position */
  NnModel    *sub;          /* class "Model": the inner model (owned) */
  NnCall     *calls;
  int         n_calls;
  char       *error;        /* last inference error on this layer */
  /* Weights (after inference): specs and offsets into the model's flat
   * parameter array. Shapes come from the first call. */
  int          n_weights;
  NnWeightSpec wspec[NN_MAX_WEIGHTS];
  size_t       woff[NN_MAX_WEIGHTS];
};

/* Given to lowering functions. */
typedef struct {
  NnGraph *g;
  int      training;   /* graph built for training (dropout active) */
  int      frozen;     /* inside a non-trainable Model layer */
  /* A layer with several outputs per call returns output 0's node and
   * sets outs[k] to the node of output k (1 <= k < its n_outputs). */
  int      outs[NN_MAX_LAYER_OUTPUTS];
} NnLowerCtx;

struct _NnLayerType {
  const char          *name;       /* Keras class_name */
  NnLayerGroup         group;
  const char          *help;       /* one line */
  int                  min_inputs; /* Input: 0 */
  int                  max_inputs; /* -1: any */
  const NnParamSpec   *params;
  int                  n_params;
  /* Outputs per call from the configuration; NULL: one. */
  int      (*n_outputs) (const NnLayer *l);
  /* The name of recurrent state k (0-based: output k + 1 with
   * return_state, input k + 1 as an initial state): "h", "c"; NULL for a
   * type without states. */
  const char *(*state_name) (const NnLayer *l, int k);
  /* Shape rule on per-sample shapes: out[k] for each output (one unless
   * n_outputs says more). The message names the layer and the fix;
   * use nn_layer_shape_error for the common form. */
  gboolean (*infer)   (const NnLayer *l, const NnShape *in, int n_in, NnShape *out,
                       GError **error);
  /* Weight variables for these input shapes (0 if none). */
  int      (*weights) (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *out);
  /* Adds ops for one call; w holds the param node of each weight. Returns
   * the output node. */
  int      (*lower)   (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in,
                       const int *w);
  /* Masking (sequences): when set, the output carries its first input's
   * padding mask (NnNode.mask) unless lower set one itself: layers that
   * work step by step (Dense on the last axis, Activation, Dropout). A
   * layer that makes a mask (Embedding with mask_zero) or consumes one
   * (recurrent layers, 1-D global pooling) reads and sets NnNode.mask in
   * its lower function; every other layer drops it. */
  gboolean             keeps_mask;
};

/* The layer table (nn-layers.c), constant data: every type in palette
 * order; each nn-layer-*.c exports its types. */
extern const NnLayerType *const nn_layer_table[];
extern const guint              nn_layer_table_size;
/* For test programs only: the lookups (nn_layer_types_get, _count,
 * nn_layer_type_lookup) read `table` instead, until called with NULL. Call
 * it before any model exists. */
void     nn_layer_table_replace (const NnLayerType *const *table, guint n);

/* Config access by parameter name (the layer's own spec must have it). */
int          nn_layer_int     (const NnLayer *l, const char *pname);
double       nn_layer_float   (const NnLayer *l, const char *pname);
gboolean     nn_layer_bool    (const NnLayer *l, const char *pname);
const char  *nn_layer_enum    (const NnLayer *l, const char *pname);   /* choice text */
int          nn_layer_shape   (const NnLayer *l, const char *pname, int *dims); /* returns n */
const char  *nn_layer_string  (const NnLayer *l, const char *pname);
const char  *nn_layer_name    (const NnLayer *l);
const NnLayerType *nn_layer_type (const NnLayer *l);
NnModel     *nn_layer_submodel(const NnLayer *l);

/* Sets *error to "LAYER expects ... but gets ...; FIX" (fix may be NULL). */
void     nn_layer_shape_error   (GError **error, const NnLayer *l, const char *expects,
                                 const NnShape *got, const char *fix);
char    *nn_shape_text          (const NnShape *s);   /* "(batch, 28, 28)" */
NnInit   nn_init_parse          (const char *s);

/* Lowering helpers shared by layers. */
int      nn_lower_activation    (NnLowerCtx *ctx, int node, const char *activation);
