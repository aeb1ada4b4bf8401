/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files: every field round-trips (text and predictions bit for bit)
 * and malformed files give the right error code and message. Saving to
 * disk and the runs kept in a file are in test-model-save.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-model-io-private.h"

/* ---- a layer type with a STRING setting ---------------------------------- */

/* No built-in layer has a text setting yet; this one exercises that path of
 * the reader and writer. */
static const NnParamSpec note_params[] = {
  { "note", NN_PARAM_STRING, "", 0, 0, NULL, "Free text" },
  { "scale", NN_PARAM_FLOAT, "1", -100, 100, NULL, "Unused" },
};

static gboolean
note_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  *out = in[0];
  return TRUE;
}

static const NnLayerType note_type = {
  .name = "TestNote", .group = NN_GROUP_CORE, .help = "Identity with a note",
  .min_inputs = 1, .max_inputs = 1,
  .params = note_params, .n_params = G_N_ELEMENTS (note_params),
  .infer = note_infer,
};

/* ---- helpers ------------------------------------------------------------- */

static NnModel *
load (const char *json)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* ---- the model with every field ----------------------------------------- */

static void
assert_same_structure (NnModel *a, NnModel *b)
{
  g_assert_cmpstr (nn_model_get_name (a), ==, nn_model_get_name (b));
  g_assert_cmpint (nn_model_get_n_layers (a), ==, nn_model_get_n_layers (b));
  for (int i = 0; i < nn_model_get_n_layers (a); i++)
    {
      const NnLayerType *t = nn_model_layer_get_type (a, i);
      g_assert_true (t == nn_model_layer_get_type (b, i));
      g_assert_cmpstr (nn_model_layer_get_name (a, i), ==, nn_model_layer_get_name (b, i));
      g_assert_cmpint (nn_model_layer_get_trainable (a, i), ==, nn_model_layer_get_trainable (b, i));
      double ax, ay, bx, by;
      nn_model_layer_get_position (a, i, &ax, &ay);
      nn_model_layer_get_position (b, i, &bx, &by);
      g_assert_true (ax == bx && ay == by);
      for (guint k = 0; k < nn_layer_type_get_n_params (t); k++)
        {
          const char *p = nn_layer_type_get_param (t, k)->name;
          const NnValue *va = nn_model_layer_get_param (a, i, p);
          const NnValue *vb = nn_model_layer_get_param (b, i, p);
          g_assert_cmpint (va->i, ==, vb->i);
          g_assert_true (va->f == vb->f);
          g_assert_cmpint (va->n, ==, vb->n);
          g_assert_cmpmem (va->shape, sizeof (int) * va->n, vb->shape, sizeof (int) * vb->n);
          g_assert_cmpstr (va->s, ==, vb->s);
        }
      g_assert_cmpint (nn_model_layer_get_n_calls (a, i), ==, nn_model_layer_get_n_calls (b, i));
      for (int c = 0; c < nn_model_layer_get_n_calls (a, i); c++)
        {
          int n = nn_model_call_get_n_inputs (a, i, c);
          g_assert_cmpint (n, ==, nn_model_call_get_n_inputs (b, i, c));
          for (int s = 0; s < n; s++)
            {
              NnRef ra = nn_model_call_get_input (a, i, c, s);
              NnRef rb = nn_model_call_get_input (b, i, c, s);
              g_assert_cmpint (ra.layer, ==, rb.layer);
              g_assert_cmpint (ra.call, ==, rb.call);
            }
        }
      NnModel *sa = nn_model_layer_get_submodel (a, i), *sb = nn_model_layer_get_submodel (b, i);
      g_assert_true ((sa == NULL) == (sb == NULL));
      if (sa)
        assert_same_structure (sa, sb);
    }
  g_assert_cmpint (nn_model_get_n_inputs (a), ==, nn_model_get_n_inputs (b));
  g_assert_cmpint (nn_model_get_n_outputs (a), ==, nn_model_get_n_outputs (b));
  for (int o = 0; o < nn_model_get_n_outputs (a); o++)
    {
      NnRef ra = nn_model_get_output (a, o), rb = nn_model_get_output (b, o);
      g_assert_cmpint (ra.layer, ==, rb.layer);
      g_assert_cmpint (ra.call, ==, rb.call);
      g_assert_cmpint (nn_model_output_get_loss (a, o), ==, nn_model_output_get_loss (b, o));
      g_assert_true (nn_model_output_get_loss_weight (a, o)
                     == nn_model_output_get_loss_weight (b, o));
      g_assert_cmpint (nn_model_output_get_n_metrics (a, o), ==,
                       nn_model_output_get_n_metrics (b, o));
      for (int k = 0; k < nn_model_output_get_n_metrics (a, o); k++)
        g_assert_cmpint (nn_model_output_get_metric (a, o, k), ==,
                         nn_model_output_get_metric (b, o, k));
    }
  g_assert_cmpint (a->has_weights, ==, b->has_weights);
  if (a->has_weights)
    {
      g_assert_cmpuint (a->n_params, ==, b->n_params);
      g_assert_cmpmem (a->params, a->n_params * sizeof (float),
                       b->params, b->n_params * sizeof (float));
    }
}

static void
assert_same_settings (NnModel *a, NnModel *b)
{
  NnOptimizerConfig *oa = nn_model_get_optimizer (a), *ob = nn_model_get_optimizer (b);
  g_assert_cmpint (oa->kind, ==, ob->kind);
  g_assert_true (oa->learning_rate == ob->learning_rate);
  g_assert_true (oa->momentum == ob->momentum);
  g_assert_cmpint (oa->nesterov, ==, ob->nesterov);
  g_assert_true (oa->rho == ob->rho);
  g_assert_true (oa->beta_1 == ob->beta_1);
  g_assert_true (oa->beta_2 == ob->beta_2);
  g_assert_true (oa->epsilon == ob->epsilon);
  g_assert_cmpint (oa->schedule, ==, ob->schedule);
  g_assert_cmpint (oa->decay_steps, ==, ob->decay_steps);
  g_assert_true (oa->decay_rate == ob->decay_rate);

  NnTrainDefaults *da = nn_model_get_defaults (a), *db = nn_model_get_defaults (b);
  g_assert_cmpint (da->epochs, ==, db->epochs);
  g_assert_cmpint (da->batch_size, ==, db->batch_size);
  g_assert_true (da->validation_split == db->validation_split);
  g_assert_cmpint (da->kfold, ==, db->kfold);
  g_assert_cmpint (da->kfold_iterations, ==, db->kfold_iterations);
  g_assert_cmpuint (da->seed, ==, db->seed);
  g_assert_cmpint (da->early_stopping_patience, ==, db->early_stopping_patience);
  g_assert_cmpstr (da->title, ==, db->title);
  g_assert_cmpstr (da->description, ==, db->description);
  g_assert_cmpstr (nn_model_get_dataset (a), ==, nn_model_get_dataset (b));
}

static void
assert_same_predictions (NnModel *a, NnModel *b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open (nn_model_get_dataset (a), NULL, &error);
  g_assert_no_error (error);
  g_autofree guint32 *idx = g_new (guint32, ds->n);
  for (size_t i = 0; i < ds->n; i++)
    idx[i] = (guint32) i;
  for (int o = 0; o < nn_model_get_n_outputs (a); o++)
    {
      g_autoptr (NnTensor) pa = nn_model_predict (a, ds, idx, ds->n, o, 16, &error);
      g_assert_no_error (error);
      g_autoptr (NnTensor) pb = nn_model_predict (b, ds, idx, ds->n, o, 16, &error);
      g_assert_no_error (error);
      g_assert_true (nn_shape_equal (pa->ndim, pa->shape, pb->ndim, pb->shape));
      g_assert_cmpmem (pa->data, pa->size * sizeof (float), pb->data, pb->size * sizeof (float));
      /* Not all zeros: the comparison means something. */
      g_assert_cmpfloat (nn_tensor_max (pa) - nn_tensor_min (pa), >, 0);
    }
}

/* ---- tests --------------------------------------------------------------- */

static void
test_round_trip (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autoptr (NnModel) m2 = load (json);
  g_autofree char *json2 = to_json (m2, TRUE);

  g_assert_cmpstr (json, ==, json2);
  assert_same_structure (m, m2);
  assert_same_settings (m, m2);
  g_assert_true (nn_model_has_weights (m2));
  assert_same_predictions (m, m2);

  /* Shape of the text: the format header, tidy numbers and short arrays
   * on one line, weights with their checksum. */
  g_assert_true (g_str_has_prefix (json, "{\n  \"format\" : \"deepscope-model\",\n"
                                         "  \"version\" : 1,\n"));
  g_assert_nonnull (strstr (json, "\"learning_rate\" : 0.0025,"));
  g_assert_nonnull (strstr (json, "\"epsilon\" : 1e-06,"));
  g_assert_nonnull (strstr (json, "\"decay_rate\" : 0.96"));
  g_assert_nonnull (strstr (json, "\"loss_weights\" : [1.0, 0.3]"));
  g_assert_nonnull (strstr (json, "\"target_shape\" : [3, 4]"));
  g_assert_nonnull (strstr (json, "[\"shared\", 1, 0]"));
  g_assert_nonnull (strstr (json, "\"encoding\" : \"float32-le-base64\""));
  g_assert_null (strstr (json, "0000000"));

  /* The nested model keeps its own weights. */
  int enc = nn_model_find_layer (m2, "encoder");
  NnModel *sub = nn_model_layer_get_submodel (m2, enc);
  g_assert_nonnull (sub);
  g_assert_cmpstr (nn_model_get_name (sub), ==, "encoder_net");
  g_assert_true (sub->has_weights);
  g_assert_cmpuint (sub->n_params, ==, 12 * 5);

  /* Through a file too. */
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_save (m2, path, TRUE, &error));
  g_assert_no_error (error);
  g_autoptr (NnModel) m3 = nn_model_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *json3 = to_json (m3, TRUE);
  g_assert_cmpstr (json, ==, json3);
  g_autofree char *on_disk = NULL;
  g_assert_true (g_file_get_contents (path, &on_disk, NULL, NULL));
  g_assert_cmpstr (on_disk, ==, json);
  g_unlink (path);
  g_rmdir (dir);

  /* Without weights: same architecture, no weights, and the text says so. */
  g_autofree char *arch = to_json (m, FALSE);
  g_assert_null (strstr (arch, "\"weights\""));
  g_autoptr (NnModel) m4 = load (arch);
  g_assert_false (nn_model_has_weights (m4));
  g_autofree char *arch2 = to_json (m4, TRUE);
  g_assert_cmpstr (arch, ==, arch2);
}

static void
test_optimizers (void)
{
  for (int kind = 0; kind < NN_N_OPTIMIZERS; kind++)
    for (int sched = NN_SCHEDULE_CONSTANT; sched <= NN_SCHEDULE_EXPONENTIAL; sched++)
      {
        g_autoptr (NnModel) m = nn_model_new ("opt");
        int in = test_add (m, "Input", "x");
        test_set (m, in, "shape", "3");
        int d = test_add (m, "Dense", "y");
        call1 (m, d, in, 0);
        NnOptimizerConfig *o = nn_model_get_optimizer (m);
        nn_optimizer_config_init (o, (NnOptimizerKind) kind);
        o->learning_rate = 0.1 / (kind + 3);     /* not short in decimal */
        o->momentum = kind == NN_OPT_SGD ? 0.9 : 0;
        o->nesterov = kind == NN_OPT_SGD;
        o->rho = 0.8;
        o->beta_1 = 0.7;
        o->beta_2 = 0.995;
        o->epsilon = 1e-8;
        o->schedule = (NnScheduleKind) sched;
        o->decay_steps = 10 * sched;
        o->decay_rate = sched ? 0.5 : 1.0;
        g_autofree char *json = to_json (m, FALSE);
        g_autoptr (NnModel) m2 = load (json);
        g_autofree char *json2 = to_json (m2, FALSE);
        g_assert_cmpstr (json, ==, json2);
        assert_same_settings (m, m2);
        g_assert_nonnull (strstr (json, nn_optimizer_name ((NnOptimizerKind) kind)));
      }
}

/* A model mid-edit: an unconnected layer, a merge with one input, a shared
 * layer whose first call was disconnected, a text setting, no outputs. */
static void
test_editor_state (void)
{
  g_autoptr (NnModel) m = nn_model_new ("draft");
  int in = test_add (m, "Input", "in");
  test_set (m, in, "shape", "4");
  int spare = test_add (m, "Dense", "spare");
  nn_model_layer_set_position (m, spare, 1e21, -0.0);
  int sum = test_add (m, "Add", "sum");
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, sum, 0, NULL));
  int sh = test_add (m, "Dense", "sh");
  call1 (m, sh, in, 0);
  call1 (m, sh, in, 0);
  g_assert_true (nn_model_disconnect (m, sh, 0, 0));
  int note = test_add (m, "TestNote", "note");
  test_set (m, note, "note", "a \"quoted\" note\twith a tab");
  test_set (m, note, "scale", "-2.5");
  call1 (m, note, sh, 1);
  g_assert_false (nn_model_infer (m, NULL));

  g_autofree char *json = to_json (m, TRUE);
  g_assert_null (strstr (json, "\"weights\""));
  g_assert_nonnull (strstr (json, "\"position\" : [1e+21, -0.0]"));
  g_autoptr (NnModel) m2 = load (json);
  g_autofree char *json2 = to_json (m2, TRUE);
  g_assert_cmpstr (json, ==, json2);
  assert_same_structure (m, m2);
  g_assert_cmpint (nn_model_layer_get_n_calls (m2, sh), ==, 2);
  g_assert_cmpint (nn_model_call_get_n_inputs (m2, sh, 0), ==, 0);
  g_assert_cmpstr (nn_model_layer_get_param (m2, note, "note")->s, ==,
                   "a \"quoted\" note\twith a tab");
  g_assert_cmpint (nn_model_get_n_outputs (m2), ==, 0);
}

/* Files are hand-edited: refs to later layers, defaults for missing keys
 * and optional members, integers for floats, Keras aliases. */
static void
test_hand_written (void)
{
  const char *json =
    "{\"format\": \"deepscope-model\", \"version\": 1,\n"
    " \"config\": {\"layers\": [\n"
    "   {\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [2]}, \"inbound_nodes\": []},\n"
    "   {\"class_name\": \"Dense\", \"name\": \"out\", \"config\": {\"units\": 1, \"activation\": \"SIGMOID\"},\n"
    "    \"inbound_nodes\": [[[\"hidden\", 0, 0]]]},\n"
    "   {\"class_name\": \"Dense\", \"name\": \"hidden\", \"config\": {\"units\": 3, \"kernel_l2\": 1},\n"
    "    \"trainable\": false, \"inbound_nodes\": [[[\"x\", 0, 0]]]}],\n"
    "  \"input_layers\": [[\"x\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]},\n"
    " \"compile\": {\"optimizer\": {\"class_name\": \"sgd\", \"config\": {\"learning_rate\": 1}},\n"
    "             \"loss\": [\"mean_squared_error\"], \"metrics\": [[\"acc\"]]}}";
  g_autoptr (NnModel) m = load (json);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 3);
  g_assert_cmpstr (nn_model_get_name (m), ==, "model");
  int out = nn_model_find_layer (m, "out"), hidden = nn_model_find_layer (m, "hidden");
  g_assert_cmpint (nn_model_layer_get_param (m, out, "units")->i, ==, 1);
  g_assert_cmpstr (nn_layer_enum (nn_model_layer (m, out), "activation"), ==, "sigmoid");
  g_assert_true (nn_model_layer_get_param (m, out, "use_bias")->i);   /* default */
  g_assert_true (nn_model_layer_get_param (m, hidden, "kernel_l2")->f == 1.0);
  g_assert_false (nn_model_layer_get_trainable (m, hidden));
  g_assert_true (nn_model_layer_get_trainable (m, out));
  NnRef r = nn_model_call_get_input (m, out, 0, 0);
  g_assert_cmpint (r.layer, ==, hidden);
  g_assert_cmpint (nn_model_get_optimizer (m)->kind, ==, NN_OPT_SGD);
  g_assert_true (nn_model_get_optimizer (m)->learning_rate == 1.0);
  g_assert_cmpint (nn_model_output_get_loss (m, 0), ==, NN_LOSS_MSE);
  g_assert_true (nn_model_output_get_loss_weight (m, 0) == 1.0);
  g_assert_cmpint (nn_model_output_get_metric (m, 0, 0), ==, NN_METRIC_ACCURACY);
  g_assert_true (nn_model_infer (m, NULL));
  g_assert_false (nn_model_has_weights (m));
  /* Its canonical text loads to itself. */
  g_autofree char *t1 = to_json (m, TRUE);
  g_autoptr (NnModel) m2 = load (t1);
  g_autofree char *t2 = to_json (m2, TRUE);
  g_assert_cmpstr (t1, ==, t2);
}

/* Every registered layer type with a non-default value for each setting
 * (the layers are not connected: editor state). */
static void
test_every_layer_type (void)
{
  g_autoptr (NnModel) m = nn_model_new ("palette");
  int n_set = 0;
  for (guint t = 0; t < nn_layer_types_count (); t++)
    {
      const NnLayerType *type = nn_layer_types_get (t);
      const char *cls = nn_layer_type_get_name (type);
      if (g_str_equal (cls, "Model"))
        continue;
      int l = test_add (m, cls, NULL);
      for (guint k = 0; k < nn_layer_type_get_n_params (type); k++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (type, k);
          const NnValue *v = nn_model_layer_get_param (m, l, spec->name);
          g_autofree char *text = NULL;
          switch (spec->type)
            {
            case NN_PARAM_INT:
              text = g_strdup_printf ("%d", v->i + 1 <= spec->max ? v->i + 1 : v->i - 1);
              break;
            case NN_PARAM_FLOAT:
              {
                char buf[G_ASCII_DTOSTR_BUF_SIZE];
                double x = spec->min + (spec->max - spec->min) / 3;   /* not short in decimal */
                text = g_strdup (g_ascii_formatd (buf, sizeof buf, "%.17g", x));
                break;
              }
            case NN_PARAM_BOOL:
              text = g_strdup (v->i ? "false" : "true");
              break;
            case NN_PARAM_ENUM:
              {
                int n = (int) g_strv_length ((char **) spec->choices);
                text = g_strdup (spec->choices[(v->i + 1) % n]);
                break;
              }
            case NN_PARAM_SHAPE:
              text = nn_model_layer_dup_param_text (m, l, spec->name);
              break;
            case NN_PARAM_STRING:
              text = g_strdup ("some text");
              break;
            }
          test_set (m, l, spec->name, text);
          n_set++;
        }
    }
  g_assert_cmpint (n_set, >, 10);
  g_autofree char *json = to_json (m, TRUE);
  g_autoptr (NnModel) m2 = load (json);
  g_autofree char *json2 = to_json (m2, TRUE);
  g_assert_cmpstr (json, ==, json2);
  assert_same_structure (m, m2);
}

/* Models nested `depth` deep: a Model layer whose model holds a Model
 * layer, and so on, around one Dense. */
static void
append_nested (GString *s, int depth)
{
  g_string_append (s, "{\"layers\": [{\"class_name\": \"Input\", \"name\": \"i\", "
                      "\"config\": {\"shape\": [2]}, \"inbound_nodes\": []}, ");
  if (depth == 0)
    g_string_append (s, "{\"class_name\": \"Dense\", \"name\": \"m\", \"config\": {\"units\": 3}, ");
  else
    {
      g_string_append (s, "{\"class_name\": \"Model\", \"name\": \"m\", \"config\": ");
      append_nested (s, depth - 1);
      g_string_append (s, ", ");
    }
  g_string_append (s, "\"inbound_nodes\": [[[\"i\", 0, 0]]]}], "
                      "\"input_layers\": [[\"i\", 0, 0]], \"output_layers\": [[\"m\", 0, 0]]}");
}

static char *
nested_json (int depth)
{
  GString *s = g_string_new ("{\"format\": \"deepscope-model\", \"version\": 1, \"config\": ");
  append_nested (s, depth);
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

static void
test_nesting (void)
{
  g_autofree char *ok = nested_json (3);
  g_autoptr (NnModel) m = load (ok);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 5, &error));
  g_assert_no_error (error);
  NnModel *inner = m;
  for (int d = 0; d < 3; d++)
    inner = nn_model_layer_get_submodel (inner, nn_model_find_layer (inner, "m"));
  g_assert_cmpuint (inner->n_params, ==, 2 * 3 + 3);
  g_autofree char *json = to_json (m, TRUE);
  g_autoptr (NnModel) m2 = load (json);
  g_autofree char *json2 = to_json (m2, TRUE);
  g_assert_cmpstr (json, ==, json2);
  assert_same_structure (m, m2);

  /* A model whose layers have no weights at all still saves "weights". */
  g_autoptr (NnModel) none = nn_model_new ("no_params");
  int in = test_add (none, "Input", "x");
  int fl = test_add (none, "Flatten", "flat");
  call1 (none, fl, in, 0);
  g_assert_true (nn_model_init_weights (none, 1, NULL));
  g_autofree char *nj = to_json (none, TRUE);
  g_assert_nonnull (strstr (nj, "\"count\" : 0,"));
  g_autoptr (NnModel) none2 = load (nj);
  g_assert_true (nn_model_has_weights (none2));
  g_autofree char *nj2 = to_json (none2, TRUE);
  g_assert_cmpstr (nj, ==, nj2);

  g_autofree char *deep = nested_json (12);
  expect_error (deep, -1, NN_MODEL_ERROR_FILE, "nested more than 8 deep", NULL);
}

/* Text nested `levels` deep: `prefix` then `open` that many times. */
static char *
deep_text (const char *prefix, const char *open, int levels)
{
  GString *s = g_string_new (prefix);
  for (int k = 0; k < levels; k++)
    g_string_append (s, open);
  return g_string_free (s, FALSE);
}

/* 100,000 levels of [ or {"a": used to run json-glib out of stack; they
 * are refused before parsing, with where the limit was crossed. Brackets
 * in strings and comments do not count, so a model with many of them in
 * its text still loads. */
static void
test_deep_json (void)
{
  g_autofree char *arrays = deep_text ("", "[", 100000);
  expect_error (arrays, -1, NN_MODEL_ERROR_FILE, "deeper than 128 levels",
                "line 1, column 129, byte 128", "not a model file", NULL);
  g_autofree char *objects = deep_text ("", "{\"a\":", 100000);
  expect_error (objects, -1, NN_MODEL_ERROR_FILE, "deeper than 128 levels",
                "line 1, column 641, byte 640", NULL);
  /* Neither a quote inside a comment nor one inside a string hides them. */
  g_autofree char *commented = deep_text ("{\"a\": /* \" */\n", "[", 100000);
  expect_error (commented, -1, NN_MODEL_ERROR_FILE, "deeper than 128 levels", "line 2, column 128",
                NULL);
  g_autofree char *escaped = deep_text ("{\"a\": \"\\\\\", 'b': '\\', \"c\":", "[{\"d\":", 50000);
  expect_error (escaped, -1, NN_MODEL_ERROR_FILE, "deeper than 128 levels", NULL);

  /* From a file, the message starts with its name. */
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "deep.json", NULL);
  g_assert_true (g_file_set_contents (path, objects, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_model_load (path, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "deeper than 128 levels"));
  g_unlink (path);
  g_rmdir (dir);

  /* Models nested as deep as they may be (8) stay far below the bound. */
  g_autofree char *eight = nested_json (8);
  g_autoptr (NnModel) deepest = load (eight);
  g_autofree char *eight_saved = to_json (deepest, FALSE);
  g_autoptr (NnModel) deepest2 = load (eight_saved);

  /* 300 brackets, escaped quotes and backslashes in a description. */
  g_autoptr (NnModel) m = nn_model_new ("brackets");
  int in = test_add (m, "Input", "x");
  test_set (m, in, "shape", "3");
  int d = test_add (m, "Dense", "dense");
  call1 (m, d, in, 0);
  g_autofree char *many = deep_text ("\"\\", "[{\"", 100);
  g_autofree char *desc = g_strconcat (many, "\\", NULL);
  nn_model_get_defaults (m)->description = g_strdup (desc);
  g_autofree char *json = to_json (m, FALSE);
  g_autoptr (NnModel) back = load (json);
  g_assert_cmpstr (nn_model_get_defaults (back)->description, ==, desc);

  /* The same in a comment and in a single-quoted string, which json-glib
   * accepts (a backslash does not escape there). */
  g_autofree char *brackets = deep_text ("", "[{", 150);
  g_autofree char *extra = g_strdup_printf ("{\n  /* %s \" */\n  \"title\": '%s\\',\n  \"format\"",
                                            brackets, brackets);
  g_autofree char *hand = replace_once (json, "{\n  \"format\"", extra);
  g_autoptr (NnModel) back2 = load (hand);
  g_autofree char *title = g_strconcat (brackets, "\\", NULL);
  g_assert_cmpstr (nn_model_get_defaults (back2)->title, ==, title);
}

/* A small valid file to break in many ways. */
static char *
small_model_json (gboolean with_weights)
{
  g_autoptr (NnModel) m = nn_model_new ("small");
  int in = test_add (m, "Input", "x");
  test_set (m, in, "shape", "3");
  int d = test_add (m, "Dense", "dense");
  test_set (m, d, "units", "4");
  call1 (m, d, in, 0);
  int d2 = test_add (m, "Dense", "last");
  test_set (m, d2, "units", "2");
  test_set (m, d2, "activation", "softmax");
  call1 (m, d2, d, 0);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { d2, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  g_assert_true (nn_model_init_weights (m, 1, NULL));
  return to_json (m, with_weights);
}

static void
test_malformed_text (void)
{
  g_autofree char *json = small_model_json (TRUE);
  size_t len = strlen (json);

  expect_error ("", 0, NN_MODEL_ERROR_FILE, "empty", NULL);
  expect_error (" \n\t ", -1, NN_MODEL_ERROR_FILE, "empty", NULL);
  expect_error ("model", -1, NN_MODEL_ERROR_FILE, "not valid JSON", "line 1, column", NULL);
  expect_error ("{\"format\": \"deepscope-model\",\n \"version\": 1,,}", -1, NN_MODEL_ERROR_FILE,
                "not valid JSON", "line 2, column", NULL);
  expect_error ("[1, 2]", -1, NN_MODEL_ERROR_FILE, "an array", "not a JSON object", NULL);
  expect_error ("\"text\"", -1, NN_MODEL_ERROR_FILE, "a string", NULL);

  /* Cut at ten offsets from the start to just before the final brace. */
  const char *last = strrchr (json, '}');
  for (int k = 0; k < 10; k++)
    {
      size_t cut = (size_t) (last - json) * (size_t) k / 9;
      if (k == 9)
        cut = (size_t) (last - json);
      g_autoptr (GError) error = NULL;
      NnModel *m = nn_model_load_from_data (json, (gssize) cut, &error);
      g_assert_null (m);
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_true (strstr (error->message, "not valid JSON") || strstr (error->message, "empty"));
    }
  /* The full text still loads, from a buffer without a terminating NUL. */
  g_autofree char *copy = g_memdup2 (json, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) ok = nn_model_load_from_data (copy, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
}

static void
test_malformed_header (void)
{
  g_autofree char *json = small_model_json (FALSE);
  expect_edit_error (json, "\"deepscope-model\"", "\"keras-model\"", NN_MODEL_ERROR_VERSION,
                     "not a Deepscope model", "keras-model");
  expect_edit_error (json, "\"version\" : 1", "\"version\" : 3", NN_MODEL_ERROR_VERSION,
                     "this file was written by a newer Deepscope (format version 3); "
                     "this version reads version 1", NULL);
  expect_edit_error (json, "\"version\" : 1", "\"version\" : 0", NN_MODEL_ERROR_VERSION,
                     "version 0", NULL);
  expect_edit_error (json, "\"version\" : 1", "\"version\" : \"1\"", NN_MODEL_ERROR_VERSION,
                     "“version” must be a whole number, not a string", NULL);
  expect_edit_error (json, "\"format\" : \"deepscope-model\",", "", NN_MODEL_ERROR_FILE,
                     "no “format” member", NULL);
  expect_edit_error (json, "\"config\" : {\n    \"layers\"", "\"konfig\" : {\n    \"layers\"",
                     NN_MODEL_ERROR_FILE, "no “config” member", NULL);
  expect_edit_error (json, "\"input_layers\"", "\"inputs\"", NN_MODEL_ERROR_FILE,
                     "no “input_layers” member", NULL);
  expect_edit_error (json, "\"name\" : \"small\"", "\"name\" : 5", NN_MODEL_ERROR_CONFIG,
                     "“name” must be a string, not a whole number", NULL);
}

static void
test_malformed_layers (void)
{
  g_autofree char *json = small_model_json (FALSE);

  expect_edit_error (json, "\"class_name\" : \"Dense\",\n        \"name\" : \"dense\"",
                     "\"class_name\" : \"Dense3D\",\n        \"name\" : \"dense\"",
                     NN_MODEL_ERROR_UNKNOWN_LAYER, "Dense3D", "layer “dense”");
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : 4, \"unitz\" : 5,",
                     NN_MODEL_ERROR_CONFIG, "layer “dense”", "“unitz”");
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : \"4\",", NN_MODEL_ERROR_CONFIG,
                     "layer “dense”: “units” must be a whole number, not a string", NULL);
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : 4.5,", NN_MODEL_ERROR_CONFIG,
                     "layer “dense”: “units” must be a whole number, not a fractional number",
                     NULL);
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : 0,", NN_MODEL_ERROR_CONFIG,
                     "layer “dense”", "units must be between 1 and 65536, not 0");
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : 99999999999,", NN_MODEL_ERROR_CONFIG,
                     "layer “dense”", "units must be between");
  expect_edit_error (json, "\"shape\" : [3]", "\"shape\" : [3, \"a\"]", NN_MODEL_ERROR_CONFIG,
                     "layer “x”", "“shape” must be an array of whole numbers");
  expect_edit_error (json, "\"shape\" : [3]", "\"shape\" : []", NN_MODEL_ERROR_CONFIG,
                     "layer “x”", "shape needs");
  expect_edit_error (json, "\"units\" : 4,\n          \"activation\" : \"relu\",\n          \"use_bias\" : true",
                     "\"units\" : 4,\n          \"activation\" : \"relu\",\n          \"use_bias\" : 1",
                     NN_MODEL_ERROR_CONFIG, "“use_bias” must be true or false", NULL);
  expect_edit_error (json, "\"activation\" : \"softmax\"", "\"activation\" : \"mish\"",
                     NN_MODEL_ERROR_CONFIG, "layer “last”", "mish");
  expect_edit_error (json, "[\"dense\", 0, 0]", "[\"hidden\", 0, 0]", NN_MODEL_ERROR_GRAPH,
                     "layer “last”", "“hidden”, which is not a layer");
  expect_edit_error (json, "[\"dense\", 0, 0]", "[\"dense\", 2, 0]", NN_MODEL_ERROR_GRAPH,
                     "call 2 of “dense”", NULL);
  expect_edit_error (json, "[\"dense\", 0, 0]", "[\"dense\", 0, 1]", NN_MODEL_ERROR_GRAPH,
                     "tensor 1", NULL);
  expect_edit_error (json, "[\"dense\", 0, 0]", "[\"dense\", 0]", NN_MODEL_ERROR_FILE,
                     "[layer name, call index, tensor index]", NULL);
  expect_edit_error (json, "\"name\" : \"last\"", "\"name\" : \"dense\"", NN_MODEL_ERROR_GRAPH,
                     "two layers are named “dense”", NULL);
  expect_edit_error (json, "\"name\" : \"last\"", "\"name\" : \"no spaces allowed\"",
                     NN_MODEL_ERROR_CONFIG, "not a valid layer name", NULL);
  expect_edit_error (json, "\"name\" : \"last\",", "", NN_MODEL_ERROR_FILE,
                     "layer 3 of “layers” has no “name” member", NULL);
  expect_edit_error (json, "\"input_layers\" : [\n      [\"x\", 0, 0]\n    ]",
                     "\"input_layers\" : [\n      [\"dense\", 0, 0]\n    ]",
                     NN_MODEL_ERROR_GRAPH, "“dense” is listed in “input_layers” but is not an Input",
                     NULL);
  expect_edit_error (json, "\"input_layers\" : [\n      [\"x\", 0, 0]\n    ]",
                     "\"input_layers\" : []", NN_MODEL_ERROR_GRAPH,
                     "“input_layers” must list the Input layers", NULL);
  expect_edit_error (json, "\"output_layers\" : [\n      [\"last\", 0, 0]\n    ]",
                     "\"output_layers\" : [\n      [\"lost\", 0, 0]\n    ]",
                     NN_MODEL_ERROR_GRAPH, "“lost”", NULL);
  /* Edges into an Input layer, and a cycle between two layers. */
  expect_edit_error (json, "\"inbound_nodes\" : []", "\"inbound_nodes\" : [[[\"dense\", 0, 0]]]",
                     NN_MODEL_ERROR_GRAPH, "layer “x” is an Input layer", NULL);
  expect_edit_error (json, "[\"x\", 0, 0]\n          ]", "[\"last\", 0, 0]\n          ]",
                     NN_MODEL_ERROR_GRAPH, "cycle", NULL);
  expect_edit_error (json, "\"position\" : [0.0, 0.0],\n        \"inbound_nodes\" : [\n          [\n            [\"dense\"",
                     "\"position\" : [0.0],\n        \"inbound_nodes\" : [\n          [\n            [\"dense\"",
                     NN_MODEL_ERROR_CONFIG, "layer “last”: “position” must be [x, y]", NULL);
}

/* Two shared layers whose second calls wait on each other. */
static void
test_call_cycle (void)
{
  const char *json =
    "{\"format\": \"deepscope-model\", \"version\": 1, \"config\": {\"layers\": [\n"
    " {\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [2]}, \"inbound_nodes\": []},\n"
    " {\"class_name\": \"Dense\", \"name\": \"a\", \"config\": {\"units\": 2},\n"
    "  \"inbound_nodes\": [[[\"x\", 0, 0]], [[\"b\", 1, 0]]]},\n"
    " {\"class_name\": \"Dense\", \"name\": \"b\", \"config\": {\"units\": 2},\n"
    "  \"inbound_nodes\": [[[\"x\", 0, 0]], [[\"a\", 1, 0]]]}],\n"
    " \"input_layers\": [[\"x\", 0, 0]], \"output_layers\": []}}";
  expect_error (json, -1, NN_MODEL_ERROR_GRAPH, "layer “a”: call 1", "cycle", NULL);

  /* The same with the second call of b fed by x loads: a's call 1 waits
   * for b's, which comes later in the list. */
  g_autofree char *fine = replace_once (json, "[[\"a\", 1, 0]]", "[[\"x\", 0, 0]]");
  g_autoptr (NnModel) m = load (fine);
  int a = nn_model_find_layer (m, "a"), b = nn_model_find_layer (m, "b");
  NnRef r = nn_model_call_get_input (m, a, 1, 0);
  g_assert_cmpint (r.layer, ==, b);
  g_assert_cmpint (r.call, ==, 1);
  g_assert_true (nn_model_infer (m, NULL));
}

static void
test_malformed_settings (void)
{
  g_autofree char *json = small_model_json (FALSE);
  expect_edit_error (json, "\"class_name\" : \"RMSprop\"", "\"class_name\" : \"Adagrad\"",
                     NN_MODEL_ERROR_CONFIG, "Adagrad", NULL);
  expect_edit_error (json, "\"learning_rate\" : 0.001", "\"learning_rate\" : -1",
                     NN_MODEL_ERROR_CONFIG, "“learning_rate” must be more than 0", NULL);
  expect_edit_error (json, "\"learning_rate\" : 0.001", "\"learning_rate\" : 1e400",
                     NN_MODEL_ERROR_CONFIG, "“learning_rate”", NULL);
  expect_edit_error (json, "\"learning_rate\" : 0.001", "\"learnig_rate\" : 0.001",
                     NN_MODEL_ERROR_CONFIG, "no setting “learnig_rate”", NULL);
  expect_edit_error (json, "\"schedule\" : \"constant\"", "\"schedule\" : \"cosine\"",
                     NN_MODEL_ERROR_CONFIG, "cosine", NULL);
  expect_edit_error (json, "\"loss\" : [\"sparse_categorical_crossentropy\"]",
                     "\"loss\" : [\"hinge\"]", NN_MODEL_ERROR_CONFIG, "loss 1", NULL);
  expect_edit_error (json, "\"loss\" : [\"sparse_categorical_crossentropy\"]",
                     "\"loss\" : [\"mse\", \"mse\"]", NN_MODEL_ERROR_CONFIG,
                     "“loss” has 2 entries but the model has 1 output", NULL);
  expect_edit_error (json, "\"loss_weights\" : [1.0]", "\"loss_weights\" : [-1.0]",
                     NN_MODEL_ERROR_CONFIG, "loss weight 1", NULL);
  expect_edit_error (json, "[\"accuracy\"]", "[\"f1\"]", NN_MODEL_ERROR_CONFIG, "metric 1", NULL);
  expect_edit_error (json, "\"config\" : {\n    \"layers\"",
                     "\"training\" : {\"epochs\" : -2},\n  \"config\" : {\n    \"layers\"",
                     NN_MODEL_ERROR_CONFIG, "“epochs” must be between 0", NULL);
  expect_edit_error (json, "\"config\" : {\n    \"layers\"",
                     "\"training\" : {\"epoch\" : 2},\n  \"config\" : {\n    \"layers\"",
                     NN_MODEL_ERROR_CONFIG, "no setting “epoch”", NULL);
}

static void
test_malformed_weights (void)
{
  g_autofree char *json = small_model_json (TRUE);
  const char *data = strstr (json, "\"data\" : \"") + strlen ("\"data\" : \"");
  const char *sha = strstr (json, "\"sha256\" : \"") + strlen ("\"sha256\" : \"");
  size_t off_data = (size_t) (data - json), off_sha = (size_t) (sha - json);

  /* Bad base64: a character outside the alphabet, then a bad length. */
  g_autofree char *bad = g_strdup (json);
  bad[off_data + 5] = '*';
  expect_error (bad, -1, NN_MODEL_ERROR_WEIGHTS, "not valid base64", "character 6", NULL);
  g_autofree char *shorter = g_strdup (json);
  memmove (shorter + off_data + 1, shorter + off_data + 2, strlen (shorter + off_data + 2) + 1);
  expect_error (shorter, -1, NN_MODEL_ERROR_WEIGHTS, "not valid base64", NULL);

  /* A wrong count: (3*4 + 4) + (4*2 + 2) = 26 values. */
  g_assert_nonnull (strstr (json, "\"count\" : 26,"));
  expect_edit_error (json, "\"count\" : 26,", "\"count\" : 27,", NN_MODEL_ERROR_WEIGHTS,
                     "holds 26 values but “count” says 27", NULL);
  expect_edit_error (json, "\"count\" : 26,", "\"count\" : \"26\",", NN_MODEL_ERROR_WEIGHTS,
                     "“count” must be a whole number", NULL);

  /* A flipped checksum byte. */
  g_autofree char *flipped = g_strdup (json);
  flipped[off_sha + 10] = flipped[off_sha + 10] == '0' ? '1' : '0';
  expect_error (flipped, -1, NN_MODEL_ERROR_WEIGHTS, "checksum", "damaged", NULL);

  /* A flipped data character that stays valid base64: the checksum catches it. */
  g_autofree char *damaged = g_strdup (json);
  damaged[off_data + 7] = damaged[off_data + 7] == 'A' ? 'B' : 'A';
  expect_error (damaged, -1, NN_MODEL_ERROR_WEIGHTS, "checksum", NULL);

  /* Consistent weights for another architecture. */
  expect_edit_error (json, "\"units\" : 4,", "\"units\" : 5,", NN_MODEL_ERROR_WEIGHTS,
                     "the file has 26 weights but the model needs 32", NULL);
  expect_edit_error (json, "\"float32-le-base64\"", "\"float16-le-base64\"",
                     NN_MODEL_ERROR_WEIGHTS, "float16-le-base64", NULL);
  expect_edit_error (json, "\"encoding\" : \"float32-le-base64\",", "", NN_MODEL_ERROR_FILE,
                     "no “encoding” member", NULL);
}

/* Random damage: each mutated text either loads or fails with a model
 * error, never crashes (run under AddressSanitizer in CI). */
static void
test_random_damage (void)
{
  g_autofree char *json = small_model_json (TRUE);
  size_t len = strlen (json);
  static const char pool[] = "{}[]\",:0123456789-.eE \ntruefalsnul\\Az=+/";
  NnRng rng;
  int loaded = 0, failed = 0;
  nn_rng_seed (&rng, 1234);
  for (int it = 0; it < 3000; it++)
    {
      g_autofree char *t = g_strdup (json);
      int edits = 1 + (int) nn_rng_below (&rng, 3);
      for (int e = 0; e < edits; e++)
        {
          size_t at = nn_rng_below (&rng, (guint32) len);
          switch (nn_rng_below (&rng, 3))
            {
            case 0:   /* replace a byte */
              t[at] = pool[nn_rng_below (&rng, sizeof pool - 1)];
              break;
            case 1:   /* delete a byte */
              memmove (t + at, t + at + 1, strlen (t + at + 1) + 1);
              break;
            default:  /* a random byte, possibly not UTF-8 */
              t[at] = (char) (1 + nn_rng_below (&rng, 255));
              break;
            }
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load_from_data (t, -1, &error);
      if (m)
        {
          g_assert_no_error (error);
          g_autofree char *again = to_json (m, TRUE);
          g_autoptr (NnModel) m2 = load (again);
          loaded++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == NN_MODEL_ERROR);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          failed++;
        }
    }
  g_test_message ("%d damaged texts loaded, %d failed", loaded, failed);
  g_assert_cmpint (failed, >, 1000);
}

static void
test_load_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load ("/nonexistent/dir/model.json", &error);
  g_assert_null (m);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/model.json"));

  /* Errors found in the content start with the file's name. */
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"format\": \"x\"}", -1, NULL));
  g_clear_error (&error);
  m = nn_model_load (path, &error);
  g_assert_null (m);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_unwritable_values (void)
{
  g_autoptr (NnModel) m = nn_model_new ("nan");
  int in = test_add (m, "Input", "x");
  nn_model_layer_set_position (m, in, NAN, 0);
  g_autoptr (GError) error = NULL;
  char *json = nn_model_to_json (m, TRUE, &error);
  g_assert_null (json);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "position"));
}

/* Counts layers (at any depth: Model layers hold their own) whose type has
 * an activation but whose config does not state one. */
static int
count_unstated_activations (JsonNode *node, GString *names)
{
  int n = 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        n += count_unstated_activations (json_array_get_element (a, i), names);
      return n;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  JsonObject *o = json_node_get_object (node);
  if (json_object_has_member (o, "class_name") && json_object_has_member (o, "config"))
    {
      const NnLayerType *t = nn_layer_type_lookup (json_object_get_string_member (o, "class_name"));
      JsonObject *cfg = json_object_get_object_member (o, "config");
      for (guint k = 0; t && k < nn_layer_type_get_n_params (t); k++)
        if (g_str_equal (nn_layer_type_get_param (t, k)->name, "activation")
            && !json_object_has_member (cfg, "activation"))
          {
            g_string_append_printf (names, " %s", json_object_get_string_member (o, "name"));
            n++;
          }
    }
  GList *members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    n += count_unstated_activations (json_object_get_member (o, l->data), names);
  g_list_free (members);
  return n;
}

/* Dense and Conv2D default to relu (a teaching default; Keras says
 * linear), so a file that leaves the activation out would load
 * differently from before: every sample states its activations and loads
 * with them. */
static void
test_samples_state_activations (void)
{
  const char *dir = g_getenv ("DEEPSCOPE_SAMPLES");
  g_autoptr(GDir) d = NULL;
  const char *file;
  int n_files = 0;

  g_assert_nonnull (dir);
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((file = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) names = g_string_new (NULL);
      g_autoptr(NnModel) m = NULL;

      if (!g_str_has_suffix (file, ".json"))
        continue;
      g_assert_true (json_parser_load_from_file (parser, path, &error));
      g_assert_no_error (error);
      if (count_unstated_activations (json_parser_get_root (parser), names) > 0)
        g_error ("%s leaves the activation of%s to the default", file, names->str);
      m = nn_model_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (m);
      n_files++;
    }
  g_assert_cmpint (n_files, >=, 10);
}

static void
test_activation_defaults (void)
{
  g_autoptr(NnModel) m = nn_model_new ("defaults");
  const char *relu_types[] = { "Dense", "Conv2D" };

  for (guint i = 0; i < G_N_ELEMENTS (relu_types); i++)
    {
      int l = nn_model_add_layer (m, relu_types[i], NULL, NULL);
      g_autofree char *act = NULL;

      g_assert_cmpint (l, >=, 0);
      act = nn_model_layer_dup_param_text (m, l, "activation");
      g_assert_cmpstr (act, ==, "relu");
    }
  /* Every activation a course meets can be chosen and saved by name. */
  {
    const char *names[] = { "leaky_relu", "elu", "selu", "gelu", "swish", "silu",
                            "softplus", "hard_sigmoid", "exponential" };
    int l = nn_model_find_layer (m, "dense");

    if (l < 0)
      l = 0;
    for (guint k = 0; k < G_N_ELEMENTS (names); k++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *back = NULL;

        g_assert_true (nn_model_layer_set_param (m, l, "activation", names[k], &error));
        g_assert_no_error (error);
        back = nn_model_layer_dup_param_text (m, l, "activation");
        g_assert_cmpstr (back, ==, names[k]);
      }
  }
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  /* The engine's layer table and the test's own type after it. */
  static const NnLayerType *types[128];
  guint n_types = nn_layer_table_size;
  g_assert_cmpuint (n_types, <, G_N_ELEMENTS (types));
  memcpy (types, nn_layer_table, n_types * sizeof *types);
  types[n_types++] = &note_type;
  nn_layer_table_replace (types, n_types);
  g_test_add_func ("/engine/model-io/round-trip", test_round_trip);
  g_test_add_func ("/engine/model-io/optimizers", test_optimizers);
  g_test_add_func ("/engine/model-io/editor-state", test_editor_state);
  g_test_add_func ("/engine/model-io/hand-written", test_hand_written);
  g_test_add_func ("/engine/model-io/every-layer-type", test_every_layer_type);
  g_test_add_func ("/engine/model-io/nesting", test_nesting);
  g_test_add_func ("/engine/model-io/malformed-text", test_malformed_text);
  g_test_add_func ("/engine/model-io/malformed-header", test_malformed_header);
  g_test_add_func ("/engine/model-io/malformed-layers", test_malformed_layers);
  g_test_add_func ("/engine/model-io/call-cycle", test_call_cycle);
  g_test_add_func ("/engine/model-io/malformed-settings", test_malformed_settings);
  g_test_add_func ("/engine/model-io/malformed-weights", test_malformed_weights);
  g_test_add_func ("/engine/model-io/random-damage", test_random_damage);
  g_test_add_func ("/engine/model-io/load-missing-file", test_load_missing_file);
  g_test_add_func ("/engine/model-io/unwritable-values", test_unwritable_values);
  g_test_add_func ("/engine/model-io/deep-json", test_deep_json);
  g_test_add_func ("/engine/model-io/samples-state-activations", test_samples_state_activations);
  g_test_add_func ("/engine/model-io/activation-defaults", test_activation_defaults);
  return g_test_run ();
}
