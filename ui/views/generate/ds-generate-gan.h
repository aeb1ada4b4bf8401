/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-gan.h: the Generate view's GAN page (a generator and a
 * discriminator trained adversarially on the trainer's thread, watched
 * live), its hooks for the view and what the tests use. Its state hangs on
 * the view, not in the view's struct. */
#pragma once

#include "ds-generate-view.h"

G_BEGIN_DECLS

/* Latent points of the picture: fixed for a run, so that samples can be
 * watched sharpening. */
#define DS_GAN_POINTS 500      /* 2-D data: points drawn */
#define DS_GAN_IMAGES 36       /* images: a 6 × 6 grid */

/* For ds-generate-view.c */
GtkWidget  *_ds_generate_gan_build        (DsGenerateView *self);
void        _ds_generate_gan_dispose      (DsGenerateView *self);

/* For the tests */
/* Opens a generator (is_generator) or a discriminator file, as Open… does. */
gboolean    ds_generate_view_gan_open     (DsGenerateView *self, const char *path,
                                           gboolean is_generator, GError **error);
/* Train with steps generator steps (the spin button's value): the
 * discriminator's dataset is read on a worker thread, then the run starts;
 * Pause, Stop (which also stops a reading). is_training: reading or
 * training. */
void        ds_generate_view_gan_train    (DsGenerateView *self, int steps);
void        ds_generate_view_gan_pause    (DsGenerateView *self);
void        ds_generate_view_gan_stop     (DsGenerateView *self);
/* Step: one generator step with its discriminator steps while paused; before
 * a run, reads the data and starts one paused after its first step. */
void        ds_generate_view_gan_step     (DsGenerateView *self);
/* The picture (charts FALSE) or the charts to path, PNG or (.svg) SVG. */
gboolean    ds_generate_view_gan_export   (DsGenerateView *self, gboolean charts,
                                           const char *path, GError **error);
/* Why the open pair cannot train together (shown under the choosers), or
 * NULL; and whether Train is offered. */
const char *ds_generate_view_gan_get_pair_error (DsGenerateView *self);
gboolean    ds_generate_view_gan_can_train (DsGenerateView *self);
gboolean    ds_generate_view_gan_is_training (DsGenerateView *self);
/* The generator steps of the run shown, and how many times the picture of
 * generated samples was refreshed from a snapshot. */
long        ds_generate_view_gan_get_step (DsGenerateView *self);
guint       ds_generate_view_gan_get_n_updates (DsGenerateView *self);
/* The generated samples shown ((n, sample...), borrowed) and their
 * diversity (nn_gan_diversity). */
const NnTensor *ds_generate_view_gan_get_samples (DsGenerateView *self);
double      ds_generate_view_gan_get_diversity (DsGenerateView *self);
const char *ds_generate_view_gan_get_status (DsGenerateView *self);
/* Writes DIR/generator.json and DIR/discriminator.json, as Save… does. */
gboolean    ds_generate_view_gan_save     (DsGenerateView *self, const char *dir,
                                           GError **error);

G_END_DECLS
