/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView's text sources ↔ their spec: the fortunes topics and the
 * words per text the page shows, and every other option of the spec it
 * was given (:mode=int:vocab=10000 …) kept as written, in its place; the
 * same for a time series (its window, step and delay shown, :relative=1
 * :inputs=both … kept). The
 * topics keep the spec's order, which is the order of the class numbers:
 * a page passed through unchanged gives back the spec byte for byte. What
 * the page changes is said next to the control: the class numbers the
 * ticked topics give, and, for a model with trained weights, that they
 * differ from those it was trained with. */
#define G_LOG_DOMAIN "deepscope"

#include <string.h>
#include <glib/gi18n.h>

#include "ds-data-view-textspec.h"
#include "ds-training-run.h"

#define DEFAULT_LENGTH 200

/* The key of a spec part ("mode" of "mode=int"), owned. */
static char *
part_key (const char *part)
{
  const char *eq = strchr (part, '=');

  return eq ? g_strndup (part, (gsize) (eq - part)) : g_strdup (part);
}

/* The value of the kept part `key`, or NULL (borrowed). */
static const char *
kept_value (DsDataView *self,
            const char *key)
{
  gsize n = strlen (key);

  for (guint i = 0; self->text_parts && self->text_parts[i]; i++)
    if (strncmp (self->text_parts[i], key, n) == 0 && self->text_parts[i][n] == '=')
      return self->text_parts[i] + n + 1;
  return NULL;
}

/* The topics of a spec's "topics=" value, as a list of names. */
static GPtrArray *
split_topics (const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) names = g_strsplit (value ? value : "", ",", -1);

  for (guint i = 0; names[i]; i++)
    if (*names[i] != '\0')
      g_ptr_array_add (out, g_strdup (names[i]));
  return out;
}

static gboolean
listed (GPtrArray  *names,
        const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (names->pdata[i], name))
      return TRUE;
  return FALSE;
}

/* The ticked topics in class order: the spec's topics still ticked (and
 * any the page has no box for), in the spec's order, then the topics
 * ticked since, in the list's order. Empty for none. */
static GPtrArray *
ordered_topics (DsDataView *self)
{
  g_autoptr(GPtrArray) kept = split_topics (self->text_parts_kind == DS_TEXT_FORTUNES
                                                  ? kept_value (self, "topics") : NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < kept->len; i++)
    {
      GtkCheckButton *check = ds_data_view_get_topic_check (self, kept->pdata[i]);

      if ((check == NULL || gtk_check_button_get_active (check)) && !listed (out, kept->pdata[i]))
        g_ptr_array_add (out, g_strdup (kept->pdata[i]));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->topics_box)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *check = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
      const char *name = gtk_widget_get_name (check);

      if (GTK_IS_CHECK_BUTTON (check) && gtk_check_button_get_active (GTK_CHECK_BUTTON (check))
          && !listed (out, name))
        g_ptr_array_add (out, g_strdup (name));
    }
  return out;
}

static char *
join_names (GPtrArray  *names,
            const char *sep)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s", i ? sep : "", (const char *) names->pdata[i]);
  return g_string_free (s, FALSE);
}

/* The numbers the page shows for a kind of text spec: their keys,
 * widgets and the loader's defaults (-1: none, always written). */
typedef struct {
  const char    *key;
  GtkSpinButton *spin;
  int            fallback;
} NumOption;

#define MAX_NUM_OPTIONS 3

/* A series's window, step and delay, with the loader's defaults for the
 * series the Series row names (nn-data-series.c): a CSV file's window
 * has none. */
static guint
series_options (DsDataView *self,
                NumOption   out[MAX_NUM_OPTIONS])
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->series_source_row));
  gboolean weather = g_str_equal (name, "seattle-weather");
  gboolean csv = !weather && !g_str_equal (name, "seattle-temps") && !g_str_equal (name, "series");

  out[0] = (NumOption) { csv ? "window" : "lookback", self->series_lookback_spin,
                         csv ? -1 : weather ? 30 : 120 };
  out[1] = (NumOption) { "step", self->series_step_spin, 1 };
  out[2] = (NumOption) { "delay", self->series_delay_spin, csv || weather ? 1 : 24 };
  return 3;
}

static guint
num_options (DsDataView *self,
             DsTextKind  kind,
             NumOption   out[MAX_NUM_OPTIONS])
{
  if (kind == DS_TEXT_SERIES)
    return series_options (self, out);
  if (kind == DS_TEXT_CHARS)
    {
      out[0] = (NumOption) { "length", self->chars_length_spin, 60 };
      out[1] = (NumOption) { "step", self->chars_step_spin, 3 };
      return 2;
    }
  out[0] = (NumOption) { "length", self->text_length_spin, DEFAULT_LENGTH };
  return 1;
}

#define SHOWN_KEY "ds-shown-value"

gboolean
_ds_data_view_show_text_spec (DsDataView *self,
                              char      **parts,
                              guint       first,
                              DsTextKind  kind)
{
  NumOption num[MAX_NUM_OPTIONS];
  guint n = num_options (self, kind, num);

  g_strfreev (self->text_parts);
  self->text_parts = g_strdupv (parts + first);
  self->text_parts_kind = kind;
  for (guint k = 0; k < n; k++)
    {
      const char *v = kept_value (self, num[k].key);

      gtk_spin_button_set_value (num[k].spin,
                                 v ? g_ascii_strtod (v, NULL) : MAX (num[k].fallback, 1));
      /* What it showed, to know later whether it changed (a value beyond
       * its range shows clamped, and stays as written while unchanged). */
      g_object_set_data (G_OBJECT (num[k].spin), SHOWN_KEY,
                         GINT_TO_POINTER (gtk_spin_button_get_value_as_int (num[k].spin)));
    }
  if (kind == DS_TEXT_FORTUNES)
    {
      g_autoptr(GPtrArray) topics = split_topics (kept_value (self, "topics"));

      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->topics_box)); child;
           child = gtk_widget_get_next_sibling (child))
        {
          GtkWidget *check = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));

          if (GTK_IS_CHECK_BUTTON (check))
            gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                         listed (topics, gtk_widget_get_name (check)));
        }
    }
  _ds_data_view_update_text_notes (self);
  return TRUE;
}

/* Whether a spec's key is the page's number `shown`: the same, or a
 * series's window, "lookback" for a named series and "window" for a CSV
 * file (the Series row may have changed from one to the other). */
static gboolean
same_key (const char *key,
          const char *shown)
{
  return g_str_equal (key, shown)
         || ((g_str_equal (key, "lookback") || g_str_equal (key, "window"))
             && (g_str_equal (shown, "lookback") || g_str_equal (shown, "window")));
}

/* Appends part (of the kept spec) to rest, with the page's value when it
 * is one of the numbers and the page changed it; sets put[k] for it. */
static void
append_kept_part (GString    *rest,
                  const char *part,
                  NumOption  *num,
                  guint       n,
                  gboolean   *put)
{
  g_autofree char *key = part_key (part);

  for (guint k = 0; k < n; k++)
    if (same_key (key, num[k].key))
      {
        int value = gtk_spin_button_get_value_as_int (num[k].spin);

        put[k] = TRUE;
        if (value != GPOINTER_TO_INT (g_object_get_data (G_OBJECT (num[k].spin), SHOWN_KEY)))
          {
            g_string_append_printf (rest, ":%s=%d", num[k].key, value);
            return;
          }
        /* a series's window under the key its source takes */
        if (!g_str_equal (key, num[k].key))
          {
            g_string_append_printf (rest, ":%s%s", num[k].key, part + strlen (key));
            return;
          }
      }
  g_string_append_printf (rest, ":%s", part);
}

gboolean
_ds_data_view_append_text_spec (DsDataView *self,
                                GString    *s,
                                DsTextKind  kind)
{
  gboolean fortunes = kind == DS_TEXT_FORTUNES;
  g_autoptr(GPtrArray) topics = fortunes ? ordered_topics (self) : NULL;
  g_autofree char *joined = topics ? join_names (topics, ",") : NULL;
  gboolean mine = self->text_parts != NULL && self->text_parts_kind == kind;
  gboolean put_topics = FALSE, put[MAX_NUM_OPTIONS] = { FALSE, FALSE, FALSE };
  g_autoptr(GString) rest = g_string_new (NULL);
  NumOption num[MAX_NUM_OPTIONS];
  guint n = num_options (self, kind, num);

  if (fortunes && topics->len == 0)
    return FALSE;
  /* The spec's options in their places: the page's with its values (as
   * written while unchanged), the others as they were. */
  for (guint i = 0; mine && self->text_parts[i]; i++)
    {
      if (fortunes && g_str_has_prefix (self->text_parts[i], "topics="))
        {
          g_string_append_printf (rest, ":topics=%s", joined);
          put_topics = TRUE;
        }
      else
        append_kept_part (rest, self->text_parts[i], num, n, put);
    }
  if (fortunes && !put_topics)
    g_string_append_printf (s, ":topics=%s", joined);
  g_string_append (s, rest->str);
  for (guint k = 0; k < n; k++)
    {
      int value = gtk_spin_button_get_value_as_int (num[k].spin);

      if (!put[k] && value != num[k].fallback)
        g_string_append_printf (s, ":%s=%d", num[k].key, value);
    }
  return TRUE;
}

/* The topics the model's weights were trained with: those of its last
 * training run's spec, else of the spec it was opened with; NULL when it
 * has no weights or they were not trained on fortunes topics. */
static GPtrArray *
dup_trained_topics (DsDataView *self)
{
  NnModel *m = self->document ? ds_document_get_model (self->document) : NULL;
  GListModel *runs = self->document ? ds_document_get_runs (self->document) : NULL;
  guint n = runs ? g_list_model_get_n_items (runs) : 0;
  g_autoptr(DsTrainingRun) last = n ? g_list_model_get_item (runs, n - 1) : NULL;
  const char *spec = last ? ds_training_run_get_dataset_spec (last) : self->text_spec_shown;
  const char *at;

  if (m == NULL || !nn_model_has_weights (m) || spec == NULL
      || !g_str_has_prefix (spec, "fortunes:") || (at = strstr (spec, ":topics=")) == NULL)
    return NULL;
  {
    g_autofree char *value = g_strndup (at + 8, strcspn (at + 8, ":"));

    return split_topics (value);
  }
}

static char *
numbered (GPtrArray *topics)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < topics->len; i++)
    g_string_append_printf (s, "%s%u %s", i ? " · " : "", i, (const char *) topics->pdata[i]);
  return g_string_free (s, FALSE);
}

/* The other options of the spec, which the page keeps as they are. */
static char *
dup_kept_options (DsDataView *self,
                  DsTextKind  kind)
{
  GString *s = g_string_new (NULL);
  NumOption num[MAX_NUM_OPTIONS];
  guint n = num_options (self, kind, num);

  for (guint i = 0; self->text_parts && self->text_parts_kind == kind && self->text_parts[i]; i++)
    {
      g_autofree char *key = part_key (self->text_parts[i]);
      gboolean shown = kind == DS_TEXT_FORTUNES && g_str_equal (key, "topics");

      for (guint k = 0; k < n; k++)
        shown |= same_key (key, num[k].key);
      if (!shown)
        g_string_append_printf (s, ":%s", self->text_parts[i]);
    }
  return g_string_free (s, FALSE);
}

void
_ds_data_view_update_text_notes (DsDataView *self)
{
  g_autoptr(GPtrArray) topics = ordered_topics (self);
  g_autoptr(GPtrArray) trained = dup_trained_topics (self);
  guint source = adw_combo_row_get_selected (self->source_row);
  DsTextKind kind = source == SOURCE_FORTUNES ? DS_TEXT_FORTUNES
                    : source == SOURCE_CHARS  ? DS_TEXT_CHARS
                    : source == SOURCE_SERIES ? DS_TEXT_SERIES : DS_TEXT_FOLDER;
  AdwActionRow *kept_row = kind == DS_TEXT_CHARS    ? self->chars_kept_row
                           : kind == DS_TEXT_SERIES ? self->series_kept_row : self->text_kept_row;
  g_autofree char *kept = dup_kept_options (self, kind);
  gboolean same = trained != NULL && trained->len == topics->len;

  for (guint i = 0; same && i < topics->len; i++)
    same = g_str_equal (trained->pdata[i], topics->pdata[i]);

  gtk_widget_set_visible (GTK_WIDGET (self->topics_label), topics->len > 0);
  if (topics->len > 0)
    {
      g_autofree char *list = numbered (topics);
      g_autofree char *text = g_strdup_printf (_("Class numbers: %s"), list);

      gtk_label_set_text (self->topics_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->topics_warning), trained != NULL && !same);
  if (trained != NULL && !same)
    {
      g_autofree char *list = numbered (trained);
      g_autofree char *text = g_strdup_printf (
        _("The trained weights number the classes %s. These topics number them otherwise and "
        "build another vocabulary: its scores and predictions mean nothing until the model is "
        "trained again."), list);

      gtk_label_set_text (self->topics_warning, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->text_kept_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->chars_kept_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->series_kept_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (kept_row), *kept != '\0');
  adw_action_row_set_subtitle (kept_row, *kept ? kept + 1 : "");
}

gboolean
_ds_data_view_show_series_spec (DsDataView *self,
                                char      **parts,
                                gboolean   *known)
{
  const char *name = parts[0];
  gboolean series = g_str_equal (name, "seattle-temps") || g_str_equal (name, "seattle-weather")
                    || g_str_equal (name, "series");

  for (guint i = 1; !series && parts[i]; i++)
    series = g_str_has_prefix (parts[i], "window=")
             && (g_str_has_suffix (name, ".csv") || g_str_has_suffix (name, ".CSV"));
  if (!series)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->series_source_row), name);
  *known = _ds_data_view_show_text_spec (self, parts, 1, DS_TEXT_SERIES);
  return TRUE;
}
