/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-model-io-vocab.c: the vocabulary kept with a model (the file's
 * "vocabulary" member, MODEL-FORMAT.md): its tokens in index order, the
 * tokenizer's options and the encoding, so that raw text can be
 * vectorized as the model was trained on it. */
#define G_LOG_DOMAIN "nn-model"

#include "nn-model-io-private.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

static const char *const sides[] = { "post", "pre", NULL };

void
nn_io_write_vocab (JsonBuilder   *b,
                   const NnVocab *v)
{
  const NnTextOptions *o = nn_vocab_get_options (v);
  json_builder_set_member_name (b, "vocabulary");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tokens");
  json_builder_add_string_value (b, o->chars ? "chars" : "words");
  json_builder_set_member_name (b, "lower");
  json_builder_add_boolean_value (b, o->lower);
  json_builder_set_member_name (b, "strip");
  json_builder_add_boolean_value (b, o->strip);
  json_builder_set_member_name (b, "ngrams");
  json_builder_add_int_value (b, o->ngrams);
  json_builder_set_member_name (b, "hash");
  json_builder_add_int_value (b, o->hash_buckets);
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, nn_text_mode_name (o->mode));
  json_builder_set_member_name (b, "length");
  json_builder_add_int_value (b, o->length);
  json_builder_set_member_name (b, "pad");
  json_builder_add_string_value (b, sides[o->pad]);
  json_builder_set_member_name (b, "trunc");
  json_builder_add_string_value (b, sides[o->trunc]);
  /* Hashed vocabularies have no tokens to keep, only their bucket count. */
  if (o->hash_buckets == 0)
    {
      json_builder_set_member_name (b, "index");
      json_builder_begin_array (b);
      for (int k = 0; k < nn_vocab_size (v); k++)
        json_builder_add_string_value (b, nn_vocab_token (v, k));
      json_builder_end_array (b);
    }
  const char *const *labels = nn_vocab_get_labels (v);
  if (labels != NULL)
    {
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (int k = 0; labels[k] != NULL; k++)
        json_builder_add_string_value (b, labels[k]);
      json_builder_end_array (b);
    }
  const float *idf = nn_vocab_get_idf (v);
  if (idf != NULL && o->mode == NN_TEXT_TFIDF)
    {
      json_builder_set_member_name (b, "idf");
      json_builder_begin_array (b);
      for (int k = 0; k < nn_vocab_size (v); k++)
        {
          char buf[32];
          g_ascii_formatd (buf, sizeof buf, "%.9g", idf[k]);   /* exact for a float */
          json_builder_add_double_value (b, g_ascii_strtod (buf, NULL));
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static gboolean
get_choice (JsonObject         *o,
            const char         *key,
            const char *const  *choices,
            int                *out,
            GError            **error)
{
  const char *s = NULL;
  if (!get_string (o, key, FALSE, NN_MODEL_ERROR_FILE, "“vocabulary”", &s, error))
    return FALSE;
  if (s == NULL)
    return TRUE;
  for (int i = 0; choices[i] != NULL; i++)
    if (g_str_equal (s, choices[i]))
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *list = g_strjoinv (", ", (char **) choices);
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
               _("“vocabulary”: “%s” must be one of %s, not “%s”"), key, list, s);
  return FALSE;
}

gboolean
nn_io_read_vocab (JsonObject  *root,
                  NnVocab    **out,
                  GError     **error)
{
  static const char *const keys[] = { "tokens", "lower", "strip", "ngrams", "hash", "mode",
                                      "length", "pad", "trunc", "index", "idf", "labels",
                                      NULL };
  static const char *const kinds[] = { "words", "chars", NULL };
  static const char *const modes[] = { "int", "multi_hot", "count", "tfidf", NULL };
  const char *W = "“vocabulary”";
  const int E = NN_MODEL_ERROR_FILE;
  JsonNode *n;
  *out = NULL;
  if (!get_member (root, "vocabulary", J_OBJECT, FALSE, E, "the file", &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  JsonObject *o = json_node_get_object (n);
  if (!only_keys (o, keys, E, W, error))
    return FALSE;

  NnTextOptions opt;
  nn_text_options_init (&opt);
  int kind = 0, mode = 0, pad = 0, trunc = 0;
  if (!get_choice (o, "tokens", kinds, &kind, error)
      || !get_choice (o, "mode", modes, &mode, error)
      || !get_choice (o, "pad", sides, &pad, error)
      || !get_choice (o, "trunc", sides, &trunc, error)
      || !get_bool (o, "lower", E, W, &opt.lower, error)
      || !get_bool (o, "strip", E, W, &opt.strip, error)
      || !get_int32 (o, "ngrams", 1, 3, E, W, &opt.ngrams, error)
      || !get_int32 (o, "hash", 0, 1 << 20, E, W, &opt.hash_buckets, error)
      || !get_int32 (o, "length", 1, 100000, E, W, &opt.length, error))
    return FALSE;
  opt.chars = kind == 1;
  opt.mode = (NnTextMode) mode;
  opt.pad = pad;
  opt.trunc = trunc;

  g_autoptr(NnVocab) v = nn_vocab_new (&opt);
  JsonNode *idx;
  if (!get_member (o, "index", J_ARRAY, opt.hash_buckets == 0, E, W, &idx, error))
    return FALSE;
  if (idx != NULL && opt.hash_buckets > 0)
    {
      g_set_error (error, NN_MODEL_ERROR, E,
                   _("%s: a hashed vocabulary (“hash” %d) has no “index” of tokens"), W,
                   opt.hash_buckets);
      return FALSE;
    }
  if (idx != NULL)
    {
      JsonArray *a = json_node_get_array (idx);
      guint len = json_array_get_length (a);
      for (guint k = 0; k < len; k++)
        {
          JsonNode *t = json_array_get_element (a, k);
          if (!is_kind (t, J_STRING))
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           _("%s: token %u of “index” is %s, not a string"), W, k, node_desc (t));
              return FALSE;
            }
          const char *s = json_node_get_string (t);
          if (k < 2)
            {
              if (!g_str_equal (s, nn_vocab_token (v, (int) k)))
                {
                  g_set_error (error, NN_MODEL_ERROR, E,
                               _("%s: “index” must start with \"\" (padding) and \"[UNK]\" "
                               "(out of vocabulary), not “%s” at %u"), W, s, k);
                  return FALSE;
                }
              continue;
            }
          if (s[0] == '\0' || !g_utf8_validate (s, -1, NULL)
              || nn_vocab_lookup (v, s) != 1 || g_str_equal (s, "[UNK]"))
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           _("%s: token %u of “index” (“%s”) is empty or repeated"), W, k, s);
              return FALSE;
            }
          nn_vocab_add (v, s);
        }
      if (len < 2)
        {
          g_set_error (error, NN_MODEL_ERROR, E,
                       _("%s: “index” must start with \"\" (padding) and \"[UNK]\""), W);
          return FALSE;
        }
    }

  JsonNode *idf_node;
  if (!get_member (o, "idf", J_ARRAY, FALSE, E, W, &idf_node, error))
    return FALSE;
  if (idf_node != NULL)
    {
      JsonArray *a = json_node_get_array (idf_node);
      int size = nn_vocab_size (v);
      if (json_array_get_length (a) != (guint) size)
        {
          g_set_error (error, NN_MODEL_ERROR, E,
                       _("%s: “idf” holds %u values for %d tokens"), W,
                       json_array_get_length (a), size);
          return FALSE;
        }
      g_autofree float *idf = g_new (float, size);
      for (int k = 0; k < size; k++)
        {
          JsonNode *x = json_array_get_element (a, k);
          if (!is_kind (x, J_NUMBER) || !isfinite (json_node_get_double (x))
              || json_node_get_double (x) < 0)
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           _("%s: “idf” value %d is %s, not a number of at least 0"), W, k,
                           node_desc (x));
              return FALSE;
            }
          idf[k] = (float) json_node_get_double (x);
        }
      nn_vocab_set_idf (v, idf);
    }
  JsonNode *labels_node;
  if (!get_member (o, "labels", J_ARRAY, FALSE, E, W, &labels_node, error))
    return FALSE;
  if (labels_node != NULL)
    {
      JsonArray *a = json_node_get_array (labels_node);
      guint len = json_array_get_length (a);
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      for (guint k = 0; k < len; k++)
        {
          JsonNode *x = json_array_get_element (a, k);
          if (!is_kind (x, J_STRING))
            {
              g_set_error (error, NN_MODEL_ERROR, E, _("%s: label %u is %s, not a string"), W, k,
                           node_desc (x));
              return FALSE;
            }
          g_ptr_array_add (names, (gpointer) json_node_get_string (x));
        }
      g_ptr_array_add (names, NULL);
      nn_vocab_set_labels (v, (const char *const *) names->pdata);
    }
  *out = g_steal_pointer (&v);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GloVe vectors in an embedding layer                                      */
/* ------------------------------------------------------------------------ */

/* The (rows, dim) table of layer `name`: its first weight, 2-D, with a row
 * for every token of v. */
static float *
embedding_table (NnModel        *m,
                 const char     *name,
                 const NnVocab  *v,
                 int            *dim,
                 int            *layer,
                 GError        **error)
{
  int l = nn_model_find_layer (m, name);
  if (l < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("The model has no layer named “%s”"), name);
      return NULL;
    }
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, 1, error))
    return NULL;
  NnTensor view;
  if (nn_model_layer_get_n_weights (m, l) < 1
      || (nn_model_layer_get_weight (m, l, 0, &view), view.ndim != 2) || view.data == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("The layer “%s” is not an embedding: word vectors need a layer whose "
                   "weights are one (input_dim, output_dim) table"), name);
      return NULL;
    }
  if (view.shape[0] < nn_vocab_size (v))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("The layer “%s” has %d rows (input_dim) for a vocabulary of %d tokens: set "
                   "input_dim to %d"), name, view.shape[0], nn_vocab_size (v),
                   nn_vocab_size (v));
      return NULL;
    }
  *dim = view.shape[1];
  *layer = l;
  return view.data;
}

gboolean
nn_model_import_glove (NnModel        *m,
                       const char     *layer,
                       const char     *path,
                       const NnVocab  *vocab,
                       gboolean        freeze,
                       int            *n_found,
                       GError        **error)
{
  g_return_val_if_fail (m != NULL && layer != NULL && path != NULL, FALSE);
  const NnVocab *v = vocab != NULL ? vocab : m->vocab;
  if (v == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("The model has no vocabulary to match the word vectors to: open its text "
                   "dataset first"));
      return FALSE;
    }
  int dim = 0, l = -1;
  float *table = embedding_table (m, layer, v, &dim, &l, error);
  if (table == NULL)
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (!nn_glove_load (path, v, dim, table, n_found, &local))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS, "%s", local->message);
      return FALSE;
    }
  if (v != m->vocab)
    nn_model_set_vocab (m, v);
  if (freeze)
    nn_model_layer_set_trainable (m, l, FALSE);
  return TRUE;
}

gboolean
nn_model_export_glove (NnModel     *m,
                       const char  *layer,
                       const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (m != NULL && layer != NULL && path != NULL, FALSE);
  if (m->vocab == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("The model keeps no vocabulary (it was not trained on text), so its rows "
                   "have no words to write"));
      return FALSE;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   _("The model has no weights to export: train it first"));
      return FALSE;
    }
  int dim = 0, l = -1;
  float *table = embedding_table (m, layer, m->vocab, &dim, &l, error);
  if (table == NULL)
    return FALSE;
  g_autoptr(GError) local = NULL;
  if (!nn_glove_save (path, m->vocab, dim, table, &local))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_model_write_vocab (const NnModel *m, const char *path, GError **error)
{
  const NnVocab *v = nn_model_get_vocab (m);
  if (v == NULL)
    return TRUE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  nn_io_write_vocab (b, v);
  json_builder_end_object (b);
  /* the member's value alone: {"tokens": ..., "index": [...]} */
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  JsonNode *vocab = json_object_get_member (json_node_get_object (root), "vocabulary");
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, vocab);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  return g_file_set_contents (path, text, -1, error);
}
