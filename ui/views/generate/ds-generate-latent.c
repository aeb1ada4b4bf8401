/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Latent page: a variational autoencoder's latent plane. A worker
 * thread encodes test samples (their means) and decodes the n × n grid of
 * the plane in one batch; beside the grid, the codes as a scatter coloured
 * by class, on which a drag decodes the point under the pointer (a decoder
 * compiled once, for a few points, on the main thread: one forward pass a
 * motion event); a walk between two encoded images with a slider, played
 * or exported as a strip; a concept vector (the mean code of one class
 * minus another's) added to an image's code with a slider. With more than
 * two latent dimensions, two are walked and the others stay at image A's
 * code. Each new snapshot of a live run is encoded and decoded again. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-generate-latent-private.h"


/* ---- decoding on the main thread ---------------------------------------------- */

static NnTensor *
new_image (DsGenerateLatent *l,
           int               n)
{
  int out[NN_MAX_DIMS], shape[NN_MAX_DIMS] = { n };
  int ndim = MIN (nn_vae_decoder_get_output_shape (l->decoder, out), NN_MAX_DIMS - 1);

  memcpy (shape + 1, out, sizeof (int) * (size_t) ndim);
  return nn_tensor_new (ndim + 1, shape);
}

/* Decodes one latent point into *img (made when missing). */
static void
decode_one (DsGenerateLatent *l,
            const float      *z,
            NnTensor        **img)
{
  if (l->decoder == NULL)
    return;
  if (*img == NULL)
    *img = new_image (l, 1);
  nn_vae_decoder_run (l->decoder, z, 1, (*img)->data);
}

static const float *
code_of (DsGenerateLatent *l,
         int               i)
{
  if (l->codes == NULL || i < 0 || i >= l->codes->shape[0])
    return NULL;
  return l->codes->data + (size_t) i * l->latent_dim;
}

static void
update_walk (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);
  const float *a = code_of (l, gtk_spin_button_get_value_as_int (l->walk_a));
  const float *b = code_of (l, gtk_spin_button_get_value_as_int (l->walk_b));
  double t = gtk_range_get_value (GTK_RANGE (l->slider));

  if (a == NULL || b == NULL || l->decoder == NULL)
    return;
  for (int k = 0; k < l->latent_dim; k++)
    l->z[k] = t >= 1 ? b[k] : (float) ((1 - t) * a[k] + t * b[k]);
  decode_one (l, l->z, &l->walk_img);
  gtk_widget_queue_draw (l->walk_area);
}

static void
update_strip (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);
  const float *a = code_of (l, gtk_spin_button_get_value_as_int (l->walk_a));
  const float *b = code_of (l, gtk_spin_button_get_value_as_int (l->walk_b));
  g_autoptr(NnTensor) z = NULL;

  g_clear_pointer (&l->strip, nn_tensor_free);
  if (a && b && l->decoder)
    {
      z = nn_vae_interpolate (a, b, l->latent_dim, DS_LATENT_STRIP);
      l->strip = nn_vae_decoder_decode (l->decoder, z, NULL);
    }
  gtk_widget_queue_draw (l->strip_area);
}

static void
update_concept (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);
  const float *a = code_of (l, gtk_spin_button_get_value_as_int (l->walk_a));
  double alpha = gtk_range_get_value (GTK_RANGE (l->alpha));
  g_autoptr(GError) error = NULL;
  guint ca = gtk_drop_down_get_selected (l->class_a), cb = gtk_drop_down_get_selected (l->class_b);

  l->has_concept = FALSE;
  if (l->codes && ca != GTK_INVALID_LIST_POSITION && cb != GTK_INVALID_LIST_POSITION
      && (int) ca < l->n_classes && (int) cb < l->n_classes)
    l->has_concept = nn_vae_concept_vector (l->codes, l->labels, (int) ca, (int) cb,
                                            l->concept_v, &error);
  if (l->has_concept && a && l->decoder)
    {
      g_autofree char *text = NULL;
      double norm = 0;

      for (int k = 0; k < l->latent_dim; k++)
        {
          l->z[k] = a[k] + (float) alpha * l->concept_v[k];
          norm += (double) l->concept_v[k] * l->concept_v[k];
        }
      decode_one (l, l->z, &l->concept_img);
      text = g_strdup_printf (_("Image A + %.2f × (mean of %s − mean of %s); |v| = %.3g"), alpha,
                              l->class_names[ca], l->class_names[cb], sqrt (norm));
      gtk_label_set_text (l->concept_label, text);
    }
  else
    {
      g_clear_pointer (&l->concept_img, nn_tensor_free);
      gtk_label_set_text (l->concept_label,
                          error ? error->message
                          : l->n_classes < 2 ? _("Concept vectors need a dataset with classes")
                          : l->codes == NULL ? _("Compute the plane first: a concept vector is "
                                                 "made from the encoded test images")
                          : _("Pick two classes"));
    }
  gtk_widget_queue_draw (l->concept_area);
  gtk_widget_queue_draw (l->scatter);
}

static void
update_base (DsGenerateLatent *l)
{
  const float *a = code_of (l, gtk_spin_button_get_value_as_int (l->walk_a));

  /* The dims not walked stay at image A's code (zero before any code). */
  for (int k = 0; k < l->latent_dim; k++)
    l->base[k] = a ? a[k] : 0.0f;
}

void
ds_generate_view_latent_drag_to (DsGenerateView *self,
                                 double          x,
                                 double          y)
{
  DsGenerateLatent *l;
  double cx, cy, half, extent;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  l = lat (self);
  if (l->decoder == NULL)
    return;
  _ds_latent_plane_geometry (l, gtk_widget_get_width (l->scatter), gtk_widget_get_height (l->scatter), &cx,
                  &cy, &half, &extent);
  l->point_x = CLAMP ((x - cx) / half, -1, 1) * extent;
  l->point_y = CLAMP ((cy - y) / half, -1, 1) * extent;
  memcpy (l->z, l->base, sizeof (float) * (size_t) l->latent_dim);
  l->z[l->d1] = (float) l->point_x;
  l->z[l->d2] = (float) l->point_y;
  decode_one (l, l->z, &l->point_img);
  l->has_point = TRUE;
  gtk_widget_queue_draw (l->scatter);
  gtk_widget_queue_draw (l->point_area);
}

static void
drag_begin_cb (GtkGestureDrag *drag,
               double          x,
               double          y,
               DsGenerateView *self)
{
  lat (self)->drag_x = x;
  lat (self)->drag_y = y;
  lat (self)->dragging = TRUE;
  ds_generate_view_latent_drag_to (self, x, y);
}

/* After the drag the point keeps its ring; its decoding stays in the
 * "Dragged point" picture, no longer over the scatter. */
static void
drag_end_cb (GtkGestureDrag *drag,
             double          dx,
             double          dy,
             DsGenerateView *self)
{
  lat (self)->dragging = FALSE;
  gtk_widget_queue_draw (lat (self)->scatter);
}

static void
drag_update_cb (GtkGestureDrag *drag,
                double          dx,
                double          dy,
                DsGenerateView *self)
{
  ds_generate_view_latent_drag_to (self, lat (self)->drag_x + dx, lat (self)->drag_y + dy);
}

/* ---- the worker ----------------------------------------------------------------- */

typedef struct
{
  NnModel        *model;
  NnTensor       *inputs;      /* (n, input...) to encode, or NULL to keep the codes */
  int             grid_side;
  double          range;
  int             d1, d2;
  int             base_index;  /* the code the other dims stay at, or -1 */
  float          *base;        /* latent_dim, when the codes are kept */
  guint           generation;
  DsGenerateView *view;
  GCancellable   *cancellable;
  /* Results */
  NnVaeParts      parts;
  NnTensor       *codes;
  NnTensor       *grid;
  NnVaeDecoder   *decoder;
} LatentJob;

static void
latent_job_free (LatentJob *job)
{
  nn_model_free (job->model);
  nn_tensor_free (job->inputs);
  g_free (job->base);
  nn_tensor_free (job->codes);
  nn_tensor_free (job->grid);
  nn_vae_decoder_free (job->decoder);
  g_object_unref (job->view);
  g_object_unref (job->cancellable);
  g_free (job);
}

typedef struct
{
  DsGenerateView *view;
  GCancellable   *cancellable;
  double          fraction;
} LatentProgress;

static gboolean
progress_idle (gpointer data)
{
  LatentProgress *p = data;
  DsGenerateLatent *l = lat (p->view);

  if (l && l->cancellable == p->cancellable)
    gtk_progress_bar_set_fraction (l->progress, p->fraction);
  g_object_unref (p->view);
  g_object_unref (p->cancellable);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
post_progress (LatentJob *job,
               double     fraction)
{
  LatentProgress *p = g_new0 (LatentProgress, 1);

  p->view = g_object_ref (job->view);
  p->cancellable = g_object_ref (job->cancellable);
  p->fraction = fraction;
  g_idle_add (progress_idle, p);
}

#define ENCODE_CHUNK 256

static void
latent_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  LatentJob *job = data;
  GError *error = NULL;
  int dim;

  if (!nn_model_find_vae (job->model, &job->parts, &error))
    goto fail;
  dim = job->parts.latent_dim;
  if (job->inputs)
    {
      int n = job->inputs->shape[0];
      size_t per = job->inputs->size / (size_t) n;
      int cshape[2] = { n, dim };

      job->codes = nn_tensor_new (2, cshape);
      for (int i = 0; i < n; i += ENCODE_CHUNK)
        {
          int b = MIN (ENCODE_CHUNK, n - i);
          int shape[NN_MAX_DIMS];
          g_autoptr(NnTensor) chunk = NULL;
          g_autoptr(NnTensor) mu = NULL;

          memcpy (shape, job->inputs->shape, sizeof shape);
          shape[0] = b;
          chunk = nn_tensor_new (job->inputs->ndim, shape);
          memcpy (chunk->data, job->inputs->data + (size_t) i * per, sizeof (float) * per * b);
          mu = nn_vae_encode (job->model, &job->parts, chunk, &error);
          if (mu == NULL)
            goto fail;
          memcpy (job->codes->data + (size_t) i * dim, mu->data, sizeof (float) * b * dim);
          if (g_cancellable_set_error_if_cancelled (cancellable, &error))
            goto fail;
          post_progress (job, 0.7 * (i + b) / n);
        }
      g_clear_pointer (&job->base, g_free);
      job->base = g_new0 (float, dim);
      if (job->base_index >= 0 && job->base_index < n)
        memcpy (job->base, job->codes->data + (size_t) job->base_index * dim,
                sizeof (float) * dim);
    }
  if (job->base == NULL)
    job->base = g_new0 (float, dim);
  {
    g_autoptr(NnVaeDecoder) big = nn_vae_decoder_new (job->model, &job->parts,
                                                      job->grid_side * job->grid_side, &error);

    if (big == NULL)
      goto fail;
    if (g_cancellable_set_error_if_cancelled (cancellable, &error))
      goto fail;
    job->grid = nn_vae_decode_grid (big, job->grid_side, job->range, job->d1, job->d2,
                                    job->base, &error);
    if (job->grid == NULL)
      goto fail;
  }
  post_progress (job, 0.95);
  job->decoder = nn_vae_decoder_new (job->model, &job->parts, DS_LATENT_STRIP, &error);
  if (job->decoder == NULL)
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_task_return_error (task, error);
}

static void
set_busy (DsGenerateLatent *l,
          gboolean          on)
{
  gtk_widget_set_sensitive (GTK_WIDGET (l->cancel_button), on);
  gtk_widget_set_visible (GTK_WIDGET (l->progress), on);
  gtk_widget_set_sensitive (GTK_WIDGET (l->export_button), l->grid != NULL);
}

static void
set_codes_range (DsGenerateLatent *l)
{
  int n = l->codes ? l->codes->shape[0] : 0;
  gboolean first = gtk_spin_button_get_value_as_int (l->walk_a)
                   == gtk_spin_button_get_value_as_int (l->walk_b);

  gtk_spin_button_set_range (l->walk_a, 0, MAX (0, n - 1));
  gtk_spin_button_set_range (l->walk_b, 0, MAX (0, n - 1));
  /* A walk from an image to itself shows nothing: start with two apart. */
  if (first && n > 1)
    gtk_spin_button_set_value (l->walk_b, n / 2 + 1);
}

static void
latent_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  DsGenerateView *self = DS_GENERATE_VIEW (source);
  DsGenerateLatent *l = lat (self);
  LatentJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int oshape[NN_MAX_DIMS], ondim;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (l == NULL || job->cancellable != l->cancellable)
    return;
  g_clear_object (&l->cancellable);
  if (error)
    {
      set_busy (l, FALSE);
      gtk_label_set_text (l->status, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                     ? _("Cancelled") : error->message);
      return;
    }
  l->parts = job->parts;
  l->latent_dim = job->parts.latent_dim;
  g_clear_pointer (&l->decoder, nn_vae_decoder_free);
  l->decoder = g_steal_pointer (&job->decoder);
  ondim = nn_vae_decoder_get_output_shape (l->decoder, oshape);
  if (!_ds_generate_image_geometry (ondim, oshape, &l->out_h, &l->out_w, &l->out_c))
    l->out_h = l->out_w = 1, l->out_c = 1;
  l->per_out = (size_t) l->out_h * l->out_w * l->out_c;
  g_clear_pointer (&l->grid, nn_tensor_free);
  l->grid = g_steal_pointer (&job->grid);
  l->grid_side = job->grid_side;
  l->grid_range = job->range;
  l->d1 = job->d1;
  l->d2 = job->d2;
  if (job->codes)
    {
      g_clear_pointer (&l->codes, nn_tensor_free);
      l->codes = g_steal_pointer (&job->codes);
      l->codes_generation = job->generation;
    }
  g_free (l->base);
  l->base = g_steal_pointer (&job->base);
  g_free (l->z);
  l->z = g_new0 (float, l->latent_dim);
  g_free (l->concept_v);
  l->concept_v = g_new0 (float, l->latent_dim);
  /* Pictures of the old weights go; the new ones follow. */
  g_clear_pointer (&l->point_img, nn_tensor_free);
  g_clear_pointer (&l->walk_img, nn_tensor_free);
  g_clear_pointer (&l->concept_img, nn_tensor_free);
  set_codes_range (l);
  if (l->has_point)
    {
      memcpy (l->z, l->base, sizeof (float) * (size_t) l->latent_dim);
      l->z[l->d1] = (float) l->point_x;
      l->z[l->d2] = (float) l->point_y;
      decode_one (l, l->z, &l->point_img);
    }
  update_walk (self);
  update_strip (self);
  update_concept (self);
  set_busy (l, FALSE);
  text = g_strdup_printf (_("%d × %d grid over ±%.3g; %d test images encoded; latent size %d"),
                          l->grid_side, l->grid_side, l->grid_range,
                          l->codes ? l->codes->shape[0] : 0, l->latent_dim);
  gtk_label_set_text (l->status, text);
  gtk_widget_queue_draw (l->grid_area);
  gtk_widget_queue_draw (l->scatter);
  gtk_widget_queue_draw (l->point_area);
}

static void
fill_classes (DsGenerateLatent *l,
              int               n_classes,
              const char *const *names)
{
  guint old = g_list_model_get_n_items (G_LIST_MODEL (l->class_list));
  guint sa = gtk_drop_down_get_selected (l->class_a), sb = gtk_drop_down_get_selected (l->class_b);
  gboolean same = n_classes == l->n_classes;

  g_strfreev (l->class_names);
  l->class_names = g_new0 (char *, n_classes + 1);
  for (int c = 0; c < n_classes; c++)
    l->class_names[c] = names && names[c] ? g_strdup (names[c]) : g_strdup_printf (_("Class %d"), c);
  l->n_classes = n_classes;
  if (same && old == (guint) n_classes)
    return;
  gtk_string_list_splice (l->class_list, 0, old, (const char *const *) l->class_names);
  if (n_classes >= 2)
    {
      /* The book's example on Fashion-MNIST: shirt → dress (6 and 3). */
      gboolean fashion = n_classes == 10;

      gtk_drop_down_set_selected (l->class_a, same && sa < (guint) n_classes ? sa : fashion ? 3 : 1);
      gtk_drop_down_set_selected (l->class_b, same && sb < (guint) n_classes ? sb : fashion ? 6 : 0);
    }
}

void
ds_generate_view_latent_compute (DsGenerateView *self)
{
  DsGenerateLatent *l;
  NnDataset *ds;
  g_autoptr(GTask) task = NULL;
  LatentJob *job;
  gboolean encode;
  int dim;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  l = lat (self);
  if (self->model == NULL || l->reason != NULL)
    return;
  if (l->cancellable)
    {
      g_cancellable_cancel (l->cancellable);
      g_clear_object (&l->cancellable);
    }
  ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  job = g_new0 (LatentJob, 1);
  job->model = nn_model_copy (self->model);
  job->grid_side = gtk_spin_button_get_value_as_int (l->grid_n);
  job->range = gtk_spin_button_get_value (l->range);
  dim = l->latent_dim;
  job->d1 = MIN ((int) gtk_drop_down_get_selected (l->dim_x), dim - 1);
  job->d2 = MIN ((int) gtk_drop_down_get_selected (l->dim_y), dim - 1);
  if (dim >= 2 && job->d1 == job->d2)
    job->d2 = (job->d1 + 1) % dim;
  job->base_index = gtk_spin_button_get_value_as_int (l->walk_a);
  job->generation = self->generation;
  encode = l->codes == NULL || l->codes_generation != self->generation
           || l->codes->shape[0] != MIN (gtk_spin_button_get_value_as_int (l->n_samples),
                                         ds ? (int) ds->n_test : 0);
  if (encode && ds && ds->n_inputs >= 1 && ds->n_test >= 1 && dim > 0)
    {
      const NnArray *x = ds->inputs[0];
      int n = MIN (gtk_spin_button_get_value_as_int (l->n_samples), (int) ds->n_test);
      int shape[NN_MAX_DIMS] = { n };
      int k = 0;
      const char *const *names = NULL;

      for (int d = 0; d < x->ndim; d++)
        shape[d + 1] = x->shape[d];
      job->inputs = nn_tensor_new (x->ndim + 1, shape);
      g_free (l->labels);
      g_free (l->positions);
      l->labels = g_new (int, n);
      l->positions = g_new (guint32, n);
      /* Evenly over the test split. */
      for (int i = 0; i < n; i++)
        {
          guint32 sample;

          l->positions[i] = (guint32) ((guint64) i * ds->n_test / n);
          sample = ds->test_idx[l->positions[i]];
          l->labels[i] = nn_dataset_get_label (ds, sample, &k, &names);
          nn_array_gather (x, &sample, 1, job->inputs->data + (size_t) i * x->sample_size);
        }
      fill_classes (l, k, names);
      /* The codes of the old weights go with them. */
      g_clear_pointer (&l->codes, nn_tensor_free);
    }
  else
    {
      if (encode)
        g_clear_pointer (&l->codes, nn_tensor_free);
      if (l->base && dim > 0)
        {
          update_base (l);
          job->base = g_memdup2 (l->base, sizeof (float) * (size_t) dim);
        }
    }
  l->cancellable = g_cancellable_new ();
  job->cancellable = g_object_ref (l->cancellable);
  job->view = g_object_ref (self);
  gtk_progress_bar_set_fraction (l->progress, 0.05);
  gtk_label_set_text (l->status, job->inputs ? _("Encoding the test images…") : _("Decoding the grid…"));
  set_busy (l, TRUE);
  task = g_task_new (self, l->cancellable, latent_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) latent_job_free);
  ds_jobs_run_in_background (task, latent_thread);
}

static void
cancel_cb (DsGenerateView *self)
{
  if (lat (self)->cancellable)
    g_cancellable_cancel (lat (self)->cancellable);
}

static void
settings_changed_cb (DsGenerateView *self)
{
  if (lat (self)->grid || lat (self)->cancellable)
    ds_generate_view_latent_compute (self);
}

static void
walk_ends_changed_cb (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);

  update_walk (self);
  update_strip (self);
  update_concept (self);
  gtk_widget_queue_draw (l->scatter);
  /* With more than two dims, the grid's other dims follow image A. */
  if (l->latent_dim > 2 && l->grid)
    ds_generate_view_latent_compute (self);
}

static gboolean
play_tick_cb (gpointer data)
{
  DsGenerateView *self = data;
  DsGenerateLatent *l = lat (self);
  double t = gtk_range_get_value (GTK_RANGE (l->slider)) + 0.02 * l->play_dir;

  if (t >= 1 || t <= 0)
    {
      l->play_dir = -l->play_dir;
      t = CLAMP (t, 0, 1);
    }
  gtk_range_set_value (GTK_RANGE (l->slider), t);
  return G_SOURCE_CONTINUE;
}

static void
play_toggled_cb (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);

  g_clear_handle_id (&l->play_id, g_source_remove);
  if (gtk_toggle_button_get_active (l->play))
    {
      if (l->play_dir == 0)
        l->play_dir = 1;
      l->play_id = g_timeout_add (40, play_tick_cb, self);
    }
}

/* ---- export ------------------------------------------------------------------- */

static const char *const export_names[] = { "grid", "scatter", "point", "strip", "concept", NULL };

gboolean
ds_generate_view_export_latent (DsGenerateView *self,
                                const char     *what,
                                DsExportFormat  format,
                                const char     *path,
                                GError        **error)
{
  DsGenerateLatent *l;
  DsExportDrawFunc draw = NULL;
  const void *have = NULL;
  int width = 540, height = 540;

  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  l = lat (self);
  if (g_strcmp0 (what, "grid") == 0)
    draw = _ds_latent_draw_grid, have = l->grid;
  else if (g_strcmp0 (what, "scatter") == 0)
    draw = _ds_latent_draw_scatter, have = l->decoder, width = 660;
  else if (g_strcmp0 (what, "point") == 0)
    draw = _ds_latent_draw_point_picture, have = l->point_img, width = height = 224;
  else if (g_strcmp0 (what, "strip") == 0)
    draw = _ds_latent_draw_strip, have = l->strip, width = 112 * DS_LATENT_STRIP, height = 112;
  else if (g_strcmp0 (what, "concept") == 0)
    draw = _ds_latent_draw_concept_picture, have = l->concept_img, width = height = 224;
  else if (g_strcmp0 (what, "walk") == 0)
    draw = _ds_latent_draw_walk_picture, have = l->walk_img, width = height = 224;
  if (draw == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("No picture called “%s”: grid, scatter, point, strip, walk or concept"),
                   what ? what : "");
      return FALSE;
    }
  if (have == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   _("There is no %s picture yet: press Compute (and drag on the plane or pick "
                   "a walk or two classes)"), what);
      return FALSE;
    }
  if (format != DS_EXPORT_PNG && g_strcmp0 (what, "scatter") != 0)
    format = DS_EXPORT_PNG;
  return ds_export_drawing (draw, self, width, height, format, path, error);
}

static void
export_chosen_cb (GFile    *file,
                  gpointer  data)
{
  DsGenerateView *self = data;
  DsGenerateLatent *l = lat (self);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  guint what = gtk_drop_down_get_selected (l->export_what);

  if (path == NULL || what >= G_N_ELEMENTS (export_names) - 1)
    return;
  if (!ds_generate_view_export_latent (self, export_names[what],
                                       g_str_has_suffix (path, ".svg") ? DS_EXPORT_SVG
                                                                       : DS_EXPORT_PNG,
                                       path, &error))
    {
      _ds_generate_view_toast (self, error->message);
      return;
    }
  text = g_strdup_printf (_("Saved %s"), path);
  _ds_generate_view_toast (self, text);
}

static void
export_cb (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);
  guint what = gtk_drop_down_get_selected (l->export_what);
  g_autofree char *name = NULL;

  if (what >= G_N_ELEMENTS (export_names) - 1)
    return;
  name = g_strdup_printf ("latent-%s.%s", export_names[what], what == 1 ? "svg" : "png");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Export a Latent Picture"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), name, NULL, export_chosen_cb,
                        self);
}

/* ---- the model ------------------------------------------------------------------ */

static gboolean
page_visible (DsGenerateView *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "latent") == 0;
}

void
_ds_generate_latent_model_changed (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);
  g_autoptr(GError) error = NULL;
  NnVaeParts parts;

  g_clear_pointer (&l->reason, g_free);
  if (self->model == NULL)
    l->reason = g_strdup (_("No model"));
  else if (!nn_model_find_vae (self->model, &parts, &error))
    l->reason = g_strdup (error->message);
  else if (parts.decoder_layer < 0)
    l->reason = g_strdup (_("This VAE's decoder is not a Model layer, so it cannot decode "
                          "latent points on its own: make the layers after the Sampling layer "
                          "a Model layer called on its output"));
  if (l->reason)
    {
      if (l->cancellable)
        g_cancellable_cancel (l->cancellable);
      g_clear_object (&l->cancellable);
      g_clear_pointer (&l->decoder, nn_vae_decoder_free);
      g_clear_pointer (&l->grid, nn_tensor_free);
      g_clear_pointer (&l->codes, nn_tensor_free);
      l->has_point = FALSE;
      adw_status_page_set_description (l->none_page, l->reason);
      gtk_stack_set_visible_child_name (l->stack, "none");
      set_busy (l, FALSE);
      return;
    }
  gtk_stack_set_visible_child_name (l->stack, "content");
  if (parts.latent_dim != l->latent_dim)
    {
      guint old = g_list_model_get_n_items (G_LIST_MODEL (l->dim_names));
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      for (int k = 0; k < parts.latent_dim; k++)
        g_ptr_array_add (names, g_strdup_printf ("z%d", k + 1));
      g_ptr_array_add (names, NULL);
      l->latent_dim = parts.latent_dim;
      gtk_string_list_splice (l->dim_names, 0, old, (const char *const *) names->pdata);
      gtk_drop_down_set_selected (l->dim_x, 0);
      gtk_drop_down_set_selected (l->dim_y, MIN (1, parts.latent_dim - 1));
      g_clear_pointer (&l->codes, nn_tensor_free);
      g_clear_pointer (&l->grid, nn_tensor_free);
      g_clear_pointer (&l->decoder, nn_vae_decoder_free);
      g_clear_pointer (&l->base, g_free);
      l->has_point = FALSE;
    }
  gtk_widget_set_visible (l->dims_box, parts.latent_dim > 2);
  /* New weights (a snapshot of a live run): encode and decode again, now
   * when the page shows, else when it next does. */
  if (page_visible (self))
    ds_generate_view_latent_compute (self);
  else
    l->pending = TRUE;
}

static void
page_changed_cb (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);

  if (page_visible (self) && l->reason == NULL && self->model
      && (l->pending || l->grid == NULL) && l->cancellable == NULL)
    {
      l->pending = FALSE;
      ds_generate_view_latent_compute (self);
    }
}

/* ---- layout --------------------------------------------------------------------- */

static GtkWidget *
labelled (const char *text,
          GtkWidget  *widget)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  return box;
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 6);
  return label;
}

static GtkWidget *
picture (GtkWidget        **slot,
         GtkDrawingAreaDrawFunc draw,
         DsGenerateView    *self,
         int                side,
         const char        *caption)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (caption);

  *slot = gtk_drawing_area_new ();
  gtk_widget_set_size_request (*slot, side, side);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (*slot), draw, self, NULL);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), *slot);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

/* The settings, the walk and the concept on the left, in a scrolled
 * window. */
static GtkWidget *
build_settings (DsGenerateLatent *l)
{
  GtkWidget *scroll = gtk_scrolled_window_new ();
  GtkWidget *left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *export_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  gtk_widget_set_margin_start (left, 12);
  gtk_widget_set_margin_end (left, 12);
  gtk_widget_set_margin_top (left, 8);
  gtk_widget_set_margin_bottom (left, 8);
  l->range = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0.1, 20, 0.1));
  gtk_spin_button_set_value (l->range, 2);
  l->grid_n = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (2, DS_LATENT_GRID_MAX, 1));
  gtk_spin_button_set_value (l->grid_n, DS_LATENT_GRID);
  l->n_samples = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (10, MAX_CODES, 100));
  gtk_spin_button_set_value (l->n_samples, 2000);
  l->dim_names = gtk_string_list_new (NULL);
  l->dim_x = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (l->dim_names)), NULL));
  l->dim_y = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (l->dim_names)), NULL));
  l->dims_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (l->dims_box), labelled (_("Across"), GTK_WIDGET (l->dim_x)));
  gtk_box_append (GTK_BOX (l->dims_box), labelled (_("Down"), GTK_WIDGET (l->dim_y)));
  {
    GtkWidget *note = gtk_label_new (_("The other dimensions stay at image A's code"));

    gtk_label_set_wrap (GTK_LABEL (note), TRUE);
    gtk_label_set_xalign (GTK_LABEL (note), 0);
    gtk_widget_add_css_class (note, "dim-label");
    gtk_box_append (GTK_BOX (l->dims_box), note);
  }
  gtk_widget_set_visible (l->dims_box, FALSE);
  gtk_box_append (GTK_BOX (left), heading (_("Latent plane")));
  gtk_box_append (GTK_BOX (left), labelled (_("Range ±"), GTK_WIDGET (l->range)));
  gtk_box_append (GTK_BOX (left), labelled (_("Grid side"), GTK_WIDGET (l->grid_n)));
  gtk_box_append (GTK_BOX (left), labelled (_("Test images"), GTK_WIDGET (l->n_samples)));
  gtk_box_append (GTK_BOX (left), l->dims_box);
  l->compute_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compute")));
  gtk_widget_add_css_class (GTK_WIDGET (l->compute_button), "suggested-action");
  l->cancel_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Cancel")));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (l->compute_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (l->cancel_button));
  gtk_box_append (GTK_BOX (left), buttons);
  l->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (l->progress));
  l->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (l->status, TRUE);
  gtk_label_set_xalign (l->status, 0);
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (l->status));

  gtk_box_append (GTK_BOX (left), heading (_("Walk from image A to image B")));
  l->walk_a = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 0, 1));
  l->walk_b = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 0, 1));
  gtk_box_append (GTK_BOX (left), labelled (_("Image A (encoded no.)"), GTK_WIDGET (l->walk_a)));
  gtk_box_append (GTK_BOX (left), labelled (_("Image B (encoded no.)"), GTK_WIDGET (l->walk_b)));
  l->slider = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.01));
  gtk_scale_set_draw_value (l->slider, TRUE);
  gtk_scale_set_digits (l->slider, 2);
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (l->slider));
  l->play = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("_Play the walk")));
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (l->play));

  gtk_box_append (GTK_BOX (left), heading (_("Concept vector")));
  l->class_list = gtk_string_list_new (NULL);
  l->class_a = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (l->class_list)), NULL));
  l->class_b = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (l->class_list)), NULL));
  gtk_box_append (GTK_BOX (left), labelled (_("Towards"), GTK_WIDGET (l->class_a)));
  gtk_box_append (GTK_BOX (left), labelled (_("Away from"), GTK_WIDGET (l->class_b)));
  l->alpha = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, -3, 3, 0.05));
  gtk_range_set_value (GTK_RANGE (l->alpha), 0);
  gtk_scale_set_draw_value (l->alpha, TRUE);
  gtk_scale_add_mark (l->alpha, 0, GTK_POS_BOTTOM, NULL);
  gtk_box_append (GTK_BOX (left), labelled ("α", GTK_WIDGET (l->alpha)));
  gtk_widget_set_hexpand (GTK_WIDGET (l->alpha), TRUE);
  l->concept_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (l->concept_label, TRUE);
  gtk_label_set_xalign (l->concept_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (l->concept_label), "dim-label");
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (l->concept_label));

  gtk_box_append (GTK_BOX (left), heading (_("Export")));
  l->export_what = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (
    (const char *[]) { _("The grid (PNG)"), _("The scatter (SVG or PNG)"), _("The dragged point (PNG)"),
                       _("The walk as a strip (PNG)"), _("The concept image (PNG)"), NULL }));
  gtk_widget_set_hexpand (GTK_WIDGET (l->export_what), TRUE);
  l->export_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Export…")));
  /* One above the other: the choices' labels differ in width, and side by
   * side a longer choice widened the pane, moving the button. */
  gtk_widget_set_halign (GTK_WIDGET (l->export_button), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (export_box), GTK_WIDGET (l->export_what));
  gtk_box_append (GTK_BOX (export_box), GTK_WIDGET (l->export_button));
  gtk_box_append (GTK_BOX (left), export_box);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), left);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scroll, 300, -1);

  return scroll;
}

/* The grid and the scatter side by side, the decoded pictures below. */
static GtkWidget *
build_pictures (DsGenerateView *self, DsGenerateLatent *l)
{
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *planes = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *pictures = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *walk_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkGesture *drag = gtk_gesture_drag_new ();

  l->grid_area = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (l->grid_area, TRUE);
  gtk_widget_set_vexpand (l->grid_area, TRUE);
  gtk_widget_set_size_request (l->grid_area, 260, 260);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (l->grid_area), _ds_latent_grid_draw_cb, self, NULL);
  l->scatter = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (l->scatter, TRUE);
  gtk_widget_set_vexpand (l->scatter, TRUE);
  gtk_widget_set_size_request (l->scatter, 300, 260);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (l->scatter), _ds_latent_scatter_draw_cb, self, NULL);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (l->scatter, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_tooltip_text (l->scatter, _("Drag to decode the point under the pointer"));
  gtk_box_append (GTK_BOX (planes), l->grid_area);
  gtk_box_append (GTK_BOX (planes), l->scatter);
  gtk_box_append (GTK_BOX (pictures), picture (&l->point_area, _ds_latent_point_draw_cb, self, 112,
                                               _("Under the pointer")));
  gtk_box_append (GTK_BOX (walk_box), picture (&l->walk_area, _ds_latent_walk_draw_cb, self, 112,
                                               _("Walk A → B")));
  gtk_box_append (GTK_BOX (pictures), walk_box);
  gtk_box_append (GTK_BOX (pictures), picture (&l->concept_area, _ds_latent_concept_draw_cb, self, 112,
                                               _("A + α · concept")));
  {
    GtkWidget *strip_box = picture (&l->strip_area, _ds_latent_strip_draw_cb, self, 56,
                                    _("The walk in ten steps"));

    gtk_widget_set_size_request (l->strip_area, 56 * DS_LATENT_STRIP, 56);
    gtk_widget_set_valign (strip_box, GTK_ALIGN_END);
    gtk_box_append (GTK_BOX (pictures), strip_box);
  }
  gtk_widget_set_margin_top (right, 8);
  gtk_widget_set_margin_end (right, 12);
  gtk_widget_set_margin_bottom (right, 12);
  gtk_box_append (GTK_BOX (right), planes);
  gtk_box_append (GTK_BOX (right), pictures);

  return right;
}

/* What each control of the page does. */
static void
connect_controls (DsGenerateView *self, DsGenerateLatent *l)
{
  g_signal_connect_swapped (l->compute_button, "clicked",
                            G_CALLBACK (ds_generate_view_latent_compute), self);
  g_signal_connect_swapped (l->cancel_button, "clicked", G_CALLBACK (cancel_cb), self);
  g_signal_connect_swapped (l->range, "value-changed", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (l->grid_n, "value-changed", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (l->dim_x, "notify::selected", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (l->dim_y, "notify::selected", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (l->walk_a, "value-changed", G_CALLBACK (walk_ends_changed_cb), self);
  g_signal_connect_swapped (l->walk_b, "value-changed", G_CALLBACK (walk_ends_changed_cb), self);
  g_signal_connect_swapped (l->slider, "value-changed", G_CALLBACK (update_walk), self);
  g_signal_connect_swapped (l->play, "toggled", G_CALLBACK (play_toggled_cb), self);
  g_signal_connect_swapped (l->class_a, "notify::selected", G_CALLBACK (update_concept), self);
  g_signal_connect_swapped (l->class_b, "notify::selected", G_CALLBACK (update_concept), self);
  g_signal_connect_swapped (l->alpha, "value-changed", G_CALLBACK (update_concept), self);
  g_signal_connect_swapped (l->export_button, "clicked", G_CALLBACK (export_cb), self);
  g_signal_connect_swapped (self->pages, "notify::visible-child", G_CALLBACK (page_changed_cb),
                            self);
}

GtkWidget *
_ds_generate_latent_build (DsGenerateView *self)
{
  DsGenerateLatent *l = g_new0 (DsGenerateLatent, 1);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *scroll, *right;

  self->latent = l;
  l->d2 = 1;                    /* the plane's axes before the first Compute */
  l->stack = GTK_STACK (gtk_stack_new ());
  l->none_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (l->none_page, "ds-generate-symbolic");
  adw_status_page_set_title (l->none_page, _("Not a Variational Autoencoder"));
  gtk_stack_add_named (l->stack, GTK_WIDGET (l->none_page), "none");
  scroll = build_settings (l);
  right = build_pictures (self, l);
  gtk_paned_set_start_child (GTK_PANED (paned), scroll);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_end_child (GTK_PANED (paned), right);
  gtk_stack_add_named (l->stack, paned, "content");

  connect_controls (self, l);
  set_busy (l, FALSE);
  gtk_stack_set_visible_child_name (l->stack, "none");
  return GTK_WIDGET (l->stack);
}

void
_ds_generate_latent_dispose (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);

  if (l == NULL)
    return;
  if (l->cancellable)
    g_cancellable_cancel (l->cancellable);
  g_clear_object (&l->cancellable);
  g_clear_handle_id (&l->play_id, g_source_remove);
  if (self->pages)
    g_signal_handlers_disconnect_by_func (self->pages, page_changed_cb, self);
}

void
_ds_generate_latent_free (DsGenerateView *self)
{
  DsGenerateLatent *l = lat (self);

  if (l == NULL)
    return;
  g_free (l->reason);
  nn_vae_decoder_free (l->decoder);
  nn_tensor_free (l->grid);
  nn_tensor_free (l->codes);
  nn_tensor_free (l->point_img);
  nn_tensor_free (l->walk_img);
  nn_tensor_free (l->strip);
  nn_tensor_free (l->concept_img);
  g_free (l->labels);
  g_free (l->positions);
  g_strfreev (l->class_names);
  g_free (l->base);
  g_free (l->z);
  g_free (l->concept_v);
  g_clear_object (&l->dim_names);
  g_clear_object (&l->class_list);
  g_free (l);
  self->latent = NULL;
}

/* ---- for the tests ---------------------------------------------------------------- */

const char *
ds_generate_view_get_latent_reason (DsGenerateView *self)
{
  return lat (self)->reason;
}

gboolean
ds_generate_view_is_latent_busy (DsGenerateView *self)
{
  return lat (self)->cancellable != NULL;
}

const char *
ds_generate_view_get_latent_status (DsGenerateView *self)
{
  return gtk_label_get_text (lat (self)->status);
}

const NnTensor *
ds_generate_view_get_latent_grid (DsGenerateView *self)
{
  return lat (self)->grid;
}

int
ds_generate_view_get_latent_n_codes (DsGenerateView *self)
{
  return lat (self)->codes ? lat (self)->codes->shape[0] : 0;
}

GtkWidget *
ds_generate_view_get_latent_scatter (DsGenerateView *self)
{
  return lat (self)->scatter;
}

const NnTensor *
ds_generate_view_get_latent_point_image (DsGenerateView *self)
{
  return lat (self)->point_img;
}

void
ds_generate_view_set_latent_walk (DsGenerateView *self,
                                  int             a,
                                  int             b)
{
  gtk_spin_button_set_value (lat (self)->walk_a, a);
  gtk_spin_button_set_value (lat (self)->walk_b, b);
  walk_ends_changed_cb (self);
}

GtkRange *
ds_generate_view_get_latent_slider (DsGenerateView *self)
{
  return GTK_RANGE (lat (self)->slider);
}

const NnTensor *
ds_generate_view_get_latent_walk_image (DsGenerateView *self)
{
  return lat (self)->walk_img;
}

const float *
ds_generate_view_get_latent_code (DsGenerateView *self,
                                  int             i)
{
  return code_of (lat (self), i);
}

void
ds_generate_view_set_latent_concept (DsGenerateView *self,
                                     int             class_a,
                                     int             class_b,
                                     double          alpha)
{
  DsGenerateLatent *l = lat (self);

  gtk_drop_down_set_selected (l->class_a, (guint) class_a);
  gtk_drop_down_set_selected (l->class_b, (guint) class_b);
  gtk_range_set_value (GTK_RANGE (l->alpha), alpha);
  update_concept (self);
}

const NnTensor *
ds_generate_view_get_latent_concept_image (DsGenerateView *self)
{
  return lat (self)->concept_img;
}
