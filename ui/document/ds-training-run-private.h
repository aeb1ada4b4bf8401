/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-training-run-private.h: DsTrainingRun accessors that only the tests use. */
#pragma once

#include "ds-training-run.h"

G_BEGIN_DECLS

/* The number of events the drain has applied (tests). */
guint          ds_training_run_get_n_events   (DsTrainingRun     *self);

G_END_DECLS
