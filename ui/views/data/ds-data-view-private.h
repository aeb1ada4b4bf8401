/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView internals shared by ds-data-view.c (the source, preprocessing
 * and split options, loading, the file choosers, GObject) and
 * ds-data-view-preview.c (what the dataset looks like: sample images or a
 * scatter plot, samples per class, the shapes the model receives). */
#pragma once

#include <adwaita.h>

#include "ds-data-view.h"

/* The source chooser's entries, in its order. */
enum {
  SOURCE_FASHION,
  SOURCE_TOY,
  SOURCE_CSV,
  SOURCE_FOLDER,
  SOURCE_FORTUNES,
  SOURCE_TEXT_FOLDER,
  SOURCE_CHARS,
  SOURCE_SERIES,
  SOURCE_CUSTOM,
};

struct _DsDataView
{
  DsView               parent_instance;

  /* Template widgets */
  AdwComboRow         *source_row;
  AdwActionRow        *loading_row;
  GtkSpinner          *spinner;
  AdwActionRow        *error_row;
  GtkWidget           *toy_group;
  GtkWidget           *fashion_group;
  GtkWidget           *csv_group;
  AdwPreferencesGroup *notes_group;
  GtkWidget           *folder_group;
  GtkWidget           *custom_group;
  GtkWidget           *fortunes_group;
  GtkFlowBox          *topics_box;
  GtkLabel            *topics_label;   /* the ticked topics' class numbers */
  GtkLabel            *topics_warning; /* they differ from the trained weights' */
  AdwActionRow        *text_kept_row;  /* the spec's options the page keeps */
  GtkWidget           *chars_group;
  AdwEntryRow         *chars_source_row; /* a fortunes topic or a file */
  GtkSpinButton       *chars_length_spin;
  GtkSpinButton       *chars_step_spin;
  AdwActionRow        *chars_kept_row;
  GtkWidget           *series_group;
  AdwEntryRow         *series_source_row; /* seattle-temps, …, or PATH.csv */
  GtkSpinButton       *series_lookback_spin;
  GtkSpinButton       *series_step_spin;
  GtkSpinButton       *series_delay_spin;
  AdwActionRow        *series_kept_row;
  GtkWidget           *textdir_group;
  AdwActionRow        *textdir_row;
  GtkWidget           *text_options_group;
  GtkSpinButton       *text_length_spin;
  AdwComboRow         *shape_row;
  GtkScale            *samples_scale;
  GtkScale            *noise_scale;
  GtkWidget           *blob_classes_row;
  GtkSpinButton       *blob_classes_spin;
  GtkSpinButton       *toy_seed_spin;
  AdwComboRow         *limit_row;
  AdwEntryRow         *classes_row;
  AdwActionRow        *csv_file_row;
  AdwEntryRow         *target_row;
  AdwComboRow         *missing_row;
  AdwComboRow         *task_row;
  AdwActionRow        *folder_row;
  GtkSwitch           *skip_switch;
  AdwEntryRow         *spec_row;
  AdwComboRow         *norm_row;
  GtkWidget           *onehot_row;
  GtkSwitch           *onehot_switch;
  AdwExpanderRow      *augment_row;
  GtkSwitch           *flip_switch;
  GtkScale            *rotation_scale;
  GtkScale            *zoom_scale;
  GtkWidget           *test_fraction_row;
  GtkLabel            *test_label;
  GtkSpinButton       *test_spin;
  GtkSpinButton       *val_spin;
  GtkSpinButton       *kfold_spin;
  GtkSpinButton       *kfold_iterations_spin;   /* iterated K-fold: P repetitions */
  GtkStack            *preview_stack;
  AdwStatusPage       *empty_page;
  GtkLabel            *title_label;
  GtkLabel            *stats_label;
  GtkListBox          *shapes_list;
  GtkLabel            *samples_title;
  GtkWidget           *axes_box;
  GtkDropDown         *x_dropdown;
  GtkDropDown         *y_dropdown;
  GtkWidget           *shuffle_button;
  GtkDrawingArea      *samples_area;
  GtkDrawingArea      *classes_area;
  GtkLabel            *classes_title;

  /* Borrowed */
  DsDocument          *document;       /* ds_view_get_document () */

  /* Owned */
  DsDatasetStore      *store;
  DsDataset           *shown;          /* what the preview shows */
  char                *csv_path;
  char                *folder_path;
  char                *textdir_path;   /* folder of text files */
  char                *requested;      /* spec the person chose, not yet in the model */
  char                *text_spec_shown; /* the model's text spec last shown */
  char               **text_parts;     /* its options, kept in their order */
  int                  text_parts_kind;     /* DsTextKind they are of */
  GtkFileChooserNative *chooser;       /* the one open, if any */
  guint                debounce_id;
  guint32              shuffle_seed;
  guint32             *order;          /* sample order of the preview */
  size_t               n_order;
  guint                n_drawn;
  guint                n_clipped;      /* captions drawn shortened: thumbnails */
  guint                n_clipped_bars; /* and under the class bars */
  GPtrArray           *note_rows;      /* rows in notes_group */
  gboolean             updating;       /* model → widgets */
};

void _ds_data_view_update_visibility (DsDataView *self);
void _ds_data_view_update_preview (DsDataView *self);
void _ds_data_view_init_preview (DsDataView *self);
void _ds_data_view_axes_changed_cb (DsDataView *self);
void _ds_data_view_shuffle_cb (DsDataView *self);
void _ds_data_view_augment_changed_cb (DsDataView *self);

/* For the tests. */
DsDatasetStore *ds_data_view_get_store       (DsDataView *self);
/* The source chooser and the 2-D shape chooser (AdwComboRow). */
AdwComboRow    *ds_data_view_get_source_row  (DsDataView *self);
AdwComboRow    *ds_data_view_get_shape_row   (DsDataView *self);
/* Picks a CSV file as the file chooser does, and loads it. */
void            ds_data_view_choose_csv      (DsDataView *self,
                                              const char *path);
/* Picks a folder of text files by class as its chooser does, and loads
 * it. */
void            ds_data_view_choose_text_folder (DsDataView *self,
                                                 const char *path);
/* The fortunes topics offered, ticked or not, as check buttons (tests). */
GtkCheckButton *ds_data_view_get_topic_check (DsDataView *self,
                                              const char *topic);
/* Picks a folder of images as the folder chooser does, and loads it. */
void            ds_data_view_choose_folder   (DsDataView *self,
                                              const char *path);
/* The error shown next to the source chooser, or NULL when none. */
const char     *ds_data_view_get_error_text  (DsDataView *self);
/* Samples drawn in the preview (thumbnails or points; tests). */
guint           ds_data_view_get_n_drawn     (DsDataView *self);
/* Captions of the last drawing (thumbnails and class bars) that did not
 * fit and were shortened with "…". */
guint           ds_data_view_get_n_clipped   (DsDataView *self);
/* The empty preview's title ("Choose a CSV File"), or NULL when a
 * dataset is shown. */
const char     *ds_data_view_get_empty_title (DsDataView *self);
/* A time series's target column in cols pixel columns: each column's
 * least, greatest and mean value. A column spans at least one period of
 * rows (a day of hourly rows), centred, so a cycle shorter than a column
 * reads as the band's width rather than as a dense zig-zag. */
void            _ds_series_columns           (const NnSeries *s,
                                              int             cols,
                                              float          *mn,
                                              float          *mx,
                                              float          *mean);
/* The verdict on whether the samples fit the model ("Fits the model"),
 * or NULL when none is shown. */
const char     *ds_data_view_get_fit_title   (DsDataView *self);
/* The verdict's explanation (its subtitle), or NULL when none is shown. */
const char     *ds_data_view_get_fit_detail  (DsDataView *self);
/* The loader's notes shown beside the source, as a NULL-terminated
 * array of their texts (free with g_strfreev). */
char          **ds_data_view_dup_notes       (DsDataView *self);
/* NULL when the source chosen has something to load; else the empty
 * preview's title and, in description, what to do (a CSV file or a
 * folder not chosen yet, an empty spec). */
const char     *_ds_data_view_missing_choice (DsDataView  *self,
                                              const char **description);
void            _ds_data_view_update_notes   (DsDataView *self);
