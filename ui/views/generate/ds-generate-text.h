/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-text.h: the Generate view's Text page (character generation
 * with a temperature), its hooks for the view and what the tests use. Its
 * state lives with its widget, not in the view's struct. */
#pragma once

#include "ds-generate-view.h"

G_BEGIN_DECLS

/* The temperatures of "side by side" until the user writes others. */
#define DS_GENERATE_TEXT_TEMPERATURES "0.2, 0.5, 1.0, 1.2"
#define DS_GENERATE_TEXT_MAX_COLUMNS 6

/* For ds-generate-view.c */
GtkWidget  *_ds_generate_text_build         (DsGenerateView *self);
void        _ds_generate_text_model_changed (DsGenerateView *self);
void        _ds_generate_text_dispose       (DsGenerateView *self);

/* For the tests */
/* The vocabulary for a model that carries none (copied; NULL: the
 * dataset's). */
void        ds_generate_view_set_text_vocab (DsGenerateView *self, const NnVocab *vocab);
/* Why the page cannot generate (no vocabulary, not a softmax...), or NULL. */
const char *ds_generate_view_get_text_reason (DsGenerateView *self);
/* The form's values: seed text, length, seed, and the temperatures (one:
 * the slider; several: side by side, n of them, at most
 * DS_GENERATE_TEXT_MAX_COLUMNS). */
void        ds_generate_view_set_text_settings (DsGenerateView *self, const char *seed_text,
                                                int length, guint64 seed,
                                                const double *temperatures, int n);
/* The Generate and Stop buttons. */
void        ds_generate_view_generate_text  (DsGenerateView *self);
void        ds_generate_view_stop_text      (DsGenerateView *self);
gboolean    ds_generate_view_is_generating_text (DsGenerateView *self);
/* Columns shown, and the text generated so far in column i (the seed text
 * not included; owned by the caller). */
int         ds_generate_view_get_n_text_columns (DsGenerateView *self);
char       *ds_generate_view_dup_generated  (DsGenerateView *self, int column);
const char *ds_generate_view_get_text_status (DsGenerateView *self);

G_END_DECLS
