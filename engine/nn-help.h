/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-help.h: what each element computes, with its formula: every layer
 * type of the layer table (by class name), activation, loss, metric,
 * optimizer, learning-rate schedule, callback and preprocessing option.
 * The palette, the properties panel, the Train view's settings and the
 * Data view's options show these. Include nn.h. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NN_HELP_LAYER,        /* "Dense" (the layer table's class names) */
  NN_HELP_ACTIVATION,   /* "relu" (the activation parameter's choices) */
  NN_HELP_LOSS,         /* nn_loss_name: "binary_crossentropy" */
  NN_HELP_METRIC,       /* nn_metric_name: "accuracy" */
  NN_HELP_OPTIMIZER,    /* nn_optimizer_name: "RMSprop" */
  NN_HELP_SCHEDULE,     /* "constant", "step", "exponential" */
  NN_HELP_CALLBACK,     /* "EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint" */
  NN_HELP_PREPROCESSING, /* the Data view's options ("normalize_mean_std", "flip",
                          * "kfold"…) and the text modes (nn_text_mode_name) */
  NN_N_HELP_KINDS
} NnHelpKind;

typedef struct {
  NnHelpKind  kind;
  const char *name;
  const char *formula;  /* one line of math, Unicode: "y = f(W·x + b)" */
  const char *text;     /* what the symbols are and why it is used */
} NnHelp;

/* The entry for name, or NULL. */
const NnHelp *nn_help_lookup (NnHelpKind kind, const char *name);
/* Every entry, in table order (tests enumerate them). */
guint         nn_help_count  (void);
const NnHelp *nn_help_get    (guint i);
/* "Formula — text" for tooltips (newly allocated), or NULL. */
char         *nn_help_dup_text (NnHelpKind kind, const char *name);

G_END_DECLS
