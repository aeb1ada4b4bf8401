/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsInspectView internals shared by ds-inspect-view.c (the GObject, the
 * layout, which model is inspected), ds-inspect-view-input.c (the test
 * images, PNG files and the drawing canvas) and ds-inspect-view-jobs.c
 * (the computations on worker threads), and accessors for the tests. */
#pragma once

#include <adwaita.h>

#include "ds-inspect-activations.h"
#include "ds-inspect-bars.h"
#include "ds-inspect-canvas.h"
#include "ds-inspect-draw.h"
#include "ds-inspect-picture.h"
#include "ds-inspect-subject.h"
#include "ds-inspect-view.h"
#include "ds-view-follow.h"

/* What the model takes, and so how its input is shown. */
typedef enum
{
  DS_INSPECT_INPUT_PICTURE,   /* (H, W, C): a picture */
  DS_INSPECT_INPUT_TEXT,      /* token ids or a bag of words, with a vocabulary */
  DS_INSPECT_INPUT_SERIES,    /* (steps, columns): a line plot */
  DS_INSPECT_INPUT_VALUES,    /* anything else: its numbers */
} DsInspectInputKind;

/* Test images per page of the browser. */
#define DS_INSPECT_PAGE_SIZE 20
/* Seconds between two models while following a live run. */
#define DS_INSPECT_FOLLOW_SECONDS 3

struct _DsInspectView
{
  DsView                parent_instance;

  /* Widgets (children of the view, made in init) */
  GtkWidget            *root;
  GtkLabel             *model_label;
  GtkStack             *input_stack;      /* "picture" | "other" */
  GtkWidget            *sources;          /* the source switcher and Open PNG */
  GtkLabel             *other_title;
  GtkWidget            *text_frame;
  GtkLabel             *text_label;       /* the record's own text */
  GtkWidget            *tokens_box;
  GtkLabel             *tokens_label;     /* the tokens the model reads */
  GtkLabel             *tokens_caption;
  GtkWidget            *series_box;
  DsInspectDrawing     *series_plot;
  GtkLabel             *series_caption;
  GtkLabel             *values_label;
  GtkStack             *main_stack;       /* "empty" | "content" */
  AdwStatusPage        *empty_page;
  DsInspectPicture     *input_picture;
  GtkLabel             *input_label;
  GtkLabel             *conversion_label;
  DsInspectPicture     *channel_picture;
  GtkLabel             *channel_label;
  int                   shown_layer;      /* the enlarged channel, or -1 */
  int                   shown_channel;
  DsInspectBars        *bars;
  GtkLabel             *prediction_label;
  GtkStack             *source_stack;     /* "browse" | "draw" */
  GtkDropDown          *filter_drop;
  GtkStringList        *filter_items;
  GtkFlowBox           *thumbs;
  GtkLabel             *page_label;
  GtkWidget            *prev_button;
  GtkWidget            *next_button;
  GtkProgressBar       *pred_progress;
  GtkLabel             *browse_why;
  GtkWidget            *draw_box;
  DsInspectCanvas      *canvas;
  GtkLabel             *draw_why;
  GtkStack             *pages;
  DsInspectActivations *activations;

  /* Owned */
  DsInspectSubject     *subject;
  DsViewFollow          follow;           /* which model, and when to look again */
  gint64                last_refilter;    /* when predictions last refiltered the browser (µs) */
  gssize                pending_sample;   /* a test sample asked for (::inspect-sample), or -1 */
  GCancellable         *cancellable;      /* every job; cancelled at dispose */
  GtkFileChooserNative *chooser;
  char                 *canvas_reason;    /* why drawing is off, or NULL */
  int                   in_shape[3];      /* the model's input (H, W, C), or 0s */
  int                   in_ndim;          /* the model's input shape, any rank (0: none) */
  int                   in_dims[NN_MAX_DIMS];
  DsInspectInputKind    input_kind;
  float                *series_values;    /* the series input shown (steps, cols), or NULL */
  int                   series_steps, series_cols;

  /* Activations and prediction of the input: one job at a time. */
  NnInspector          *inspector;        /* idle, for the current generation */
  guint                 probes_generation;
  gboolean              act_running;
  gboolean              act_dirty;
  guint                 input_serial;
  guint                 n_computed;       /* results shown (tests) */

  /* The test split's predictions, computed in batches. */
  gboolean              pred_running;
  guint                 pred_generation;
  gsize                 pred_done;
  int                  *pred;             /* n_test, -1 while unknown */
  int                  *truth;            /* n_test, -1 when unknown */
  gsize                 n_test;
  GArray               *shown;            /* guint32 positions passing the filter */
  guint                 page;
};

/* ds-inspect-view.c */
void _ds_inspect_view_toast            (DsInspectView *self, const char *text);
/* ds-inspect-view-input.c */
GtkWidget *_ds_inspect_view_build_input (DsInspectView *self);
void _ds_inspect_view_dataset_changed  (DsInspectView *self);
void _ds_inspect_view_input_changed    (DsInspectView *self);
void _ds_inspect_view_model_shape      (DsInspectView *self);
void _ds_inspect_view_refilter         (DsInspectView *self);
void _ds_inspect_view_show_result      (DsInspectView *self, const NnTensor *prediction);
void _ds_inspect_view_refresh_channel  (DsInspectView *self);
/* ds-inspect-view-text.c */
DsInspectInputKind _ds_inspect_view_input_kind (DsInspectView *self);
/* "images", "texts", "windows", "samples" */
const char *_ds_inspect_view_input_noun (DsInspectView *self);
GtkWidget *_ds_inspect_view_build_other_input (DsInspectView *self);
void _ds_inspect_view_show_other_input (DsInspectView *self, const NnTensor *input);
GtkWidget *_ds_inspect_view_thumb_other (DsInspectView *self, guint32 position);
char *_ds_inspect_view_regression_text (DsInspectView *self, const NnTensor *prediction);
/* ds-inspect-view-jobs.c */
void _ds_inspect_view_compute          (DsInspectView *self);
void _ds_inspect_view_model_changed_jobs (DsInspectView *self);
void _ds_inspect_view_start_predictions (DsInspectView *self);
/* Feature f's value for pixel byte b (0..255), as the dataset reads it. */
float _ds_inspect_view_pixel_value     (DsInspectView *self, size_t f, double b);

/* For the tests. */
DsInspectSubject     *ds_inspect_view_get_subject     (DsInspectView *self);
DsInspectActivations *ds_inspect_view_get_activations (DsInspectView *self);
DsInspectBars        *ds_inspect_view_get_bars        (DsInspectView *self);
DsInspectCanvas      *ds_inspect_view_get_canvas      (DsInspectView *self);
DsInspectPicture     *ds_inspect_view_get_channel_picture (DsInspectView *self);
/* Inputs whose activations and prediction have been shown. */
guint                 ds_inspect_view_get_n_computed  (DsInspectView *self);
/* Test-split predictions known so far. */
gsize                 ds_inspect_view_get_n_predicted (DsInspectView *self);
/* The browser's items on this page (positions in the test split). */
guint                 ds_inspect_view_get_n_thumbs    (DsInspectView *self);
/* Filters: 0 all, 1 wrong only, 2 + c true class c, 2 + C + c predicted c. */
void                  ds_inspect_view_set_filter      (DsInspectView *self,
                                                       guint          filter);
guint                 ds_inspect_view_get_filter      (DsInspectView *self);
guint                 ds_inspect_view_get_n_shown     (DsInspectView *self);
/* Why drawing is off, or NULL when the canvas is shown. */
const char           *ds_inspect_view_get_canvas_reason (DsInspectView *self);
/* Opens a PNG as the input, as "Open PNG…" does. */
gboolean              ds_inspect_view_open_png        (DsInspectView *self,
                                                       const char    *path,
                                                       GError       **error);
const char           *ds_inspect_view_get_conversion  (DsInspectView *self);
/* The header over the pages: the model, its dataset, its weights. */
const char           *ds_inspect_view_get_header      (DsInspectView *self);
/* The input source shown: "browse" (test images) or "draw". */
const char           *ds_inspect_view_get_source      (DsInspectView *self);
void                  ds_inspect_view_set_source      (DsInspectView *self,
                                                       const char    *name);
/* Shows a page: "activations", "filters", "heatmaps", "errors". */
void                  ds_inspect_view_show_page       (DsInspectView *self,
                                                       const char    *name);
/* What the input is (a picture, a text, a series window, numbers). */
DsInspectInputKind    ds_inspect_view_get_input_kind  (DsInspectView *self);
/* The text shown of a text model's input (the record's own text, else its
 * decoded tokens), or NULL when none is shown. */
const char           *ds_inspect_view_get_input_text  (DsInspectView *self);
/* The tokens the model reads, as shown (padding and [UNK] marked). */
const char           *ds_inspect_view_get_input_tokens (DsInspectView *self);
/* The prediction in words ("Predicted: work (48 %), wrong"). */
const char           *ds_inspect_view_get_prediction_text (DsInspectView *self);
/* Follows the document's runs now (instead of within 3 s). */
void                  ds_inspect_view_refresh         (DsInspectView *self);
