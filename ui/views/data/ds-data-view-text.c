/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView's tokenization preview: how a text becomes the tensor the
 * model reads. One sample's text (Shuffle shows another), its tokens, each
 * over its index in the vocabulary (1 for a token the vocabulary does not
 * hold, faded past the cut-off), the vocabulary's size and how much of the
 * training text it covers, and a histogram of the training texts' lengths
 * in tokens with the cut-off (:length=) marked. The counts come from
 * tokenizing the training texts once per dataset, as the loader did. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>
#include <glib/gi18n.h>

#include "ds-data-view-text.h"
#include "ds-util.h"

#define STATS_KEY "ds-text-preview"
#define N_BINS 40
#define MAX_CHIPS 400
#define CHIP_ROWS 5
#define TEXT_LINES 4
/* The preview's height: room for the text, five rows of tokens and a
 * histogram of at least about 100 px under the default font. */
#define TEXT_AREA_HEIGHT 640

typedef struct {
  NnDataset *ds;            /* which dataset these are of (not a reference) */
  size_t     n;
  int       *lengths;       /* tokens per training text, or NULL (chars:) */
  size_t     n_lengths;
  int        max_length;
  guint64    train_tokens;  /* tokens of the training texts */
  guint64    covered;       /* of which the vocabulary holds (index >= 2) */
  size_t     n_cut;         /* training texts longer than the cut-off */
  guint      n_overlaps;    /* histogram labels drawn over one another */
  int        hist_height;   /* of the histogram's bars as last drawn; 0: none */
  char      *vocab_line;
  char      *tokens_line;
} TextStats;

static void
text_stats_free (gpointer data)
{
  TextStats *st = data;

  g_free (st->lengths);
  g_free (st->vocab_line);
  g_free (st->tokens_line);
  g_free (st);
}

gboolean
_ds_data_view_is_text (NnDataset *ds)
{
  return ds != NULL && ds->vocab != NULL && ds->n_inputs > 0;
}

static gboolean
is_int_mode (NnDataset *ds)
{
  return nn_vocab_get_options (ds->vocab)->mode == NN_TEXT_INT;
}

/* The counts of the training texts, computed once per dataset. */
static TextStats *
get_stats (DsDataView *self,
           NnDataset  *ds)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);
  const NnTextOptions *opt = nn_vocab_get_options (ds->vocab);

  if (st != NULL && st->ds == ds && st->n == ds->n)
    return st;
  st = g_new0 (TextStats, 1);
  st->ds = ds;
  st->n = ds->n;
  if (ds->texts != NULL)
    {
      st->lengths = g_new0 (int, MAX (ds->n_train, 1));
      for (size_t k = 0; k < ds->n_train; k++)
        {
          const char *text = ds->texts[ds->train_idx[k]];
          g_autoptr(GPtrArray) tokens = text ? nn_text_tokenize (opt, text, -1, "text", NULL) : NULL;
          int len = tokens ? (int) tokens->len : 0;

          st->lengths[st->n_lengths++] = len;
          st->max_length = MAX (st->max_length, len);
          st->n_cut += is_int_mode (ds) && len > opt->length;
          for (int t = 0; t < len; t++)
            {
              st->train_tokens++;
              st->covered += nn_vocab_lookup (ds->vocab, tokens->pdata[t]) >= 2;
            }
        }
    }
  else if (ds->inputs[0]->dtype == NN_DTYPE_I32)
    {
      /* Windows of ids (chars:), training window w starting at character
       * w·step of the text: the first window's characters and each other's
       * last step, so that a character of the text counts once. */
      const NnArray *a = ds->inputs[0];
      const char *sp = ds->spec ? strstr (ds->spec, ":step=") : NULL;
      size_t step = sp ? (size_t) MAX (atoi (sp + 6), 1) : 3;
      size_t fresh = MIN (step, a->sample_size);

      for (size_t k = 0; k < ds->n_train; k++)
        for (size_t t = ds->train_idx[k] == 0 ? 0 : a->sample_size - fresh; t < a->sample_size; t++)
          {
            gint32 id = ((const gint32 *) a->data)[ds->train_idx[k] * a->sample_size + t];

            st->train_tokens += id != 0;
            st->covered += id >= 2;
          }
    }
  {
    g_autofree char *size = ds_format_count (nn_vocab_size (ds->vocab));
    g_autofree char *total = ds_format_count ((gint64) st->train_tokens);
    const char *what = nn_vocab_is_chars (ds->vocab) ? "characters" : "tokens";

    st->vocab_line = g_strdup_printf (
      _("Vocabulary: %s %s (0 = padding, 1 = [UNK] for any other) · covers %.1f %% of the %s "
      "training %s"), size, what,
      st->train_tokens ? 100.0 * (double) st->covered / (double) st->train_tokens : 0.0,
      total, what);
  }
  g_object_set_data_full (G_OBJECT (self), STATS_KEY, st, text_stats_free);
  return st;
}

static PangoLayout *
make_layout (GtkWidget *widget,
             cairo_t   *cr,
             int        percent,
             gboolean   mono)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  PangoFontDescription *desc = base ? pango_font_description_copy (base)
                                    : pango_font_description_from_string ("Sans 10");

  if (pango_font_description_get_size (desc) <= 0)
    pango_font_description_set_size (desc, 10 * PANGO_SCALE);
  pango_font_description_set_size (desc, pango_font_description_get_size (desc) * percent / 100);
  if (mono)
    pango_font_description_set_family (desc, "Monospace");
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

/* While the histogram is drawn: the rectangles of its labels, to count
 * the ones drawn over another (main thread only). */
static GArray *label_rects;

/* Text at (x, y), one line, shortened with "…" past max_width (> 0);
 * returns its width. */
static int
put_text (cairo_t     *cr,
          PangoLayout *layout,
          const char  *text,
          double       x,
          double       y,
          double       xalign,
          double       max_width)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (layout, max_width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y));
  pango_cairo_show_layout (cr, layout);
  if (label_rects != NULL)
    {
      cairo_rectangle_int_t r = { (int) round (x - w * xalign), (int) round (y), w, h };
      g_array_append_val (label_rects, r);
    }
  return w;
}

/* A token as it is drawn: blanks made visible. */
static void fit_height (DsDataView *self,
                        int         height);

static char *
shown_token (const char *tok)
{
  if (g_str_equal (tok, " "))
    return g_strdup ("␣");
  if (g_str_equal (tok, "\n"))
    return g_strdup ("↵");
  if (g_str_equal (tok, "\t"))
    return g_strdup ("⇥");
  return g_strdup (tok);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* The sample's tokens (owned strings): its text tokenized, or a chars:
 * window's ids read back through the vocabulary. */
static GPtrArray *
sample_tokens (NnDataset *ds,
               size_t     i)
{
  if (ds->texts != NULL && ds->texts[i] != NULL)
    return nn_text_tokenize (nn_vocab_get_options (ds->vocab), ds->texts[i], -1, "text", NULL);
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  const NnArray *a = ds->inputs[0];
  if (a->dtype == NN_DTYPE_I32)
    for (size_t t = 0; t < a->sample_size; t++)
      {
        gint32 id = ((const gint32 *) a->data)[i * a->sample_size + t];
        const char *tok = nn_vocab_token (ds->vocab, id);

        if (id != 0 && tok != NULL)
          g_ptr_array_add (tokens, g_strdup (tok));
      }
  return tokens;
}

static gboolean
in_training (NnDataset *ds,
             size_t     i)
{
  /* The test split is the tail of the order the loader chose. */
  for (size_t k = 0; k < ds->n_test; k++)
    if (ds->test_idx[k] == i)
      return FALSE;
  return TRUE;
}

/* The sample's text, TEXT_LINES lines at most whatever its length, the
 * last ending in "…" when there is more (a negative Pango height would
 * limit each paragraph, and a poem of short lines pushed the vocabulary
 * and the histogram out of the area). Returns the y below it. */
static double
draw_sample_text (cairo_t       *cr,
                  PangoLayout   *layout,
                  const GdkRGBA *fg,
                  const char    *text,
                  double         x0,
                  double         y,
                  double         width)
{
  int lh, th;

  pango_layout_set_text (layout, "Ág", -1);
  pango_layout_get_pixel_size (layout, NULL, &lh);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  /* Cut after the last line shown, with "…": Pango marks a cut inside a
   * paragraph, not the paragraphs left out after one. */
  if (pango_layout_get_line_count (layout) > TEXT_LINES)
    {
      PangoLayoutLine *last = pango_layout_get_line_readonly (layout, TEXT_LINES - 1);
      g_autofree char *cut = g_strndup (text, (gsize) (last->start_index + last->length));

      g_strchomp (cut);
      g_autofree char *shown = g_strconcat (cut, " …", NULL);
      pango_layout_set_text (layout, shown, -1);
    }
  /* Room for TEXT_LINES lines and half of one more: never the next. */
  pango_layout_set_height (layout, (TEXT_LINES * lh + lh / 2) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, NULL, &th);
  th = MIN (th, TEXT_LINES * lh + lh / 2);
  cairo_save (cr);
  cairo_rectangle (cr, x0, y, width, th);
  cairo_clip (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95);
  cairo_move_to (cr, x0, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  pango_layout_set_height (layout, -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
  return y + th;
}

/* The tokens as chips, each over its index: returns the y below them. */
static double
draw_chips (DsDataView  *self,
            cairo_t     *cr,
            PangoLayout *layout,
            PangoLayout *small,
            const GdkRGBA *fg,
            NnDataset   *ds,
            GPtrArray   *tokens,
            double       x0,
            double       y0,
            double       width)
{
  const NnTextOptions *opt = nn_vocab_get_options (ds->vocab);
  gboolean ints = opt->mode == NN_TEXT_INT;
  int cut = ints ? opt->length : G_MAXINT;
  const double pad = 5, gap = 4;
  double x = x0, y = y0;
  int lh, sh;
  int row = 0;
  guint k;
  GString *line = g_string_new (NULL);
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  /* A chip holds a line of each font (a fixed 40 px clipped the index
   * under larger fonts). */
  pango_layout_set_text (layout, "Ág", -1);
  pango_layout_get_pixel_size (layout, NULL, &lh);
  pango_layout_set_text (small, "0", -1);
  pango_layout_get_pixel_size (small, NULL, &sh);
  const double row_h = lh + sh + 6;

  for (k = 0; k < tokens->len && k < MAX_CHIPS; k++)
    {
      const char *tok = tokens->pdata[k];
      int id = nn_vocab_lookup (ds->vocab, tok);
      g_autofree char *shown = shown_token (tok);
      char idbuf[16];
      int tw, th, iw, ih;
      gboolean past = (int) k >= cut;

      g_snprintf (idbuf, sizeof idbuf, "%d", id);
      pango_layout_set_width (layout, (int) ((width - 2 * pad) * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_text (layout, shown, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      pango_layout_set_text (small, idbuf, -1);
      pango_layout_set_width (small, -1);
      pango_layout_get_pixel_size (small, &iw, &ih);
      double cw = MAX (tw, iw) + 2 * pad;
      if (x + cw > x0 + width && x > x0)
        {
          if (++row >= CHIP_ROWS)
            break;
          x = x0;
          y += row_h + gap;
        }
      /* The cut-off: the model reads the tokens before it. */
      if ((int) k == cut)
        {
          cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 1);
          cairo_rectangle (cr, x - gap / 2 - 1, y - 2, 2, row_h + 4);
          cairo_fill (cr);
        }
      double a = past ? 0.35 : 1.0;
      if (id == 1)
        cairo_set_source_rgba (cr, 0.96, 0.63, 0.13, 0.35 * a);   /* not in the vocabulary */
      else
        cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.16 * a);
      rounded_rect (cr, x, y, cw, row_h, 5);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95 * a);
      cairo_move_to (cr, round (x + (cw - tw) / 2), round (y + 3));
      pango_layout_set_text (layout, shown, -1);
      pango_cairo_show_layout (cr, layout);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6 * a);
      cairo_move_to (cr, round (x + (cw - iw) / 2), round (y + row_h - ih - 3));
      pango_cairo_show_layout (cr, small);
      g_string_append_printf (line, "%s%s:%d", k ? " " : "", tok, id);
      self->n_drawn++;
      x += cw + gap;
    }

  /* What did not fit, and the padding after the tokens. */
  {
    g_autoptr(GString) rest = g_string_new (NULL);
    int n_tokens = (int) tokens->len;

    if (k < tokens->len)
      g_string_append_printf (rest, ngettext ("… %u more token", "… %u more tokens", tokens->len - k),
                              tokens->len - k);
    if (ints && n_tokens < opt->length)
      g_string_append_printf (rest, _("%s+ %d × 0 (padding) to make %d"), rest->len ? "  " : "",
                              opt->length - n_tokens, opt->length);
    else if (ints && n_tokens > opt->length)
      g_string_append_printf (rest, _("%s%d tokens past the cut-off (%d) are dropped"),
                              rest->len ? "  " : "", n_tokens - opt->length, opt->length);
    else if (!ints)
      g_string_append_printf (rest, _("%sThe model reads these as a %s of %d values"),
                              rest->len ? "  " : "",
                              opt->mode == NN_TEXT_TFIDF ? _("TF-IDF vector")
                              : opt->mode == NN_TEXT_COUNT ? _("vector of counts")
                                                           : _("bag of words (multi-hot)"),
                              nn_vocab_size (ds->vocab));
    if (rest->len)
      {
        y += row_h + 6;
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
        put_text (cr, small, rest->str, x0, y, 0, width);
        y += 14;
      }
    else
      y += row_h;
  }
  if (st != NULL)
    {
      g_free (st->tokens_line);
      st->tokens_line = g_string_free (line, FALSE);
    }
  else
    g_string_free (line, TRUE);
  return y;
}

/* Tokens per training text, the cut-off marked. */
static void
draw_histogram (cairo_t       *cr,
                PangoLayout   *small,
                const GdkRGBA *fg,
                NnDataset     *ds,
                TextStats     *st,
                double         x0,
                double         y0,
                double         width,
                double         height)
{
  const NnTextOptions *opt = nn_vocab_get_options (ds->vocab);
  gboolean ints = opt->mode == NN_TEXT_INT;
  /* The title on the first line, the cut-off's label on the second, above
   * the bars (it shared the title's line and ran over it). */
  const double left = 44, bottom = 34, top = 38;
  double pw = width - left - 8, ph = height - top - bottom;
  guint bins[N_BINS] = { 0 };
  guint most = 1;
  char buf[160];

  st->hist_height = 0;
  if (st->n_lengths == 0 || pw < 60 || ph < 30)
    return;
  st->hist_height = (int) ph;
  label_rects = g_array_new (FALSE, FALSE, sizeof (cairo_rectangle_int_t));
  /* The range: the longest text, but no further than twice the cut-off
   * (the long tail goes in the last bin). */
  int xmax = MAX (st->max_length, 1);
  if (ints)
    xmax = MIN (xmax, MAX (2 * opt->length, 8));
  double bw = (double) (xmax + 1) / N_BINS;
  for (size_t k = 0; k < st->n_lengths; k++)
    {
      int b = (int) (MIN (st->lengths[k], xmax) / bw);
      bins[MIN (b, N_BINS - 1)]++;
    }
  for (int b = 0; b < N_BINS; b++)
    most = MAX (most, bins[b]);

  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.75);
  put_text (cr, small, _("Tokens per training text"), x0, y0, 0, -1);
  double bx = x0 + left, by = y0 + top;
  for (int b = 0; b < N_BINS; b++)
    {
      double h = ph * bins[b] / most;
      double lo = b * bw;
      if (ints && lo >= opt->length)
        cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.45);
      else
        cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.7);
      cairo_rectangle (cr, bx + pw * b / N_BINS + 0.5, by + ph - h, pw / N_BINS - 1, h);
      cairo_fill (cr);
    }
  /* Axes. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, bx, by + ph + 0.5);
  cairo_line_to (cr, bx + pw, by + ph + 0.5);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  g_snprintf (buf, sizeof buf, "%u", most);
  put_text (cr, small, buf, bx - 6, by - 2, 1, left - 8);
  put_text (cr, small, "0", bx - 6, by + ph - 12, 1, left - 8);
  put_text (cr, small, "0", bx, by + ph + 3, 0, -1);
  g_snprintf (buf, sizeof buf, "%s%d", st->max_length > xmax ? "≥ " : "", xmax);
  put_text (cr, small, buf, bx + pw, by + ph + 3, 1, -1);

  /* The cut-off. */
  if (ints)
    {
      double cx = round (bx + pw * MIN (opt->length, xmax + 1) / (double) (xmax + 1)) + 0.5;
      double dash[] = { 4, 3 };

      cairo_save (cr);
      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, cx, by - 4);
      cairo_line_to (cr, cx, by + ph);
      cairo_stroke (cr);
      cairo_restore (cr);
      g_autofree char *n_cut = ds_format_count ((gint64) st->n_cut);
      g_autofree char *n_all = ds_format_count ((gint64) st->n_lengths);
      int tw;

      /* The training texts, said so: the loader's note counts all texts
       * too. */
      g_snprintf (buf, sizeof buf, _("cut-off :length=%d · %s of the %s training texts (%.1f %%) "
                  "are cut"), opt->length, n_cut, n_all,
                  100.0 * (double) st->n_cut / (double) st->n_lengths);
      pango_layout_set_width (small, -1);
      pango_layout_set_ellipsize (small, PANGO_ELLIPSIZE_NONE);
      pango_layout_set_text (small, buf, -1);
      pango_layout_get_pixel_size (small, &tw, NULL);
      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 1);
      /* Right of the line if it fits there, else left of it, else over
       * the whole width (its own line, above the line's top). */
      double tx = cx + 6, room = bx + pw - tx, room_left = cx - 6 - x0;
      if (room >= tw)
        put_text (cr, small, buf, tx, by - 18, 0, room);
      else if (room_left >= tw)
        put_text (cr, small, buf, cx - 6, by - 18, 1, room_left);
      else
        put_text (cr, small, buf, bx + pw, by - 18, 1, bx + pw - x0);
    }
  else
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
      put_text (cr, small, _("no cut-off: a bag of words counts every token"), bx + pw, by - 18, 1, -1);
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  put_text (cr, small, "tokens", bx + pw / 2, by + ph + 16, 0.5, -1);

  st->n_overlaps = 0;
  for (guint a = 0; a < label_rects->len; a++)
    for (guint b = a + 1; b < label_rects->len; b++)
      {
        const cairo_rectangle_int_t *p = &g_array_index (label_rects, cairo_rectangle_int_t, a);
        const cairo_rectangle_int_t *q = &g_array_index (label_rects, cairo_rectangle_int_t, b);

        /* Touching lines (a pixel of leading) are not overlapping text. */
        st->n_overlaps += p->x + 1 < q->x + q->width && q->x + 1 < p->x + p->width
                          && p->y + 2 < q->y + q->height && q->y + 2 < p->y + p->height;
      }
  g_clear_pointer (&label_rects, g_array_unref);
}

void
_ds_data_view_draw_text (DsDataView *self,
                         GtkWidget  *widget,
                         cairo_t    *cr,
                         int         width,
                         int         height,
                         NnDataset  *ds)
{
  TextStats *st = get_stats (self, ds);
  g_autoptr(PangoLayout) layout = make_layout (widget, cr, 100, FALSE);
  g_autoptr(PangoLayout) small = make_layout (widget, cr, 80, FALSE);
  const double x0 = 12, w = width - 24;
  size_t i = self->n_order > 0 ? self->order[0] : 0;
  g_autoptr(GPtrArray) tokens = sample_tokens (ds, i);
  g_autofree char *pos = ds_format_count ((gint64) i + 1);
  g_autofree char *all = ds_format_count ((gint64) ds->n);
  GdkRGBA fg;
  char buf[256];
  double y = 4;

  if (w < 120 || tokens == NULL)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);

  /* Which text, its class and split. */
  {
    int c = ds->n_targets > 0 && ds->targets[0]->dtype == NN_DTYPE_I32
            ? ((const gint32 *) ds->targets[0]->data)[i] : -1;
    const char *cname = c >= 0 && c < ds->n_classes && ds->class_names ? ds->class_names[c] : NULL;

    if (ds->texts != NULL)
      g_snprintf (buf, sizeof buf, _("Text %s of %s%s%s%s · %s"), pos, all, cname ? _(" · class “") : "",
                  cname ? cname : "", cname ? "”" : "", in_training (ds, i) ? "training" : "test");
    else
      {
        /* The loader names a tab and a newline "\\t" and "\\n": drawn as in the windows. */
        g_autofree char *shown = shown_token (g_strcmp0 (cname, "\\t") == 0 ? "\t"
                                              : g_strcmp0 (cname, "\\n") == 0 ? "\n" : cname ? cname : "?");

        g_snprintf (buf, sizeof buf, _("Window %s of %s · the next character, its target: “%s” · %s"),
                    pos, all, shown, in_training (ds, i) ? "training" : "test");
      }
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
    put_text (cr, small, buf, x0, y, 0, w);
    y += 18;
  }

  if (ds->texts != NULL && ds->texts[i] != NULL)
    y = draw_sample_text (cr, layout, &fg, ds->texts[i], x0, y, w) + 12;

  /* Tokens → indices. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  g_snprintf (buf, sizeof buf, _("%u %s → their indices in the vocabulary (orange: not in it, read as 1)"),
              tokens->len, nn_vocab_is_chars (ds->vocab) ? "characters" : "tokens");
  put_text (cr, small, buf, x0, y, 0, w);
  y += 18;
  y = draw_chips (self, cr, layout, small, &fg, ds, tokens, x0, y, w);
  y += 12;

  /* The vocabulary, wrapped rather than cut when narrow (its coverage
   * comes last). */
  {
    int vh;

    pango_layout_set_text (small, st->vocab_line, -1);
    pango_layout_set_width (small, (int) (w * PANGO_SCALE));
    pango_layout_set_ellipsize (small, PANGO_ELLIPSIZE_NONE);
    pango_layout_set_wrap (small, PANGO_WRAP_WORD_CHAR);
    pango_layout_get_pixel_size (small, NULL, &vh);
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
    cairo_move_to (cr, x0, y);
    pango_cairo_show_layout (cr, small);
    y += vh + 10;
  }

  if (st->lengths != NULL)
    draw_histogram (cr, small, &fg, ds, st, x0, y, w, height - y - 4);
  else
    {
      const NnTextOptions *opt = nn_vocab_get_options (ds->vocab);

      g_snprintf (buf, sizeof buf, _("Every sample is a window of %d characters: no padding, no "
                  "cut-off"), opt->length);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      put_text (cr, small, buf, x0, y, 0, w);
      /* The card as tall as what it holds: no empty area under it. */
      fit_height (self, (int) ceil (y) + 24);
    }
}

/* Sets the preview's height to height once this drawing is done (not
 * from within it), when it differs by more than a pixel. */
static gboolean
apply_height (gpointer data)
{
  DsDataView *self = data;
  int want = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self), "ds-text-height"));

  g_object_set_data (G_OBJECT (self), "ds-text-height-idle", NULL);
  if (want > 0 && abs (gtk_drawing_area_get_content_height (self->samples_area) - want) > 1)
    gtk_drawing_area_set_content_height (self->samples_area, want);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
fit_height (DsDataView *self,
            int         height)
{
  if (abs (gtk_drawing_area_get_content_height (self->samples_area) - height) <= 1)
    return;
  g_object_set_data (G_OBJECT (self), "ds-text-height", GINT_TO_POINTER (height));
  if (g_object_get_data (G_OBJECT (self), "ds-text-height-idle") == NULL)
    {
      g_object_set_data (G_OBJECT (self), "ds-text-height-idle", GINT_TO_POINTER (1));
      g_idle_add (apply_height, g_object_ref (self));
    }
}

void
_ds_data_view_show_text (DsDataView *self,
                         NnDataset  *ds)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  /* Another dataset: the last one's counts go (the tests' getters say
   * nothing until this one is drawn). */
  if (st != NULL && st->ds != ds)
    g_object_set_data (G_OBJECT (self), STATS_KEY, NULL);
  gtk_label_set_text (self->samples_title, ds->texts != NULL ? _("Tokenization") : _("Windows of Characters"));
  gtk_widget_set_visible (self->axes_box, FALSE);
  gtk_widget_set_visible (self->shuffle_button, TRUE);
  gtk_drawing_area_set_content_height (self->samples_area,
                                       ds->texts != NULL ? TEXT_AREA_HEIGHT : 360);
}

const char *
ds_data_view_get_text_vocab_line (DsDataView *self)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  return st ? st->vocab_line : NULL;
}

guint
ds_data_view_get_text_overlaps (DsDataView *self)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  return st ? st->n_overlaps : 0;
}

const char *
ds_data_view_get_text_tokens (DsDataView *self)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  return st ? st->tokens_line : NULL;
}

int
ds_data_view_get_text_histogram_height (DsDataView *self)
{
  TextStats *st = g_object_get_data (G_OBJECT (self), STATS_KEY);

  return st ? st->hist_height : 0;
}
