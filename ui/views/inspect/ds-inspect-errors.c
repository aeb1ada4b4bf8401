/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The errors page: the confusion matrix of the test split, the examples of
 * a cell, and the most confidently wrong examples with their Grad-CAM. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-inspect-draw.h"
#include "ds-inspect-errors.h"
#include "ds-inspect-panels-private.h"
#include "ds-jobs.h"

#define N_MOST_WRONG 24
#define MAX_CELL_EXAMPLES 60
#define THUMB 76

/* One thumbnail: a test sample, its picture and, for the gallery, its
 * Grad-CAM. */
typedef struct
{
  DsInspectErrors *page;     /* borrowed: the page outlives its thumbnails */
  gsize            position; /* in the confusion's per-sample arrays = in the test split */
  cairo_surface_t *image;
  cairo_surface_t *overlay;
} Example;

typedef struct
{
  NnModel      *model;
  DsDataset    *dataset;
  guint         generation;
  gint          permille;    /* progress, atomic */
  NnConfusion  *result;
} ConfusionJob;

typedef struct
{
  NnInspector  *inspector;
  DsDataset    *dataset;
  guint         generation;
  size_t        n;
  guint32      *index;       /* dataset indices */
  NnTensor    **maps;        /* n, NULL where Grad-CAM failed */
} OverlayJob;

struct _DsInspectErrors
{
  GtkWidget         parent_instance;

  /* Widgets */
  GtkWidget        *box;
  GtkWidget        *compute_button;
  GtkWidget        *cancel_button;
  GtkProgressBar   *progress;
  GtkLabel         *message;
  GtkWidget        *matrix;
  GtkLabel         *cell_label;
  GtkFlowBox       *examples;
  GtkLabel         *gallery_label;
  GtkFlowBox       *gallery;

  /* Owned */
  DsInspectSubject *subject;
  NnConfusion      *confusion;       /* shown */
  DsDataset        *dataset;         /* the shown confusion's */
  guint             generation;      /* the shown confusion's */
  GCancellable     *cancellable;
  ConfusionJob     *job;
  OverlayJob       *overlay_job;
  guint             poll_id;
  int               selected_truth, selected_predicted;
  int               n_overlays;
  gboolean          dirty;
};

G_DEFINE_FINAL_TYPE (DsInspectErrors, ds_inspect_errors, GTK_TYPE_WIDGET)

static void start_job (DsInspectErrors *self);

static void
confusion_job_free (ConfusionJob *job)
{
  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  g_clear_pointer (&job->result, nn_confusion_free);
  g_free (job);
}

static void
overlay_job_free (OverlayJob *job)
{
  g_clear_pointer (&job->inspector, nn_inspector_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  if (job->maps)
    nn_tensors_free (job->maps, (int) job->n);
  g_free (job->index);
  g_free (job);
}

static void
example_free (Example *ex)
{
  g_clear_pointer (&ex->image, cairo_surface_destroy);
  g_clear_pointer (&ex->overlay, cairo_surface_destroy);
  g_free (ex);
}

static void
set_message (DsInspectErrors *self,
             const char      *text)
{
  gtk_label_set_text (self->message, text ? text : "");
}

/* ---- the confusion job ---------------------------------------------------- */

static gboolean
confusion_progress_cb (int             step,
                       int             steps,
                       const NnTensor *images,
                       gpointer        data)
{
  GTask *task = data;
  ConfusionJob *job = g_task_get_task_data (task);

  g_atomic_int_set (&job->permille, (int) (1000.0 * step / MAX (steps, 1)));
  return !g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

static void
confusion_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ConfusionJob *job = task_data;
  GError *error = NULL;

  job->result = nn_confusion_compute (job->model, ds_dataset_get (job->dataset), NULL, 0,
                                      confusion_progress_cb, task, &error);
  if (job->result && !g_cancellable_is_cancelled (cancellable))
    g_task_return_boolean (task, TRUE);
  else if (g_task_return_error_if_cancelled (task))
    g_clear_error (&error);
  else
    g_task_return_error (task, error);
}

/* ---- thumbnails ----------------------------------------------------------- */

/* The picture of dataset sample `index` (NULL when its input is no image). */
static cairo_surface_t *
sample_surface (DsDataset *dataset,
                guint32    index,
                float    **values)
{
  NnArray *a = ds_dataset_get (dataset)->inputs[0];
  g_autofree float *buf = g_new (float, a->sample_size);
  int h, w, c;

  nn_array_gather (a, &index, 1, buf);
  if (values)
    *values = g_memdup2 (buf, sizeof (float) * a->sample_size);
  if (!ds_inspect_image_geometry (a->ndim, a->shape, &h, &w, &c))
    return NULL;
  return ds_inspect_image_surface (buf, h, w, c, 0, 0);
}

static void
draw_example (cairo_t  *cr,
              int       width,
              int       height,
              gpointer  data)
{
  Example *ex = data;
  double side = MIN (width, height);

  if (ex->image)
    ds_inspect_paint_surface (cr, ex->image, (width - side) / 2, (height - side) / 2, side, side, FALSE);
  if (ex->overlay)
    ds_inspect_paint_surface (cr, ex->overlay, (width - side) / 2, (height - side) / 2, side, side, TRUE);
}

static void
example_clicked_cb (DsInspectDrawing *picture,
                    double            x,
                    double            y,
                    Example          *ex)
{
  /* A sample opened here is the one everything else looks at next. */
  ds_inspect_subject_open_test_sample (ex->page->subject, ex->position);
}

static void
text_example_clicked_cb (GtkButton       *button,
                         DsInspectErrors *self)
{
  gsize position = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "ds-position"));

  ds_inspect_subject_open_test_sample (self->subject, position);
}

/* A text's example: the start of its text, as a button that opens it. */
static GtkWidget *
text_example_new (DsInspectErrors *self,
                  gsize            position,
                  const char      *text,
                  const char      *tip)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 22);
  gtk_label_set_width_chars (GTK_LABEL (label), 22);
  gtk_label_set_lines (GTK_LABEL (label), 4);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption");
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_widget_set_size_request (button, -1, THUMB);
  gtk_widget_set_tooltip_text (button, tip);
  g_object_set_data (G_OBJECT (button), "ds-position", GSIZE_TO_POINTER (position));
  g_signal_connect (button, "clicked", G_CALLBACK (text_example_clicked_cb), self);
  return button;
}

/* An image's example: its picture (and later its Grad-CAM), clickable. */
static GtkWidget *
image_example_new (DsInspectErrors *self,
                   gsize            position,
                   const char      *tip,
                   Example        **out)
{
  Example *ex = g_new0 (Example, 1);
  GtkWidget *picture = ds_inspect_drawing_new (draw_example, ex);
  g_autofree char *name = g_strdup_printf ("test-%u", (guint) position);

  ex->page = self;
  ex->position = position;
  ex->image = sample_surface (self->dataset, self->confusion->index[position], NULL);
  g_object_set_data_full (G_OBJECT (picture), "ds-example", ex, (GDestroyNotify) example_free);
  ds_inspect_drawing_set_size (DS_INSPECT_DRAWING (picture), THUMB, THUMB);
  /* A flow box hands out minimum heights: thumbnails keep their size. */
  gtk_widget_set_size_request (picture, THUMB, THUMB);
  ds_inspect_drawing_set_export_name (DS_INSPECT_DRAWING (picture), name);
  gtk_widget_set_tooltip_text (picture, tip);
  gtk_widget_set_cursor_from_name (picture, "pointer");
  g_signal_connect (picture, "clicked", G_CALLBACK (example_clicked_cb), ex);
  *out = ex;
  return picture;
}

static GtkWidget *
example_new (DsInspectErrors *self,
             gsize            position,
             const char      *caption,
             Example        **out)
{
  const NnConfusion *c = self->confusion;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autofree char *truth = ds_inspect_subject_dup_class_name (self->subject, c->truth[position]);
  g_autofree char *predicted = ds_inspect_subject_dup_class_name (self->subject, c->predicted[position]);
  /* A text has no picture to draw: its words instead. */
  g_autofree char *text = ds_inspect_subject_dup_sample_text (self->subject, c->index[position],
                                                              100);
  g_autofree char *tip = g_strdup_printf (_("Test %s %u: true %s, predicted %s (%.0f %%). Click to inspect it."),
                                          text ? "text" : "image", (guint) position, truth,
                                          predicted, 100.0 * c->confidence[position]);
  Example *ex = NULL;
  GtkWidget *picture = text ? text_example_new (self, position, g_strdelimit (text, "\n\t", ' '),
                                                tip)
                            : image_example_new (self, position, tip, &ex);

  gtk_box_append (GTK_BOX (box), picture);
  if (caption)
    {
      GtkWidget *label = gtk_label_new (caption);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), label);
    }
  if (out)
    *out = ex;
  return box;
}

static void
flow_box_clear (GtkFlowBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))))
    gtk_flow_box_remove (box, child);
}

/* What the test split holds: "texts" for a text dataset, else "images"
 * ("text", "image" for one). */
static const char *
noun_of (DsInspectErrors *self,
         gboolean         plural)
{
  DsDataset *ds = ds_inspect_subject_get_dataset (self->subject);
  gboolean text = ds && ds_dataset_get (ds)->vocab;

  return text ? (plural ? "texts" : "text") : (plural ? "images" : "image");
}


/* The cell's examples, in test-split order. */
static void
show_cell (DsInspectErrors *self,
           int              truth,
           int              predicted)
{
  const NnConfusion *c = self->confusion;
  g_autofree size_t *positions = NULL;
  g_autofree char *t = NULL, *p = NULL, *text = NULL;
  size_t n, total;

  flow_box_clear (self->examples);
  self->selected_truth = truth;
  self->selected_predicted = predicted;
  gtk_widget_queue_draw (self->matrix);
  if (c == NULL || truth < 0)
    {
      gtk_label_set_text (self->cell_label, _("Click a cell of the matrix to see its examples."));
      return;
    }
  total = c->counts[truth * c->n_classes + predicted];
  positions = g_new (size_t, MAX (total, 1));
  n = nn_confusion_cell (c, truth, predicted, positions, MIN (total, MAX_CELL_EXAMPLES));
  t = ds_inspect_subject_dup_class_name (self->subject, truth);
  p = ds_inspect_subject_dup_class_name (self->subject, predicted);
  if (total == 0)
    text = g_strdup_printf (_("No test %s of %s was predicted as %s."), noun_of (self, FALSE), t, p);
  else if (n < total)
    text = g_strdup_printf (_("True %s, predicted %s: the first %zu of %zu test %s. Click one to inspect it."),
                            t, p, n, total, noun_of (self, TRUE));
  else
    text = g_strdup_printf (g_dngettext (NULL, "True %s, predicted %s: %zu test %s. Click it to inspect it.",
                                         "True %s, predicted %s: %zu test %s. Click one to inspect it.", n),
                            t, p, n, noun_of (self, n != 1));
  gtk_label_set_text (self->cell_label, text);
  for (size_t i = 0; i < n; i++)
    gtk_flow_box_append (self->examples, example_new (self, positions[i], NULL, NULL));
}

/* ---- the Grad-CAM overlays of the gallery --------------------------------- */

static gboolean
map_is_zero (const NnTensor *map)
{
  for (size_t i = 0; i < map->size; i++)
    if (map->data[i] != 0)
      return FALSE;
  return TRUE;
}

static void
overlay_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OverlayJob *job = task_data;
  NnArray *a = ds_dataset_get (job->dataset)->inputs[0];
  int shape[NN_MAX_DIMS + 1];
  int ndim = nn_inspector_get_input_shape (job->inspector, shape + 1);
  g_autoptr(NnTensor) input = NULL;

  shape[0] = 1;
  input = nn_tensor_new (ndim + 1, shape);
  job->maps = g_new0 (NnTensor *, MAX (job->n, 1));
  for (size_t i = 0; i < job->n; i++)
    {
      NnExplainConfig cfg;
      GError *error = NULL;

      if (g_task_return_error_if_cancelled (task))
        return;
      if (input->size != a->sample_size)
        break;
      nn_array_gather (a, &job->index[i], 1, input->data);
      nn_explain_config_init (&cfg);
      /* Where the model saw its (wrong) answer: at the last image-like
       * layer, or, when its map is zero everywhere (common before a
       * Flatten and Dense head), at the nearest earlier one that has a
       * map. */
      for (int p = nn_inspector_default_cam_probe (job->inspector); p >= 0; p--)
        {
          const NnProbe *probe = nn_inspector_get_probe (job->inspector, p);

          if (!probe->spatial || g_str_equal (probe->layer_type, "Input"))
            continue;
          cfg.probe = p;
          g_clear_pointer (&job->maps[i], nn_tensor_free);
          job->maps[i] = nn_inspector_explain (job->inspector, input, &cfg, NULL, NULL, &error);
          g_clear_error (&error);
          if (job->maps[i] == NULL || !map_is_zero (job->maps[i]))
            break;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
overlay_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  DsInspectErrors *self = DS_INSPECT_ERRORS (source);
  OverlayJob *job = g_task_get_task_data (G_TASK (result));
  gboolean ok = g_task_propagate_boolean (G_TASK (result), NULL);
  size_t i = 0;

  if (self->overlay_job != job)
    {
      overlay_job_free (job);
      return;
    }
  self->overlay_job = NULL;
  if (ok && job->generation == self->generation)
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->gallery));
         child && i < job->n; child = gtk_widget_get_next_sibling (child), i++)
      {
        GtkWidget *box = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
        GtkWidget *picture = gtk_widget_get_first_child (box);
        Example *ex = g_object_get_data (G_OBJECT (picture), "ds-example");
        NnTensor *map = job->maps[i];

        if (ex == NULL || map == NULL)
          continue;
        ex->overlay = ds_inspect_heat_surface (map->data, map->shape[0], map->shape[1],
                                               DS_INSPECT_SCALE_HEAT, 0, 1, 0.45);
        self->n_overlays++;
        gtk_widget_queue_draw (picture);
      }
  overlay_job_free (job);
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
}

static void
start_overlays (DsInspectErrors *self,
                const size_t    *positions,
                size_t           n)
{
  g_autoptr(GTask) task = NULL;
  OverlayJob *job;
  NnInspector *inspector;

  if (n == 0 || (inspector = ds_inspect_subject_new_inspector (self->subject, NULL)) == NULL)
    return;
  if (nn_inspector_default_cam_probe (inspector) < 0)
    {
      gtk_label_set_text (self->gallery_label,
                          g_str_equal (noun_of (self, TRUE), "texts")
                          ? _("The most confidently wrong test texts. Click one to inspect it.")
                          : _("The most confidently wrong test images (no Grad-CAM: the model has no layer whose output is still an image). Click one to inspect it."));
      nn_inspector_free (inspector);
      return;
    }
  job = g_new0 (OverlayJob, 1);
  job->inspector = inspector;
  job->dataset = ds_dataset_ref (self->dataset);
  job->generation = self->generation;
  job->n = n;
  job->index = g_new (guint32, n);
  for (size_t i = 0; i < n; i++)
    job->index[i] = self->confusion->index[positions[i]];
  self->overlay_job = job;
  task = g_task_new (self, self->cancellable, overlay_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  ds_jobs_run_in_background (task, overlay_thread);
}

static void
show_gallery (DsInspectErrors *self)
{
  const NnConfusion *c = self->confusion;
  size_t positions[N_MOST_WRONG];
  size_t n = nn_confusion_most_wrong (c, positions, N_MOST_WRONG);

  flow_box_clear (self->gallery);
  self->n_overlays = 0;
  gtk_label_set_text (self->gallery_label,
                      n ? _("The most confidently wrong test images, with where the model looked for its answer (Grad-CAM at the last image-like layer that has a map). Click one to inspect it.")
                        : _("No test image is wrong."));
  for (size_t i = 0; i < n; i++)
    {
      size_t pos = positions[i];
      g_autofree char *t = ds_inspect_subject_dup_class_name (self->subject, c->truth[pos]);
      g_autofree char *p = ds_inspect_subject_dup_class_name (self->subject, c->predicted[pos]);
      g_autofree char *caption = g_strdup_printf (_("true: %s, predicted: %s (%.0f %%)"), t, p,
                                                  100.0 * c->confidence[pos]);

      gtk_flow_box_append (self->gallery, example_new (self, pos, caption, NULL));
    }
  start_overlays (self, positions, n);
}

/* ---- the matrix ----------------------------------------------------------- */

typedef struct
{
  double x0, y0, cell, label_w, header_h;
} Layout;

static void
matrix_layout (DsInspectErrors *self,
               int              width,
               int              height,
               Layout          *l)
{
  int k = self->confusion ? self->confusion->n_classes : 1;
  const double stats_w = 118, footer = 22;

  l->label_w = 96;
  l->header_h = 84;
  l->cell = MIN ((width - l->label_w - stats_w) / k, (height - l->header_h - footer) / k);
  l->cell = MAX (l->cell, 4);
  l->x0 = l->label_w;
  l->y0 = l->header_h;
}

static void
show_text (cairo_t    *cr,
           const char *text,
           double      x,
           double      y,
           double      align)
{
  cairo_text_extents_t e;

  cairo_text_extents (cr, text, &e);
  cairo_move_to (cr, x - align * e.x_advance, y);
  cairo_show_text (cr, text);
}

static void
draw_labels (DsInspectErrors *self,
             cairo_t         *cr,
             const Layout    *l,
             const GdkRGBA   *fg)
{
  const NnConfusion *c = self->confusion;
  int k = c->n_classes;

  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, MIN (11, MAX (7, l->cell * 0.42)));
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  for (int i = 0; i < k; i++)
    {
      g_autofree char *name = ds_inspect_subject_dup_class_name (self->subject, i);

      show_text (cr, name, l->x0 - 6, l->y0 + (i + 0.5) * l->cell + 4, 1);
      cairo_save (cr);
      cairo_move_to (cr, l->x0 + (i + 0.5) * l->cell + 4, l->y0 - 6);
      cairo_rotate (cr, -G_PI / 2);
      cairo_show_text (cr, name);
      cairo_restore (cr);
    }
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 11);
  show_text (cr, _("Predicted →"), l->x0, 14, 0);
  show_text (cr, _("True ↓"), l->x0 - 6, l->y0 - 6, 1);
  show_text (cr, _("Precision"), l->x0 + k * l->cell + 54, l->y0 - 6, 1);
  show_text (cr, _("Recall"), l->x0 + k * l->cell + 108, l->y0 - 6, 1);
}

static void
draw_cells (DsInspectErrors *self,
            cairo_t         *cr,
            const Layout    *l,
            const GdkRGBA   *fg)
{
  const NnConfusion *c = self->confusion;
  int k = c->n_classes;
  double blue[3];

  ds_colors_class_rgb (0, blue);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, MIN (11, MAX (6, l->cell * 0.36)));
  for (int t = 0; t < k; t++)
    {
      guint64 row = 0;
      char text[32];

      for (int p = 0; p < k; p++)
        row += c->counts[t * k + p];
      for (int p = 0; p < k; p++)
        {
          guint32 n = c->counts[t * k + p];
          /* The share of the row, square-rooted so that a few mistakes
           * still show against the diagonal. */
          double share = row ? sqrt ((double) n / row) : 0;
          guint32 px = ds_colors_over_white (blue, 0.05 + 0.95 * share);
          double x = l->x0 + p * l->cell, y = l->y0 + t * l->cell;

          cairo_set_source_rgb (cr, ((px >> 16) & 0xff) / 255.0, ((px >> 8) & 0xff) / 255.0,
                                (px & 0xff) / 255.0);
          cairo_rectangle (cr, x, y, l->cell - 1, l->cell - 1);
          cairo_fill (cr);
          if (l->cell >= 18)
            {
              g_snprintf (text, sizeof text, "%u", n);
              if (share > 0.6)
                cairo_set_source_rgb (cr, 1, 1, 1);
              else
                cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
              show_text (cr, text, x + l->cell / 2, y + l->cell / 2 + 4, 0.5);
            }
        }
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      g_snprintf (text, sizeof text, isnan (c->precision[t]) ? "–" : "%.1f %%", 100 * c->precision[t]);
      show_text (cr, text, l->x0 + k * l->cell + 54, l->y0 + (t + 0.5) * l->cell + 4, 1);
      g_snprintf (text, sizeof text, isnan (c->recall[t]) ? "–" : "%.1f %%", 100 * c->recall[t]);
      show_text (cr, text, l->x0 + k * l->cell + 108, l->y0 + (t + 0.5) * l->cell + 4, 1);
    }
}

static void
draw_matrix (cairo_t  *cr,
             int       width,
             int       height,
             gpointer  data)
{
  DsInspectErrors *self = data;
  const NnConfusion *c = self->confusion;
  g_autofree char *footer = NULL;
  Layout l;
  GdkRGBA fg;

  if (c == NULL || c->n_classes == 0)
    return;
  ds_inspect_text_color (self->matrix, &fg);
  matrix_layout (self, width, height, &l);
  draw_labels (self, cr, &l, &fg);
  draw_cells (self, cr, &l, &fg);
  if (self->selected_truth >= 0)
    {
      cairo_set_source_rgb (cr, 0.9, 0.38, 0);
      cairo_set_line_width (cr, 2.5);
      cairo_rectangle (cr, l.x0 + self->selected_predicted * l.cell - 1,
                       l.y0 + self->selected_truth * l.cell - 1, l.cell + 1, l.cell + 1);
      cairo_stroke (cr);
    }
  footer = g_strdup_printf (_("Accuracy %.2f %% on %zu test %s"), 100 * c->accuracy, c->n, noun_of (self, TRUE));
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 11);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
  show_text (cr, footer, l.x0, l.y0 + c->n_classes * l.cell + 16, 0);
}

static void
matrix_clicked_cb (DsInspectErrors *self,
                   double           x,
                   double           y)
{
  Layout l;
  int t, p, k;

  if (self->confusion == NULL)
    return;
  k = self->confusion->n_classes;
  matrix_layout (self, gtk_widget_get_width (self->matrix), gtk_widget_get_height (self->matrix), &l);
  t = (int) floor ((y - l.y0) / l.cell);
  p = (int) floor ((x - l.x0) / l.cell);
  if (t >= 0 && t < k && p >= 0 && p < k)
    show_cell (self, t, p);
}

/* ---- the job's life ------------------------------------------------------- */

static void
stop_polling (DsInspectErrors *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_sensitive (self->compute_button, TRUE);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  DsInspectErrors *self = DS_INSPECT_ERRORS (source);
  ConfusionJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_autofree char *text = NULL;

  if (self->job != job)
    {
      confusion_job_free (job);
      return;
    }
  self->job = NULL;
  stop_polling (self);
  if (ok && job->generation == ds_inspect_subject_get_generation (self->subject))
    {
      g_clear_pointer (&self->confusion, nn_confusion_free);
      g_clear_pointer (&self->dataset, ds_dataset_unref);
      self->confusion = g_steal_pointer (&job->result);
      self->dataset = ds_dataset_ref (job->dataset);
      self->generation = job->generation;
      text = g_strdup_printf (_("Accuracy %.2f %% on the %zu %s of the test split. Rows: the true class; columns: the predicted one. Click a cell to see its examples."),
                              100 * self->confusion->accuracy, self->confusion->n, noun_of (self, TRUE));
      set_message (self, text);
      gtk_widget_queue_draw (self->matrix);
      show_cell (self, -1, -1);
      show_gallery (self);
    }
  else if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_message (self, self->dirty ? NULL : _("Stopped: Compute starts again"));
  else if (!ok)
    {
      text = g_strdup_printf (_("The confusion matrix could not be computed: %s"), error->message);
      set_message (self, text);
    }
  else
    self->dirty = TRUE;
  confusion_job_free (job);
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
}

static gboolean
poll_cb (gpointer data)
{
  DsInspectErrors *self = data;

  if (self->job)
    gtk_progress_bar_set_fraction (self->progress, g_atomic_int_get (&self->job->permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

/* Says why there is nothing to compute, or returns FALSE. */
static gboolean
explain_nothing (DsInspectErrors *self)
{
  DsDataset *ds = ds_inspect_subject_get_dataset (self->subject);
  NnModel *m = ds_inspect_subject_get_model (self->subject);

  if (m == NULL)
    set_message (self, ds_inspect_subject_get_model_text (self->subject));
  else if (ds == NULL)
    set_message (self, _("There is no dataset to test the model on: choose the one it was trained on in the Data view."));
  else if (ds_dataset_get (ds)->n_test == 0)
    set_message (self, _("The dataset has no test split: the confusion matrix counts the model’s answers on the test images."));
  else if (ds_dataset_get (ds)->n_classes == 0)
    set_message (self, _("The dataset’s target is a value, not a class (a regression): there is no confusion matrix to draw."));
  else
    return FALSE;
  return TRUE;
}

static void
clear_shown (DsInspectErrors *self)
{
  g_clear_pointer (&self->confusion, nn_confusion_free);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  show_cell (self, -1, -1);
  flow_box_clear (self->gallery);
  gtk_label_set_text (self->gallery_label, "");
  gtk_widget_queue_draw (self->matrix);
}

static void
start_job (DsInspectErrors *self)
{
  g_autoptr(GTask) task = NULL;
  ConfusionJob *job;

  self->dirty = FALSE;
  if (self->job || self->overlay_job)
    {
      /* One at a time: the next starts when this one has ended. */
      g_cancellable_cancel (self->cancellable);
      self->dirty = TRUE;
      return;
    }
  if (explain_nothing (self))
    {
      clear_shown (self);
      return;
    }
  job = g_new0 (ConfusionJob, 1);
  job->model = nn_model_copy (ds_inspect_subject_get_model (self->subject));
  job->dataset = ds_dataset_ref (ds_inspect_subject_get_dataset (self->subject));
  job->generation = ds_inspect_subject_get_generation (self->subject);
  self->job = job;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), TRUE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_sensitive (self->compute_button, FALSE);
  set_message (self, _("Testing the model on the test split…"));
  self->poll_id = g_timeout_add (100, poll_cb, self);
  task = g_task_new (self, self->cancellable, job_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  ds_jobs_run_in_background (task, confusion_thread);
}

static void
request (DsInspectErrors *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
  else
    self->dirty = TRUE;
}

static void
names_changed_cb (DsInspectErrors *self)
{
  /* Class names come from the dataset; a new dataset also means a new
   * test split. */
  request (self);
}

static void
cancel_clicked_cb (DsInspectErrors *self)
{
  self->dirty = FALSE;
  g_cancellable_cancel (self->cancellable);
}

static void
ds_inspect_errors_map (GtkWidget *widget)
{
  DsInspectErrors *self = DS_INSPECT_ERRORS (widget);

  GTK_WIDGET_CLASS (ds_inspect_errors_parent_class)->map (widget);
  if (self->dirty)
    start_job (self);
}

static void
ds_inspect_errors_unmap (GtkWidget *widget)
{
  DsInspectErrors *self = DS_INSPECT_ERRORS (widget);

  if (self->job || self->overlay_job)
    {
      g_cancellable_cancel (self->cancellable);
      self->dirty = TRUE;
    }
  GTK_WIDGET_CLASS (ds_inspect_errors_parent_class)->unmap (widget);
}

static void
ds_inspect_errors_dispose (GObject *object)
{
  DsInspectErrors *self = DS_INSPECT_ERRORS (object);

  g_cancellable_cancel (self->cancellable);
  /* Running jobs free themselves when they end. */
  self->job = NULL;
  self->overlay_job = NULL;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  if (self->subject)
    g_signal_handlers_disconnect_by_data (self->subject, self);
  g_clear_object (&self->subject);
  g_clear_pointer (&self->confusion, nn_confusion_free);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ds_inspect_errors_parent_class)->dispose (object);
}

static void
ds_inspect_errors_class_init (DsInspectErrorsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_inspect_errors_dispose;
  widget_class->map = ds_inspect_errors_map;
  widget_class->unmap = ds_inspect_errors_unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspecterrors");
}

static GtkFlowBox *
new_flow_box (int max_per_line)
{
  GtkFlowBox *box = GTK_FLOW_BOX (gtk_flow_box_new ());

  gtk_flow_box_set_selection_mode (box, GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (box, TRUE);
  gtk_flow_box_set_max_children_per_line (box, max_per_line);
  gtk_flow_box_set_row_spacing (box, 4);
  gtk_flow_box_set_column_spacing (box, 4);
  gtk_widget_set_valign (GTK_WIDGET (box), GTK_ALIGN_START);
  return box;
}

static GtkWidget *
scrolled (GtkFlowBox *box)
{
  GtkWidget *sw = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), GTK_WIDGET (box));
  gtk_widget_set_vexpand (sw, TRUE);
  gtk_widget_set_hexpand (sw, TRUE);
  return sw;
}

static GtkLabel *
new_label (void)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_xalign (label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
  return label;
}

static void
ds_inspect_errors_init (DsInspectErrors *self)
{
  GtkWidget *bar, *top, *side, *pane;

  self->selected_truth = self->selected_predicted = -1;
  self->cancellable = g_cancellable_new ();
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  ds_inspect_page_margins (self->box);

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->box), bar);
  self->compute_button = gtk_button_new_with_mnemonic (_("_Compute"));
  gtk_widget_set_tooltip_text (self->compute_button, _("Test the model on every image of the test split again"));
  g_signal_connect_swapped (self->compute_button, "clicked", G_CALLBACK (start_job), self);
  gtk_box_append (GTK_BOX (bar), self->compute_button);
  self->cancel_button = gtk_button_new_with_mnemonic (_("C_ancel"));
  gtk_widget_set_visible (self->cancel_button, FALSE);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), self->cancel_button);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (GTK_WIDGET (self->progress), 160, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->progress));
  self->message = new_label ();
  gtk_widget_set_hexpand (GTK_WIDGET (self->message), TRUE);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->message));

  pane = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_vexpand (pane, TRUE);
  gtk_box_append (GTK_BOX (self->box), pane);
  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_paned_set_start_child (GTK_PANED (pane), top);
  gtk_paned_set_resize_start_child (GTK_PANED (pane), TRUE);
  /* The matrix first: the gallery scrolls. */
  gtk_paned_set_position (GTK_PANED (pane), 440);
  self->matrix = ds_inspect_drawing_new (draw_matrix, self);
  ds_inspect_drawing_set_size (DS_INSPECT_DRAWING (self->matrix), 520, 420);
  ds_inspect_drawing_set_export_name (DS_INSPECT_DRAWING (self->matrix), "confusion-matrix");
  gtk_widget_set_tooltip_text (self->matrix, _("Click a cell to list its test images; right-click to export"));
  gtk_widget_set_cursor_from_name (self->matrix, "pointer");
  g_signal_connect_swapped (self->matrix, "clicked", G_CALLBACK (matrix_clicked_cb), self);
  gtk_box_append (GTK_BOX (top), self->matrix);
  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (side, TRUE);
  gtk_box_append (GTK_BOX (top), side);
  self->cell_label = new_label ();
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->cell_label));
  self->examples = new_flow_box (12);
  gtk_box_append (GTK_BOX (side), scrolled (self->examples));

  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_paned_set_end_child (GTK_PANED (pane), side);
  self->gallery_label = new_label ();
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->gallery_label));
  self->gallery = new_flow_box (12);
  gtk_box_append (GTK_BOX (side), scrolled (self->gallery));
  show_cell (self, -1, -1);
}

GtkWidget *
ds_inspect_errors_new (DsInspectSubject *subject)
{
  DsInspectErrors *self;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (subject), NULL);

  self = g_object_new (DS_TYPE_INSPECT_ERRORS, NULL);
  self->subject = g_object_ref (subject);
  g_signal_connect_swapped (subject, "model-changed", G_CALLBACK (request), self);
  g_signal_connect_swapped (subject, "dataset-changed", G_CALLBACK (names_changed_cb), self);
  self->dirty = TRUE;
  if (explain_nothing (self))
    self->dirty = FALSE;
  return GTK_WIDGET (self);
}

/* ---- private (tests) ------------------------------------------------------ */

gboolean
ds_inspect_errors_is_busy (DsInspectErrors *self)
{
  return self->job != NULL || self->dirty;
}

const NnConfusion *
ds_inspect_errors_get_confusion (DsInspectErrors *self)
{
  return self->confusion;
}

GtkWidget *
ds_inspect_errors_get_matrix (DsInspectErrors *self)
{
  return self->matrix;
}

gboolean
ds_inspect_errors_cell_point (DsInspectErrors *self,
                              int              truth,
                              int              predicted,
                              double          *x,
                              double          *y)
{
  Layout l;

  if (self->confusion == NULL)
    return FALSE;
  matrix_layout (self, gtk_widget_get_width (self->matrix), gtk_widget_get_height (self->matrix), &l);
  *x = l.x0 + (predicted + 0.5) * l.cell;
  *y = l.y0 + (truth + 0.5) * l.cell;
  return TRUE;
}

GtkFlowBox *
ds_inspect_errors_get_examples (DsInspectErrors *self)
{
  return self->examples;
}

GtkFlowBox *
ds_inspect_errors_get_gallery (DsInspectErrors *self)
{
  return self->gallery;
}

GtkLabel *
ds_inspect_errors_get_message (DsInspectErrors *self)
{
  return self->message;
}

int
ds_inspect_errors_get_n_overlays (DsInspectErrors *self)
{
  return self->n_overlays;
}
