/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DeepDream page: the model's convolutional layers with a weight each,
 * the octaves and steps, a start image (a PNG at its own size, or a test
 * image upscaled), and the image growing on screen octave by octave while
 * nn_dream runs on a worker thread. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-file-chooser.h"
#include "ds-generate-view-private.h"
#include "ds-jobs.h"

/* ---- the worker and its pictures -------------------------------------------- */

typedef struct
{
  NnModel       *model;
  NnTensor      *image;
  NnDreamConfig  cfg;
  GCancellable  *cancellable;
  DsGenerateView *view;     /* a reference, for the posted pictures */
  double         loss_start[16];
  double         loss_end[16];
  int            last_octave;
} DreamJob;

static void
dream_job_free (DreamJob *job)
{
  nn_model_free (job->model);
  nn_tensor_free (job->image);
  nn_dream_config_clear (&job->cfg);
  g_object_unref (job->cancellable);
  g_object_unref (job->view);
  g_free (job);
}

typedef struct
{
  DsGenerateView *view;
  GCancellable   *cancellable;
  NnTensor       *image;
  int             octave, n_octaves, step, steps;
  double          loss;
} DreamFrame;

static void
show_losses (DsGenerateView *self)
{
  g_autoptr(GString) s = g_string_new (_("Loss per octave:"));

  for (int i = 0; i < self->n_octave_loss; i++)
    g_string_append_printf (s, " %d: %.4g", i + 1, self->octave_loss[i]);
  gtk_label_set_text (self->dream_losses, self->n_octave_loss ? s->str : "");
}

static gboolean
dream_frame_cb (gpointer data)
{
  DreamFrame *f = data;
  DsGenerateView *self = f->view;

  if (!g_cancellable_is_cancelled (f->cancellable) && self->dream_cancellable == f->cancellable)
    {
      g_autofree char *text = NULL;

      g_clear_pointer (&self->dreamed, nn_tensor_free);
      self->dreamed = g_steal_pointer (&f->image);
      self->n_dream_frames++;
      self->octaves_seen = MAX (self->octaves_seen, f->octave + 1);
      if (f->octave < (int) G_N_ELEMENTS (self->octave_loss))
        {
          self->octave_loss[f->octave] = f->loss;
          self->n_octave_loss = MAX (self->n_octave_loss, f->octave + 1);
        }
      text = g_strdup_printf (_("Octave %d of %d, step %d of %d: %d × %d, loss %.4g"),
                              f->octave + 1, f->n_octaves, f->step + 1, f->steps,
                              self->dreamed->shape[2], self->dreamed->shape[1], f->loss);
      gtk_label_set_text (self->dream_status, text);
      show_losses (self);
      gtk_widget_queue_draw (self->dream_area);
    }
  if (f->image)
    nn_tensor_free (f->image);
  g_object_unref (f->cancellable);
  g_object_unref (f->view);
  g_free (f);
  return G_SOURCE_REMOVE;
}

/* Worker thread: posts a copy of the picture at each octave's first step,
 * every fifth step and its last, so the main loop sees it grow. */
static gboolean
dream_progress_cb (int             octave,
                   int             n_octaves,
                   int             step,
                   int             steps,
                   double          loss,
                   const NnTensor *image,
                   gpointer        user_data)
{
  DreamJob *job = user_data;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (octave != job->last_octave || step % 5 == 0 || step == steps - 1)
    {
      DreamFrame *f = g_new0 (DreamFrame, 1);

      job->last_octave = octave;
      f->view = g_object_ref (job->view);
      f->cancellable = g_object_ref (job->cancellable);
      f->image = nn_tensor_copy (image);
      f->octave = octave, f->n_octaves = n_octaves, f->step = step, f->steps = steps;
      f->loss = loss;
      g_idle_add (dream_frame_cb, f);
    }
  return TRUE;
}

static void
dream_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  DreamJob *job = data;
  GError *error = NULL;
  NnTensor *out;

  out = nn_dream (job->model, job->image, &job->cfg, dream_progress_cb, job,
                  job->loss_start, job->loss_end, &error);
  if (out)
    g_task_return_pointer (task, out, (GDestroyNotify) nn_tensor_free);
  else
    g_task_return_error (task, error);
}

static void
set_dreaming (DsGenerateView *self,
              gboolean        dreaming)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->dream_button), !dreaming);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), dreaming);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !dreaming && self->dreamed);
}

static void
dream_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  DsGenerateView *self = DS_GENERATE_VIEW (source);
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  DreamJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  NnTensor *out = g_task_propagate_pointer (G_TASK (result), &error);

  if (cancellable != self->dream_cancellable)
    {
      g_clear_pointer (&out, nn_tensor_free);
      return;
    }
  g_clear_object (&self->dream_cancellable);
  if (out)
    {
      g_autofree char *text = NULL;

      g_clear_pointer (&self->dreamed, nn_tensor_free);
      self->dreamed = out;
      for (int i = 0; i < job->cfg.octaves && i < (int) G_N_ELEMENTS (self->octave_loss); i++)
        self->octave_loss[i] = job->loss_end[i];
      self->n_octave_loss = MIN (job->cfg.octaves, (int) G_N_ELEMENTS (self->octave_loss));
      text = g_strdup_printf (ngettext ("Dreamed: %d × %d, %d octave", "Dreamed: %d × %d, %d octaves",
                                        job->cfg.octaves),
                              out->shape[2], out->shape[1], job->cfg.octaves);
      gtk_label_set_text (self->dream_status, text);
      show_losses (self);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->dreamed)
    {
      /* Stopped within an octave: the picture is that octave's size, and
       * is saved at it. */
      g_autofree char *text = g_strdup_printf (_("Stopped: the picture shows the last step, "
                                                 "at %d × %d"),
                                               (int) self->dreamed->shape[2],
                                               (int) self->dreamed->shape[1]);
      gtk_label_set_text (self->dream_status, text);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    gtk_label_set_text (self->dream_status, _("Stopped: the picture shows the last step"));
  else
    gtk_label_set_text (self->dream_status, error->message);
  set_dreaming (self, FALSE);
  gtk_widget_queue_draw (self->dream_area);
}

void
ds_generate_view_dream (DsGenerateView *self)
{
  DreamJob *job;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (self->model == NULL || self->start == NULL || self->dream_cancellable)
    {
      if (self->start == NULL)
        gtk_label_set_text (self->dream_status,
                            _("Choose a start image first: open a PNG or take a test image"));
      return;
    }
  job = g_new0 (DreamJob, 1);
  nn_dream_config_init (&job->cfg);
  for (guint i = 0; i < self->layer_paths->len; i++)
    if (gtk_check_button_get_active (self->layer_checks->pdata[i]))
      nn_dream_config_add_layer (&job->cfg, self->layer_paths->pdata[i],
                                 gtk_spin_button_get_value (self->layer_spins->pdata[i]));
  if (job->cfg.n_layers == 0)
    {
      gtk_label_set_text (self->dream_status,
                          _("Tick at least one layer: the dream makes its activations grow"));
      nn_dream_config_clear (&job->cfg);
      g_free (job);
      return;
    }
  job->cfg.octaves = gtk_spin_button_get_value_as_int (self->octaves);
  job->cfg.octave_scale = gtk_spin_button_get_value (self->octave_scale);
  job->cfg.steps = gtk_spin_button_get_value_as_int (self->steps);
  job->cfg.step_size = gtk_spin_button_get_value (self->step_size);
  job->cfg.max_loss = gtk_spin_button_get_value (self->max_loss);
  job->model = nn_model_copy (self->model);
  job->image = nn_tensor_copy (self->start);
  job->last_octave = -1;
  self->dream_cancellable = g_cancellable_new ();
  job->cancellable = g_object_ref (self->dream_cancellable);
  job->view = g_object_ref (self);
  self->n_dream_frames = 0;
  self->octaves_seen = 0;
  self->n_octave_loss = 0;
  show_losses (self);
  gtk_label_set_text (self->dream_status, _("Dreaming…"));
  set_dreaming (self, TRUE);

  task = g_task_new (self, self->dream_cancellable, dream_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) dream_job_free);
  ds_jobs_run_in_background (task, dream_thread);
}

void
ds_generate_view_stop_dream (DsGenerateView *self)
{
  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (self->dream_cancellable)
    g_cancellable_cancel (self->dream_cancellable);
}

/* ---- the start image -------------------------------------------------------- */

static void
set_start (DsGenerateView *self,
           NnTensor       *image,
           const char     *label)
{
  g_clear_pointer (&self->start, nn_tensor_free);
  self->start = image;
  g_clear_pointer (&self->dreamed, nn_tensor_free);
  if (image)
    self->dreamed = nn_tensor_copy (image);
  gtk_label_set_text (self->start_label, label ? label : "");
  /* The last dream's status and losses describe a picture that is gone. */
  if (self->dream_cancellable == NULL)
    {
      self->n_octave_loss = 0;
      show_losses (self);
      gtk_label_set_text (self->dream_status,
                          image ? _("Ready: press Dream to start from this image") : "");
    }
  set_dreaming (self, self->dream_cancellable != NULL);
  gtk_widget_queue_draw (self->dream_area);
}

/* The model's input channels, or 0 when its input is not an image. */
static int
model_channels (DsGenerateView *self)
{
  int shape[NN_MAX_DIMS];
  int layer = nn_model_get_input_layer (self->model, 0);
  g_autoptr(NnInspector) in = NULL;
  int ndim, h, w, c;

  (void) layer;
  in = nn_inspector_new (self->model, NULL);
  if (in == NULL)
    return 0;
  ndim = nn_inspector_get_input_shape (in, shape);
  if (ndim != 3 || !_ds_generate_image_geometry (ndim, shape, &h, &w, &c))
    return 0;
  return c;
}

gboolean
ds_generate_view_dream_from_test (DsGenerateView *self,
                                  guint           position)
{
  NnDataset *ds;
  const NnArray *x;
  g_autofree float *small = NULL;
  g_autofree char *label = NULL;
  int h, w, c, side = DS_GENERATE_DREAM_SIDE, cls;
  NnTensor *t;
  guint32 sample;

  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  if (ds == NULL || ds->n_inputs < 1 || position >= ds->n_test || self->model == NULL)
    return FALSE;
  x = ds->inputs[0];
  if (x->ndim != 3 || !_ds_generate_image_geometry (x->ndim, x->shape, &h, &w, &c))
    return FALSE;
  sample = ds->test_idx[position];
  small = g_new (float, (size_t) h * w * c);
  nn_array_gather (x, &sample, 1, small);
  /* Bilinear upscaling to side × side. */
  t = nn_tensor_new (4, (int[]) { 1, side, side, c });
  for (int y = 0; y < side; y++)
    for (int xx = 0; xx < side; xx++)
      {
        double sy = CLAMP ((y + 0.5) * h / side - 0.5, 0, h - 1);
        double sx = CLAMP ((xx + 0.5) * w / side - 0.5, 0, w - 1);
        int y0 = (int) sy, x0 = (int) sx, y1 = MIN (y0 + 1, h - 1), x1 = MIN (x0 + 1, w - 1);
        double fy = sy - y0, fx = sx - x0;

        for (int k = 0; k < c; k++)
          {
            double a = small[((size_t) y0 * w + x0) * c + k];
            double b = small[((size_t) y0 * w + x1) * c + k];
            double d = small[((size_t) y1 * w + x0) * c + k];
            double e = small[((size_t) y1 * w + x1) * c + k];

            t->data[((size_t) y * side + xx) * c + k]
              = (float) ((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
          }
      }
  cls = _ds_generate_test_label (ds, position);
  if (cls >= 0 && ds->class_names && ds->class_names[cls])
    label = g_strdup_printf (_("Test image %u (%s), upscaled to %d × %d"), position,
                             ds->class_names[cls], side, side);
  else
    label = g_strdup_printf (_("Test image %u, upscaled to %d × %d"), position, side, side);
  set_start (self, t, label);
  return TRUE;
}

static void
test_image_cb (DsGenerateView *self)
{
  if (!ds_generate_view_dream_from_test (self, gtk_spin_button_get_value_as_int (self->test_index)))
    gtk_label_set_text (self->start_label,
                        _("No test image of the model's input shape: load the model's dataset in "
                        "the Data view, or open a PNG"));
}

gboolean
ds_generate_view_open_start_png (DsGenerateView *self,
                                 const char     *path,
                                 GError        **error)
{
  int w, h, ch, c = model_channels (self);
  g_autofree guint8 *probe = NULL;
  g_autofree guint8 *px = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *label = NULL;
  NnTensor *t;

  if (c != 1 && c != 3)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("The model's input is not an image of 1 or 3 channels: DeepDream needs a "
                   "convnet on pictures"));
      return FALSE;
    }
  probe = nn_png_read (path, 0, &w, &h, &ch, error);
  if (probe == NULL)
    return FALSE;
  px = nn_png_read_sized (path, h, w, c, NULL, NULL, NULL, error);
  if (px == NULL)
    return FALSE;
  t = nn_tensor_new (4, (int[]) { 1, h, w, c });
  for (size_t i = 0; i < (size_t) h * w * c; i++)
    t->data[i] = px[i] / 255.0f;
  label = g_strdup_printf ("%s, %d × %d", base, w, h);
  set_start (self, t, label);
  return TRUE;
}

static void
png_chosen_cb (GFile    *file,
               gpointer  data)
{
  DsGenerateView *self = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !ds_generate_view_open_start_png (self, path, &error))
    _ds_generate_view_toast (self, error->message);
}

static void
open_png_cb (DsGenerateView *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_suffix (filter, "png");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Open a Start Image"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, filter, png_chosen_cb, self);
}

gboolean
ds_generate_view_save_dream (DsGenerateView *self,
                             const char     *path,
                             GError        **error)
{
  const NnTensor *t;
  int h, w, c;
  g_autofree guint8 *px = NULL;
  float lo = 0, hi = 1;

  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  t = self->dreamed;
  if (t == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("There is no dream to save yet: choose a start image and press Dream"));
      return FALSE;
    }
  h = t->shape[1], w = t->shape[2], c = t->shape[3];
  /* 0..1 clipped, as the CLI writes it. */
  px = g_new (guint8, (size_t) h * w * (c >= 3 ? 3 : 1));
  for (size_t i = 0; i < (size_t) h * w; i++)
    for (int k = 0; k < (c >= 3 ? 3 : 1); k++)
      px[i * (c >= 3 ? 3 : 1) + k]
        = (guint8) CLAMP ((t->data[i * c + k] - lo) / (hi - lo) * 255 + 0.5, 0, 255);
  return nn_png_write (path, px, w, h, c >= 3 ? 3 : 1, error);
}

void
ds_generate_view_save_dream_accept (DsGenerateView *self,
                                    const char     *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (!ds_generate_view_save_dream (self, path, &error))
    {
      _ds_generate_view_toast (self, error->message);
      return;
    }
  text = g_strdup_printf (_("Saved %s"), path);
  _ds_generate_view_toast (self, text);
}

static void
save_chosen_cb (GFile    *file,
                gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    ds_generate_view_save_dream_accept (data, path);
}

static void
save_cb (DsGenerateView *self)
{
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Save the Dream"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), "dream.png", NULL,
                        save_chosen_cb, self);
}

/* ---- drawing ---------------------------------------------------------------- */

static void
draw_dream (cairo_t  *cr,
            int       width,
            int       height,
            gpointer  data)
{
  DsGenerateView *self = data;

  /* In input units, clipped to 0..1 as the CLI writes it: stretching to
   * the dream's own extremes washed the start picture out to grey. */
  if (self->dreamed)
    _ds_generate_draw_tensor (cr, self->dreamed, width, height);
}

static void
dream_area_draw_cb (GtkDrawingArea *area,
                    cairo_t        *cr,
                    int             width,
                    int             height,
                    gpointer        data)
{
  draw_dream (cr, width, height, data);
}

/* ---- the model's layers ----------------------------------------------------- */

static const char *no_conv_text =
  N_("This model has no convolutional layer to dream with: DeepDream makes a Conv2D layer's "
  "activations grow, so build or open a convnet (the Fashion-MNIST convnet sample has some)");

void
_ds_generate_dream_model_changed (DsGenerateView *self)
{
  g_autoptr(NnInspector) in = NULL;
  GtkWidget *child;
  GPtrArray *convs = g_ptr_array_new ();
  int c;

  /* A new model (a live run's snapshot too) keeps the person's choices when
   * its layers are the same. */
  in = self->model ? nn_inspector_new (self->model, NULL) : NULL;
  for (int i = 0; in && i < nn_inspector_get_n_probes (in); i++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, i);

      if (p->conv && p->spatial)
        g_ptr_array_add (convs, p->path);
    }
  gboolean same = convs->len == self->layer_paths->len;
  for (guint i = 0; same && i < convs->len; i++)
    same = g_str_equal (convs->pdata[i], self->layer_paths->pdata[i]);
  if (!same)
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->layer_box))))
        gtk_box_remove (self->layer_box, child);
      g_ptr_array_set_size (self->layer_checks, 0);
      g_ptr_array_set_size (self->layer_spins, 0);
      g_ptr_array_set_size (self->layer_paths, 0);
      for (guint i = 0; i < convs->len; i++)
        {
          GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
          GtkWidget *check = gtk_check_button_new_with_label (convs->pdata[i]);
          GtkWidget *spin = gtk_spin_button_new_with_range (0, 10, 0.1);

          gtk_widget_set_hexpand (check, TRUE);
          gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 2);
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1.0);
          /* The last two convolutional layers, weight 1 each. */
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), i + 2 >= convs->len);
          gtk_box_append (GTK_BOX (row), check);
          gtk_box_append (GTK_BOX (row), spin);
          gtk_box_append (self->layer_box, row);
          g_ptr_array_add (self->layer_checks, check);
          g_ptr_array_add (self->layer_spins, spin);
          g_ptr_array_add (self->layer_paths, g_strdup (convs->pdata[i]));
        }
    }
  g_ptr_array_unref (convs);

  c = self->model ? model_channels (self) : 0;
  if (self->model && self->layer_paths->len == 0)
    gtk_label_set_text (self->dream_why, _(no_conv_text));
  else if (self->model && c != 1 && c != 3)
    gtk_label_set_text (self->dream_why,
                        _("This model's input is not an image of 1 or 3 channels (height, "
                        "width, channels): DeepDream needs a convnet on pictures"));
  else
    gtk_label_set_text (self->dream_why, "");
  gtk_widget_set_visible (GTK_WIDGET (self->dream_why),
                          *gtk_label_get_text (self->dream_why) != '\0');
  gtk_widget_set_sensitive (self->dream_form, !gtk_widget_get_visible (GTK_WIDGET (self->dream_why)));
  if (self->start && self->start->shape[3] != c)
    set_start (self, NULL, "");
  if (self->start == NULL && self->model && self->dataset && c > 0)
    ds_generate_view_dream_from_test (self, gtk_spin_button_get_value_as_int (self->test_index));
}

/* ---- layout ----------------------------------------------------------------- */

static GtkSpinButton *
add_spin (GtkGrid    *grid,
          int         row,
          const char *label,
          double      lo,
          double      hi,
          double      step,
          int         digits,
          double      value)
{
  GtkWidget *l = gtk_label_new (label);
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, step);

  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_grid_attach (grid, l, 0, row, 1, 1);
  gtk_grid_attach (grid, spin, 1, row, 1, 1);
  return GTK_SPIN_BUTTON (spin);
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *l = gtk_label_new (text);

  gtk_widget_add_css_class (l, "heading");
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  return l;
}

GtkWidget *
_ds_generate_dream_build (DsGenerateView *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *start_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open PNG…"));
  GtkWidget *test = gtk_button_new_with_label (_("Test Image"));
  NnDreamConfig d;

  nn_dream_config_init (&d);
  for (GtkWidget *w = left; w; w = NULL)
    {
      gtk_widget_set_margin_start (w, 12);
      gtk_widget_set_margin_end (w, 12);
      gtk_widget_set_margin_top (w, 8);
      gtk_widget_set_margin_bottom (w, 12);
    }
  self->dream_why = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->dream_why, TRUE);
  gtk_label_set_xalign (self->dream_why, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->dream_why), "error");
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->dream_why));

  self->dream_form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_box_append (GTK_BOX (left), self->dream_form);
  gtk_box_append (GTK_BOX (self->dream_form), heading (_("Layers and weights")));
  self->layer_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 4));
  gtk_box_append (GTK_BOX (self->dream_form), GTK_WIDGET (self->layer_box));

  gtk_box_append (GTK_BOX (self->dream_form), heading (_("Octaves and steps")));
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  self->octaves = add_spin (GTK_GRID (grid), 0, _("Octaves"), 1, 8, 1, 0, d.octaves);
  self->octave_scale = add_spin (GTK_GRID (grid), 1, _("Octave scale"), 1.05, 3, 0.05, 2,
                                 d.octave_scale);
  self->steps = add_spin (GTK_GRID (grid), 2, _("Steps per octave"), 1, 500, 1, 0, d.steps);
  self->step_size = add_spin (GTK_GRID (grid), 3, _("Step size"), 0.0005, 1, 0.001, 4,
                              d.step_size);
  self->max_loss = add_spin (GTK_GRID (grid), 4, _("Maximum loss (0: none)"), 0, 1e6, 1, 2,
                             MAX (0, d.max_loss));
  gtk_box_append (GTK_BOX (self->dream_form), grid);

  gtk_box_append (GTK_BOX (self->dream_form), heading (_("Start image")));
  self->test_index = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 1e6, 1));
  gtk_box_append (GTK_BOX (start_row), open);
  gtk_box_append (GTK_BOX (start_row), test);
  gtk_box_append (GTK_BOX (start_row), GTK_WIDGET (self->test_index));
  gtk_box_append (GTK_BOX (self->dream_form), start_row);
  self->start_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->start_label, TRUE);
  gtk_label_set_xalign (self->start_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->start_label), "dim-label");
  gtk_box_append (GTK_BOX (self->dream_form), GTK_WIDGET (self->start_label));

  self->dream_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Dream")));
  gtk_widget_add_css_class (GTK_WIDGET (self->dream_button), "suggested-action");
  self->stop_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Stop")));
  self->save_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Save PNG…")));
  /* Nothing to save until there is a picture. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->dream_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->stop_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->save_button));
  gtk_box_append (GTK_BOX (self->dream_form), buttons);
  g_signal_connect_swapped (open, "clicked", G_CALLBACK (open_png_cb), self);
  g_signal_connect_swapped (test, "clicked", G_CALLBACK (test_image_cb), self);
  g_signal_connect_swapped (self->dream_button, "clicked", G_CALLBACK (ds_generate_view_dream),
                            self);
  g_signal_connect_swapped (self->stop_button, "clicked",
                            G_CALLBACK (ds_generate_view_stop_dream), self);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (save_cb), self);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), left);
  gtk_widget_set_size_request (scroller, 340, -1);

  self->dream_status = GTK_LABEL (gtk_label_new (NULL));
  self->dream_losses = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->dream_losses, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->dream_losses), "dim-label");
  self->dream_area = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (self->dream_area, TRUE);
  gtk_widget_set_vexpand (self->dream_area, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->dream_area), dream_area_draw_cb, self,
                                  NULL);
  for (GtkWidget *w = right; w; w = NULL)
    {
      gtk_widget_set_margin_start (w, 12);
      gtk_widget_set_margin_end (w, 12);
      gtk_widget_set_margin_top (w, 8);
      gtk_widget_set_margin_bottom (w, 12);
    }
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->dream_status));
  gtk_box_append (GTK_BOX (right), self->dream_area);
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->dream_losses));

  gtk_paned_set_start_child (GTK_PANED (paned), scroller);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_end_child (GTK_PANED (paned), right);
  set_dreaming (self, FALSE);
  return paned;
}

void
_ds_generate_dream_dispose (DsGenerateView *self)
{
  if (self->dream_cancellable)
    g_cancellable_cancel (self->dream_cancellable);
  g_clear_object (&self->dream_cancellable);
}

/* ---- for the tests ---------------------------------------------------------- */

const char *
ds_generate_view_get_dream_reason (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->dream_why))
         ? gtk_label_get_text (self->dream_why) : NULL;
}

guint
ds_generate_view_get_n_conv_layers (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), 0);
  return self->layer_paths->len;
}

gboolean
ds_generate_view_is_dreaming (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  return self->dream_cancellable != NULL;
}

guint
ds_generate_view_get_n_dream_frames (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), 0);
  return self->n_dream_frames;
}

int
ds_generate_view_get_octaves_seen (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), 0);
  return self->octaves_seen;
}

const char *
ds_generate_view_get_dream_status (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return gtk_label_get_text (self->dream_status);
}

const NnTensor *
ds_generate_view_get_dreamed (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->dreamed;
}

void
ds_generate_view_set_dream_settings (DsGenerateView *self,
                                     int             octaves,
                                     double          octave_scale,
                                     int             steps,
                                     double          step_size)
{
  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  gtk_spin_button_set_value (self->octaves, octaves);
  gtk_spin_button_set_value (self->octave_scale, octave_scale);
  gtk_spin_button_set_value (self->steps, steps);
  gtk_spin_button_set_value (self->step_size, step_size);
}
