/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "ds-view.h"

typedef struct
{
  /* Owned */
  DsDocument *document;
} DsViewPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DsView, ds_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Drops the handlers self connected to document and its store. */
static void
disconnect_document (DsView     *self,
                     DsDocument *document)
{
  g_signal_handlers_disconnect_by_data (document, self);
  g_signal_handlers_disconnect_by_data (ds_document_get_dataset_store (document), self);
}

static void
ds_view_dispose (GObject *object)
{
  DsView *self = DS_VIEW (object);
  DsViewPrivate *priv = ds_view_get_instance_private (self);

  if (priv->document)
    disconnect_document (self, priv->document);
  g_clear_object (&priv->document);
  G_OBJECT_CLASS (ds_view_parent_class)->dispose (object);
}

static void
ds_view_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  DsView *self = DS_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, ds_view_get_document (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_view_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  DsView *self = DS_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      ds_view_set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_view_class_init (DsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ds_view_dispose;
  object_class->get_property = ds_view_get_property;
  object_class->set_property = ds_view_set_property;

  /* Every view takes the window's document as a construct property. */
  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, DS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY
                         | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ds_view_init (DsView *self)
{
}

DsDocument *
ds_view_get_document (DsView *self)
{
  DsViewPrivate *priv;

  g_return_val_if_fail (DS_IS_VIEW (self), NULL);
  priv = ds_view_get_instance_private (self);
  return priv->document;
}

void
ds_view_set_document (DsView     *self,
                      DsDocument *document)
{
  DsViewPrivate *priv;
  g_autoptr(DsDocument) old = NULL;

  g_return_if_fail (DS_IS_VIEW (self));
  g_return_if_fail (document == NULL || DS_IS_DOCUMENT (document));

  priv = ds_view_get_instance_private (self);
  if (priv->document == document)
    return;
  old = g_steal_pointer (&priv->document);
  if (old)
    disconnect_document (self, old);
  priv->document = document ? g_object_ref (document) : NULL;
  if (DS_VIEW_GET_CLASS (self)->document_changed)
    DS_VIEW_GET_CLASS (self)->document_changed (self, old);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}
