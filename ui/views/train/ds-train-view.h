/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-train-view.h: the Train view: compile settings and callbacks, the
 * Start / Pause / Step / Resume / Stop controls with progress, live plots of
 * every run, weight and gradient histograms, and the 2-D playground. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"
#include "ds-histogram-view.h"
#include "ds-playground.h"
#include "ds-plot.h"
#include "ds-training-run.h"
#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_TRAIN_VIEW (ds_train_view_get_type ())
G_DECLARE_FINAL_TYPE (DsTrainView, ds_train_view, DS, TRAIN_VIEW, DsView)

/* The text of the status line (errors and why a run ended), or NULL. */
const char      *ds_train_view_get_status         (DsTrainView *self);
/* A lesson's locked settings (optimizer, learning_rate, epochs, batch_size,
 * validation_split, schedule, early_stopping): their rows insensitive, with
 * a tooltip saying the lesson fixed them. NULL releases them. */
void             ds_train_view_set_locked         (DsTrainView *self,
                                                   const char *const *settings);
gboolean         ds_train_view_is_locked          (DsTrainView *self, const char *setting);

G_END_DECLS
