/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-numbers.c: the "Numbers" switch. For a network with at most
 * DS_PLAYGROUND_MAX_NUMBERS weights and biases, every weight line carries
 * its value w and, after a Step, the batch's mean gradient ∂L/∂w and the
 * update Δw; every unit its bias and the activation of the batch's first
 * sample; an output column shows the output unit and its weights; a caption
 * under the map gives that sample, the prediction and the batch's loss.
 * The rows of units move apart while the numbers show, so that no two
 * labels of a 2-2-1 network overlap: inputs 80 px apart, units of a hidden
 * or output column 160 px apart, the output unit between the last hidden
 * ones; every edge's label is at its middle, 40 px from the next. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-playground-private.h"

#define FONT_SIZE   9.0
#define LINE_HEIGHT 11.0
#define PAD         2.0
/* Spacings while the numbers show (px). */
#define GAP_NUMBERS      80
#define FEATURE_SPACING  40
#define COLUMN_SPACING   120

char *
ds_playground_format_number (double   v,
                             gboolean sign)
{
  if (fabs (v) < 5e-7)
    v = 0;
  return g_strdup_printf (sign ? "%+.3g" : "%.3g", v);
}

static float *
copy_weight (NnModel *m,
             int      layer,
             int      k,
             size_t   size)
{
  NnTensor view;

  if (m == NULL || nn_model_layer_get_n_weights (m, layer) <= k
      || nn_model_layer_get_weight (m, layer, k, &view) == NULL || view.size != size)
    return NULL;
  return g_memdup2 (view.data, size * sizeof (float));
}

static void
layer_clear (gpointer data)
{
  DsNumbersLayer *l = data;

  g_free (l->w);
  g_free (l->b);
  g_free (l->w0);
  g_free (l->b0);
  g_free (l->g);
  g_free (l->bg);
  g_free (l->act);
}

void
_ds_playground_numbers_free (DsNumbers *n)
{
  if (n == NULL)
    return;
  g_array_unref (n->layers);
  g_free (n);
}

/* The last step's details, when model is the run's latest snapshot. */
static void
add_step (DsPlayground *self,
          DsNumbers    *n)
{
  NnModel *before, *gradient;
  const guint32 *batch;
  guint n_batch;
  NnDataset *ds;
  g_autoptr(NnModel) copy = NULL;
  NnScores s = { 0 };
  gboolean found = FALSE;
  int shape[2];
  g_autoptr(NnTensor) input = NULL;

  if (!ds_training_run_get_step_details (self->run, &before, &gradient, &batch, &n_batch) || n_batch == 0
      || ds_training_run_get_dataset (self->run) == NULL)
    return;
  ds = ds_dataset_get (ds_training_run_get_dataset (self->run));
  if (ds == NULL || ds->n_inputs < 1 || ds->n_targets < 1 || ds->inputs[0]->sample_size > NN_N_FEATURES)
    return;
  n->sample = batch[0];
  n->n_x = (int) ds->inputs[0]->sample_size;
  for (int f = 0; f < n->n_x; f++)
    n->x[f] = nn_array_get (ds->inputs[0], batch[0], f);
  n->y = nn_array_get (ds->targets[0], batch[0], 0);
  n->lr = nn_model_get_optimizer (ds_training_run_get_model (self->run))->learning_rate;
  /* The step's forward pass used the weights before it: so do the
   * activations, the prediction and the loss shown with its gradient. */
  copy = nn_model_copy (before);
  shape[0] = 1;
  shape[1] = n->n_x;
  input = nn_tensor_new (2, shape);
  memcpy (input->data, n->x, (size_t) n->n_x * sizeof (float));
  for (guint i = 0; i < n->layers->len; i++)
    {
      DsNumbersLayer *l = &g_array_index (n->layers, DsNumbersLayer, i);
      NnTensor *in[1] = { input };
      g_autoptr(NnTensor) act = nn_model_run (copy, in, 1, (NnRef) { l->layer, 0 }, NULL);

      l->w0 = copy_weight (before, l->layer, 0, (size_t) l->in * l->units);
      l->b0 = copy_weight (before, l->layer, 1, (size_t) l->units);
      l->g = copy_weight (gradient, l->layer, 0, (size_t) l->in * l->units);
      l->bg = copy_weight (gradient, l->layer, 1, (size_t) l->units);
      if (act && act->size == (size_t) l->units)
        l->act = g_memdup2 (act->data, act->size * sizeof (float));
      if (l->w0 == NULL || l->g == NULL || l->act == NULL)
        return;
    }
  n->prediction = g_array_index (n->layers, DsNumbersLayer, n->layers->len - 1).act[0];
  n->loss = NAN;
  if (nn_model_evaluate (copy, ds, batch, n_batch, 256, &s, NULL))
    n->loss = nn_scores_get (&s, "loss", &found);
  nn_scores_clear (&s);
  n->step = TRUE;
}

DsNumbers *
_ds_playground_numbers_new (DsPlayground *self,
                            NnModel      *model,
                            gboolean      from_run)
{
  DsNumbers *n;
  Chain c;

  if (model == NULL || !nn_model_has_weights (model)
      || nn_model_count_params (model, NULL, NULL) > DS_PLAYGROUND_MAX_NUMBERS
      || !_ds_playground_chain_find (model, &c))
    return NULL;
  n = g_new0 (DsNumbers, 1);
  n->layers = g_array_new (FALSE, TRUE, sizeof (DsNumbersLayer));
  g_array_set_clear_func (n->layers, layer_clear);
  for (guint i = 0; i <= c.hidden->len; i++)
    {
      DsNumbersLayer l = { i < c.hidden->len ? g_array_index (c.hidden, int, i) : c.output };
      NnTensor view;

      if (nn_model_layer_get_n_weights (model, l.layer) < 2
          || nn_model_layer_get_weight (model, l.layer, 0, &view) == NULL || view.ndim != 2)
        {
          _ds_playground_chain_clear (&c);
          _ds_playground_numbers_free (n);
          return NULL;
        }
      l.in = view.shape[0];
      l.units = view.shape[1];
      l.w = copy_weight (model, l.layer, 0, view.size);
      l.b = copy_weight (model, l.layer, 1, (size_t) l.units);
      g_array_append_val (n->layers, l);
    }
  _ds_playground_chain_clear (&c);
  if (from_run && self->run)
    add_step (self, n);
  return n;
}

gboolean
_ds_playground_numbers_shown (DsPlayground *self)
{
  return self->numbers != NULL && self->numbers_wanted
         && gtk_widget_get_sensitive (GTK_WIDGET (self->numbers_switch));
}

static const DsNumbersLayer *
find_layer (DsPlayground *self,
            int           layer)
{
  for (guint i = 0; self->numbers && i < self->numbers->layers->len; i++)
    if (g_array_index (self->numbers->layers, DsNumbersLayer, i).layer == layer)
      return &g_array_index (self->numbers->layers, DsNumbersLayer, i);
  return NULL;
}

/* A box of lines centred on (x, y) (top-left at (x, y) when !centre), in
 * a light box, each line also recorded as "KEY TEXT". */
static void
draw_lines (DsPlayground *self,
            cairo_t      *cr,
            double        x,
            double        y,
            gboolean      centre,
            const char   *key,
            const char  **kinds,
            char        **lines,
            int           n)
{
  double width = 0, height = n * LINE_HEIGHT + 2 * PAD;
  cairo_text_extents_t ext;

  cairo_set_font_size (cr, FONT_SIZE);
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents (cr, lines[i], &ext);
      width = MAX (width, ext.x_advance);
    }
  width += 2 * PAD + 1;
  if (centre)
    {
      x -= width / 2;
      y -= height / 2;
    }
  cairo_rectangle (cr, x, y, width, height);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.88);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.12);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.12, 0.12, 0.12);
  for (int i = 0; i < n; i++)
    {
      cairo_move_to (cr, x + PAD, y + PAD + (i + 1) * LINE_HEIGHT - 2.5);
      cairo_show_text (cr, lines[i]);
      g_ptr_array_add (self->drawn, g_strdup_printf ("%s %s %s", kinds[i], key, lines[i]
                                                     + strcspn (lines[i], " ") + 1));
    }
}

void
_ds_playground_numbers_draw_edge (DsPlayground *self,
                                  cairo_t      *cr,
                                  int           layer,
                                  int           in,
                                  int           unit,
                                  double        x,
                                  double        y)
{
  const DsNumbersLayer *l = find_layer (self, layer);
  const char *kinds[] = { "w", "d", "D" };
  char *lines[3] = { NULL };
  g_autofree char *key = NULL;
  size_t k;
  int n = 1;

  if (l == NULL || in >= l->in || unit >= l->units)
    return;
  k = (size_t) in * l->units + unit;
  {
    g_autofree char *w = ds_playground_format_number (l->w[k], FALSE);

    lines[0] = g_strdup_printf ("w %s", w);
  }
  if (self->numbers->step && l->g && l->w0)
    {
      g_autofree char *g = ds_playground_format_number (l->g[k], TRUE);
      g_autofree char *d = ds_playground_format_number (l->w[k] - l->w0[k], TRUE);

      lines[n++] = g_strdup_printf ("∂ %s", g);
      lines[n++] = g_strdup_printf ("Δ %s", d);
    }
  key = g_strdup_printf ("%d %d %d", layer, in, unit);
  draw_lines (self, cr, x, y, TRUE, key, kinds, lines, n);
  for (int i = 0; i < n; i++)
    g_free (lines[i]);
}

static void
draw_unit_numbers (DsPlayground *self,
                   cairo_t      *cr,
                   GtkWidget    *area,
                   int           layer,
                   int           unit)
{
  const DsNumbersLayer *l = find_layer (self, layer);
  const char *kinds[] = { "b", "a" };
  char *lines[2] = { NULL };
  g_autofree char *key = NULL;
  g_autofree char *b = NULL;
  graphene_point_t p;
  int n = 1;

  if (l == NULL || unit >= l->units
      || !gtk_widget_compute_point (area, GTK_WIDGET (self->edges_area),
                                    &GRAPHENE_POINT_INIT (0, gtk_widget_get_height (area) + 2), &p))
    return;
  b = ds_playground_format_number (l->b[unit], FALSE);
  lines[0] = g_strdup_printf ("b %s", b);
  if (self->numbers->step && l->act)
    {
      g_autofree char *a = ds_playground_format_number (l->act[unit], FALSE);

      lines[n++] = g_strdup_printf ("a %s", a);
    }
  key = g_strdup_printf ("%d -1 %d", layer, unit);
  draw_lines (self, cr, p.x, p.y, FALSE, key, kinds, lines, n);
  for (int i = 0; i < n; i++)
    g_free (lines[i]);
}

/* Each unit's bias and activation, under the unit. */
void
_ds_playground_numbers_draw_units (DsPlayground *self,
                                   cairo_t      *cr)
{
  const DsNumbersLayer *out;

  if (!_ds_playground_numbers_shown (self) || self->result == NULL)
    return;
  for (guint u = 0; u < self->unit_areas->len; u++)
    {
      guint data = GPOINTER_TO_UINT (g_object_get_data (self->unit_areas->pdata[u], "ds-unit"));
      guint i = data >> 16;

      if (i < self->result->hidden->len)
        draw_unit_numbers (self, cr, self->unit_areas->pdata[u],
                           g_array_index (self->result->hidden, DsMapHidden, i).layer, (int) (data & 0xffff));
    }
  out = &g_array_index (self->numbers->layers, DsNumbersLayer, self->numbers->layers->len - 1);
  for (guint u = 0; u < self->output_units->len; u++)
    draw_unit_numbers (self, cr, self->output_units->pdata[u], out->layer, (int) u);
}

void
_ds_playground_output_units (DsPlayground *self,
                             GPtrArray    *to)
{
  if (!_ds_playground_numbers_shown (self))
    return;
  g_ptr_array_extend (to, self->output_units, NULL, NULL);
}

/* The output unit: the decision map, small. */
static void
draw_output_unit (GtkDrawingArea *area,
                  cairo_t        *cr,
                  int             width,
                  int             height,
                  gpointer        data)
{
  DsPlayground *self = data;

  if (self->map_surface)
    _ds_playground_paint_surface (cr, self->map_surface, DS_MAP_RES, width, height);
  else
    {
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
      cairo_fill (cr);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
set_output_units (DsPlayground *self,
                  const char   *name,
                  int           units,
                  int           margin)
{
  GtkLabel *title = g_object_get_data (G_OBJECT (self->output_column), "ds-title");
  GtkLabel *count_label = g_object_get_data (G_OBJECT (self->output_column), "ds-count");
  g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%d unit", "%d units", units), units);

  gtk_label_set_text (title, name);
  gtk_label_set_text (count_label, count);
  while ((int) self->output_units->len > units)
    {
      gtk_box_remove (GTK_BOX (self->output_column), g_ptr_array_steal_index (self->output_units,
                                                                               self->output_units->len - 1));
    }
  while ((int) self->output_units->len < units)
    {
      GtkWidget *area = gtk_drawing_area_new ();

      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_widget_set_halign (area, GTK_ALIGN_START);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_output_unit, self, NULL);
      gtk_widget_set_tooltip_text (area, _("The output: the decision map, small"));
      gtk_box_append (GTK_BOX (self->output_column), area);
      g_ptr_array_add (self->output_units, area);
    }
  for (guint u = 0; u < self->output_units->len; u++)
    gtk_widget_set_margin_top (self->output_units->pdata[u], u == 0 ? margin : COLUMN_SPACING - UNIT_SPACING);
  for (guint u = 0; u < self->output_units->len; u++)
    gtk_widget_queue_draw (self->output_units->pdata[u]);
}

static void
set_caption (DsPlayground *self)
{
  const DsNumbers *n = self->numbers;
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *eta = NULL;

  if (!n->step)
    {
      gtk_label_set_text (self->numbers_label, _("w: each weight. Press Step to see, for one batch, each "
                                                 "weight’s gradient ∂L/∂w and its update Δw."));
      return;
    }
  {
    g_autoptr(GString) x = g_string_new (NULL);
    g_autofree char *y = ds_playground_format_number (n->y, FALSE);
    g_autofree char *p = ds_playground_format_number (n->prediction, FALSE);
    g_autofree char *loss = ds_playground_format_number (n->loss, FALSE);

    for (int f = 0; f < n->n_x; f++)
      {
        g_autofree char *v = ds_playground_format_number (n->x[f], FALSE);

        g_string_append_printf (x, "%s%s", f ? "; " : "", v);
      }
    eta = ds_playground_format_number (n->lr, FALSE);
    g_string_append_printf (s, _("Sample 1 of the batch: x = (%s), y = %s"), x->str, y);
    g_string_append_c (s, '\n');
    g_string_append_printf (s, _("Prediction %s, batch loss %s (before the step)"), p, loss);
    g_string_append_c (s, '\n');
    g_string_append_printf (s, _("w: weight after the step · ∂: ∂L/∂w, the batch’s mean · "
                                 "Δ: the update, −η·∂L/∂w with η = %s · b: bias · a: activation"), eta);
  }
  gtk_label_set_text (self->numbers_label, s->str);
}

/* After each map (and when the switch or the model changes): the
 * switch's state, the spacings, the output column and the caption. */
void
_ds_playground_numbers_apply (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  size_t params = m ? nn_model_count_params (m, NULL, NULL) : 0;
  gboolean small = m && params <= DS_PLAYGROUND_MAX_NUMBERS;
  gboolean shown;
  g_autofree char *tip = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->numbers_switch), small);
  tip = small ? g_strdup (_("Show each weight, gradient and update, each unit’s bias and activation as numbers"))
              : g_strdup_printf (_("Numbers only for networks of at most %d weights and biases (this one has %zu)"),
                                 DS_PLAYGROUND_MAX_NUMBERS, params);
  gtk_widget_set_tooltip_text (self->numbers_row, tip);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->numbers_switch), tip);
  self->updating = TRUE;
  gtk_switch_set_active (self->numbers_switch, small && self->numbers_wanted);
  self->updating = FALSE;

  shown = _ds_playground_numbers_shown (self);
  /* Rows apart by margins: the spacing would also move the first row
   * away from its column's title. */
  gtk_box_set_spacing (self->network_box, shown ? GAP_NUMBERS : 40);
  for (int f = 1; f < NN_N_FEATURES; f++)
    gtk_widget_set_margin_top (gtk_widget_get_parent (GTK_WIDGET (self->feature_buttons[f])),
                               shown ? FEATURE_SPACING - 6 : 0);
  for (guint u = 0; u < self->unit_areas->len; u++)
    {
      GtkWidget *area = self->unit_areas->pdata[u];
      GtkWidget *prev = gtk_widget_get_prev_sibling (area);

      gtk_widget_set_margin_top (area, shown && prev && prev != gtk_widget_get_first_child (gtk_widget_get_parent (area))
                                       ? COLUMN_SPACING - UNIT_SPACING : 0);
    }
  gtk_widget_set_visible (self->output_column, shown);
  gtk_widget_set_visible (GTK_WIDGET (self->numbers_label), shown);
  if (shown)
    {
      const DsNumbersLayer *out = &g_array_index (self->numbers->layers, DsNumbersLayer,
                                                  self->numbers->layers->len - 1);
      int units = MIN (out->units, 8);
      int step = UNIT_SIZE + COLUMN_SPACING;  /* between two units' tops */

      /* Centred on the last hidden column's units. */
      set_output_units (self, nn_model_layer_get_name (self->result ? self->result->model : m, out->layer),
                        units, MAX (0, (out->in - units) * step / 2));
      gtk_box_reorder_child_after (self->network_box, self->output_column,
                                   gtk_widget_get_last_child (GTK_WIDGET (self->network_box)));
      set_caption (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
}

static void
switch_cb (DsPlayground *self)
{
  if (self->updating || !gtk_widget_get_sensitive (GTK_WIDGET (self->numbers_switch)))
    return;
  self->numbers_wanted = gtk_switch_get_active (self->numbers_switch);
  _ds_playground_numbers_apply (self);
}

void
_ds_playground_numbers_build (DsPlayground *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("_Numbers"));
  GtkWidget *sw = gtk_switch_new ();
  GtkWidget *title = gtk_label_new ("");
  GtkWidget *header = gtk_label_new ("");
  GtkWidget *caption_parent = gtk_widget_get_parent (GTK_WIDGET (self->caption));
  GtkWidget *numbers = gtk_label_new ("");

  self->numbers_wanted = TRUE;
  self->output_units = g_ptr_array_new ();
  self->drawn = g_ptr_array_new_with_free_func (g_free);
  /* In the settings strip, titled as its other settings are: beside the
   * hidden layers' count it cut that count short in longer languages. */
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (sw, GTK_ALIGN_START);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), sw);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), sw);
  gtk_flow_box_append (self->strip, row);
  gtk_widget_set_can_focus (gtk_widget_get_parent (row), FALSE);
  g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (switch_cb), self);
  self->numbers_switch = GTK_SWITCH (sw);
  self->numbers_row = row;

  /* The output column: a title as the hidden columns have, then its units. */
  self->output_column = gtk_box_new (GTK_ORIENTATION_VERTICAL, UNIT_SPACING);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_add_css_class (header, "caption");
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  {
    GtkWidget *head = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    gtk_widget_set_size_request (head, -1, 52);
    gtk_box_append (GTK_BOX (head), title);
    gtk_box_append (GTK_BOX (head), header);
    gtk_box_append (GTK_BOX (self->output_column), head);
    g_object_set_data (G_OBJECT (self->output_column), "ds-title", title);
    g_object_set_data (G_OBJECT (self->output_column), "ds-count", header);
  }
  gtk_widget_set_visible (self->output_column, FALSE);
  gtk_box_append (self->network_box, self->output_column);

  gtk_label_set_xalign (GTK_LABEL (numbers), 0);
  gtk_label_set_wrap (GTK_LABEL (numbers), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (numbers), 30);
  gtk_widget_add_css_class (numbers, "caption");
  gtk_widget_add_css_class (numbers, "numeric");
  gtk_widget_set_visible (numbers, FALSE);
  gtk_box_insert_child_after (GTK_BOX (caption_parent), numbers, GTK_WIDGET (self->caption));
  self->numbers_label = GTK_LABEL (numbers);
}

const DsNumbers *
ds_playground_get_numbers (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->numbers;
}

GPtrArray *
ds_playground_get_drawn_numbers (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->drawn;
}
