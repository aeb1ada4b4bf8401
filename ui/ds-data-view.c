/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "ds-data-view.h"
#include "ds-playground.h"
#include "ds-util.h"

enum {
  SOURCE_FASHION,
  SOURCE_TOY,
  SOURCE_CSV,
  SOURCE_FOLDER,
  SOURCE_CUSTOM,
};

static const char *const toy_names[] = { "spirals", "moons", "circles", "xor", "blobs" };
static const guint limit_values[] = { 0, 10000, 2000 };
static const char *const missing_names[] = { "error", "drop", "mean", "zero" };
static const char *const task_names[] = { "auto", "classify", "regress" };
static const char *const norm_names[] = { NULL, "none", "meanstd", "minmax" };

/* Thumbnails of image datasets. */
#define THUMB 60
#define THUMB_GAP 14
#define THUMB_LABEL 16

struct _DsDataView
{
  GtkWidget            parent_instance;

  /* Template widgets */
  AdwComboRow         *source_row;
  AdwActionRow        *loading_row;
  GtkSpinner          *spinner;
  AdwActionRow        *error_row;
  GtkWidget           *toy_group;
  GtkWidget           *fashion_group;
  GtkWidget           *csv_group;
  GtkWidget           *folder_group;
  GtkWidget           *custom_group;
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

  /* Owned */
  DsDocument          *document;
  DsDatasetStore      *store;
  DsDataset           *shown;          /* what the preview shows */
  char                *csv_path;
  char                *folder_path;
  char                *requested;      /* spec the person chose, not yet in the model */
  GtkFileChooserNative *chooser;
  guint                debounce_id;
  guint32              shuffle_seed;
  guint32             *order;          /* sample order of the preview */
  size_t               n_order;
  guint                n_drawn;
  gboolean             updating;       /* model → widgets */
};

G_DEFINE_FINAL_TYPE (DsDataView, ds_data_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_preview (DsDataView *self);

/* ---- options ↔ spec ------------------------------------------------------- */

static double
toy_default_noise (guint shape)
{
  return shape == 0 ? 0.2 : 0.1;
}

static void
append_norm (DsDataView *self,
             GString    *s,
             const char *key)
{
  guint sel = adw_combo_row_get_selected (self->norm_row);

  if (sel < G_N_ELEMENTS (norm_names) && norm_names[sel])
    {
      /* "none" is only an option of the CSV loader (the others scale
       * images by 1/255 and leave points as they are). */
      if (g_str_equal (norm_names[sel], "none") && !g_str_equal (key, "norm"))
        return;
      g_string_append_printf (s, ":%s=%s", key, norm_names[sel]);
    }
}

char *
ds_data_view_dup_spec (DsDataView *self)
{
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);

  switch (adw_combo_row_get_selected (self->source_row))
    {
    case SOURCE_FASHION:
      {
        guint limit = adw_combo_row_get_selected (self->limit_row);
        g_autofree char *classes = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->classes_row))));

        g_string_append (s, "fashion-mnist");
        if (limit < G_N_ELEMENTS (limit_values) && limit_values[limit])
          g_string_append_printf (s, ":limit=%u", limit_values[limit]);
        if (*classes)
          {
            g_strdelimit (classes, " ;", ',');
            g_string_append_printf (s, ":classes=%s", classes);
          }
        append_norm (self, s, "normalize");
      }
      break;

    case SOURCE_TOY:
      {
        guint shape = MIN (adw_combo_row_get_selected (self->shape_row), G_N_ELEMENTS (toy_names) - 1);
        int n = (int) lround (gtk_range_get_value (GTK_RANGE (self->samples_scale)));
        double noise = gtk_range_get_value (GTK_RANGE (self->noise_scale));
        int seed = gtk_spin_button_get_value_as_int (self->toy_seed_spin);

        g_string_append (s, toy_names[shape]);
        g_string_append_printf (s, ":n=%d", n);
        if (fabs (noise - toy_default_noise (shape)) > 1e-9)
          g_string_append_printf (s, ":noise=%s", g_ascii_formatd (buf, sizeof buf, "%.2f", noise));
        if (seed != 1)
          g_string_append_printf (s, ":seed=%d", seed);
        if (shape == 4 && gtk_spin_button_get_value_as_int (self->blob_classes_spin) != 3)
          g_string_append_printf (s, ":classes=%d", gtk_spin_button_get_value_as_int (self->blob_classes_spin));
        append_norm (self, s, "normalize");
      }
      break;

    case SOURCE_CSV:
      {
        const char *target = gtk_editable_get_text (GTK_EDITABLE (self->target_row));
        guint missing = adw_combo_row_get_selected (self->missing_row);
        guint task = adw_combo_row_get_selected (self->task_row);
        double test = gtk_spin_button_get_value (self->test_spin);

        if (self->csv_path == NULL)
          {
            g_string_free (s, TRUE);
            return NULL;
          }
        g_string_append (s, self->csv_path);
        if (target && *target)
          g_string_append_printf (s, ":target=%s", target);
        if (missing > 0 && missing < G_N_ELEMENTS (missing_names))
          g_string_append_printf (s, ":missing=%s", missing_names[missing]);
        if (task > 0 && task < G_N_ELEMENTS (task_names))
          g_string_append_printf (s, ":task=%s", task_names[task]);
        append_norm (self, s, "norm");
        if (fabs (test - 0.2) > 1e-9)
          g_string_append_printf (s, ":test=%s", g_ascii_formatd (buf, sizeof buf, "%.2f", test));
      }
      break;

    case SOURCE_FOLDER:
      if (self->folder_path == NULL)
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append (s, self->folder_path);
      break;

    case SOURCE_CUSTOM:
    default:
      {
        g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->spec_row))));

        if (*text == '\0')
          {
            g_string_free (s, TRUE);
            return NULL;
          }
        g_string_append (s, text);
      }
      break;
    }
  return g_string_free (s, FALSE);
}

static int
index_of (const char *const *names,
          guint              n,
          const char        *value)
{
  for (guint i = 0; i < n; i++)
    if (names[i] && g_strcmp0 (names[i], value) == 0)
      return (int) i;
  return -1;
}

static void
set_norm_from (DsDataView *self,
               const char *value)
{
  int i = value ? index_of (norm_names, G_N_ELEMENTS (norm_names), value) : 0;

  adw_combo_row_set_selected (self->norm_row, (guint) MAX (i, 0));
}

/* Shows spec in the widgets. Specs with options the widgets do not have
 * appear as a custom spec, so nothing is lost. */
static void
show_spec (DsDataView *self,
           const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  const char *name = parts[0];
  guint source = SOURCE_CUSTOM;
  gboolean known = TRUE;
  int toy;

  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->spec_row), spec);
  set_norm_from (self, NULL);

  if (g_str_equal (name, "fashion-mnist"))
    {
      source = SOURCE_FASHION;
      adw_combo_row_set_selected (self->limit_row, 0);
      gtk_editable_set_text (GTK_EDITABLE (self->classes_row), "");
      for (guint i = 1; parts[i]; i++)
        {
          g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);

          if (kv[1] == NULL)
            known = FALSE;
          else if (g_str_equal (kv[0], "limit"))
            {
              guint64 v = g_ascii_strtoull (kv[1], NULL, 10);
              int k = -1;

              for (guint j = 1; j < G_N_ELEMENTS (limit_values); j++)
                if (limit_values[j] == v)
                  k = (int) j;
              if (k < 0)
                known = FALSE;
              else
                adw_combo_row_set_selected (self->limit_row, (guint) k);
            }
          else if (g_str_equal (kv[0], "classes"))
            gtk_editable_set_text (GTK_EDITABLE (self->classes_row), kv[1]);
          else if (g_str_equal (kv[0], "normalize"))
            set_norm_from (self, kv[1]);
          else
            known = FALSE;
        }
    }
  else if ((toy = index_of (toy_names, G_N_ELEMENTS (toy_names), name)) >= 0)
    {
      source = SOURCE_TOY;
      adw_combo_row_set_selected (self->shape_row, (guint) toy);
      gtk_range_set_value (GTK_RANGE (self->samples_scale), 1000);
      gtk_range_set_value (GTK_RANGE (self->noise_scale), toy_default_noise ((guint) toy));
      gtk_spin_button_set_value (self->toy_seed_spin, 1);
      gtk_spin_button_set_value (self->blob_classes_spin, 3);
      for (guint i = 1; parts[i]; i++)
        {
          g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);

          if (kv[1] == NULL)
            known = FALSE;
          else if (g_str_equal (kv[0], "n"))
            gtk_range_set_value (GTK_RANGE (self->samples_scale), g_ascii_strtod (kv[1], NULL));
          else if (g_str_equal (kv[0], "noise"))
            gtk_range_set_value (GTK_RANGE (self->noise_scale), g_ascii_strtod (kv[1], NULL));
          else if (g_str_equal (kv[0], "seed"))
            gtk_spin_button_set_value (self->toy_seed_spin, g_ascii_strtod (kv[1], NULL));
          else if (g_str_equal (kv[0], "classes") && toy == 4)
            gtk_spin_button_set_value (self->blob_classes_spin, g_ascii_strtod (kv[1], NULL));
          else if (g_str_equal (kv[0], "normalize"))
            set_norm_from (self, kv[1]);
          else
            known = FALSE;
        }
    }
  else if (g_str_has_suffix (name, ".csv") || g_str_has_suffix (name, ".CSV"))
    {
      g_autofree char *base = g_path_get_basename (name);

      source = SOURCE_CSV;
      g_free (self->csv_path);
      self->csv_path = g_strdup (name);
      adw_action_row_set_subtitle (self->csv_file_row, base);
      gtk_editable_set_text (GTK_EDITABLE (self->target_row), "");
      adw_combo_row_set_selected (self->missing_row, 0);
      adw_combo_row_set_selected (self->task_row, 0);
      gtk_spin_button_set_value (self->test_spin, 0.2);
      for (guint i = 1; parts[i]; i++)
        {
          g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);
          int k;

          if (kv[1] == NULL)
            known = FALSE;
          else if (g_str_equal (kv[0], "target"))
            gtk_editable_set_text (GTK_EDITABLE (self->target_row), kv[1]);
          else if (g_str_equal (kv[0], "missing")
                   && (k = index_of (missing_names, G_N_ELEMENTS (missing_names), kv[1])) >= 0)
            adw_combo_row_set_selected (self->missing_row, (guint) k);
          else if (g_str_equal (kv[0], "task")
                   && (k = index_of (task_names, G_N_ELEMENTS (task_names), kv[1])) >= 0)
            adw_combo_row_set_selected (self->task_row, (guint) k);
          else if (g_str_equal (kv[0], "norm"))
            set_norm_from (self, kv[1]);
          else if (g_str_equal (kv[0], "test"))
            gtk_spin_button_set_value (self->test_spin, g_ascii_strtod (kv[1], NULL));
          else
            known = FALSE;
        }
    }
  else if (parts[1] == NULL && g_file_test (name, G_FILE_TEST_IS_DIR) && nn_png_folder_detect (name))
    {
      g_autofree char *base = g_path_get_basename (name);

      source = SOURCE_FOLDER;
      g_free (self->folder_path);
      self->folder_path = g_strdup (name);
      adw_action_row_set_subtitle (self->folder_row, base);
    }
  else
    known = FALSE;

  adw_combo_row_set_selected (self->source_row, known ? source : SOURCE_CUSTOM);
  self->updating = FALSE;
}

/* ---- loading -------------------------------------------------------------- */

static void
update_visibility (DsDataView *self)
{
  guint source = adw_combo_row_get_selected (self->source_row);
  DsDataset *shown = self->shown;
  NnDataset *ds = shown ? ds_dataset_get (shown) : NULL;
  gboolean images = ds && ds->n_inputs > 0 && ds->inputs[0]->ndim == 3;

  gtk_widget_set_visible (self->fashion_group, source == SOURCE_FASHION);
  gtk_widget_set_visible (self->toy_group, source == SOURCE_TOY);
  gtk_widget_set_visible (self->csv_group, source == SOURCE_CSV);
  gtk_widget_set_visible (self->folder_group, source == SOURCE_FOLDER);
  gtk_widget_set_visible (self->custom_group, source == SOURCE_CUSTOM);
  gtk_widget_set_visible (self->blob_classes_row, adw_combo_row_get_selected (self->shape_row) == 4);
  gtk_widget_set_visible (self->test_fraction_row, source == SOURCE_CSV);
  gtk_widget_set_visible (GTK_WIDGET (self->augment_row), images);
  gtk_widget_set_visible (self->onehot_row, ds == NULL || ds->n_classes > 0);
}

static DsLoadFlags
load_flags (DsDataView *self)
{
  return (gtk_switch_get_active (self->onehot_switch) ? DS_LOAD_ONE_HOT : 0)
         | (gtk_switch_get_active (self->skip_switch) ? DS_LOAD_SKIP_BAD : 0);
}

static void
apply (DsDataView *self)
{
  g_autofree char *spec = ds_data_view_dup_spec (self);

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (spec == NULL)
    return;
  g_free (self->requested);
  self->requested = g_strdup (spec);
  ds_dataset_store_load (self->store, spec, load_flags (self));
}

static gboolean
debounce_cb (gpointer data)
{
  DsDataView *self = data;

  self->debounce_id = 0;
  apply (self);
  return G_SOURCE_REMOVE;
}

static void
option_changed_cb (DsDataView *self)
{
  if (self->updating || self->store == NULL)
    return;
  update_visibility (self);
  /* Sliders send many values: load once they rest. */
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (250, debounce_cb, self);
}

static void
shape_changed_cb (DsDataView *self)
{
  guint shape = adw_combo_row_get_selected (self->shape_row);

  if (self->updating)
    return;
  /* Noise means radians on the spirals and distance on the others: each
   * shape starts from its own default. */
  self->updating = TRUE;
  gtk_range_set_value (GTK_RANGE (self->noise_scale), toy_default_noise (shape));
  self->updating = FALSE;
  option_changed_cb (self);
}

static void
source_changed_cb (DsDataView *self)
{
  update_visibility (self);
  option_changed_cb (self);
}

static void
cancel_cb (DsDataView *self)
{
  ds_dataset_store_cancel (self->store);
}

static void
store_changed_cb (DsDataView *self)
{
  gboolean loading = ds_dataset_store_get_loading (self->store);
  const GError *error = ds_dataset_store_get_error (self->store);
  const char *spec = ds_dataset_store_get_spec (self->store);
  DsDataset *ds = ds_dataset_store_get_dataset (self->store);

  gtk_widget_set_visible (GTK_WIDGET (self->loading_row), loading);
  gtk_spinner_set_spinning (self->spinner, loading);
  if (loading)
    adw_action_row_set_subtitle (self->loading_row, spec ? spec : "");

  gtk_widget_set_visible (GTK_WIDGET (self->error_row), error != NULL && !loading);
  if (error && !loading)
    {
      g_auto(GStrv) parts = g_strsplit (spec ? spec : "", ":", 2);
      g_autofree char *base = g_path_get_basename (parts[0] ? parts[0] : "");
      g_autofree char *title = g_strdup_printf ("Could not load “%s”", base);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->error_row), title);
      adw_action_row_set_subtitle (self->error_row, error->message);
    }

  /* The person's choice goes into the model once it loads, so the model
   * never names a dataset that does not open. */
  if (ds && !loading && self->requested && g_strcmp0 (spec, self->requested) == 0)
    {
      NnModel *m = ds_document_get_model (self->document);

      g_clear_pointer (&self->requested, g_free);
      if (g_strcmp0 (nn_model_get_dataset (m), spec) != 0)
        {
          nn_model_set_dataset (m, spec);
          ds_document_commit (self->document, DS_CHANGE_PARAMS, "Choose Dataset", NULL);
        }
    }

  if (ds != self->shown && (ds != NULL || !loading))
    {
      g_clear_pointer (&self->shown, ds_dataset_unref);
      if (ds)
        self->shown = ds_dataset_ref (ds);
      update_preview (self);
    }
  else if (self->shown == NULL)
    update_preview (self);
  update_visibility (self);
}

static void
sync_from_model (DsDataView *self)
{
  NnModel *m = ds_document_get_model (self->document);
  const char *spec = nn_model_get_dataset (m);
  NnTrainDefaults *d = nn_model_get_defaults (m);

  self->updating = TRUE;
  gtk_spin_button_set_value (self->val_spin, d->epochs > 0 ? d->validation_split : 0.2);
  gtk_spin_button_set_value (self->kfold_spin, d->kfold > 1 ? d->kfold : 0);
  self->updating = FALSE;

  if (spec == NULL || *spec == '\0')
    {
      /* A model without a dataset: preview the chosen source (the points
       * by default) without writing it into the model until the person
       * picks something. */
      if (ds_dataset_store_get_spec (self->store) == NULL)
        {
          g_autofree char *mine = ds_data_view_dup_spec (self);

          if (mine)
            ds_dataset_store_load (self->store, mine, load_flags (self));
        }
      return;
    }
  /* The model names its dataset (opened, or undone to an earlier one). */
  if (g_strcmp0 (spec, ds_dataset_store_get_spec (self->store)) != 0
      || (!ds_dataset_store_get_loading (self->store) && ds_dataset_store_get_dataset (self->store) == NULL
          && ds_dataset_store_get_error (self->store) == NULL))
    {
      show_spec (self, spec);
      g_clear_pointer (&self->requested, g_free);
      g_clear_handle_id (&self->debounce_id, g_source_remove);
      ds_dataset_store_load (self->store, spec, load_flags (self));
    }
  update_visibility (self);
}

static void
document_changed_cb (DsDataView *self,
                     guint       what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  sync_from_model (self);
  if (self->shown)
    update_preview (self);
}

static void
split_changed_cb (DsDataView *self)
{
  NnTrainDefaults *d;
  int k;

  if (self->updating || self->document == NULL)
    return;
  d = nn_model_get_defaults (ds_document_get_model (self->document));
  if (d->epochs <= 0)
    d->epochs = 20;
  d->validation_split = gtk_spin_button_get_value (self->val_spin);
  k = gtk_spin_button_get_value_as_int (self->kfold_spin);
  d->kfold = k >= 2 ? k : 0;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Splits", "data-splits");
}

/* ---- preview ---------------------------------------------------------------- */

static gboolean
is_image_set (NnDataset *ds)
{
  return ds->n_inputs > 0 && ds->inputs[0]->ndim == 3
         && (ds->inputs[0]->shape[2] == 1 || ds->inputs[0]->shape[2] == 3);
}

static int
sample_class (NnDataset *ds,
              size_t     i)
{
  const NnArray *t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  int best = 0;

  if (t == NULL || ds->n_classes <= 0)
    return -1;
  if (t->sample_size == 1)
    return (int) nn_array_get (t, i, 0);
  for (size_t k = 1; k < t->sample_size; k++)
    if (nn_array_get (t, i, k) > nn_array_get (t, i, (size_t) best))
      best = (int) k;
  return best;
}

static const char *
class_name (NnDataset *ds,
            int        c,
            char      *buf,
            gsize      size)
{
  if (ds->class_names && c >= 0 && c < ds->n_classes && ds->class_names[c])
    return ds->class_names[c];
  g_snprintf (buf, size, "%d", c);
  return buf;
}

static void
draw_text (cairo_t              *cr,
           PangoLayout          *layout,
           const char           *text,
           double                x,
           double                y,
           double                xalign,
           double                max_width)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (layout, max_width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y));
  pango_cairo_show_layout (cr, layout);
}

static PangoLayout *
small_layout (GtkWidget *widget,
              cairo_t   *cr)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  PangoFontDescription *desc = base ? pango_font_description_copy (base)
                                    : pango_font_description_from_string ("Sans 10");

  if (pango_font_description_get_size (desc) <= 0)
    pango_font_description_set_size (desc, 10 * PANGO_SCALE);
  pango_font_description_set_size (desc, pango_font_description_get_size (desc) * 8 / 10);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

static void
draw_images (DsDataView *self,
             GtkWidget  *area,
             cairo_t    *cr,
             int         width,
             int         height,
             NnDataset  *ds)
{
  const NnArray *a = ds->inputs[0];
  int h = a->shape[0], w = a->shape[1], ch = a->shape[2];
  int cols = MAX (1, (width - THUMB_GAP) / (THUMB + THUMB_GAP));
  int rows = MAX (1, (height - THUMB_GAP) / (THUMB + THUMB_LABEL + THUMB_GAP));
  double x0 = (width - (cols * (THUMB + THUMB_GAP) - THUMB_GAP)) / 2.0;
  g_autofree float *buf = g_new (float, a->sample_size);
  g_autoptr(PangoLayout) layout = small_layout (area, cr);
  gboolean augment = adw_expander_row_get_enable_expansion (self->augment_row);
  NnAugment aug;
  NnRng rng;
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (area), &fg);
  nn_augment_init (&aug);
  aug.flip_horizontal = gtk_switch_get_active (self->flip_switch);
  aug.rotation = gtk_range_get_value (GTK_RANGE (self->rotation_scale));
  aug.zoom = gtk_range_get_value (GTK_RANGE (self->zoom_scale));
  /* The same seed for the same preview: moving a slider changes the
   * transform, not which random draw is shown. */
  nn_rng_seed (&rng, self->shuffle_seed + 7);

  for (int k = 0; k < cols * rows && (size_t) k < self->n_order; k++)
    {
      size_t i = self->order[k];
      int x = (int) x0 + (k % cols) * (THUMB + THUMB_GAP);
      int y = THUMB_GAP + (k / cols) * (THUMB + THUMB_LABEL + THUMB_GAP);
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
      guint32 *px;
      int stride;
      float lo = INFINITY, hi = -INFINITY;
      char nbuf[32];
      int c = sample_class (ds, i);

      /* Bytes are shown as stored: normalization is for the model, and
       * a standardized image reads as a gray smudge. */
      if (a->dtype == NN_DTYPE_U8)
        for (size_t f = 0; f < a->sample_size; f++)
          buf[f] = ((const guint8 *) a->data)[i * a->sample_size + f] / 255.0f;
      else
        for (size_t f = 0; f < a->sample_size; f++)
          buf[f] = nn_array_get (a, i, f);
      if (augment)
        nn_augment_batch (&aug, &rng, buf, 1, h, w, ch, NULL);
      for (size_t f = 0; f < a->sample_size; f++)
        {
          lo = MIN (lo, buf[f]);
          hi = MAX (hi, buf[f]);
        }
      /* Pixels read 0..1 keep their brightness; other scales stretch. */
      if (lo >= 0 && hi <= 1)
        lo = 0, hi = 1;
      if (hi <= lo)
        hi = lo + 1;

      cairo_surface_flush (s);
      px = (guint32 *) cairo_image_surface_get_data (s);
      stride = cairo_image_surface_get_stride (s) / 4;
      for (int r = 0; r < h; r++)
        for (int q = 0; q < w; q++)
          {
            const float *p = buf + ((size_t) r * w + q) * ch;
            guint32 v[3];

            for (int k2 = 0; k2 < 3; k2++)
              v[k2] = (guint32) CLAMP ((p[ch == 3 ? k2 : 0] - lo) / (hi - lo) * 255, 0, 255);
            px[r * stride + q] = (v[0] << 16) | (v[1] << 8) | v[2];
          }
      cairo_surface_mark_dirty (s);

      cairo_save (cr);
      cairo_rectangle (cr, x, y, THUMB, THUMB);
      cairo_clip (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, (double) THUMB / w, (double) THUMB / h);
      cairo_set_source_surface (cr, s, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (s);

      if (c >= 0)
        {
          GdkRGBA color;

          ds_class_color (c, &color);
          gdk_cairo_set_source_rgba (cr, &color);
          cairo_rectangle (cr, x, y + THUMB - 3, THUMB, 3);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
          draw_text (cr, layout, class_name (ds, c, nbuf, sizeof nbuf), x + THUMB / 2.0, y + THUMB + 1,
                     0.5, THUMB + THUMB_GAP - 2);
        }
      self->n_drawn++;
    }
}

static void
draw_scatter (DsDataView *self,
              GtkWidget  *area,
              cairo_t    *cr,
              int         width,
              int         height,
              NnDataset  *ds)
{
  const NnArray *a = ds->inputs[0];
  guint fx = gtk_drop_down_get_selected (self->x_dropdown);
  guint fy = gtk_drop_down_get_selected (self->y_dropdown);
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  double tlo = INFINITY, thi = -INFINITY;
  double left = 56, top = 14, pw = width - left - 16, ph = height - top - 40;
  size_t step = MAX ((size_t) 1, ds->n / 3000);
  g_autoptr(PangoLayout) layout = small_layout (area, cr);
  const NnArray *t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  gboolean regression = ds->n_classes <= 0 && t != NULL;
  char buf[64];
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (area), &fg);
  if (fx >= a->sample_size)
    fx = 0;
  if (fy >= a->sample_size)
    fy = MIN (1, a->sample_size - 1);

  for (size_t i = 0; i < ds->n; i += step)
    {
      double v[2] = { nn_array_get (a, i, fx), nn_array_get (a, i, fy) };

      for (int k = 0; k < 2; k++)
        if (isfinite (v[k]))
          {
            lo[k] = MIN (lo[k], v[k]);
            hi[k] = MAX (hi[k], v[k]);
          }
      if (regression)
        {
          double tv = nn_array_get (t, i, 0);
          tlo = MIN (tlo, tv);
          thi = MAX (thi, tv);
        }
    }
  for (int k = 0; k < 2; k++)
    {
      if (!(lo[k] <= hi[k]))
        lo[k] = 0, hi[k] = 1;
      if (hi[k] - lo[k] < 1e-9)
        lo[k] -= 0.5, hi[k] += 0.5;
      {
        double m = (hi[k] - lo[k]) * 0.04;
        lo[k] -= m;
        hi[k] += m;
      }
    }
  /* Points in the plane keep their shape: one unit is as long across as
   * up, in a square centred in the area. */
  if (a->sample_size == 2)
    {
      double span = MAX (hi[0] - lo[0], hi[1] - lo[1]);
      double side = MIN (pw, ph);

      for (int k = 0; k < 2; k++)
        {
          double c = (lo[k] + hi[k]) / 2;
          lo[k] = c - span / 2;
          hi[k] = c + span / 2;
        }
      left += (pw - side) / 2;
      pw = ph = side;
    }

  /* Frame, the ends of each axis and the column names. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, left + 0.5, top + 0.5, pw, ph);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  g_snprintf (buf, sizeof buf, "%.3g", lo[0]);
  draw_text (cr, layout, buf, left, top + ph + 4, 0, -1);
  g_snprintf (buf, sizeof buf, "%.3g", hi[0]);
  draw_text (cr, layout, buf, left + pw, top + ph + 4, 1, -1);
  g_snprintf (buf, sizeof buf, "%.3g", hi[1]);
  draw_text (cr, layout, buf, left - 6, top, 1, -1);
  g_snprintf (buf, sizeof buf, "%.3g", lo[1]);
  draw_text (cr, layout, buf, left - 6, top + ph - 14, 1, -1);
  {
    GtkStringObject *xs = gtk_drop_down_get_selected_item (self->x_dropdown);
    GtkStringObject *ys = gtk_drop_down_get_selected_item (self->y_dropdown);

    if (xs)
      draw_text (cr, layout, gtk_string_object_get_string (xs), left + pw / 2, top + ph + 4, 0.5, pw / 2);
    if (ys)
      draw_text (cr, layout, gtk_string_object_get_string (ys), left - 6, top + ph / 2 - 7, 1, left - 8);
  }

  for (size_t i = 0; i < ds->n; i += step)
    {
      double x = left + (nn_array_get (a, i, fx) - lo[0]) / (hi[0] - lo[0]) * pw;
      double y = top + (hi[1] - nn_array_get (a, i, fy)) / (hi[1] - lo[1]) * ph;
      GdkRGBA color;

      if (!isfinite (x) || !isfinite (y))
        continue;
      if (regression)
        {
          /* Blue for low targets, orange for high ones. */
          double u = thi > tlo ? (nn_array_get (t, i, 0) - tlo) / (thi - tlo) : 0.5;
          GdkRGBA b, o;

          ds_class_color (0, &b);
          ds_class_color (1, &o);
          color.red = b.red + (float) u * (o.red - b.red);
          color.green = b.green + (float) u * (o.green - b.green);
          color.blue = b.blue + (float) u * (o.blue - b.blue);
          color.alpha = 1;
        }
      else
        ds_class_color (MAX (sample_class (ds, i), 0), &color);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 3, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
      cairo_set_line_width (cr, 0.8);
      cairo_stroke (cr);
      self->n_drawn++;
    }

  /* Legend: the classes, top right. */
  if (!regression && ds->n_classes > 0)
    {
      double ly = top + 6;
      /* Beside the square when there is room, else in its corner. */
      double lx = left + pw + 120 < width ? left + pw + 26 : left + pw - 90;

      for (int c = 0; c < ds->n_classes && c < 12; c++)
        {
          GdkRGBA color;
          char nbuf[32];

          ds_class_color (c, &color);
          gdk_cairo_set_source_rgba (cr, &color);
          cairo_arc (cr, lx, ly + 7, 4, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
          draw_text (cr, layout, class_name (ds, c, nbuf, sizeof nbuf), lx + 10, ly, 0, 90);
          ly += 16;
        }
    }
}

static void
draw_samples (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsDataView *self = data;
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;

  self->n_drawn = 0;
  if (ds == NULL || ds->n_inputs == 0 || ds->n == 0)
    return;
  if (is_image_set (ds))
    draw_images (self, GTK_WIDGET (area), cr, width, height, ds);
  else if (ds->inputs[0]->ndim == 1)
    draw_scatter (self, GTK_WIDGET (area), cr, width, height, ds);
}

static void
draw_classes (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsDataView *self = data;
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;
  g_autofree guint64 *train = NULL;
  g_autofree guint64 *test = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  guint64 max = 1;
  int n, bottom = 36, top = 44;
  double bw, gap;
  GdkRGBA fg;
  char buf[64];

  if (ds == NULL || ds->n_classes <= 0)
    return;
  n = MIN (ds->n_classes, 64);
  train = g_new0 (guint64, n);
  test = g_new0 (guint64, n);
  for (size_t i = 0; i < ds->n_train; i++)
    {
      int c = sample_class (ds, ds->train_idx[i]);
      if (c >= 0 && c < n)
        train[c]++;
    }
  for (size_t i = 0; i < ds->n_test; i++)
    {
      int c = sample_class (ds, ds->test_idx[i]);
      if (c >= 0 && c < n)
        test[c]++;
    }
  for (int c = 0; c < n; c++)
    max = MAX (max, train[c] + test[c]);

  layout = small_layout (GTK_WIDGET (area), cr);
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  gap = MIN (16, (width - 24.0) / n * 0.3);
  bw = ((width - 24.0) - gap * (n - 1)) / n;

  /* Legend */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  cairo_rectangle (cr, 12, 9, 10, 10);
  cairo_fill (cr);
  draw_text (cr, layout, "training", 26, 6, 0, -1);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_rectangle (cr, 90, 9, 10, 10);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  draw_text (cr, layout, "test", 104, 6, 0, -1);

  for (int c = 0; c < n; c++)
    {
      double x = 12 + c * (bw + gap);
      double htr = (height - top - bottom) * (double) train[c] / max;
      double hte = (height - top - bottom) * (double) test[c] / max;
      double base = height - bottom;
      g_autofree char *count = ds_format_count ((gint64) (train[c] + test[c]));
      GdkRGBA color;
      char nbuf[32];

      ds_class_color (c, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x, base - htr, bw, htr);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.4);
      cairo_rectangle (cr, x, base - htr - hte, bw, hte);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      if (bw >= 28)
        draw_text (cr, layout, count, x + bw / 2, base - htr - hte - 15, 0.5, -1);
      g_snprintf (buf, sizeof buf, "%s", class_name (ds, c, nbuf, sizeof nbuf));
      draw_text (cr, layout, buf, x + bw / 2, base + 4, 0.5, bw + gap - 2);
    }
}

static void
add_shape_row (DsDataView *self,
               const char *icon,
               const char *title,
               const char *subtitle,
               gboolean    warning)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *image = gtk_image_new_from_icon_name (icon);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
  if (warning)
    gtk_widget_add_css_class (image, "warning");
  gtk_list_box_append (self->shapes_list, row);
}

static char *
describe_array (const NnArray *a,
                int            n_classes,
                gboolean       target)
{
  g_autofree char *shape = nn_shape_to_string (a->ndim, a->shape, 1);
  const char *kind;

  if (target && a->dtype == NN_DTYPE_I32)
    return g_strdup_printf ("%s · class numbers 0 to %d", shape, MAX (n_classes - 1, 0));
  if (target && n_classes > 0 && a->ndim == 1 && a->shape[0] == n_classes)
    return g_strdup_printf ("%s · one-hot over %d classes", shape, n_classes);
  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      kind = "stored as bytes, read as floats";
      break;
    case NN_DTYPE_I32:
      kind = "integers";
      break;
    case NN_DTYPE_F32:
    default:
      kind = "floats";
      break;
    }
  return g_strdup_printf ("%s · %s", shape, kind);
}

static void
update_preview (DsDataView *self)
{
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;
  NnModel *m = self->document ? ds_document_get_model (self->document) : NULL;
  GtkWidget *child;
  g_autoptr(GString) stats = NULL;
  g_autofree char *n_all = NULL;
  g_autofree char *n_train = NULL;
  g_autofree char *n_test = NULL;
  g_autofree char *title = NULL;
  NnRng rng;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->shapes_list))))
    gtk_list_box_remove (self->shapes_list, child);
  if (ds == NULL)
    {
      const GError *error = self->store ? ds_dataset_store_get_error (self->store) : NULL;

      /* After a failed load the preview repeats why, in full. */
      adw_status_page_set_icon_name (self->empty_page, error ? "dialog-error-symbolic" : "ds-data-symbolic");
      adw_status_page_set_title (self->empty_page, error ? "Could Not Load the Dataset" : "Choose a Dataset");
      adw_status_page_set_description (self->empty_page,
                                       error ? error->message
                                             : "Pick a source on the left: Fashion-MNIST, points in the "
                                               "plane, a CSV file or a folder of images");
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
      gtk_label_set_text (self->test_label, "");
      return;
    }
  gtk_stack_set_visible_child_name (self->preview_stack, "preview");

  /* Title and counts */
  if (g_str_equal (ds->name, "fashion-mnist"))
    title = g_strdup ("Fashion-MNIST");
  else
    {
      g_auto(GStrv) parts = g_strsplit (ds->spec ? ds->spec : ds->name, ":", 2);
      g_autofree char *base = g_path_get_basename (parts[0]);
      title = g_strdup (base);
      if (g_ascii_islower (title[0]) && !strchr (title, '.'))
        title[0] = g_ascii_toupper (title[0]);
    }
  gtk_label_set_text (self->title_label, title);
  n_all = ds_format_count ((gint64) ds->n);
  n_train = ds_format_count ((gint64) ds->n_train);
  n_test = ds_format_count ((gint64) ds->n_test);
  stats = g_string_new (NULL);
  g_string_printf (stats, "%s samples · %s for training · %s for testing", n_all, n_train, n_test);
  if (ds->n_classes > 0)
    g_string_append_printf (stats, " · %d classes", ds->n_classes);
  else
    g_string_append (stats, " · regression");
  if (ds_dataset_store_get_dataset (self->store) == self->shown)
    g_string_append_printf (stats, " · loaded in %.1f s", ds_dataset_store_get_load_seconds (self->store));
  if (ds_dataset_store_get_skipped (self->store) && ds_dataset_store_get_skipped (self->store)->len)
    g_string_append_printf (stats, " · %u files skipped", ds_dataset_store_get_skipped (self->store)->len);
  gtk_label_set_text (self->stats_label, stats->str);
  gtk_label_set_text (self->test_label, n_test);

  /* What the model receives, and whether it fits the model's inputs. */
  for (int i = 0; i < ds->n_inputs; i++)
    {
      g_autofree char *t = g_strdup_printf ("Input “%s”", ds->inputs[i]->name ? ds->inputs[i]->name : "x");
      g_autofree char *d = describe_array (ds->inputs[i], ds->n_classes, FALSE);

      add_shape_row (self, ds->inputs[i]->ndim == 3 ? "image-x-generic-symbolic" : "x-office-spreadsheet-symbolic",
                     t, d, FALSE);
    }
  for (int i = 0; i < ds->n_targets; i++)
    {
      g_autofree char *t = g_strdup_printf ("Target “%s”", ds->targets[i]->name ? ds->targets[i]->name : "y");
      g_autofree char *d = describe_array (ds->targets[i], ds->n_classes, TRUE);

      add_shape_row (self, "view-list-ordered-symbolic", t, d, FALSE);
    }
  if (m && nn_model_get_n_inputs (m) > 0)
    {
      gboolean fits = nn_model_get_n_inputs (m) == ds->n_inputs;
      g_autofree char *detail = NULL;

      for (int i = 0; fits && i < ds->n_inputs; i++)
        {
          int ndim, shape[NN_MAX_DIMS];
          int layer = nn_model_get_input_layer (m, i);

          if (nn_model_get_shape (m, (NnRef) { layer, 0 }, &ndim, shape)
              && !nn_shape_equal (ndim, shape, ds->inputs[i]->ndim, ds->inputs[i]->shape))
            {
              g_autofree char *want = nn_shape_to_string (ndim, shape, 0);
              g_autofree char *have = nn_shape_to_string (ds->inputs[i]->ndim, ds->inputs[i]->shape, 0);

              fits = FALSE;
              detail = g_strdup_printf ("The model’s input “%s” takes %s per sample; these samples are %s. "
                                        "Change the Input layer’s shape in the Build view",
                                        nn_model_layer_get_name (m, layer), want, have);
            }
        }
      if (fits)
        add_shape_row (self, "emblem-ok-symbolic", "Fits the model",
                       "The model’s inputs take samples of these shapes", FALSE);
      else
        add_shape_row (self, "dialog-warning-symbolic", "Does not fit the model",
                       detail ? detail : "The model has another number of inputs", TRUE);
    }

  /* Samples: images, or a scatter of two columns. */
  if (is_image_set (ds))
    {
      gtk_label_set_text (self->samples_title, "Samples");
      gtk_widget_set_visible (self->axes_box, FALSE);
      gtk_widget_set_visible (self->shuffle_button, TRUE);
      gtk_drawing_area_set_content_height (self->samples_area, 3 * (THUMB + THUMB_LABEL + THUMB_GAP) + THUMB_GAP);
    }
  else
    {
      g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
      const NnArray *a = ds->inputs[0];

      for (size_t f = 0; f < a->sample_size && f < 256; f++)
        {
          g_autofree char *name = a->feature_names && a->feature_names[f]
            ? g_strdup (a->feature_names[f]) : g_strdup_printf ("x%zu", f + 1);
          gtk_string_list_append (names, name);
        }
      gtk_label_set_text (self->samples_title, "Samples");
      gtk_widget_set_visible (self->axes_box, a->ndim == 1 && a->sample_size > 2);
      gtk_widget_set_visible (self->shuffle_button, FALSE);
      gtk_drop_down_set_model (self->x_dropdown, G_LIST_MODEL (names));
      gtk_drop_down_set_model (self->y_dropdown, G_LIST_MODEL (names));
      gtk_drop_down_set_selected (self->x_dropdown, 0);
      gtk_drop_down_set_selected (self->y_dropdown, a->sample_size > 1 ? 1 : 0);
      gtk_drawing_area_set_content_height (self->samples_area, 420);
    }

  /* A fixed shuffled order, so the preview does not jump while loading. */
  g_free (self->order);
  self->n_order = MIN (ds->n, (size_t) 512);
  self->order = g_new (guint32, MAX (self->n_order, 1));
  nn_rng_seed (&rng, self->shuffle_seed);
  for (size_t k = 0; k < self->n_order; k++)
    self->order[k] = (guint32) (ds->n > 512 ? nn_rng_below (&rng, (guint32) ds->n) : k);
  if (ds->n <= 512)
    nn_rng_shuffle (&rng, self->order, self->n_order);

  gtk_widget_set_visible (GTK_WIDGET (self->classes_title), ds->n_classes > 0);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->classes_area)), ds->n_classes > 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->classes_area));
  update_visibility (self);
}

static void
axes_changed_cb (DsDataView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
}

static void
shuffle_cb (DsDataView *self)
{
  self->shuffle_seed = self->shuffle_seed * 1103515245u + 12345u;
  update_preview (self);
}

static void
augment_changed_cb (DsDataView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
}

/* ---- file choosers -------------------------------------------------------- */

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     DsDataView      *self)
{
  gboolean folder = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ds-folder"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path && folder)
        ds_data_view_choose_folder (self, path);
      else if (path)
        ds_data_view_choose_csv (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DsDataView *self = DS_DATA_VIEW (widget);
  gboolean folder = g_str_equal (action_name, "data.choose-folder");
  GtkRoot *root = gtk_widget_get_root (widget);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (folder ? "Choose a Folder of Images" : "Choose a CSV File",
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                      : GTK_FILE_CHOOSER_ACTION_OPEN,
                                               "_Open", "_Cancel");
  if (!folder)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, "CSV files");
      gtk_file_filter_add_pattern (filter, "*.csv");
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    }
  g_object_set_data (G_OBJECT (self->chooser), "ds-folder", GINT_TO_POINTER (folder));
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- GObject -------------------------------------------------------------- */

static void
set_document (DsDataView *self,
              DsDocument *document)
{
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->document, document);
  g_clear_object (&self->store);
  if (document == NULL)
    return;
  self->store = g_object_ref (ds_dataset_store_get_for_document (document));
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (self->store, "notify", G_CALLBACK (store_changed_cb), self);
  sync_from_model (self);
  store_changed_cb (self);
}

static void
ds_data_view_dispose (GObject *object)
{
  DsDataView *self = DS_DATA_VIEW (object);

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  set_document (self, NULL);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_DATA_VIEW);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_data_view_parent_class)->dispose (object);
}

static void
ds_data_view_finalize (GObject *object)
{
  DsDataView *self = DS_DATA_VIEW (object);

  g_clear_pointer (&self->shown, ds_dataset_unref);
  g_free (self->csv_path);
  g_free (self->folder_path);
  g_free (self->requested);
  g_free (self->order);
  G_OBJECT_CLASS (ds_data_view_parent_class)->finalize (object);
}

static void
ds_data_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DsDataView *self = DS_DATA_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_data_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DsDataView *self = DS_DATA_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_data_view_class_init (DsDataViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_data_view_dispose;
  object_class->finalize = ds_data_view_finalize;
  object_class->get_property = ds_data_view_get_property;
  object_class->set_property = ds_data_view_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, DS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-data-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DsDataView, name)
  BIND (source_row);
  BIND (loading_row);
  BIND (spinner);
  BIND (error_row);
  BIND (toy_group);
  BIND (fashion_group);
  BIND (csv_group);
  BIND (folder_group);
  BIND (custom_group);
  BIND (shape_row);
  BIND (samples_scale);
  BIND (noise_scale);
  BIND (blob_classes_row);
  BIND (blob_classes_spin);
  BIND (toy_seed_spin);
  BIND (limit_row);
  BIND (classes_row);
  BIND (csv_file_row);
  BIND (target_row);
  BIND (missing_row);
  BIND (task_row);
  BIND (folder_row);
  BIND (skip_switch);
  BIND (spec_row);
  BIND (norm_row);
  BIND (onehot_row);
  BIND (onehot_switch);
  BIND (augment_row);
  BIND (flip_switch);
  BIND (rotation_scale);
  BIND (zoom_scale);
  BIND (test_fraction_row);
  BIND (test_label);
  BIND (test_spin);
  BIND (val_spin);
  BIND (kfold_spin);
  BIND (preview_stack);
  BIND (empty_page);
  BIND (title_label);
  BIND (stats_label);
  BIND (shapes_list);
  BIND (samples_title);
  BIND (axes_box);
  BIND (x_dropdown);
  BIND (y_dropdown);
  BIND (shuffle_button);
  BIND (samples_area);
  BIND (classes_area);
  BIND (classes_title);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, source_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, shape_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, option_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, split_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_cb);
  gtk_widget_class_bind_template_callback (widget_class, axes_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, shuffle_cb);
  gtk_widget_class_bind_template_callback (widget_class, augment_changed_cb);
  gtk_widget_class_install_action (widget_class, "data.choose-csv", NULL, choose_action);
  gtk_widget_class_install_action (widget_class, "data.choose-folder", NULL, choose_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dataview");
}

static void
ds_data_view_init (DsDataView *self)
{
  self->shuffle_seed = 1;
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->samples_area, draw_samples, self, NULL);
  gtk_drawing_area_set_draw_func (self->classes_area, draw_classes, self, NULL);
  /* Points in the plane are the first thing most people try. */
  adw_combo_row_set_selected (self->source_row, SOURCE_TOY);
  self->updating = FALSE;
  update_visibility (self);
}

DsDocument *
ds_data_view_get_document (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  return self->document;
}

DsDatasetStore *
ds_data_view_get_store (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  return self->store;
}

AdwComboRow *
ds_data_view_get_source_row (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  return self->source_row;
}

AdwComboRow *
ds_data_view_get_shape_row (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  return self->shape_row;
}

void
ds_data_view_choose_csv (DsDataView *self,
                         const char *path)
{
  g_autofree char *base = NULL;

  g_return_if_fail (DS_IS_DATA_VIEW (self));
  g_return_if_fail (path != NULL);

  base = g_path_get_basename (path);
  g_free (self->csv_path);
  self->csv_path = g_strdup (path);
  adw_action_row_set_subtitle (self->csv_file_row, base);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->source_row, SOURCE_CSV);
  self->updating = FALSE;
  update_visibility (self);
  apply (self);
}

void
ds_data_view_choose_folder (DsDataView *self,
                            const char *path)
{
  g_autofree char *base = NULL;

  g_return_if_fail (DS_IS_DATA_VIEW (self));
  g_return_if_fail (path != NULL);

  base = g_path_get_basename (path);
  g_free (self->folder_path);
  self->folder_path = g_strdup (path);
  adw_action_row_set_subtitle (self->folder_row, base);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->source_row, SOURCE_FOLDER);
  self->updating = FALSE;
  update_visibility (self);
  apply (self);
}

const char *
ds_data_view_get_error_text (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_row)))
    return NULL;
  return adw_action_row_get_subtitle (self->error_row);
}

guint
ds_data_view_get_n_drawn (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), 0);
  return self->n_drawn;
}
