/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsGenerateView: the GObject, its layout, and which model it uses
 * (DsViewFollow's rule, the Inspect view's too: the current run, else the
 * document's model with weights, else a reason in words). */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>
#include <glib/gi18n.h>

#include "ds-chart-help.h"
#include "ds-file-chooser.h"
#include "ds-generate-gan.h"
#include "ds-generate-latent.h"
#include "ds-generate-style.h"
#include "ds-generate-text.h"
#include "ds-generate-view-private.h"

G_DEFINE_FINAL_TYPE (DsGenerateView, ds_generate_view, DS_TYPE_VIEW)

void
_ds_generate_view_toast (DsGenerateView *self,
                         const char     *text)
{
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text))
    g_message ("%s", text);
}

/* ---- helpers the pages share ------------------------------------------------ */

void
_ds_generate_draw_tensor (cairo_t        *cr,
                          const NnTensor *t,
                          int             width,
                          int             height)
{
  int h = t->shape[1], w = t->shape[2];
  double k = MIN ((double) width / w, (double) height / h);
  cairo_surface_t *s = _ds_generate_image_surface (t->data, h, w, t->shape[3], FALSE);

  cairo_save (cr);
  cairo_translate (cr, (width - w * k) / 2, (height - h * k) / 2);
  cairo_scale (cr, k, k);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (s);
}

cairo_surface_t *
_ds_generate_image_surface (const float *data,
                            int          h,
                            int          w,
                            int          c,
                            gboolean     stretch)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  guint8 *px = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  size_t n = (size_t) h * w * c;
  float lo = 0, hi = 1;

  if (stretch)
    {
      lo = G_MAXFLOAT, hi = -G_MAXFLOAT;
      for (size_t i = 0; i < n; i++)
        {
          lo = MIN (lo, data[i]);
          hi = MAX (hi, data[i]);
        }
    }
  if (hi <= lo)
    hi = lo + 1;
  cairo_surface_flush (s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const float *p = data + ((size_t) y * w + x) * c;
        guint32 rgb[3];

        for (int k = 0; k < 3; k++)
          {
            float v = (p[c >= 3 ? k : 0] - lo) / (hi - lo);

            rgb[k] = (guint32) CLAMP (v * 255 + 0.5, 0, 255);
          }
        *(guint32 *) (px + (size_t) y * stride + 4 * x) = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
      }
  cairo_surface_mark_dirty (s);
  return s;
}

gboolean
_ds_generate_image_geometry (int        ndim,
                             const int *shape,
                             int       *h,
                             int       *w,
                             int       *c)
{
  if (ndim == 3 && shape[0] > 1 && shape[1] > 1)
    {
      *h = shape[0], *w = shape[1], *c = shape[2];
      return TRUE;
    }
  if (ndim == 2 && shape[0] > 1 && shape[1] > 1)
    {
      *h = shape[0], *w = shape[1], *c = 1;
      return TRUE;
    }
  if (ndim == 1)
    {
      int side = (int) (sqrt (shape[0]) + 0.5);

      if (side > 1 && side * side == shape[0])
        {
          *h = *w = side, *c = 1;
          return TRUE;
        }
    }
  return FALSE;
}

int
_ds_generate_test_label (NnDataset *ds,
                         gsize      pos)
{
  const NnArray *y;
  guint32 sample;
  int truth = -1;

  if (ds == NULL || pos >= ds->n_test || ds->n_targets < 1 || ds->n_classes < 1)
    return -1;
  y = ds->targets[0];
  sample = ds->test_idx[pos];
  if (y->sample_size == 1)
    truth = (int) nn_array_get (y, sample, 0);
  else if ((int) y->sample_size == ds->n_classes)
    {
      float best = -G_MAXFLOAT;

      for (size_t c = 0; c < y->sample_size; c++)
        if (nn_array_get (y, sample, c) > best)
          {
            best = nn_array_get (y, sample, c);
            truth = (int) c;
          }
    }
  return truth >= 0 && truth < ds->n_classes ? truth : -1;
}

/* ---- which model ---------------------------------------------------------- */

/* The pages that need no model of the document's: the GAN page trains
 * models of its own, the Style page has its random filters. */
static gboolean
needs_no_model (const char *page)
{
  return g_strcmp0 (page, "gan") == 0 || g_strcmp0 (page, "style") == 0;
}

/* The header: the model the pages use; on a page that needs none while
 * the document has none, what that page works with instead. */
static void
show_model_label (DsGenerateView *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->pages);
  const char *text = self->model_text;

  if (self->model == NULL && g_strcmp0 (page, "gan") == 0)
    text = _("The GAN page trains a generator and a discriminator of its own: it needs no "
             "model from the document");
  else if (self->model == NULL && g_strcmp0 (page, "style") == 0)
    text = _("Style transfer needs no model from the document: it uses the feature network "
             "chosen below");
  gtk_label_set_text (self->model_label, text ? text : "");
}

/* The page a model is made for: the Text page for a character model (its
 * vocabulary, or before training its dataset, reads characters), the
 * Latent page for a VAE, else DeepDream. */
static const char *
suggested_page (const NnModel *m)
{
  const NnVocab *v = m ? nn_model_get_vocab (m) : NULL;
  const char *spec = m ? nn_model_get_dataset (m) : NULL;
  NnVaeParts parts;

  if (m == NULL)
    return NULL;
  if ((v && nn_vocab_is_chars (v)) || (spec && g_str_has_prefix (spec, "chars:")))
    return "text";
  if (nn_model_find_vae (m, &parts, NULL))
    return "latent";
  return "dream";
}

static void
follow (DsGenerateView *self)
{
  g_autofree char *text = NULL;
  NnModel *model;
  DsDataset *dataset;

  if (!ds_view_follow_begin (&self->follow))
    return;
  model = ds_view_follow_pick_model (&self->follow, &text);
  dataset = ds_view_follow_pick_dataset (&self->follow, model);
  if (dataset != self->dataset)
    {
      g_clear_pointer (&self->dataset, ds_dataset_unref);
      if (dataset)
        self->dataset = ds_dataset_ref (dataset);
    }
  ds_view_follow_done (&self->follow);

  g_clear_pointer (&self->model, nn_model_free);
  if (model)
    self->model = nn_model_copy (model);
  g_free (self->model_text);
  self->model_text = g_strdup (text);
  self->generation++;

  show_model_label (self);
  /* The GAN and Style pages need no model from the document. */
  if (self->model == NULL
      && !needs_no_model (gtk_stack_get_visible_child_name (self->pages)))
    {
      adw_status_page_set_description (self->empty_page, text ? text : _(ds_view_follow_untrained_text));
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, "content");
  /* Opening another kind of model shows its page; a run's snapshots of
   * the same model leave the page the person chose. */
  {
    const char *page = suggested_page (self->model);

    if (page && g_strcmp0 (page, self->suggested_page) != 0)
      gtk_stack_set_visible_child_name (self->pages, page);
    if (page)
      self->suggested_page = page;
  }
  _ds_generate_dream_model_changed (self);
  _ds_generate_projector_model_changed (self);
  _ds_generate_latent_model_changed (self);
  _ds_generate_text_model_changed (self);
  _ds_generate_style_model_changed (self);
}

static void
document_changed_cb (DsGenerateView *self,
                     guint           what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  if (self->follow.run == NULL)
    follow (self);
}

static void
ds_generate_view_document_changed (DsView     *view,
                                   DsDocument *old_document)
{
  DsGenerateView *self = DS_GENERATE_VIEW (view);
  DsDocument *doc = ds_view_get_document (view);

  ds_view_follow_reset (&self->follow);
  if (doc)
    {
      g_signal_connect_swapped (doc, "changed", G_CALLBACK (document_changed_cb), self);
      g_signal_connect_swapped (doc, "notify::current-run", G_CALLBACK (follow), self);
      g_signal_connect_swapped (ds_document_get_dataset_store (doc), "notify::dataset",
                                G_CALLBACK (follow), self);
    }
  follow (self);
}

static void
map_cb (DsGenerateView *self)
{
  if (self->follow.stale || self->generation == 0)
    follow (self);
}

/* ---- layout --------------------------------------------------------------- */

/* The GAN and Style pages need no trained model: the empty page's buttons
 * lead there. */
static void
show_free_page (DsGenerateView *self,
                const char     *name)
{
  gtk_stack_set_visible_child_name (self->pages, name);
  gtk_stack_set_visible_child_name (self->main_stack, "content");
}

static void show_gan_cb (DsGenerateView *self) { show_free_page (self, "gan"); }
static void show_style_cb (DsGenerateView *self) { show_free_page (self, "style"); }

static void
build (DsGenerateView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *pages_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *switcher = gtk_stack_switcher_new ();

  self->model_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->model_label), "heading");
  gtk_label_set_xalign (self->model_label, 0);
  gtk_label_set_wrap (self->model_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->model_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->model_label), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->model_label), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->model_label), 8);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->model_label));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->main_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->main_stack), TRUE);
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "ds-generate-symbolic");
  adw_status_page_set_title (self->empty_page, _("Nothing to Generate From"));
  {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
    GtkWidget *gan = gtk_button_new_with_label (_("Train a GAN"));
    GtkWidget *style = gtk_button_new_with_label (_("Style Transfer"));

    gtk_widget_set_halign (row, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (gan, "pill");
    gtk_widget_add_css_class (style, "pill");
    g_signal_connect_swapped (gan, "clicked", G_CALLBACK (show_gan_cb), self);
    g_signal_connect_swapped (style, "clicked", G_CALLBACK (show_style_cb), self);
    gtk_box_append (GTK_BOX (row), gan);
    gtk_box_append (GTK_BOX (row), style);
    adw_status_page_set_child (self->empty_page, row);
  }
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->empty_page), "empty");

  self->pages = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->pages), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->pages), TRUE);
  /* Each page with its "how to read this" line and the lesson using it
   * (the GAN and style pages have none of their own: the generative and
   * the convnet lessons they build on). */
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_dream_build (self),
                                            _("How to read this: the image is changed, step by "
                                              "step, to excite the chosen layer more; the patterns "
                                              "that appear are what that layer looks for."),
                                            _("DeepDream lesson"), "08-2-deepdream.json"),
                        "dream", _("DeepDream"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_projector_build (self),
                                            _("How to read this: each point is one test sample's "
                                              "hidden-layer output, squeezed to two dimensions; "
                                              "samples the layer finds alike sit close, and "
                                              "separate clusters are classes it tells apart."),
                                            _("Embedding projector lesson"),
                                            "08-4-embedding-projector.json"),
                        "projector", _("Projector"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_latent_build (self),
                                            _("How to read this: the grid decodes evenly spaced "
                                              "points of the latent plane, so neighbours morph into "
                                              "each other; the scatter places each test image at "
                                              "its code, coloured by class."),
                                            _("VAE lesson"), "08-3-vae-latent.json"),
                        "latent", _("Latent"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_text_build (self),
                                            _("How to read this: each character is drawn from the "
                                              "model's prediction; a low temperature repeats the "
                                              "likeliest, a high one surprises and misspells."),
                                            _("Text generation lesson"), "08-1-generation.json"),
                        "text", _("Text"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_gan_build (self),
                                            _("How to read this: the two losses pull against each "
                                              "other and should hover, not fall to zero; a "
                                              "discriminator loss near 0 means the generator lost. "
                                              "The grid shows what the generator draws now."),
                                            _("Generative models lesson"), "08-3-vae-latent.json"),
                        "gan", _("GAN"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (_ds_generate_style_build (self),
                                            _("How to read this: the content loss falls as the "
                                              "picture keeps the photo's shapes, the style loss as "
                                              "its textures match the painting's; the weights "
                                              "trade one for the other."),
                                            _("What convnets learn lesson"),
                                            "05-4-what-convnets-learn.json"),
                        "style", _("Style"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->pages);
  g_signal_connect_swapped (self->pages, "notify::visible-child-name",
                            G_CALLBACK (show_model_label), self);
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 6);
  gtk_box_append (GTK_BOX (pages_box), switcher);
  gtk_box_append (GTK_BOX (pages_box), GTK_WIDGET (self->pages));
  gtk_stack_add_named (self->main_stack, pages_box, "content");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->main_stack));

  self->root = box;
  gtk_widget_set_parent (box, GTK_WIDGET (self));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_generate_view_dispose (GObject *object)
{
  DsGenerateView *self = DS_GENERATE_VIEW (object);

  ds_view_set_document (DS_VIEW (self), NULL);
  ds_view_follow_reset (&self->follow);
  _ds_generate_dream_dispose (self);
  _ds_generate_projector_dispose (self);
  _ds_generate_latent_dispose (self);
  _ds_generate_text_dispose (self);
  _ds_generate_gan_dispose (self);
  _ds_generate_style_dispose (self);
  ds_file_chooser_clear (&self->chooser);
  g_clear_pointer (&self->root, gtk_widget_unparent);
  G_OBJECT_CLASS (ds_generate_view_parent_class)->dispose (object);
}

static void
ds_generate_view_finalize (GObject *object)
{
  DsGenerateView *self = DS_GENERATE_VIEW (object);

  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->model_text, g_free);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->layer_checks, g_ptr_array_unref);
  g_clear_pointer (&self->layer_spins, g_ptr_array_unref);
  g_clear_pointer (&self->layer_paths, g_ptr_array_unref);
  g_clear_pointer (&self->start, nn_tensor_free);
  g_clear_pointer (&self->dreamed, nn_tensor_free);
  g_clear_pointer (&self->points, nn_tensor_free);
  g_clear_pointer (&self->hover_image, nn_tensor_free);
  g_free (self->labels);
  g_free (self->positions);
  _ds_generate_latent_free (self);
  G_OBJECT_CLASS (ds_generate_view_parent_class)->finalize (object);
}

static void
ds_generate_view_class_init (DsGenerateViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  DsViewClass *view_class = DS_VIEW_CLASS (klass);

  object_class->dispose = ds_generate_view_dispose;
  object_class->finalize = ds_generate_view_finalize;
  view_class->document_changed = ds_generate_view_document_changed;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "generateview");
}

static void
ds_generate_view_init (DsGenerateView *self)
{
  self->layer_checks = g_ptr_array_new ();
  self->layer_spins = g_ptr_array_new ();
  self->layer_paths = g_ptr_array_new_with_free_func (g_free);
  self->hover = -1;
  ds_view_follow_init (&self->follow, GTK_WIDGET (self), DS_GENERATE_FOLLOW_SECONDS,
                       (DsViewFollowFunc) follow);
  self->pitch = 0.35;
  self->yaw = 0.6;
  build (self);
  g_signal_connect_swapped (self, "map", G_CALLBACK (map_cb), self);
}

/* ---- for the tests -------------------------------------------------------- */

const char *
ds_generate_view_get_model_text (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->model_text;
}

NnModel *
ds_generate_view_get_model (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->model;
}

GtkStack *
ds_generate_view_get_pages (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->pages;
}

void
ds_generate_view_show_page (DsGenerateView *self,
                            const char     *name)
{
  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (needs_no_model (name))
    show_free_page (self, name);
  else
    gtk_stack_set_visible_child_name (self->pages, name);
}

const char *
ds_generate_view_get_last_toast (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->last_toast;
}
