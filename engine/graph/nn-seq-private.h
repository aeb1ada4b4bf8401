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
 * Conv1D and the 1-D poolings run as the 2-D ops on (B, 1, T, F). */
#pragma once

#include "nn-graph-private.h"

enum { NN_EMBED_BAD = 1 };
enum { NN_GPOOL_MAX = 0 };
enum { NN_MLOSS_KIND = 1 };
enum { NN_MLOSS_BCE, NN_MLOSS_CCE, NN_MLOSS_MSE, NN_MLOSS_MAE, NN_MLOSS_SPARSE };
