/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adversarial training (nn-gan.h). G and D are compiled apart, each with
 * its own optimizer, on one seeded generator:
 *   D step: D(x_real) against 1 - smoothing, D(G(z)) against 0 (labels
 *           flipped or moved by noise as asked); the two passes' gradients
 *           add, then one step of D's optimizer;
 *   G step: x = G(z), loss BCE(D(x), 1); D's backward gives dL/dx (D is
 *           compiled with input gradients), which seeds G's backward from
 *           its output; one step of G's optimizer.
 * Each step updates its own model alone: D's weight gradients in a G step
 * are never applied, and the other model's non-trainable values (batch
 * norm statistics, which a training-mode forward moves) are put back. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-train-private.h"
#include "nn-gan.h"

struct _NnGan {
  NnModel     *g, *d;           /* owned copies */
  NnDataset   *ds;              /* borrowed */
  NnGanConfig  cfg;
  NnCompiled  *cg, *cd;         /* G: training; D: training with input gradients */
  NnOptimizer *og, *od;
  NnRng        rng;
  int          bs;
  int          latent;          /* floats per latent point */
  size_t       sample;          /* floats per sample of D's input */
  int          g_out;           /* G's output node (below any reshape view) */
  guint32     *order;           /* the training split, shuffled each pass */
  size_t       n_order, pos;
  float       *frozen;          /* the other model's non-trainable values */
  long         g_steps, d_steps_done;
};

void
nn_gan_config_init (NnGanConfig *c)
{
  *c = (NnGanConfig) {
    .steps = 1000, .batch_size = 64, .d_steps = 1, .label_smoothing = 0, .label_flip = 0,
    .label_noise = 0, .seed = 1, .snapshot_every = 0, .start_paused = FALSE,
  };
}

static gboolean
check_config (const NnGanConfig *cfg, GError **error)
{
  const char *what = NULL;
  if (cfg->steps < 1)
    what = "The number of steps must be at least 1";
  else if (cfg->batch_size < 1)
    what = "The batch size must be at least 1";
  else if (cfg->d_steps < 1 || cfg->d_steps > 100)
    what = "The discriminator steps per generator step must be 1 to 100";
  else if (!(cfg->label_smoothing >= 0 && cfg->label_smoothing <= 0.5)
           || !(cfg->label_flip >= 0 && cfg->label_flip <= 0.5)
           || !(cfg->label_noise >= 0 && cfg->label_noise <= 0.5))
    what = "Label smoothing, label flips and label noise must each be 0 to 0.5";
  if (what)
    g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, what);
  return what == NULL;
}

int
nn_gan_model_latent_dim (NnModel *generator, GError **error)
{
  g_return_val_if_fail (generator, 0);
  if (!nn_model_infer (generator, error))
    return 0;
  int ndim = 0, shape[NN_MAX_DIMS];
  if (nn_model_get_n_inputs (generator) != 1
      || !nn_model_get_shape (generator,
                              (NnRef) { nn_model_get_input_layer (generator, 0), 0, 0 },
                              &ndim, shape))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The generator “%s” must have exactly one input, its latent points"),
                   nn_model_get_name (generator));
      return 0;
    }
  return (int) nn_shape_size (ndim, shape);
}

/* Shape of a model's output 0 (per sample); FALSE when it has none. */
static gboolean
output_shape (NnModel *m, int *ndim, int *shape)
{
  return nn_model_get_n_outputs (m) >= 1 && nn_model_get_shape (m, m->outputs[0].ref, ndim, shape);
}

/* G's output, D's input and the dataset's first input must agree; D ends in
 * one sigmoid unit, which gets binary cross-entropy. */
static gboolean
check_models (NnModel *g, NnModel *d, NnDataset *ds, GError **error)
{
  nn_model_auto_outputs (g);
  nn_model_auto_outputs (d);
  if (!nn_model_infer (g, error) || !nn_model_infer (d, error))
    return FALSE;
  int gd = 0, gs[NN_MAX_DIMS], dd = 0, dsh[NN_MAX_DIMS], od = 0, os[NN_MAX_DIMS];
  if (!output_shape (g, &gd, gs))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The generator “%s” has no output: connect its last layer"), g->name);
      return FALSE;
    }
  if (nn_model_get_n_inputs (d) != 1
      || !nn_model_get_shape (d, (NnRef) { nn_model_get_input_layer (d, 0), 0, 0 }, &dd, dsh))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The discriminator “%s” must have exactly one input, a sample"), d->name);
      return FALSE;
    }
  g_autofree char *gtext = nn_shape_to_string (gd, gs, FALSE);
  g_autofree char *dtext = nn_shape_to_string (dd, dsh, FALSE);
  if (gd != dd || memcmp (gs, dsh, sizeof (int) * (size_t) gd) != 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The generator makes samples of shape %s but the discriminator reads %s: "
                   "make them the same"), gtext, dtext);
      return FALSE;
    }
  if (ds->n_inputs < 1 || ds->inputs[0]->sample_size != nn_shape_size (dd, dsh))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The dataset “%s” holds samples of %zu values but the discriminator reads "
                   "%s: choose data of the generator's shape"), ds->name,
                   ds->n_inputs ? ds->inputs[0]->sample_size : 0, dtext);
      return FALSE;
    }
  if (nn_model_get_n_outputs (d) != 1 || !output_shape (d, &od, os) || nn_shape_size (od, os) != 1
      || nn_model_suggest_loss (d, d->outputs[0].ref, NULL, NULL) != NN_LOSS_BINARY_CROSSENTROPY)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The discriminator “%s” must end in one unit with a sigmoid activation "
                   "(the probability that a sample is real)"), d->name);
      return FALSE;
    }
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_output_set_loss (d, 0, NN_LOSS_BINARY_CROSSENTROPY, 1.0);
  nn_model_output_set_metrics (d, 0, &acc, 1);
  /* G is trained through D, never against targets of its own. */
  for (int i = 0; i < nn_model_get_n_outputs (g); i++)
    nn_model_output_set_loss (g, i, NN_LOSS_NONE, 1.0);
  return TRUE;
}

static size_t
frozen_size (const NnCompiled *c)
{
  size_t n = 0;
  for (int s = 0; s < c->n_segments; s++)
    n += c->segments[s].trainable ? 0 : c->segments[s].n;
  return n;
}

/* Copies c's non-trainable values into buf (save) or back (!save). */
static void
frozen_copy (NnCompiled *c, float *buf, gboolean save)
{
  size_t o = 0;
  for (int s = 0; s < c->n_segments; s++)
    if (!c->segments[s].trainable)
      {
        float *v = c->segments[s].value;
        size_t bytes = c->segments[s].n * sizeof (float);
        memcpy (save ? buf + o : v, save ? v : buf + o, bytes);
        o += c->segments[s].n;
      }
}

static gboolean
gan_compile (NnGan *gan, GError **error)
{
  gan->cg = nn_compile (gan->g, gan->bs, NN_COMPILE_TRAIN, &gan->rng, error);
  if (!gan->cg)
    return FALSE;
  gan->cd = nn_compile (gan->d, gan->bs, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &gan->rng,
                        error);
  if (!gan->cd)
    return FALSE;
  gan->og = nn_optimizer_new (&gan->g->opt, gan->cg->n_grads);
  gan->od = nn_optimizer_new (&gan->d->opt, gan->cd->n_grads);
  if (!gan->og || !gan->od)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("Not enough memory for the optimizers' state: close other programs or "
                   "make the models smaller"));
      return FALSE;
    }
  /* Seeding a reshape view would seed the bytes its input's backward
   * zeroes first: seed the node that owns them. */
  NnGraph *g = gan->cg->g;
  gan->g_out = gan->cg->output_nodes[0];
  while (g->nodes[gan->g_out].view)
    gan->g_out = g->nodes[gan->g_out].in[0];
  gan->frozen = g_try_new (float, MAX (MAX (frozen_size (gan->cg), frozen_size (gan->cd)), 1));
  return gan->frozen != NULL || (g_set_error_literal (error, NN_MODEL_ERROR,
                                                      NN_MODEL_ERROR_MEMORY,
                                                      _("Not enough memory")), FALSE);
}

NnGan *
nn_gan_new (NnModel *generator, NnModel *discriminator, NnDataset *ds, const NnGanConfig *cfg,
            GError **error)
{
  g_return_val_if_fail (generator && discriminator && ds && cfg, NULL);
  if (!check_config (cfg, error))
    return NULL;
  if (ds->n_train == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The dataset “%s” has no training samples"), ds->name);
      return NULL;
    }
  g_autoptr (NnGan) gan = g_new0 (NnGan, 1);
  gan->g = nn_model_copy (generator);
  gan->d = nn_model_copy (discriminator);
  gan->ds = ds;
  gan->cfg = *cfg;
  gan->bs = cfg->batch_size;
  nn_rng_seed (&gan->rng, cfg->seed);
  if (!check_models (gan->g, gan->d, ds, error))
    return NULL;
  gan->latent = nn_gan_model_latent_dim (gan->g, error);
  if (gan->latent <= 0)
    return NULL;
  gan->sample = ds->inputs[0]->sample_size;
  /* Two seeds, so that G and D never start from the same numbers. */
  if ((!nn_model_has_weights (gan->g) && !nn_model_init_weights (gan->g, cfg->seed, error))
      || (!nn_model_has_weights (gan->d) && !nn_model_init_weights (gan->d, cfg->seed + 1, error)))
    return NULL;
  if (!gan_compile (gan, error))
    return NULL;
  gan->n_order = ds->n_train;
  gan->order = g_memdup2 (ds->train_idx, ds->n_train * sizeof (guint32));
  nn_rng_shuffle (&gan->rng, gan->order, gan->n_order);
  return g_steal_pointer (&gan);
}

void
nn_gan_free (NnGan *gan)
{
  if (!gan)
    return;
  nn_optimizer_free (gan->og);
  nn_optimizer_free (gan->od);
  nn_compiled_free (gan->cg);
  nn_compiled_free (gan->cd);
  nn_model_free (gan->g);
  nn_model_free (gan->d);
  g_free (gan->order);
  g_free (gan->frozen);
  g_free (gan);
}

long nn_gan_get_steps (const NnGan *gan) { return gan->g_steps; }
NnModel *nn_gan_get_generator (NnGan *gan) { return gan->g; }
NnModel *nn_gan_get_discriminator (NnGan *gan) { return gan->d; }
int nn_gan_get_latent_dim (const NnGan *gan) { return gan->latent; }

NnTensor *
nn_gan_latent_points (int n, int latent_dim, guint64 seed)
{
  g_return_val_if_fail (n > 0 && latent_dim > 0, NULL);
  int shape[2] = { n, latent_dim };
  NnTensor *z = nn_tensor_new (2, shape);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (size_t i = 0; i < (size_t) n * (size_t) latent_dim; i++)
    z->data[i] = nn_rng_normal (&rng);
  return z;
}

/* G(z) for the latent points in G's input node, in training mode, into
 * D's input (batch bs). With keep_stats, G's non-trainable values are put
 * back afterwards (a D step must not move G). */
static void
run_generator (NnGan *gan, gboolean keep_stats)
{
  NnGraph *g = gan->cg->g, *gd = gan->cd->g;
  if (keep_stats)
    frozen_copy (gan->cg, gan->frozen, TRUE);
  nn_graph_forward_to (g, gan->g_out);
  if (keep_stats)
    frozen_copy (gan->cg, gan->frozen, FALSE);
  nn_graph_set_batch (gd, gan->bs);
  memcpy (gd->nodes[gan->cd->input_nodes[0]].value, g->nodes[gan->g_out].value,
          (size_t) gan->bs * gan->sample * sizeof (float));
}

/* G(z) for a fresh batch of latent points (run_generator). */
static void
feed_generated (NnGan *gan, gboolean keep_stats)
{
  NnGraph *g = gan->cg->g;
  nn_graph_set_batch (g, gan->bs);
  float *z = g->nodes[gan->cg->input_nodes[0]].value;
  for (size_t i = 0; i < (size_t) gan->bs * (size_t) gan->latent; i++)
    z[i] = nn_rng_normal (&gan->rng);
  run_generator (gan, keep_stats);
}

/* The next bs indices of the training split, reshuffled after each pass. */
static void
real_batch (NnGan *gan, guint32 *idx)
{
  for (int i = 0; i < gan->bs; i++)
    {
      if (gan->pos == gan->n_order)
        {
          nn_rng_shuffle (&gan->rng, gan->order, gan->n_order);
          gan->pos = 0;
        }
      idx[i] = gan->order[gan->pos++];
    }
}

/* D's labels for a batch that is real (or generated): smoothing on the
 * real side only, flips and noise on both. */
static void
set_labels (NnGan *gan, gboolean real)
{
  const NnGanConfig *cfg = &gan->cfg;
  float *t = gan->cd->g->nodes[gan->cd->target_nodes[0]].value;
  for (int i = 0; i < gan->bs; i++)
    {
      gboolean is_real = real;
      if (cfg->label_flip > 0 && nn_rng_uniform (&gan->rng) < cfg->label_flip)
        is_real = !is_real;
      double y = is_real ? 1.0 - cfg->label_smoothing : 0.0;
      if (cfg->label_noise > 0)
        y += (is_real ? -1.0 : 1.0) * cfg->label_noise * nn_rng_uniform (&gan->rng);
      t[i] = (float) y;
    }
}

/* D forward to its loss on the batch in its input node; the loss, and in
 * *acc the fraction of the batch D puts on the side `real`. */
static double
d_forward (NnGan *gan, gboolean real, double *acc)
{
  NnCompiled *c = gan->cd;
  nn_graph_forward_to (c->g, c->loss_node);
  const float *p = c->g->nodes[c->output_nodes[0]].value;
  int right = 0;
  for (int i = 0; i < gan->bs; i++)
    right += (p[i] > 0.5f) == real;
  *acc = (double) right / gan->bs;
  return c->g->nodes[c->loss_node].value[0];
}

static gboolean
check_finite (double loss, const char *which, long step, GError **error)
{
  if (isfinite (loss))
    return TRUE;
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_NAN,
               _("The %s's loss became %s at step %ld: lower the learning rates and start again"),
               which, isnan (loss) ? "NaN" : "infinite", step + 1);
  return FALSE;
}

gboolean
nn_gan_d_step (NnGan *gan, NnGanStats *stats, GError **error)
{
  g_return_val_if_fail (gan && stats, FALSE);
  NnCompiled *c = gan->cd;
  NnGraph *g = c->g;
  g_autofree guint32 *idx = g_new (guint32, gan->bs);
  real_batch (gan, idx);
  nn_eval_feed (c, gan->ds, idx, gan->bs, FALSE);
  set_labels (gan, TRUE);
  double loss_real = d_forward (gan, TRUE, &stats->d_acc_real);
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_backward (g, c->loss_node);

  feed_generated (gan, TRUE);
  set_labels (gan, FALSE);
  double loss_fake = d_forward (gan, FALSE, &stats->d_acc_fake);
  nn_graph_backward (g, c->loss_node);   /* adds to the real batch's gradients */
  stats->d_loss = loss_real + loss_fake;
  if (!check_finite (stats->d_loss, "discriminator", gan->g_steps, error))
    return FALSE;
  nn_optimizer_step (gan->od, c, nn_optimizer_lr_at (&gan->d->opt, gan->d_steps_done));
  gan->d_steps_done++;
  return TRUE;
}

/* The generator's loss on the batch in D's input, D(G(z)) against
 * "real"; with backward, its gradient through D and back through G into
 * G's flat gradient array (D's statistics put back, D's weights untouched). */
static double
g_loss_backward (NnGan *gan, gboolean backward)
{
  NnCompiled *c = gan->cd;
  NnGraph *g = c->g;
  float *t = g->nodes[c->target_nodes[0]].value;
  for (int i = 0; i < gan->bs; i++)
    t[i] = 1.0f;
  frozen_copy (c, gan->frozen, TRUE);
  double fooled;
  double loss = d_forward (gan, TRUE, &fooled);
  if (backward && isfinite (loss))
    {
      nn_graph_backward (g, c->loss_node);
      /* dL/dx from D seeds G's backward at its output. */
      NnCompiled *cg = gan->cg;
      memset (cg->grads, 0, cg->n_grads * sizeof (float));
      nn_graph_backward_seeded (cg->g, gan->g_out, g->nodes[c->input_nodes[0]].grad, -1);
    }
  frozen_copy (c, gan->frozen, FALSE);
  return loss;
}

gboolean
nn_gan_g_step (NnGan *gan, NnGanStats *stats, GError **error)
{
  g_return_val_if_fail (gan && stats, FALSE);
  feed_generated (gan, FALSE);
  stats->g_loss = g_loss_backward (gan, TRUE);
  if (!check_finite (stats->g_loss, "generator", gan->g_steps, error))
    return FALSE;
  nn_optimizer_step (gan->og, gan->cg, nn_optimizer_lr_at (&gan->g->opt, gan->g_steps));
  gan->g_steps++;
  return TRUE;
}

gboolean
nn_gan_generator_loss (NnGan *gan, const NnTensor *z, int layer, int var, float *grad,
                       double *loss, GError **error)
{
  g_return_val_if_fail (gan && z && loss, FALSE);
  if (z->ndim != 2 || z->shape[0] != gan->bs || z->shape[1] != gan->latent)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The latent points must be (%d, %d): the batch and the latent size"),
                   gan->bs, gan->latent);
      return FALSE;
    }
  const NnParamSegment *seg = NULL;
  NnTensor view;
  if (grad)
    {
      if (layer < 0 || layer >= nn_model_get_n_layers (gan->g) || var < 0
          || var >= nn_model_layer_get_n_weights (gan->g, layer)
          || !nn_model_layer_get_weight (gan->g, layer, var, &view))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The generator has no weight variable %d in layer %d"), var, layer);
          return FALSE;
        }
      for (int s = 0; s < gan->cg->n_segments; s++)
        if (gan->cg->segments[s].value == view.data && gan->cg->segments[s].grad)
          seg = &gan->cg->segments[s];
      if (seg == NULL)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Layer “%s” of the generator is frozen: its weights get no gradient"),
                       gan->g->layers[layer]->name);
          return FALSE;
        }
    }
  NnGraph *g = gan->cg->g;
  nn_graph_set_batch (g, gan->bs);
  memcpy (g->nodes[gan->cg->input_nodes[0]].value, z->data, z->size * sizeof (float));
  /* G's statistics too stay as they are: this is a measure, not a step */
  run_generator (gan, TRUE);
  *loss = g_loss_backward (gan, grad != NULL);
  if (seg)
    memcpy (grad, seg->grad, seg->n * sizeof (float));
  return TRUE;
}

gboolean
nn_gan_step (NnGan *gan, NnGanStats *stats, GError **error)
{
  g_return_val_if_fail (gan && stats, FALSE);
  for (int k = 0; k < gan->cfg.d_steps; k++)
    if (!nn_gan_d_step (gan, stats, error))
      return FALSE;
  return nn_gan_g_step (gan, stats, error);
}

/* ---- on the trainer's thread --------------------------------------------- */

static void
post_step (NnTrainer *t, NnGan *gan, const NnGanStats *st)
{
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_BATCH);
  size_t per_pass = MAX (gan->n_order / (size_t) gan->bs, 1);
  e->step = gan->g_steps;
  e->epoch = (int) ((size_t) gan->d_steps_done / per_pass);
  e->batch = (int) ((size_t) gan->d_steps_done % per_pass) + 1;
  e->batches_per_epoch = (int) per_pass;
  e->loss = st->g_loss;
  e->lr = nn_optimizer_lr_at (&gan->g->opt, gan->g_steps);
  e->samples_per_s = e->seconds > 0 ? gan->g_steps * (double) gan->bs / e->seconds : 0;
  static const char *const keys[] = { "d_loss", "g_loss", "d_acc_real", "d_acc_fake" };
  const double values[] = { st->d_loss, st->g_loss, st->d_acc_real, st->d_acc_fake };
  for (int k = 0; k < 4; k++)
    {
      e->keys[k] = g_strdup (keys[k]);
      e->values[k] = values[k];
    }
  e->n_values = 4;
  nn_trainer_push (t, e);
}

static void
post_snapshot (NnTrainer *t, NnGan *gan)
{
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_SNAPSHOT);
  e->step = gan->g_steps;
  e->snapshot = nn_model_copy (gan->g);
  e->snapshot_aux = nn_model_copy (gan->d);
  nn_trainer_push (t, e);
}

/* The steps, with pauses, single steps and the pace between them; TRUE when
 * they ran (or were stopped), FALSE with error when a loss went bad. */
static gboolean
gan_run (NnTrainer *t, NnGan *gan, NnGanStats *st, GError **error)
{
  const NnGanConfig *cfg = &t->gan_cfg;
  gint64 last_event = 0;
  while (gan->g_steps < cfg->steps)
    {
      gboolean stepping = g_atomic_int_get (&t->paused);
      if (!nn_trainer_wait_if_paused (t))
        return TRUE;
      gint64 b0 = g_get_monotonic_time ();
      stepping = stepping && g_atomic_int_get (&t->paused);
      if (!nn_gan_step (gan, st, error))
        return FALSE;
      gboolean watched = stepping || g_atomic_int_get (&t->pace_us) > 0
                         || g_atomic_int_get (&t->paused);
      gint64 now = g_get_monotonic_time ();
      if (watched || gan->g_steps == cfg->steps || now - last_event > 30000)
        {
          last_event = now;
          post_step (t, gan, st);
        }
      if (watched || (cfg->snapshot_every > 0 && gan->g_steps % cfg->snapshot_every == 0))
        post_snapshot (t, gan);
      if (!stepping)
        t->waited_us += nn_trainer_wait_for_pace (t, b0);
    }
  return TRUE;
}

NnEvent *
nn_gan_worker (NnTrainer *t, GError **error)
{
  NnGan *gan = t->gan;
  NnGanStats st = { NAN, NAN, NAN, NAN };
  gboolean ok = gan_run (t, gan, &st, error);
  post_snapshot (t, gan);
  /* The models as they stand, for nn_trainer_dup_model and _discriminator. */
  g_mutex_lock (&t->lock);
  nn_model_free (t->model);
  nn_model_free (t->model_aux);
  t->model = nn_model_copy (gan->g);
  t->model_aux = nn_model_copy (gan->d);
  t->gan = NULL;
  g_mutex_unlock (&t->lock);
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_FINISHED);
  e->step = gan->g_steps;
  nn_gan_free (gan);
  static const char *const keys[] = { "d_loss", "g_loss", "d_acc_real", "d_acc_fake" };
  const double values[] = { st.d_loss, st.g_loss, st.d_acc_real, st.d_acc_fake };
  for (int k = 0; ok && k < 4 && isfinite (values[k]); k++)
    {
      e->keys[e->n_values] = g_strdup (keys[k]);
      e->values[e->n_values++] = values[k];
    }
  if (!ok)
    e->error = g_error_copy (*error);
  else
    e->text = g_strdup (g_atomic_int_get (&t->stop) ? "Stopped" : "Finished");
  return e;
}

gboolean
nn_trainer_start_gan (NnTrainer *t, NnModel *generator, NnModel *discriminator, NnDataset *ds,
                      const NnGanConfig *cfg, GError **error)
{
  g_return_val_if_fail (t && generator && discriminator && ds && cfg, FALSE);
  if (!nn_trainer_check_idle (t, error))
    return FALSE;
  NnGan *gan = nn_gan_new (generator, discriminator, ds, cfg, error);
  if (!gan)
    return FALSE;
  g_clear_pointer (&t->model, nn_model_free);
  g_clear_pointer (&t->model_aux, nn_model_free);
  /* Until the run ends these are the models as given (weights initialised):
   * what a stop before the first step hands back. */
  t->model = nn_model_copy (gan->g);
  t->model_aux = nn_model_copy (gan->d);
  t->gan = gan;
  t->gan_cfg = *cfg;
  t->ds = ds;
  nn_trainer_launch (t, cfg->seed, cfg->start_paused);
  return TRUE;
}

NnModel *
nn_trainer_dup_discriminator (NnTrainer *t)
{
  g_return_val_if_fail (t, NULL);
  if (t->thread)
    return NULL;
  g_mutex_lock (&t->lock);
  NnModel *m = t->model_aux ? nn_model_copy (t->model_aux) : NULL;
  g_mutex_unlock (&t->lock);
  return m;
}

/* ---- looking at what G makes ---------------------------------------------- */

NnTensor *
nn_gan_generate (NnModel *generator, const NnTensor *z, GError **error)
{
  g_return_val_if_fail (generator && z, NULL);
  nn_model_auto_outputs (generator);
  if (nn_gan_model_latent_dim (generator, error) <= 0)
    return NULL;
  NnTensor *in = (NnTensor *) z;
  return nn_model_run (generator, &in, 1, nn_model_get_output (generator, 0), error);
}

double
nn_gan_diversity (const float *x, int n, size_t size)
{
  g_return_val_if_fail (x && size > 0, 0);
  if (n < 2)
    return 0;
  double sum = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      {
        double d2 = 0;
        for (size_t k = 0; k < size; k++)
          {
            double d = (double) x[(size_t) i * size + k] - x[(size_t) j * size + k];
            d2 += d * d;
          }
        sum += sqrt (d2 / (double) size);
      }
  return sum / ((double) n * (n - 1) / 2);
}

double
nn_gan_ring_coverage (const float *xy, size_t n, int modes, double radius, double sigma,
                      int *counts)
{
  g_return_val_if_fail (xy && modes > 0 && counts, 0);
  memset (counts, 0, sizeof (int) * (size_t) modes);
  size_t near = 0;
  for (size_t i = 0; i < n; i++)
    {
      int best = 0;
      double best_d = INFINITY;
      for (int k = 0; k < modes; k++)
        {
          double a = 2 * G_PI * k / modes;
          double d = hypot (xy[2 * i] - radius * cos (a), xy[2 * i + 1] - radius * sin (a));
          if (d < best_d)
            {
              best_d = d;
              best = k;
            }
        }
      counts[best]++;
      near += best_d <= 3 * sigma;
    }
  return n ? (double) near / (double) n : 0;
}
