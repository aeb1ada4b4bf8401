/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Style page: neural style transfer (nn-style.h). A content and a
 * style PNG (the two pictures in samples/ until the person opens others),
 * a feature network (the random filters, the document's convnet, or a
 * model file's), the weights of the three losses, the layers, iterations
 * and image size; nn_style_transfer runs on a worker thread and posts
 * copies of the image, which the page draws as it changes. The page's
 * state hangs on the view (g_object_set_data_full). */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>

#include "ds-file-chooser.h"
#include "ds-generate-style.h"
#include "ds-generate-view-private.h"
#include "ds-jobs.h"
#include "ds-util.h"

#define PAGE_KEY      "ds-generate-style-page"
#define RANDOM_SEED   1       /* the random filters: the same network every time */
#define PREVIEW_SIDE  96      /* pixels of the content and style previews */
#define MAX_FRAMES    60      /* pictures posted per run, at most */

enum { NET_RANDOM, NET_DOCUMENT, NET_FILE };

typedef struct
{
  DsGenerateView *view;
  char           *path[2];         /* content, style */
  NnTensor       *preview[2];      /* (1, h, w, 3), longer side PREVIEW_SIDE */
  NnModel        *doc_net;         /* the document's convnet (copy), or NULL */
  NnModel        *file_net;        /* a model file's, or NULL */
  char           *file_net_name;
  GtkDropDown    *net_drop;
  GtkStringList  *net_names;
  guint          *net_kinds;       /* NET_* per row of net_drop */
  guint           n_nets;
  GtkLabel       *net_text, *name_label[2], *status, *losses;
  GtkSpinButton  *content_w, *style_w, *tv_w, *iterations, *side;
  GtkEntry       *style_layers, *content_layer;
  GtkWidget      *start, *stop, *save, *image_area, *preview_area[2];
  GtkProgressBar *progress;
  GtkFileChooserNative *chooser;
  int             choosing;        /* 0 content, 1 style, 2 network */
  GCancellable   *cancellable;     /* the running transfer's, or NULL */
  NnTensor       *image;           /* shown: the latest copy or the result */
  int             iteration;
  guint           n_updates;
  char           *status_text;
  char           *net_sentence;
} StylePage;

static StylePage *
page_of (DsGenerateView *self)
{
  return g_object_get_data (G_OBJECT (self), PAGE_KEY);
}

static void
style_page_free (StylePage *p)
{
  if (p->cancellable)
    g_cancellable_cancel (p->cancellable);
  g_clear_object (&p->cancellable);
  for (int k = 0; k < 2; k++)
    {
      g_free (p->path[k]);
      g_clear_pointer (&p->preview[k], nn_tensor_free);
    }
  g_clear_pointer (&p->doc_net, nn_model_free);
  g_clear_pointer (&p->file_net, nn_model_free);
  g_free (p->file_net_name);
  g_free (p->net_kinds);
  g_clear_pointer (&p->image, nn_tensor_free);
  g_free (p->status_text);
  g_free (p->net_sentence);
  g_free (p);
}

static void
set_status (StylePage  *p,
            const char *text)
{
  g_free (p->status_text);
  p->status_text = g_strdup (text);
  gtk_label_set_text (p->status, text);
}

static void
update_buttons (StylePage *p)
{
  gboolean running = p->cancellable != NULL;

  gtk_widget_set_sensitive (p->start, !running && p->path[0] && p->path[1]);
  gtk_widget_set_sensitive (p->stop, running);
  gtk_widget_set_sensitive (p->save, !running && p->image);
}

/* ---- the feature network ---------------------------------------------------- */

static guint
chosen_kind (StylePage *p)
{
  guint i = gtk_drop_down_get_selected (p->net_drop);

  return i < p->n_nets ? p->net_kinds[i] : NET_RANDOM;
}

static NnModel *
chosen_net (StylePage *p)
{
  switch (chosen_kind (p))
    {
    case NET_DOCUMENT: return p->doc_net;
    case NET_FILE: return p->file_net;
    default: return NULL;
    }
}

/* The sentence under the choice: which network, and why the pictures are
 * not those of the famous examples. */
static void
explain_net (StylePage *p)
{
  guint kind = chosen_kind (p);

  g_free (p->net_sentence);
  if (kind == NET_RANDOM)
    p->net_sentence = g_strdup (
      _("Features from a network of random filters at four scales (32, 32, 64 and 64 "
        "filters, seed 1). The famous examples use VGG-19 trained on millions of photographs, "
        "which cannot be installed here; random filters still carry texture statistics (colours, "
        "strokes, grain), so the style comes through, but objects and shapes guide it less."));
  else
    p->net_sentence = g_strdup_printf (
      _("Features from %s, a convnet trained on its own data. It has learned what tells its "
        "classes apart, not natural photographs as VGG-19 in the famous examples has, so "
        "expect its textures, at its input's channels, rather than painterly strokes."),
      kind == NET_DOCUMENT ? _("the document's model") : p->file_net_name);
  gtk_label_set_text (p->net_text, p->net_sentence);
}

/* The drop-down's rows from the networks at hand, keeping the choice. */
static void
fill_nets (StylePage *p)
{
  guint kind = p->n_nets ? chosen_kind (p) : NET_RANDOM, pick = 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (p->net_names));

  p->n_nets = 0;
  p->net_kinds = g_renew (guint, p->net_kinds, 3);
  gtk_string_list_splice (p->net_names, 0, n, NULL);
  gtk_string_list_append (p->net_names, _("Random filters (4 scales)"));
  p->net_kinds[p->n_nets++] = NET_RANDOM;
  if (p->doc_net)
    {
      gtk_string_list_append (p->net_names, _("The document's model"));
      p->net_kinds[p->n_nets++] = NET_DOCUMENT;
    }
  if (p->file_net)
    {
      gtk_string_list_append (p->net_names, p->file_net_name);
      p->net_kinds[p->n_nets++] = NET_FILE;
    }
  for (guint i = 0; i < p->n_nets; i++)
    if (p->net_kinds[i] == kind)
      pick = i;
  gtk_drop_down_set_selected (p->net_drop, pick);
  explain_net (p);
}

/* m's input channels when it is a convnet on images (1 or 3 channels) with
 * weights, else 0 with why. */
static int
convnet_channels (NnModel *m, GError **error)
{
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };

  if (m == NULL || nn_model_get_n_inputs (m) != 1 || !nn_model_infer (m, NULL)
      || !nn_model_get_shape (m, (NnRef) { nn_model_get_input_layer (m, 0), 0, 0 }, &ndim, shape)
      || ndim != 3 || (shape[2] != 1 && shape[2] != 3))
    {
      g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                           _("Style transfer needs a convolutional network on images of 1 "
                             "(gray) or 3 (RGB) channels"));
      return 0;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                           _("This network has no weights yet: train it first, or use the "
                             "random filters"));
      return 0;
    }
  return shape[2];
}

void
_ds_generate_style_model_changed (DsGenerateView *self)
{
  StylePage *p = page_of (self);
  gboolean had = p->doc_net != NULL;

  g_clear_pointer (&p->doc_net, nn_model_free);
  if (self->model && convnet_channels (self->model, NULL) > 0)
    p->doc_net = nn_model_copy (self->model);
  if (had || p->doc_net)
    fill_nets (p);
}

static void
net_chosen_cb (GFile    *file,
               gpointer  data)
{
  StylePage *p = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = NULL;

  if (path == NULL)
    return;
  m = nn_model_load (path, &error);
  if (m && convnet_channels (m, &error) > 0)
    {
      g_clear_pointer (&p->file_net, nn_model_free);
      p->file_net = g_steal_pointer (&m);
      g_free (p->file_net_name);
      p->file_net_name = g_path_get_basename (path);
      fill_nets (p);
      gtk_drop_down_set_selected (p->net_drop, p->n_nets - 1);
      return;
    }
  _ds_generate_view_toast (p->view, error->message);
}

static void
open_net_cb (StylePage *p)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Model files"));
  gtk_file_filter_add_suffix (filter, "json");
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view), _("Open a Feature Network"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, filter,
                        net_chosen_cb, p);
}

/* ---- the pictures ----------------------------------------------------------- */

static gboolean
open_picture (StylePage   *p,
              const char  *path,
              int          which,
              GError     **error)
{
  NnTensor *t = nn_style_load_png (path, 3, PREVIEW_SIDE, NULL, error);
  g_autofree char *base = NULL;

  if (t == NULL)
    return FALSE;
  g_clear_pointer (&p->preview[which], nn_tensor_free);
  p->preview[which] = t;
  g_free (p->path[which]);
  p->path[which] = g_strdup (path);
  base = g_path_get_basename (path);
  gtk_label_set_text (p->name_label[which], base);
  gtk_widget_queue_draw (p->preview_area[which]);
  update_buttons (p);
  return TRUE;
}

static void
picture_chosen_cb (GFile    *file,
                   gpointer  data)
{
  StylePage *p = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !open_picture (p, path, p->choosing, &error))
    _ds_generate_view_toast (p->view, error->message);
}

static void
choose_picture (StylePage *p,
                int        which)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  p->choosing = which;
  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_suffix (filter, "png");
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view),
                        which == 0 ? _("Open the Content Picture") : _("Open the Style Picture"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, filter,
                        picture_chosen_cb, p);
}

static void open_content_cb (StylePage *p) { choose_picture (p, 0); }
static void open_style_cb (StylePage *p) { choose_picture (p, 1); }

static void
draw_preview_cb (GtkDrawingArea *area,
                 cairo_t        *cr,
                 int             width,
                 int             height,
                 gpointer        data)
{
  StylePage *p = data;
  int which = GTK_WIDGET (area) == p->preview_area[1];

  if (p->preview[which])
    _ds_generate_draw_tensor (cr, p->preview[which], width, height);
}

static void
draw_image_cb (GtkDrawingArea *area,
               cairo_t        *cr,
               int             width,
               int             height,
               gpointer        data)
{
  StylePage *p = data;

  if (p->image)
    _ds_generate_draw_tensor (cr, p->image, width, height);
}

/* ---- the worker ------------------------------------------------------------- */

typedef struct
{
  NnModel        *net;
  NnTensor       *content, *style;
  NnStyleConfig   cfg;
  GCancellable   *cancellable;
  DsGenerateView *view;        /* a reference, for the posted pictures */
  int             every;       /* iterations between posted pictures */
  NnStyleLosses   first, last;
} StyleJob;

static void
style_job_free (StyleJob *job)
{
  nn_model_free (job->net);
  g_clear_pointer (&job->content, nn_tensor_free);
  g_clear_pointer (&job->style, nn_tensor_free);
  nn_style_config_clear (&job->cfg);
  g_object_unref (job->cancellable);
  g_object_unref (job->view);
  g_free (job);
}

typedef struct
{
  DsGenerateView *view;
  GCancellable   *cancellable;
  NnTensor       *image;
  int             iteration, iterations;
  NnStyleLosses   losses;
} StyleFrame;

static void
show_losses (StylePage           *p,
             const NnStyleLosses *l)
{
  g_autofree char *text = g_strdup_printf (_("Style %.4g · content %.4g · total variation "
                                             "%.4g · total %.4g"),
                                           l->style, l->content, l->tv, l->total);

  gtk_label_set_text (p->losses, text);
}

static gboolean
style_frame_cb (gpointer data)
{
  StyleFrame *f = data;
  StylePage *p = page_of (f->view);

  if (p && !g_cancellable_is_cancelled (f->cancellable) && p->cancellable == f->cancellable)
    {
      g_autofree char *text = g_strdup_printf (_("Iteration %d of %d"), f->iteration,
                                               f->iterations);

      g_clear_pointer (&p->image, nn_tensor_free);
      p->image = g_steal_pointer (&f->image);
      p->iteration = f->iteration;
      p->n_updates++;
      gtk_progress_bar_set_fraction (p->progress, (double) f->iteration / f->iterations);
      set_status (p, text);
      show_losses (p, &f->losses);
      gtk_widget_queue_draw (p->image_area);
    }
  g_clear_pointer (&f->image, nn_tensor_free);
  g_object_unref (f->cancellable);
  g_object_unref (f->view);
  g_free (f);
  return G_SOURCE_REMOVE;
}

/* Worker thread: a copy of the image every job->every iterations and at
 * the last, for the main loop to draw; FALSE (stop) once cancelled. */
static gboolean
style_progress_cb (int                  iteration,
                   int                  iterations,
                   const NnStyleLosses *losses,
                   const NnTensor      *image,
                   gpointer             data)
{
  StyleJob *job = data;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (iteration % job->every == 0 || iteration == 1 || iteration == iterations)
    {
      StyleFrame *f = g_new0 (StyleFrame, 1);

      f->view = g_object_ref (job->view);
      f->cancellable = g_object_ref (job->cancellable);
      f->image = nn_tensor_copy (image);
      f->iteration = iteration, f->iterations = iterations;
      f->losses = *losses;
      g_idle_add (style_frame_cb, f);
    }
  return TRUE;
}

static void
style_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  StyleJob *job = data;
  GError *error = NULL;
  NnTensor *out = nn_style_transfer (job->net, job->content, job->style, &job->cfg,
                                     style_progress_cb, job, &job->first, &job->last, &error);

  if (out)
    g_task_return_pointer (task, out, (GDestroyNotify) nn_tensor_free);
  else
    g_task_return_error (task, error);
}

static void
style_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  StylePage *p = page_of (DS_GENERATE_VIEW (source));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  StyleJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  NnTensor *out = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *text = NULL;

  if (p == NULL || cancellable != p->cancellable)
    {
      g_clear_pointer (&out, nn_tensor_free);
      return;
    }
  g_clear_object (&p->cancellable);
  if (out)
    {
      g_clear_pointer (&p->image, nn_tensor_free);
      p->image = out;
      p->iteration = job->cfg.iterations;
      gtk_progress_bar_set_fraction (p->progress, 1);
      text = g_strdup_printf (_("Done: %d iterations; the style loss went from %.4g to %.4g"),
                              job->cfg.iterations, job->first.style, job->last.style);
      set_status (p, text);
      show_losses (p, &job->last);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      text = g_strdup_printf (_("Stopped at iteration %d: the image shows it"), p->iteration);
      set_status (p, text);
    }
  else
    set_status (p, error->message);
  update_buttons (p);
  gtk_widget_queue_draw (p->image_area);
}

/* The job's settings from the page: FALSE with why in the status. */
static gboolean
read_settings (StylePage *p,
               StyleJob  *job)
{
  g_autofree char *layers = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                         p->style_layers))));
  g_autofree char *content = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                          p->content_layer))));

  nn_style_config_init (&job->cfg);
  job->cfg.content_weight = gtk_spin_button_get_value (p->content_w);
  job->cfg.style_weight = gtk_spin_button_get_value (p->style_w);
  job->cfg.tv_weight = gtk_spin_button_get_value (p->tv_w);
  job->cfg.iterations = gtk_spin_button_get_value_as_int (p->iterations);
  if (*layers)
    {
      nn_style_config_set_styles (&job->cfg, layers);
      if (job->cfg.n_style == 0)
        return FALSE;
    }
  if (*content)
    job->cfg.content_layer = g_steal_pointer (&content);
  job->every = MAX (1, job->cfg.iterations / MAX_FRAMES);
  return TRUE;
}

/* The network, content and style of the job: FALSE with why. */
static gboolean
prepare_job (StylePage  *p,
             StyleJob   *job,
             GError    **error)
{
  NnModel *net = chosen_net (p);
  int side = gtk_spin_button_get_value_as_int (p->side);
  int channels = net ? convnet_channels (net, error) : 3;

  if (channels == 0)
    return FALSE;
  job->net = net ? nn_model_copy (net) : nn_style_random_filters (3, RANDOM_SEED, error);
  if (job->net == NULL)
    return FALSE;
  job->content = nn_style_load_png (p->path[0], channels, side, NULL, error);
  if (job->content == NULL)
    return FALSE;
  job->style = nn_style_load_png (p->path[1], channels, side, NULL, error);
  return job->style != NULL;
}

static void
start_cb (StylePage *p)
{
  StyleJob *job;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  if (p->cancellable || !p->path[0] || !p->path[1])
    return;
  job = g_new0 (StyleJob, 1);
  job->view = g_object_ref (p->view);
  job->cancellable = g_cancellable_new ();
  if (!read_settings (p, job))
    {
      set_status (p, _("Name the style layers separated by commas, or leave the field empty "
                       "for every convolution"));
      style_job_free (job);
      return;
    }
  if (!prepare_job (p, job, &error))
    {
      set_status (p, error->message);
      style_job_free (job);
      return;
    }
  p->cancellable = g_object_ref (job->cancellable);
  p->iteration = 0;
  p->n_updates = 0;
  g_clear_pointer (&p->image, nn_tensor_free);
  p->image = nn_tensor_copy (job->content);
  gtk_progress_bar_set_fraction (p->progress, 0);
  set_status (p, _("Preparing the features of the content and the style…"));
  update_buttons (p);
  gtk_widget_queue_draw (p->image_area);
  task = g_task_new (p->view, p->cancellable, style_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) style_job_free);
  ds_jobs_run_in_background (task, style_thread);
}

static void
stop_cb (StylePage *p)
{
  if (p->cancellable)
    g_cancellable_cancel (p->cancellable);
}

/* ---- saving ----------------------------------------------------------------- */

static gboolean
save_image (StylePage   *p,
            const char  *path,
            GError     **error)
{
  const NnTensor *t = p->image;
  g_autofree guint8 *px = NULL;

  if (t == NULL)
    {
      g_set_error_literal (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           _("There is no image to save yet: press Start"));
      return FALSE;
    }
  px = g_new (guint8, t->size);
  for (size_t i = 0; i < t->size; i++)
    px[i] = (guint8) CLAMP (lround (t->data[i] * 255.0), 0, 255);
  return nn_png_write (path, px, t->shape[2], t->shape[1], t->shape[3], error);
}

static void
save_chosen_cb (GFile    *file,
                gpointer  data)
{
  StylePage *p = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (path == NULL)
    return;
  if (!save_image (p, path, &error))
    {
      _ds_generate_view_toast (p->view, error->message);
      return;
    }
  text = g_strdup_printf (_("Saved %s"), path);
  _ds_generate_view_toast (p->view, text);
}

static void
save_cb (StylePage *p)
{
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view), _("Save the Image"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), "style.png", NULL,
                        save_chosen_cb, p);
}

/* ---- the page --------------------------------------------------------------- */

static GtkWidget *
button (const char *label,
        GCallback   cb,
        StylePage  *p)
{
  GtkWidget *b = gtk_button_new_with_label (label);

  g_signal_connect_swapped (b, "clicked", cb, p);
  return b;
}

static GtkSpinButton *
spin (GtkGrid    *grid,
      int         row,
      int         col,
      const char *label,
      double      lo,
      double      hi,
      double      step,
      double      value,
      int         digits)
{
  GtkWidget *s = gtk_spin_button_new_with_range (lo, hi, step);
  GtkWidget *l = gtk_label_new (label);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (s), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (s), value);
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_grid_attach (grid, l, col, row, 1, 1);
  gtk_grid_attach (grid, s, col + 1, row, 1, 1);
  return GTK_SPIN_BUTTON (s);
}

static GtkWidget *
area (GtkDrawingAreaDrawFunc draw,
      StylePage             *p,
      int                    side)
{
  GtkWidget *a = gtk_drawing_area_new ();

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (a), draw, p, NULL);
  gtk_widget_set_size_request (a, side, side);
  gtk_widget_add_css_class (a, "card");
  return a;
}

/* A picture's column: its title, preview, file name and Open…. */
static GtkWidget *
picture_column (StylePage  *p,
                int         which,
                const char *title,
                GCallback   open)
{
  GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *head = gtk_label_new (title);

  gtk_widget_add_css_class (head, "heading");
  gtk_box_append (GTK_BOX (col), head);
  p->preview_area[which] = area (draw_preview_cb, p, PREVIEW_SIDE);
  gtk_box_append (GTK_BOX (col), p->preview_area[which]);
  p->name_label[which] = GTK_LABEL (gtk_label_new (_("none")));
  gtk_label_set_ellipsize (p->name_label[which], PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (p->name_label[which], 18);
  gtk_widget_add_css_class (GTK_WIDGET (p->name_label[which]), "dim-label");
  gtk_box_append (GTK_BOX (col), GTK_WIDGET (p->name_label[which]));
  gtk_box_append (GTK_BOX (col), button (_("Open…"), open, p));
  return col;
}

static GtkWidget *
build_network_row (StylePage *p)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_append (GTK_BOX (row), gtk_label_new (_("Feature network")));
  p->net_names = gtk_string_list_new (NULL);
  p->net_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (p->net_names), NULL));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (p->net_drop));
  gtk_box_append (GTK_BOX (row), button (_("Open Network…"), G_CALLBACK (open_net_cb), p));
  g_signal_connect_swapped (p->net_drop, "notify::selected", G_CALLBACK (explain_net), p);
  return row;
}

static GtkWidget *
build_settings (StylePage *p)
{
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  GtkWidget *l;

  gtk_grid_set_row_spacing (grid, 4);
  gtk_grid_set_column_spacing (grid, 6);
  p->content_w = spin (grid, 0, 0, _("Content weight"), 0, 1e6, 0.1, 1, 2);
  p->style_w = spin (grid, 1, 0, _("Style weight"), 0, 1e12, 1e5, 1e6, 0);
  p->tv_w = spin (grid, 2, 0, _("Total variation weight"), 0, 100, 1e-4, 1e-4, 5);
  p->iterations = spin (grid, 0, 2, _("Iterations"), 1, 100000, 10, 200, 0);
  p->side = spin (grid, 1, 2, _("Image size (px)"), 16, 1024, 16, 128, 0);
  l = gtk_label_new (_("Style layers"));
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_grid_attach (grid, l, 0, 3, 1, 1);
  p->style_layers = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (p->style_layers, _("every convolution"));
  gtk_grid_attach (grid, GTK_WIDGET (p->style_layers), 1, 3, 1, 1);
  l = gtk_label_new (_("Content layer"));
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_grid_attach (grid, l, 2, 3, 1, 1);
  p->content_layer = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (p->content_layer, _("the last style layer"));
  gtk_grid_attach (grid, GTK_WIDGET (p->content_layer), 3, 3, 1, 1);
  return GTK_WIDGET (grid);
}

static GtkWidget *
build_actions (StylePage *p)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  p->start = button (_("Start"), G_CALLBACK (start_cb), p);
  gtk_widget_add_css_class (p->start, "suggested-action");
  p->stop = button (_("Stop"), G_CALLBACK (stop_cb), p);
  p->save = button (_("Save PNG…"), G_CALLBACK (save_cb), p);
  p->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (p->progress), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (p->progress), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), p->start);
  gtk_box_append (GTK_BOX (row), p->stop);
  gtk_box_append (GTK_BOX (row), p->save);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (p->progress));
  return row;
}

static GtkLabel *
wrapped_label (GtkWidget  *box,
               const char *css)
{
  GtkLabel *l = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_xalign (l, 0);
  gtk_label_set_wrap (l, TRUE);
  if (css)
    gtk_widget_add_css_class (GTK_WIDGET (l), css);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (l));
  return l;
}

static void
open_default_pictures (StylePage *p)
{
  g_autofree char *dir = ds_dup_samples_dir ();
  g_autofree char *c = g_build_filename (dir, "style_content.png", NULL);
  g_autofree char *s = g_build_filename (dir, "style_brushes.png", NULL);

  if (!open_picture (p, c, 0, NULL) || !open_picture (p, s, 1, NULL))
    set_status (p, _("Open a content picture and a style picture"));
  else
    set_status (p, _("Press Start: the image begins as the content picture and takes on the "
                     "style's textures"));
}

GtkWidget *
_ds_generate_style_build (DsGenerateView *self)
{
  StylePage *p = g_new0 (StylePage, 1);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *panes = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *pictures = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  p->view = self;
  g_object_set_data_full (G_OBJECT (self), PAGE_KEY, p, (GDestroyNotify) style_page_free);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_bottom (page, 12);
  gtk_box_append (GTK_BOX (pictures), picture_column (p, 0, _("Content"),
                                                      G_CALLBACK (open_content_cb)));
  gtk_box_append (GTK_BOX (pictures), picture_column (p, 1, _("Style"),
                                                      G_CALLBACK (open_style_cb)));
  gtk_box_append (GTK_BOX (side), pictures);
  gtk_box_append (GTK_BOX (side), build_network_row (p));
  p->net_text = wrapped_label (side, "dim-label");
  gtk_label_set_max_width_chars (p->net_text, 60);
  gtk_box_append (GTK_BOX (side), build_settings (p));
  gtk_box_append (GTK_BOX (side), build_actions (p));
  p->losses = wrapped_label (side, NULL);
  p->status = wrapped_label (side, "dim-label");
  gtk_box_append (GTK_BOX (panes), side);
  p->image_area = area (draw_image_cb, p, 320);
  gtk_widget_set_hexpand (p->image_area, TRUE);
  gtk_widget_set_vexpand (p->image_area, TRUE);
  gtk_box_append (GTK_BOX (panes), p->image_area);
  gtk_box_append (GTK_BOX (page), panes);
  fill_nets (p);
  open_default_pictures (p);
  update_buttons (p);
  return page;
}

void
_ds_generate_style_dispose (DsGenerateView *self)
{
  StylePage *p = page_of (self);

  if (p)
    {
      stop_cb (p);
      ds_file_chooser_clear (&p->chooser);
    }
}

/* ---- for the tests ---------------------------------------------------------- */

gboolean
ds_generate_view_style_open (DsGenerateView *self, const char *path, gboolean is_content,
                             GError **error)
{
  return open_picture (page_of (self), path, is_content ? 0 : 1, error);
}

void
ds_generate_view_style_start (DsGenerateView *self, int iterations, int side)
{
  StylePage *p = page_of (self);

  gtk_spin_button_set_value (p->iterations, iterations);
  gtk_spin_button_set_value (p->side, side);
  start_cb (p);
}

void ds_generate_view_style_stop (DsGenerateView *self) { stop_cb (page_of (self)); }
gboolean ds_generate_view_style_is_running (DsGenerateView *self) { return page_of (self)->cancellable != NULL; }
int ds_generate_view_style_get_iteration (DsGenerateView *self) { return page_of (self)->iteration; }
guint ds_generate_view_style_get_n_updates (DsGenerateView *self) { return page_of (self)->n_updates; }
const NnTensor *ds_generate_view_style_get_image (DsGenerateView *self) { return page_of (self)->image; }
const char *ds_generate_view_style_get_status (DsGenerateView *self) { return page_of (self)->status_text; }
const char *ds_generate_view_style_get_network_text (DsGenerateView *self) { return page_of (self)->net_sentence; }

gboolean
ds_generate_view_style_save (DsGenerateView *self, const char *path, GError **error)
{
  return save_image (page_of (self), path, error);
}
