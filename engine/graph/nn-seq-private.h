/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sequence ops (nn-op-embedding.c, nn-op-seq.c): their inputs and integer
 * parameters. Sequences are batch-major (B, T, F); a padding mask is
 * (B, T), 1.0 for a real step and 0.0 for padding.
 *
 * NN_OP_EMBEDDING      in: ids (B, ..) as floats, W (V, D); y (B, .., D);
 *                      ip[NN_EMBED_BAD] = ids of the last forward outside [0, V)
 * NN_OP_NOT_ZERO       in: ids (B, T); y (B, T) = ids != 0
 * NN_OP_GLOBAL_POOL1D  in: x (B, T, F), [mask (B, T)]; y (B, F);
 *                      ip[NN_GPOOL_MAX] 1: max, 0: mean, over the real steps
 * NN_OP_MASKED_LOSS    in: pred (B, T, C), target (B, T, C) (NN_MLOSS_SPARSE:
 *                      (B, T) class numbers), mask (B, T);
 *                      ip[0] from_logits, ip[NN_MLOSS_KIND] a NN_MLOSS_*;
 *                      y (1) = sum over real steps of the step's loss / their
 *                      number (0 when there is none)
 * NN_OP_EMBED_CONV1D   in: ids (B, T), E (V, F), W (K, F, C), [bias (C)];
 *                      y (B, 1, To, C): an Embedding and the Conv1D reading it,
 *                      fused (nn-op-embed-conv1d.c); ip[NN_EC_*]
 * Conv1D and the 1-D poolings run as the 2-D ops on (B, 1, T, F). */
#pragma once

#include "nn-graph-private.h"

enum { NN_EMBED_BAD = 1 };
enum { NN_GPOOL_MAX = 0 };
enum { NN_MLOSS_KIND = 1 };
enum { NN_MLOSS_BCE, NN_MLOSS_CCE, NN_MLOSS_MSE, NN_MLOSS_MAE, NN_MLOSS_SPARSE };
enum {
  NN_EC_STRIDE,
  NN_EC_DIL,
  NN_EC_PAD_ZEROS,  /* zeros before the first step (causal padding) */
  NN_EC_SAME,       /* then the convolution's own padding: 1 "same", 0 "valid" */
  NN_EC_HAS_BIAS,
  NN_EC_RELU,       /* the activation fused in: 1 ReLU, 0 none */
  NN_EC_BAD         /* ids of the last forward outside [0, V) */
};

/* The row of an embedding of V rows that id x reads, or -1 when x names
 * none (outside [0, V), not a whole number, NaN). */
static inline long
nn_embedding_row (float x, int vocab)
{
  if (!(x >= 0.0f && x < (float) vocab))   /* NaN fails too */
    return -1;
  long r = (long) x;
  return (float) r == x ? r : -1;
}

/* Training graphs: when conv (an NN_OP_CONV2D node) is a Conv1D lowered on
 * an Embedding's output (reshape, optional causal zero padding) that
 * nothing else reads (readers[i]: node i's readers, the caller's reads
 * counted; no keep), without a mask, turns conv into NN_OP_EMBED_CONV1D on
 * the ids and marks the nodes between as unused. Before nn_graph_alloc.
 * Returns 1 when it fused. */
int nn_embed_conv1d_fuse (NnGraph *g, int conv, const int *readers);
