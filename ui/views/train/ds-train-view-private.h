/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsTrainView internals shared by ds-train-view.c (run controls, progress,
 * run list, charts, actions, GObject) and ds-train-view-settings.c (the
 * settings form: optimizer, fitting, callbacks, loss and metrics, live
 * parameters, and the fit configuration a run starts with). */
#pragma once

#include <adwaita.h>

#include "ds-dataset-store.h"
#include "ds-export.h"
#include "ds-search-panel.h"
#include "ds-train-view.h"

struct _DsTrainView
{
  DsView               parent_instance;

  /* Template widgets */
  AdwComboRow         *optimizer_row;
  GtkSpinButton       *lr_spin;
  AdwActionRow        *momentum_row;
  GtkSpinButton       *momentum_spin;
  AdwComboRow         *schedule_row;
  AdwActionRow        *decay_steps_row;
  GtkSpinButton       *decay_steps_spin;
  AdwActionRow        *decay_rate_row;
  GtkSpinButton       *decay_rate_spin;
  GtkSpinButton       *epochs_spin;
  GtkSpinButton       *batch_spin;
  GtkSpinButton       *val_spin;
  AdwActionRow        *val_row;
  GtkSpinButton       *seed_spin;
  GtkSwitch           *keep_switch;
  AdwPreferencesGroup *outputs_group;
  AdwExpanderRow      *early_row;
  AdwComboRow         *monitor_row;
  GtkSpinButton       *patience_spin;
  GtkSwitch           *restore_switch;
  AdwExpanderRow      *plateau_row;
  GtkSpinButton       *factor_spin;
  GtkSpinButton       *plateau_patience_spin;
  AdwExpanderRow      *checkpoint_row;
  AdwActionRow        *checkpoint_file_row;
  AdwPreferencesGroup *live_group;
  GtkWidget           *start_button;
  GtkWidget           *pause_button;
  GtkWidget           *resume_button;
  GtkWidget           *step_button;
  GtkWidget           *stop_button;
  GtkLabel            *epoch_label;
  GtkLabel            *speed_label;
  GtkLabel            *status_label;
  GtkProgressBar      *progress_bar;
  GtkStack            *pages;
  GtkWidget           *curve_tools;
  GtkToggleButton     *per_epoch_toggle;
  GtkToggleButton     *per_batch_toggle;
  GtkToggleButton     *log_toggle;
  GtkScale            *smoothing_scale;
  GtkGrid             *plot_grid;
  GtkFlowBox          *run_list;
  DsHistogramView     *histogram_view;
  GtkLabel            *curves_help_label;     /* "How to read this" lines */
  GtkWidget           *curves_lesson_button;  /* and their lessons */
  GtkLabel            *histograms_help_label;
  GtkWidget           *histograms_lesson_button;
  DsPlayground        *playground;
  DsSearchPanel       *search_panel;

  /* Borrowed */
  DsDocument          *document;       /* ds_view_get_document () */

  /* Owned */
  DsDatasetStore      *store;
  GListStore          *no_runs;        /* the run list without a document */
  GPtrArray           *plots;          /* DsPlot, in grid order */
  GPtrArray           *output_rows;    /* rows added to outputs_group */
  GPtrArray           *live_rows;      /* rows added to live_group */
  char                *rows_signature; /* which outputs and live params have rows */
  char                *checkpoint_path;
  GtkFileChooserNative *chooser;       /* the one open, if any */
  gboolean             export_history; /* what the export chooser writes */
  DsExportFormat       export_format;
  gboolean             updating;       /* model → widgets: ignore their signals */
  GCancellable        *start_cancellable; /* a start waiting for its dataset */
  gboolean             pending_paused;
  guint                run_counter;
  guint                progress_id;
  gboolean             status_from_model; /* the status is a model error */
  char               **locked;         /* settings a lesson fixed (NULL: none) */
};

NnModel * _ds_train_view_model (DsTrainView *self);
DsTrainingRun * _ds_train_view_current (DsTrainView *self);
void _ds_train_view_toast (DsTrainView *self, const char *text);
void _ds_train_view_set_status (DsTrainView *self, const char *text, gboolean error);
void _ds_train_view_set_model_error (DsTrainView *self, const char *text);
void _ds_train_view_sync_from_model (DsTrainView *self);
void _ds_train_view_fill_config (DsTrainView *self, NnFitConfig *cfg);
void _ds_train_view_choose_checkpoint (DsTrainView *self);
void _ds_train_view_optimizer_changed_cb (DsTrainView *self);
void _ds_train_view_lr_changed_cb (DsTrainView *self);
void _ds_train_view_schedule_changed_cb (DsTrainView *self);
void _ds_train_view_defaults_changed_cb (DsTrainView *self);
void _ds_train_view_update_help (DsTrainView *self);
/* The settings a lesson locked: insensitive, with a tooltip saying so. */
void _ds_train_view_apply_locks (DsTrainView *self);

/* For the tests. */
/* Every run of this window, oldest first (a GListModel of DsTrainingRun). */
GListModel      *ds_train_view_get_runs           (DsTrainView *self);
/* The newest run, or NULL. */
DsTrainingRun   *ds_train_view_get_current_run    (DsTrainView *self);
/* The chart of a metric ("loss", "accuracy", "lr"), or NULL. */
DsPlot          *ds_train_view_get_plot           (DsTrainView *self,
                                                   const char  *metric);
/* Every chart shown, in order (borrowed). */
GPtrArray       *ds_train_view_get_plots          (DsTrainView *self);
DsPlayground    *ds_train_view_get_playground     (DsTrainView *self);
DsSearchPanel   *ds_train_view_get_search_panel   (DsTrainView *self);
DsHistogramView *ds_train_view_get_histogram_view (DsTrainView *self);
/* "start", "pause", "resume", "step" or "stop". */
GtkWidget       *ds_train_view_get_button         (DsTrainView *self,
                                                   const char  *name);
/* The run list (a GtkFlowBox with one child per run). */
GtkWidget       *ds_train_view_get_run_list       (DsTrainView *self);
/* Shows a page: "curves", "histograms" or "playground". */
void             ds_train_view_show_page          (DsTrainView *self,
                                                   const char  *name);
/* Sets the smoothing slider and the per-batch and log toggles. */
void             ds_train_view_set_plot_options   (DsTrainView *self,
                                                   double       smoothing,
                                                   gboolean     per_batch,
                                                   gboolean     log_scale);
/* A chart's title for a history key ("kl_loss" -> "KL loss"), owned. */
char            *_ds_train_view_metric_title      (const char  *key);
