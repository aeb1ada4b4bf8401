/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsInspectView's input panel for models that do not take pictures: a
 * text classifier's input is shown as its text (the record's own text when
 * the dataset keeps it) and as the tokens the model reads (decoded through
 * the vocabulary, padding and out-of-vocabulary words marked); a series
 * model's window as a line plot of its columns; any other input as its
 * numbers. The test-split browser's items for them too: a line of text, a
 * small plot, the first numbers. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-inspect-draw.h"
#include "ds-inspect-view-private.h"
#include "ds-util.h"

/* Tokens the panel lists at most (a bag of words of a long text). */
#define MAX_TOKENS_SHOWN 300
/* Characters of a text in the browser's one-line items. */
#define SNIPPET_CHARS 90

static NnDataset *
dataset_of (DsInspectView *self)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);

  return dataset ? ds_dataset_get (dataset) : NULL;
}

/* The vocabulary the input's ids mean: the dataset's (its inputs were
 * encoded with it), else the one saved with the model. */
static const NnVocab *
vocab_of (DsInspectView *self)
{
  NnDataset *ds = dataset_of (self);
  NnModel *model = ds_inspect_subject_get_model (self->subject);

  if (ds && ds->vocab)
    return ds->vocab;
  return model ? nn_model_get_vocab (model) : NULL;
}

DsInspectInputKind
_ds_inspect_view_input_kind (DsInspectView *self)
{
  if (self->in_ndim == 3)
    return DS_INSPECT_INPUT_PICTURE;
  if (self->in_ndim == 1 && vocab_of (self) != NULL)
    return DS_INSPECT_INPUT_TEXT;
  if (self->in_ndim == 2)
    return DS_INSPECT_INPUT_SERIES;
  return DS_INSPECT_INPUT_VALUES;
}

const char *
_ds_inspect_view_input_noun (DsInspectView *self)
{
  switch (self->input_kind)
    {
    case DS_INSPECT_INPUT_PICTURE:
      return "images";
    case DS_INSPECT_INPUT_TEXT:
      /* a character model's inputs are windows of one text */
      return vocab_of (self) && nn_vocab_is_chars (vocab_of (self)) ? "windows" : "texts";
    case DS_INSPECT_INPUT_SERIES:
      return "windows";
    case DS_INSPECT_INPUT_VALUES:
    default:
      return "samples";
    }
}

/* The text of test-split position `index` (its record, else its tokens
 * decoded), or NULL. */
static char *
sample_text (DsInspectView *self,
             gssize         index,
             glong          max_chars)
{
  NnDataset *ds = dataset_of (self);

  if (ds == NULL || index < 0 || (gsize) index >= ds->n_test)
    return NULL;
  return ds_inspect_subject_dup_sample_text (self->subject, ds->test_idx[index], max_chars);
}

/* ---- text ----------------------------------------------------------------- */

/* Appends token (escaped), out-of-vocabulary marked. */
static void
append_token (GString       *markup,
              const NnVocab *v,
              int            id,
              gboolean       chars)
{
  const char *token = nn_vocab_token (v, id);
  g_autofree char *escaped = NULL;

  if (id == 1 || token == NULL)
    {
      g_string_append (markup, _("<span foreground=\"#c01c28\" weight=\"bold\">[UNK]</span>"));
      return;
    }
  if (chars && g_str_equal (token, "\n"))
    token = "↵";
  escaped = g_markup_escape_text (token, -1);
  g_string_append (markup, escaped);
}

static void
append_padding (GString *markup,
                int      n)
{
  if (n > 0)
    g_string_append_printf (markup, _("<span alpha=\"55%%\" style=\"italic\">[padding × %d]</span>"),
                            n);
}

/* Token ids: the tokens in order, the padding on its side counted. */
static char *
ids_markup (const NnVocab  *v,
            const NnTensor *input,
            char          **caption)
{
  gboolean chars = nn_vocab_is_chars (v);
  int n = (int) input->size, first = 0, last = n, unknown = 0, shown = 0;
  g_autofree char *size = ds_format_count (nn_vocab_size (v));
  GString *markup = g_string_new (NULL);

  while (first < n && lroundf (input->data[first]) == 0)
    first++;
  while (last > first && lroundf (input->data[last - 1]) == 0)
    last--;
  append_padding (markup, first);
  if (first > 0)
    g_string_append_c (markup, ' ');
  for (int t = first; t < last && shown < MAX_TOKENS_SHOWN; t++, shown++)
    {
      int id = (int) lroundf (input->data[t]);

      if (!chars && t > first)
        g_string_append_c (markup, ' ');
      if (id == 0)
        append_padding (markup, 1);
      else
        append_token (markup, v, id, chars);
      unknown += id == 1;
    }
  if (last - first > shown)
    g_string_append (markup, " …");
  if (last < n)
    g_string_append_c (markup, ' ');
  append_padding (markup, n - last);
  *caption = g_strdup_printf (_("The model reads %d %s: %d from the text (%d not in the "
                              "vocabulary of %s, marked [UNK]), %d padding."),
                              n, chars ? "characters" : "tokens", last - first, unknown,
                              size, n - (last - first));
  return g_string_free (markup, FALSE);
}

/* A bag of words: the vocabulary's tokens present, in its order (the most
 * frequent first); the text's order is gone. */
static char *
bag_markup (const NnVocab  *v,
            const NnTensor *input,
            char          **caption)
{
  NnTextMode mode = nn_vocab_get_options (v)->mode;
  GString *markup = g_string_new (NULL);
  int present = 0;

  for (size_t i = 0; i < input->size; i++)
    {
      float x = input->data[i];

      if (x == 0)
        continue;
      if (present < MAX_TOKENS_SHOWN)
        {
          if (present > 0)
            g_string_append (markup, ", ");
          append_token (markup, v, (int) i, FALSE);
          if (mode == NN_TEXT_COUNT && x != 1)
            g_string_append_printf (markup, " ×%g", x);
          else if (mode == NN_TEXT_TFIDF)
            g_string_append_printf (markup, _(" <small>(%.2f)</small>"), x);
        }
      present++;
    }
  if (present > MAX_TOKENS_SHOWN)
    g_string_append (markup, ", …");
  *caption = g_strdup_printf (_("A bag of words: %d of the vocabulary’s %d entries occur in "
                              "this text (listed most frequent first); their order is lost."),
                              present, (int) input->size);
  return g_string_free (markup, FALSE);
}

static void
show_text (DsInspectView  *self,
           const NnTensor *input)
{
  const NnVocab *v = vocab_of (self);
  g_autofree char *record = sample_text (self, ds_inspect_subject_get_input_index (self->subject),
                                         -1);
  g_autofree char *markup = NULL;
  g_autofree char *caption = NULL;

  if (v && nn_vocab_output_size (v) == (int) input->size)
    markup = nn_vocab_get_options (v)->mode == NN_TEXT_INT ? ids_markup (v, input, &caption)
                                                           : bag_markup (v, input, &caption);
  gtk_label_set_markup (self->tokens_label, markup ? markup : "");
  gtk_label_set_text (self->tokens_caption,
                      caption ? caption : _("The vocabulary does not match the input: the "
                                          "tokens cannot be decoded."));
  /* Without the record's own text (a character model's windows), the
   * decoded tokens are the text. */
  gtk_label_set_text (self->text_label, record ? record : "");
  gtk_widget_set_visible (self->text_frame, record != NULL && *record);
}

/* ---- series --------------------------------------------------------------- */

/* The name of input column k of a series window. */
static char *
column_name (DsInspectView *self,
             int            k)
{
  NnDataset *ds = dataset_of (self);
  const NnSeries *s = ds ? ds->series : NULL;

  if (s == NULL || s->n_columns <= 0)
    return g_strdup_printf (_("column %d"), k + 1);
  if (k < s->n_columns)
    return g_strdup (s->columns[k]);
  return g_strdup_printf (_("%s, change"), s->columns[k % s->n_columns]);
}

static void
draw_series (cairo_t  *cr,
             int       width,
             int       height,
             gpointer  data)
{
  DsInspectView *self = data;
  int steps = self->series_steps, cols = self->series_cols;
  const double left = 6, right = 6, top = 22, bottom = 16;
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, x = left;
  GdkRGBA fg;

  if (self->series_values == NULL || steps < 2)
    return;
  ds_inspect_text_color (GTK_WIDGET (self->series_plot), &fg);
  for (int i = 0; i < steps * cols; i++)
    {
      lo = MIN (lo, self->series_values[i]);
      hi = MAX (hi, self->series_values[i]);
    }
  if (hi - lo < 1e-9)
    hi = lo + 1;
  /* The zero line: the training split's mean of a normalized column. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
  cairo_set_line_width (cr, 1);
  if (lo < 0 && hi > 0)
    {
      double y0 = top + (height - top - bottom) * hi / (hi - lo);

      cairo_move_to (cr, left, y0);
      cairo_line_to (cr, width - right, y0);
      cairo_stroke (cr);
    }
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  for (int k = 0; k < cols; k++)
    {
      double rgb[3];
      g_autofree char *name = column_name (self, k);
      cairo_text_extents_t ext;

      ds_colors_class_rgb (k, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_set_line_width (cr, 1.5);
      for (int t = 0; t < steps; t++)
        {
          double px = left + (width - left - right) * t / (steps - 1);
          double py = top + (height - top - bottom) * (hi - self->series_values[t * cols + k])
                      / (hi - lo);

          if (t == 0)
            cairo_move_to (cr, px, py);
          else
            cairo_line_to (cr, px, py);
        }
      cairo_stroke (cr);
      /* The legend along the top, in the lines' colours. */
      cairo_text_extents (cr, name, &ext);
      cairo_move_to (cr, x, 14);
      cairo_show_text (cr, name);
      x += ext.x_advance + 14;
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
  cairo_move_to (cr, left, height - 3);
  cairo_show_text (cr, "oldest");
  {
    cairo_text_extents_t ext;

    cairo_text_extents (cr, "latest", &ext);
    cairo_move_to (cr, width - right - ext.x_advance, height - 3);
    cairo_show_text (cr, "latest");
  }
}

static void
show_series (DsInspectView  *self,
             const NnTensor *input)
{
  NnDataset *ds = dataset_of (self);
  const NnSeries *s = ds ? ds->series : NULL;
  g_autofree char *caption = NULL;

  g_clear_pointer (&self->series_values, g_free);
  self->series_steps = input->ndim == 3 ? input->shape[1] : 0;
  self->series_cols = input->ndim == 3 ? input->shape[2] : 0;
  if (self->series_steps > 0)
    self->series_values = g_memdup2 (input->data, sizeof (float) * input->size);
  if (s && s->target >= 0 && s->target < s->n_columns)
    caption = g_strdup_printf (_("%d steps (every %d row%s) of %d column%s, each normalized with "
                               "the training split’s mean and spread. The model forecasts %s%s "
                               "%d rows after the latest step."),
                               self->series_steps, s->step, s->step == 1 ? "" : "s",
                               self->series_cols, self->series_cols == 1 ? "" : "s",
                               s->relative ? _("the change of ") : "", s->columns[s->target],
                               s->delay);
  else
    caption = g_strdup_printf (_("%d steps of %d values each, one line per value."),
                               self->series_steps, self->series_cols);
  gtk_label_set_text (self->series_caption, caption);
  gtk_widget_queue_draw (GTK_WIDGET (self->series_plot));
}

/* ---- any other input ------------------------------------------------------ */

/* The first values of v (n of them), "0.31, −0.52, …". */
static char *
values_text (const float *v,
             size_t       n,
             size_t       most)
{
  GString *text = g_string_new (NULL);

  for (size_t i = 0; i < MIN (n, most); i++)
    g_string_append_printf (text, "%s%.3g", i ? ", " : "", v[i]);
  if (n > most)
    g_string_append (text, ", …");
  return g_string_free (text, FALSE);
}

void
_ds_inspect_view_show_other_input (DsInspectView  *self,
                                   const NnTensor *input)
{
  const char *label = ds_inspect_subject_get_input_label (self->subject);
  DsInspectInputKind kind = self->input_kind;

  gtk_label_set_text (self->other_title, label ? label : _("Pick an input below"));
  gtk_widget_set_visible (self->text_frame, FALSE);
  gtk_widget_set_visible (self->tokens_box, kind == DS_INSPECT_INPUT_TEXT && input);
  gtk_widget_set_visible (self->series_box, kind == DS_INSPECT_INPUT_SERIES && input);
  gtk_widget_set_visible (GTK_WIDGET (self->values_label), kind == DS_INSPECT_INPUT_VALUES && input);
  if (input == NULL)
    return;
  if (kind == DS_INSPECT_INPUT_TEXT)
    show_text (self, input);
  else if (kind == DS_INSPECT_INPUT_SERIES)
    show_series (self, input);
  else
    {
      g_autofree char *values = values_text (input->data, input->size, 24);
      g_autofree char *text = g_strdup_printf (_("The input: %s"), values);

      gtk_label_set_text (self->values_label, text);
    }
}

GtkWidget *
_ds_inspect_view_build_other_input (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *tokens_title = gtk_label_new (_("What the model reads"));

  self->other_title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->other_title), "heading");
  gtk_label_set_xalign (self->other_title, 0);
  gtk_label_set_wrap (self->other_title, TRUE);

  self->text_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->text_label, TRUE);
  gtk_label_set_wrap_mode (self->text_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->text_label, 0);
  gtk_label_set_selectable (self->text_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->text_label), 8);
  gtk_widget_set_margin_end (GTK_WIDGET (self->text_label), 8);
  gtk_widget_set_margin_top (GTK_WIDGET (self->text_label), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->text_label), 6);
  /* Whole: the panel scrolls when a text is long. */
  self->text_frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (self->text_frame), GTK_WIDGET (self->text_label));

  self->tokens_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (tokens_title, "caption-heading");
  gtk_label_set_xalign (GTK_LABEL (tokens_title), 0);
  self->tokens_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->tokens_label, TRUE);
  gtk_label_set_wrap_mode (self->tokens_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->tokens_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->tokens_label), "monospace");
  self->tokens_caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->tokens_caption, TRUE);
  gtk_label_set_xalign (self->tokens_caption, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->tokens_caption), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->tokens_caption), "caption");
  gtk_box_append (GTK_BOX (self->tokens_box), tokens_title);
  gtk_box_append (GTK_BOX (self->tokens_box), GTK_WIDGET (self->tokens_label));
  gtk_box_append (GTK_BOX (self->tokens_box), GTK_WIDGET (self->tokens_caption));

  self->series_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->series_plot = DS_INSPECT_DRAWING (ds_inspect_drawing_new (draw_series, self));
  ds_inspect_drawing_set_size (self->series_plot, 340, 150);
  ds_inspect_drawing_set_export_name (self->series_plot, "input-window");
  self->series_caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->series_caption, TRUE);
  gtk_label_set_xalign (self->series_caption, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->series_caption), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->series_caption), "caption");
  gtk_box_append (GTK_BOX (self->series_box), GTK_WIDGET (self->series_plot));
  gtk_box_append (GTK_BOX (self->series_box), GTK_WIDGET (self->series_caption));

  self->values_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->values_label, TRUE);
  gtk_label_set_xalign (self->values_label, 0);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->other_title));
  gtk_box_append (GTK_BOX (box), self->text_frame);
  gtk_box_append (GTK_BOX (box), self->tokens_box);
  gtk_box_append (GTK_BOX (box), self->series_box);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->values_label));
  _ds_inspect_view_show_other_input (self, NULL);
  return box;
}

/* ---- the browser's items -------------------------------------------------- */

typedef struct
{
  float *values;
  int    steps, cols;
} MiniSeries;

static void
mini_series_free (MiniSeries *m)
{
  g_free (m->values);
  g_free (m);
}

static void
draw_mini_series (cairo_t  *cr,
                  int       width,
                  int       height,
                  gpointer  data)
{
  MiniSeries *m = data;
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

  for (int i = 0; i < m->steps * m->cols; i++)
    {
      lo = MIN (lo, m->values[i]);
      hi = MAX (hi, m->values[i]);
    }
  if (hi - lo < 1e-9)
    hi = lo + 1;
  cairo_set_line_width (cr, 1);
  for (int k = 0; k < m->cols; k++)
    {
      double rgb[3];

      ds_colors_class_rgb (k, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      for (int t = 0; t < m->steps; t++)
        cairo_line_to (cr, 2 + (width - 4.0) * t / MAX (m->steps - 1, 1),
                       2 + (height - 4.0) * (hi - m->values[t * m->cols + k]) / (hi - lo));
      cairo_stroke (cr);
    }
}


GtkWidget *
_ds_inspect_view_thumb_other (DsInspectView *self,
                              guint32        position)
{
  NnDataset *ds = dataset_of (self);
  const NnArray *x = ds->inputs[0];
  g_autofree float *v = g_new (float, x->sample_size);
  GtkWidget *widget;

  nn_array_gather (x, &ds->test_idx[position], 1, v);
  if (self->input_kind == DS_INSPECT_INPUT_SERIES && x->ndim == 2)
    {
      MiniSeries *m = g_new0 (MiniSeries, 1);

      m->values = g_steal_pointer (&v);
      m->steps = x->shape[0];
      m->cols = x->shape[1];
      widget = ds_inspect_drawing_new (draw_mini_series, m);
      ds_inspect_drawing_set_size (DS_INSPECT_DRAWING (widget), 56, 40);
      gtk_widget_set_size_request (widget, 56, 40);
      g_object_set_data_full (G_OBJECT (widget), "ds-series", m, (GDestroyNotify) mini_series_free);
      return widget;
    }
  if (self->input_kind == DS_INSPECT_INPUT_TEXT)
    {
      g_autofree char *text = sample_text (self, position, SNIPPET_CHARS);

      widget = gtk_label_new (text ? g_strdelimit (text, "\n\t", ' ') : "");
    }
  else
    {
      g_autofree char *text = values_text (v, x->sample_size, 6);

      widget = gtk_label_new (text);
    }
  gtk_label_set_xalign (GTK_LABEL (widget), 0);
  gtk_label_set_ellipsize (GTK_LABEL (widget), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (widget, TRUE);
  return widget;
}

/* ---- the prediction of a regression --------------------------------------- */

char *
_ds_inspect_view_regression_text (DsInspectView  *self,
                                  const NnTensor *prediction)
{
  NnDataset *ds = dataset_of (self);
  const NnSeries *s = ds ? ds->series : NULL;
  gssize index = ds_inspect_subject_get_input_index (self->subject);
  double mean = 0, std = 1, p = prediction->data[0], truth = NAN;
  const char *unit = s && s->unit ? s->unit : "";

  if (s)
    {
      mean = s->baselines.target_mean;
      std = s->baselines.target_std;
    }
  if (ds && ds->n_targets > 0 && ds->targets[0]->sample_size == 1 && index >= 0
      && (gsize) index < ds->n_test)
    truth = nn_array_get (ds->targets[0], ds->test_idx[index], 0) * std + mean;
  p = p * std + mean;
  if (s && s->relative)
    return isnan (truth) ? g_strdup_printf (_("Predicted change: %+.2f%s"), p, unit)
                         : g_strdup_printf (_("Predicted change: %+.2f%s (true %+.2f%s)"), p, unit,
                                            truth, unit);
  return isnan (truth) ? g_strdup_printf (_("Predicted: %.3g%s"), p, unit)
                       : g_strdup_printf (_("Predicted: %.3g%s (true %.3g%s)"), p, unit, truth,
                                          unit);
}

/* ---- for the tests -------------------------------------------------------- */

const char *
ds_inspect_view_get_input_text (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_widget_get_visible (self->text_frame) ? gtk_label_get_text (self->text_label) : NULL;
}

const char *
ds_inspect_view_get_input_tokens (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_label_get_text (self->tokens_label);
}

DsInspectInputKind
ds_inspect_view_get_input_kind (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), DS_INSPECT_INPUT_PICTURE);
  return self->input_kind;
}

const char *
ds_inspect_view_get_prediction_text (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_label_get_text (self->prediction_label);
}
