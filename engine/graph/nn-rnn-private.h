/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_RNN's parameters (nn-op-rnn.c), shared with the recurrent layers
 * (engine/layers/nn-layer-rnn.c) that lower to it.
 *
 * Inputs: x (B, T, F), kernel (F, G U), recurrent_kernel (U, G U), then the
 * bias when ip[NN_RNN_IP_BIAS] ((G U), or (2, 3 U) for a GRU with
 * reset_after: input bias, recurrent bias), then the initial states when
 * ip[NN_RNN_IP_INIT] (h_0 (B, U), and c_0 (B, U) for an LSTM), then the
 * mask (B, T) when ip[NN_RNN_IP_MASK]. G is 1 (SimpleRNN), 4 (LSTM: i, f,
 * c, o) or 3 (GRU: z, r, h), Keras's gate order. fp[0] = dropout, fp[1] =
 * recurrent_dropout.
 *
 * Output: (B, T, U) with return_sequences, else (B, U); with
 * ip[NN_RNN_IP_STATES] each row packs that output's values, then the final
 * h (U), then the final c (U) for an LSTM: (B, W + U [+ U]), W = T U or U,
 * which NN_OP_SLICE nodes take apart (return_state). */
#pragma once

enum {
  NN_RNN_IP_CELL,         /* NnRnnCell */
  NN_RNN_IP_UNITS,
  NN_RNN_IP_ACT,          /* NnRnnAct: activation */
  NN_RNN_IP_REC_ACT,      /* NnRnnAct: recurrent_activation (gates) */
  NN_RNN_IP_SEQUENCES,    /* return_sequences: (B, T, U), else (B, U) */
  NN_RNN_IP_BACKWARDS,    /* go_backwards: steps from the last to the first */
  NN_RNN_IP_RESET_AFTER,  /* GRU: the reset gate multiplies h R (Keras's default) */
  NN_RNN_IP_BIAS,         /* a bias input follows the recurrent kernel */
  NN_RNN_IP_MASK,         /* a mask input comes last */
  NN_RNN_IP_REVERSE_OUT,  /* with go_backwards and sequences: the output in input
                             order (Bidirectional's backward half); else in step order */
  NN_RNN_IP_STATES,       /* the final states follow the output in each row */
  NN_RNN_IP_INIT          /* initial state inputs follow the bias */
};

typedef enum {
  NN_RNN_SIMPLE,
  NN_RNN_LSTM,
  NN_RNN_GRU
} NnRnnCell;

/* Activations the cells compute inline (derivatives from their outputs). */
typedef enum {
  NN_RNN_ACT_TANH,
  NN_RNN_ACT_SIGMOID,
  NN_RNN_ACT_HARD_SIGMOID,  /* clip (0.2 x + 0.5, 0, 1) */
  NN_RNN_ACT_RELU,
  NN_RNN_ACT_LINEAR
} NnRnnAct;

/* c (m, n) += a (m, k) b (k, n), row-major, for 1 <= m <= NN_GEMM_ROWS_MAX
 * (nn-gemm-rows.c): the recurrent product at a few batch rows, where an
 * sgemm call costs more in packing than in arithmetic. */
#define NN_GEMM_ROWS_MAX 4
void nn_gemm_rows (int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                   float *c, int ldc);
