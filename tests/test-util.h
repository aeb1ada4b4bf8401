/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the engine's test programs share: building models by hand, the
 * samples folder, temporary trees and the thread count of the -threads
 * runs. Header-only (static inline), so each test stays one program. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "nn.h"
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
