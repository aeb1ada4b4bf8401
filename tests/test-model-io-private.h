/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What test-model-io.c and test-model-save.c share: calling layers, model
 * text with an edit that must fail to load, and the model with every field.
 * Header-only (static inline), so each test stays one program. */
#pragma once

#include <string.h>

#include "nn-model-private.h"
#include "test-util.h"

static int
call (NnModel *m, int l, const NnRef *in, int n)
{
  g_autoptr (GError) error = NULL;
  int c = nn_model_call (m, l, in, n, &error);
  g_assert_no_error (error);
  return c;
}

static int
call1 (NnModel *m, int l, int src, int src_call)
{
  NnRef r = { src, src_call };
  return call (m, l, &r, 1);
}

static char *
to_json (NnModel *m, gboolean with_weights)
{
  g_autoptr (GError) error = NULL;
  char *json = nn_model_to_json (m, with_weights, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json);
  return json;
}

/* Loads text that must fail with `code` and a message containing each of
 * the NULL-terminated fragments. */
static void
expect_error (const char *json, gssize len, int code, ...)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (json, len, &error);
  g_assert_null (m);
  g_assert_error (error, NN_MODEL_ERROR, code);
  g_test_message ("%s", error->message);
  va_list ap;
  va_start (ap, code);
  for (const char *frag; (frag = va_arg (ap, const char *));)
    if (!strstr (error->message, frag))
      g_error ("message “%s” lacks “%s”", error->message, frag);
  va_end (ap);
}

/* `s` with the one occurrence of `old` replaced by `new`. */
static char *
replace_once (const char *s, const char *old, const char *new)
{
  const char *p = strstr (s, old);
  if (!p)
    g_error ("“%s” not found in the model text", old);
  g_assert_null (strstr (p + 1, old));
  GString *out = g_string_new_len (s, p - s);
  g_string_append (out, new);
  g_string_append (out, p + strlen (old));
  return g_string_free (out, FALSE);
}

/* The same model text, saved with an edit: helper for malformed files. */
static void
expect_edit_error (const char *json, const char *old, const char *new, int code, const char *f1,
                   const char *f2)
{
  g_autofree char *bad = replace_once (json, old, new);
  expect_error (bad, -1, code, f1, f2, NULL);
}

/* ---- the model with every field ----------------------------------------- */

/* Two inputs, a shared Dense called twice, Concatenate, Dropout, Reshape,
 * Flatten, a nested Model with its own weights, two outputs with losses,
 * weights and metrics, an Adam optimizer with a schedule, a dataset and
 * training defaults. Matches the "twoinput" dataset. */
static NnModel *
build_full_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) inner = nn_model_new ("encoder_net");
  int ii = test_add (inner, "Input", "enc_in");
  test_set (inner, ii, "shape", "12");
  int id = test_add (inner, "Dense", "enc_dense");
  test_set (inner, id, "units", "5");
  test_set (inner, id, "activation", "relu");
  test_set (inner, id, "use_bias", "false");
  test_set (inner, id, "kernel_initializer", "he_normal");
  call1 (inner, id, ii, 0);
  nn_model_add_output (inner, (NnRef) { id, 0 }, NN_LOSS_NONE, 1.0, NULL, 0);

  NnModel *m = nn_model_new ("two_inputs");
  int a = test_add (m, "Input", "a");
  test_set (m, a, "shape", "8");
  int b = test_add (m, "Input", "b");
  test_set (m, b, "shape", "8");
  int shared = test_add (m, "Dense", "shared");
  test_set (m, shared, "units", "6");
  test_set (m, shared, "activation", "tanh");
  test_set (m, shared, "kernel_l2", "0.001");
  test_set (m, shared, "bias_initializer", "ones");
  g_assert_cmpint (call1 (m, shared, a, 0), ==, 0);
  g_assert_cmpint (call1 (m, shared, b, 0), ==, 1);
  int cat = test_add (m, "Concatenate", "concat");
  NnRef both[2] = { { shared, 0 }, { shared, 1 } };
  call (m, cat, both, 2);
  int drop = test_add (m, "Dropout", "drop");
  test_set (m, drop, "rate", "0.25");
  call1 (m, drop, cat, 0);
  int rs = test_add (m, "Reshape", "reshape");
  test_set (m, rs, "target_shape", "3, 4");
  call1 (m, rs, drop, 0);
  int flat = test_add (m, "Flatten", "flat");
  call1 (m, flat, rs, 0);
  int enc = nn_model_add_submodel (m, inner, "encoder", &error);
  g_assert_no_error (error);
  call1 (m, enc, flat, 0);
  int cls = test_add (m, "Dense", "class");
  test_set (m, cls, "units", "2");
  test_set (m, cls, "activation", "softmax");
  call1 (m, cls, enc, 0);
  int val = test_add (m, "Dense", "value");
  test_set (m, val, "units", "1");
  test_set (m, val, "activation", "linear");   /* a regression output */
  test_set (m, val, "kernel_l1", "0.125");
  call1 (m, val, enc, 0);
  nn_model_layer_set_trainable (m, cls, FALSE);
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    nn_model_layer_set_position (m, i, 40.0 * i + 0.5, -80.25 * i);

  NnMetric m1[] = { NN_METRIC_ACCURACY };
  NnMetric m2[] = { NN_METRIC_MAE, NN_METRIC_MSE };
  nn_model_add_output (m, (NnRef) { cls, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, m1, 1);
  nn_model_add_output (m, (NnRef) { val, 0 }, NN_LOSS_MSE, 0.3, m2, 2);

  NnOptimizerConfig *o = nn_model_get_optimizer (m);
  nn_optimizer_config_init (o, NN_OPT_ADAM);
  o->learning_rate = 0.0025;
  o->beta_1 = 0.85;
  o->epsilon = 1e-6;
  o->schedule = NN_SCHEDULE_EXPONENTIAL;
  o->decay_steps = 100;
  o->decay_rate = 0.96;

  nn_model_set_dataset (m, "twoinput:n=64:seed=5");
  NnTrainDefaults *d = nn_model_get_defaults (m);
  d->epochs = 3;
  d->batch_size = 16;
  d->validation_split = 0.2;
  d->kfold = 4;
  d->kfold_iterations = 2;
  d->seed = 7;
  d->early_stopping_patience = 2;
  d->title = g_strdup ("Two inputs, “two” outputs");
  d->description = g_strdup ("A line with \"quotes\", a backslash \\ and\na newline — ünïcödé.");

  g_assert_true (nn_model_init_weights (m, 42, &error));
  g_assert_no_error (error);
  return m;
}
