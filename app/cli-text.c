/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli on text (cli-text.h). */
#include "cli-text.h"
#include "cli-inspect.h"

#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>

typedef struct {
  int   k;
  float p;
} Ranked;

static int
ranked_cmp (const void *a,
            const void *b)
{
  const Ranked *x = a, *y = b;
  return x->p > y->p ? -1 : x->p < y->p ? 1 : x->k - y->k;
}

/* The name of class k: the vocabulary's labels, else (a character model)
 * its token, else the number. */
static char *
label_of (const NnVocab *v,
          int            k)
{
  const char *const *labels = nn_vocab_get_labels (v);
  if (labels != NULL)
    for (int i = 0; labels[i] != NULL; i++)
      if (i == k)
        return g_strdup (labels[i]);
  if (labels == NULL && nn_vocab_token (v, k) != NULL)
    return g_strescape (nn_vocab_token (v, k), NULL);
  return g_strdup_printf ("%d", k);
}

int
cli_text_predict (NnModel     *m,
                  const char  *text,
                  gboolean     json,
                  GError     **error)
{
  const NnVocab *v = nn_model_get_vocab (m);
  if (v == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s keeps no vocabulary, so --text cannot be read: train it on a text "
                   "dataset (fortunes:, text:DIR) and save it"), nn_model_get_name (m));
      return 1;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   _("%s has no weights: train it first"), nn_model_get_name (m));
      return 1;
    }
  nn_model_auto_outputs (m);
  if (!nn_model_infer (m, error))
    return 1;
  int size = nn_vocab_output_size (v);
  int shape[2] = { 1, size };
  g_autoptr (NnTensor) in = nn_tensor_new (2, shape);
  int n_tokens = 0;
  const char *charset;
  g_autofree char *converted = NULL;
  /* The text comes as the terminal's bytes: from a locale that is not
   * UTF-8 it is converted; invalid UTF-8 is refused by the vectorizer. */
  if (!g_get_charset (&charset) && !g_utf8_validate (text, -1, NULL))
    {
      converted = g_convert (text, -1, "UTF-8", charset, NULL, NULL, NULL);
      if (converted != NULL)
        text = converted;
    }
  if (!nn_vocab_vectorize (v, text, -1, "--text", in->data, &n_tokens, error))
    return 1;
  NnTensor *inputs[1] = { in };
  g_autoptr (NnTensor) out = nn_model_run (m, inputs, 1, nn_model_get_output (m, 0), error);
  if (out == NULL)
    return 1;
  int n = (int) out->size;
  g_autofree Ranked *r = g_new (Ranked, MAX (n, 2));
  if (n == 1)   /* one sigmoid unit: class 1's probability */
    {
      r[0] = (Ranked) { 1, out->data[0] };
      r[1] = (Ranked) { 0, 1.f - out->data[0] };
      n = 2;
    }
  else
    for (int k = 0; k < n; k++)
      r[k] = (Ranked) { k, out->data[k] };
  qsort (r, n, sizeof *r, ranked_cmp);
  if (json)
    {
      GString *line = g_string_new ("{\"tokens\": ");
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_printf (line, "%d, \"classes\": [", n_tokens);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *name = label_of (v, r[i].k);
          g_autofree char *q = g_strescape (name, NULL);
          g_string_append_printf (line, "%s{\"class\": %d, \"name\": \"%s\", \"p\": %s}",
                                  i ? ", " : "", r[i].k, q,
                                  isfinite (r[i].p)
                                    ? g_ascii_formatd (buf, sizeof buf, "%.6g", r[i].p)
                                    : "null");
        }
      g_string_append (line, "]}\n");
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
      return 0;
    }
  printf ("%d tokens\n", n_tokens);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = label_of (v, r[i].k);
      printf ("%-20s %6.2f%%\n", name, 100.0 * r[i].p);
    }
  return 0;
}

gboolean
cli_embedding_check (const CliEmbeddingOptions *o,
                     GError                   **error)
{
  const char *why = NULL;
  if (o->layer == NULL)
    why = _("embedding needs --layer NAME (the embedding layer)");
  else if ((o->import == NULL) == (o->export == NULL))
    why = _("embedding takes one of --import glove.txt or --export vectors.txt");
  else if (o->import != NULL && o->out == NULL)
    why = _("--import needs --out MODEL2.json, the model file to write");
  else if (o->export != NULL && (o->out != NULL || o->freeze))
    why = _("--export writes the vectors alone: leave out --out and --freeze");
  if (why != NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, why);
      return FALSE;
    }
  return TRUE;
}

int
cli_embedding_run (NnModel                   *m,
                   const CliEmbeddingOptions *o,
                   GError                   **error)
{
  if (o->export != NULL)
    {
      if (!nn_model_export_glove (m, o->layer, o->export, error))
        return 1;
      if (!o->quiet)
        fprintf (stderr, _("Wrote %d word vectors to %s\n"), nn_vocab_size (nn_model_get_vocab (m)) - 2,
                 o->export);
      return 0;
    }
  /* The words of the rows: the model's vocabulary, else its dataset's. */
  g_autoptr (NnDataset) ds = NULL;
  const NnVocab *v = nn_model_get_vocab (m);
  if (v == NULL || o->data != NULL)
    {
      ds = cli_open_data (m, o->data, o->quiet, error);
      if (ds == NULL)
        return 1;
      if (ds->vocab == NULL)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("The dataset “%s” is not text: it has no vocabulary to match word "
                       "vectors to"), ds->name);
          return 1;
        }
      v = ds->vocab;
    }
  nn_model_auto_outputs (m);
  if (!nn_model_infer (m, error))
    return 1;
  int found = 0;
  if (!nn_model_import_glove (m, o->layer, o->import, v, o->freeze, &found, error))
    return 1;
  int words = nn_vocab_size (nn_model_get_vocab (m)) - 2;
  printf ("%s: %d of %d words found in %s (%.1f %% coverage)%s\n", o->layer, found, words,
          o->import, words > 0 ? 100.0 * found / words : 0.0, o->freeze ? "; layer frozen" : "");
  if (!nn_model_save (m, o->out, TRUE, error))
    return 1;
  if (!o->quiet)
    fprintf (stderr, _("Saved %s\n"), o->out);
  return 0;
}
