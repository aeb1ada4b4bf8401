/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-gan.h: generative adversarial networks (engine/train). A generator G
 * and a discriminator D are two ordinary models: G maps latent points
 * z ~ N(0, 1), (latent), to samples of D's input shape; D maps a sample to
 * one sigmoid unit, the probability that it is real. Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-tensor.h"
#include "nn-errors.h"
#include "nn-model.h"
#include "nn-data.h"
#include "nn-train.h"

G_BEGIN_DECLS

typedef struct {
  int      steps;            /* generator steps to run (>= 1) */
  int      batch_size;       /* real and generated samples per batch */
  int      d_steps;          /* discriminator steps per generator step (k >= 1) */
  double   label_smoothing;  /* one-sided: real samples are labelled 1 - s (0 to 0.5) */
  double   label_flip;       /* chance that a discriminator label is swapped (0 to 0.5) */
  double   label_noise;      /* uniform noise up to this moves each discriminator label
                              * towards the other one (0 to 0.5) */
  guint64  seed;             /* latent points, shuffling, dropout; weights if they have none */
  int      snapshot_every;   /* generator steps between snapshots of both models
                              * (0: only at the end; trainer runs) */
  gboolean start_paused;     /* trainer runs: wait for a step or resume */
} NnGanConfig;

void        nn_gan_config_init (NnGanConfig *c);

/* One generator step's figures (and those of its discriminator steps). */
typedef struct {
  double d_loss;        /* binary cross-entropy on real plus that on generated, last D step */
  double g_loss;        /* binary cross-entropy of D(G(z)) against "real" */
  double d_acc_real;    /* fraction of the real batch D calls real (> 0.5) */
  double d_acc_fake;    /* fraction of the generated batch D calls generated */
} NnGanStats;

typedef struct _NnGan NnGan;

/* Sets up adversarial training of copies of generator and discriminator on
 * the training split of ds (its first input; targets are not read). D gets
 * binary cross-entropy. NULL with an NN_TRAIN_ERROR_CONFIG naming the
 * mismatch (shapes, a D output that is not one sigmoid unit), or a model
 * error. */
NnGan      *nn_gan_new          (NnModel *generator, NnModel *discriminator, NnDataset *ds,
                                 const NnGanConfig *cfg, GError **error);
void        nn_gan_free         (NnGan *gan);
/* One discriminator step: a real batch labelled real and a generated one
 * labelled generated, their gradients added, one optimizer step of D. G's
 * weights (its batch-norm statistics included) are left bit for bit. */
gboolean    nn_gan_d_step       (NnGan *gan, NnGanStats *stats, GError **error);
/* One generator step through D, labelled real; D's weights (statistics
 * included) are left bit for bit. */
gboolean    nn_gan_g_step       (NnGan *gan, NnGanStats *stats, GError **error);
/* d_steps discriminator steps, then one generator step. FALSE with
 * NN_TRAIN_ERROR_NAN when a loss is no longer finite. */
gboolean    nn_gan_step         (NnGan *gan, NnGanStats *stats, GError **error);
/* The generator's loss on latent points z (batch, latent_dim), binary
 * cross-entropy of D(G(z)) against "real" in training mode, as a generator
 * step computes it, into *loss; with grad non-NULL, the step's gradient of
 * that loss with respect to weight variable `var` of G's layer `layer`
 * (that variable's size), from D's backward seeding G's. No weight nor
 * statistic moves: a measure for gradient checks. */
gboolean    nn_gan_generator_loss (NnGan *gan, const NnTensor *z, int layer, int var,
                                   float *grad, double *loss, GError **error);
long        nn_gan_get_steps    (const NnGan *gan);
/* The live models (borrowed: valid until the next step or free). */
NnModel    *nn_gan_get_generator     (NnGan *gan);
NnModel    *nn_gan_get_discriminator (NnGan *gan);
/* Floats per latent point. */
int         nn_gan_get_latent_dim    (const NnGan *gan);
/* n latent points (n, latent_dim) of N(0, 1) from a generator seeded with
 * seed: the same seed gives the same points. */
NnTensor   *nn_gan_latent_points     (int n, int latent_dim, guint64 seed);
/* The latent size of a generator model: the floats of its one input; 0
 * with an error when it has not exactly one input. */
int         nn_gan_model_latent_dim  (NnModel *generator, GError **error);

/* G(z) for latent points z (n, latent_dim): (n, sample...) in inference
 * mode; NULL with the reason. */
NnTensor   *nn_gan_generate          (NnModel *generator, const NnTensor *z, GError **error);
/* How n samples of `size` floats spread: the mean distance over their
 * pairs, divided by sqrt (size) (a root mean square per value). A grid that
 * collapsed to one mode scores near 0. */
double      nn_gan_diversity         (const float *x, int n, size_t size);
/* Points xy (n, 2) against a ring of `modes` Gaussians of std sigma at
 * `radius` (mode k at angle 2 pi k / modes, as the "ring" dataset): counts
 * [modes] gets how many points lie nearest each mode; returns the fraction
 * of points within 3 sigma of their nearest mode. */
double      nn_gan_ring_coverage     (const float *xy, size_t n, int modes, double radius,
                                      double sigma, int *counts);

/* Runs a GAN on the trainer's thread: events as for fit, with one
 * NN_EVENT_BATCH per generator step (a fast run posts one every 30 ms) whose
 * loss is g_loss and whose values are d_loss, g_loss, d_acc_real and
 * d_acc_fake; NN_EVENT_SNAPSHOT carries the generator in `snapshot` and
 * the discriminator in `snapshot_aux`. Pause, step, pace and stop work as
 * for fit. nn_trainer_dup_model gives the generator afterwards,
 * nn_trainer_dup_discriminator the discriminator. */
gboolean    nn_trainer_start_gan       (NnTrainer *t, NnModel *generator,
                                        NnModel *discriminator, NnDataset *ds,
                                        const NnGanConfig *cfg, GError **error);
NnModel    *nn_trainer_dup_discriminator (NnTrainer *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnGan, nn_gan_free)

G_END_DECLS
