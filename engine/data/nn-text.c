/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-text.c: text vectorization (nn-text.h). Tokenizers on UTF-8 text
 * (graphemes for characters; words as runs of letters, digits and marks),
 * the vocabulary and its counter, integer sequences with padding and
 * truncation, bag-of-words encodings (multi-hot, counts, TF-IDF), word
 * n-grams, the hashing trick, and GloVe word vectors. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"
#include "nn-text.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define UNK_TOKEN "[UNK]"
/* The hashing trick's buckets are tokens "#k"; more would only waste memory. */
#define MAX_HASH_BUCKETS (1 << 20)

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

static const char *const mode_names[NN_TEXT_N_MODES] = { "int", "multi_hot", "count", "tfidf" };

void
nn_text_options_init (NnTextOptions *opt)
{
  g_return_if_fail (opt != NULL);
  memset (opt, 0, sizeof *opt);
  opt->chars = FALSE;
  opt->lower = TRUE;
  opt->strip = TRUE;
  opt->ngrams = 1;
  opt->hash_buckets = 0;
  opt->mode = NN_TEXT_INT;
  opt->length = 200;
  opt->pad = NN_TEXT_POST;
  opt->trunc = NN_TEXT_POST;
}

const char *
nn_text_mode_name (NnTextMode mode)
{
  if ((int) mode < 0 || mode >= NN_TEXT_N_MODES)
    return NULL;
  return mode_names[mode];
}

gboolean
nn_text_mode_parse (const char *name,
                    NnTextMode *out)
{
  g_return_val_if_fail (name != NULL && out != NULL, FALSE);
  for (int m = 0; m < NN_TEXT_N_MODES; m++)
    if (g_ascii_strcasecmp (name, mode_names[m]) == 0)
      {
        *out = (NnTextMode) m;
        return TRUE;
      }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Tokenizers                                                               */
/* ------------------------------------------------------------------------ */

gboolean
nn_text_validate (const char  *text,
                  gssize       len,
                  const char  *what,
                  GError     **error)
{
  const char *end = NULL;
  if (len < 0)
    len = (gssize) strlen (text);
  if (g_utf8_validate_len (text, (gsize) len, &end))
    return TRUE;
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
               _("%s is not UTF-8 text: invalid byte 0x%02x at byte offset %zu"
               " (convert it to UTF-8, e.g. with iconv)"),
               what != NULL ? what : "The text", (guint8) *end, (gsize) (end - text));
  return FALSE;
}

static gboolean
is_mark (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The end of the grapheme starting at p (valid UTF-8 up to end): the base
 * character, then its combining marks, emoji modifiers, and characters
 * joined by a zero-width joiner; "\r\n" is one. */
static const char *
grapheme_end (const char *p,
              const char *end)
{
  gunichar c = g_utf8_get_char (p);
  const char *q = g_utf8_next_char (p);
  if (c == '\r' && q < end && *q == '\n')
    return q + 1;
  while (q < end)
    {
      gunichar d = g_utf8_get_char (q);
      if (is_mark (d) || (d >= 0x1F3FB && d <= 0x1F3FF))
        q = g_utf8_next_char (q);
      else if (d == 0x200D)
        {
          q = g_utf8_next_char (q);
          if (q < end)
            q = g_utf8_next_char (q);
        }
      else
        break;
    }
  return q;
}

static gboolean
is_strippable (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
    case G_UNICODE_MATH_SYMBOL:
    case G_UNICODE_CURRENCY_SYMBOL:
    case G_UNICODE_MODIFIER_SYMBOL:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || is_mark (c);
}

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;
}

static void
add_ngrams (GPtrArray *tokens,
            int        ngrams)
{
  guint n = tokens->len;
  for (int k = 2; k <= ngrams; k++)
    for (guint i = 0; i + (guint) k <= n; i++)
      {
        GString *s = g_string_new (g_ptr_array_index (tokens, i));
        for (int j = 1; j < k; j++)
          {
            g_string_append_c (s, ' ');
            g_string_append (s, g_ptr_array_index (tokens, i + j));
          }
        g_ptr_array_add (tokens, g_string_free (s, FALSE));
      }
}

GPtrArray *
nn_text_tokenize (const NnTextOptions  *opt,
                  const char           *text,
                  gssize                len,
                  const char           *what,
                  GError              **error)
{
  g_return_val_if_fail (opt != NULL && text != NULL, NULL);
  if (len < 0)
    len = (gssize) strlen (text);
  if (!nn_text_validate (text, len, what, error))
    return NULL;

  g_autofree char *lowered = NULL;
  const char *p = text, *end = text + len;
  if (opt->lower)
    {
      lowered = g_utf8_strdown (text, len);
      p = lowered;
      end = lowered + strlen (lowered);
    }

  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  if (opt->chars)
    {
      while (p < end)
        {
          const char *q = grapheme_end (p, end);
          gunichar c = g_utf8_get_char (p);
          if (c == '\r' && q - p == 2)
            p++;   /* "\r\n" is a newline */
          if (c == '\0')
            ; /* NUL bytes are not text */
          else if (!(opt->strip && is_strippable (c)))
            g_ptr_array_add (tokens, g_strndup (p, q - p));
          p = q;
        }
      return tokens;
    }

  GString *word = g_string_new (NULL);
  while (p < end)
    {
      const char *q = grapheme_end (p, end);
      gunichar c = g_utf8_get_char (p);
      if (is_word_char (c))
        g_string_append_len (word, p, q - p);
      else if (is_apostrophe (c) && word->len > 0 && q < end
               && is_word_char (g_utf8_get_char (q)))
        {
          if (!opt->strip)
            g_string_append_len (word, p, q - p);
        }
      else
        {
          if (word->len > 0)
            {
              g_ptr_array_add (tokens, g_strndup (word->str, word->len));
              g_string_truncate (word, 0);
            }
          if (!g_unichar_isspace (c) && c != '\0' && !g_unichar_iscntrl (c)
              && !(opt->strip && is_strippable (c)))
            g_ptr_array_add (tokens, g_strndup (p, q - p));
        }
      p = q;
    }
  if (word->len > 0)
    g_ptr_array_add (tokens, g_strndup (word->str, word->len));
  g_string_free (word, TRUE);
  if (opt->ngrams > 1)
    add_ngrams (tokens, MIN (opt->ngrams, 3));
  return tokens;
}

guint32
nn_text_hash (const char *token,
              guint32     n_buckets)
{
  guint32 h = 2166136261u;
  for (const guint8 *s = (const guint8 *) token; *s; s++)
    {
      h ^= *s;
      h *= 16777619u;
    }
  return n_buckets > 0 ? h % n_buckets : h;
}

/* ------------------------------------------------------------------------ */
/* Vocabulary                                                               */
/* ------------------------------------------------------------------------ */

struct _NnVocab {
  NnTextOptions opt;
  GPtrArray    *tokens;   /* char*, owned, in index order */
  GHashTable   *index;    /* token (borrowed from tokens) → index + 1 */
  float        *idf;      /* tokens->len values, or NULL */
  char        **labels;   /* class names, or NULL */
};

NnVocab *
nn_vocab_new (const NnTextOptions *opt)
{
  NnVocab *v = g_new0 (NnVocab, 1);
  if (opt != NULL)
    v->opt = *opt;
  else
    nn_text_options_init (&v->opt);
  v->opt.ngrams = CLAMP (v->opt.ngrams, 1, 3);
  v->opt.hash_buckets = CLAMP (v->opt.hash_buckets, 0, MAX_HASH_BUCKETS);
  v->opt.length = MAX (v->opt.length, 1);
  v->tokens = g_ptr_array_new_with_free_func (g_free);
  v->index = g_hash_table_new (g_str_hash, g_str_equal);
  g_ptr_array_add (v->tokens, g_strdup (""));
  g_ptr_array_add (v->tokens, g_strdup (UNK_TOKEN));
  for (int k = 0; k < v->opt.hash_buckets; k++)
    g_ptr_array_add (v->tokens, g_strdup_printf ("#%d", k));
  /* Hashed vocabularies look tokens up by hash, not by name. */
  if (v->opt.hash_buckets == 0)
    g_hash_table_insert (v->index, v->tokens->pdata[0], GINT_TO_POINTER (1));
  return v;
}

void
nn_vocab_free (NnVocab *v)
{
  if (v == NULL)
    return;
  g_hash_table_unref (v->index);
  g_ptr_array_unref (v->tokens);
  g_free (v->idf);
  g_strfreev (v->labels);
  g_free (v);
}

NnVocab *
nn_vocab_copy (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, NULL);
  NnTextOptions opt = v->opt;
  opt.hash_buckets = 0;
  NnVocab *c = nn_vocab_new (&opt);
  c->opt = v->opt;
  for (guint i = 2; i < v->tokens->len; i++)
    {
      if (v->opt.hash_buckets > 0)
        g_ptr_array_add (c->tokens, g_strdup (v->tokens->pdata[i]));
      else
        nn_vocab_add (c, v->tokens->pdata[i]);
    }
  if (v->opt.hash_buckets > 0)
    g_hash_table_remove_all (c->index);
  if (v->idf != NULL)
    c->idf = g_memdup2 (v->idf, v->tokens->len * sizeof (float));
  c->labels = g_strdupv (v->labels);
  return c;
}

int
nn_vocab_size (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, 0);
  return (int) v->tokens->len;
}

const char *
nn_vocab_token (const NnVocab *v,
                int            index)
{
  g_return_val_if_fail (v != NULL, NULL);
  if (index < 0 || (guint) index >= v->tokens->len)
    return NULL;
  return v->tokens->pdata[index];
}

int
nn_vocab_lookup (const NnVocab *v,
                 const char    *token)
{
  g_return_val_if_fail (v != NULL && token != NULL, 1);
  if (token[0] == '\0')
    return 0;
  if (v->opt.hash_buckets > 0)
    return 2 + (int) nn_text_hash (token, (guint32) v->opt.hash_buckets);
  gpointer p = g_hash_table_lookup (v->index, token);
  return p != NULL ? GPOINTER_TO_INT (p) - 1 : 1;
}

gboolean
nn_vocab_is_chars (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, FALSE);
  return v->opt.chars;
}

const NnTextOptions *
nn_vocab_get_options (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, NULL);
  return &v->opt;
}

void
nn_vocab_set_encoding (NnVocab    *v,
                       NnTextMode  mode,
                       int         length,
                       NnTextSide  pad,
                       NnTextSide  trunc)
{
  g_return_if_fail (v != NULL);
  v->opt.mode = mode;
  v->opt.length = MAX (length, 1);
  v->opt.pad = pad;
  v->opt.trunc = trunc;
}

int
nn_vocab_add (NnVocab    *v,
              const char *token)
{
  g_return_val_if_fail (v != NULL && token != NULL, 1);
  g_return_val_if_fail (v->opt.hash_buckets == 0, 1);
  gpointer p = g_hash_table_lookup (v->index, token);
  if (p != NULL)
    return GPOINTER_TO_INT (p) - 1;
  if (g_str_equal (token, UNK_TOKEN))
    return 1;
  char *copy = g_strdup (token);
  g_ptr_array_add (v->tokens, copy);
  int idx = (int) v->tokens->len - 1;
  g_hash_table_insert (v->index, copy, GINT_TO_POINTER (idx + 1));
  if (v->idf != NULL)
    {
      v->idf = g_realloc_n (v->idf, v->tokens->len, sizeof (float));
      v->idf[idx] = 0.f;
    }
  return idx;
}

const float *
nn_vocab_get_idf (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, NULL);
  return v->idf;
}

void
nn_vocab_set_idf (NnVocab     *v,
                  const float *idf)
{
  g_return_if_fail (v != NULL);
  g_clear_pointer (&v->idf, g_free);
  if (idf != NULL)
    v->idf = g_memdup2 (idf, v->tokens->len * sizeof (float));
}

const char *const *
nn_vocab_get_labels (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, NULL);
  return (const char *const *) v->labels;
}

void
nn_vocab_set_labels (NnVocab           *v,
                     const char *const *labels)
{
  g_return_if_fail (v != NULL);
  char **copy = g_strdupv ((char **) labels);
  g_strfreev (v->labels);
  v->labels = copy;
}

int
nn_vocab_output_size (const NnVocab *v)
{
  g_return_val_if_fail (v != NULL, 0);
  return v->opt.mode == NN_TEXT_INT ? v->opt.length : (int) v->tokens->len;
}

/* ------------------------------------------------------------------------ */
/* Counting                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  char    *token;
  guint64  count;
  guint64  df;
  guint64  first;      /* order of first appearance */
  guint64  last_doc;   /* 1 + the last document counted in df */
} Count;

struct _NnVocabCounter {
  GHashTable *counts;  /* token (owned by the Count) → Count* */
  GPtrArray  *order;   /* Count*, owned, in order of first appearance */
  guint64     n_docs;
  guint64     total;
};

static void
count_free (gpointer p)
{
  Count *c = p;
  g_free (c->token);
  g_free (c);
}

NnVocabCounter *
nn_vocab_counter_new (void)
{
  NnVocabCounter *c = g_new0 (NnVocabCounter, 1);
  c->counts = g_hash_table_new (g_str_hash, g_str_equal);
  c->order = g_ptr_array_new_with_free_func (count_free);
  return c;
}

void
nn_vocab_counter_free (NnVocabCounter *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->counts);
  g_ptr_array_unref (c->order);
  g_free (c);
}

void
nn_vocab_counter_add (NnVocabCounter  *c,
                      const GPtrArray *tokens)
{
  g_return_if_fail (c != NULL && tokens != NULL);
  c->n_docs++;
  for (guint i = 0; i < tokens->len; i++)
    {
      const char *t = tokens->pdata[i];
      Count *e = g_hash_table_lookup (c->counts, t);
      if (e == NULL)
        {
          e = g_new0 (Count, 1);
          e->token = g_strdup (t);
          e->first = c->order->len;
          g_ptr_array_add (c->order, e);
          g_hash_table_insert (c->counts, e->token, e);
        }
      e->count++;
      if (e->last_doc != c->n_docs)
        {
          e->df++;
          e->last_doc = c->n_docs;
        }
      c->total++;
    }
}

guint64
nn_vocab_counter_total (const NnVocabCounter *c)
{
  g_return_val_if_fail (c != NULL, 0);
  return c->total;
}

guint
nn_vocab_counter_distinct (const NnVocabCounter *c)
{
  g_return_val_if_fail (c != NULL, 0);
  return c->order->len;
}

static int
count_cmp (gconstpointer a,
           gconstpointer b)
{
  const Count *x = *(const Count *const *) a, *y = *(const Count *const *) b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

static float
idf_of (guint64 n_docs,
        guint64 df)
{
  return (float) log (1.0 + (double) n_docs / (1.0 + (double) df));
}

NnVocab *
nn_vocab_counter_build (const NnVocabCounter *c,
                        const NnTextOptions  *opt,
                        int                   max_size)
{
  g_return_val_if_fail (c != NULL, NULL);
  NnVocab *v = nn_vocab_new (opt);
  guint n = c->order->len;
  g_autofree float *idf = g_new0 (float, v->tokens->len + (v->opt.hash_buckets > 0 ? 0 : n));

  if (v->opt.hash_buckets > 0)
    {
      /* A bucket's document frequency: the sum of its tokens' (an upper
       * bound when two of them share a document), at most the count. */
      g_autofree guint64 *df = g_new0 (guint64, v->tokens->len);
      for (guint i = 0; i < n; i++)
        {
          const Count *e = c->order->pdata[i];
          df[nn_vocab_lookup (v, e->token)] += e->df;
        }
      for (guint i = 2; i < v->tokens->len; i++)
        idf[i] = idf_of (c->n_docs, MIN (df[i], c->n_docs));
      nn_vocab_set_idf (v, idf);
      return v;
    }

  g_autofree Count **sorted = g_new (Count *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    sorted[i] = c->order->pdata[i];
  qsort (sorted, n, sizeof (Count *), count_cmp);
  guint keep = n;
  if (max_size > 0)
    keep = MIN (n, (guint) MAX (max_size - 2, 0));
  double oov_sum = 0.0;
  guint oov_n = 0;
  for (guint i = 0; i < n; i++)
    {
      float f = idf_of (c->n_docs, sorted[i]->df);
      if (i < keep && !g_str_equal (sorted[i]->token, UNK_TOKEN) && sorted[i]->token[0] != '\0')
        idf[nn_vocab_add (v, sorted[i]->token)] = f;
      else
        {
          oov_sum += f;
          oov_n++;
        }
    }
  /* Out-of-vocabulary tokens weigh as the dropped tokens do on average. */
  idf[1] = oov_n > 0 ? (float) (oov_sum / oov_n) : idf_of (c->n_docs, 0);
  nn_vocab_set_idf (v, idf);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Encodings                                                                */
/* ------------------------------------------------------------------------ */

int
nn_vocab_encode_ids (const NnVocab   *v,
                     const GPtrArray *tokens,
                     int              length,
                     gint32          *out)
{
  g_return_val_if_fail (v != NULL && tokens != NULL && out != NULL, 0);
  int n = (int) MIN (tokens->len, (guint) G_MAXINT);
  int take = MIN (n, length);
  int skip = v->opt.trunc == NN_TEXT_PRE ? n - take : 0;   /* tokens cut at the start */
  int lead = v->opt.pad == NN_TEXT_PRE ? length - take : 0; /* padding before */
  for (int i = 0; i < length; i++)
    out[i] = 0;
  for (int i = 0; i < take; i++)
    out[lead + i] = nn_vocab_lookup (v, tokens->pdata[skip + i]);
  return n;
}

void
nn_vocab_encode_bag (const NnVocab   *v,
                     const GPtrArray *tokens,
                     NnTextMode       mode,
                     float           *out)
{
  g_return_if_fail (v != NULL && tokens != NULL && out != NULL);
  int size = (int) v->tokens->len;
  memset (out, 0, (size_t) size * sizeof (float));
  for (guint i = 0; i < tokens->len; i++)
    {
      int k = nn_vocab_lookup (v, tokens->pdata[i]);
      if (k <= 0 || k >= size)
        continue;
      if (mode == NN_TEXT_MULTI_HOT)
        out[k] = 1.f;
      else
        out[k] += 1.f;
    }
  if (mode == NN_TEXT_TFIDF && v->idf != NULL)
    for (int k = 0; k < size; k++)
      out[k] *= v->idf[k];
}

void
nn_text_one_hot (const gint32 *ids,
                 int           n,
                 int           depth,
                 float        *out)
{
  g_return_if_fail (n >= 0 && depth > 0);
  memset (out, 0, (size_t) n * (size_t) depth * sizeof (float));
  for (int i = 0; i < n; i++)
    if (ids[i] >= 0 && ids[i] < depth)
      out[(size_t) i * depth + ids[i]] = 1.f;
}

gboolean
nn_vocab_vectorize (const NnVocab  *v,
                    const char     *text,
                    gssize          len,
                    const char     *what,
                    float          *out,
                    int            *n_tokens,
                    GError        **error)
{
  g_return_val_if_fail (v != NULL && text != NULL && out != NULL, FALSE);
  g_autoptr(GPtrArray) tokens = nn_text_tokenize (&v->opt, text, len, what, error);
  if (tokens == NULL)
    return FALSE;
  if (n_tokens != NULL)
    *n_tokens = (int) tokens->len;
  if (v->opt.mode == NN_TEXT_INT)
    {
      g_autofree gint32 *ids = g_new (gint32, v->opt.length);
      nn_vocab_encode_ids (v, tokens, v->opt.length, ids);
      for (int i = 0; i < v->opt.length; i++)
        out[i] = (float) ids[i];
    }
  else
    nn_vocab_encode_bag (v, tokens, v->opt.mode, out);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GloVe                                                                    */
/* ------------------------------------------------------------------------ */

/* GloVe files of the common sets are below 6 GB (840B, 300d); past this a
 * file is not word vectors. */
#define GLOVE_MAX_BYTES ((guint64) 8 << 30)

gboolean
nn_glove_load (const char    *path,
               const NnVocab *v,
               int            dim,
               float         *weights,
               int           *n_found,
               GError       **error)
{
  g_return_val_if_fail (path != NULL && v != NULL && weights != NULL, FALSE);
  g_return_val_if_fail (dim > 0, FALSE);
  if (n_found != NULL)
    *n_found = 0;

  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("Cannot read the word vectors %s: %s"), path, local->message);
      return FALSE;
    }
  const char *p = g_mapped_file_get_contents (map);
  gsize len = g_mapped_file_get_length (map);
  if ((guint64) len > GLOVE_MAX_BYTES)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s holds %zu MB, more than the 8 GB word vectors take"),
                   path, len >> 20);
      return FALSE;
    }

  int size = nn_vocab_size (v);
  /* Rows are read into a copy and filled only when the whole file is good. */
  g_autofree float *rows = g_try_malloc_n ((gsize) size, (gsize) dim * sizeof (float));
  g_autofree guint8 *seen = g_try_malloc0 ((gsize) size);
  if (rows == NULL || seen == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for %d word vectors of %d values"), size, dim);
      return FALSE;
    }

  /* An empty file maps to NULL: no offset may be applied to it. */
  const char *end = p != NULL ? p + len : NULL;
  gsize line_no = 0, n_lines = 0;
  int found = 0;
  while (p != NULL && p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      if (eol == NULL)
        eol = end;
      line_no++;
      const char *q = p;
      const char *line_end = eol;
      if (line_end > q && line_end[-1] == '\r')
        line_end--;
      p = eol + 1;
      if (line_end == q)
        continue;   /* blank lines are skipped */
      n_lines++;
      const char *sp = memchr (q, ' ', line_end - q);
      if (sp == NULL || sp == q)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s, line %zu: not a word followed by numbers "
                       "(GloVe text format: “word 0.1 0.2 …”)"), path, line_no);
          return FALSE;
        }
      g_autofree char *word = g_strndup (q, sp - q);
      if (!g_utf8_validate (word, -1, NULL))
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s, line %zu: the word is not UTF-8"), path, line_no);
          return FALSE;
        }
      int k = v->opt.hash_buckets > 0 ? -1 : nn_vocab_lookup (v, word);
      gboolean want = k >= 2 && !seen[k];
      g_autofree char *nums = g_strndup (sp + 1, line_end - sp - 1);
      char *s = nums;
      int d = 0;
      for (;;)
        {
          while (*s == ' ' || *s == '\t')
            s++;
          if (*s == '\0')
            break;
          char *e = NULL;
          double x = g_ascii_strtod (s, &e);
          if (e == s || (*e != '\0' && *e != ' ' && *e != '\t') || !isfinite (x))
            {
              char *tok_end = s;
              while (*tok_end && *tok_end != ' ' && *tok_end != '\t')
                tok_end++;
              g_autofree char *tok = g_strndup (s, MIN (tok_end - s, 40));
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           _("%s, line %zu (“%s”): “%s” is not a number"),
                           path, line_no, word, tok);
              return FALSE;
            }
          if (fabs (x) > FLT_MAX)
            {
              g_autofree char *tok = g_strndup (s, MIN (e - s, 40));
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           _("%s, line %zu (“%s”): “%s” is too large for a "
                           "weight (a float holds up to 3.4e38)"), path, line_no, word, tok);
              return FALSE;
            }
          if (want && d < dim)
            rows[(size_t) k * dim + d] = (float) x;
          d++;
          s = e;
        }
      if (d != dim)
        {
          if (n_lines == 1)
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                         _("%s holds vectors of %d values but the embedding has %d "
                         "(output_dim): pick the file of that size or change output_dim"),
                         path, d, dim);
          else
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                         _("%s, line %zu (“%s”) has %d values where the lines "
                         "before have %d: the rows are ragged"), path, line_no, word, d, dim);
          return FALSE;
        }
      if (want)
        {
          seen[k] = 1;
          found++;
        }
    }
  if (n_lines == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s holds no word vectors"), path);
      return FALSE;
    }
  for (int k = 2; k < size; k++)
    if (seen[k])
      memcpy (weights + (size_t) k * dim, rows + (size_t) k * dim, dim * sizeof (float));
  if (n_found != NULL)
    *n_found = found;
  return TRUE;
}

gboolean
nn_glove_save (const char    *path,
               const NnVocab *v,
               int            dim,
               const float   *weights,
               GError       **error)
{
  g_return_val_if_fail (path != NULL && v != NULL && weights != NULL && dim > 0, FALSE);
  GString *out = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int k = 2; k < nn_vocab_size (v); k++)
    {
      const char *tok = nn_vocab_token (v, k);
      /* A token with a space (an n-gram) or a newline would break the format. */
      if (strpbrk (tok, " \t\r\n") != NULL)
        continue;
      g_string_append (out, tok);
      for (int d = 0; d < dim; d++)
        {
          g_string_append_c (out, ' ');
          /* 9 significant digits: a float reads back exactly. */
          g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g",
                                                 weights[(size_t) k * dim + d]));
        }
      g_string_append_c (out, '\n');
    }
  g_autoptr(GError) local = NULL;
  gboolean ok = g_file_set_contents (path, out->str, (gssize) out->len, &local);
  g_string_free (out, TRUE);
  if (!ok)
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                 _("Cannot write the word vectors %s: %s"), path, local->message);
  return ok;
}
