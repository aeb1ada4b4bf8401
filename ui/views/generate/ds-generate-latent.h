/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-latent.h: the Generate view's Latent page (a variational
 * autoencoder's latent plane, its encoded test set, walks and concept
 * vectors), and what the tests use. */
#pragma once

#include "ds-generate-view-private.h"

G_BEGIN_DECLS

/* The page's own state, kept apart from the other pages'. */
typedef struct _DsGenerateLatent DsGenerateLatent;

/* The grid's side by default (the book's 15 × 15 figure) and at most. */
#define DS_LATENT_GRID 15
#define DS_LATENT_GRID_MAX 30
/* Frames of an exported walk. */
#define DS_LATENT_STRIP 10

GtkWidget *_ds_generate_latent_build         (DsGenerateView *self);
void       _ds_generate_latent_model_changed (DsGenerateView *self);
void       _ds_generate_latent_dispose       (DsGenerateView *self);
void       _ds_generate_latent_free          (DsGenerateView *self);

/* For the tests */
/* The model's reason when it is no VAE (NULL when it is one). */
const char *ds_generate_view_get_latent_reason (DsGenerateView *self);
/* Encodes the test samples and decodes the grid on a worker thread. */
void        ds_generate_view_latent_compute    (DsGenerateView *self);
gboolean    ds_generate_view_is_latent_busy    (DsGenerateView *self);
const char *ds_generate_view_get_latent_status (DsGenerateView *self);
/* The decoded grid (n × n, output shape...), or NULL. */
const NnTensor *ds_generate_view_get_latent_grid (DsGenerateView *self);
int         ds_generate_view_get_latent_n_codes (DsGenerateView *self);
/* The scatter (the latent plane the pointer drags over). */
GtkWidget  *ds_generate_view_get_latent_scatter (DsGenerateView *self);
/* Decodes the latent point under widget point (x, y) of the scatter, as a
 * drag does. */
void        ds_generate_view_latent_drag_to     (DsGenerateView *self, double x, double y);
/* The decoding under the pointer (1, output shape...), or NULL. */
const NnTensor *ds_generate_view_get_latent_point_image (DsGenerateView *self);
/* The walk: encoded samples a and b (indices of the encoded points). */
void        ds_generate_view_set_latent_walk    (DsGenerateView *self, int a, int b);
GtkRange   *ds_generate_view_get_latent_slider  (DsGenerateView *self);
const NnTensor *ds_generate_view_get_latent_walk_image (DsGenerateView *self);
/* The code of encoded sample i (latent_dim floats), or NULL. */
const float *ds_generate_view_get_latent_code   (DsGenerateView *self, int i);
/* Concept vector from class b to class a, added alpha times to sample a's
 * code. */
void        ds_generate_view_set_latent_concept (DsGenerateView *self, int class_a,
                                                 int class_b, double alpha);
const NnTensor *ds_generate_view_get_latent_concept_image (DsGenerateView *self);
/* Writes the grid, the walk strip, the point, the concept picture (PNG)
 * or the scatter (PNG or SVG). what: "grid", "scatter", "point", "strip",
 * "concept". */
gboolean    ds_generate_view_export_latent      (DsGenerateView *self, const char *what,
                                                 DsExportFormat format, const char *path,
                                                 GError **error);

G_END_DECLS
