/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsInspectView's input panel: the input and the enlarged channel side by
 * side, the prediction chart, and where inputs come from: the test split
 * (filtered, paged, with each image's true and predicted class), a PNG
 * file converted to the model's input shape, or a drawing. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-file-chooser.h"
#include "ds-inspect-view-private.h"

/* ---- the model's input shape ---------------------------------------------- */

static void test_split_changed (DsInspectView *self, gboolean same_data);

static gboolean
is_drawable (DsInspectView *self)
{
  return self->in_shape[0] == 28 && self->in_shape[1] == 28 && self->in_shape[2] == 1;
}

/* Pictures in the picture frames; anything else in words or a plot, with
 * no PNG to open and nothing to draw, and the browser one text a line. */
static void
show_input_kind (DsInspectView *self)
{
  gboolean picture;

  self->input_kind = _ds_inspect_view_input_kind (self);
  picture = self->input_kind == DS_INSPECT_INPUT_PICTURE;
  gtk_stack_set_visible_child_name (self->input_stack, picture ? "picture" : "other");
  gtk_widget_set_visible (self->sources, picture);
  if (!picture)
    gtk_stack_set_visible_child_name (self->source_stack, "browse");
  gtk_flow_box_set_min_children_per_line (self->thumbs,
                                          self->input_kind == DS_INSPECT_INPUT_TEXT ? 1 : 4);
  gtk_flow_box_set_max_children_per_line (self->thumbs,
                                          self->input_kind == DS_INSPECT_INPUT_TEXT ? 1 : 5);
  _ds_inspect_view_show_other_input (self, NULL);
}

void
_ds_inspect_view_model_shape (DsInspectView *self)
{
  NnModel *model = ds_inspect_subject_get_model (self->subject);
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };

  memset (self->in_shape, 0, sizeof self->in_shape);
  self->in_ndim = 0;
  if (model && nn_model_get_n_inputs (model) > 0
      && nn_model_get_shape (model, (NnRef) { nn_model_get_input_layer (model, 0), 0 },
                             &ndim, shape))
    {
      self->in_ndim = ndim;
      memcpy (self->in_dims, shape, sizeof (int) * ndim);
      if (ndim == 3)
        memcpy (self->in_shape, shape, sizeof self->in_shape);
    }
  show_input_kind (self);

  g_clear_pointer (&self->canvas_reason, g_free);
  if (model == NULL)
    self->canvas_reason = g_strdup (_("There is no model to draw for yet."));
  else if (!is_drawable (self))
    {
      g_autofree char *s = nn_shape_to_string (ndim, shape, 0);

      self->canvas_reason =
        g_strdup_printf (_("Drawing is for models that take 28×28 grey pictures; this one "
                         "takes %s. Pick a test image or open a PNG instead."), s);
    }
  gtk_widget_set_visible (self->draw_box, self->canvas_reason == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->draw_why), self->canvas_reason != NULL);
  gtk_label_set_text (self->draw_why, self->canvas_reason ? self->canvas_reason : "");
  /* Predictions and the filter follow the new model. */
  test_split_changed (self, TRUE);
}

/* ---- the test split ------------------------------------------------------- */

static int
truth_of (NnDataset *ds,
          guint32    sample)
{
  const NnArray *y;
  int best = -1;

  if (ds->n_targets < 1 || ds->n_classes < 1)
    return -1;
  y = ds->targets[0];
  if (y->sample_size == 1)
    return (int) nn_array_get (y, sample, 0);
  for (size_t c = 0; c < y->sample_size; c++)
    if (best < 0 || nn_array_get (y, sample, c) > nn_array_get (y, sample, best))
      best = (int) c;
  return best;
}

static gboolean
dataset_usable (DsInspectView *self,
                char         **why)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnDataset *ds = dataset ? ds_dataset_get (dataset) : NULL;
  const NnArray *x;

  *why = NULL;
  if (ds == NULL)
    *why = g_strdup (_("No dataset is loaded: choose one in the Data view to browse its test "
                     "images."));
  else if (ds->n_test == 0 || ds->n_inputs < 1)
    *why = g_strdup (_("The dataset has no test split to browse."));
  else if (self->in_ndim == 0)
    *why = g_strdup (_("The model has no input to show test samples for."));
  else
    {
      x = ds->inputs[0];
      if (x->ndim != self->in_ndim
          || memcmp (x->shape, self->in_dims, sizeof (int) * self->in_ndim) != 0)
        {
          g_autofree char *a = nn_shape_to_string (x->ndim, x->shape, 0);
          g_autofree char *b = nn_shape_to_string (self->in_ndim, self->in_dims, 0);

          *why = g_strdup_printf (_("The dataset's %s are %s but the model takes %s: "
                                  "choose the model's dataset in the Data view."),
                                  _ds_inspect_view_input_noun (self), a, b);
        }
    }
  return *why == NULL;
}

/* TRUE when list holds exactly the texts of items (NULL-terminated). */
static gboolean
same_items (GtkStringList *list,
            GPtrArray     *items)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  if (n + 1 != items->len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (list, i), g_ptr_array_index (items, i)) != 0)
      return FALSE;
  return TRUE;
}

/* The position of text among items, else 0 (all test images). */
static guint
find_item (GPtrArray  *items,
           const char *text)
{
  for (guint i = 0; text && i + 1 < items->len; i++)
    if (g_str_equal (g_ptr_array_index (items, i), text))
      return i;
  return 0;
}

static void filter_changed_cb (DsInspectView *self);

/* The test split's truths and predictions, the filter's choices, and new
 * predictions started. same_data: only the model changed (a live run's
 * next snapshot), so the last model's predictions stay until the new ones
 * replace them, and "Wrong only" does not empty every few seconds. */
static void
test_split_changed (DsInspectView *self,
                    gboolean       same_data)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnDataset *ds = dataset ? ds_dataset_get (dataset) : NULL;
  g_autofree char *why = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  gboolean usable = dataset_usable (self, &why);
  int n_classes = usable ? ds->n_classes : 0;
  gboolean same, keep;

  g_ptr_array_add (items, g_strdup_printf (_("All test %s"), _ds_inspect_view_input_noun (self)));
  /* A regression's answers are never just right or wrong. */
  if (n_classes > 0)
    g_ptr_array_add (items, g_strdup (_("Wrong only")));
  for (int k = 0; k < 2 * n_classes; k++)
    {
      g_autofree char *name = ds_inspect_subject_dup_class_name (self->subject, k % n_classes);

      g_ptr_array_add (items, g_strdup_printf (k < n_classes ? _("True: %s") : _("Predicted: %s"), name));
    }
  g_ptr_array_add (items, NULL);
  same = same_items (self->filter_items, items);
  keep = same && same_data && usable && self->pred && self->n_test == ds->n_test;

  if (!keep)
    g_clear_pointer (&self->pred, g_free);
  g_clear_pointer (&self->truth, g_free);
  self->n_test = usable ? ds->n_test : 0;
  if (usable)
    {
      if (!keep)
        self->pred = g_new (int, self->n_test);
      self->truth = g_new (int, self->n_test);
      for (gsize i = 0; i < self->n_test; i++)
        {
          if (!keep)
            self->pred[i] = -1;
          self->truth[i] = truth_of (ds, ds->test_idx[i]);
        }
    }
  gtk_label_set_text (self->browse_why, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (self->browse_why), why != NULL);
  /* A new model with the same classes (a run starting, a live run's next
   * snapshot) keeps the filter and the page the person chose. */
  if (!same)
    {
      guint selected = gtk_drop_down_get_selected (self->filter_drop);
      guint k = find_item (items, gtk_string_list_get_string (self->filter_items, selected));

      g_signal_handlers_block_by_func (self->filter_drop, filter_changed_cb, self);
      gtk_string_list_splice (self->filter_items, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (self->filter_items)),
                              (const char * const *) items->pdata);
      gtk_drop_down_set_selected (self->filter_drop, k);
      g_signal_handlers_unblock_by_func (self->filter_drop, filter_changed_cb, self);
      self->page = 0;
    }
  _ds_inspect_view_refilter (self);
  _ds_inspect_view_start_predictions (self);
}

void
_ds_inspect_view_dataset_changed (DsInspectView *self)
{
  /* A text model's vocabulary may come with its dataset. */
  show_input_kind (self);
  test_split_changed (self, FALSE);
}

static char *
class_name (DsInspectView *self,
            int            c)
{
  return ds_inspect_subject_dup_class_name (self->subject, c);
}

static void
thumb_fill (DsInspectView    *self,
            DsInspectPicture *picture,
            guint32           position)
{
  NnDataset *ds = ds_dataset_get (ds_inspect_subject_get_dataset (self->subject));
  const NnArray *x = ds->inputs[0];
  g_autofree float *v = g_new (float, x->sample_size);
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

  nn_array_gather (x, &ds->test_idx[position], 1, v);
  for (size_t i = 0; i < x->sample_size; i++)
    {
      lo = MIN (lo, v[i]);
      hi = MAX (hi, v[i]);
    }
  ds_inspect_picture_set_image (picture, v, x->shape[1], x->shape[0], x->shape[2], lo, hi);
}

/* A thumbnail's caption and tooltip from what is known of its image. */
static void
thumb_caption (DsInspectView *self,
               GtkWidget     *box,
               guint32        position)
{
  GtkLabel *label = g_object_get_data (G_OBJECT (box), "caption");
  g_autofree char *truth = self->truth[position] >= 0 ? class_name (self, self->truth[position])
                                                        : g_strdup ("?");
  g_autofree char *pred = self->pred[position] >= 0 ? class_name (self, self->pred[position])
                                                      : NULL;
  g_autofree char *t = g_markup_escape_text (truth, -1);
  g_autofree char *markup = NULL;
  g_autofree char *tip = NULL;
  gboolean wrong = self->pred[position] >= 0 && self->pred[position] != self->truth[position];
  /* A text's caption stands beside it on its line. */
  const char *sep = self->input_kind == DS_INSPECT_INPUT_TEXT ? " " : "\n";

  if (self->truth[position] < 0)
    markup = g_strdup_printf ("<small>#%u</small>", position);
  else if (wrong)
    {
      g_autofree char *p = g_markup_escape_text (pred, -1);

      markup = g_strdup_printf (_("<small>%s%s<span foreground=\"#c01c28\">→ %s</span></small>"),
                                t, sep, p);
    }
  else
    markup = g_strdup_printf ("<small>%s%s%s</small>", t, sep, pred ? "✓" : "…");
  /* Only what changed: setting a tooltip asks the X server where the
   * pointer is, a round trip per thumbnail. */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (box), "markup"), markup) != 0)
    {
      gtk_label_set_markup (label, markup);
      g_object_set_data_full (G_OBJECT (box), "markup", g_steal_pointer (&markup), g_free);
    }
  tip = g_strdup_printf (_("Test %.*s %u: %s, predicted %s"),
                         (int) strlen (_ds_inspect_view_input_noun (self)) - 1,
                         _ds_inspect_view_input_noun (self), position, truth,
                         pred ? pred : _("(not yet)"));
  if (g_strcmp0 (gtk_widget_get_tooltip_text (box), tip) != 0)
    gtk_widget_set_tooltip_text (box, tip);
}

static GtkWidget *
thumb_new (DsInspectView *self,
           guint32        position)
{
  gboolean text = self->input_kind == DS_INSPECT_INPUT_TEXT;
  GtkWidget *box = gtk_box_new (text ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL,
                                text ? 8 : 2);
  GtkWidget *picture;
  GtkWidget *label = gtk_label_new (NULL);

  if (self->input_kind == DS_INSPECT_INPUT_PICTURE)
    {
      picture = ds_inspect_picture_new (56);
      thumb_fill (self, DS_INSPECT_PICTURE (picture), position);
    }
  else
    picture = _ds_inspect_view_thumb_other (self, position);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), text ? 22 : 10);
  if (text)
    {
      /* The topics in a column of their own. */
      gtk_label_set_width_chars (GTK_LABEL (label), 14);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
    }
  gtk_box_append (GTK_BOX (box), text ? label : picture);
  gtk_box_append (GTK_BOX (box), text ? picture : label);
  g_object_set_data (G_OBJECT (box), "position", GUINT_TO_POINTER (position));
  g_object_set_data (G_OBJECT (box), "caption", label);
  thumb_caption (self, box, position);
  return box;
}

/* The thumbnail box of a flow-box child. */
static GtkWidget *
thumb_box (GtkWidget *child)
{
  return gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
}

/* TRUE when the page shows exactly the images first..first+count of
 * self->shown: then only the captions need to follow new predictions
 * (rebuilding the thumbnails each time a batch of predictions arrives
 * held frames up while a live run was followed). */
static gboolean
page_shows (DsInspectView *self,
            guint          first,
            guint          count)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->thumbs));
  guint i = 0;

  for (; child && i < count; child = gtk_widget_get_next_sibling (child), i++)
    if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (thumb_box (child)), "position"))
        != g_array_index (self->shown, guint32, first + i))
      return FALSE;
  return child == NULL && i == count;
}

static void
fill_page (DsInspectView *self)
{
  guint n = self->shown->len, pages = MAX (1, (n + DS_INSPECT_PAGE_SIZE - 1) / DS_INSPECT_PAGE_SIZE);
  guint first = self->page * DS_INSPECT_PAGE_SIZE;
  g_autofree char *text = NULL;
  GtkWidget *child;

  guint count = first < n ? MIN (n - first, DS_INSPECT_PAGE_SIZE) : 0;

  if (count > 0 && page_shows (self, first, count))
    {
      for (child = gtk_widget_get_first_child (GTK_WIDGET (self->thumbs)); child;
           child = gtk_widget_get_next_sibling (child))
        {
          GtkWidget *box = thumb_box (child);

          thumb_caption (self, box,
                         GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (box), "position")));
        }
    }
  else
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->thumbs))))
        gtk_flow_box_remove (self->thumbs, child);
      for (guint i = first; i < first + count; i++)
        gtk_flow_box_append (self->thumbs, thumb_new (self, g_array_index (self->shown, guint32, i)));
    }
  if (n == 0)
    text = g_strdup (self->n_test ? _("No test image matches") : "");
  else
    text = g_strdup_printf (_("%u–%u of %u"), first + 1, MIN (n, first + DS_INSPECT_PAGE_SIZE), n);
  gtk_label_set_text (self->page_label, text);
  gtk_widget_set_sensitive (self->prev_button, self->page > 0);
  gtk_widget_set_sensitive (self->next_button, self->page + 1 < pages);
}

void
_ds_inspect_view_refilter (DsInspectView *self)
{
  guint filter = gtk_drop_down_get_selected (self->filter_drop);
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  int n_classes = dataset ? ds_dataset_get (dataset)->n_classes : 0;

  if (filter == GTK_INVALID_LIST_POSITION)
    filter = 0;
  g_array_set_size (self->shown, 0);
  for (gsize i = 0; i < self->n_test; i++)
    {
      gboolean keep;

      if (filter == 0)
        keep = TRUE;
      else if (filter == 1)
        keep = self->pred[i] >= 0 && self->pred[i] != self->truth[i];
      else if ((int) filter < 2 + n_classes)
        keep = self->truth[i] == (int) filter - 2;
      else
        keep = self->pred[i] == (int) filter - 2 - n_classes;
      if (keep)
        {
          guint32 p = (guint32) i;

          g_array_append_val (self->shown, p);
        }
    }
  if (self->page * DS_INSPECT_PAGE_SIZE >= MAX (self->shown->len, 1))
    self->page = 0;
  fill_page (self);
}

static void
filter_changed_cb (DsInspectView *self)
{
  self->page = 0;
  _ds_inspect_view_refilter (self);
}

static void
prev_cb (DsInspectView *self)
{
  if (self->page > 0)
    self->page--;
  fill_page (self);
}

static void
next_cb (DsInspectView *self)
{
  if ((self->page + 1) * DS_INSPECT_PAGE_SIZE < self->shown->len)
    self->page++;
  fill_page (self);
}

static void
thumb_activated_cb (DsInspectView   *self,
                    GtkFlowBoxChild *child)
{
  GtkWidget *box = gtk_flow_box_child_get_child (child);
  guint position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (box), "position"));

  ds_inspect_subject_open_test_sample (self->subject, position);
}

/* ---- the input and its prediction ----------------------------------------- */

void
_ds_inspect_view_input_changed (DsInspectView *self)
{
  const NnTensor *input = ds_inspect_subject_get_input (self->subject);
  const char *label = ds_inspect_subject_get_input_label (self->subject);
  gssize index = ds_inspect_subject_get_input_index (self->subject);

  self->input_serial++;
  gtk_label_set_text (self->input_label, label ? label : _("Pick an input below"));
  if (index < 0 || (gsize) index >= self->n_test)
    gtk_label_set_text (self->conversion_label,
                        index < 0 ? gtk_label_get_text (self->conversion_label) : "");
  else
    gtk_label_set_text (self->conversion_label, "");
  if (self->input_kind != DS_INSPECT_INPUT_PICTURE)
    _ds_inspect_view_show_other_input (self, input);
  if (input && input->ndim == 4 && (input->shape[3] == 1 || input->shape[3] == 3))
    {
      /* Shown as the dataset's pixels would be: byte 0 black, 255 white. */
      double lo = _ds_inspect_view_pixel_value (self, 0, 0);
      double hi = _ds_inspect_view_pixel_value (self, 0, 255);

      ds_inspect_picture_set_image (self->input_picture, input->data, input->shape[2],
                                    input->shape[1], input->shape[3], lo, hi);
    }
  else
    ds_inspect_picture_clear (self->input_picture);
  _ds_inspect_view_compute (self);
}

void
_ds_inspect_view_show_result (DsInspectView  *self,
                              const NnTensor *prediction)
{
  gssize index = ds_inspect_subject_get_input_index (self->subject);
  int truth = index >= 0 && (gsize) index < self->n_test ? self->truth[index] : -1;
  int n = prediction ? (int) prediction->size : 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *p = NULL;
  g_autofree char *top = NULL;
  g_autofree char *text = NULL;

  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);

  if (n == 1 && dataset && ds_dataset_get (dataset)->n_classes == 0)
    {
      /* One value: a regression, no classes to chart. */
      text = _ds_inspect_view_regression_text (self, prediction);
      ds_inspect_bars_set (self->bars, 0, NULL, NULL, -1);
      gtk_label_set_text (self->prediction_label, text);
      return;
    }
  if (n == 1)
    {
      /* One sigmoid unit: two classes. */
      p = g_new (float, 2);
      p[1] = prediction->data[0];
      p[0] = 1 - p[1];
      n = 2;
    }
  else if (n > 0)
    p = g_memdup2 (prediction->data, sizeof (float) * n);
  for (int c = 0; c < n; c++)
    g_ptr_array_add (names, class_name (self, c));
  g_ptr_array_add (names, NULL);
  ds_inspect_bars_set (self->bars, n, p, (const char * const *) names->pdata, truth);
  if (n > 0)
    {
      int best = ds_inspect_bars_get_top (self->bars);

      top = class_name (self, best);
      text = g_strdup_printf (_("Predicted: %s (%.0f %%)%s"), top, 100 * p[best],
                              truth < 0 ? "" : truth == best ? _(", right") : _(", wrong"));
    }
  gtk_label_set_text (self->prediction_label, text ? text : "");
}

static void
channel_activated_cb (DsInspectView *self,
                      int            layer,
                      int            channel)
{
  self->shown_layer = layer;
  self->shown_channel = channel;
  _ds_inspect_view_refresh_channel (self);
}

/* The enlarged channel follows the activations it shows (a new input, a
 * live run's newer weights); gone when its layer is. */
void
_ds_inspect_view_refresh_channel (DsInspectView *self)
{
  g_autofree char *title = NULL;

  if (self->shown_layer < 0)
    return;
  if (ds_inspect_activations_show_channel (self->activations, self->shown_layer,
                                           self->shown_channel, self->channel_picture, &title))
    {
      g_autofree char *name = g_strdelimit (g_strdup (title), "/, ", '-');

      gtk_label_set_text (self->channel_label, title);
      ds_inspect_picture_set_export_name (self->channel_picture, name);
    }
  else
    {
      self->shown_layer = -1;
      ds_inspect_picture_clear (self->channel_picture);
      gtk_label_set_text (self->channel_label, _("Click a channel to enlarge it here"));
    }
}

/* ---- drawing -------------------------------------------------------------- */

static void
canvas_changed_cb (DsInspectView *self)
{
  int w, h;
  const float *px = ds_inspect_canvas_get_pixels (self->canvas, &w, &h);
  int shape[4] = { 1, h, w, 1 };
  g_autoptr(NnTensor) t = NULL;

  if (!is_drawable (self))
    return;
  t = nn_tensor_new (4, shape);
  for (int i = 0; i < w * h; i++)
    t->data[i] = _ds_inspect_view_pixel_value (self, i, 255.0 * px[i]);
  gtk_label_set_text (self->conversion_label, "");
  ds_inspect_subject_set_input (self->subject, t, _("Drawn"), -1);
}

static void
clear_cb (DsInspectView *self)
{
  ds_inspect_canvas_clear (self->canvas);
}

/* ---- PNG files ------------------------------------------------------------ */

/* Resizes pixels (h, w, c) to (th, tw, c): each target pixel averages the
 * source pixels it covers (area average down, nearest up). */
static void
resize (const guint8 *src,
        int           w,
        int           h,
        int           c,
        float        *dst,
        int           tw,
        int           th)
{
  for (int ty = 0; ty < th; ty++)
    for (int tx = 0; tx < tw; tx++)
      {
        int x0 = tx * w / tw, x1 = MAX (x0 + 1, (tx + 1) * w / tw);
        int y0 = ty * h / th, y1 = MAX (y0 + 1, (ty + 1) * h / th);

        for (int k = 0; k < c; k++)
          {
            double sum = 0;

            for (int y = y0; y < y1; y++)
              for (int x = x0; x < x1; x++)
                sum += src[((size_t) y * w + x) * c + k];
            dst[((size_t) ty * tw + tx) * c + k] = (float) (sum / ((x1 - x0) * (y1 - y0)));
          }
      }
}

/* The mean of an (h, w, c) picture's outermost pixels: its background. */
static double
border_mean (const float *v,
             int          h,
             int          w,
             int          c)
{
  double sum = 0;
  int n = 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (y == 0 || x == 0 || y == h - 1 || x == w - 1)
        for (int k = 0; k < c; k++, n++)
          sum += v[((size_t) y * w + x) * c + k];
  return n ? sum / n : 0;
}

/* Whether the training pictures have a dark background (the first 32 test
 * images' borders, in the model's input units); FALSE when unknown. */
static gboolean
training_background (DsInspectView *self,
                     gboolean      *dark)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnDataset *ds = dataset ? ds_dataset_get (dataset) : NULL;
  const NnArray *x = ds ? ds->inputs[0] : NULL;
  size_t n = ds ? MIN (ds->n_test, 32) : 0;
  g_autofree float *v = NULL;
  double sum = 0;

  if (n == 0 || x->ndim != 3 || memcmp (x->shape, self->in_shape, sizeof (int) * 3) != 0)
    return FALSE;
  v = g_new (float, x->sample_size);
  for (size_t i = 0; i < n; i++)
    {
      nn_array_gather (x, &ds->test_idx[i], 1, v);
      sum += border_mean (v, x->shape[0], x->shape[1], x->shape[2]);
    }
  *dark = sum / n < 0.5 * (_ds_inspect_view_pixel_value (self, 0, 0)
                           + _ds_inspect_view_pixel_value (self, 0, 255));
  return TRUE;
}

/* "Grey 40×30 → grey 28×28", and a warning when the picture's background
 * is the reverse of the training pictures' (dark on light against light on
 * dark): the model then sees what it never learnt. bytes: the converted
 * picture, 0 to 255. */
static char *
conversion_text (DsInspectView *self,
                 const float   *bytes,
                 int            ch,
                 int            w,
                 int            h)
{
  int th = self->in_shape[0], tw = self->in_shape[1], tc = self->in_shape[2];
  gboolean train_dark, dark = border_mean (bytes, th, tw, tc) < 127.5;
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s %d×%d → %s %d×%d", ch == 1 ? _("Grey") : "RGB", w, h,
                          tc == 1 ? "grey" : "RGB", tw, th);
  if (training_background (self, &train_dark) && dark != train_dark)
    g_string_append_printf (text, _("\n%s, the reverse of the training pictures (%s): "
                            "the prediction may mean little"),
                            dark ? _("Light on dark") : _("Dark on light"),
                            train_dark ? _("light on dark") : _("dark on light"));
  return g_string_free (text, FALSE);
}

gboolean
ds_inspect_view_open_png (DsInspectView *self,
                          const char    *path,
                          GError       **error)
{
  int w, h, ch, th = self->in_shape[0], tw = self->in_shape[1], tc = self->in_shape[2];
  g_autofree guint8 *px = NULL;
  g_autofree guint8 *conv = NULL;
  g_autofree float *bytes = NULL;
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  g_autoptr(NnTensor) t = NULL;
  int shape[4] = { 1, th, tw, tc };

  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), FALSE);

  if (th == 0 || (tc != 1 && tc != 3))
    {
      g_set_error_literal (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                           _("The model does not take grey or RGB pictures, so a PNG cannot be "
                           "its input"));
      return FALSE;
    }
  px = nn_png_read (path, 0, &w, &h, &ch, error);
  if (px == NULL)
    return FALSE;
  conv = g_new (guint8, (size_t) w * h * tc);
  for (size_t i = 0; i < (size_t) w * h; i++)
    for (int k = 0; k < tc; k++)
      {
        const guint8 *p = px + i * ch;

        /* RGB to grey by luminance (Rec. 601), grey to RGB by copying. */
        conv[i * tc + k] = ch == tc ? p[k]
                           : tc == 1 ? (guint8) lround (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])
                           : p[0];
      }
  bytes = g_new (float, (size_t) th * tw * tc);
  resize (conv, w, h, tc, bytes, tw, th);
  t = nn_tensor_new (4, shape);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = _ds_inspect_view_pixel_value (self, i, bytes[i]);
  text = conversion_text (self, bytes, ch, w, h);
  gtk_label_set_text (self->conversion_label, text);
  /* The picture is the input now, not the drawing. */
  gtk_stack_set_visible_child_name (self->source_stack, "browse");
  base = g_path_get_basename (path);
  ds_inspect_subject_set_input (self->subject, t, base, -1);
  return TRUE;
}

const char *
ds_inspect_view_get_source (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->source_stack);
}

void
ds_inspect_view_set_source (DsInspectView *self,
                            const char    *name)
{
  g_return_if_fail (DS_IS_INSPECT_VIEW (self));
  gtk_stack_set_visible_child_name (self->source_stack, name);
}

const char *
ds_inspect_view_get_conversion (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_label_get_text (self->conversion_label);
}

static void
png_chosen_cb (GFile    *file,
               gpointer  data)
{
  DsInspectView *self = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !ds_inspect_view_open_png (self, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the picture: %s"), error->message);

      _ds_inspect_view_toast (self, text);
    }
}

static void
open_png_cb (DsInspectView *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG pictures"));
  gtk_file_filter_add_suffix (filter, "png");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Open a Picture"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, filter, png_chosen_cb, self);
}

/* ---- the panel ------------------------------------------------------------ */

static GtkWidget *
build_browse (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *nav = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->filter_items = gtk_string_list_new (NULL);
  self->filter_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->filter_items), NULL));
  g_signal_connect_swapped (self->filter_drop, "notify::selected",
                            G_CALLBACK (filter_changed_cb), self);
  self->pred_progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->pred_progress, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->pred_progress), FALSE);
  self->browse_why = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->browse_why, TRUE);
  gtk_label_set_xalign (self->browse_why, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->browse_why), "dim-label");

  self->thumbs = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (self->thumbs, GTK_SELECTION_NONE);
  gtk_flow_box_set_activate_on_single_click (self->thumbs, TRUE);
  gtk_flow_box_set_min_children_per_line (self->thumbs, 4);
  gtk_flow_box_set_max_children_per_line (self->thumbs, 5);
  gtk_flow_box_set_homogeneous (self->thumbs, TRUE);
  g_signal_connect_swapped (self->thumbs, "child-activated", G_CALLBACK (thumb_activated_cb), self);

  self->prev_button = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (self->prev_button, _("Previous page"));
  g_signal_connect_swapped (self->prev_button, "clicked", G_CALLBACK (prev_cb), self);
  self->next_button = gtk_button_new_from_icon_name ("go-next-symbolic");
  gtk_widget_set_tooltip_text (self->next_button, _("Next page"));
  g_signal_connect_swapped (self->next_button, "clicked", G_CALLBACK (next_cb), self);
  self->page_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->page_label), TRUE);
  gtk_box_append (GTK_BOX (nav), self->prev_button);
  gtk_box_append (GTK_BOX (nav), GTK_WIDGET (self->page_label));
  gtk_box_append (GTK_BOX (nav), self->next_button);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->filter_drop));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pred_progress));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->browse_why));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->thumbs));
  gtk_box_append (GTK_BOX (box), nav);
  return box;
}

static GtkWidget *
build_draw (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *clear = gtk_button_new_with_mnemonic (_("_Clear"));
  GtkWidget *hint = gtk_label_new (_("Draw with the mouse, light on dark as the training "
                                   "pictures are; the prediction follows as you draw."));

  self->draw_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->canvas = DS_INSPECT_CANVAS (ds_inspect_canvas_new (28, 28));
  gtk_widget_set_halign (GTK_WIDGET (self->canvas), GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->canvas, "changed", G_CALLBACK (canvas_changed_cb), self);
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (clear_cb), self);
  gtk_widget_set_halign (clear, GTK_ALIGN_CENTER);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (self->draw_box), hint);
  gtk_box_append (GTK_BOX (self->draw_box), GTK_WIDGET (self->canvas));
  gtk_box_append (GTK_BOX (self->draw_box), clear);
  self->draw_why = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->draw_why, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->draw_why), "dim-label");
  gtk_box_append (GTK_BOX (box), self->draw_box);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->draw_why));
  return box;
}

static GtkWidget *
captioned (GtkWidget *picture,
           GtkLabel  *label)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_max_width_chars (label, 18);
  gtk_label_set_justify (label, GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (label));
  return box;
}

GtkWidget *
_ds_inspect_view_build_input (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *pictures = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *sources = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *switcher = gtk_stack_switcher_new ();
  GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open PNG…"));

  self->input_picture = DS_INSPECT_PICTURE (ds_inspect_picture_new (160));
  ds_inspect_picture_set_export_name (self->input_picture, "input");
  self->input_label = GTK_LABEL (gtk_label_new (_("Pick an input below")));
  self->channel_picture = DS_INSPECT_PICTURE (ds_inspect_picture_new (160));
  self->channel_label = GTK_LABEL (gtk_label_new (_("Click a channel to enlarge it here")));
  gtk_widget_add_css_class (GTK_WIDGET (self->channel_label), "dim-label");
  gtk_box_append (GTK_BOX (pictures), captioned (GTK_WIDGET (self->input_picture),
                                                 self->input_label));
  gtk_box_append (GTK_BOX (pictures), captioned (GTK_WIDGET (self->channel_picture),
                                                 self->channel_label));
  gtk_widget_set_halign (pictures, GTK_ALIGN_CENTER);
  self->input_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_vhomogeneous (self->input_stack, FALSE);
  gtk_stack_add_named (self->input_stack, pictures, "picture");
  gtk_stack_add_named (self->input_stack, _ds_inspect_view_build_other_input (self), "other");
  self->conversion_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->conversion_label), "dim-label");
  gtk_label_set_wrap (self->conversion_label, TRUE);
  gtk_label_set_justify (self->conversion_label, GTK_JUSTIFY_CENTER);

  self->prediction_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->prediction_label, 0);
  gtk_label_set_wrap (self->prediction_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->prediction_label), "heading");
  self->bars = DS_INSPECT_BARS (ds_inspect_bars_new ());
  g_signal_connect_swapped (self->activations, "channel-activated",
                            G_CALLBACK (channel_activated_cb), self);

  self->source_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_titled (self->source_stack, build_browse (self), "browse", _("Test Images"));
  gtk_stack_add_titled (self->source_stack, build_draw (self), "draw", _("Draw"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->source_stack);
  g_signal_connect_swapped (open, "clicked", G_CALLBACK (open_png_cb), self);
  gtk_widget_set_hexpand (switcher, TRUE);
  gtk_box_append (GTK_BOX (sources), switcher);
  gtk_box_append (GTK_BOX (sources), open);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->input_stack));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->conversion_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->prediction_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->bars));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  self->sources = sources;
  gtk_box_append (GTK_BOX (box), sources);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->source_stack));
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  return box;
}

/* ---- for the tests -------------------------------------------------------- */

gsize
ds_inspect_view_get_n_predicted (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), 0);
  return self->pred_done;
}

guint
ds_inspect_view_get_n_thumbs (DsInspectView *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), 0);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->thumbs)); c;
       c = gtk_widget_get_next_sibling (c))
    n++;
  return n;
}

void
ds_inspect_view_set_filter (DsInspectView *self,
                            guint          filter)
{
  g_return_if_fail (DS_IS_INSPECT_VIEW (self));
  gtk_drop_down_set_selected (self->filter_drop, filter);
}

guint
ds_inspect_view_get_filter (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), 0);
  return gtk_drop_down_get_selected (self->filter_drop);
}

guint
ds_inspect_view_get_n_shown (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), 0);
  return self->shown->len;
}

const char *
ds_inspect_view_get_canvas_reason (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->canvas_reason;
}
