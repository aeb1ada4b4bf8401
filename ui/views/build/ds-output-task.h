/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-output-task.h: the output layer's units and activation, set by the
 * task of the document's dataset. A Dense layer that is a model output and
 * still holds Dense's defaults (32 units, relu) gets what the target asks
 * for: K > 2 classes → K units, softmax; 2 classes as labels 0/1 → 1 unit,
 * sigmoid; one-hot targets of K columns → K units, softmax; values → as
 * many units as the target has, linear. A value the person set is never
 * overridden, and a layer that stops being the output gets back what it
 * had. */
#pragma once

#include "ds-document.h"

G_BEGIN_DECLS

/* What target `target` of ds asks of the Dense layer that produces it:
 * units, activation (static) and the reason in words ("10 classes →
 * softmax", owned). FALSE when the target is no vector a Dense layer
 * produces (an image, say). */
gboolean    ds_output_task_choose   (const NnDataset  *ds,
                                     int               target,
                                     int              *units,
                                     const char      **activation,
                                     char            **reason);

/* Sets the outputs of the document's model (not committed: the caller
 * commits, so that it is one undo step with the edit that caused it) from
 * the dataset the store holds, and puts back what a layer that is no
 * longer an output had before the task set it. TRUE when the model
 * changed. */
gboolean    ds_output_task_apply    (DsDocument       *document);

/* "Set by the task: 10 classes → softmax" while `layer` holds the
 * activation the task set, else NULL (borrowed). */
const char *ds_output_task_get_note (DsDocument       *document,
                                     int               layer);

G_END_DECLS
