/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files: every field round-trips (text and predictions bit for bit),
 * malformed files give the right error code and message, saving is atomic. */
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

#include "nn-model-private.h"
#include "test-util.h"

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

static NnModel *
load (const char *json)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
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

static int
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_save_unwritable (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autoptr (GError) error = NULL;

  /* A read-only directory. Root ignores permission bits, so there the
   * check runs in /proc, where nobody can create files. */
  if (geteuid () != 0)
    {
      g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "model.json", NULL);
      g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
      g_assert_false (nn_model_save (m, path, TRUE, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_nonnull (strstr (error->message, "Cannot save"));
      g_clear_error (&error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_chmod (dir, 0755);
      g_rmdir (dir);
    }
  if (g_file_test ("/proc/self", G_FILE_TEST_IS_DIR))
    {
      g_assert_false (nn_model_save (m, "/proc/deepscope-model-io-test.json", TRUE, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_nonnull (strstr (error->message, "Cannot save"));
      g_clear_error (&error);
    }
  g_assert_false (nn_model_save (m, "/nonexistent/dir/model.json", TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
}

static void
test_save_replaces (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *old = "{\"old\": \"contents\"}\n";
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_autofree char *now = NULL;
  g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 1);   /* no temporary file left */

  /* A save that fails half-way through writing (the file size limit stops
   * the temporary file) leaves the old file as it was. Done in a child so
   * the limit cannot affect other tests. */
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  if (g_test_subprocess ())
    {
      struct rlimit saved, small;
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
      small = saved;
      small.rlim_cur = 1000;      /* well below the model's text */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
      gboolean ok = nn_model_save (m, path, TRUE, &error);
      setrlimit (RLIMIT_FSIZE, &saved);
      g_assert_false (ok);
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_clear_pointer (&now, g_free);
  g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
  g_assert_cmpstr (now, ==, old);
  g_assert_cmpint (count_entries (dir), ==, 1);
  g_assert_cmpuint (strlen (json), >, 1000);

  g_unlink (path);
  g_rmdir (dir);
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Saving through a symlink (and a chain of them, and one into another
 * folder) replaces the file the link points to; the links stay links and
 * no temporary file is left in either folder. */
static void
test_save_symlink (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *real = g_build_filename (sub, "real.json", NULL);
  g_autofree char *link = g_build_filename (dir, "link.json", NULL);
  g_autofree char *link2 = g_build_filename (dir, "link2.json", NULL);
  g_autofree char *dangling = g_build_filename (dir, "dangling.json", NULL);
  g_autofree char *created = g_build_filename (sub, "new.json", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (real, "old\n", -1, NULL));
  g_assert_cmpint (g_chmod (real, 0640), ==, 0);
  g_assert_cmpint (symlink ("sub/real.json", link), ==, 0);
  g_assert_cmpint (symlink (link, link2), ==, 0);         /* absolute, to a link */
  g_assert_cmpint (symlink ("sub/new.json", dangling), ==, 0);

  g_assert_true (nn_model_save (m, link, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_autofree char *target = g_file_read_link (link, NULL);
  g_assert_cmpstr (target, ==, "sub/real.json");
  g_autofree char *now = read_text (real);
  g_assert_cmpstr (now, ==, json);
  GStatBuf st;
  g_assert_cmpint (g_lstat (real, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);          /* permissions kept */

  g_assert_true (g_file_set_contents (real, "old\n", -1, NULL));
  g_assert_true (nn_model_save (m, link2, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (link2, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_clear_pointer (&now, g_free);
  now = read_text (real);
  g_assert_cmpstr (now, ==, json);

  /* A dangling link: the file it names is created. */
  g_assert_true (nn_model_save (m, dangling, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));
  g_clear_pointer (&now, g_free);
  now = read_text (created);
  g_assert_cmpstr (now, ==, json);

  g_assert_cmpint (count_entries (dir), ==, 4);   /* sub, link, link2, dangling */
  g_assert_cmpint (count_entries (sub), ==, 2);   /* real.json, new.json */

  /* A loop of links is an error, not a hang. */
  g_autofree char *loop = g_build_filename (dir, "loop.json", NULL);
  g_assert_cmpint (symlink ("loop.json", loop), ==, 0);
  g_assert_false (nn_model_save (m, loop, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_unlink (loop);
  g_unlink (created);
  g_unlink (dangling);
  g_unlink (link2);
  g_unlink (link);
  g_unlink (real);
  g_rmdir (sub);
  g_rmdir (dir);
}

/* A named pipe (the stand-in for /dev/null and other devices), a folder
 * and a link to a pipe are refused with a message naming the path; the
 * pipe stays a pipe. */
static void
test_save_not_regular (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "pipe.json", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder.json", NULL);
  g_autofree char *link = g_build_filename (dir, "link.json", NULL);
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_cmpint (symlink ("pipe.json", link), ==, 0);

  g_assert_false (nn_model_save (m, fifo, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fifo));
  g_assert_nonnull (strstr (error->message, "named pipe"));
  g_clear_error (&error);

  g_assert_false (nn_model_save (m, folder, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_nonnull (strstr (error->message, "folder"));
  g_clear_error (&error);

  g_assert_false (nn_model_save (m, link, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, link));
  g_assert_nonnull (strstr (error->message, "named pipe"));
  g_clear_error (&error);

  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  g_assert_cmpint (g_lstat (folder, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpint (count_entries (dir), ==, 3);    /* nothing written */

  g_unlink (link);
  g_unlink (fifo);
  g_rmdir (folder);
  g_rmdir (dir);
}

/* A temporary file of our naming for this file that nobody is writing is
 * removed by the next save; one that a save in progress holds locked and
 * files of any other name are left alone. */
static void
test_save_stale_tmp (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *stale_name = ".model.json.save-Ab3xZ9";
  const char *busy_name = ".model.json.save-Busy42";
  const char *others[] = {
    ".model.json.save-Ab3xZ",        /* five characters */
    ".model.json.save-Ab3xZ9x",      /* seven */
    ".model.json.save-Ab3-Z9",       /* not from mkstemp's alphabet */
    ".other.json.save-Ab3xZ9",       /* another file's */
    ".model.jso.save-Ab3xZ9",
    "model.json.Ab3xZ9",             /* what g_file_set_contents names them */
    "model.json.save-Ab3xZ9",
    ".model.json.backup",
  };
  g_autoptr (GError) error = NULL;

  g_autofree char *stale = g_build_filename (dir, stale_name, NULL);
  g_autofree char *busy = g_build_filename (dir, busy_name, NULL);
  g_assert_true (g_file_set_contents (stale, "half a model", -1, NULL));
  g_assert_true (g_file_set_contents (busy, "a model being written", -1, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_assert_true (g_file_set_contents (p, "keep", -1, NULL));
    }
  int busy_fd = g_open (busy, O_RDWR, 0);
  g_assert_cmpint (busy_fd, >=, 0);
  g_assert_cmpint (flock (busy_fd, LOCK_EX | LOCK_NB), ==, 0);

  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (busy, G_FILE_TEST_EXISTS));
  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_autofree char *text = read_text (p);
      g_assert_cmpstr (text, ==, "keep");
    }
  g_autofree char *now = read_text (path);
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 2 + (int) G_N_ELEMENTS (others));

  /* Once its writer is gone, it goes too. */
  close (busy_fd);
  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (busy, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_entries (dir), ==, 1 + (int) G_N_ELEMENTS (others));

  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_unlink (p);
    }
  g_unlink (path);
  g_rmdir (dir);
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

/* A save killed while writing (here by SIGXFSZ, the file size limit's
 * signal, half-way through the text) leaves the old file whole and its
 * temporary file behind; the next save removes that and replaces the file. */
static void
test_save_killed (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *old = "{\"old\": \"contents\"}\n";
  g_autoptr (GError) error = NULL;

  if (g_test_subprocess ())
    {
      struct rlimit small;
      const char *p = g_getenv ("MODEL_IO_TEST_PATH");
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &small), ==, 0);
      small.rlim_cur = 1000;      /* well below the model's text */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
      signal (SIGXFSZ, SIG_DFL);
      nn_model_save (m, p, TRUE, NULL);
      return;                     /* not reached: the signal kills it */
    }
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_setenv ("MODEL_IO_TEST_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed ();
  g_unsetenv ("MODEL_IO_TEST_PATH");

  g_autofree char *now = read_text (path);
  g_assert_cmpstr (now, ==, old);
  g_assert_cmpint (count_entries (dir), ==, 2);  /* the file and a temporary file */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (d));)
    if (!g_str_equal (name, "model.json"))
      {
        g_test_message ("left behind: %s", name);
        g_assert_true (g_str_has_prefix (name, ".model.json.save-"));
      }

  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&now, g_free);
  now = read_text (path);
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_unlink (path);
  g_rmdir (dir);
}


/* ---- preprocessing and runs ---------------------------------------------- */

static NnModel *
small_model (void)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("small");
  int in = nn_model_add_layer (m, "Input", "x", &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", &error));
  int d = nn_model_add_layer (m, "Dense", "out", &error);
  g_assert_true (nn_model_layer_set_param (m, d, "units", "3", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, d, 0, &error));
  g_assert_no_error (error);
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  return m;
}

/* A run as the app keeps one: per-epoch and per-batch series (one value
 * not finite), a marker, settings, its dataset. */
static NnRunRecord *
sample_run (const char *name, guint n_batches)
{
  NnRunRecord *r = nn_run_record_new (name);
  r->origin = g_strdup ("deepscope");
  r->started = g_strdup ("2025-03-01T09:30:00Z");
  r->end_text = g_strdup ("Early stopping: val_loss did not improve for 3 epochs");
  r->color = 4;
  r->dataset = g_strdup ("spirals:n=500");
  r->dataset_flags = NN_DATASET_ONE_HOT;
  nn_optimizer_config_init (&r->optimizer, NN_OPT_ADAM);
  r->optimizer.learning_rate = 0.003;
  r->epochs = 5;
  r->batch_size = 16;
  r->validation_split = 0.25;
  r->seed = 7;
  r->epochs_done = 3;
  r->seconds = 1.25;
  for (int e = 0; e < 3; e++)
    {
      nn_run_record_append (r, "loss", e + 1, 1.0 / (e + 1));
      nn_run_record_append (r, "val_loss", e + 1, e == 1 ? NAN : 1.5 / (e + 1));
    }
  for (guint b = 1; b <= n_batches; b++)
    nn_run_record_append (r, "batch/loss", 3.0 * b / n_batches, 0.5 + 0.25 * sin (b));
  nn_run_record_add_marker (r, 1.5, "lr 0.003 → 0.001");
  return r;
}

/* The dataset's preprocessing and the runs survive a save and a load; a
 * second save gives the same text; values keep float precision. */
static void
test_runs_round_trip (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GPtrArray) back = NULL, again = NULL;
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "spirals:n=500");
  nn_model_set_dataset_flags (m, NN_DATASET_ONE_HOT | NN_DATASET_SKIP_BAD);
  g_ptr_array_add (runs, sample_run ("Run 1", 40));
  g_ptr_array_add (runs, sample_run ("Run 2", 10));
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "\"preprocessing\" : {\n    \"one_hot\" : true,\n"
                                  "    \"skip_unreadable\" : true\n  }"));
  g_assert_nonnull (strstr (json, "\"runs\" : ["));
  g_assert_nonnull (strstr (json, "\"y\" : [1.5, null, 0.5]"));

  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (json, -1, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_model_get_dataset (m2), ==, "spirals:n=500");
  g_assert_cmpint (nn_model_get_dataset_flags (m2), ==, NN_DATASET_ONE_HOT | NN_DATASET_SKIP_BAD);
  g_assert_cmpuint (back->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      NnRunRecord *a = runs->pdata[i], *b = back->pdata[i];
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (b->origin, ==, "deepscope");
      g_assert_cmpstr (b->started, ==, a->started);
      g_assert_cmpstr (b->end_text, ==, a->end_text);
      g_assert_cmpuint (b->color, ==, 4);
      g_assert_cmpstr (b->dataset, ==, "spirals:n=500");
      g_assert_cmpint (b->dataset_flags, ==, NN_DATASET_ONE_HOT);
      g_assert_cmpint (b->optimizer.kind, ==, NN_OPT_ADAM);
      g_assert_cmpfloat (b->optimizer.learning_rate, ==, 0.003);
      g_assert_cmpint (b->epochs, ==, 5);
      g_assert_cmpint (b->batch_size, ==, 16);
      g_assert_cmpfloat (b->validation_split, ==, 0.25);
      g_assert_cmpuint (b->seed, ==, 7);
      g_assert_cmpint (b->epochs_done, ==, 3);
      g_assert_cmpfloat (b->seconds, ==, 1.25);
      g_assert_cmpuint (b->series->len, ==, 3);
      for (guint k = 0; k < a->series->len; k++)
        {
          NnRunSeries *sa = a->series->pdata[k], *sb = b->series->pdata[k];
          g_assert_cmpstr (sa->key, ==, sb->key);
          g_assert_cmpuint (sa->x->len, ==, sb->x->len);
          for (guint j = 0; j < sa->x->len; j++)
            {
              double ya = g_array_index (sa->y, double, j), yb = g_array_index (sb->y, double, j);
              g_assert_cmpfloat_with_epsilon (g_array_index (sa->x, double, j),
                                              g_array_index (sb->x, double, j), 1e-8);
              if (isnan (ya))
                g_assert_true (isnan (yb));
              else
                g_assert_cmpfloat_with_epsilon (ya, yb, 1e-6);
            }
        }
      g_assert_cmpuint (b->markers->len, ==, 1);
      g_assert_cmpfloat (g_array_index (b->markers, NnRunMarker, 0).x, ==, 1.5);
      g_assert_cmpstr (g_array_index (b->markers, NnRunMarker, 0).text, ==, "lr 0.003 → 0.001");
    }
  g_autofree char *json2 = nn_model_to_json_with_runs (m2, FALSE, back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, json2);

  /* Through a file, and nn_model_load reads it without the runs. */
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.json", NULL);
  g_assert_true (nn_model_save_with_runs (m2, path, TRUE, back, &error));
  g_assert_no_error (error);
  g_autoptr (NnModel) m3 = nn_model_load_with_runs (path, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 2);
  g_autoptr (NnModel) m4 = nn_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_model_get_dataset (m4), ==, "spirals:n=500");
  g_remove (path);
  g_rmdir (dir);
}

/* Files written before runs and preprocessing existed load: no runs, no
 * preprocessing, and saving them writes neither runs nor extra members
 * other than "preprocessing" beside a dataset. */
static void
test_runs_absent (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "moons");
  g_autofree char *json = to_json (m, FALSE);
  g_autofree char *old = replace_once (json, "  \"preprocessing\" : {\n    \"one_hot\" : false,\n"
                                             "    \"skip_unreadable\" : false\n  },\n", "");
  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (old, -1, &runs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (runs);
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_cmpint (nn_model_get_dataset_flags (m2), ==, 0);
  g_assert_cmpstr (nn_model_get_dataset (m2), ==, "moons");
  g_assert_null (strstr (json, "\"runs\""));
}

/* A per-batch series of 100 000 points is written as NN_RUN_MAX_POINTS
 * averages that keep its start, end and mean. */
static void
test_runs_bounded (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (GError) error = NULL;
  const guint n = 100000;
  NnRunRecord *r = nn_run_record_new ("Long");

  for (guint b = 1; b <= n; b++)
    nn_run_record_append (r, "batch/loss", 50.0 * b / n, b % 2 ? 1.0 : 3.0);
  g_ptr_array_add (runs, r);
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);
  g_test_message ("a run of %u batches: %zu bytes", n, strlen (json));
  g_assert_cmpuint (strlen (json), <, 80000);
  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (json, -1, &back, &error);
  g_assert_no_error (error);
  NnRunSeries *s = nn_run_record_get_series (back->pdata[0], "batch/loss");
  g_assert_nonnull (s);
  g_assert_cmpuint (s->x->len, ==, NN_RUN_MAX_POINTS);
  for (guint i = 0; i < s->y->len; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (s->y, double, i), 2.0, 1e-6);
  g_assert_cmpfloat (g_array_index (s->x, double, 0), <, 0.05);
  g_assert_cmpfloat (g_array_index (s->x, double, s->x->len - 1), >, 49.95);
}

static void
test_runs_malformed (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "moons");
  g_ptr_array_add (runs, sample_run ("Run 1", 4));
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);

  expect_edit_error (json, "\"runs\" : [", "\"runs\" : 3, \"r\" : [", NN_MODEL_ERROR_FILE,
                     "“runs” must be", NULL);
  expect_edit_error (json, "\"one_hot\" : true", "\"one_hot\" : 1", NN_MODEL_ERROR_CONFIG,
                     "run 1 (“Run 1”) “preprocessing”", "“one_hot” must be");
  expect_edit_error (json, "\"skip_unreadable\" : false\n  }", "\"skip\" : false\n  }",
                     NN_MODEL_ERROR_CONFIG, "“preprocessing” has no setting “skip”", NULL);
  expect_edit_error (json, "\"y\" : [1.5, null, 0.5]", "\"y\" : [1.5, null]",
                     NN_MODEL_ERROR_CONFIG, "“x” has 3 values but “y” has 2", NULL);
  expect_edit_error (json, "\"x\" : [1.0, 2.0, 3.0],\n          \"y\" : [1.5",
                     "\"x\" : [1.0, 3.0, 2.0],\n          \"y\" : [1.5", NN_MODEL_ERROR_CONFIG,
                     "series 2 (“val_loss”): x must increase, but point 3 (2) follows 3", NULL);
  expect_edit_error (json, "\"epochs_done\" : 3", "\"epochs_done\" : -1",
                     NN_MODEL_ERROR_CONFIG, "“epochs_done” must be between 0", NULL);
  expect_edit_error (json, "\"batch_size\" : 16,\n        \"validation_split\"",
                     "\"batch\" : 16,\n        \"validation_split\"", NN_MODEL_ERROR_CONFIG,
                     "“settings” has no setting “batch”", NULL);
  expect_edit_error (json, "\"class_name\" : \"Adam\"", "\"class_name\" : \"Adagrad\"",
                     NN_MODEL_ERROR_CONFIG, "no optimizer “Adagrad”", NULL);
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
  g_test_add_func ("/engine/model-io/save-unwritable", test_save_unwritable);
  g_test_add_func ("/engine/model-io/save-replaces", test_save_replaces);
  g_test_add_func ("/engine/model-io/deep-json", test_deep_json);
  g_test_add_func ("/engine/model-io/save-symlink", test_save_symlink);
  g_test_add_func ("/engine/model-io/save-not-regular", test_save_not_regular);
  g_test_add_func ("/engine/model-io/save-stale-tmp", test_save_stale_tmp);
  g_test_add_func ("/engine/model-io/save-killed", test_save_killed);
  g_test_add_func ("/engine/model-io/samples-state-activations", test_samples_state_activations);
  g_test_add_func ("/engine/model-io/activation-defaults", test_activation_defaults);
  g_test_add_func ("/engine/model-io/runs-round-trip", test_runs_round_trip);
  g_test_add_func ("/engine/model-io/runs-absent", test_runs_absent);
  g_test_add_func ("/engine/model-io/runs-bounded", test_runs_bounded);
  g_test_add_func ("/engine/model-io/runs-malformed", test_runs_malformed);
  return g_test_run ();
}
