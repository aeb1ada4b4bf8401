/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "ds-sample-gallery-private.h"
#include "ds-util.h"
#include "nn.h"

typedef struct
{
  char *path;
  char *title;
  char *description;
  char *error;
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
  g_free (s->error);
}

static int
cmp_sample (gconstpointer a,
            gconstpointer b)
{
  return g_strcmp0 (((const Sample *) a)->path, ((const Sample *) b)->path);
}

static GtkWidget *
make_row (const Sample *s,
          guint         index)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), s->title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), s->error ? s->error : s->description);
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

  g_array_set_size (self->samples, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);

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
        }
      g_array_append_val (self->samples, s);
    }
  g_array_sort (self->samples, cmp_sample);
  for (guint i = 0; i < self->samples->len; i++)
    gtk_list_box_append (self->list, make_row (&g_array_index (self->samples, Sample, i), i));

  if (self->samples->len == 0)
    {
      g_autofree char *desc = g_strdup_printf ("No sample models were found in %s", dir);

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
