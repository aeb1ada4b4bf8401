/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-properties.h: the editor of the selected layer, generated from its
 * parameter specs (spin buttons with the spec's range, drop-downs, switches,
 * text fields for shapes), with each parameter's help text. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_PROPERTIES (ds_properties_get_type ())
G_DECLARE_FINAL_TYPE (DsProperties, ds_properties, DS, PROPERTIES, GtkWidget)

GtkWidget  *ds_properties_new           (void);
void        ds_properties_set_document  (DsProperties *self, DsDocument *document);
/* Shows layer `layer` of the document's model (-1: nothing selected). */
void        ds_properties_set_layer     (DsProperties *self, int layer);
/* Transfer learning: copies src's weights into the shown Model layer (its
 * layers of the same names and shapes, nn_model_copy_weights_into) as one
 * undoable edit; FALSE with the refusal, nothing changed, otherwise. */
gboolean    ds_properties_load_weights  (DsProperties *self, NnModel *src, const char *src_name,
                                         GError **error);
/* The same from a model file (with weights). */
gboolean    ds_properties_load_weights_from_path (DsProperties *self, const char *path,
                                                  GError **error);

G_END_DECLS
