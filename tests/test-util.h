/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the engine's test programs share: building models by hand, the
 * samples folder, temporary trees, the thread count of the -threads runs
 * and the record of which ops the gradient checks covered. Header-only
 * (static inline), so each test stays one program. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "nn-parallel-private.h"

/* Adds a layer of class cls (name NULL: the model picks one); fails the
 * test on an error. */
static inline int
test_add (NnModel    *m,
          const char *cls,
          const char *name)
{
  g_autoptr (GError) error = NULL;
  int l = nn_model_add_layer (m, cls, name, &error);
  g_assert_no_error (error);
  g_assert_cmpint (l, >=, 0);
  return l;
}

/* Sets a layer parameter from its text; fails the test on an error. */
static inline void
test_set (NnModel    *m,
          int         layer,
          const char *pname,
          const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_layer_set_param (m, layer, pname, text, &error));
  g_assert_no_error (error);
}

/* Connects output 0 of src to the next free input of dst's first call. */
static inline void
test_connect (NnModel *m,
              int      src,
              int      dst)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_connect (m, (NnRef) { src, 0 }, dst, -1, &error));
  g_assert_no_error (error);
}

/* $DEEPSCOPE_SAMPLES/name, in a static buffer (valid until the next call). */
static inline const char *
test_sample (const char *name)
{
  static char buf[4096];
  g_snprintf (buf, sizeof buf, "%s/%s", g_getenv ("DEEPSCOPE_SAMPLES"), name);
  return buf;
}

/* Removes a file, or a folder and everything in it. */
static inline void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *n;
      while (d && (n = g_dir_read_name (d)))
        {
          g_autofree char *p = g_build_filename (path, n, NULL);
          test_remove_tree (p);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* The -threads runs (tests/meson.build) set DEEPSCOPE_TEST_THREADS: the
 * work is split over that many threads, OpenBLAS on one as nn_init
 * leaves it. */
static inline void
test_threads_from_env (void)
{
  const char *threads = g_getenv ("DEEPSCOPE_TEST_THREADS");
  if (threads)
    {
      openblas_set_num_threads (1);
      nn_parallel_set_threads (atoi (threads));
    }
}

/* ---- gradient-check coverage --------------------------------------------- */

/* The op types whose backward pass a gradient check of this program went
 * through (indexed by NnOpType). */
#ifdef TEST_GRAD_CHECKED_SHARED
/* A program of several files keeps one table, defined in one of them. */
extern gboolean test_grad_checked_table[NN_N_OPS];

static inline gboolean *
test_grad_checked (void)
{
  return test_grad_checked_table;
}
#else
static inline gboolean *
test_grad_checked (void)
{
  static gboolean checked[NN_N_OPS];
  return checked;
}
#endif

/* nn_graph_check_grad, recording the op of every node between wrt and loss
 * that depends on wrt: the backward passes the check compared. */
static inline double
test_check_grad (NnGraph *g,
                 int      loss,
                 int      wrt,
                 double   eps,
                 int      max_checks)
{
  gboolean *dep = g_new0 (gboolean, g->n_nodes);
  dep[wrt] = TRUE;
  for (int i = wrt + 1; i <= loss; i++)
    {
      NnNode *n = nn_graph_node (g, i);
      for (int k = 0; k < n->n_in && !dep[i]; k++)
        dep[i] = dep[n->in[k]];
      if (dep[i])
        test_grad_checked ()[n->op] = TRUE;
    }
  g_free (dep);
  return nn_graph_check_grad (g, loss, wrt, eps, max_checks);
}

/* Fails unless every op of the table with a type in [first, last) went
 * through a gradient check of this program; names the ones that did not. */
static inline void
test_assert_grad_checked (NnOpType first,
                          NnOpType last)
{
  g_autoptr (GString) missing = g_string_new (NULL);
  for (int t = first; t < last; t++)
    if (nn_op_table[t] && !test_grad_checked ()[t])
      g_string_append_printf (missing, " %s", nn_op_table[t]->name);
  if (missing->len)
    g_error ("ops of the table without a gradient check:%s; add a test that checks each "
             "against central differences with test_check_grad", missing->str);
}

/* TRUE when the command line picks tests (-p, -s, --skip): a coverage
 * check then sees only part of the program. Call before g_test_init. */
static inline gboolean
test_args_select (int    argc,
                  char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "-p") || g_str_equal (argv[i], "-s")
        || g_str_has_prefix (argv[i], "--skip"))
      return TRUE;
  return FALSE;
}
