/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli on text: predict --text with the vocabulary saved in the
 * model, and embedding: GloVe vectors in and out of an embedding layer. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* Vectorizes text with m's vocabulary and prints every class's
 * probability, most likely first (--json: one object). 0, or 1 with
 * error set. */
int      cli_text_predict  (NnModel *m, const char *text, gboolean json, GError **error);

typedef struct {
  const char *data;      /* --data, or NULL: the model's dataset (for its vocabulary) */
  const char *layer;     /* --layer NAME (required) */
  const char *import;    /* --import glove.txt */
  const char *export;    /* --export vectors.txt */
  const char *out;       /* --out MODEL2.json (with --import) */
  gboolean    freeze;    /* --freeze (with --import) */
  gboolean    quiet;
} CliEmbeddingOptions;

/* FALSE with a G_OPTION_ERROR when the options do not fit together. */
gboolean cli_embedding_check (const CliEmbeddingOptions *o, GError **error);
int      cli_embedding_run   (NnModel *m, const CliEmbeddingOptions *o, GError **error);

G_END_DECLS
