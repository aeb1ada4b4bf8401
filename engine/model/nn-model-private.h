/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model internals shared by nn-model.c (editing, inference), nn-model-io.c
 * (JSON files), nn-compile.c (lowering to the op graph) and the trainer. */
#pragma once

#include "nn.h"
#include "nn-layer-private.h"

typedef struct {
  NnRef    ref;
  NnLoss   loss;
  double   loss_weight;
  int      n_metrics;
  NnMetric metrics[8];
} NnOutput;

struct _NnModel {
  char              *name;
  NnLayer          **layers;
  int                n_layers, cap_layers;
  NnOutput          *outputs;
  int                n_outputs;
  NnOptimizerConfig  opt;
  char              *dataset;
  NnDatasetFlags     dataset_flags;
  NnTrainDefaults    defaults;
  /* Flat weights: one array for every layer of this model (a submodel keeps
   * its own). n_params counts floats. */
  float             *params;
  size_t             n_params;
  gboolean           has_weights;
  gboolean           inferred;   /* shapes valid for the current structure */
  NnVocab           *vocab;      /* text inputs' vocabulary (nn-text.h), owned, or NULL */
};

NnLayer  *nn_model_layer (const NnModel *m, int i);
/* Frees the weights when the structure changed so that sizes differ. */
void      nn_model_invalidate (NnModel *m);
/* Sets a value from text per spec; FALSE with a CONFIG error otherwise. */
gboolean  nn_value_parse (const NnParamSpec *spec, const char *text, NnValue *out,
                          GError **error);
char     *nn_value_to_text (const NnParamSpec *spec, const NnValue *v);
void      nn_value_clear (NnValue *v);

/* ---- model internals shared with nn-model-infer.c (nn-model.c) -------- */

/* Whether l is a Model layer (a submodel). */
gboolean  is_model_layer (const NnLayer *l);
/* FALSE with a GRAPH error when r names no call of m. */
gboolean  check_ref (const NnModel *m, NnRef r, GError **error);
/* Calls that nn_model_auto_outputs makes outputs: unconsumed calls of
 * layers that take inputs. */
gboolean  is_auto_output (const NnModel *m, NnRef r);

/* ---- lowering (nn-compile.c) ---------------------------------------- */

typedef struct {
  float  *value;
  float  *grad;       /* points into NnCompiled.grads */
  size_t  n;
  int     trainable;
} NnParamSegment;

/* One layer call at any depth, nested models included (NN_COMPILE_PROBES). */
typedef struct {
  char          *path;   /* "conv2d_1"; inside a Model layer "conv_base/conv1"; a
                            second call of a layer "dense:1" */
  int            node;   /* the node holding the call's output */
  const NnLayer *layer;
  int            depth;  /* 0 at top level, 1 inside a Model layer, ... */
  NnRef          top;    /* the top-level call that holds it (itself at depth 0) */
} NnCompiledProbe;

typedef struct {
  NnModel  *model;       /* borrowed */
  NnGraph  *g;
  int       training;
  int       n_inputs;
  int      *input_nodes;     /* one per model input */
  int       n_outputs;
  int      *output_nodes;    /* predictions (after the final activation) */
  int      *target_nodes;    /* one per output with a loss, else -1 */
  int      *loss_nodes;      /* each output's loss (unweighted) */
  int       loss_node;       /* total: weighted sum + penalties; -1 if none */
  /* Gradients for all trainable weights: one flat array, segment-mapped. */
  float    *grads;
  size_t    n_grads;
  NnParamSegment *segments;
  int       n_segments;
  /* Nodes of every layer call's output, for inspectors: [layer][call] is
   * output 0's; output k of call c is at [layer][c + k n_calls]
   * (nn_compiled_ref_node), -1 where the layer has no such output. */
  int     **call_nodes;
  /* Dropout nodes and the layer each belongs to (runtime rate changes). */
  int      *dropout_nodes, *dropout_layers;
  int       n_dropout;
  /* Weight-penalty nodes and their (top-level) layer (runtime L1/L2). */
  int      *penalty_nodes, *penalty_layers;
  int       n_penalty;
  /* KL terms of Sampling layers at any depth (unweighted; beta scales
   * what the loss adds, through kl_scale_nodes), reported as kl_loss;
   * their layers, whose beta nn_compiled_sync_runtime reads. */
  int      *kl_nodes, *kl_scale_nodes;
  NnLayer **kl_layers;
  int       n_kl;
  /* NN_COMPILE_PROBES: every layer call at every depth, in forward (node)
   * order: each model's Input layers first, a Model layer's inner calls
   * before the Model layer's own call. */
  NnCompiledProbe *probes;
  int       n_probes;
} NnCompiled;

/* Flags for nn_compile. */
enum {
  NN_COMPILE_TRAIN       = 1 << 0,  /* dropout active, weight gradients, optimizer state */
  NN_COMPILE_INPUT_GRADS = 1 << 1,  /* gradients with respect to the model's inputs */
  NN_COMPILE_PROBES      = 1 << 2,  /* list every call at every depth (probes) and keep
                                       their values after a forward pass */
};

/* Lowers the model (inferred, with weights; initialised with seed 0 if it
 * has none) to a graph allocated for max_batch. */
NnCompiled *nn_compile       (NnModel *m, int max_batch, int flags, NnRng *rng,
                              GError **error);
void        nn_compiled_free (NnCompiled *c);
/* The node of a top-level tensor of the compiled model, or -1. */
int         nn_compiled_ref_node (const NnCompiled *c, NnRef r);
/* Updates runtime parameters (dropout rates, L1/L2, Sampling's beta)
 * from the model's config. */
void        nn_compiled_sync_runtime (NnCompiled *c);

/* ---- optimizers (nn-optim.c) ------------------------------------------ */

typedef struct _NnOptimizer NnOptimizer;
/* NULL when the moments do not fit in memory. */
NnOptimizer *nn_optimizer_new   (const NnOptimizerConfig *cfg, size_t n_grads);
void         nn_optimizer_free  (NnOptimizer *o);
/* One update of every trainable segment with learning rate lr. */
void         nn_optimizer_step  (NnOptimizer *o, NnCompiled *c, double lr);
long         nn_optimizer_get_steps (const NnOptimizer *o);

/* ---- memory limit (nn-model.c) --------------------------------------- */

/* The limit in bytes; *source (may be NULL) gets where it comes from, in
 * words for messages ("half of this machine's memory"). */
guint64   nn_memory_limit (const char **source);
/* "16.0 GiB", "512.0 MiB", "100 bytes" */
char     *nn_format_bytes (guint64 bytes);
/* "2G", "512M", "1.5GiB", "300k", "1048576" (binary units); FALSE when the
 * text is no size or 0 or too large to count. */
gboolean  nn_parse_bytes  (const char *text, guint64 *out);
/* What to change in a layer to make it smaller ("use fewer units"). */
const char *nn_layer_smaller_hint (const NnLayer *l);
