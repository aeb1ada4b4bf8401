/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fills the op table once: the core ops and the convnet ops. */
#include <pthread.h>

#include "nn-graph-private.h"

/* Each nn-op-*.c registers its own ops. */
void nn_ops_register_matmul      (void);
void nn_ops_register_elementwise (void);
void nn_ops_register_shape       (void);
void nn_ops_register_softmax     (void);
void nn_ops_register_loss        (void);

static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void
register_all_once (void)
{
  nn_ops_register_matmul ();
  nn_ops_register_elementwise ();
  nn_ops_register_shape ();
  nn_ops_register_softmax ();
  nn_ops_register_loss ();
  nn_ops_register_conv ();
}

/* Safe to call from any thread, any number of times: graphs are built on
 * the trainer thread and on inspector workers as well as the main thread. */
void
nn_ops_register_all (void)
{
  pthread_once (&ops_once, register_all_once);
}
