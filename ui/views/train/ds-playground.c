/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsPlayground: TensorFlow Playground's picture of a small network, on the
 * document's model. A strip of settings on top (speed, activation, learning
 * rate, regularization, batch size, noise, the share of training data, the
 * dataset); below, the input features as toggles, the hidden layers as
 * columns of unit maps joined by their weights, with +/- for layers and
 * units, and on the right the output map with the training and test loss.
 * Every control edits the document's model (one undo step each); the
 * pictures come from ds-playground-map.c on a worker thread. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-colors.h"
#include "ds-playground-map.h"
#include "ds-playground-private.h"
#include "ds-playground-surface.h"

/* Leave the trainer the CPU between two maps at full speed. */
#define MIN_INTERVAL_US 90000
#define UNIT_SIZE       40
#define UNIT_SPACING    6
#define MAX_HIDDEN      6
#define MAX_UNITS       256
/* One batch a frame at 60 frames a second. */
#define FRAME_US        16667

static const int speeds[] = { 1, 2, 5, 20, 0 };
static const char *const speed_names[] = {
  "1 batch a frame", "2 batches a frame", "5 batches a frame", "20 batches a frame",
  "Full speed", NULL,
};
static const char *const rates[] = {
  "0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", NULL,
};
static const char *const reg_rates[] = {
  "0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", NULL,
};
static const char *const reg_names[] = { "None", "L1", "L2", NULL };
static const char *const dataset_specs[] = {
  "spirals", "moons", "circles", "xor", "blobs", "plane", "gaussians", NULL,
};
static const char *const dataset_names[] = {
  "Spirals", "Moons", "Circles", "XOR", "Blobs", "Plane (regression)",
  "Gaussians (regression)", NULL,
};
static const char *const feature_labels[NN_N_FEATURES] = {
  "x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin πx₁", "sin πx₂",
};

/* The plain chain the playground edits: Input → Dense… → Dense (output). */
typedef struct
{
  int     input;
  GArray *hidden;   /* int: layer indices, input side first */
  int     output;
} Chain;

/* An edge of the network diagram: kernel row `in`, column `unit` of the
 * Dense layer of hidden column `hidden`. */
typedef struct
{
  guint hidden;
  int   in;
  int   unit;
} PickedEdge;

struct _DsPlayground
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkFlowBox      *strip;
  GtkButton       *remove_layer_button;
  GtkButton       *add_layer_button;
  GtkLabel        *layers_label;
  GtkButton       *build_button;
  GtkBox          *network_box;
  GtkBox          *features_box;
  GtkDrawingArea  *edges_area;
  GtkDrawingArea  *map_area;
  GtkLabel        *test_loss_label;
  GtkLabel        *train_loss_label;
  GtkLabel        *caption;
  GtkCheckButton  *test_check;
  GtkCheckButton  *discrete_check;
  GtkDrawingArea  *surface_area;
  GtkLabel        *surface_caption;
  GtkWidget       *network_overlay;
  GtkButton       *gradient_button;

  /* Strip widgets (made in code) */
  GtkDropDown     *speed_drop;
  GtkCheckButton  *continuous_check;
  GtkDropDown     *dataset_drop;
  GtkDropDown     *activation_drop;
  GtkDropDown     *lr_drop;
  GtkDropDown     *reg_drop;
  GtkDropDown     *reg_rate_drop;
  GtkSpinButton   *batch_spin;
  GtkSpinButton   *noise_spin;
  GtkSpinButton   *ratio_spin;
  GtkToggleButton *feature_buttons[NN_N_FEATURES];
  GtkWidget       *feature_maps[NN_N_FEATURES];

  /* Borrowed */
  DsDocument      *document;

  /* Owned */
  DsDataset       *dataset;       /* the points shown */
  DsTrainingRun   *run;
  GCancellable    *cancellable;
  DsMapJob        *result;        /* the last finished map */
  cairo_surface_t *map_surface;
  GPtrArray       *columns;       /* GtkBox per hidden layer */
  GPtrArray       *unit_areas;    /* GtkDrawingArea per unit, all layers */
  char            *shape_key;     /* the hidden layers the columns show */
  char           **activations;   /* the Dense activations but softmax */
  gboolean         busy;
  gboolean         dirty;
  gboolean         updating;      /* model → widgets: ignore their signals */
  gint64           last_start;
  guint            timeout_id;
  guint            n_updates;
  int              hover_hidden;  /* the unit under the pointer, or -1 */
  int              hover_unit;
  double           x0, x1, y0, y1;  /* the plane shown */
  gboolean         available;
  DsSurfaceJob    *surface;       /* the last finished loss surface */
  cairo_surface_t *surface_image;
  gboolean         surface_busy;
  gboolean         surface_dirty;
  guint            n_surfaces;
  PickedEdge       picked[2];     /* edges clicked for the loss surface */
  int              n_picked;      /* 0: the two with the largest gradient */
};

G_DEFINE_FINAL_TYPE (DsPlayground, ds_playground, GTK_TYPE_WIDGET)

static void schedule_update (DsPlayground *self);
static void sync_from_model (DsPlayground *self);

/* ---- the model ------------------------------------------------------------ */

static NnModel *
doc_model (DsPlayground *self)
{
  return self->document ? ds_document_get_model (self->document) : NULL;
}

static gboolean
is_dense (NnModel *m,
          int      l)
{
  const NnLayerType *t = nn_model_layer_get_type (m, l);

  return t && g_strcmp0 (nn_layer_type_get_name (t), "Dense") == 0;
}

/* TRUE when m is Input → Dense… → Dense, one call each, one output: the
 * models the playground edits. */
static gboolean
chain_find (NnModel *m,
            Chain   *c)
{
  int l;

  c->hidden = g_array_new (FALSE, FALSE, sizeof (int));
  c->input = c->output = -1;
  if (m == NULL || nn_model_get_n_inputs (m) != 1)
    return FALSE;
  c->input = nn_model_get_input_layer (m, 0);
  /* The output: the one Dense layer nothing reads. */
  for (l = 0; l < nn_model_get_n_layers (m); l++)
    {
      gboolean read = FALSE;

      for (int k = 0; k < nn_model_get_n_layers (m) && !read; k++)
        for (int s = 0; nn_model_layer_get_n_calls (m, k) > 0
                        && s < nn_model_call_get_n_inputs (m, k, 0); s++)
          read |= nn_model_call_get_input (m, k, 0, s).layer == l;
      if (!read && l != c->input)
        {
          if (c->output >= 0)
            return FALSE;
          c->output = l;
        }
    }
  if (c->output < 0 || !is_dense (m, c->output))
    return FALSE;
  for (l = c->output;;)
    {
      NnRef src;

      if (nn_model_layer_get_n_calls (m, l) != 1 || nn_model_call_get_n_inputs (m, l, 0) != 1)
        return FALSE;
      src = nn_model_call_get_input (m, l, 0, 0);
      if (src.layer == c->input)
        break;
      if (!is_dense (m, src.layer) || c->hidden->len >= (guint) nn_model_get_n_layers (m))
        return FALSE;
      g_array_prepend_val (c->hidden, src.layer);
      l = src.layer;
    }
  return (int) c->hidden->len + 2 == nn_model_get_n_layers (m);
}

static void
chain_clear (Chain *c)
{
  g_clear_pointer (&c->hidden, g_array_unref);
}

/* The document's dataset spec (or the store's), never NULL. */
static const char *
current_spec (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  const char *spec = m ? nn_model_get_dataset (m) : NULL;

  if ((spec == NULL || *spec == '\0') && self->document)
    spec = ds_dataset_store_get_spec (ds_document_get_dataset_store (self->document));
  return spec ? spec : "spirals";
}

/* spec with option key set to value (NULL: removed). */
static char *
spec_with (const char *spec,
           const char *key,
           const char *value)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  GString *s = g_string_new (parts[0]);

  for (int i = 1; parts[i]; i++)
    if (!g_str_has_prefix (parts[i], prefix))
      g_string_append_printf (s, ":%s", parts[i]);
  if (value)
    g_string_append_printf (s, ":%s=%s", key, value);
  return g_string_free (s, FALSE);
}

/* The value of option key in spec (owned), or NULL. */
static char *
spec_get (const char *spec,
          const char *key)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  char *value = NULL;

  for (int i = 1; parts[i]; i++)
    if (g_str_has_prefix (parts[i], prefix))
      {
        g_free (value);
        value = g_strdup (parts[i] + strlen (prefix));
      }
  return value;
}

static guint
spec_features (const char *spec)
{
  g_autofree char *text = spec_get (spec, "features");
  guint mask = NN_FEATURES_XY;

  if (text && !nn_features_parse (text, &mask, NULL))
    mask = NN_FEATURES_XY;
  return mask;
}

/* Records an edit of the document's model as one undo step; a live run of
 * the old model stops (its pictures would no longer match). */
static void
commit (DsPlayground *self,
        DsChange      what,
        const char   *label,
        const char   *merge_key)
{
  if (self->run && ds_training_run_is_live (self->run))
    ds_training_run_stop (self->run);
  ds_document_commit (self->document, what, label, merge_key);
}

/* A new dataset spec: into the model, and loading. */
static void
set_spec (DsPlayground *self,
          const char   *spec,
          const char   *label)
{
  DsDatasetStore *store = ds_document_get_dataset_store (self->document);
  NnModel *m = doc_model (self);
  g_autofree char *width = g_strdup_printf ("%d", nn_features_count (spec_features (spec)));
  g_autofree char *copy = g_strdup (spec);

  nn_model_set_dataset (m, copy);
  if (nn_model_get_n_inputs (m) == 1)
    nn_model_layer_set_param (m, nn_model_get_input_layer (m, 0), "shape", width, NULL);
  commit (self, DS_CHANGE_PARAMS, label, NULL);
  ds_dataset_store_load (store, copy, ds_dataset_store_get_flags (store));
}

/* ---- edits ---------------------------------------------------------------- */

static void
feature_toggled_cb (GtkToggleButton *button,
                    DsPlayground    *self)
{
  guint mask = 0;
  g_autofree char *list = NULL;
  g_autofree char *spec = NULL;

  if (self->updating || self->document == NULL)
    return;
  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      mask |= 1u << f;
  if (mask == 0)
    {
      /* The model needs at least one input. */
      self->updating = TRUE;
      gtk_toggle_button_set_active (button, TRUE);
      self->updating = FALSE;
      return;
    }
  list = nn_features_to_string (mask);
  spec = spec_with (current_spec (self), "features", mask == NN_FEATURES_XY ? NULL : list);
  set_spec (self, spec, "Choose Input Features");
}

static void
units_cb (GtkButton    *button,
          DsPlayground *self)
{
  NnModel *m = doc_model (self);
  int layer = nn_model_find_layer (m, g_object_get_data (G_OBJECT (button), "ds-layer"));
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "ds-delta"));
  const NnValue *v;
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (layer < 0 || (v = nn_model_layer_get_param (m, layer, "units")) == NULL)
    return;
  if (v->i + delta < 1 || v->i + delta > MAX_UNITS)
    return;
  text = g_strdup_printf ("%d", v->i + delta);
  if (!nn_model_layer_set_param (m, layer, "units", text, NULL))
    return;
  label = g_strdup_printf ("%s Units of %s", delta > 0 ? "Add" : "Remove",
                           nn_model_layer_get_name (m, layer));
  commit (self, DS_CHANGE_PARAMS, label, NULL);
}

static void
add_layer_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  Chain c;
  int prev, layer;
  double x, y, ox, oy;
  g_autofree char *units = NULL;
  g_autofree char *act = NULL;

  if (m == NULL || !chain_find (m, &c) || c.hidden->len >= MAX_HIDDEN)
    {
      chain_clear (&c);
      return;
    }
  prev = c.hidden->len ? g_array_index (c.hidden, int, c.hidden->len - 1) : c.input;
  units = c.hidden->len ? nn_model_layer_dup_param_text (m, prev, "units") : g_strdup ("4");
  act = c.hidden->len ? nn_model_layer_dup_param_text (m, prev, "activation") : g_strdup ("relu");
  layer = nn_model_add_layer (m, "Dense", NULL, NULL);
  if (layer < 0
      || !nn_model_layer_set_param (m, layer, "units", units, NULL)
      || !nn_model_layer_set_param (m, layer, "activation", act, NULL)
      || !nn_model_disconnect (m, c.output, 0, 0)
      || !nn_model_connect (m, (NnRef) { prev, 0 }, layer, 0, NULL)
      || !nn_model_connect (m, (NnRef) { layer, 0 }, c.output, 0, NULL))
    {
      ds_document_revert (self->document);
      chain_clear (&c);
      return;
    }
  /* In the Build view: where the output was, the output one step on. */
  nn_model_layer_get_position (m, prev, &x, &y);
  nn_model_layer_get_position (m, c.output, &ox, &oy);
  nn_model_layer_set_position (m, layer, ox, oy);
  nn_model_layer_set_position (m, c.output, ox + (ox - x > 0 ? ox - x : 240), oy);
  chain_clear (&c);
  commit (self, DS_CHANGE_STRUCTURE, "Add Hidden Layer", NULL);
}

static void
remove_layer_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  Chain c;
  int last, prev;
  g_autofree char *out_name = NULL;
  g_autofree char *prev_name = NULL;
  double x, y;

  if (m == NULL || !chain_find (m, &c) || c.hidden->len == 0)
    {
      chain_clear (&c);
      return;
    }
  last = g_array_index (c.hidden, int, c.hidden->len - 1);
  prev = c.hidden->len > 1 ? g_array_index (c.hidden, int, c.hidden->len - 2) : c.input;
  out_name = g_strdup (nn_model_layer_get_name (m, c.output));
  prev_name = g_strdup (nn_model_layer_get_name (m, prev));
  nn_model_layer_get_position (m, last, &x, &y);
  chain_clear (&c);
  if (!nn_model_remove_layer (m, last, NULL)
      || !nn_model_connect (m, (NnRef) { nn_model_find_layer (m, prev_name), 0 },
                            nn_model_find_layer (m, out_name), 0, NULL))
    {
      ds_document_revert (self->document);
      return;
    }
  nn_model_layer_set_position (m, nn_model_find_layer (m, out_name), x, y);
  commit (self, DS_CHANGE_STRUCTURE, "Remove Hidden Layer", NULL);
}

static void
activation_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  guint i = gtk_drop_down_get_selected (self->activation_drop);
  Chain c;

  if (self->updating || m == NULL || i >= g_strv_length (self->activations))
    return;
  if (chain_find (m, &c))
    {
      for (guint k = 0; k < c.hidden->len; k++)
        nn_model_layer_set_param (m, g_array_index (c.hidden, int, k), "activation",
                                  self->activations[i], NULL);
      commit (self, DS_CHANGE_PARAMS, "Change Activation", NULL);
    }
  chain_clear (&c);
}

static void
lr_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  guint i = gtk_drop_down_get_selected (self->lr_drop);
  double lr;

  if (self->updating || m == NULL || i >= g_strv_length ((char **) rates))
    return;
  lr = g_ascii_strtod (rates[i], NULL);
  nn_model_get_optimizer (m)->learning_rate = lr;
  /* A live run takes it at once, as the Train view's field does. */
  if (self->run && ds_training_run_is_live (self->run))
    ds_training_run_set_lr (self->run, lr);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Learning Rate", NULL);
}

static void
regularization_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  guint kind = gtk_drop_down_get_selected (self->reg_drop);
  guint r = gtk_drop_down_get_selected (self->reg_rate_drop);
  const char *rate;
  gboolean live = self->run && ds_training_run_is_live (self->run);

  if (self->updating || m == NULL)
    return;
  /* L1 or L2 at rate 0 would be no penalty, and the strip would show None
   * again: a kind chosen starts at the smallest rate. */
  if (kind != 0 && r == 0)
    {
      self->updating = TRUE;
      gtk_drop_down_set_selected (self->reg_rate_drop, r = 1);
      self->updating = FALSE;
    }
  rate = r < g_strv_length ((char **) reg_rates) ? reg_rates[r] : "0";
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_rate_drop), kind != 0);
  /* Every Dense kernel is penalized, as in TensorFlow Playground; a live
   * run takes the new penalty before its next batch. */
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (is_dense (m, l))
      {
        const char *l1 = kind == 1 ? rate : "0", *l2 = kind == 2 ? rate : "0";

        nn_model_layer_set_param (m, l, "kernel_l1", l1, NULL);
        nn_model_layer_set_param (m, l, "kernel_l2", l2, NULL);
        if (live)
          {
            ds_training_run_set_param (self->run, nn_model_layer_get_name (m, l), "kernel_l1", l1, NULL);
            ds_training_run_set_param (self->run, nn_model_layer_get_name (m, l), "kernel_l2", l2, NULL);
          }
      }
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Regularization", NULL);
}

static void
batch_cb (DsPlayground *self)
{
  NnModel *m = doc_model (self);

  if (self->updating || m == NULL)
    return;
  nn_model_get_defaults (m)->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Batch Size", "playground-batch");
}

static void
data_option_cb (DsPlayground *self)
{
  g_autofree char *spec = NULL;
  g_autofree char *noise = NULL;
  g_autofree char *test = NULL;
  g_autofree char *base = NULL;
  guint d = gtk_drop_down_get_selected (self->dataset_drop);

  if (self->updating || self->document == NULL || d >= g_strv_length ((char **) dataset_specs))
    return;
  /* The dataset's name first, then the options the strip sets. */
  base = spec_with (current_spec (self), "noise", NULL);
  spec = g_strconcat (dataset_specs[d], strchr (base, ':') ? strchr (base, ':') : "", NULL);
  noise = g_strdup_printf ("%g", gtk_spin_button_get_value (self->noise_spin));
  g_free (base);
  base = spec_with (spec, "noise", noise);
  test = g_strdup_printf ("%g", 1 - gtk_spin_button_get_value (self->ratio_spin) / 100.0);
  g_free (spec);
  spec = spec_with (base, "test", test);
  if (g_strcmp0 (spec, current_spec (self)) != 0)
    set_spec (self, spec, "Change Dataset");
}

static void
open_build_cb (DsPlayground *self)
{
  /* The window switches views: the Build view shows the same model. */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-view", "s", "build");
}

/* ---- pictures ------------------------------------------------------------- */

static int
point_class (NnDataset *ds,
             size_t     i)
{
  const NnArray *t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  int best = 0;

  if (t == NULL)
    return 0;
  if (t->sample_size == 1)
    {
      double v = nn_array_get (t, i, 0);

      if (ds->n_classes == 0)
        return v > 0;   /* regression: orange above zero */
      return (int) v;
    }
  /* One-hot */
  for (size_t k = 1; k < t->sample_size; k++)
    if (nn_array_get (t, i, k) > nn_array_get (t, i, (size_t) best))
      best = (int) k;
  return best;
}

/* The point colours: classes, or for regression the target's value. */
static void
point_rgb (NnDataset *ds,
           size_t     i,
           double    *rgb)
{
  if (ds->n_classes == 0 && ds->n_targets > 0)
    {
      guint32 px = ds_colors_diverging_pixel (CLAMP (nn_array_get (ds->targets[0], i, 0), -1, 1));

      rgb[0] = ((px >> 16) & 0xff) / 255.0 * 0.8;
      rgb[1] = ((px >> 8) & 0xff) / 255.0 * 0.8;
      rgb[2] = (px & 0xff) / 255.0 * 0.8;
      return;
    }
  ds_colors_class_rgb (point_class (ds, i), rgb);
}

static void
paint_surface (cairo_t         *cr,
               cairo_surface_t *s,
               int              res,
               int              width,
               int              height)
{
  cairo_save (cr);
  cairo_scale (cr, (double) width / res, (double) height / res);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_points (DsPlayground *self,
             cairo_t      *cr,
             int           width,
             int           height)
{
  NnDataset *ds = ds_dataset_get (self->dataset);
  const NnArray *pts = ds->points ? ds->points : ds->inputs[0];
  gboolean show_test = gtk_check_button_get_active (self->test_check);
  g_autofree guint8 *is_test = g_new0 (guint8, MAX (ds->n, 1));
  /* A few thousand points at most: more hide the map. */
  size_t step = MAX ((size_t) 1, ds->n / 3000);

  for (size_t i = 0; i < ds->n_test; i++)
    is_test[ds->test_idx[i]] = 1;
  for (size_t i = 0; i < ds->n; i += step)
    {
      double x = (nn_array_get (pts, i, 0) - self->x0) / (self->x1 - self->x0) * width;
      double y = (self->y1 - nn_array_get (pts, i, 1)) / (self->y1 - self->y0) * height;
      double rgb[3];

      if (is_test[i] && !show_test)
        continue;
      point_rgb (ds, i, rgb);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 3.4, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, is_test[i] ? 3 : 1);
      if (is_test[i])
        {
          cairo_stroke_preserve (cr);
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_set_line_width (cr, 1.6);
          cairo_stroke (cr);
        }
      else
        {
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_stroke (cr);
        }
    }
}

static void
draw_map (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        data)
{
  DsPlayground *self = data;
  cairo_surface_t *unit = NULL;
  gboolean dead = FALSE;

  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  /* Hovering a unit shows its map here, large. */
  if (self->hover_hidden >= 0 && self->result
      && (guint) self->hover_hidden < self->result->hidden->len)
    unit = ds_map_job_paint_unit (self->result, self->hover_hidden, self->hover_unit, &dead);
  if (unit)
    {
      paint_surface (cr, unit, DS_UNIT_RES, width, height);
      cairo_surface_destroy (unit);
    }
  else if (self->map_surface)
    paint_surface (cr, self->map_surface, DS_MAP_RES, width, height);

  /* Axes through the origin when it is in view. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.12);
  cairo_set_line_width (cr, 1);
  if (self->x0 < 0 && self->x1 > 0)
    {
      double x = round (-self->x0 / (self->x1 - self->x0) * width) + 0.5;
      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, height);
    }
  if (self->y0 < 0 && self->y1 > 0)
    {
      double y = round (self->y1 / (self->y1 - self->y0) * height) + 0.5;
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
    }
  cairo_stroke (cr);

  if (self->dataset && self->available && unit == NULL)
    draw_points (self, cr, width, height);

  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* One small map per unit: data packs the layer (high bits) and unit. */
static void
draw_unit (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        data)
{
  DsPlayground *self = g_object_get_data (G_OBJECT (area), "ds-playground");
  guint index = GPOINTER_TO_UINT (data) >> 16, u = GPOINTER_TO_UINT (data) & 0xffff;
  cairo_surface_t *s = NULL;
  gboolean dead = FALSE;

  if (self && self->result && index < self->result->hidden->len)
    s = ds_map_job_paint_unit (self->result, index, (int) u, &dead);
  if (s == NULL)
    {
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
      cairo_fill (cr);
    }
  else
    {
      paint_surface (cr, s, DS_UNIT_RES, width, height);
      cairo_surface_destroy (s);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, dead ? 0.3 : 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  if (dead)
    {
      /* A unit that is zero everywhere (a dead ReLU) is crossed out. */
      cairo_move_to (cr, 4, 4);
      cairo_line_to (cr, width - 4, height - 4);
      cairo_stroke (cr);
    }
}

/* The middle of a widget's left (side 0) or right (side 1) edge in the
 * network box's coordinates. */
static gboolean
edge_point (DsPlayground *self,
            GtkWidget    *w,
            int           side,
            double       *x,
            double       *y)
{
  graphene_point_t p;

  if (!gtk_widget_compute_point (w, GTK_WIDGET (self->edges_area),
                                 &GRAPHENE_POINT_INIT (side ? gtk_widget_get_width (w) : 0,
                                                       gtk_widget_get_height (w) / 2.0), &p))
    return FALSE;
  *x = p.x;
  *y = p.y;
  return TRUE;
}

/* One drawn weight: where it goes and its value over the layer's largest
 * |weight|; (x0, y0) and (x1, y1) in the edges area's coordinates. */
typedef struct
{
  PickedEdge id;
  int        layer;   /* in the map's model */
  int        units;
  double     w;
  double     x0, y0, x1, y1;
} Edge;

typedef void (*EdgeFunc) (DsPlayground *self,
                          const Edge   *e,
                          gpointer      data);

/* Calls func for each edge the diagram draws, from the inputs (the
 * feature maps) to the first hidden column, then column to column. */
static void
edges_foreach (DsPlayground *self,
               EdgeFunc      func,
               gpointer      data)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new ();
  DsMapJob *job = self->result;

  if (job == NULL || self->columns->len != job->hidden->len)
    return;
  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      g_ptr_array_add (from, self->feature_maps[f]);
  for (guint i = 0; i < job->hidden->len; i++)
    {
      DsMapHidden *h = &g_array_index (job->hidden, DsMapHidden, i);
      g_autoptr(GPtrArray) to = g_ptr_array_new ();
      int in = 0, units = 0;
      double max_abs;
      const float *k = ds_map_job_kernel (job, h->layer, &in, &units, &max_abs);

      for (guint u = 0; u < self->unit_areas->len; u++)
        if ((GPOINTER_TO_UINT (g_object_get_data (self->unit_areas->pdata[u], "ds-unit")) >> 16) == i)
          g_ptr_array_add (to, self->unit_areas->pdata[u]);
      if (k && in == (int) from->len && units == (int) to->len && max_abs > 0)
        for (int a = 0; a < in; a++)
          for (int b = 0; b < units; b++)
            {
              Edge e = { { i, a, b }, h->layer, units, k[(size_t) a * units + b] / max_abs };

              if (!edge_point (self, from->pdata[a], 1, &e.x0, &e.y0)
                  || !edge_point (self, to->pdata[b], 0, &e.x1, &e.y1))
                continue;
              func (self, &e, data);
            }
      g_ptr_array_set_size (from, 0);
      g_ptr_array_extend (from, to, NULL, NULL);
    }
}

/* The point at t (0..1) along an edge's curve: a cubic Bézier from 2 px
 * right of its start to 2 px left of its end, level at both ends. */
static void
edge_at (const Edge *e,
         double      t,
         double     *x,
         double     *y)
{
  double xs = e->x0 + 2, xe = e->x1 - 2, xm = (e->x0 + e->x1) / 2, s = 1 - t;

  *x = s * s * s * xs + 3 * s * s * t * xm + 3 * s * t * t * xm + t * t * t * xe;
  *y = (s * s * s + 3 * s * s * t) * e->y0 + (3 * s * t * t + t * t * t) * e->y1;
}

static void
edge_path (cairo_t    *cr,
           const Edge *e)
{
  cairo_move_to (cr, e->x0 + 2, e->y0);
  cairo_curve_to (cr, (e->x0 + e->x1) / 2, e->y0, (e->x0 + e->x1) / 2, e->y1, e->x1 - 2, e->y1);
}

static gboolean
edge_same (const PickedEdge *a,
           const PickedEdge *b)
{
  return a->hidden == b->hidden && a->in == b->in && a->unit == b->unit;
}

static void
draw_edge_cb (DsPlayground *self,
              const Edge   *e,
              gpointer      data)
{
  cairo_t *cr = data;
  guint32 px = ds_colors_diverging_pixel (e->w);

  cairo_set_source_rgba (cr, ((px >> 16) & 0xff) / 255.0, ((px >> 8) & 0xff) / 255.0,
                         (px & 0xff) / 255.0, 0.35 + 0.6 * fabs (e->w));
  cairo_set_line_width (cr, 0.4 + 3.6 * fabs (e->w));
  edge_path (cr, e);
  cairo_stroke (cr);
}

/* The edges picked for the loss surface: drawn over the others in the
 * text colour, each with its letter (A, then B) at its middle. */
static void
draw_picked_cb (DsPlayground *self,
                const Edge   *e,
                gpointer      data)
{
  cairo_t *cr = data;
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self->edges_area)), &fg);
  for (int k = 0; k < self->n_picked; k++)
    if (edge_same (&self->picked[k], &e->id))
      {
        const char *letter = k == 0 ? "A" : "B";
        cairo_text_extents_t ext;
        double x, y;

        gdk_cairo_set_source_rgba (cr, &fg);
        cairo_set_line_width (cr, 3);
        edge_path (cr, e);
        cairo_stroke (cr);
        edge_at (e, 0.5, &x, &y);
        cairo_arc (cr, x, y, 8, 0, 2 * G_PI);
        cairo_fill (cr);
        cairo_set_font_size (cr, 11);
        cairo_text_extents (cr, letter, &ext);
        cairo_set_source_rgb (cr, 1, 1, 1);
        if (fg.red + fg.green + fg.blue > 1.5)
          cairo_set_source_rgb (cr, 0, 0, 0);
        cairo_move_to (cr, x - ext.x_bearing - ext.width / 2, y - ext.y_bearing - ext.height / 2);
        cairo_show_text (cr, letter);
      }
}

/* The weights as edges: width by |w|, orange for positive, blue for
 * negative, as in TensorFlow Playground. */
static void
draw_edges (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  DsPlayground *self = data;

  edges_foreach (self, draw_edge_cb, cr);
  if (self->n_picked > 0)
    edges_foreach (self, draw_picked_cb, cr);
}

/* ---- picking two weights by their edges ------------------------------------ */

/* How near (px) a click must be to an edge to pick it. */
#define EDGE_HIT 6.0

typedef struct
{
  double x, y;
  double best;
  Edge   hit;
  gboolean found;
} EdgeHit;

static double
segment_distance (double px,
                  double py,
                  double ax,
                  double ay,
                  double bx,
                  double by)
{
  double dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
  double t = len > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / len, 0, 1) : 0;

  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

static void
hit_cb (DsPlayground *self,
        const Edge   *e,
        gpointer      data)
{
  EdgeHit *h = data;
  double ax, ay, bx, by;

  edge_at (e, 0, &ax, &ay);
  for (int i = 1; i <= 32; i++, ax = bx, ay = by)
    {
      double d;

      edge_at (e, i / 32.0, &bx, &by);
      d = segment_distance (h->x, h->y, ax, ay, bx, by);
      if (d < h->best)
        {
          h->best = d;
          h->hit = *e;
          h->found = TRUE;
        }
    }
}

/* The weight an edge stands for in the map's model, while the model still
 * has that edge. */
static gboolean
picked_ref (DsPlayground *self,
            int           k,
            NnWeightRef  *w)
{
  const PickedEdge *p = &self->picked[k];
  const DsMapHidden *h;
  int in = 0, units = 0;
  double max_abs;

  if (self->result == NULL || p->hidden >= self->result->hidden->len)
    return FALSE;
  h = &g_array_index (self->result->hidden, DsMapHidden, p->hidden);
  if (ds_map_job_kernel (self->result, h->layer, &in, &units, &max_abs) == NULL
      || p->in >= in || p->unit >= units)
    return FALSE;
  *w = (NnWeightRef) { h->layer, 0, (size_t) p->in * units + p->unit };
  return TRUE;
}

/* The labels of the inputs the model reads, in order, NULL-terminated. */
static void
active_inputs (DsPlayground *self,
               const char   *inputs[NN_N_FEATURES + 1])
{
  int n = 0;

  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      inputs[n++] = feature_labels[f];
  inputs[n] = NULL;
}

static void
reset_picks (DsPlayground *self)
{
  self->n_picked = 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->gradient_button), FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
}

static void surface_start (DsPlayground *self);

/* A first edge picks weight A, a second one weight B and the surface
 * follows them; a third starts a new pair. */
static void
pick_edge (DsPlayground *self,
           const Edge   *e)
{
  if (self->n_picked == 1 && edge_same (&self->picked[0], &e->id))
    return;
  if (self->n_picked == 1)
    self->picked[self->n_picked++] = e->id;
  else
    {
      self->picked[0] = e->id;
      self->n_picked = 1;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->gradient_button), TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
  if (self->n_picked == 2)
    {
      surface_start (self);
      return;
    }
  {
    const char *inputs[NN_N_FEATURES + 1];
    DsSurfaceJob tmp = { .model = self->result->model };
    g_autofree char *a = NULL;
    g_autofree char *text = NULL;

    active_inputs (self, inputs);
    tmp.w[0] = (NnWeightRef) { e->layer, 0, (size_t) e->id.in * e->units + e->id.unit };
    a = ds_surface_job_describe (&tmp, 0, inputs);
    text = g_strdup_printf ("Weight A: %s\nClick another edge for weight B", a);
    gtk_label_set_text (self->surface_caption, text);
  }
}

static gboolean
pick_at (DsPlayground *self,
         double        x,
         double        y)
{
  EdgeHit h = { x, y, EDGE_HIT };

  edges_foreach (self, hit_cb, &h);
  if (!h.found)
    return FALSE;
  pick_edge (self, &h.hit);
  return TRUE;
}

static void
network_pressed_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    DsPlayground    *self)
{
  graphene_point_t p;

  if (n_press != 1
      || !gtk_widget_compute_point (self->network_overlay, GTK_WIDGET (self->edges_area),
                                    &GRAPHENE_POINT_INIT (x, y), &p))
    return;
  if (pick_at (self, p.x, p.y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
gradient_cb (DsPlayground *self)
{
  reset_picks (self);
  surface_start (self);
}

/* ---- the network ---------------------------------------------------------- */

static void
unit_enter_cb (GtkEventControllerMotion *motion,
               double                    x,
               double                    y,
               DsPlayground             *self)
{
  GtkWidget *area = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (motion));
  guint data = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (area), "ds-unit"));

  self->hover_hidden = (int) (data >> 16);
  self->hover_unit = (int) (data & 0xffff);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

static void
unit_leave_cb (GtkEventControllerMotion *motion,
               DsPlayground             *self)
{
  self->hover_hidden = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

static GtkWidget *
units_button (DsPlayground *self,
              const char   *layer,
              int           delta)
{
  GtkWidget *b = gtk_button_new_from_icon_name (delta > 0 ? "list-add-symbolic" : "list-remove-symbolic");
  g_autofree char *tip = g_strdup_printf ("%s a unit %s %s", delta > 0 ? "Add" : "Remove",
                                          delta > 0 ? "to" : "from", layer);

  gtk_widget_add_css_class (b, "circular");
  gtk_widget_add_css_class (b, "flat");
  gtk_widget_set_tooltip_text (b, tip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
  g_object_set_data_full (G_OBJECT (b), "ds-layer", g_strdup (layer), g_free);
  g_object_set_data (G_OBJECT (b), "ds-delta", GINT_TO_POINTER (delta));
  g_signal_connect (b, "clicked", G_CALLBACK (units_cb), self);
  return b;
}

static GtkWidget *
make_unit (DsPlayground *self,
           guint         index,
           const char   *name,
           int           u)
{
  GtkWidget *area = gtk_drawing_area_new ();
  g_autofree char *tip = g_strdup_printf ("%s, unit %d: hover to see it large", name, u + 1);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  guint data = (index << 16) | (guint) u;

  g_object_set_data (G_OBJECT (area), "ds-playground", self);
  g_object_set_data (G_OBJECT (area), "ds-unit", GUINT_TO_POINTER (data));
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), UNIT_SIZE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), UNIT_SIZE);
  gtk_widget_set_halign (area, GTK_ALIGN_START);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_unit, GUINT_TO_POINTER (data), NULL);
  gtk_widget_set_tooltip_text (area, tip);
  g_signal_connect (motion, "enter", G_CALLBACK (unit_enter_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (unit_leave_cb), self);
  gtk_widget_add_controller (area, motion);
  return area;
}

/* Gives a column `units` unit maps, adding or removing at its end only, so
 * the units above stay where they are. */
static void
column_set_units (DsPlayground *self,
                  GtkWidget    *column,
                  guint         index,
                  const char   *name,
                  int           units)
{
  GtkLabel *count_label = g_object_get_data (G_OBJECT (column), "ds-count");
  int have = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (column), "ds-units"));
  g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%d unit", "%d units", units), units);

  gtk_label_set_text (count_label, count);
  units = MIN (units, MAX_UNITS);
  for (; have > units; have--)
    gtk_box_remove (GTK_BOX (column), gtk_widget_get_last_child (column));
  for (; have < units; have++)
    gtk_box_append (GTK_BOX (column), make_unit (self, index, name, have));
  g_object_set_data (G_OBJECT (column), "ds-units", GINT_TO_POINTER (units));
}

static GtkWidget *
make_column (DsPlayground *self,
             const char   *name,
             gboolean      editable)
{
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, UNIT_SPACING);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *count_label = gtk_label_new ("");

  gtk_widget_set_size_request (header, -1, 52);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (title), 12);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (count_label, "dim-label");
  gtk_widget_add_css_class (count_label, "caption");
  gtk_label_set_width_chars (GTK_LABEL (count_label), 9);
  gtk_label_set_xalign (GTK_LABEL (count_label), 0);
  gtk_box_append (GTK_BOX (header), title);
  if (editable)
    {
      gtk_box_append (GTK_BOX (row), units_button (self, name, -1));
      gtk_box_append (GTK_BOX (row), units_button (self, name, +1));
    }
  gtk_box_append (GTK_BOX (row), count_label);
  gtk_box_append (GTK_BOX (header), row);
  gtk_box_append (GTK_BOX (column), header);
  g_object_set_data (G_OBJECT (column), "ds-count", count_label);
  return column;
}

/* Columns for the hidden layers of the document's model (or of the map's
 * model when the playground cannot edit it), rebuilt only when the layers
 * or their sizes change, so nothing moves between two redraws. */
static void
rebuild_network (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  Chain c;
  gboolean editable = m && chain_find (m, &c);
  g_autoptr(GString) key = g_string_new (editable ? "e" : "r");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *layers = NULL;

  if (editable)
    for (guint i = 0; i < c.hidden->len; i++)
      {
        int l = g_array_index (c.hidden, int, i);
        const NnValue *v = nn_model_layer_get_param (m, l, "units");
        int units = v ? v->i : 0;

        g_ptr_array_add (names, g_strdup (nn_model_layer_get_name (m, l)));
        g_array_append_val (sizes, units);
      }
  else if (self->result)
    for (guint i = 0; i < self->result->hidden->len; i++)
      {
        DsMapHidden *h = &g_array_index (self->result->hidden, DsMapHidden, i);

        g_ptr_array_add (names, g_strdup (h->name));
        g_array_append_val (sizes, h->units);
      }
  if (m)
    chain_clear (&c);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (key, "|%s", (char *) names->pdata[i]);

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_layer_button), editable && names->len < MAX_HIDDEN);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_layer_button), editable && names->len > 0);
  layers = editable
    ? g_strdup_printf (g_dngettext (NULL, "%u hidden layer", "%u hidden layers", names->len), names->len)
    : g_strdup ("Not a plain stack of Dense layers: edit it in the Build view");
  gtk_label_set_text (self->layers_label, layers);

  /* New columns only when the layers change; units change in place. */
  if (g_strcmp0 (key->str, self->shape_key) != 0)
    {
      g_free (self->shape_key);
      self->shape_key = g_strdup (key->str);
      for (guint i = 0; i < self->columns->len; i++)
        gtk_box_remove (self->network_box, self->columns->pdata[i]);
      g_ptr_array_set_size (self->columns, 0);
      self->hover_hidden = -1;
      for (guint i = 0; i < names->len; i++)
        {
          GtkWidget *column = make_column (self, names->pdata[i], editable);

          gtk_box_append (self->network_box, column);
          g_ptr_array_add (self->columns, column);
        }
    }
  g_ptr_array_set_size (self->unit_areas, 0);
  for (guint i = 0; i < names->len; i++)
    {
      GtkWidget *column = self->columns->pdata[i];

      column_set_units (self, column, i, names->pdata[i], g_array_index (sizes, int, i));
      for (GtkWidget *c = gtk_widget_get_next_sibling (gtk_widget_get_first_child (column)); c;
           c = gtk_widget_get_next_sibling (c))
        {
          g_ptr_array_add (self->unit_areas, c);
          gtk_widget_queue_draw (c);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
}

/* ---- the strip and the features ------------------------------------------ */

static void
strip_add (DsPlayground *self,
           const char   *title,
           GtkWidget    *control)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), control);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_flow_box_append (self->strip, box);
  gtk_widget_set_can_focus (gtk_widget_get_parent (box), FALSE);
}

static GtkDropDown *
strip_drop (DsPlayground      *self,
            const char        *title,
            const char *const *items,
            GCallback          changed)
{
  GtkDropDown *drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (items));

  strip_add (self, title, GTK_WIDGET (drop));
  g_signal_connect_swapped (drop, "notify::selected", changed, self);
  return drop;
}

static GtkSpinButton *
strip_spin (DsPlayground *self,
            const char   *title,
            double        lo,
            double        hi,
            double        step,
            int           digits,
            GCallback     changed)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (lo, hi, step));

  gtk_spin_button_set_digits (spin, (guint) digits);
  strip_add (self, title, GTK_WIDGET (spin));
  g_signal_connect_swapped (spin, "value-changed", changed, self);
  return spin;
}

static void
speed_cb (DsPlayground *self)
{
  if (self->run)
    ds_training_run_set_pace (self->run, ds_playground_get_pace (self));
  schedule_update (self);
}

static void
build_strip (DsPlayground *self)
{
  const NnLayerType *dense = nn_layer_type_lookup ("Dense");
  g_autoptr(GStrvBuilder) acts = g_strv_builder_new ();

  for (guint i = 0; dense && i < nn_layer_type_get_n_params (dense); i++)
    {
      const NnParamSpec *p = nn_layer_type_get_param (dense, i);

      if (g_str_equal (p->name, "activation"))
        for (int k = 0; p->choices[k]; k++)
          if (!g_str_equal (p->choices[k], "softmax"))
            g_strv_builder_add (acts, p->choices[k]);
    }
  self->activations = g_strv_builder_end (acts);

  self->speed_drop = strip_drop (self, "Speed", speed_names, G_CALLBACK (speed_cb));
  gtk_drop_down_set_selected (self->speed_drop, G_N_ELEMENTS (speeds) - 1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed_drop),
                               "How fast training runs: slow enough to watch the boundary move after every batch, or at full speed");
  self->continuous_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("Run continuously"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->continuous_check),
                               "Train until you stop it rather than for the number of epochs set");
  strip_add (self, "Epochs", GTK_WIDGET (self->continuous_check));
  self->dataset_drop = strip_drop (self, "Data", dataset_names, G_CALLBACK (data_option_cb));
  self->activation_drop = strip_drop (self, "Activation", (const char *const *) self->activations,
                                      G_CALLBACK (activation_cb));
  self->lr_drop = strip_drop (self, "Learning rate", rates, G_CALLBACK (lr_cb));
  self->reg_drop = strip_drop (self, "Regularization", reg_names, G_CALLBACK (regularization_cb));
  self->reg_rate_drop = strip_drop (self, "Regularization rate", reg_rates, G_CALLBACK (regularization_cb));
  self->batch_spin = strip_spin (self, "Batch size", 1, 256, 1, 0, G_CALLBACK (batch_cb));
  self->noise_spin = strip_spin (self, "Noise", 0, 1, 0.05, 2, G_CALLBACK (data_option_cb));
  self->ratio_spin = strip_spin (self, "Training data %", 10, 90, 10, 0, G_CALLBACK (data_option_cb));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->ratio_spin),
                               "The share of the points the model trains on; the rest test it");
}

/* A feature's value over the plane, faded while the model does not read
 * it. */
static void
draw_feature (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsPlayground *self = g_object_get_data (G_OBJECT (area), "ds-playground");
  NnFeature f = GPOINTER_TO_INT (data);
  cairo_surface_t *s = NULL;

  if (self && self->x1 > self->x0 && self->y1 > self->y0)
    s = ds_map_paint_feature (f, self->x0, self->x1, self->y0, self->y1);
  if (s == NULL)
    {
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
      cairo_fill (cr);
    }
  else
    {
      cairo_push_group (cr);
      paint_surface (cr, s, DS_UNIT_RES, width, height);
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, gtk_toggle_button_get_active (self->feature_buttons[f]) ? 1 : 0.3);
      cairo_surface_destroy (s);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* Each feature's toggle, with its map beside it (the edges start there). */
static void
build_features (DsPlayground *self)
{
  /* One width for every toggle, so the maps stand in one column. */
  g_autoptr(GtkSizeGroup) group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);

  for (int f = 0; f < NN_N_FEATURES; f++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *b = gtk_toggle_button_new_with_label (feature_labels[f]);
      GtkWidget *area = gtk_drawing_area_new ();
      g_autofree char *tip = g_strdup_printf ("Feed %s to the model (dataset option features=%s)",
                                              feature_labels[f], nn_feature_name (f));
      g_autofree char *map_tip = g_strdup_printf ("%s over the plane: orange above zero, blue below",
                                                  feature_labels[f]);

      gtk_widget_set_size_request (b, 64, UNIT_SIZE);
      gtk_size_group_add_widget (group, b);
      gtk_widget_set_tooltip_text (b, tip);
      gtk_widget_set_halign (row, GTK_ALIGN_START);
      g_signal_connect (b, "toggled", G_CALLBACK (feature_toggled_cb), self);
      g_object_set_data (G_OBJECT (area), "ds-playground", self);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_feature, GINT_TO_POINTER (f), NULL);
      gtk_widget_set_tooltip_text (area, map_tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, map_tip, -1);
      g_signal_connect_swapped (b, "toggled", G_CALLBACK (gtk_widget_queue_draw), area);
      gtk_box_append (GTK_BOX (row), b);
      gtk_box_append (GTK_BOX (row), area);
      gtk_box_append (self->features_box, row);
      self->feature_buttons[f] = GTK_TOGGLE_BUTTON (b);
      self->feature_maps[f] = area;
    }
}

static guint
index_of (const char *const *list,
          const char        *value,
          guint              fallback)
{
  for (guint i = 0; list[i]; i++)
    if (g_strcmp0 (list[i], value) == 0)
      return i;
  return fallback;
}

static guint
nearest_rate (const char *const *list,
              double             v)
{
  guint best = 0;

  for (guint i = 1; list[i]; i++)
    if (fabs (log10 (g_ascii_strtod (list[i], NULL) + 1e-9) - log10 (v + 1e-9))
        < fabs (log10 (g_ascii_strtod (list[best], NULL) + 1e-9) - log10 (v + 1e-9)))
      best = i;
  return best;
}

/* The strip and the feature toggles show the document's model. */
static void
sync_from_model (DsPlayground *self)
{
  NnModel *m = doc_model (self);
  const char *spec = current_spec (self);
  g_auto(GStrv) parts = g_strsplit (spec, ":", 2);
  g_autofree char *noise = spec_get (spec, "noise");
  g_autofree char *test = spec_get (spec, "test");
  guint features = spec_features (spec);
  double l1 = 0, l2 = 0;
  Chain c;

  if (m == NULL)
    return;
  self->updating = TRUE;
  for (int f = 0; f < NN_N_FEATURES; f++)
    gtk_toggle_button_set_active (self->feature_buttons[f], (features >> f) & 1);
  gtk_drop_down_set_selected (self->dataset_drop, index_of (dataset_specs, parts[0], 0));
  gtk_spin_button_set_value (self->noise_spin,
                             noise ? g_ascii_strtod (noise, NULL) : g_str_equal (parts[0], "spirals") ? 0.2 : 0.1);
  gtk_spin_button_set_value (self->ratio_spin, 100 * (1 - (test ? g_ascii_strtod (test, NULL) : 0.2)));
  gtk_drop_down_set_selected (self->lr_drop, nearest_rate (rates, nn_model_get_optimizer (m)->learning_rate));
  gtk_spin_button_set_value (self->batch_spin,
                             nn_model_get_defaults (m)->batch_size > 0 ? nn_model_get_defaults (m)->batch_size : 32);
  if (chain_find (m, &c) && c.hidden->len > 0)
    {
      g_autofree char *act = nn_model_layer_dup_param_text (m, g_array_index (c.hidden, int, 0), "activation");

      gtk_drop_down_set_selected (self->activation_drop, index_of ((const char *const *) self->activations, act, 0));
    }
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (is_dense (m, l))
      {
        const NnValue *v1 = nn_model_layer_get_param (m, l, "kernel_l1");
        const NnValue *v2 = nn_model_layer_get_param (m, l, "kernel_l2");

        l1 = MAX (l1, v1 ? v1->f : 0);
        l2 = MAX (l2, v2 ? v2->f : 0);
      }
  gtk_drop_down_set_selected (self->reg_drop, l1 > 0 ? 1 : l2 > 0 ? 2 : 0);
  gtk_drop_down_set_selected (self->reg_rate_drop, nearest_rate (reg_rates, MAX (l1, l2)));
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_rate_drop), l1 > 0 || l2 > 0);
  chain_clear (&c);
  self->updating = FALSE;
  rebuild_network (self);
}

/* ---- scheduling ----------------------------------------------------------- */

static gboolean
run_live (DsPlayground *self)
{
  return self->run && ds_training_run_is_live (self->run);
}

static void
set_loss_label (GtkLabel   *label,
                const char *what,
                double      v)
{
  g_autofree char *text = isfinite (v) ? g_strdup_printf ("%s %.3f", what, v)
                                       : g_strdup_printf ("%s –", what);

  gtk_label_set_text (label, text);
}

static void
surface_done_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  DsPlayground *self = DS_PLAYGROUND (source);
  GTask *task = G_TASK (res);
  DsSurfaceJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *text = NULL;
  const char *inputs[NN_N_FEATURES + 1] = { NULL };

  if (!g_task_propagate_boolean (task, &error))
    {
      ds_surface_job_free (job);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->surface_busy = FALSE;
      gtk_label_set_text (self->surface_caption, error->message);
      return;
    }
  self->surface_busy = FALSE;
  ds_surface_job_free (self->surface);
  self->surface = job;
  self->n_surfaces++;
  g_clear_pointer (&self->surface_image, cairo_surface_destroy);
  self->surface_image = ds_surface_job_paint (job);
  active_inputs (self, inputs);
  a = ds_surface_job_describe (job, 0, inputs);
  b = ds_surface_job_describe (job, 1, inputs);
  text = g_strdup_printf ("→ %s%s (±%.2g)\n↑ %s%s (±%.2g)\nLoss %.3f here (ring), lowest %.3f (cross)",
                          job->chosen ? "A: " : "", a, job->span[0], job->chosen ? "B: " : "", b,
                          job->span[1], job->centre, job->lo);
  gtk_label_set_text (self->surface_caption, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->surface_area));
  if (self->surface_dirty)
    surface_start (self);
}

static void
surface_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (ds_surface_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The loss surface around the last map's weights, on a worker thread; at
 * full speed only once the run has ended (the trainer keeps the CPU). */
static void
surface_start (DsPlayground *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DsSurfaceJob *job;
  NnWeightRef w[2];
  gboolean chosen;

  self->surface_dirty = FALSE;
  if (self->result == NULL)
    return;
  /* Picked edges the model no longer has (a layer or unit removed) give
   * way to the largest gradient. */
  for (int k = 0; k < self->n_picked; k++)
    if (!picked_ref (self, k, &w[k]))
      {
        reset_picks (self);
        break;
      }
  if (self->surface_busy)
    {
      self->surface_dirty = TRUE;
      return;
    }
  if (run_live (self) && ds_playground_get_pace (self) == 0)
    return;
  chosen = self->n_picked == 2;
  job = ds_surface_job_new (self->result->model, self->result->dataset, chosen ? w : NULL, &error);
  if (job == NULL)
    {
      gtk_label_set_text (self->surface_caption, error->message);
      return;
    }
  self->surface_busy = TRUE;
  task = g_task_new (self, self->cancellable, surface_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, surface_thread);
}

static void
draw_surface (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsPlayground *self = data;
  DsSurfaceJob *job = self->surface;
  double cell = (double) width / DS_SURFACE_RES, x, y;

  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 0.94, 0.94, 0.94);
  cairo_fill (cr);
  if (job == NULL || self->surface_image == NULL)
    return;
  cairo_save (cr);
  cairo_scale (cr, (double) width / DS_SURFACE_RES, (double) height / DS_SURFACE_RES);
  cairo_set_source_surface (cr, self->surface_image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  /* The current weights: a ring at the centre. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2.5);
  cairo_arc (cr, width / 2.0, height / 2.0, MAX (cell * 0.8, 4), 0, 2 * G_PI);
  cairo_stroke (cr);
  /* The lowest point of the grid: a cross. */
  if (job->min_cell >= 0)
    {
      x = (job->min_cell % DS_SURFACE_RES + 0.5) * cell;
      y = (job->min_cell / DS_SURFACE_RES + 0.5) * (double) height / DS_SURFACE_RES;
      cairo_move_to (cr, x - 5, y - 5);
      cairo_line_to (cr, x + 5, y + 5);
      cairo_move_to (cr, x + 5, y - 5);
      cairo_line_to (cr, x - 5, y + 5);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
map_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  DsPlayground *self = DS_PLAYGROUND (source);
  GTask *task = G_TASK (res);
  /* The job is ours in every outcome: the task holds it without a
   * destroy function. */
  DsMapJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *caption = g_strdup (g_object_get_data (G_OBJECT (task), "ds-caption"));

  if (!g_task_propagate_boolean (task, &error))
    {
      ds_map_job_free (job);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->busy = FALSE;
          gtk_label_set_text (self->caption, error->message);
        }
      return;
    }
  self->busy = FALSE;
  ds_map_job_free (self->result);
  self->result = job;
  self->n_updates++;
  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  self->map_surface = ds_map_job_paint (job, gtk_check_button_get_active (self->discrete_check));
  rebuild_network (self);
  gtk_label_set_text (self->caption, caption);
  set_loss_label (self->test_loss_label, "Test loss", job->test_loss);
  set_loss_label (self->train_loss_label, "Training loss", job->train_loss);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
  surface_start (self);
  if (self->dirty)
    schedule_update (self);
}

static void
map_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (ds_map_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static char *
make_caption (DsPlayground *self,
              gboolean      from_run)
{
  GString *s;

  if (!from_run)
    return g_strdup (nn_model_has_weights (doc_model (self))
                     ? "The document’s model" : "Untrained: weights drawn from seed 1");
  s = g_string_new (ds_training_run_get_name (self->run));
  g_string_append_printf (s, " · epoch %d · step %ld", MAX (ds_training_run_get_epoch (self->run), 1),
                          ds_training_run_get_step (self->run));
  return g_string_free (s, FALSE);
}

static void
start_job (DsPlayground *self)
{
  gboolean from_run = run_live (self);
  NnModel *model = NULL;
  DsDataset *dataset = self->dataset;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DsMapJob *job;

  self->dirty = FALSE;
  if (from_run)
    {
      model = ds_training_run_get_snapshot (self->run);
      if (model == NULL)
        model = ds_training_run_get_model (self->run);
      dataset = ds_training_run_get_dataset (self->run);
    }
  else
    model = doc_model (self);
  if (model == NULL || dataset == NULL || !self->available || nn_model_get_n_layers (model) == 0)
    return;
  job = ds_map_job_new (model, dataset, self->x0, self->x1, self->y0, self->y1, &error);
  if (job == NULL)
    {
      gtk_label_set_text (self->caption, error->message);
      return;
    }
  self->busy = TRUE;
  self->last_start = g_get_monotonic_time ();
  task = g_task_new (self, self->cancellable, map_done_cb, NULL);
  g_object_set_data_full (G_OBJECT (task), "ds-caption", make_caption (self, from_run), g_free);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, map_thread);
}

static gboolean
timeout_cb (gpointer data)
{
  DsPlayground *self = data;

  self->timeout_id = 0;
  if (!self->busy)
    start_job (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_update (DsPlayground *self)
{
  gint64 wait;

  if (!self->available)
    return;
  /* One map at a time: snapshots that arrive meanwhile collapse into the
   * next map, which uses the latest one. */
  if (self->busy)
    {
      self->dirty = TRUE;
      return;
    }
  if (self->timeout_id)
    return;
  /* Watched training (a pace, a step) redraws after every batch. */
  wait = self->last_start + (ds_playground_get_pace (self) > 0 || !run_live (self) ? 0 : MIN_INTERVAL_US)
         - g_get_monotonic_time ();
  if (wait > 0)
    self->timeout_id = g_timeout_add ((guint) (wait / 1000) + 1, timeout_cb, self);
  else
    start_job (self);
}

static void
options_cb (DsPlayground *self)
{
  if (self->result)
    {
      g_clear_pointer (&self->map_surface, cairo_surface_destroy);
      self->map_surface = ds_map_job_paint (self->result, gtk_check_button_get_active (self->discrete_check));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

/* The points shown: the live run's, else the document's store's. */
static void
follow_dataset (DsPlayground *self)
{
  DsDataset *ds = NULL;

  if (run_live (self))
    ds = ds_training_run_get_dataset (self->run);
  else if (self->document)
    ds = ds_dataset_store_get_dataset (ds_document_get_dataset_store (self->document));
  if (ds == NULL && self->run)
    ds = ds_training_run_get_dataset (self->run);
  if (ds)
    ds_playground_set_dataset (self, ds);
}

static void
document_changed_cb (DsPlayground *self,
                     guint         what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  sync_from_model (self);
  if (!run_live (self))
    schedule_update (self);
}

static void
run_state_cb (DsPlayground *self)
{
  follow_dataset (self);
  schedule_update (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_playground_dispose (GObject *object)
{
  DsPlayground *self = DS_PLAYGROUND (object);

  ds_playground_set_document (self, NULL);
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_PLAYGROUND);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_playground_parent_class)->dispose (object);
}

static void
ds_playground_finalize (GObject *object)
{
  DsPlayground *self = DS_PLAYGROUND (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  g_clear_pointer (&self->surface_image, cairo_surface_destroy);
  ds_map_job_free (self->result);
  ds_surface_job_free (self->surface);
  g_ptr_array_unref (self->columns);
  g_ptr_array_unref (self->unit_areas);
  g_free (self->shape_key);
  g_strfreev (self->activations);
  G_OBJECT_CLASS (ds_playground_parent_class)->finalize (object);
}

static void
ds_playground_class_init (DsPlaygroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_playground_dispose;
  object_class->finalize = ds_playground_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-playground.ui");
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, stack);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, empty_page);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, strip);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, remove_layer_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, add_layer_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, layers_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, build_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, network_box);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, features_box);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, edges_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, map_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, test_loss_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, train_loss_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, caption);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, test_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, discrete_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, surface_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, surface_caption);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, network_overlay);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, gradient_button);
  gtk_widget_class_bind_template_callback (widget_class, options_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_layer_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_layer_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_build_cb);
  gtk_widget_class_bind_template_callback (widget_class, gradient_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "playground");
}

static void
ds_playground_init (DsPlayground *self)
{
  GtkGesture *click;

  self->cancellable = g_cancellable_new ();
  self->columns = g_ptr_array_new ();
  self->unit_areas = g_ptr_array_new ();
  self->hover_hidden = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  build_strip (self);
  build_features (self);
  gtk_drawing_area_set_draw_func (self->map_area, draw_map, self, NULL);
  gtk_drawing_area_set_draw_func (self->edges_area, draw_edges, self, NULL);
  gtk_drawing_area_set_draw_func (self->surface_area, draw_surface, self, NULL);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (network_pressed_cb), self);
  gtk_widget_add_controller (self->network_overlay, GTK_EVENT_CONTROLLER (click));
  gtk_stack_set_visible_child_name (self->stack, "empty");
  set_loss_label (self->test_loss_label, "Test loss", NAN);
  set_loss_label (self->train_loss_label, "Training loss", NAN);
}

GtkWidget *
ds_playground_new (void)
{
  return g_object_new (DS_TYPE_PLAYGROUND, NULL);
}

void
ds_playground_set_document (DsPlayground *self,
                            DsDocument   *document)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (self->document == document)
    return;
  if (self->document)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (ds_document_get_dataset_store (self->document), self);
    }
  /* Owned: a window that quits may finalize its document before this
   * widget is disposed, and the disconnections above must not then reach
   * a freed document. */
  g_set_object (&self->document, document);
  if (document == NULL)
    return;
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (ds_document_get_dataset_store (document), "notify::dataset",
                            G_CALLBACK (run_state_cb), self);
  sync_from_model (self);
  follow_dataset (self);
  schedule_update (self);
}

void
ds_playground_set_dataset (DsPlayground *self,
                           DsDataset    *dataset)
{
  NnDataset *ds;
  const NnArray *pts;
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  double span, cx, cy;

  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (dataset == self->dataset)
    return;
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  self->available = dataset != NULL && ds_dataset_is_2d (dataset);
  if (dataset)
    self->dataset = ds_dataset_ref (dataset);
  gtk_stack_set_visible_child_name (self->stack, self->available ? "content" : "empty");
  if (!self->available)
    return;

  ds = ds_dataset_get (dataset);
  pts = ds->points ? ds->points : ds->inputs[0];
  for (size_t i = 0; i < ds->n; i++)
    for (int f = 0; f < 2; f++)
      {
        double v = nn_array_get (pts, i, (size_t) f);

        if (isfinite (v))
          {
            lo[f] = MIN (lo[f], v);
            hi[f] = MAX (hi[f], v);
          }
      }
  if (!(lo[0] <= hi[0]) || !(lo[1] <= hi[1]))
    lo[0] = lo[1] = -1, hi[0] = hi[1] = 1;
  /* A square plane, so shapes are not squashed, with a margin. */
  span = MAX (MAX (hi[0] - lo[0], hi[1] - lo[1]), 1e-3) * 1.16;
  cx = (lo[0] + hi[0]) / 2;
  cy = (lo[1] + hi[1]) / 2;
  self->x0 = cx - span / 2;
  self->x1 = cx + span / 2;
  self->y0 = cy - span / 2;
  self->y1 = cy + span / 2;
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  for (int f = 0; f < NN_N_FEATURES; f++)
    gtk_widget_queue_draw (self->feature_maps[f]);
  schedule_update (self);
}

void
ds_playground_set_run (DsPlayground  *self,
                       DsTrainingRun *run)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (self->run == run)
    return;
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_set_object (&self->run, run);
  if (run)
    {
      ds_training_run_set_pace (run, ds_playground_get_pace (self));
      g_signal_connect_swapped (run, "snapshot", G_CALLBACK (schedule_update), self);
      g_signal_connect_swapped (run, "ended", G_CALLBACK (run_state_cb), self);
    }
  follow_dataset (self);
  schedule_update (self);
}

void
ds_playground_adjust_config (DsPlayground *self,
                             NnFitConfig  *cfg)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));
  /* Until the person stops it: as many epochs as anyone will wait for. */
  if (gtk_check_button_get_active (self->continuous_check))
    cfg->epochs = 1000000;
}

int
ds_playground_get_pace (DsPlayground *self)
{
  guint i;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  i = gtk_drop_down_get_selected (self->speed_drop);
  return i < G_N_ELEMENTS (speeds) && speeds[i] > 0 ? FRAME_US / speeds[i] : 0;
}

gboolean
ds_playground_get_available (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  return self->available;
}

int
ds_playground_get_class_at (DsPlayground *self,
                            double        x,
                            double        y)
{
  double p[16], best = -1;
  int c, r, n, arg = -1;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), -1);

  if (self->result == NULL || self->result->out == NULL)
    return -1;
  c = (int) floor ((x - self->x0) / (self->x1 - self->x0) * DS_MAP_RES);
  r = (int) floor ((self->y1 - y) / (self->y1 - self->y0) * DS_MAP_RES);
  if (c < 0 || c >= DS_MAP_RES || r < 0 || r >= DS_MAP_RES)
    return -1;
  n = ds_map_job_cell (self->result, r * DS_MAP_RES + c, p, 16);
  for (int k = 0; k < n; k++)
    if (p[k] > best)
      {
        best = p[k];
        arg = k;
      }
  return arg;
}

/* ---- tests ---------------------------------------------------------------- */

guint
ds_playground_get_n_updates (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->n_updates;
}

guint
ds_playground_get_n_units (DsPlayground *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  if (self->result)
    for (guint i = 0; i < self->result->hidden->len; i++)
      if (g_array_index (self->result->hidden, DsMapHidden, i).act)
        n += (guint) g_array_index (self->result->hidden, DsMapHidden, i).units;
  return n;
}

guint
ds_playground_get_n_unit_widgets (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->unit_areas->len;
}

char *
ds_playground_dup_map_checksum (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  if (self->result == NULL || self->result->out == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) self->result->out,
                                      sizeof (float) * DS_MAP_RES * DS_MAP_RES * self->result->out_dim);
}

double
ds_playground_get_loss (DsPlayground *self,
                        gboolean      test)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NAN);
  if (self->result == NULL)
    return NAN;
  return test ? self->result->test_loss : self->result->train_loss;
}

GtkDropDown *
ds_playground_get_speed_drop (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->speed_drop;
}

GtkToggleButton *
ds_playground_get_feature_button (DsPlayground *self,
                                  NnFeature     feature)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  g_return_val_if_fail (feature < NN_N_FEATURES, NULL);
  return self->feature_buttons[feature];
}

GtkWidget *
ds_playground_get_units_button (DsPlayground *self,
                                const char   *layer,
                                int           delta)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < self->columns->len; i++)
    {
      GtkWidget *header = gtk_widget_get_first_child (self->columns->pdata[i]);
      GtkWidget *row = gtk_widget_get_last_child (header);

      for (GtkWidget *b = gtk_widget_get_first_child (row); b; b = gtk_widget_get_next_sibling (b))
        if (GTK_IS_BUTTON (b) && g_strcmp0 (g_object_get_data (G_OBJECT (b), "ds-layer"), layer) == 0
            && GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "ds-delta")) == delta)
          return b;
    }
  return NULL;
}

GtkWidget *
ds_playground_get_layer_button (DsPlayground *self,
                                int           delta)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return GTK_WIDGET (delta > 0 ? self->add_layer_button : self->remove_layer_button);
}

GtkWidget *
ds_playground_get_control (DsPlayground *self,
                           const char   *name)
{
  const struct { const char *name; gpointer widget; } controls[] = {
    { "activation", self->activation_drop }, { "learning-rate", self->lr_drop },
    { "regularization", self->reg_drop }, { "regularization-rate", self->reg_rate_drop },
    { "batch-size", self->batch_spin }, { "noise", self->noise_spin },
    { "training-share", self->ratio_spin }, { "dataset", self->dataset_drop },
    { "build", self->build_button }, { "map", self->map_area },
    { "network", self->network_box }, { "surface", self->surface_area },
    { "edges", self->edges_area }, { "largest-gradient", self->gradient_button },
  };

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    if (g_strcmp0 (controls[i].name, name) == 0)
      return controls[i].widget;
  return NULL;
}

gboolean
ds_playground_get_hover (DsPlayground *self,
                         int          *hidden,
                         int          *unit)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  *hidden = self->hover_hidden;
  *unit = self->hover_unit;
  return self->hover_hidden >= 0;
}

GtkWidget *
ds_playground_get_unit_widget (DsPlayground *self,
                               guint         hidden,
                               guint         unit)
{
  guint k = 0;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < self->unit_areas->len; i++)
    {
      guint data = GPOINTER_TO_UINT (g_object_get_data (self->unit_areas->pdata[i], "ds-unit"));

      if (data >> 16 == hidden && k++ == unit)
        return self->unit_areas->pdata[i];
    }
  return NULL;
}

guint
ds_playground_get_n_surfaces (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->n_surfaces;
}

gconstpointer
ds_playground_get_surface (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->surface;
}

int
ds_playground_get_picked (DsPlayground *self,
                          NnWeightRef   w[2])
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  for (int k = 0; k < self->n_picked; k++)
    if (!picked_ref (self, k, &w[k]))
      return k;
  return self->n_picked;
}

typedef struct
{
  PickedEdge id;
  double     t;
  double     x, y;
  gboolean   found;
} EdgeFind;

static void
find_cb (DsPlayground *self,
         const Edge   *e,
         gpointer      data)
{
  EdgeFind *f = data;

  if (!f->found && edge_same (&f->id, &e->id))
    {
      edge_at (e, f->t, &f->x, &f->y);
      f->found = TRUE;
    }
}

gboolean
ds_playground_get_edge_point (DsPlayground *self,
                              guint         hidden,
                              int           in,
                              int           unit,
                              double        t,
                              double       *x,
                              double       *y)
{
  EdgeFind f = { { hidden, in, unit }, t };

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  edges_foreach (self, find_cb, &f);
  *x = f.x;
  *y = f.y;
  return f.found;
}

GtkWidget *
ds_playground_get_feature_map (DsPlayground *self,
                               NnFeature     feature)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  g_return_val_if_fail (feature < NN_N_FEATURES, NULL);
  return self->feature_maps[feature];
}
