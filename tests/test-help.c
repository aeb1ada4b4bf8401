/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every element a person can choose has a help text with a formula: each
 * layer type of the layer table, each activation the Activation layer
 * offers, each loss, metric, optimizer, schedule and callback, each
 * preprocessing option of the Data view and each text mode. */
#include <string.h>

#include "nn.h"

/* A formula has an equals sign, an arrow or a relation between terms. */
static gboolean
looks_like_formula (const char *f)
{
  return strstr (f, "=") || strstr (f, "→") || strstr (f, "←") || strstr (f, "∈");
}

static void
assert_help (NnHelpKind  kind,
             const char *name)
{
  const NnHelp *h = nn_help_lookup (kind, name);
  g_autofree char *text = nn_help_dup_text (kind, name);

  if (!h)
    g_error ("no help text for %s (kind %d)", name, kind);
  g_assert_cmpstr (h->name, ==, name);
  g_assert_cmpuint (strlen (h->text), >, 10);
  if (!looks_like_formula (h->formula))
    g_error ("the help of %s has no formula: \"%s\"", name, h->formula);
  g_assert_nonnull (strstr (text, h->formula));
}

static void
test_layers (void)
{
  g_assert_cmpuint (nn_layer_types_count (), >, 30);
  for (guint i = 0; i < nn_layer_types_count (); i++)
    assert_help (NN_HELP_LAYER, nn_layer_type_get_name (nn_layer_types_get (i)));
}

/* The choices of the Activation layer's "activation" parameter. */
static void
test_activations (void)
{
  const NnLayerType *t = nn_layer_type_lookup ("Activation");
  const NnParamSpec *spec = NULL;
  guint n = 0;

  for (guint i = 0; i < nn_layer_type_get_n_params (t); i++)
    if (g_str_equal (nn_layer_type_get_param (t, i)->name, "activation"))
      spec = nn_layer_type_get_param (t, i);
  g_assert_nonnull (spec);
  for (; spec->choices[n]; n++)
    assert_help (NN_HELP_ACTIVATION, spec->choices[n]);
  g_assert_cmpuint (n, >=, 10);
}

static void
test_losses_metrics_optimizers (void)
{
  for (NnLoss l = NN_LOSS_BINARY_CROSSENTROPY; l < NN_N_LOSSES; l++)
    assert_help (NN_HELP_LOSS, nn_loss_name (l));
  for (NnMetric m = 0; m < NN_N_METRICS; m++)
    assert_help (NN_HELP_METRIC, nn_metric_name (m));
  for (NnOptimizerKind k = 0; k < NN_N_OPTIMIZERS; k++)
    assert_help (NN_HELP_OPTIMIZER, nn_optimizer_name (k));
}

/* Schedules and callbacks have no name table in the engine: the names
 * the Train view's settings use. */
static void
test_schedules_callbacks (void)
{
  static const char *const schedules[] = { "constant", "step", "exponential" };
  static const char *const callbacks[] = { "EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint" };

  G_STATIC_ASSERT (G_N_ELEMENTS (schedules) == NN_SCHEDULE_EXPONENTIAL + 1);
  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    assert_help (NN_HELP_SCHEDULE, schedules[i]);
  for (guint i = 0; i < G_N_ELEMENTS (callbacks); i++)
    assert_help (NN_HELP_CALLBACK, callbacks[i]);
}

/* The Data view's options (the names its controls look up), each with a
 * text and, where listed so, a formula; then every text mode the engine
 * names. */
static void
test_preprocessing (void)
{
  static const struct { const char *name; gboolean formula; } options[] = {
    { "normalize_mean_std", TRUE }, { "normalize_min_max", TRUE }, { "normalize_none", TRUE },
    { "one_hot", TRUE },
    { "missing_error", FALSE }, { "missing_drop", TRUE }, { "missing_mean", TRUE },
    { "missing_zero", TRUE },
    { "flip", TRUE }, { "rotation", TRUE }, { "zoom", TRUE },
    { "test_fraction", TRUE }, { "validation_split", TRUE }, { "kfold", TRUE },
    { "kfold_iterations", TRUE },
    { "series_window", TRUE }, { "series_step", TRUE }, { "series_ahead", TRUE },
    { "text_length", TRUE }, { "chars_window", TRUE }, { "chars_step", TRUE },
    { "vocabulary_size", TRUE },
  };
  const NnHelp *h;

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].formula)
      assert_help (NN_HELP_PREPROCESSING, options[i].name);
    else
      {
        h = nn_help_lookup (NN_HELP_PREPROCESSING, options[i].name);
        if (!h)
          g_error ("no help text for the preprocessing option %s", options[i].name);
        g_assert_cmpuint (strlen (h->text), >, 10);
      }
  for (NnTextMode m = 0; m < NN_TEXT_N_MODES; m++)
    assert_help (NN_HELP_PREPROCESSING, nn_text_mode_name (m));
  /* Standardization names where μ and σ come from. */
  h = nn_help_lookup (NN_HELP_PREPROCESSING, "normalize_mean_std");
  g_assert_nonnull (strstr (h->formula, "μ"));
  g_assert_nonnull (strstr (h->text, "training split"));
}

/* Every table entry names something that exists (no stale entries). */
static void
test_no_stale_entries (void)
{
  for (guint i = 0; i < nn_help_count (); i++)
    {
      const NnHelp *h = nn_help_get (i);

      if (h->kind == NN_HELP_LAYER && !nn_layer_type_lookup (h->name))
        g_error ("help for a layer type that does not exist: %s", h->name);
      g_assert_null (nn_help_lookup (h->kind, "no-such-element"));
    }
  g_assert_null (nn_help_lookup (NN_HELP_LAYER, "Dense2"));
  g_assert_null (nn_help_dup_text (NN_HELP_LAYER, "Dense2"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/help/layers", test_layers);
  g_test_add_func ("/help/activations", test_activations);
  g_test_add_func ("/help/losses-metrics-optimizers", test_losses_metrics_optimizers);
  g_test_add_func ("/help/schedules-callbacks", test_schedules_callbacks);
  g_test_add_func ("/help/preprocessing", test_preprocessing);
  g_test_add_func ("/help/no-stale-entries", test_no_stale_entries);
  return g_test_run ();
}
