/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-properties-private.h: DsProperties accessors that only the tests use. */
#pragma once

#include "ds-properties.h"

G_BEGIN_DECLS

/* The editor widget of a parameter (GtkSpinButton, GtkDropDown, GtkSwitch
 * or GtkEntry), or NULL; for tests. */
GtkWidget  *ds_properties_get_editor    (DsProperties *self, const char *pname);
int         ds_properties_get_layer     (DsProperties *self);
/* The "Set by the task: …" note shown for the layer, or NULL. */
const char *ds_properties_get_task_note (DsProperties *self);

G_END_DECLS
