/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The op graph: nodes in topological order (a node's inputs always have
 * smaller indices), forward in index order, reverse-mode autodiff in reverse.
 * Plain C11 + CBLAS: no GLib here, so kernels stay portable and testable.
 *
 * Memory: nn_graph_alloc sizes every node for the largest batch once; values,
 * gradients and scratch come from three arenas, so a training step allocates
 * nothing. Parameter nodes borrow their value and gradient from the model's
 * flat parameter and gradient arrays.
 *
 * Inference graphs (share_buffers set, no gradient anywhere) reuse memory:
 * a node's value is live from its own index to its last reader, and nodes
 * whose lifetimes do not overlap share bytes of the value arena; all nodes
 * share one scratch area, since in inference aux is only used inside one
 * op's forward. Input nodes and nodes marked `keep` get their own bytes. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "nn-tensor.h"
#include "nn-augment.h"

#define NN_OP_MAX_IPARAMS 16
#define NN_OP_MAX_FPARAMS 4

typedef enum {
  NN_OP_INPUT,          /* data fed per batch; value set by the caller */
  NN_OP_PARAM,          /* a weight; value/grad borrowed */
  NN_OP_MATMUL_BIAS,    /* y = x W + b; x (B.., K), W (K, N), b (N) optional; ip[0]=has_bias */
  NN_OP_ADD,            /* y = sum of inputs (same shape) */
  NN_OP_MUL,            /* y = product of inputs (same shape) */
  NN_OP_CONCAT,         /* along the last axis */
  NN_OP_RESHAPE,        /* ip[0]=ndim (without batch), ip[1..]=shape; batched;
                           ip[NN_RESHAPE_FOLD] 1: the batch axis is the input's times
                           ip[NN_RESHAPE_STEPS] (steps folded into the batch), 2: divided
                           by it (unfolded); 0: the input's */
  NN_OP_RELU,
  NN_OP_SIGMOID,
  NN_OP_TANH,
  NN_OP_SOFTMAX,        /* over the last axis */
  NN_OP_DROPOUT,        /* fp[0]=rate (read each step: may change mid-run) */
  NN_OP_SCALE,          /* y = fp[0] * x */
  /* losses: inputs (pred, target); output a scalar (1): mean over the batch */
  NN_OP_BCE,            /* ip[0]=from_logits */
  NN_OP_CCE,            /* ip[0]=from_logits; target one-hot */
  NN_OP_SPARSE_CCE,     /* ip[0]=from_logits; target class index as float, (B) or (B,1) */
  NN_OP_MSE,
  NN_OP_MAE,
  NN_OP_WEIGHT_PENALTY, /* input a param; y = fp[0] sum|w| + fp[1] sum w^2 */
  /* more activations (nn-op-elementwise.c), tf.keras 2.x definitions */
  NN_OP_LEAKY_RELU,     /* alpha 0.3, the LeakyReLU layer's */
  NN_OP_ELU,            /* alpha 1.0 */
  NN_OP_SELU,
  NN_OP_GELU,           /* exact (erf), not the tanh approximation */
  NN_OP_SWISH,          /* also named silu */
  NN_OP_SOFTPLUS,
  NN_OP_HARD_SIGMOID,   /* clip(0.2 x + 0.5, 0, 1) */
  NN_OP_EXPONENTIAL,
  /* variational autoencoders (nn-op-vae.c): inputs (mean, log_var) */
  NN_OP_SAMPLING,       /* z = mean + exp(log_var / 2) eps while training; mean otherwise */
  NN_OP_KL,             /* scalar: KL(N(mean, exp(log_var)) || N(0, 1)), summed over the
                           latent axis, mean over the batch */
  /* the convnet ops follow in nn-op-conv*.c, nn-op-pool.c, ... */
  NN_OP_LAST_CORE,
  /* convnet ops (nn-op-conv2d.c, nn-op-pool.c, nn-op-resample.c, nn-op-batchnorm.c);
   * their input/parameter layout is documented in nn-conv-private.h */
  NN_OP_CONV2D,
  NN_OP_DEPTHWISE_CONV2D,
  NN_OP_CONV2D_TRANSPOSE,
  NN_OP_MAX_POOL2D,
  NN_OP_AVG_POOL2D,
  NN_OP_GLOBAL_AVG_POOL2D,
  NN_OP_GLOBAL_MAX_POOL2D,
  NN_OP_UPSAMPLE2D,
  NN_OP_ZERO_PAD2D,
  NN_OP_BATCHNORM,
  NN_OP_SPATIAL_DROPOUT2D,
  NN_OP_AUGMENT,        /* random image augmentation while training (nn-op-augment.c) */
  /* sequences (nn-op-embedding.c, nn-op-seq.c; layout in nn-seq-private.h) */
  NN_OP_EMBEDDING,
  NN_OP_NOT_ZERO,
  NN_OP_GLOBAL_POOL1D,
  NN_OP_MASKED_LOSS,
  /* recurrent layers (nn-op-rnn.c; parameters in nn-rnn-private.h) */
  NN_OP_RNN,            /* SimpleRNN, LSTM or GRU over a whole sequence */
  NN_OP_EMBED_CONV1D,   /* Embedding -> Conv1D fused (nn-op-embed-conv1d.c) */
  NN_OP_SLICE,          /* part of each sample (nn-op-slice.c): a recurrent layer's states */
  NN_N_OPS = 96
} NnOpType;

enum { NN_RESHAPE_FOLD = NN_OP_MAX_IPARAMS - 2, NN_RESHAPE_STEPS = NN_OP_MAX_IPARAMS - 1 };

typedef struct NnGraph NnGraph;
typedef struct NnNode NnNode;

struct NnNode {
  NnOpType  op;
  int       n_in;
  int      *in;           /* input node indices (< this node's index) */
  int       ndim;
  int       shape[NN_MAX_DIMS];
  size_t    size;         /* elements at the current batch */
  size_t    capacity;     /* elements at max batch (value and grad) */
  int       batched;      /* shape[0] is the batch axis */
  float    *value;
  float    *grad;         /* NULL when no gradient flows here */
  float    *aux;          /* op scratch (dropout mask, softmax probs, im2col) */
  size_t    aux_size;     /* floats of scratch at max batch */
  int       needs_grad;   /* a gradient is wanted here (params, chosen inputs) */
  int       external;     /* value/grad borrowed (params) */
  int       keep;         /* value read after forward: never shares its bytes */
  unsigned  grad_epoch;   /* backward pass that last zeroed grad (graph's epoch) */
  /* Fusion (training graphs): a node whose value and gradient its single
   * input's op computes (a max pooling after a convolution) is skipped by
   * forward and backward; that input's op writes its own gradient buffer
   * before reading it, so backward does not zero it. */
  int       computed_by_input;
  int       sets_own_grad;
  /* Fused away (training graphs): no op reads this node any more, so it
   * gets no value, gradient or scratch bytes and never runs. */
  int       unused;
  /* A reshape that is a view (graphs with reshape_views): its value and
   * gradient are its input's bytes, so forward and backward move nothing.
   * nn_graph_alloc decides. */
  int       view;
  int       ip[NN_OP_MAX_IPARAMS];
  float     fp[NN_OP_MAX_FPARAMS];
  char     *label;        /* for debugging and inspectors: "dense_1/kernel" */
  /* Sequences (B, T, ...): the node holding this value's padding mask,
   * shape (B, T), 1 for a real step and 0 for padding; -1 when it has
   * none. Lowering metadata only: no op reads it, the ops that honour a
   * mask take the mask node as an input. nn_graph_add sets -1. */
  int       mask;
};

typedef struct {
  const char *name;
  /* Sets n->ndim, n->shape (with the graph's current batch for batched
   * nodes) and n->aux_size from the inputs. Validation is the model's job. */
  void (*shape)    (NnGraph *g, NnNode *n);
  void (*forward)  (NnGraph *g, NnNode *n);
  /* Accumulates (+=) into the grads of inputs that have one. */
  void (*backward) (NnGraph *g, NnNode *n);
} NnOpInfo;

struct NnGraph {
  NnNode   *nodes;
  int       n_nodes, cap_nodes;
  int       max_batch, batch;
  int       training;     /* dropout/batchnorm behave differently */
  NnRng    *rng;          /* borrowed; dropout and friends */
  float    *value_arena, *grad_arena, *aux_arena;
  size_t    value_arena_size, grad_arena_size, aux_arena_size;
  int       allocated;
  /* Set before nn_graph_alloc to let an inference graph reuse value buffers
   * by liveness (see above). Off by default: a hand-built graph may read any
   * node after forward. Ignored when any node has a gradient. */
  int       share_buffers;
  int       shared;       /* the last nn_graph_alloc did share buffers */
  /* Set before nn_graph_alloc to make every reshape whose input has a
   * gradient exactly when it does a view of that input (NnNode.view): the
   * training graphs. Off by default: a view's gradient is its input's, so
   * seeding one (nn_graph_backward_seeded) would seed the other. Ignored
   * when buffers are shared. */
  int       reshape_views;
  unsigned  epoch;        /* backward passes so far */
  /* When set (2 per node), forward and backward add each op's seconds to
   * op_seconds[2 i] and [2 i + 1]; backward's include zeroing the
   * gradients the op is the first to add into. For profiles. */
  double   *op_seconds;
  /* The ops this graph runs: nn_op_table (nn_graph_new sets it). A test
   * may hand its own copy with an extra op in a free slot. */
  const NnOpInfo *const *ops;
};

/* The op table (nn-ops.c), constant data: every op's description indexed
 * by its type; NULL for NN_OP_INPUT, NN_OP_PARAM and unused slots. */
extern const NnOpInfo *const nn_op_table[NN_N_OPS];
/* nn_op_table[op], or NULL out of range. */
const NnOpInfo *nn_op_info        (NnOpType op);

NnGraph      *nn_graph_new        (void);
void          nn_graph_free       (NnGraph *g);
/* Adds a node; returns its index. Inputs must already exist. */
int           nn_graph_add        (NnGraph *g, NnOpType op, const int *in, int n_in);
/* An input node with a per-sample shape (batched) or a fixed shape. */
int           nn_graph_add_input  (NnGraph *g, int ndim, const int *shape, int batched);
/* A parameter node borrowing value and grad (grad may be NULL: frozen). */
int           nn_graph_add_param  (NnGraph *g, int ndim, const int *shape,
                                   float *value, float *grad);
static inline NnNode *nn_graph_node (NnGraph *g, int i) { return &g->nodes[i]; }
void          nn_graph_set_label  (NnGraph *g, int i, const char *label);
/* Decides which nodes carry gradients (those on a path from a needs_grad
 * node), runs shape rules at max_batch, allocates the arenas. Returns 0 on
 * allocation failure. */
int           nn_graph_alloc      (NnGraph *g, int max_batch);
/* nn_graph_alloc that allocates nothing when the arenas would take more
 * than budget bytes (0: no budget) or more than a size_t counts. *needed
 * (may be NULL) gets the arenas' bytes (SIZE_MAX: too many to count); on
 * failure *over (may be NULL) gets the node at which the nodes' bytes,
 * added in index order, go over the budget, or -1 when the allocation
 * itself failed. Returns 0 on failure. */
int           nn_graph_alloc_within (NnGraph *g, int max_batch, size_t budget,
                                     size_t *needed, int *over);
/* Runs the shape rules of nodes from..n_nodes-1 at the current batch (the
 * compiler calls it after lowering each layer, so lowering code can read the
 * shapes of its inputs). */
void          nn_graph_update_shapes (NnGraph *g, int from);
/* Re-runs shape rules for batch <= max_batch (no allocation). */
void          nn_graph_set_batch  (NnGraph *g, int batch);
void          nn_graph_forward    (NnGraph *g);
/* Forward only up to and including node `last`. */
void          nn_graph_forward_to (NnGraph *g, int last);
/* Zeroes non-param grads, seeds d(loss)=1, runs backward down to node 0.
 * Param grads accumulate: the caller zeroes the flat grad array per step. */
void          nn_graph_backward   (NnGraph *g, int loss);
/* Reverse mode from any node, stopping early: sets node from's gradient to
 * seed (from's size floats at the current batch), zeroes every other
 * gradient it adds into, and runs the backward of nodes from down to
 * stop + 1 only. Afterwards the gradients of stop and of the nodes between
 * stop and from are complete (zero where from does not depend on them, and
 * for stop > from); those below stop are not. Parameter gradients
 * accumulate as in nn_graph_backward. Inspectors use it on inference
 * graphs compiled with input gradients: from a layer's output down to the
 * input, or from the logits down to one layer's output. */
void          nn_graph_backward_seeded (NnGraph *g, int from, const float *seed, int stop);
/* The same from several nodes at once: from[k] is seeded with seeds[k]
 * (the sum of a node's seeds when it is listed twice), and the backward
 * runs from the highest of them down to stop + 1, so a seed's gradient
 * adds into the seeds of the nodes below it. One pass for a sum of
 * objectives over several layers (DeepDream's). */
void          nn_graph_backward_seeds (NnGraph *g, int n, const int *from,
                                       const float *const *seeds, int stop);

/* Helpers for kernels. */
static inline NnNode *nn_in (NnGraph *g, NnNode *n, int k) { return &g->nodes[n->in[k]]; }
/* Rows and columns when the last axis is the feature axis. */
static inline size_t nn_node_rows (const NnNode *n)
{ return n->ndim ? n->size / (size_t) n->shape[n->ndim - 1] : 1; }
static inline int nn_node_cols (const NnNode *n)
{ return n->ndim ? n->shape[n->ndim - 1] : 1; }
/* Copies the first input's shape (batch included). */
void          nn_shape_like_input (NnGraph *g, NnNode *n);

/* Numerical gradient check used by tests: builds nothing, perturbs the
 * value of node `wrt` (all elements, or up to max_checks spread ones),
 * compares d(loss)/d(wrt) from backward with a centered difference computed
 * in float64 accumulation. Returns the max relative error. */
double        nn_graph_check_grad (NnGraph *g, int loss, int wrt, double eps, int max_checks);
