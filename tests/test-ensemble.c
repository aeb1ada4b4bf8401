/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ensembles: one member equals its model, the mean and weighted mean of
 * two models equal the hand-computed ones (predictions, loss, accuracy,
 * MAE), K copies equal the model, and members of another task, weights
 * that are negative or all zero, and a dataset that does not fit are
 * refused with an error naming the model. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"

/* Input(in) -> Dense(8, relu) -> Dense(classes, softmax) (classes 0: a
 * linear Dense(1) with MSE), weights from seed. */
static NnModel *
mlp (int in, int classes, guint64 seed)
{
  NnModel *m = nn_model_new ("mlp");
  int l_in = test_add (m, "Input", "points");
  g_autofree char *in_text = g_strdup_printf ("%d", in);
  test_set (m, l_in, "shape", in_text);
  int hidden = test_add (m, "Dense", NULL);
  test_set (m, hidden, "units", "8");
  test_set (m, hidden, "activation", "relu");
  test_connect (m, l_in, hidden);
  int out = test_add (m, "Dense", "out");
  g_autofree char *units = g_strdup_printf ("%d", MAX (classes, 1));
  test_set (m, out, "units", units);
  test_set (m, out, "activation", classes ? "softmax" : "linear");
  test_connect (m, hidden, out);
  NnMetric metric = classes ? NN_METRIC_ACCURACY : NN_METRIC_MAE;
  nn_model_add_output (m, (NnRef) { out, 0, 0 },
                       classes ? NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY : NN_LOSS_MSE, 1.0,
                       &metric, 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  return m;
}

static NnDataset *
open_data (const char *spec)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_test, >, 0);
  return ds;
}

static void
add (NnEnsemble *e, NnModel *m, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_ensemble_add (e, m, name, &error));
  g_assert_no_error (error);
}

static NnTensor *
predict_model (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnTensor *t = nn_model_predict (m, ds, ds->test_idx, ds->n_test, 0, 32, &error);
  g_assert_no_error (error);
  return t;
}

static NnTensor *
predict_ensemble (NnEnsemble *e, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnTensor *t = nn_ensemble_predict (e, ds, ds->test_idx, ds->n_test, &error);
  g_assert_no_error (error);
  return t;
}

static void
evaluate (NnEnsemble *e, NnDataset *ds, NnEnsembleScores *s)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_ensemble_evaluate (e, ds, NULL, 0, s, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (s->n_members, ==, nn_ensemble_get_n_members (e));
}

static double
score (const NnScores *s, const char *key)
{
  gboolean found = FALSE;
  double v = nn_scores_get (s, key, &found);
  g_assert_true (found);
  return v;
}

static void
assert_close (const NnTensor *a, const NnTensor *b, double tol)
{
  g_assert_cmpuint (a->size, ==, b->size);
  for (size_t i = 0; i < a->size; i++)
    if (tol == 0)
      g_assert_cmpfloat (a->data[i], ==, b->data[i]);
    else
      g_assert_cmpfloat_with_epsilon (a->data[i], b->data[i], tol);
}

/* Sparse cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7] after
 * rescaling each row to sum 1, as Keras) and accuracy of p against the
 * test split's classes. */
static void
hand_scores (const NnTensor *p, NnDataset *ds, double *loss, double *acc)
{
  size_t n = ds->n_test, c = p->size / n;
  g_autofree float *y = g_new (float, n);
  nn_array_gather (ds->targets[0], ds->test_idx, n, y);
  double l = 0, right = 0;
  for (size_t i = 0; i < n; i++)
    {
      const float *row = p->data + i * c;
      double sum = 0;
      size_t best = 0;
      for (size_t j = 0; j < c; j++)
        {
          sum += row[j];
          if (row[j] > row[best])
            best = j;
        }
      double q = CLAMP (row[(size_t) y[i]] / sum, 1e-7, 1 - 1e-7);
      l -= log (q);
      right += best == (size_t) y[i];
    }
  *loss = l / (double) n;
  *acc = right / (double) n;
}

/* Two models of the spirals from different seeds in an ensemble, their
 * predictions on the test split, and a tensor of their shape for the
 * expected ones. */
typedef struct {
  NnDataset  *ds;
  NnModel    *a, *b;
  NnEnsemble *e;
  NnTensor   *pa, *pb, *want;
} Pair;

static void
pair_init (Pair *f)
{
  f->ds = open_data ("spirals:n=300:seed=4");
  f->a = mlp (2, 2, 1);
  f->b = mlp (2, 2, 2);
  f->e = nn_ensemble_new ();
  add (f->e, f->a, "a");
  add (f->e, f->b, "b");
  f->pa = predict_model (f->a, f->ds);
  f->pb = predict_model (f->b, f->ds);
  f->want = nn_tensor_new (f->pa->ndim, f->pa->shape);
}

static void
pair_clear (Pair *f)
{
  nn_tensor_free (f->want);
  nn_tensor_free (f->pb);
  nn_tensor_free (f->pa);
  nn_ensemble_free (f->e);
  nn_model_free (f->b);
  nn_model_free (f->a);
  nn_dataset_free (f->ds);
}

static void
test_one_member_is_the_model (void)
{
  g_autoptr (NnDataset) ds = open_data ("spirals:n=300:seed=4");
  g_autoptr (NnModel) m = mlp (2, 2, 7);
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  add (e, m, "alone");
  g_assert_cmpfloat (nn_ensemble_get_weight (e, 0), ==, 1.0);
  g_autoptr (NnTensor) pm = predict_model (m, ds);
  g_autoptr (NnTensor) pe = predict_ensemble (e, ds);
  assert_close (pm, pe, 0);
  NnScores ms = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 32, &ms, &error));
  NnEnsembleScores es = { 0 };
  evaluate (e, ds, &es);
  g_assert_cmpfloat_with_epsilon (score (&es.ensemble, "loss"), score (&ms, "loss"), 1e-5);
  g_assert_cmpfloat (score (&es.ensemble, "accuracy"), ==, score (&ms, "accuracy"));
  g_assert_cmpfloat (score (&es.members[0], "loss"), ==, score (&es.ensemble, "loss"));
  nn_scores_clear (&ms);
  nn_ensemble_scores_clear (&es);
}

static void
test_mean_of_two (void)
{
  Pair f;
  pair_init (&f);
  NnDataset *ds = f.ds;
  NnEnsemble *e = f.e;
  NnTensor *pa = f.pa, *pb = f.pb, *want = f.want;
  double diff = 0;
  for (size_t i = 0; i < pa->size; i++)
    {
      want->data[i] = (pa->data[i] + pb->data[i]) / 2;
      diff += fabs (pa->data[i] - pb->data[i]);
    }
  g_assert_cmpfloat (diff, >, 1.0);   /* the two models do differ */
  g_autoptr (NnTensor) pe = predict_ensemble (e, ds);
  assert_close (want, pe, 1e-6);

  NnEnsembleScores es = { 0 };
  evaluate (e, ds, &es);
  double loss, acc;
  hand_scores (want, ds, &loss, &acc);
  g_assert_cmpfloat_with_epsilon (score (&es.ensemble, "loss"), loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (score (&es.ensemble, "accuracy"), acc, 1e-9);
  hand_scores (pa, ds, &loss, &acc);
  g_assert_cmpfloat_with_epsilon (score (&es.members[0], "loss"), loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (score (&es.members[0], "accuracy"), acc, 1e-9);
  hand_scores (pb, ds, &loss, &acc);
  g_assert_cmpfloat_with_epsilon (score (&es.members[1], "loss"), loss, 1e-5);
  nn_ensemble_scores_clear (&es);
  pair_clear (&f);
}

static void
test_weights (void)
{
  Pair f;
  pair_init (&f);
  NnDataset *ds = f.ds;
  NnEnsemble *e = f.e;
  NnTensor *pa = f.pa, *pb = f.pb, *want = f.want;
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_ensemble_set_weights (e, (double[]) { 1, 3 }, 2, &error));
  g_assert_cmpfloat (nn_ensemble_get_weight (e, 0), ==, 0.25);
  g_assert_cmpfloat (nn_ensemble_get_weight (e, 1), ==, 0.75);
  for (size_t i = 0; i < pa->size; i++)
    want->data[i] = 0.25f * pa->data[i] + 0.75f * pb->data[i];
  g_autoptr (NnTensor) pe = predict_ensemble (e, ds);
  assert_close (want, pe, 1e-6);

  /* A zero weight leaves the member out. */
  g_assert_true (nn_ensemble_set_weights (e, (double[]) { 0, 2 }, 2, &error));
  g_autoptr (NnTensor) only_b = predict_ensemble (e, ds);
  assert_close (pb, only_b, 0);

  /* Refusals keep the weights as they were. */
  g_assert_false (nn_ensemble_set_weights (e, (double[]) { 1, -1 }, 2, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "“b”"));
  g_clear_error (&error);
  g_assert_false (nn_ensemble_set_weights (e, (double[]) { 0, 0 }, 2, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (nn_ensemble_set_weights (e, (double[]) { NAN, 1 }, 2, &error));
  g_clear_error (&error);
  g_assert_false (nn_ensemble_set_weights (e, (double[]) { 1, 1, 1 }, 3, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_cmpfloat (nn_ensemble_get_weight (e, 1), ==, 1.0);
  pair_clear (&f);
}

static void
test_copies_equal_the_model (void)
{
  g_autoptr (NnDataset) ds = open_data ("regression:n=200:seed=3");
  int features = ds->inputs[0]->shape[0];
  g_autoptr (NnModel) m = mlp (features, 0, 5);
  g_autoptr (NnTensor) pm = predict_model (m, ds);
  NnScores ms = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 32, &ms, &error));
  for (int k = 2; k <= 5; k += 3)
    {
      g_autoptr (NnEnsemble) e = nn_ensemble_new ();
      for (int j = 0; j < k; j++)
        add (e, m, "copy");
      g_autoptr (NnTensor) pe = predict_ensemble (e, ds);
      assert_close (pm, pe, 1e-6);
      NnEnsembleScores es = { 0 };
      evaluate (e, ds, &es);
      g_assert_cmpfloat_with_epsilon (score (&es.ensemble, "loss"), score (&ms, "loss"),
                                      1e-5 * score (&ms, "loss"));
      g_assert_cmpfloat_with_epsilon (score (&es.ensemble, "mae"), score (&ms, "mae"),
                                      1e-5 * score (&ms, "mae"));
      nn_ensemble_scores_clear (&es);
    }
  nn_scores_clear (&ms);
}

/* Adding m is refused with an error naming it and containing what. */
static void
assert_refused (NnEnsemble *e, NnModel *m, const char *what)
{
  g_autoptr (GError) error = NULL;
  int before = nn_ensemble_get_n_members (e);
  g_assert_false (nn_ensemble_add (e, m, "odd one", &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“odd one”"));
  g_assert_nonnull (strstr (error->message, what));
  g_assert_cmpint (nn_ensemble_get_n_members (e), ==, before);
}

static void
test_other_tasks_refused (void)
{
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  g_autoptr (NnModel) first = mlp (2, 2, 1);
  add (e, first, "first");
  g_autoptr (NnModel) classes = mlp (2, 3, 1);
  assert_refused (e, classes, "output is (batch, 3), not (batch, 2)");
  g_autoptr (NnModel) features = mlp (3, 2, 1);
  assert_refused (e, features, "input is (batch, 3), not (batch, 2)");
  g_autoptr (NnModel) loss = mlp (2, 2, 1);
  nn_model_output_set_loss (loss, 0, NN_LOSS_MSE, 1.0);
  assert_refused (e, loss, "loss is mse");
  g_autoptr (NnModel) no_loss = mlp (2, 2, 1);
  nn_model_output_set_loss (no_loss, 0, NN_LOSS_NONE, 1.0);
  assert_refused (e, no_loss, "no loss");
  g_autoptr (NnModel) untrained = nn_model_new ("untrained");
  int in = test_add (untrained, "Input", NULL);
  test_set (untrained, in, "shape", "2");
  int out = test_add (untrained, "Dense", NULL);
  test_set (untrained, out, "units", "2");
  test_connect (untrained, in, out);
  nn_model_add_output (untrained, (NnRef) { out, 0, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  assert_refused (e, untrained, "no weights");
  /* A different hidden layer is the same task. */
  g_autoptr (NnModel) other = mlp (2, 2, 9);
  test_set (other, 1, "units", "5");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (other, 3, &error));
  add (e, other, "wider");
  g_assert_cmpint (nn_ensemble_get_n_members (e), ==, 2);
  g_assert_cmpstr (nn_ensemble_get_name (e, 1), ==, "wider");
}

static void
progress_cb (double fraction, gpointer data)
{
  double *last = data;
  g_assert_cmpfloat (fraction, >, *last);
  *last = fraction;
}

static void
test_data_progress_cancel (void)
{
  g_autoptr (NnDataset) ds = open_data ("spirals:n=2000:seed=4");
  g_autoptr (NnModel) m = mlp (2, 2, 1);
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  g_autoptr (GError) error = NULL;
  NnEnsembleScores es = { 0 };
  /* Empty. */
  g_assert_false (nn_ensemble_evaluate (e, ds, NULL, 0, &es, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  add (e, m, "spiral model");
  double last = 0;
  g_assert_true (nn_ensemble_evaluate (e, ds, NULL, 0, &es, progress_cb, &last, NULL, &error));
  g_assert_cmpfloat (last, ==, 1.0);
  nn_ensemble_scores_clear (&es);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_false (nn_ensemble_evaluate (e, ds, NULL, 0, &es, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (es.members);
  g_clear_error (&error);
  /* A dataset of another shape: the member is named. */
  g_autoptr (NnDataset) other = open_data ("regression:n=100");
  g_assert_false (nn_ensemble_evaluate (e, other, NULL, 0, &es, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "“spiral model”"));
  g_clear_error (&error);
  g_assert_null (nn_ensemble_predict (e, other, other->test_idx, other->n_test, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
}

/* A run saved with the file keeps its trained model; it reads back with
 * the same weights and joins an ensemble; malformed ones are refused by
 * run. */
static void
test_run_keeps_weights (void)
{
  g_autoptr (NnDataset) ds = open_data ("spirals:n=300:seed=4");
  g_autoptr (NnModel) doc = mlp (2, 2, 1);
  g_autoptr (NnModel) trained = mlp (2, 2, 8);
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  NnRunRecord *r = nn_run_record_new ("Run 1");
  r->model = nn_model_copy (trained);
  g_ptr_array_add (runs, r);
  g_ptr_array_add (runs, nn_run_record_new ("Run 2"));   /* curves alone */
  g_autoptr (GError) error = NULL;
  g_autofree char *text = nn_model_to_json_with_runs (doc, TRUE, runs, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (NnModel) loaded = nn_model_load_from_data_with_runs (text, -1, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 2);
  NnRunRecord *r1 = back->pdata[0];
  g_assert_nonnull (r1->model);
  g_assert_null (((NnRunRecord *) back->pdata[1])->model);
  g_autoptr (NnTensor) want = predict_model (trained, ds);
  g_autoptr (NnTensor) got = predict_model (r1->model, ds);
  assert_close (want, got, 0);
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  add (e, r1->model, r1->name);
  add (e, loaded, "document");

  /* Without weights the run keeps no model. */
  g_autofree char *light = nn_model_to_json_with_runs (doc, FALSE, runs, &error);
  g_assert_null (strstr (light, "\"model\""));

  /* Malformed: not an object, a broken model, a model without weights. */
  const char *bad[][2] = {
    { "\"model\" : 3", "run 1" },
    { "\"model\" : { \"format\" : \"deepscope-model\" }", "run 1 (“Run 1”) model" },
    { "\"model\" : { \"format\" : \"nope\", \"version\" : 1 }", "run 1 (“Run 1”) model" },
  };
  g_autofree char *plain = nn_model_to_json (doc, FALSE, &error);
  g_autofree char *weightless = g_strdup (plain);
  for (guint k = 0; k <= G_N_ELEMENTS (bad); k++)
    {
      g_autofree char *model = k < G_N_ELEMENTS (bad) ? g_strdup (bad[k][0])
                               : g_strdup_printf ("\"model\" : %s", weightless);
      g_autofree char *file = g_strdup_printf ("%.*s, \"runs\" : [ { \"name\" : \"Run 1\", %s } ] }",
                                               (int) (strrchr (plain, '}') - plain), plain, model);
      g_autoptr (GPtrArray) none = NULL;
      g_autoptr (NnModel) m = nn_model_load_from_data_with_runs (file, -1, &none, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, k < G_N_ELEMENTS (bad) ? bad[k][1] : "no weights"));
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/ensemble/one-member", test_one_member_is_the_model);
  g_test_add_func ("/engine/ensemble/mean-of-two", test_mean_of_two);
  g_test_add_func ("/engine/ensemble/weights", test_weights);
  g_test_add_func ("/engine/ensemble/copies", test_copies_equal_the_model);
  g_test_add_func ("/engine/ensemble/other-tasks", test_other_tasks_refused);
  g_test_add_func ("/engine/ensemble/data-progress-cancel", test_data_progress_cancel);
  g_test_add_func ("/engine/ensemble/run-keeps-weights", test_run_keeps_weights);
  return g_test_run ();
}
