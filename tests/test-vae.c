/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Variational autoencoders: the Sampling layer's KL term against its
 * closed form and central differences, the identity at inference, seeded
 * runs, nn_model_find_vae / nn_vae_encode / nn_vae_decode on the samples,
 * the errors, datasets with target=input (and the labels they keep), the
 * compiled decoder, the latent grid, interpolation and concept vectors. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-model-private.h"
#include "nn-data-private.h"
#include "test-util.h"

/* Forward against float64 references: float32 rounding only. */
#define FWD_TOL 1e-5
/* Max relative error between backward and central differences. */
#define GRAD_TOL 1e-3

/* Two Inputs (mean, log_var) of `latent` values → Sampling (beta) as the
 * output, without a loss: the KL term is the model's whole loss. */
static NnModel *
sampling_model (int latent, const char *beta)
{
  NnModel *m = nn_model_new ("sampling");
  g_autofree char *shape = g_strdup_printf ("%d", latent);
  int mu = test_add (m, "Input", "mean");
  int lv = test_add (m, "Input", "log_var");
  int z = test_add (m, "Sampling", "z");
  test_set (m, mu, "shape", shape);
  test_set (m, lv, "shape", shape);
  test_set (m, z, "beta", beta);
  test_connect (m, mu, z);
  test_connect (m, lv, z);
  nn_model_add_output (m, (NnRef) { z, 0 }, NN_LOSS_NONE, 1.0, NULL, 0);
  return m;
}

/* Known means and log-variances, one row per sample. */
static const float known_mu[] = { 0.0f, 1.0f, -2.0f, 0.5f, 0.25f, -0.75f };
static const float known_lv[] = { 0.0f, -1.0f, 0.5f, 1.5f, -0.2f, 0.0f };

static void
feed_known (NnCompiled *c)
{
  NnGraph *g = c->g;
  memcpy (g->nodes[c->input_nodes[0]].value, known_mu, sizeof known_mu);
  memcpy (g->nodes[c->input_nodes[1]].value, known_lv, sizeof known_lv);
}

/* -0.5 / B Σ_b Σ_d (1 + lv - mu² - exp(lv)): summed over the latent axis,
 * mean over the batch. */
static double
known_kl (int batch, int latent)
{
  double s = 0;
  for (int i = 0; i < batch * latent; i++)
    s += 1.0 + known_lv[i] - (double) known_mu[i] * known_mu[i] - exp (known_lv[i]);
  return -0.5 * s / batch;
}

static void
test_kl_closed_form (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sampling_model (2, "0.5");
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->n_kl, ==, 1);
  feed_known (c);
  nn_graph_forward (c->g);
  double want = known_kl (3, 2);
  /* By hand: rows (0,0 | 1,-1), (-2,0.5 | 0.5,1.5), (0.25,-0.2 | -0.75,0). */
  g_test_message ("KL %.6f (closed form %.6f), loss %.6f", c->g->nodes[c->kl_nodes[0]].value[0],
                  want, c->g->nodes[c->loss_node].value[0]);
  g_assert_cmpfloat (fabs (c->g->nodes[c->kl_nodes[0]].value[0] - want), <, FWD_TOL * want);
  /* The loss is beta × KL. */
  g_assert_cmpfloat (fabs (c->g->nodes[c->loss_node].value[0] - 0.5 * want), <,
                     FWD_TOL * want);
  /* A zero mean with a unit variance costs nothing. */
  float zeros[6] = { 0 };
  memcpy (c->g->nodes[c->input_nodes[0]].value, zeros, sizeof zeros);
  memcpy (c->g->nodes[c->input_nodes[1]].value, zeros, sizeof zeros);
  nn_graph_forward (c->g);
  g_assert_cmpfloat (c->g->nodes[c->kl_nodes[0]].value[0], ==, 0.0f);
  nn_compiled_free (c);
}

static void
test_kl_grad (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sampling_model (2, "2");
  NnRng rng;
  nn_rng_seed (&rng, 4);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  feed_known (c);
  for (int k = 0; k < 2; k++)
    {
      double err = nn_graph_check_grad (c->g, c->loss_node, c->input_nodes[k], 1e-2, 0);
      NnNode *in = &c->g->nodes[c->input_nodes[k]];
      float gmax = 0;
      for (size_t i = 0; i < in->size; i++)
        gmax = fmaxf (gmax, fabsf (in->grad[i]));
      g_test_message ("d(2 KL)/d%s: max rel err %.2e, max |grad| %.3g",
                      k ? "log_var" : "mean", err, gmax);
      g_assert_cmpfloat (err, <, GRAD_TOL);
      g_assert_cmpfloat (gmax, >, 1e-3f);
    }
  nn_compiled_free (c);
}

static void
test_inference_identity (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sampling_model (2, "1");
  int shape[] = { 3, 2 };
  g_autoptr (NnTensor) mu = nn_tensor_new (2, shape);
  g_autoptr (NnTensor) lv = nn_tensor_new (2, shape);
  memcpy (mu->data, known_mu, sizeof known_mu);
  memcpy (lv->data, known_lv, sizeof known_lv);
  NnTensor *in[] = { mu, lv };
  g_autoptr (NnTensor) z = nn_model_run (m, in, 2, (NnRef) { 2, 0 }, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (z->data, z->size * sizeof (float), mu->data, mu->size * sizeof (float));

  /* While training it draws around the mean: not the mean itself. */
  NnRng rng;
  nn_rng_seed (&rng, 5);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  feed_known (c);
  nn_graph_forward (c->g);
  const float *zt = c->g->nodes[c->output_nodes[0]].value;
  int differ = 0;
  for (int i = 0; i < 6; i++)
    differ += zt[i] != known_mu[i];
  g_assert_cmpint (differ, ==, 6);
  /* ... and with the same graph out of training mode, the mean again. */
  c->g->training = 0;
  nn_graph_forward (c->g);
  g_assert_cmpmem (c->g->nodes[c->output_nodes[0]].value, sizeof known_mu, known_mu,
                   sizeof known_mu);
  nn_compiled_free (c);
}

static NnModel *
load_sample (const char *name)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load (test_sample (name), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

/* Two epochs of batches of 16, no validation, seed 7, no snapshots. */
static void
short_fit (NnFitConfig *cfg)
{
  nn_fit_config_init (cfg);
  cfg->epochs = 2;
  cfg->batch_size = 16;
  cfg->validation_split = 0;
  cfg->seed = 7;
  cfg->snapshot_every = -1;
}

/* Trains m on ds (2 epochs of batches of 16, seed 7): the trained model,
 * the last loss and kl_loss the history reports. */
static NnModel *
train_model (NnModel *m, NnDataset *ds, double *loss, double *kl)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  short_fit (&cfg);
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      gboolean found = FALSE;
      double v = nn_event_get (e, "kl_loss", &found);
      if (found)
        {
          *kl = v;
          *loss = nn_event_get (e, "loss", NULL);
        }
      nn_event_free (e);
    }
  nn_fit_config_clear (&cfg);
  return nn_trainer_dup_model (t);
}

/* Training the dense VAE on 64 generated images twice with seed 7: the
 * same weights and the same history, to the bit. */
static NnModel *
train_once (NnDataset *ds, double *loss, double *kl)
{
  g_autoptr (NnModel) m = load_sample ("fashion_vae_dense.json");
  return train_model (m, ds, loss, kl);
}

static void
test_same_seed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=80:size=28:target=input", NULL, &error);
  g_assert_no_error (error);
  double l1 = 0, l2 = 0, k1 = -1, k2 = -2;
  g_autoptr (NnModel) a = train_once (ds, &l1, &k1);
  g_autoptr (NnModel) b = train_once (ds, &l2, &k2);
  g_test_message ("loss %.6f, kl_loss %.6f", l1, k1);
  /* The history holds kl_loss, and it is not zero: the codes moved. */
  g_assert_cmpfloat (k1, >, 0);
  g_assert_cmpfloat (l1, ==, l2);
  g_assert_cmpfloat (k1, ==, k2);
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params,
                   b->n_params * sizeof (float));
}

/* n grey images (n, side, side, 1) of uniform noise, seed 9. */
static NnTensor *
random_images (int n, int side)
{
  int shape[] = { n, side, side, 1 };
  NnTensor *x = nn_tensor_new (4, shape);
  NnRng rng;
  nn_rng_seed (&rng, 9);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = nn_rng_uniform (&rng);
  return x;
}

static void
check_parts (const char *sample)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample (sample);
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (parts.latent_dim, ==, 2);
  g_assert_cmpint (parts.sampling.layer, ==, nn_model_find_layer (m, "z"));
  g_assert_cmpint (parts.mean.layer, ==, nn_model_find_layer (m, "z_mean"));
  g_assert_cmpint (parts.log_var.layer, ==, nn_model_find_layer (m, "z_log_var"));
  g_assert_cmpint (parts.decoder_layer, ==, nn_model_find_layer (m, "decoder"));

  g_autoptr (NnTensor) x = random_images (5, 28);
  g_autoptr (NnTensor) mu = nn_vae_encode (m, &parts, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mu->ndim, ==, 2);
  g_assert_cmpint (mu->shape[0], ==, 5);
  g_assert_cmpint (mu->shape[1], ==, 2);
  /* The mean layer's output, as the whole model's run gives it. */
  NnTensor *in[] = { x };
  g_autoptr (NnTensor) direct = nn_model_run (m, in, 1, parts.mean, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (mu->data, mu->size * sizeof (float), direct->data,
                   direct->size * sizeof (float));

  g_autoptr (NnTensor) img = nn_vae_decode (m, &parts, mu, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->ndim, ==, 4);
  g_assert_cmpint (img->shape[0], ==, 5);
  g_assert_cmpint (img->shape[1], ==, 28);
  g_assert_cmpint (img->shape[2], ==, 28);
  g_assert_cmpint (img->shape[3], ==, 1);
  for (size_t i = 0; i < img->size; i++)
    g_assert_true (img->data[i] > 0.0f && img->data[i] < 1.0f);
  /* Decoding the encoded means is what the whole model gives at inference
   * (Sampling passes the mean on). */
  g_autoptr (NnTensor) whole = nn_model_run (m, in, 1, nn_model_get_output (m, 0), &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < img->size; i++)
    g_assert_cmpfloat (fabsf (img->data[i] - whole->data[i]), <, 1e-6f);
}

static void
test_parts_conv (void)
{
  check_parts ("fashion_vae_conv.json");
}

static void
test_parts_dense (void)
{
  check_parts ("fashion_vae_dense.json");
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  NnVaeParts parts;
  g_assert_false (nn_model_find_vae (m, &parts, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_assert_nonnull (strstr (error->message, "no Sampling layer"));
  g_clear_error (&error);

  /* A VAE whose decoder is not a Model layer cannot decode on its own. */
  g_autoptr (NnModel) s = sampling_model (2, "1");
  g_assert_true (nn_model_find_vae (s, &parts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (parts.decoder_layer, ==, -1);
  int zs[] = { 4, 2 };
  g_autoptr (NnTensor) z = nn_tensor_new (2, zs);
  g_assert_null (nn_vae_decode (s, &parts, z, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_clear_error (&error);

  /* Latent points of the wrong width. */
  g_autoptr (NnModel) v = load_sample ("fashion_vae_dense.json");
  g_assert_true (nn_model_find_vae (v, &parts, &error));
  int ws[] = { 4, 3 };
  g_autoptr (NnTensor) w = nn_tensor_new (2, ws);
  g_assert_null (nn_vae_decode (v, &parts, w, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* A Sampling layer on inputs of two shapes. */
  g_autoptr (NnModel) bad = sampling_model (2, "1");
  test_set (bad, 1, "shape", "3");
  g_assert_false (nn_model_infer (bad, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sampling_model (2, "0.25");
  g_autofree char *json = nn_model_to_json (m, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "\"Sampling\""));
  g_autoptr (NnModel) back = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  int z = nn_model_find_layer (back, "z");
  g_assert_cmpfloat (nn_model_layer_get_param (back, z, "beta")->f, ==, 0.25);
}

static void
test_target_input (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=20:size=16:target=input", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_targets, ==, 1);
  g_assert_cmpint (ds->n_classes, ==, 0);
  const NnArray *x = ds->inputs[0], *t = ds->targets[0];
  g_assert_cmpint (t->ndim, ==, x->ndim);
  g_assert_cmpmem (t->shape, sizeof (int) * (size_t) x->ndim, x->shape,
                   sizeof (int) * (size_t) x->ndim);
  size_t n = ds->n, per = x->sample_size;
  guint32 *idx = g_new (guint32, n);
  for (size_t i = 0; i < n; i++)
    idx[i] = (guint32) i;
  float *a = g_new (float, n * per), *b = g_new (float, n * per);
  nn_array_gather (x, idx, n, a);
  nn_array_gather (t, idx, n, b);
  g_assert_cmpmem (a, n * per * sizeof (float), b, n * per * sizeof (float));
  g_free (idx);
  g_free (a);
  g_free (b);

  g_assert_null (nn_dataset_open ("shapes:n=20:target=label", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_test_message ("%s", error->message);
}

/* :target=input keeps the class labels aside (ds->labels, with their
 * names) without making them a target: each sample's label is the class
 * the same spec gives without target=input. */
static void
test_target_input_labels (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) plain = nn_dataset_open ("shapes:n=30:size=16", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ae = nn_dataset_open ("shapes:n=30:size=16:target=input", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ae->n_classes, ==, 0);
  g_assert_null (ae->class_names);
  g_assert_cmpint (ae->n_targets, ==, 1);
  g_assert_nonnull (ae->labels);
  g_assert_cmpint (ae->labels->n, ==, ae->n);
  g_assert_cmpint (ae->n_label_classes, ==, plain->n_classes);
  for (int c = 0; c < plain->n_classes; c++)
    g_assert_cmpstr (ae->label_names[c], ==, plain->class_names[c]);
  int seen[3] = { 0 };
  for (size_t i = 0; i < ae->n; i++)
    {
      int k = -1;
      const char *const *names = NULL;
      int want = nn_dataset_get_label (plain, i, NULL, NULL);
      int got = nn_dataset_get_label (ae, i, &k, &names);
      g_assert_cmpint (want, >=, 0);
      g_assert_cmpint (got, ==, want);
      g_assert_cmpint (k, ==, 3);
      g_assert_cmpstr (names[got], ==, plain->class_names[want]);
      seen[got]++;
    }
  /* Balanced classes: every one is there. */
  for (int c = 0; c < 3; c++)
    g_assert_cmpint (seen[c], >, 0);
  g_assert_cmpint (nn_dataset_get_label (ae, ae->n, NULL, NULL), ==, -1);

  /* A dataset without classes has no labels. */
  g_autoptr (NnDataset) reg = nn_dataset_open ("plane:n=20", NULL, &error);
  g_assert_no_error (error);
  int k = -1;
  g_assert_cmpint (nn_dataset_get_label (reg, 0, &k, NULL), ==, -1);
  g_assert_cmpint (k, ==, 0);
}

/* Every float of a and b (same size) within tol. */
static void
assert_close (const float *a, const float *b, size_t n, float tol)
{
  float worst = 0;
  for (size_t i = 0; i < n; i++)
    worst = MAX (worst, fabsf (a[i] - b[i]));
  if (worst > tol)
    g_test_message ("largest difference %g", worst);
  g_assert_cmpfloat (worst, <=, tol);
}

/* The compiled decoder against nn_vae_decode (a fresh compile, the
 * decoder run by nn_model_run): a batch's rows do not depend on the batch.
 * Float sums may be split differently at other batch sizes. */
#define DECODE_TOL 1e-5f

static void
check_grid (const char *sample)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample (sample);
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  g_autoptr (NnVaeDecoder) d = nn_vae_decoder_new (m, &parts, 225, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_vae_decoder_get_latent_dim (d), ==, 2);
  int oshape[NN_MAX_DIMS];
  g_assert_cmpint (nn_vae_decoder_get_output_shape (d, oshape), ==, 3);
  g_assert_cmpint (oshape[0], ==, 28);
  g_assert_cmpint (oshape[1], ==, 28);
  g_assert_cmpint (oshape[2], ==, 1);
  size_t per = 28 * 28;

  g_autoptr (NnTensor) grid = nn_vae_decode_grid (d, 15, 2.0, 0, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (grid->shape[0], ==, 225);
  g_autoptr (NnTensor) z = nn_vae_grid_points (2, 15, 2.0, 0, 1, NULL, &error);
  g_assert_no_error (error);
  /* The book's layout: x from -r to r across, y from r down to -r. */
  g_assert_cmpfloat (z->data[0], ==, -2.0f);
  g_assert_cmpfloat (z->data[1], ==, 2.0f);
  g_assert_cmpfloat (z->data[224 * 2], ==, 2.0f);
  g_assert_cmpfloat (z->data[224 * 2 + 1], ==, -2.0f);
  g_assert_cmpfloat (z->data[7 * 2], ==, 0.0f);
  float one[28 * 28];
  for (int i = 0; i < 225; i++)
    {
      int s1[2] = { 1, 2 };
      g_autoptr (NnTensor) zi = nn_tensor_new (2, s1);
      memcpy (zi->data, z->data + 2 * i, 2 * sizeof (float));
      g_autoptr (NnTensor) want = nn_vae_decode (m, &parts, zi, &error);
      g_assert_no_error (error);
      assert_close (grid->data + (size_t) i * per, want->data, per, DECODE_TOL);
      /* One point through the compiled decoder, as a drag decodes it. */
      nn_vae_decoder_run (d, zi->data, 1, one);
      assert_close (one, want->data, per, DECODE_TOL);
    }
  /* The corners differ: the grid is not one picture repeated. */
  float diff = 0;
  for (size_t k = 0; k < per; k++)
    diff = MAX (diff, fabsf (grid->data[k] - grid->data[224 * per + k]));
  g_assert_cmpfloat (diff, >, 1e-4);
}

static void
test_grid_conv (void)
{
  check_grid ("fashion_vae_conv.json");
}

static void
test_grid_dense (void)
{
  check_grid ("fashion_vae_dense.json");
}

/* More than two latent dims: the walked dims move, the others stay at
 * the base point; and the refusals. */
static void
test_grid_points (void)
{
  g_autoptr (GError) error = NULL;
  const float base[4] = { 0.5f, -1.0f, 3.0f, 0.25f };
  g_autoptr (NnTensor) z = nn_vae_grid_points (4, 3, 1.0, 2, 0, base, &error);
  g_assert_no_error (error);
  g_assert_cmpint (z->shape[0], ==, 9);
  g_assert_cmpint (z->shape[1], ==, 4);
  for (int row = 0; row < 3; row++)
    for (int col = 0; col < 3; col++)
      {
        const float *p = z->data + (row * 3 + col) * 4;
        g_assert_cmpfloat (p[2], ==, -1.0f + col);
        g_assert_cmpfloat (p[0], ==, 1.0f - row);
        g_assert_cmpfloat (p[1], ==, base[1]);
        g_assert_cmpfloat (p[3], ==, base[3]);
      }
  g_assert_null (nn_vae_grid_points (4, 3, 1.0, 1, 1, NULL, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (nn_vae_grid_points (4, 3, 1.0, 0, 4, NULL, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (nn_vae_grid_points (2, 0, 1.0, 0, 1, NULL, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (nn_vae_grid_points (2, 15, 0.0, 0, 1, NULL, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);

  /* A grid larger than the decoder's batch is refused in words. */
  g_autoptr (NnModel) m = load_sample ("fashion_vae_dense.json");
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  g_autoptr (NnVaeDecoder) d = nn_vae_decoder_new (m, &parts, 4, &error);
  g_assert_no_error (error);
  g_assert_null (nn_vae_decode_grid (d, 15, 2.0, 0, 1, NULL, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (nn_vae_decoder_new (m, &parts, 0, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);
  /* No decoder to compile. */
  g_autoptr (NnModel) s = sampling_model (2, "1");
  g_assert_true (nn_model_find_vae (s, &parts, &error));
  g_assert_null (nn_vae_decoder_new (s, &parts, 4, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
}

/* The walk from a to b starts at a's decoding and ends at b's. */
static void
test_interpolate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample ("fashion_vae_conv.json");
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  g_autoptr (NnVaeDecoder) d = nn_vae_decoder_new (m, &parts, 16, &error);
  g_assert_no_error (error);
  const float a[2] = { -1.5f, 0.7f }, b[2] = { 2.0f, -1.25f };
  g_autoptr (NnTensor) z = nn_vae_interpolate (a, b, 2, 9);
  g_assert_cmpint (z->shape[0], ==, 9);
  g_assert_cmpmem (z->data, sizeof a, a, sizeof a);
  g_assert_cmpmem (z->data + 16, sizeof b, b, sizeof b);
  /* The middle point is the midpoint. */
  g_assert_cmpfloat (fabsf (z->data[8] - 0.25f), <, 1e-6f);
  g_assert_cmpfloat (fabsf (z->data[9] + 0.275f), <, 1e-6f);
  g_autoptr (NnTensor) walk = nn_vae_decoder_decode (d, z, &error);
  g_assert_no_error (error);
  size_t per = 28 * 28;
  int s1[2] = { 1, 2 };
  g_autoptr (NnTensor) za = nn_tensor_new (2, s1);
  g_autoptr (NnTensor) zb = nn_tensor_new (2, s1);
  memcpy (za->data, a, sizeof a);
  memcpy (zb->data, b, sizeof b);
  g_autoptr (NnTensor) da = nn_vae_decode (m, &parts, za, &error);
  g_autoptr (NnTensor) db = nn_vae_decode (m, &parts, zb, &error);
  g_assert_no_error (error);
  assert_close (walk->data, da->data, per, DECODE_TOL);
  assert_close (walk->data + 8 * per, db->data, per, DECODE_TOL);
  /* The middle frame is neither end. */
  float to_a = 0, to_b = 0;
  for (size_t k = 0; k < per; k++)
    {
      to_a = MAX (to_a, fabsf (walk->data[4 * per + k] - da->data[k]));
      to_b = MAX (to_b, fabsf (walk->data[4 * per + k] - db->data[k]));
    }
  g_assert_cmpfloat (to_a, >, 1e-4);
  g_assert_cmpfloat (to_b, >, 1e-4);
}

/* The concept vector from class b to class a over the test split: each
 * class's samples encoded on their own, their means subtracted by hand. */
static void
test_concept_vector (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample ("fashion_vae_conv.json");
  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=60:size=28:target=input", NULL, &error);
  g_assert_no_error (error);
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  const NnArray *x = ds->inputs[0];
  int n = (int) ds->n_test;
  g_assert_cmpint (n, >=, 6);
  int shape[4] = { n, 28, 28, 1 };
  g_autoptr (NnTensor) in = nn_tensor_new (4, shape);
  nn_array_gather (x, ds->test_idx, (size_t) n, in->data);
  g_autofree int *labels = g_new (int, n);
  for (int i = 0; i < n; i++)
    labels[i] = nn_dataset_get_label (ds, ds->test_idx[i], NULL, NULL);
  g_autoptr (NnTensor) codes = nn_vae_encode (m, &parts, in, &error);
  g_assert_no_error (error);
  float v[2];
  g_assert_true (nn_vae_concept_vector (codes, labels, 0, 2, v, &error));
  g_assert_no_error (error);

  double mean[3][2] = { { 0 } };
  for (int c = 0; c < 3; c += 2)
    {
      g_autoptr (GArray) idx = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (int i = 0; i < n; i++)
        if (labels[i] == c)
          g_array_append_val (idx, ds->test_idx[i]);
      g_assert_cmpuint (idx->len, >, 0);
      int s[4] = { (int) idx->len, 28, 28, 1 };
      g_autoptr (NnTensor) xc = nn_tensor_new (4, s);
      nn_array_gather (x, (guint32 *) idx->data, idx->len, xc->data);
      g_autoptr (NnTensor) mu = nn_vae_encode (m, &parts, xc, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < idx->len; i++)
        for (int k = 0; k < 2; k++)
          mean[c][k] += mu->data[i * 2 + k] / idx->len;
    }
  for (int k = 0; k < 2; k++)
    {
      g_test_message ("v[%d] = %.6f, by hand %.6f", k, v[k], mean[0][k] - mean[2][k]);
      g_assert_cmpfloat (fabs (v[k] - (mean[0][k] - mean[2][k])), <, 1e-5);
    }
  /* The vector is not zero: the classes' codes differ. */
  g_assert_cmpfloat (fabsf (v[0]) + fabsf (v[1]), >, 1e-6);

  g_assert_false (nn_vae_concept_vector (codes, labels, 1, 1, v, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_false (nn_vae_concept_vector (codes, labels, 0, 7, v, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
}

/* beta is a runtime parameter: set on the layer and synced into a graph
 * compiled with another beta (1 first, which once added no scale), the
 * loss becomes the new beta times the KL term, and its gradient follows
 * (the trainer syncs its graph so when the Train view changes it). */
static void
test_runtime_beta (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sampling_model (2, "1");
  int z = nn_model_find_layer (m, "z");
  const NnLayerType *type = nn_model_layer_get_type (m, z);
  g_assert_true (type->params[0].runtime);
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  const double betas[] = { 1.0, 0.25, 3.0 };
  double grad1 = 0;
  for (guint k = 0; k < G_N_ELEMENTS (betas); k++)
    {
      g_autofree char *text = g_strdup_printf ("%g", betas[k]);
      g_assert_true (nn_model_layer_set_param (m, z, "beta", text, &error));
      nn_compiled_sync_runtime (c);
      feed_known (c);
      nn_graph_forward (g);
      double kl = g->nodes[c->kl_nodes[0]].value[0];
      g_assert_cmpfloat (fabs (g->nodes[c->loss_node].value[0] - betas[k] * kl), <, FWD_TOL * kl);
      /* d loss / d mean[0] = beta · mean[0] / batch */
      NnNode *mu = &g->nodes[c->input_nodes[0]];
      memset (mu->grad, 0, mu->size * sizeof (float));
      nn_graph_backward (g, c->loss_node);
      double d = mu->grad[1];
      if (k == 0)
        grad1 = d;
      g_assert_cmpfloat (fabs (d - betas[k] * grad1), <, 1e-5 * fabs (grad1));
    }
  g_assert_cmpfloat (fabs (grad1 - 1.0 / 3.0), <, 1e-5);
  nn_compiled_free (c);
}

/* The start of the nested VAEs below (model `name`): image (16, 16, 1) →
 * Flatten → encoder [pixels → Dense h (8, relu) → ...]. */
#define NESTED_HEAD(name) \
  "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"" name "\"," \
  " \"compile\": {\"optimizer\": {\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.01}}," \
  "  \"loss\": [\"binary_crossentropy\"], \"loss_weights\": [1.0], \"metrics\": [[]]}," \
  " \"config\": {\"layers\": [" \
  "  {\"class_name\": \"Input\", \"name\": \"image\", \"config\": {\"shape\": [16, 16, 1]}, \"inbound_nodes\": []}," \
  "  {\"class_name\": \"Flatten\", \"name\": \"flat\", \"config\": {}, \"inbound_nodes\": [[[\"image\", 0, 0]]]}," \
  "  {\"class_name\": \"Model\", \"name\": \"encoder\", \"config\": {\"name\": \"encoder\", \"layers\": [" \
  "    {\"class_name\": \"Input\", \"name\": \"pixels\", \"config\": {\"shape\": [256]}, \"inbound_nodes\": []}," \
  "    {\"class_name\": \"Dense\", \"name\": \"h\", \"config\": {\"units\": 8, \"activation\": \"relu\"}, \"inbound_nodes\": [[[\"pixels\", 0, 0]]]},"

/* The model of json, with weights from seed 3. */
static NnModel *
load_with_weights (const char *json)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_no_error (error);
  return m;
}

/* A VAE whose Sampling layer sits inside a Model layer (the encoder):
 * image (16, 16, 1) → Flatten → encoder [Dense h → z_mean, z_log_var →
 * Sampling z (beta)] → Dense 256 sigmoid → Reshape, binary cross-entropy. */
static NnModel *
nested_vae (const char *beta)
{
  g_autofree char *json = g_strdup_printf (
    NESTED_HEAD ("nested")
    "    {\"class_name\": \"Dense\", \"name\": \"z_mean\", \"config\": {\"units\": 2}, \"inbound_nodes\": [[[\"h\", 0, 0]]]},"
    "    {\"class_name\": \"Dense\", \"name\": \"z_log_var\", \"config\": {\"units\": 2}, \"inbound_nodes\": [[[\"h\", 0, 0]]]},"
    "    {\"class_name\": \"Sampling\", \"name\": \"z\", \"config\": {\"beta\": %s}, \"inbound_nodes\": [[[\"z_mean\", 0, 0], [\"z_log_var\", 0, 0]]]}],"
    "   \"input_layers\": [[\"pixels\", 0, 0]], \"output_layers\": [[\"z\", 0, 0]]}, \"inbound_nodes\": [[[\"flat\", 0, 0]]]},"
    "  {\"class_name\": \"Dense\", \"name\": \"dec\", \"config\": {\"units\": 256, \"activation\": \"sigmoid\"}, \"inbound_nodes\": [[[\"encoder\", 0, 0]]]},"
    "  {\"class_name\": \"Reshape\", \"name\": \"out\", \"config\": {\"target_shape\": [16, 16, 1]}, \"inbound_nodes\": [[[\"dec\", 0, 0]]]}],"
    " \"input_layers\": [[\"image\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]}}", beta);
  return load_with_weights (json);
}

/* Sampling inside a nested Model layer: its KL term joins the loss,
 * weighted by beta (the loss of one batch at inference is the
 * reconstruction's plus beta times the KL term, which the beta-0 model
 * leaves out), and training reports kl_loss. */
static void
test_nested_sampling (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nested_vae ("0.5");
  g_autoptr (NnModel) m0 = nested_vae ("0");
  NnCompiled *c = nn_compile (m, 4, 0, NULL, &error);
  NnCompiled *c0 = nn_compile (m0, 4, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->n_kl, ==, 1);
  g_assert_cmpint (c0->n_kl, ==, 1);
  NnRng rng;
  nn_rng_seed (&rng, 5);
  float img[4 * 256];
  for (int i = 0; i < 4 * 256; i++)
    img[i] = nn_rng_uniform (&rng);
  NnCompiled *cs[] = { c, c0 };
  double loss[2];
  for (int k = 0; k < 2; k++)
    {
      NnGraph *g = cs[k]->g;
      nn_graph_set_batch (g, 4);
      memcpy (g->nodes[cs[k]->input_nodes[0]].value, img, sizeof img);
      memcpy (g->nodes[cs[k]->target_nodes[0]].value, img, sizeof img);
      nn_graph_forward (g);
      loss[k] = g->nodes[cs[k]->loss_node].value[0];
    }
  double kl = c->g->nodes[c->kl_nodes[0]].value[0];
  g_test_message ("loss %.6f, beta 0 %.6f, kl %.6f", loss[0], loss[1], kl);
  g_assert_cmpfloat (kl, >, 0);
  g_assert_cmpfloat (fabs (loss[0] - (loss[1] + 0.5 * kl)), <, 1e-5 * fmax (1, loss[0]));
  nn_compiled_free (c);
  nn_compiled_free (c0);

  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=32:size=16:target=input", NULL, &error);
  g_assert_no_error (error);
  double loss_end = 0, reported = -1;
  g_autoptr (NnModel) trained = train_model (m, ds, &loss_end, &reported);
  g_assert_cmpfloat (reported, >, 0);
}

/* The encoder and the decoder both Model layers, the Sampling inside the
 * encoder, two levels down (encoder [Dense h → inner [z_mean, z_log_var →
 * Sampling z]]): image (16, 16, 1) → Flatten → encoder → decoder [Dense
 * 256 sigmoid] → Reshape. */
static NnModel *
nested_parts_vae (void)
{
  return load_with_weights (
    NESTED_HEAD ("nested2")
    "    {\"class_name\": \"Model\", \"name\": \"inner\", \"config\": {\"name\": \"inner\", \"layers\": ["
    "      {\"class_name\": \"Input\", \"name\": \"hidden\", \"config\": {\"shape\": [8]}, \"inbound_nodes\": []},"
    "      {\"class_name\": \"Dense\", \"name\": \"z_mean\", \"config\": {\"units\": 3}, \"inbound_nodes\": [[[\"hidden\", 0, 0]]]},"
    "      {\"class_name\": \"Dense\", \"name\": \"z_log_var\", \"config\": {\"units\": 3}, \"inbound_nodes\": [[[\"hidden\", 0, 0]]]},"
    "      {\"class_name\": \"Sampling\", \"name\": \"z\", \"config\": {\"beta\": 1}, \"inbound_nodes\": [[[\"z_mean\", 0, 0], [\"z_log_var\", 0, 0]]]}],"
    "     \"input_layers\": [[\"hidden\", 0, 0]], \"output_layers\": [[\"z\", 0, 0]]}, \"inbound_nodes\": [[[\"h\", 0, 0]]]}],"
    "   \"input_layers\": [[\"pixels\", 0, 0]], \"output_layers\": [[\"inner\", 0, 0]]}, \"inbound_nodes\": [[[\"flat\", 0, 0]]]},"
    "  {\"class_name\": \"Model\", \"name\": \"decoder\", \"config\": {\"name\": \"decoder\", \"layers\": ["
    "    {\"class_name\": \"Input\", \"name\": \"latent\", \"config\": {\"shape\": [3]}, \"inbound_nodes\": []},"
    "    {\"class_name\": \"Dense\", \"name\": \"d\", \"config\": {\"units\": 256, \"activation\": \"sigmoid\"}, \"inbound_nodes\": [[[\"latent\", 0, 0]]]}],"
    "   \"input_layers\": [[\"latent\", 0, 0]], \"output_layers\": [[\"d\", 0, 0]]}, \"inbound_nodes\": [[[\"encoder\", 0, 0]]]},"
    "  {\"class_name\": \"Reshape\", \"name\": \"out\", \"config\": {\"target_shape\": [16, 16, 1]}, \"inbound_nodes\": [[[\"decoder\", 0, 0]]]}],"
    " \"input_layers\": [[\"image\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]}}");
}

/* nn_model_find_vae finds a Sampling inside Model layers (the Latent
 * explorer then works on such a VAE): the encoder's output is the sample,
 * the decoder the Model layer called on it; encoding gives the means (the
 * inner model's z_mean, run on its own), decoding the decoder's
 * images. A nested model with a Sampling that no output leads to is not
 * taken for a VAE. */
static void
test_parts_nested (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nested_parts_vae ();
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (m, &parts, &error));
  g_assert_no_error (error);
  int enc = nn_model_find_layer (m, "encoder");
  g_assert_cmpint (parts.sampling.layer, ==, enc);
  g_assert_cmpint (parts.mean.layer, ==, enc);
  g_assert_cmpint (parts.log_var.layer, ==, -1);
  g_assert_cmpint (parts.latent_dim, ==, 3);
  g_assert_cmpint (parts.decoder_layer, ==, nn_model_find_layer (m, "decoder"));

  g_autoptr (NnTensor) images = random_images (5, 16);
  g_autoptr (NnTensor) codes = nn_vae_encode (m, &parts, images, &error);
  g_assert_no_error (error);
  g_assert_cmpint (codes->shape[0], ==, 5);
  g_assert_cmpint (codes->shape[1], ==, 3);
  /* The means by hand: flat pixels → encoder's h → inner's z_mean. */
  NnModel *encoder = nn_model_layer_get_submodel (m, enc);
  NnModel *inner = nn_model_layer_get_submodel (encoder, nn_model_find_layer (encoder, "inner"));
  int ps[] = { 5, 256 };
  g_autoptr (NnTensor) pixels = nn_tensor_new (2, ps);
  memcpy (pixels->data, images->data, images->size * sizeof (float));
  NnTensor *in[1] = { pixels };
  g_autoptr (NnTensor) h = nn_model_run (encoder, in, 1,
                                         (NnRef) { nn_model_find_layer (encoder, "h"), 0, 0 },
                                         &error);
  g_assert_no_error (error);
  in[0] = h;
  g_autoptr (NnTensor) mean = nn_model_run (inner, in, 1,
                                            (NnRef) { nn_model_find_layer (inner, "z_mean"), 0, 0 },
                                            &error);
  g_assert_no_error (error);
  double worst = 0;
  for (size_t i = 0; i < mean->size; i++)
    worst = fmax (worst, fabs (mean->data[i] - codes->data[i]));
  g_assert_cmpfloat (worst, <, 1e-6);
  g_assert_cmpfloat (fabs (mean->data[0]), >, 0);

  g_autoptr (NnTensor) decoded = nn_vae_decode (m, &parts, codes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decoded->shape[0], ==, 5);
  g_assert_cmpint (decoded->shape[1], ==, 256);
  g_autoptr (NnVaeDecoder) d = nn_vae_decoder_new (m, &parts, 5, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) again = nn_vae_decoder_decode (d, codes, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < decoded->size; i++)
    g_assert_cmpfloat (fabs (again->data[i] - decoded->data[i]), <, 1e-6);

  /* The inner model's sample no longer leaves the encoder: no VAE. */
  nn_model_clear_outputs (encoder);
  nn_model_add_output (encoder, (NnRef) { nn_model_find_layer (encoder, "h"), 0, 0 }, NN_LOSS_MSE,
                       1.0, NULL, 0);
  g_assert_false (nn_model_find_vae (m, &parts, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
}

/* beta of a Sampling inside a Model layer changes mid-run by its path:
 * the trainer finds "encoder/z", the graph takes the new beta (0: the
 * loss is the reconstruction term alone from then on, while kl_loss is
 * still reported) and the trained model keeps it. Requested while the run
 * waits before its first batch, so every epoch trains with it. */
static void
test_nested_runtime_beta (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nested_vae ("0.5");
  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=32:size=16:target=input", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  short_fit (&cfg);
  cfg.start_paused = TRUE;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_false (nn_trainer_set_param (t, "encoder/nothing", "beta", "0", &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_true (nn_trainer_set_param (t, "encoder/z", "beta", "0", &error));
  g_assert_no_error (error);
  nn_trainer_resume (t);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  gboolean changed = FALSE;
  int epochs = 0;
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_PARAM_CHANGED)
        {
          g_assert_cmpstr (e->text, ==, "encoder/z.beta = 0");
          changed = TRUE;
        }
      gboolean found = FALSE;
      double kl = nn_event_get (e, "kl_loss", &found);
      if (e->kind == NN_EVENT_EPOCH && found)
        {
          double loss = nn_event_get (e, "loss", NULL);
          double rec = nn_event_get (e, "reconstruction_loss", NULL);
          g_test_message ("epoch %d: loss %.6f, reconstruction %.6f, kl %.6f", e->epoch, loss,
                          rec, kl);
          g_assert_cmpfloat (kl, >, 0);
          g_assert_cmpfloat (fabs (loss - rec), <, 1e-6 * fmax (1, loss));
          epochs++;
        }
      nn_event_free (e);
    }
  g_assert_true (changed);
  g_assert_cmpint (epochs, ==, 2);
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  NnModel *owner = NULL;
  int z = nn_model_find_layer_path (trained, "encoder/z", &owner);
  g_assert_cmpint (z, >=, 0);
  g_assert_true (owner == nn_model_layer_get_submodel (trained, nn_model_find_layer (trained, "encoder")));
  g_autofree char *beta = nn_model_layer_dup_param_text (owner, z, "beta");
  g_assert_cmpfloat (g_ascii_strtod (beta, NULL), ==, 0);
  g_assert_cmpint (nn_model_find_layer_path (trained, "encoder/z/x", &owner), ==, -1);
  g_assert_null (owner);
  nn_fit_config_clear (&cfg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/vae/kl/closed-form", test_kl_closed_form);
  g_test_add_func ("/engine/vae/kl/grad", test_kl_grad);
  g_test_add_func ("/engine/vae/sampling/inference-identity", test_inference_identity);
  g_test_add_func ("/engine/vae/same-seed", test_same_seed);
  g_test_add_func ("/engine/vae/nested-sampling", test_nested_sampling);
  g_test_add_func ("/engine/vae/runtime-beta", test_runtime_beta);
  g_test_add_func ("/engine/vae/runtime-beta/nested", test_nested_runtime_beta);
  g_test_add_func ("/engine/vae/parts/conv", test_parts_conv);
  g_test_add_func ("/engine/vae/parts/dense", test_parts_dense);
  g_test_add_func ("/engine/vae/parts/nested", test_parts_nested);
  g_test_add_func ("/engine/vae/errors", test_errors);
  g_test_add_func ("/engine/vae/round-trip", test_round_trip);
  g_test_add_func ("/engine/vae/target-input", test_target_input);
  g_test_add_func ("/engine/vae/target-input/labels", test_target_input_labels);
  g_test_add_func ("/engine/vae/grid/conv", test_grid_conv);
  g_test_add_func ("/engine/vae/grid/dense", test_grid_dense);
  g_test_add_func ("/engine/vae/grid/points", test_grid_points);
  g_test_add_func ("/engine/vae/interpolate", test_interpolate);
  g_test_add_func ("/engine/vae/concept-vector", test_concept_vector);
  return g_test_run ();
}
