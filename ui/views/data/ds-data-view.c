/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView: the source, preprocessing and split options and the spec
 * they describe, loading through the document's dataset store, the file
 * choosers, and the GObject. The preview is in ds-data-view-preview.c. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-data-view-textspec.h"
#include "ds-file-chooser.h"

/* The topics ticked when the fortunes are first offered: four of similar
 * size, the classifier samples' set. */
static const char *const default_topics[] = { "politics", "science", "songs-poems", "work" };

static const char *const toy_names[] = { "spirals", "moons", "circles", "xor", "blobs" };
static const guint limit_values[] = { 0, 10000, 2000 };
static const char *const missing_names[] = { "error", "drop", "mean", "zero" };
static const char *const task_names[] = { "auto", "classify", "regress" };
static const char *const norm_names[] = { NULL, "none", "meanstd", "minmax" };

G_DEFINE_FINAL_TYPE (DsDataView, ds_data_view, DS_TYPE_VIEW)

static void option_changed_cb (DsDataView *self);
static void topic_toggled_cb (DsDataView *self);

/* ---- options ↔ spec ------------------------------------------------------- */

static const char *
fortunes_dir (void)
{
  const char *dir = g_getenv ("DEEPSCOPE_FORTUNES_DIR");

  return dir && *dir ? dir : "/usr/share/games/fortunes";
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* One check button per topic file of the fortunes package (a name without
 * a dot: "science", not "science.dat"), sorted; a line saying how to
 * install it when there are none. */
static void
fill_topics (DsDataView *self)
{
  g_autoptr(GDir) dir = g_dir_open (fortunes_dir (), 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *e;

  while (dir && (e = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (fortunes_dir (), e, NULL);

      if (strchr (e, '.') == NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (e));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (names->pdata[i]);

      gtk_widget_set_name (check, names->pdata[i]);
      for (guint k = 0; k < G_N_ELEMENTS (default_topics); k++)
        if (g_str_equal (default_topics[k], names->pdata[i]))
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (topic_toggled_cb), self);
      gtk_flow_box_append (self->topics_box, check);
    }
  if (names->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("The fortunes package is not installed: "
                                        "sudo apt-get install fortunes"));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_flow_box_append (self->topics_box, label);
    }
}

GtkCheckButton *
ds_data_view_get_topic_check (DsDataView *self,
                              const char *topic)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->topics_box)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *check = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));

      if (GTK_IS_CHECK_BUTTON (check) && g_strcmp0 (gtk_widget_get_name (check), topic) == 0)
        return GTK_CHECK_BUTTON (check);
    }
  return NULL;
}

static double
toy_default_noise (guint shape)
{
  return shape == 0 ? 0.2 : 0.1;
}

static void
append_norm (DsDataView *self,
             GString    *s,
             gboolean    csv)
{
  guint sel = adw_combo_row_get_selected (self->norm_row);

  if (sel < G_N_ELEMENTS (norm_names) && norm_names[sel])
    {
      /* "none" matters only to the CSV loader, which normalizes by
       * default (the others scale images by 1/255 and leave points as
       * they are). */
      if (g_str_equal (norm_names[sel], "none") && !csv)
        return;
      g_string_append_printf (s, ":normalize=%s", norm_names[sel]);
    }
}

static void
append_fashion_spec (DsDataView *self,
                     GString    *s)
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
  append_norm (self, s, FALSE);
}

static void
append_toy_spec (DsDataView *self,
                 GString    *s)
{
  guint shape = MIN (adw_combo_row_get_selected (self->shape_row), G_N_ELEMENTS (toy_names) - 1);
  int n = (int) lround (gtk_range_get_value (GTK_RANGE (self->samples_scale)));
  double noise = gtk_range_get_value (GTK_RANGE (self->noise_scale));
  int seed = gtk_spin_button_get_value_as_int (self->toy_seed_spin);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, toy_names[shape]);
  g_string_append_printf (s, ":n=%d", n);
  if (fabs (noise - toy_default_noise (shape)) > 1e-9)
    g_string_append_printf (s, ":noise=%s", g_ascii_formatd (buf, sizeof buf, "%.2f", noise));
  if (seed != 1)
    g_string_append_printf (s, ":seed=%d", seed);
  if (shape == 4 && gtk_spin_button_get_value_as_int (self->blob_classes_spin) != 3)
    g_string_append_printf (s, ":classes=%d", gtk_spin_button_get_value_as_int (self->blob_classes_spin));
  append_norm (self, s, FALSE);
}

/* FALSE when no file is chosen. */
static gboolean
append_csv_spec (DsDataView *self,
                 GString    *s)
{
  const char *target = gtk_editable_get_text (GTK_EDITABLE (self->target_row));
  guint missing = adw_combo_row_get_selected (self->missing_row);
  guint task = adw_combo_row_get_selected (self->task_row);
  double test = gtk_spin_button_get_value (self->test_spin);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (self->csv_path == NULL)
    return FALSE;
  g_string_append (s, self->csv_path);
  if (target && *target)
    g_string_append_printf (s, ":target=%s", target);
  if (missing > 0 && missing < G_N_ELEMENTS (missing_names))
    g_string_append_printf (s, ":missing=%s", missing_names[missing]);
  if (task > 0 && task < G_N_ELEMENTS (task_names))
    g_string_append_printf (s, ":task=%s", task_names[task]);
  append_norm (self, s, TRUE);
  if (fabs (test - 0.2) > 1e-9)
    g_string_append_printf (s, ":test=%s", g_ascii_formatd (buf, sizeof buf, "%.2f", test));
  return TRUE;
}

/* The text of an entry, stripped, appended after prefix; FALSE when it
 * is empty. */
static gboolean
append_entry (GString     *s,
              const char  *prefix,
              GtkEditable *entry)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (*text == '\0')
    return FALSE;
  g_string_append_printf (s, "%s%s", prefix, text);
  return TRUE;
}

/* The text sources (no :normalize= here: text specs refuse it, token
 * ids); FALSE when nothing is chosen. */
static gboolean
append_text_source_spec (DsDataView *self,
                         GString    *s,
                         guint       source)
{
  switch (source)
    {
    case SOURCE_FORTUNES:
      g_string_append (s, "fortunes");
      return _ds_data_view_append_text_spec (self, s, DS_TEXT_FORTUNES);
    case SOURCE_TEXT_FOLDER:
      if (self->textdir_path == NULL)
        return FALSE;
      g_string_append_printf (s, "text:%s", self->textdir_path);
      return _ds_data_view_append_text_spec (self, s, DS_TEXT_FOLDER);
    default:
      return append_entry (s, "chars:", GTK_EDITABLE (self->chars_source_row))
             && _ds_data_view_append_text_spec (self, s, DS_TEXT_CHARS);
    }
}

char *
ds_data_view_dup_spec (DsDataView *self)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint source;
  gboolean ok = TRUE;

  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);

  switch ((source = adw_combo_row_get_selected (self->source_row)))
    {
    case SOURCE_FASHION:
      append_fashion_spec (self, s);
      break;
    case SOURCE_TOY:
      append_toy_spec (self, s);
      break;
    case SOURCE_CSV:
      ok = append_csv_spec (self, s);
      break;
    case SOURCE_FOLDER:
      ok = self->folder_path != NULL;
      if (ok)
        g_string_append (s, self->folder_path);
      break;
    case SOURCE_FORTUNES:
    case SOURCE_TEXT_FOLDER:
    case SOURCE_CHARS:
      ok = append_text_source_spec (self, s, source);
      break;
    case SOURCE_SERIES:
      ok = append_entry (s, "", GTK_EDITABLE (self->series_source_row))
           && _ds_data_view_append_text_spec (self, s, DS_TEXT_SERIES);
      break;
    case SOURCE_CUSTOM:
    default:
      ok = append_entry (s, "", GTK_EDITABLE (self->spec_row));
      break;
    }
  return ok ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

const char *
_ds_data_view_missing_choice (DsDataView  *self,
                              const char **description)
{
  g_autofree char *spec = ds_data_view_dup_spec (self);

  if (spec)
    return NULL;
  switch (adw_combo_row_get_selected (self->source_row))
    {
    case SOURCE_CSV:
      *description = _("A table with one sample per line and a header line naming the columns: "
                     "press Choose… beside File");
      return _("Choose a CSV File");
    case SOURCE_FOLDER:
      *description = _("PNG images in one sub-folder per class: press Choose… beside Folder");
      return _("Choose a Folder of Images");
    case SOURCE_FORTUNES:
      *description = _("Tick two or more topics on the left: each is a class, each of its "
                     "quotations a sample");
      return _("Tick Some Topics");
    case SOURCE_TEXT_FOLDER:
      *description = _(".txt files in one sub-folder per class: press Choose… beside Folder");
      return _("Choose a Folder of Text Files");
    case SOURCE_CHARS:
      *description = _("A fortunes topic (work) or the path of a plain text file: type it beside "
                     "Text and press Enter");
      return _("Name a Text");
    case SOURCE_SERIES:
      *description = _("seattle-temps, seattle-weather, series (generated) or the path of a CSV "
                       "file: type it beside Series and press Enter");
      return _("Name a Series");
    default:
      *description = _("Type a dataset spec and press Enter, e.g. blobs:classes=4:n=600");
      return _("Enter a Dataset Spec");
    }
}

/* The loader's notes on the dataset shown (CSV: unreadable cells, columns
 * taken as categories and why, the target's task), one row each. */
void
_ds_data_view_update_notes (DsDataView *self)
{
  const char *const *notes = NULL;
  const char *unused;

  for (guint i = 0; i < self->note_rows->len; i++)
    adw_preferences_group_remove (self->notes_group, self->note_rows->pdata[i]);
  g_ptr_array_set_size (self->note_rows, 0);
  if (self->shown && _ds_data_view_missing_choice (self, &unused) == NULL)
    notes = nn_dataset_get_notes (ds_dataset_get (self->shown));
  for (guint i = 0; notes && notes[i]; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-information-symbolic");

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), notes[i]);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_preferences_group_add (self->notes_group, row);
      g_ptr_array_add (self->note_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->notes_group), self->note_rows->len > 0);
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
/* Fashion-MNIST's options from the spec's key=value parts; FALSE when one
 * has no row. */
static gboolean
show_fashion_options (DsDataView *self,
                      char      **parts)
{
  gboolean known = TRUE;

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
  return known;
}

/* A generated set's options (points in the plane, toy names[toy]). */
static gboolean
show_toy_options (DsDataView *self,
                  int         toy,
                  char      **parts)
{
  gboolean known = TRUE;

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
  return known;
}

/* A CSV file's path and options. */
static gboolean
show_csv_options (DsDataView *self,
                  char      **parts)
{
  g_autofree char *base = g_path_get_basename (parts[0]);
  gboolean known = TRUE;

  g_free (self->csv_path);
  self->csv_path = g_strdup (parts[0]);
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
      else if (g_str_equal (kv[0], "normalize") || g_str_equal (kv[0], "norm"))
        set_norm_from (self, kv[1]);
      else if (g_str_equal (kv[0], "test"))
        gtk_spin_button_set_value (self->test_spin, g_ascii_strtod (kv[1], NULL));
      else
        known = FALSE;
    }
  return known;
}

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
  g_free (self->text_spec_shown);
  self->text_spec_shown = g_strdup (spec);

  if (g_str_equal (name, "fashion-mnist"))
    {
      source = SOURCE_FASHION;
      known = show_fashion_options (self, parts);
    }
  else if ((toy = index_of (toy_names, G_N_ELEMENTS (toy_names), name)) >= 0)
    {
      source = SOURCE_TOY;
      known = show_toy_options (self, toy, parts);
    }
  else if (_ds_data_view_show_series_spec (self, parts, &known))
    source = SOURCE_SERIES;
  else if (g_str_has_suffix (name, ".csv") || g_str_has_suffix (name, ".CSV"))
    {
      source = SOURCE_CSV;
      known = show_csv_options (self, parts);
    }
  else if (g_str_equal (name, "fortunes"))
    {
      source = SOURCE_FORTUNES;
      known = _ds_data_view_show_text_spec (self, parts, 1, DS_TEXT_FORTUNES);
    }
  else if (g_str_equal (name, "text") && parts[1] != NULL && *parts[1])
    {
      g_autofree char *base = g_path_get_basename (parts[1]);

      source = SOURCE_TEXT_FOLDER;
      g_free (self->textdir_path);
      self->textdir_path = g_strdup (parts[1]);
      adw_action_row_set_subtitle (self->textdir_row, base);
      known = _ds_data_view_show_text_spec (self, parts, 2, DS_TEXT_FOLDER);
    }
  else if (g_str_equal (name, "chars") && parts[1] != NULL && *parts[1])
    {
      source = SOURCE_CHARS;
      gtk_editable_set_text (GTK_EDITABLE (self->chars_source_row), parts[1]);
      known = _ds_data_view_show_text_spec (self, parts, 2, DS_TEXT_CHARS);
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

void
_ds_data_view_update_visibility (DsDataView *self)
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
  gtk_widget_set_visible (self->fortunes_group, source == SOURCE_FORTUNES);
  gtk_widget_set_visible (self->textdir_group, source == SOURCE_TEXT_FOLDER);
  gtk_widget_set_visible (self->chars_group, source == SOURCE_CHARS);
  gtk_widget_set_visible (self->series_group, source == SOURCE_SERIES);
  gtk_widget_set_visible (self->text_options_group,
                          source == SOURCE_FORTUNES || source == SOURCE_TEXT_FOLDER);
  /* Token ids are not rescaled: text specs refuse :normalize=; a series
   * normalizes itself with its training rows' statistics. */
  gtk_widget_set_visible (GTK_WIDGET (self->norm_row), source != SOURCE_FORTUNES
                          && source != SOURCE_TEXT_FOLDER && source != SOURCE_CHARS
                          && source != SOURCE_SERIES);
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
  _ds_data_view_update_visibility (self);
  /* Sliders send many values: load once they rest. */
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (250, debounce_cb, self);
}

static void
topic_toggled_cb (DsDataView *self)
{
  /* The last topic unticked: the empty page says what to do at once, not
   * the previous topics' preview. */
  if (!self->updating && self->store)
    _ds_data_view_update_preview (self);
  _ds_data_view_update_text_notes (self);
  option_changed_cb (self);
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
  _ds_data_view_update_visibility (self);
  _ds_data_view_update_text_notes (self);
  /* A source with nothing chosen yet (no CSV file) shows an empty page
   * at once, not the previous source's samples and verdict. */
  if (!self->updating && self->store)
    _ds_data_view_update_preview (self);
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
      g_autofree char *title = g_strdup_printf (_("Could not load “%s”"), base);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->error_row), title);
      adw_action_row_set_subtitle (self->error_row, error->message);
    }

  /* The person's choice goes into the model once it loads, so the model
   * never names a dataset that does not open. */
  if (ds && !loading && self->requested && g_strcmp0 (spec, self->requested) == 0)
    {
      NnModel *m = ds_document_get_model (self->document);

      NnDatasetFlags flags = (NnDatasetFlags) ds_dataset_get_flags (ds);

      g_clear_pointer (&self->requested, g_free);
      /* The preprocessing (one-hot targets, skipped images) goes with it. */
      if (g_strcmp0 (nn_model_get_dataset (m), spec) != 0 || nn_model_get_dataset_flags (m) != flags)
        {
          nn_model_set_dataset (m, spec);
          nn_model_set_dataset_flags (m, flags);
          ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Choose Dataset"), NULL);
        }
    }

  if (ds != self->shown && (ds != NULL || !loading))
    {
      g_clear_pointer (&self->shown, ds_dataset_unref);
      if (ds)
        self->shown = ds_dataset_ref (ds);
      _ds_data_view_update_preview (self);
    }
  else if (self->shown == NULL)
    _ds_data_view_update_preview (self);
  _ds_data_view_update_visibility (self);
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
  gtk_spin_button_set_value (self->kfold_iterations_spin, MAX (d->kfold_iterations, 1));
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
  /* The model names its dataset (opened, or undone to an earlier one),
   * with its preprocessing. */
  self->updating = TRUE;
  gtk_switch_set_active (self->onehot_switch, (nn_model_get_dataset_flags (m) & NN_DATASET_ONE_HOT) != 0);
  gtk_switch_set_active (self->skip_switch, (nn_model_get_dataset_flags (m) & NN_DATASET_SKIP_BAD) != 0);
  self->updating = FALSE;
  if (g_strcmp0 (spec, ds_dataset_store_get_spec (self->store)) != 0
      || (guint) ds_dataset_store_get_flags (self->store) != (guint) nn_model_get_dataset_flags (m)
      || (!ds_dataset_store_get_loading (self->store) && ds_dataset_store_get_dataset (self->store) == NULL
          && ds_dataset_store_get_error (self->store) == NULL))
    {
      show_spec (self, spec);
      g_clear_pointer (&self->requested, g_free);
      g_clear_handle_id (&self->debounce_id, g_source_remove);
      ds_dataset_store_load (self->store, spec, load_flags (self));
    }
  _ds_data_view_update_visibility (self);
}

static void
document_changed_cb (DsDataView *self,
                     guint       what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  sync_from_model (self);
  /* A run trained: the weights' class numbers are its topics'. */
  _ds_data_view_update_text_notes (self);
  if (self->shown)
    _ds_data_view_update_preview (self);
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
  d->kfold_iterations = gtk_spin_button_get_value_as_int (self->kfold_iterations_spin);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Splits"), "data-splits");
}

/* ---- file choosers -------------------------------------------------------- */

static void
csv_chosen_cb (GFile    *file,
               gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    ds_data_view_choose_csv (DS_DATA_VIEW (data), path);
}

static void
folder_chosen_cb (GFile    *file,
                  gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    ds_data_view_choose_folder (DS_DATA_VIEW (data), path);
}

static void
text_folder_chosen_cb (GFile    *file,
                       gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    ds_data_view_choose_text_folder (DS_DATA_VIEW (data), path);
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DsDataView *self = DS_DATA_VIEW (widget);
  g_autoptr(GtkFileFilter) filter = NULL;

  if (g_str_equal (action_name, "data.choose-folder"))
    {
      ds_file_chooser_show (&self->chooser, widget, _("Choose a Folder of Images"),
                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL, NULL,
                            folder_chosen_cb, self);
      return;
    }
  if (g_str_equal (action_name, "data.choose-text-folder"))
    {
      ds_file_chooser_show (&self->chooser, widget, _("Choose a Folder of Text Files"),
                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL, NULL,
                            text_folder_chosen_cb, self);
      return;
    }
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_filter_add_mime_type (filter, "text/csv");
  ds_file_chooser_show (&self->chooser, widget, _("Choose a CSV File"), GTK_FILE_CHOOSER_ACTION_OPEN,
                        _("_Open"), NULL, filter, csv_chosen_cb, self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_data_view_document_changed (DsView     *view,
                               DsDocument *old_document)
{
  DsDataView *self = DS_DATA_VIEW (view);
  DsDocument *document = ds_view_get_document (view);

  self->document = document;
  g_clear_object (&self->store);
  if (document == NULL)
    return;
  self->store = g_object_ref (ds_document_get_dataset_store (document));
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
  ds_view_set_document (DS_VIEW (self), NULL);
  ds_file_chooser_clear (&self->chooser);
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
  g_free (self->textdir_path);
  g_free (self->text_spec_shown);
  g_strfreev (self->text_parts);
  g_free (self->requested);
  g_free (self->order);
  g_ptr_array_unref (self->note_rows);
  G_OBJECT_CLASS (ds_data_view_parent_class)->finalize (object);
}

static void
ds_data_view_class_init (DsDataViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  DsViewClass *view_class = DS_VIEW_CLASS (klass);

  object_class->dispose = ds_data_view_dispose;
  object_class->finalize = ds_data_view_finalize;
  view_class->document_changed = ds_data_view_document_changed;

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
  BIND (notes_group);
  BIND (folder_group);
  BIND (custom_group);
  BIND (fortunes_group);
  BIND (topics_box);
  BIND (topics_label);
  BIND (topics_warning);
  BIND (text_kept_row);
  BIND (chars_group);
  BIND (chars_source_row);
  BIND (chars_length_spin);
  BIND (chars_step_spin);
  BIND (chars_kept_row);
  BIND (series_group);
  BIND (series_source_row);
  BIND (series_lookback_spin);
  BIND (series_step_spin);
  BIND (series_delay_spin);
  BIND (series_kept_row);
  BIND (textdir_group);
  BIND (textdir_row);
  BIND (text_options_group);
  BIND (text_length_spin);
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
  BIND (kfold_iterations_spin);
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
  /* The preview's handlers live in ds-data-view-preview.c. */
  gtk_widget_class_bind_template_callback_full (widget_class, "axes_changed_cb",
                                                G_CALLBACK (_ds_data_view_axes_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "shuffle_cb",
                                                G_CALLBACK (_ds_data_view_shuffle_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "augment_changed_cb",
                                                G_CALLBACK (_ds_data_view_augment_changed_cb));
  gtk_widget_class_install_action (widget_class, "data.choose-csv", NULL, choose_action);
  gtk_widget_class_install_action (widget_class, "data.choose-folder", NULL, choose_action);
  gtk_widget_class_install_action (widget_class, "data.choose-text-folder", NULL, choose_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dataview");
}

/* Each option's help (formula, then what it does) from the engine's help
 * table as its row's tooltip, as the layers' in the Build view. */
static const struct
{
  const char *id;     /* the template child: a row, or the control in one */
  const char *help;   /* NN_HELP_PREPROCESSING name */
} option_help[] = {
  { "onehot_row", "one_hot" },
  { "flip_switch", "flip" },
  { "rotation_scale", "rotation" },
  { "zoom_scale", "zoom" },
  { "test_spin", "test_fraction" },
  { "val_spin", "validation_split" },
  { "kfold_spin", "kfold" },
  { "kfold_iterations_spin", "kfold_iterations" },
  { "series_lookback_spin", "series_window" },
  { "series_step_spin", "series_step" },
  { "series_delay_spin", "series_ahead" },
  { "text_length_spin", "text_length" },
  { "chars_length_spin", "chars_window" },
  { "chars_step_spin", "chars_step" },
};

static void
set_help_tooltip (GtkWidget  *widget,
                  const char *help)
{
  g_autofree char *text = nn_help_dup_text (NN_HELP_PREPROCESSING, help);
  GtkWidget *row = ADW_IS_PREFERENCES_ROW (widget) ? widget
                                                   : gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_ROW);

  g_assert (text != NULL);
  gtk_widget_set_tooltip_text (row ? row : widget, text);
}

/* The chosen normalization's and missing-value rule's help. */
static void
choice_help_cb (DsDataView *self)
{
  static const char *const norm[] = { NULL, "normalize_none", "normalize_mean_std", "normalize_min_max" };
  static const char *const missing[] = { "missing_error", "missing_drop", "missing_mean", "missing_zero" };
  guint n = adw_combo_row_get_selected (self->norm_row);
  guint m = adw_combo_row_get_selected (self->missing_row);

  if (n < G_N_ELEMENTS (norm) && norm[n])
    set_help_tooltip (GTK_WIDGET (self->norm_row), norm[n]);
  else
    {
      /* The loader's default: images scaled to [0, 1], tables standardized. */
      g_autofree char *a = nn_help_dup_text (NN_HELP_PREPROCESSING, "normalize_mean_std");
      g_autofree char *b = nn_help_dup_text (NN_HELP_PREPROCESSING, "normalize_min_max");
      g_autofree char *text = g_strdup_printf ("%s\n\n%s", a, b);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->norm_row), text);
    }
  if (m < G_N_ELEMENTS (missing))
    set_help_tooltip (GTK_WIDGET (self->missing_row), missing[m]);
}

static void
init_help (DsDataView *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (option_help); i++)
    {
      GObject *w = gtk_widget_get_template_child (GTK_WIDGET (self), DS_TYPE_DATA_VIEW, option_help[i].id);

      g_assert (GTK_IS_WIDGET (w));
      set_help_tooltip (GTK_WIDGET (w), option_help[i].help);
    }
  g_signal_connect_swapped (self->norm_row, "notify::selected", G_CALLBACK (choice_help_cb), self);
  g_signal_connect_swapped (self->missing_row, "notify::selected", G_CALLBACK (choice_help_cb), self);
  choice_help_cb (self);
}

static void
ds_data_view_init (DsDataView *self)
{
  self->shuffle_seed = 1;
  self->note_rows = g_ptr_array_new ();
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  _ds_data_view_init_preview (self);
  fill_topics (self);
  init_help (self);
  /* Points in the plane are the first thing most people try. */
  adw_combo_row_set_selected (self->source_row, SOURCE_TOY);
  self->updating = FALSE;
  _ds_data_view_update_visibility (self);
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
  _ds_data_view_update_visibility (self);
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
  _ds_data_view_update_visibility (self);
  apply (self);
}

void
ds_data_view_choose_text_folder (DsDataView *self,
                                 const char *path)
{
  g_autofree char *base = NULL;

  g_return_if_fail (DS_IS_DATA_VIEW (self));
  g_return_if_fail (path != NULL);

  base = g_path_get_basename (path);
  g_free (self->textdir_path);
  self->textdir_path = g_strdup (path);
  adw_action_row_set_subtitle (self->textdir_row, base);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->source_row, SOURCE_TEXT_FOLDER);
  self->updating = FALSE;
  _ds_data_view_update_visibility (self);
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

guint
ds_data_view_get_n_clipped (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), 0);
  return self->n_clipped + self->n_clipped_bars;
}

const char *
ds_data_view_get_empty_title (DsDataView *self)
{
  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->preview_stack), "empty") != 0)
    return NULL;
  return adw_status_page_get_title (self->empty_page);
}

/* The row of the verdict on the model, or NULL. */
static GtkWidget *
fit_row (DsDataView *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->shapes_list)); row;
       row = gtk_widget_get_next_sibling (row))
    if (g_str_has_suffix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "the model"))
      return row;
  return NULL;
}

const char *
ds_data_view_get_fit_title (DsDataView *self)
{
  GtkWidget *row;

  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  row = fit_row (self);
  return row ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)) : NULL;
}

const char *
ds_data_view_get_fit_detail (DsDataView *self)
{
  GtkWidget *row;

  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  row = fit_row (self);
  return row ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;
}

char **
ds_data_view_dup_notes (DsDataView *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (DS_IS_DATA_VIEW (self), NULL);
  if (gtk_widget_get_visible (GTK_WIDGET (self->notes_group)))
    for (guint i = 0; i < self->note_rows->len; i++)
      g_strv_builder_add (b, adw_preferences_row_get_title (self->note_rows->pdata[i]));
  return g_strv_builder_end (b);
}
