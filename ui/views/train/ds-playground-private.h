/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-private.h: DsPlayground accessors that only the tests use. */
#pragma once

#include "ds-playground.h"

G_BEGIN_DECLS

/* Decision maps computed so far (tests). */
guint      ds_playground_get_n_updates (DsPlayground  *self);
/* Hidden units drawn (tests). */
guint      ds_playground_get_n_units   (DsPlayground  *self);

G_END_DECLS
