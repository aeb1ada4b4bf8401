/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-sample-gallery-private.h"
#include "ds-util.h"
#include "nn.h"

/* The samples as a course: dense networks first, from a boundary in the
 * plane to a graph with two inputs and two outputs, then convnets, from
 * the classic one to transfer learning, then generative models, then text
 * and sequences (three classifiers of one fortunes set, then the
 * temperature forecasters). Each with one line on what it
 * teaches; the file's own description stays as the row's tooltip. */
typedef enum
{
  PART_DENSE,
  PART_CONV,
  PART_GENERATIVE,
  PART_SEQUENCE,
  PART_OTHER,     /* samples the course does not know, by file name */
} Part;

static const struct
{
  const char *name;   /* file name without .json */
  Part        part;
  const char *teaches;
} course[] = {
  { "spirals_mlp", PART_DENSE,
    N_("Hidden layers bend a decision boundary around data that no straight line separates") },
  { "gd_tiny", PART_DENSE,
    N_("Gradient descent up close: nine weights and biases, one batch a step, plain SGD") },
  { "fashion_mlp", PART_DENSE,
    N_("A first image classifier: flatten the pixels, one hidden Dense layer, softmax over ten classes") },
  { "fashion_binary", PART_DENSE,
    N_("Two classes, one sigmoid unit and binary cross-entropy; overfitting on the validation curve") },
  { "regression_kfold", PART_DENSE,
    N_("Predicting a number: a linear output, MSE loss, MAE metric and K-fold cross-validation") },
  { "cars_mpg", PART_DENSE,
    N_("Real tabular data: a car's miles per gallon from seven columns, scored by K-fold") },
  { "two_inputs_two_outputs", PART_DENSE,
    N_("A graph, not a stack: one layer shared by two inputs, two outputs with their own losses") },
  { "fashion_convnet", PART_CONV,
    N_("Convolutions and pooling: a sixth of the dense network's weights, and better accuracy") },
  { "fashion_convnet_bn", PART_CONV,
    N_("Batch normalization, separable convolutions and global average pooling") },
  { "fashion_small", PART_CONV,
    N_("Little data: a convnet that learns its 2,000 training images by heart") },
  { "fashion_small_augmented", PART_CONV,
    N_("The same little data with augmentation and dropout: less overfitting") },
  { "transfer_base", PART_CONV,
    N_("Transfer learning, step 1: train a convolutional base to reuse") },
  { "transfer_head", PART_CONV,
    N_("Transfer learning, step 2: a new classifier on the frozen base, then fine-tuning") },
  { "fashion_vae_dense", PART_GENERATIVE,
    N_("A variational autoencoder: images squeezed to two numbers and drawn again from them") },
  { "fashion_vae_conv", PART_GENERATIVE,
    N_("The convolutional VAE: a 2-D latent plane in which clothes morph into one another") },
  { "fortunes_char_lstm", PART_GENERATIVE,
    N_("A character LSTM writes fortunes; the temperature trades safe repetition for surprise") },
  { "gan_ring_generator", PART_GENERATIVE,
    N_("A GAN's generator: noise in, points out, trained to fool the discriminator (GAN page)") },
  { "gan_ring_discriminator", PART_GENERATIVE,
    N_("A GAN's discriminator: tells the ring's real points from the generator's (GAN page)") },
  { "fashion_dcgan_generator", PART_GENERATIVE,
    N_("A DCGAN's generator: transposed convolutions draw clothes from noise, tanh output") },
  { "fashion_dcgan_discriminator", PART_GENERATIVE,
    N_("A DCGAN's discriminator: strided convolutions, LeakyReLU and dropout, no pooling") },
  { "fortunes_bow", PART_SEQUENCE,
    N_("Text as a bag of words: which words a fortune holds, not their order, tell its topic") },
  { "fortunes_lstm", PART_SEQUENCE,
    N_("Words in order: an Embedding and an LSTM that reads each fortune, padding masked") },
  { "fortunes_conv1d", PART_SEQUENCE,
    N_("A 1-D convnet finds telling phrases anywhere in a text: Conv1D and global max pooling") },
  { "seattle_gru", PART_SEQUENCE,
    N_("Forecasting a day ahead: a GRU with recurrent dropout against the naive “last value”") },
  { "seattle_gru_stacked", PART_SEQUENCE,
    N_("Stacked recurrent layers: the first returns its whole sequence for the second to read") },
  { "seattle_gru_bidirectional", PART_SEQUENCE,
    N_("A bidirectional GRU: reading the past backwards as well, which a forecast gains little from") },
  { "seattle_conv_gru", PART_SEQUENCE,
    N_("A month of hours: 1-D convolutions and pooling shorten the sequence before a GRU reads it") },
};

static const char *const part_titles[] = {
  N_("Dense Networks"),
  N_("Convolutional Networks"),
  N_("Generative Models"),
  N_("Text and Sequences"),
  N_("More Samples"),
};

/* A model's graph as the thumbnail draws it: each layer in the column of
 * its depth (the longest path from an input) and a row in that column. */
typedef struct
{
  int           n;
  int           n_cols, n_rows;
  int          *col, *row;        /* per layer */
  NnLayerGroup *group;            /* per layer */
  GArray       *edges;            /* int pairs: source layer, destination layer */
} Thumb;

typedef struct
{
  char   *path;
  char   *title;
  char   *description;
  char   *teaches;
  char   *error;
  guint   rank;                   /* place in the course; after it, G_MAXUINT */
  Part    part;
  Thumb   thumb;
} Sample;

struct _DsSampleGallery
{
  AdwWindow       parent_instance;

  /* Template widgets */
  GtkListBox     *list;
  GtkStack       *stack;
  AdwStatusPage  *empty;

  /* Owned */
  GArray         *samples;   /* Sample */
};

G_DEFINE_FINAL_TYPE (DsSampleGallery, ds_sample_gallery, ADW_TYPE_WINDOW)

enum {
  SAMPLE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sample_clear (gpointer data)
{
  Sample *s = data;

  g_free (s->path);
  g_free (s->title);
  g_free (s->description);
  g_free (s->teaches);
  g_free (s->error);
  g_free (s->thumb.col);
  g_free (s->thumb.row);
  g_free (s->thumb.group);
  g_clear_pointer (&s->thumb.edges, g_array_unref);
}

static int
cmp_sample (gconstpointer a,
            gconstpointer b)
{
  const Sample *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return g_strcmp0 (x->path, y->path);
}

/* The course's place and line for file name, or the first sentence of
 * the description for a sample the course does not list. */
static void
place_in_course (Sample     *s,
                 const char *name)
{
  g_autofree char *stem = g_strndup (name, strlen (name) - strlen (".json"));
  const char *d = s->description ? s->description : "";
  const char *end;

  for (guint k = 0; k < G_N_ELEMENTS (course); k++)
    if (g_str_equal (course[k].name, stem))
      {
        s->rank = k;
        s->part = course[k].part;
        s->teaches = g_strdup (_(course[k].teaches));
        return;
      }
  s->rank = G_MAXUINT;
  s->part = PART_OTHER;
  end = strstr (d, ". ");
  s->teaches = end ? g_strndup (d, (gsize) (end - d + 1)) : g_strdup (d);
}

/* Columns by depth: an Input is at 0, any other layer one past its
 * deepest input (relaxed until nothing moves, so file order does not
 * matter); rows in a column in layer order. */
static void
thumb_build (Thumb   *t,
             NnModel *m)
{
  g_autofree int *per_col = NULL;
  gboolean moved = TRUE;

  t->n = nn_model_get_n_layers (m);
  t->col = g_new0 (int, MAX (t->n, 1));
  t->row = g_new0 (int, MAX (t->n, 1));
  t->group = g_new0 (NnLayerGroup, MAX (t->n, 1));
  t->edges = g_array_new (FALSE, FALSE, 2 * sizeof (int));
  for (int l = 0; l < t->n; l++)
    {
      const NnLayerType *type = nn_model_layer_get_type (m, l);

      t->group[l] = type ? nn_layer_type_get_group (type) : NN_GROUP_MODEL;
      for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
        for (int k = 0; k < nn_model_call_get_n_inputs (m, l, c); k++)
          {
            NnRef in = nn_model_call_get_input (m, l, c, k);
            int e[2] = { in.layer, l };

            if (in.layer >= 0 && in.layer < t->n)
              g_array_append_val (t->edges, e);
          }
    }
  for (int pass = 0; moved && pass <= t->n; pass++)
    {
      moved = FALSE;
      for (guint k = 0; k < t->edges->len; k++)
        {
          int *e = &g_array_index (t->edges, int, 2 * k);

          if (t->col[e[1]] < t->col[e[0]] + 1)
            {
              t->col[e[1]] = t->col[e[0]] + 1;
              moved = TRUE;
            }
        }
    }
  t->n_cols = 0;
  for (int l = 0; l < t->n; l++)
    t->n_cols = MAX (t->n_cols, t->col[l] + 1);
  per_col = g_new0 (int, MAX (t->n_cols, 1));
  t->n_rows = 0;
  for (int l = 0; l < t->n; l++)
    {
      t->row[l] = per_col[t->col[l]]++;
      t->n_rows = MAX (t->n_rows, per_col[t->col[l]]);
    }
}

/* Where layer l's box lies in a width × height thumbnail; a column with
 * fewer rows is centred. */
static void
thumb_box (const Thumb      *t,
           const int        *rows_in_col,
           int               l,
           double            width,
           double            height,
           graphene_rect_t  *box)
{
  double cw = width / MAX (t->n_cols, 1);
  double rh = height / MAX (t->n_rows, 1);
  double bw = MIN (cw * 0.62, 22), bh = MIN (rh * 0.7, 26);
  double y0 = (height - rows_in_col[t->col[l]] * rh) / 2;

  graphene_rect_init (box, cw * t->col[l] + (cw - bw) / 2, y0 + rh * t->row[l] + (rh - bh) / 2, bw, bh);
}

static guint
thumb_draw (const Thumb *t,
            cairo_t     *cr,
            double       width,
            double       height,
            const GdkRGBA *fg)
{
  g_autofree int *rows_in_col = g_new0 (int, MAX (t->n_cols, 1));
  guint drawn = 0;

  for (int l = 0; l < t->n; l++)
    rows_in_col[t->col[l]]++;

  /* Edges under the boxes, from the right of one to the left of the next. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.45);
  cairo_set_line_width (cr, 1);
  for (guint k = 0; k < t->edges->len; k++)
    {
      const int *e = &g_array_index (t->edges, int, 2 * k);
      graphene_rect_t a, b;

      thumb_box (t, rows_in_col, e[0], width, height, &a);
      thumb_box (t, rows_in_col, e[1], width, height, &b);
      cairo_move_to (cr, a.origin.x + a.size.width, a.origin.y + a.size.height / 2);
      cairo_line_to (cr, b.origin.x, b.origin.y + b.size.height / 2);
      cairo_stroke (cr);
    }
  for (int l = 0; l < t->n; l++)
    {
      graphene_rect_t r;
      GdkRGBA color;

      thumb_box (t, rows_in_col, l, width, height, &r);
      ds_colors_group (t->group[l], &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, round (r.origin.x), round (r.origin.y), round (r.size.width), round (r.size.height));
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
      cairo_stroke (cr);
      drawn++;
    }
  return drawn;
}

static void
draw_thumb_cb (GtkDrawingArea *area,
               cairo_t        *cr,
               int             width,
               int             height,
               gpointer        data)
{
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  thumb_draw (data, cr, width, height, &fg);
}

#define THUMB_WIDTH  168
#define THUMB_HEIGHT 60

static GtkWidget *
make_row (const Sample *s,
          guint         index)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), s->title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), s->error ? s->error : s->teaches);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  if (s->error == NULL)
    {
      GtkWidget *thumb = gtk_drawing_area_new ();

      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (thumb), THUMB_WIDTH);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (thumb), THUMB_HEIGHT);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (thumb), draw_thumb_cb, (gpointer) &s->thumb, NULL);
      gtk_widget_set_valign (thumb, GTK_ALIGN_CENTER);
      gtk_widget_set_margin_top (thumb, 6);
      gtk_widget_set_margin_bottom (thumb, 6);
      gtk_widget_add_css_class (thumb, "sample-thumb");
      gtk_accessible_update_property (GTK_ACCESSIBLE (thumb), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      "The model's layers", -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), thumb);
      if (s->description && *s->description)
        gtk_widget_set_tooltip_text (row, s->description);
    }
  if (s->error)
    {
      icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
      gtk_widget_add_css_class (icon, "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  else
    {
      icon = gtk_image_new_from_icon_name ("go-next-symbolic");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
    }
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), s->error == NULL);
  g_object_set_data (G_OBJECT (row), "ds-index", GUINT_TO_POINTER (index));
  gtk_widget_add_css_class (row, "sample-row");
  return row;
}

void
ds_sample_gallery_reload (DsSampleGallery *self)
{
  g_autofree char *dir = ds_dup_samples_dir ();
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  const char *name;

  g_return_if_fail (DS_IS_SAMPLE_GALLERY (self));

  /* The rows draw from the samples: they go first. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
  g_array_set_size (self->samples, 0);

  d = g_dir_open (dir, 0, &error);
  while (d && (name = g_dir_read_name (d)))
    {
      Sample s = { 0 };
      g_autoptr(GError) load_error = NULL;
      g_autoptr(NnModel) m = NULL;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      s.path = g_build_filename (dir, name, NULL);
      m = nn_model_load (s.path, &load_error);
      if (m == NULL)
        {
          s.title = g_strdup (name);
          s.error = g_strdup (load_error->message);
        }
      else
        {
          NnTrainDefaults *def = nn_model_get_defaults (m);

          s.title = g_strdup (def && def->title && *def->title ? def->title
                                                                : nn_model_get_name (m));
          s.description = g_strdup (def && def->description ? def->description : "");
          thumb_build (&s.thumb, m);
        }
      place_in_course (&s, name);
      g_array_append_val (self->samples, s);
    }
  g_array_sort (self->samples, cmp_sample);
  for (guint i = 0; i < self->samples->len; i++)
    gtk_list_box_append (self->list, make_row (&g_array_index (self->samples, Sample, i), i));

  if (self->samples->len == 0)
    {
      g_autofree char *desc = g_strdup_printf (_("No sample models were found in %s"), dir);

      adw_status_page_set_description (self->empty, desc);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

guint
ds_sample_gallery_get_n_samples (DsSampleGallery *self)
{
  g_return_val_if_fail (DS_IS_SAMPLE_GALLERY (self), 0);
  return self->samples->len;
}

const char *
ds_sample_gallery_get_path (DsSampleGallery *self,
                            guint            i)
{
  g_return_val_if_fail (DS_IS_SAMPLE_GALLERY (self), NULL);
  g_return_val_if_fail (i < self->samples->len, NULL);
  return g_array_index (self->samples, Sample, i).path;
}

const char *
ds_sample_gallery_get_error (DsSampleGallery *self,
                             guint            i)
{
  g_return_val_if_fail (DS_IS_SAMPLE_GALLERY (self), NULL);
  g_return_val_if_fail (i < self->samples->len, NULL);
  return g_array_index (self->samples, Sample, i).error;
}

void
ds_sample_gallery_activate (DsSampleGallery *self,
                            guint            i)
{
  g_return_if_fail (DS_IS_SAMPLE_GALLERY (self));
  g_return_if_fail (i < self->samples->len);
  g_signal_emit (self, signals[SAMPLE_ACTIVATED], 0, g_array_index (self->samples, Sample, i).path);
}

const char *
ds_sample_gallery_get_teaches (DsSampleGallery *self,
                               guint            i)
{
  g_return_val_if_fail (DS_IS_SAMPLE_GALLERY (self), NULL);
  g_return_val_if_fail (i < self->samples->len, NULL);
  return g_array_index (self->samples, Sample, i).teaches;
}

guint
ds_sample_gallery_draw_thumbnail (DsSampleGallery *self,
                                  guint            i,
                                  cairo_t         *cr,
                                  int              width,
                                  int              height)
{
  const Sample *s;
  GdkRGBA fg = { 0, 0, 0, 1 };

  g_return_val_if_fail (DS_IS_SAMPLE_GALLERY (self), 0);
  g_return_val_if_fail (i < self->samples->len, 0);
  s = &g_array_index (self->samples, Sample, i);
  if (s->error)
    return 0;
  return thumb_draw (&s->thumb, cr, width, height, &fg);
}

/* A heading above the first row of each part of the course. */
static void
header_cb (GtkListBoxRow *row,
           GtkListBoxRow *before,
           gpointer       data)
{
  DsSampleGallery *self = data;
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "ds-index"));
  Part part = g_array_index (self->samples, Sample, i).part;
  GtkWidget *label;

  if (before)
    {
      guint j = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (before), "ds-index"));

      if (g_array_index (self->samples, Sample, j).part == part)
        {
          gtk_list_box_row_set_header (row, NULL);
          return;
        }
    }
  label = gtk_label_new (_(part_titles[part]));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, before ? 18 : 0);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_set_margin_start (label, 6);
  gtk_list_box_row_set_header (row, label);
}

static void
row_activated_cb (DsSampleGallery *self,
                  GtkListBoxRow   *row)
{
  ds_sample_gallery_activate (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "ds-index")));
}

static void
ds_sample_gallery_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_SAMPLE_GALLERY);
  G_OBJECT_CLASS (ds_sample_gallery_parent_class)->dispose (object);
}

static void
ds_sample_gallery_finalize (GObject *object)
{
  g_array_unref (DS_SAMPLE_GALLERY (object)->samples);
  G_OBJECT_CLASS (ds_sample_gallery_parent_class)->finalize (object);
}

static void
ds_sample_gallery_class_init (DsSampleGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_sample_gallery_dispose;
  object_class->finalize = ds_sample_gallery_finalize;

  /**
   * DsSampleGallery::sample-activated:
   * @path: the model file
   */
  signals[SAMPLE_ACTIVATED] =
    g_signal_new ("sample-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-sample-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, DsSampleGallery, list);
  gtk_widget_class_bind_template_child (widget_class, DsSampleGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, DsSampleGallery, empty);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ds_sample_gallery_init (DsSampleGallery *self)
{
  self->samples = g_array_new (FALSE, TRUE, sizeof (Sample));
  g_array_set_clear_func (self->samples, sample_clear);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_header_func (self->list, header_cb, self, NULL);
}

GtkWidget *
ds_sample_gallery_new (GtkWindow *parent)
{
  DsSampleGallery *self = g_object_new (DS_TYPE_SAMPLE_GALLERY,
                                        "transient-for", parent,
                                        "modal", TRUE,
                                        NULL);

  ds_sample_gallery_reload (self);
  return GTK_WIDGET (self);
}

const char *
ds_sample_course_get (guint        i,
                      const char **teaches)
{
  if (i >= G_N_ELEMENTS (course))
    return NULL;
  if (teaches)
    *teaches = _(course[i].teaches);
  return course[i].name;
}
