/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The heat-map page: Grad-CAM, saliency and occlusion of the subject's
 * input, computed on a worker thread and laid over the input. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-inspect-draw.h"
#include "ds-inspect-heatmaps.h"
#include "ds-inspect-panels-private.h"
#include "ds-jobs.h"
#include "ds-util.h"

#define N_METHODS 3

static const char *const method_names[N_METHODS] = { "Grad-CAM", N_("Saliency"), N_("Occlusion") };
static const NnExplainKind method_kinds[N_METHODS] = {
  NN_EXPLAIN_GRADCAM, NN_EXPLAIN_SALIENCY, NN_EXPLAIN_OCCLUSION,
};
static const char *const method_help[N_METHODS] = {
  N_("where the chosen layer's features that raise the class's score are (gradient-weighted class activation map)"),
  N_("how strongly each input pixel's change would change the class's score (|∂score/∂input|)"),
  N_("how much the class's probability drops when a grey patch covers each place (red: it drops, blue: it rises)"),
};

typedef struct
{
  /* Main thread before it starts; read-only after. */
  NnInspector  *inspector;
  NnTensor     *input;
  int           probe;
  int           class_index;
  gboolean      wanted[N_METHODS];
  guint         generation;
  guint         serial;

  /* Worker, read on the main thread once it has ended. */
  NnTensor     *maps[N_METHODS];
  char         *errors[N_METHODS];
  int           class_out;
  double        score;
  int           predicted;
  double        predicted_p;
} HeatJob;

struct _DsInspectHeatmaps
{
  GtkWidget         parent_instance;

  /* Widgets */
  GtkWidget        *box;
  GtkWidget        *bar;             /* the settings */
  GtkDropDown      *method_drop;
  GtkDropDown      *class_drop;
  GtkDropDown      *layer_drop;
  GtkWidget        *layer_label;
  GtkCheckButton   *side_check;
  GtkScale         *opacity_scale;
  GtkLabel         *message;
  GtkWidget        *picture;

  /* Owned */
  DsInspectSubject *subject;
  GtkStringList    *class_names;
  GtkStringList    *layer_names;
  GArray           *spatial_probes;  /* int: probe per layer row */
  NnInspector      *spare;
  guint             spare_generation;
  GCancellable     *cancellable;
  HeatJob          *job;             /* running, or NULL */
  HeatJob          *shown;           /* the last finished job's results */
  cairo_surface_t  *input_image;     /* the shown job's input */
  cairo_surface_t  *overlays[N_METHODS];
  double            overlay_opacity;
  int               n_classes;
  int               in_h, in_w, in_c;
  gboolean          image_input;
  guint             serial;          /* what is asked: input, class, method, layer */
  gboolean          dirty;
  gboolean          syncing;         /* a dropdown is being set from the subject */
};

G_DEFINE_FINAL_TYPE (DsInspectHeatmaps, ds_inspect_heatmaps, GTK_TYPE_WIDGET)

static void start_job (DsInspectHeatmaps *self);

static void
heat_job_free (HeatJob *job)
{
  if (job == NULL)
    return;
  g_clear_pointer (&job->inspector, nn_inspector_free);
  g_clear_pointer (&job->input, nn_tensor_free);
  for (int m = 0; m < N_METHODS; m++)
    {
      g_clear_pointer (&job->maps[m], nn_tensor_free);
      g_free (job->errors[m]);
    }
  g_free (job);
}

/* ---- the job -------------------------------------------------------------- */

static void
heat_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HeatJob *job = task_data;
  g_autoptr(NnTensor) p = NULL;
  GError *error = NULL;

  p = nn_inspector_predict (job->inspector, job->input, &error);
  if (p == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->predicted = p->shape[1] == 1 ? p->data[0] >= 0.5 : (int) nn_tensor_argmax (p);
  job->predicted_p = p->shape[1] == 1 ? (job->predicted ? p->data[0] : 1 - p->data[0])
                                      : p->data[job->predicted];
  for (int m = 0; m < N_METHODS; m++)
    {
      NnExplainConfig cfg;
      g_autoptr(GError) err = NULL;

      if (!job->wanted[m])
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      nn_explain_config_init (&cfg);
      cfg.kind = method_kinds[m];
      cfg.probe = job->probe;
      cfg.class_index = job->class_index;
      job->maps[m] = nn_inspector_explain (job->inspector, job->input, &cfg, &job->class_out,
                                           &job->score, &err);
      if (job->maps[m] == NULL)
        job->errors[m] = g_strdup (err->message);
    }
  g_task_return_boolean (task, TRUE);
}

static void
set_message (DsInspectHeatmaps *self,
             const char        *text)
{
  gtk_label_set_text (self->message, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), text && *text);
}

static int
main_method (DsInspectHeatmaps *self)
{
  return (int) MIN (gtk_drop_down_get_selected (self->method_drop), N_METHODS - 1);
}

static void
rebuild_overlays (DsInspectHeatmaps *self)
{
  double opacity = gtk_range_get_value (GTK_RANGE (self->opacity_scale));

  for (int m = 0; m < N_METHODS; m++)
    {
      NnTensor *map = self->shown ? self->shown->maps[m] : NULL;

      g_clear_pointer (&self->overlays[m], cairo_surface_destroy);
      if (map == NULL)
        continue;
      if (method_kinds[m] == NN_EXPLAIN_OCCLUSION)
        self->overlays[m] = ds_inspect_heat_surface (map->data, map->shape[0], map->shape[1],
                                                     DS_INSPECT_SCALE_SIGNED, nn_tensor_min (map),
                                                     nn_tensor_max (map), opacity);
      else
        self->overlays[m] = ds_inspect_heat_surface (map->data, map->shape[0], map->shape[1],
                                                     DS_INSPECT_SCALE_HEAT, 0, 1, opacity);
    }
  self->overlay_opacity = opacity;
}

static gboolean
map_is_zero (const NnTensor *map)
{
  for (size_t i = 0; i < map->size; i++)
    if (map->data[i] != 0)
      return FALSE;
  return TRUE;
}

static void
describe (DsInspectHeatmaps *self)
{
  HeatJob *job = self->shown;
  int m = main_method (self);
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  if (job == NULL)
    return;
  name = ds_inspect_subject_dup_class_name (self->subject, job->class_out);
  if (job->errors[m] && !gtk_check_button_get_active (self->side_check))
    text = g_strdup (job->errors[m]);
  else if (method_kinds[m] == NN_EXPLAIN_GRADCAM && job->maps[m] && map_is_zero (job->maps[m]))
    text = g_strdup_printf (_("Grad-CAM of “%s” is zero everywhere at this layer: its features "
                            "weigh against the class at every place at once (common where a "
                            "Flatten and Dense layers follow). Choose an earlier layer above, or "
                            "Saliency or Occlusion."), name);
  else if (gtk_check_button_get_active (self->side_check))
    text = g_strdup_printf (_("Three explanations of “%s” (%s, %.0f %%) side by side: where the "
                            "chosen layer's features raise its score (Grad-CAM), which pixels "
                            "change it most (Saliency), and what covering each place costs it "
                            "(Occlusion)."), name, job->class_index < 0 ? "predicted" : "chosen",
                            100 * job->score);
  else
    text = g_strdup_printf (_("%s of “%s” (%s, %.0f %%): %s."), _(method_names[m]), name,
                            job->class_index < 0 ? "predicted" : "chosen", 100 * job->score,
                            _(method_help[m]));
  set_message (self, text);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  DsInspectHeatmaps *self = DS_INSPECT_HEATMAPS (source);
  HeatJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  guint generation;

  if (self->job != job)
    {
      heat_job_free (job);
      return;
    }
  self->job = NULL;
  generation = ds_inspect_subject_get_generation (self->subject);
  /* The inspector stays for the next job on the same model. */
  if (job->generation == generation && self->spare == NULL)
    {
      self->spare = g_steal_pointer (&job->inspector);
      self->spare_generation = generation;
    }
  if (ok && job->generation == generation && job->serial == self->serial)
    {
      int h = 0, w = 0, c = 0;
      const int *shape = job->input->shape + 1;

      heat_job_free (self->shown);
      self->shown = job;
      g_clear_pointer (&self->input_image, cairo_surface_destroy);
      if (ds_inspect_image_geometry (job->input->ndim - 1, shape, &h, &w, &c))
        self->input_image = ds_inspect_image_surface (job->input->data, h, w, c, 0, 0);
      rebuild_overlays (self);
      describe (self);
      gtk_widget_queue_draw (self->picture);
    }
  else
    {
      if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_message (self, error->message);
      if (job->generation != generation || job->serial != self->serial)
        self->dirty = TRUE;
      heat_job_free (job);
    }
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
}

static NnInspector *
take_inspector (DsInspectHeatmaps *self,
                GError           **error)
{
  guint generation = ds_inspect_subject_get_generation (self->subject);

  if (self->spare && self->spare_generation == generation)
    return g_steal_pointer (&self->spare);
  g_clear_pointer (&self->spare, nn_inspector_free);
  return ds_inspect_subject_new_inspector (self->subject, error);
}

/* Says why nothing can be shown, or returns FALSE when something can. */
static gboolean
explain_nothing (DsInspectHeatmaps *self)
{
  int m = main_method (self);
  DsDataset *ds = ds_inspect_subject_get_dataset (self->subject);
  /* Word ids are no picture: no map to lay over them, nor settings. */
  gboolean text = ds && ds_dataset_get (ds)->vocab && ds_dataset_get (ds)->inputs[0]->ndim == 1;

  gtk_widget_set_visible (self->bar, !text);
  if (ds_inspect_subject_get_model (self->subject) == NULL)
    set_message (self, ds_inspect_subject_get_model_text (self->subject));
  else if (text && nn_vocab_get_options (ds_dataset_get (ds)->vocab)->mode != NN_TEXT_INT)
    set_message (self, _("Heat maps are laid over a picture, and this model reads text (a bag of words, their order lost): there is no picture to explain. The Activations page shows how each layer responds, and the Errors page which texts it gets wrong."));
  else if (text)
    set_message (self, _("Heat maps are laid over a picture, and this model reads text (word ids): there is no picture to explain. The Activations page shows how each layer responds word by word (its heat strips), and the Errors page which texts it gets wrong."));
  else if (self->n_classes == 0)
    set_message (self, _("This model’s output is a value, not a class (a regression): heat maps explain why an input gets a class, so there is nothing to show here."));
  else if (ds_inspect_subject_get_input (self->subject) == NULL)
    set_message (self, _("Choose an input first: a test image, a PNG file, or a drawing."));
  else if (method_kinds[m] == NN_EXPLAIN_GRADCAM && self->spatial_probes->len == 0
           && !gtk_check_button_get_active (self->side_check))
    set_message (self, _("Grad-CAM needs a layer whose output is still an image (height × width × channels), and this model has none. Saliency and Occlusion work for any classifier: choose one above."));
  else
    return FALSE;
  return TRUE;
}

static void
start_job (DsInspectHeatmaps *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  gboolean side = gtk_check_button_get_active (self->side_check);
  guint row = gtk_drop_down_get_selected (self->layer_drop);
  int m = main_method (self);
  NnInspector *inspector;
  HeatJob *job;

  self->dirty = FALSE;
  if (self->job)
    {
      g_cancellable_cancel (self->cancellable);
      self->dirty = TRUE;
      return;
    }
  if (explain_nothing (self))
    {
      heat_job_free (g_steal_pointer (&self->shown));
      rebuild_overlays (self);
      gtk_widget_queue_draw (self->picture);
      return;
    }
  inspector = take_inspector (self, &error);
  if (inspector == NULL)
    {
      set_message (self, error->message);
      return;
    }
  job = g_new0 (HeatJob, 1);
  job->inspector = inspector;
  job->input = nn_tensor_copy (ds_inspect_subject_get_input (self->subject));
  job->probe = row < self->spatial_probes->len ? g_array_index (self->spatial_probes, int, row) : -1;
  job->class_index = ds_inspect_subject_get_class (self->subject);
  job->generation = ds_inspect_subject_get_generation (self->subject);
  job->serial = self->serial;
  for (int k = 0; k < N_METHODS; k++)
    job->wanted[k] = (side || k == m)
                     && (method_kinds[k] != NN_EXPLAIN_GRADCAM || self->spatial_probes->len > 0);
  if (!job->wanted[m] && side)
    job->errors[m] = g_strdup (_("No layer with an image-like output: Grad-CAM needs one"));
  self->job = job;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, job_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  ds_jobs_run_in_background (task, heat_thread);
}

static void
request (DsInspectHeatmaps *self)
{
  self->serial++;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
  else
    self->dirty = TRUE;
}

/* ---- drawing -------------------------------------------------------------- */

static void
draw_panel (DsInspectHeatmaps *self,
            cairo_t           *cr,
            int                m,
            double             x0,
            double             y0,
            double             width,
            double             height)
{
  HeatJob *job = self->shown;
  NnTensor *map = job->maps[m];
  /* below the picture, room for the half of the colour bar's last label
   * that hangs under its end (a tall picture's "0.00" was cut) */
  const double bar_w = 12, bar_space = 56, title_h = 22, bottom = 8;
  double side = MIN (width - bar_space, height - title_h - bottom), x, y;
  g_autofree char *name = ds_inspect_subject_dup_class_name (self->subject, job->class_out);
  g_autofree char *title = NULL;
  GdkRGBA fg;

  ds_inspect_text_color (self->picture, &fg);
  if (side < 8)
    return;
  x = x0;
  y = y0 + title_h;
  title = method_kinds[m] == NN_EXPLAIN_GRADCAM && job->probe >= 0 && job->maps[m]
          ? g_strdup_printf ("%s · %s · %s", _(method_names[m]),
                             gtk_string_list_get_string (self->layer_names,
                                                         gtk_drop_down_get_selected (self->layer_drop)),
                             name)
          : g_strdup_printf ("%s · %s", _(method_names[m]), name);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 12);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
  cairo_move_to (cr, x, y0 + 14);
  cairo_show_text (cr, title);

  if (self->input_image)
    ds_inspect_paint_surface (cr, self->input_image, x, y, side, side, FALSE);
  if (self->overlays[m])
    ds_inspect_paint_surface (cr, self->overlays[m], x, y, side, side,
                              method_kinds[m] == NN_EXPLAIN_GRADCAM);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, side - 1, side - 1);
  cairo_stroke (cr);
  if (map == NULL)
    {
      const char *why = job->errors[m] ? job->errors[m] : _("Not computed");

      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 11);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_rectangle (cr, x + 4, y + side / 2 - 14, side - 8, 22);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_save (cr);
      cairo_rectangle (cr, x + 4, y, side - 8, side);
      cairo_clip (cr);
      cairo_move_to (cr, x + 8, y + side / 2);
      cairo_show_text (cr, why);
      cairo_restore (cr);
      return;
    }
  if (method_kinds[m] == NN_EXPLAIN_OCCLUSION)
    ds_inspect_draw_color_bar (cr, x + side + 8, y, bar_w, side, DS_INSPECT_SCALE_SIGNED,
                               nn_tensor_min (map), nn_tensor_max (map), &fg);
  else
    ds_inspect_draw_color_bar (cr, x + side + 8, y, bar_w, side, DS_INSPECT_SCALE_HEAT, 0, 1, &fg);
}

static void
draw_picture (cairo_t  *cr,
              int       width,
              int       height,
              gpointer  data)
{
  DsInspectHeatmaps *self = data;
  gboolean side = gtk_check_button_get_active (self->side_check);

  if (self->shown == NULL)
    return;
  if (gtk_range_get_value (GTK_RANGE (self->opacity_scale)) != self->overlay_opacity)
    rebuild_overlays (self);
  if (!side)
    {
      draw_panel (self, cr, main_method (self), 0, 0, width, height);
      return;
    }
  for (int m = 0; m < N_METHODS; m++)
    draw_panel (self, cr, m, m * width / 3.0, 0, width / 3.0 - 8, height);
}

/* ---- the model, the dataset, the input ------------------------------------ */

static void
refill_classes (DsInspectHeatmaps *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->class_names));
  int c = ds_inspect_subject_get_class (self->subject);

  g_ptr_array_add (names, g_strdup (_("The predicted class")));
  for (int k = 0; k < self->n_classes; k++)
    g_ptr_array_add (names, ds_inspect_subject_dup_class_name (self->subject, k));
  g_ptr_array_add (names, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice (self->class_names, 0, n_old, (const char * const *) names->pdata);
  gtk_drop_down_set_selected (self->class_drop, c >= 0 && c < self->n_classes ? (guint) c + 1 : 0);
  self->syncing = FALSE;
}

static void
refill_layers (DsInspectHeatmaps *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->layer_names));
  int def = nn_inspector_default_cam_probe (self->spare);
  guint select = 0;

  for (int p = 0; p < nn_inspector_get_n_probes (self->spare); p++)
    {
      const NnProbe *probe = nn_inspector_get_probe (self->spare, p);

      if (!probe->spatial || g_str_equal (probe->layer_type, "Input"))
        continue;
      if (p == def)
        select = self->spatial_probes->len;
      g_array_append_val (self->spatial_probes, p);
      g_ptr_array_add (names, g_strdup (probe->path));
    }
  g_ptr_array_add (names, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice (self->layer_names, 0, n_old, (const char * const *) names->pdata);
  if (self->spatial_probes->len)
    gtk_drop_down_set_selected (self->layer_drop, select);
  self->syncing = FALSE;
}

static void
model_changed_cb (DsInspectHeatmaps *self)
{
  g_autoptr(GError) error = NULL;
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->layer_names));
  g_autofree char *keep = NULL;

  if (gtk_drop_down_get_selected (self->layer_drop) < n_old)
    keep = g_strdup (gtk_string_list_get_string (self->layer_names,
                                                 gtk_drop_down_get_selected (self->layer_drop)));
  g_clear_pointer (&self->spare, nn_inspector_free);
  g_array_set_size (self->spatial_probes, 0);
  self->n_classes = 0;
  if (ds_inspect_subject_get_model (self->subject))
    self->spare = ds_inspect_subject_new_inspector (self->subject, &error);
  if (self->spare)
    {
      self->spare_generation = ds_inspect_subject_get_generation (self->subject);
      self->n_classes = nn_inspector_get_n_classes (self->spare);
      refill_layers (self);
      /* The same layer stays chosen while a live run's weights change. */
      for (guint r = 0; keep && r < self->spatial_probes->len; r++)
        if (g_str_equal (gtk_string_list_get_string (self->layer_names, r), keep))
          {
            self->syncing = TRUE;
            gtk_drop_down_set_selected (self->layer_drop, r);
            self->syncing = FALSE;
          }
    }
  else
    {
      self->syncing = TRUE;
      gtk_string_list_splice (self->layer_names, 0, n_old, NULL);
      self->syncing = FALSE;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->layer_drop), self->spatial_probes->len > 0);
  refill_classes (self);
  request (self);
  if (error)
    set_message (self, error->message);
}

static void
class_changed_cb (DsInspectHeatmaps *self)
{
  int c = ds_inspect_subject_get_class (self->subject);

  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->class_drop, c >= 0 && c < self->n_classes ? (guint) c + 1 : 0);
  self->syncing = FALSE;
  request (self);
}

static void
settings_changed_cb (DsInspectHeatmaps *self)
{
  gboolean gradcam = method_kinds[main_method (self)] == NN_EXPLAIN_GRADCAM
                     || gtk_check_button_get_active (self->side_check);

  gtk_widget_set_visible (GTK_WIDGET (self->layer_drop), gradcam);
  gtk_widget_set_visible (self->layer_label, gradcam);
  /* Side by side, a right click exports the one explanation under it. */
  ds_inspect_drawing_set_parts (DS_INSPECT_DRAWING (self->picture),
                                gtk_check_button_get_active (self->side_check) ? N_METHODS : 1);
  if (!self->syncing)
    request (self);
}

static void
class_selected_cb (DsInspectHeatmaps *self)
{
  guint row = gtk_drop_down_get_selected (self->class_drop);

  if (self->syncing || row == GTK_INVALID_LIST_POSITION)
    return;
  /* The subject tells every page, this one too (class_changed_cb). */
  ds_inspect_subject_set_class (self->subject, (int) row - 1);
}

static void
opacity_changed_cb (DsInspectHeatmaps *self)
{
  gtk_widget_queue_draw (self->picture);
}

static void
ds_inspect_heatmaps_map (GtkWidget *widget)
{
  DsInspectHeatmaps *self = DS_INSPECT_HEATMAPS (widget);

  GTK_WIDGET_CLASS (ds_inspect_heatmaps_parent_class)->map (widget);
  if (self->dirty)
    start_job (self);
}

static void
ds_inspect_heatmaps_unmap (GtkWidget *widget)
{
  DsInspectHeatmaps *self = DS_INSPECT_HEATMAPS (widget);

  if (self->job)
    {
      g_cancellable_cancel (self->cancellable);
      self->dirty = TRUE;
    }
  GTK_WIDGET_CLASS (ds_inspect_heatmaps_parent_class)->unmap (widget);
}

static void
ds_inspect_heatmaps_dispose (GObject *object)
{
  DsInspectHeatmaps *self = DS_INSPECT_HEATMAPS (object);

  g_cancellable_cancel (self->cancellable);
  /* A job still running frees itself when it ends (job_done_cb). */
  self->job = NULL;
  g_clear_pointer (&self->box, gtk_widget_unparent);
  if (self->subject)
    g_signal_handlers_disconnect_by_data (self->subject, self);
  g_clear_object (&self->subject);
  g_clear_pointer (&self->spare, nn_inspector_free);
  g_clear_pointer (&self->shown, heat_job_free);
  g_clear_pointer (&self->input_image, cairo_surface_destroy);
  for (int m = 0; m < N_METHODS; m++)
    g_clear_pointer (&self->overlays[m], cairo_surface_destroy);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ds_inspect_heatmaps_parent_class)->dispose (object);
}

static void
ds_inspect_heatmaps_finalize (GObject *object)
{
  DsInspectHeatmaps *self = DS_INSPECT_HEATMAPS (object);

  g_clear_object (&self->class_names);
  g_clear_object (&self->layer_names);
  g_array_unref (self->spatial_probes);
  G_OBJECT_CLASS (ds_inspect_heatmaps_parent_class)->finalize (object);
}

static void
ds_inspect_heatmaps_class_init (DsInspectHeatmapsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_inspect_heatmaps_dispose;
  object_class->finalize = ds_inspect_heatmaps_finalize;
  widget_class->map = ds_inspect_heatmaps_map;
  widget_class->unmap = ds_inspect_heatmaps_unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspectheatmaps");
}

static GtkWidget *
labelled (GtkWidget  *bar,
          const char *mnemonic,
          GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (bar), label);
  gtk_box_append (GTK_BOX (bar), widget);
  return label;
}

static void
ds_inspect_heatmaps_init (DsInspectHeatmaps *self)
{
  GtkWidget *bar;

  self->spatial_probes = g_array_new (FALSE, FALSE, sizeof (int));
  self->class_names = gtk_string_list_new (NULL);
  self->layer_names = gtk_string_list_new (NULL);
  self->overlay_opacity = -1;
  self->cancellable = g_cancellable_new ();

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  ds_inspect_page_margins (self->box);
  bar = self->bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->box), bar);

  self->method_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings ((const char *[]) { "Grad-CAM", _("Saliency"), _("Occlusion"), NULL }));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->method_drop), _("Three ways to explain one decision: Grad-CAM (where the layer’s evidence is), saliency (which pixels matter most), occlusion (what covering each place costs)"));
  labelled (bar, _("_Explanation"), GTK_WIDGET (self->method_drop));
  self->class_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->class_names)), NULL));
  gtk_drop_down_set_enable_search (self->class_drop, TRUE);
  gtk_drop_down_set_expression (self->class_drop,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->class_drop), _("The class whose evidence is shown: the predicted one, or any other by name"));
  labelled (bar, _("_Class"), GTK_WIDGET (self->class_drop));
  self->layer_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->layer_names)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->layer_drop), _("Grad-CAM’s layer: by default the last one whose output is still an image; earlier layers give finer, less class-specific maps"));
  self->layer_label = labelled (bar, _("_Layer"), GTK_WIDGET (self->layer_drop));
  self->side_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("_Side by side")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->side_check), _("Show the three explanations of the same decision next to each other"));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->side_check));
  self->opacity_scale = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05));
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), 0.5);
  gtk_widget_set_size_request (GTK_WIDGET (self->opacity_scale), 120, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->opacity_scale), _("How much of the map covers the input"));
  labelled (bar, _("_Opacity"), GTK_WIDGET (self->opacity_scale));
  ds_quiet_tooltip_while_open (GTK_WIDGET (self->method_drop));
  ds_quiet_tooltip_while_open (GTK_WIDGET (self->class_drop));
  ds_quiet_tooltip_while_open (GTK_WIDGET (self->layer_drop));

  self->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message, TRUE);
  gtk_label_set_xalign (self->message, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->message), "dim-label");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->message));

  self->picture = ds_inspect_drawing_new (draw_picture, self);
  ds_inspect_drawing_set_size (DS_INSPECT_DRAWING (self->picture), 480, 400);
  ds_inspect_drawing_set_export_name (DS_INSPECT_DRAWING (self->picture), "heat-map");
  gtk_widget_set_vexpand (self->picture, TRUE);
  gtk_widget_set_hexpand (self->picture, TRUE);
  gtk_box_append (GTK_BOX (self->box), self->picture);

  g_signal_connect_swapped (self->method_drop, "notify::selected", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (self->layer_drop, "notify::selected", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (self->side_check, "toggled", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (self->class_drop, "notify::selected", G_CALLBACK (class_selected_cb), self);
  g_signal_connect_swapped (self->opacity_scale, "value-changed", G_CALLBACK (opacity_changed_cb), self);
}

GtkWidget *
ds_inspect_heatmaps_new (DsInspectSubject *subject)
{
  DsInspectHeatmaps *self;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (subject), NULL);

  self = g_object_new (DS_TYPE_INSPECT_HEATMAPS, NULL);
  self->subject = g_object_ref (subject);
  g_signal_connect_swapped (subject, "model-changed", G_CALLBACK (model_changed_cb), self);
  g_signal_connect_swapped (subject, "dataset-changed", G_CALLBACK (refill_classes), self);
  g_signal_connect_swapped (subject, "input-changed", G_CALLBACK (request), self);
  g_signal_connect_swapped (subject, "class-changed", G_CALLBACK (class_changed_cb), self);
  model_changed_cb (self);
  return GTK_WIDGET (self);
}

/* ---- private (tests) ------------------------------------------------------ */

gboolean
ds_inspect_heatmaps_is_busy (DsInspectHeatmaps *self)
{
  return self->job != NULL || self->dirty;
}

const NnTensor *
ds_inspect_heatmaps_get_map (DsInspectHeatmaps *self)
{
  return self->shown ? self->shown->maps[main_method (self)] : NULL;
}

int
ds_inspect_heatmaps_get_map_class (DsInspectHeatmaps *self)
{
  return self->shown ? self->shown->class_out : -1;
}

GtkDropDown *
ds_inspect_heatmaps_get_class_drop (DsInspectHeatmaps *self)
{
  return self->class_drop;
}

GtkDropDown *
ds_inspect_heatmaps_get_method_drop (DsInspectHeatmaps *self)
{
  return self->method_drop;
}

GtkCheckButton *
ds_inspect_heatmaps_get_side_check (DsInspectHeatmaps *self)
{
  return self->side_check;
}

GtkRange *
ds_inspect_heatmaps_get_opacity (DsInspectHeatmaps *self)
{
  return GTK_RANGE (self->opacity_scale);
}

GtkWidget *
ds_inspect_heatmaps_get_picture (DsInspectHeatmaps *self)
{
  return self->picture;
}

GtkLabel *
ds_inspect_heatmaps_get_message (DsInspectHeatmaps *self)
{
  return self->message;
}
