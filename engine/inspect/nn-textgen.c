/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Character generation with a temperature (nn_textgen_*): the Keras book's
 * loop. A window of T token ids goes in, the model's softmax over the
 * vocabulary comes out, a token is drawn from it reweighted by the
 * temperature, appended, and the window slides by one.
 *
 * Several temperatures are rows of one batch: one forward pass per step
 * serves them all. The generator keeps its own copy of the model and one
 * inference graph compiled for the largest batch asked so far; a step
 * copies k windows into the input node, runs the graph up to the output
 * and samples: no allocation, no compilation. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"

/* Stream j's generator is seeded with seed + j times this (the golden
 * ratio's fraction, so neighbouring streams' seeds share no bits). */
#define STREAM_SEED_STEP 0x9E3779B97F4A7C15ull

/* The stateful route's pieces: borrowed weights of the generator's model
 * copy and the carried states. */
typedef struct {
  int          F, U, n_emb;
  gboolean     mask_zero;
  const float *emb;      /* (n_emb, F) */
  const float *K, *R, *b;   /* (F, 4U), (U, 4U), (4U) or NULL */
  const float *W, *wb;   /* (U, V), (V) or NULL */
  float       *h, *c;    /* (NN_TEXTGEN_MAX_STREAMS, U) */
  float       *z;        /* 4U */
} Stateful;

struct _NnTextGen {
  NnModel    *model;        /* owned copy */
  NnCompiled *c;
  int         max_batch;    /* c's */
  int         input_node, output_node;
  int         window;       /* T */
  int         n_tokens;     /* V */
  char      **tokens;       /* V, owned */
  GHashTable *lookup;       /* token → index, for the seed text */
  NnVocab    *vocab;        /* owned copy, or NULL: the seed text is cut by it */
  /* The streams of the current start. */
  int         k;
  double      temperature[NN_TEXTGEN_MAX_STREAMS];
  NnRng       rng[NN_TEXTGEN_MAX_STREAMS];
  GString    *text[NN_TEXTGEN_MAX_STREAMS];
  int        *ids;          /* (NN_TEXTGEN_MAX_STREAMS, T) windows */
  float      *row;          /* V: one output row, padding and unknown zeroed */
  int         steps;
  gint        cancel;       /* atomic */
  float      *probs;        /* (NN_TEXTGEN_MAX_STREAMS, V): each stream's last row */
  Stateful   *st;           /* the stateful route, or NULL */
  gboolean    stateful;     /* st in use since the last start */
};

int
nn_sample_temperature (const float *p, int n, double temperature, NnRng *rng)
{
  g_return_val_if_fail (p != NULL && n > 0 && rng != NULL, -1);
  double u = nn_rng_uniform (rng);
  int best = -1;
  for (int i = 0; i < n; i++)
    if (p[i] > 0 && (best < 0 || p[i] > p[best]))
      best = i;
  if (best < 0 || !(temperature > 0))
    return best;
  /* exp (log p_i / T) / Σ, computed as (p_i / p_max)^(1/T) so the largest
   * weight is 1 and nothing overflows however small T is. */
  double inv_t = 1.0 / temperature, pmax = p[best], sum = 0;
  for (int i = 0; i < n; i++)
    if (p[i] > 0)
      sum += exp (log (p[i] / pmax) * inv_t);
  double target = u * sum, acc = 0;
  int last = best;
  for (int i = 0; i < n; i++)
    if (p[i] > 0)
      {
        acc += exp (log (p[i] / pmax) * inv_t);
        last = i;
        if (acc > target)
          return i;
      }
  /* Rounding left target at the very top: the last candidate. */
  return last;
}

/* ---- construction ----------------------------------------------------------- */

/* Compiles g's model for batch, checking that its output is a softmax over
 * the vocabulary; FALSE with why. */
static gboolean
compile_for (NnTextGen *g, int batch, GError **error)
{
  NnCompiled *c = nn_compile (g->model, batch, 0, NULL, error);
  if (!c)
    return FALSE;
  int out = c->output_nodes[0];
  NnNode *n = nn_graph_node (c->g, out);
  size_t per = n->batched && n->shape[0] ? n->size / (size_t) n->shape[0] : n->size;
  if (n->op != NN_OP_SOFTMAX || per != (size_t) g->n_tokens)
    {
      g_autofree char *shape = nn_shape_to_string (n->ndim - 1, n->shape + 1, 0);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” does not end in a softmax over its %d-token vocabulary "
                   "(its output is %s%s): a text generator's last layer is a Dense layer of "
                   "%d units with the softmax activation"),
                   nn_model_get_name (g->model), g->n_tokens, shape,
                   n->op == NN_OP_SOFTMAX ? ", a softmax" : ", not a softmax", g->n_tokens);
      nn_compiled_free (c);
      return FALSE;
    }
  g_clear_pointer (&g->c, nn_compiled_free);
  g->c = c;
  g->max_batch = batch;
  g->input_node = c->input_nodes[0];
  g->output_node = out;
  return TRUE;
}

NnTextGen *
nn_textgen_new_with_tokens (const NnModel *m, const char *const *tokens, int n_tokens,
                            GError **error)
{
  g_return_val_if_fail (m != NULL && tokens != NULL, NULL);
  if (n_tokens < 3)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("A vocabulary of %d tokens leaves nothing to generate: it needs the "
                   "padding, the unknown token and at least one character"),
                   n_tokens);
      return NULL;
    }
  g_autoptr (NnModel) copy = nn_model_copy (m);
  const char *name = nn_model_get_name (copy);
  if (!nn_model_infer (copy, error))
    return NULL;
  if (!nn_model_has_weights (copy))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has no weights to generate with: train it first"), name);
      return NULL;
    }
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };
  if (nn_model_get_n_inputs (copy) != 1
      || !nn_model_get_shape (copy, (NnRef) { nn_model_get_input_layer (copy, 0), 0 }, &ndim,
                              shape)
      || ndim != 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” does not take one window of token ids: a text "
                   "generator has one Input of shape (T), the ids of T characters"),
                   name);
      return NULL;
    }
  nn_model_auto_outputs (copy);
  if (nn_model_get_n_outputs (copy) < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has no output: a text generator's last layer is a "
                   "softmax over the vocabulary"), name);
      return NULL;
    }
  g_autoptr (NnTextGen) g = g_new0 (NnTextGen, 1);
  g->model = g_steal_pointer (&copy);
  g->window = shape[0];
  g->n_tokens = n_tokens;
  if (!compile_for (g, 1, error))
    return NULL;
  g->tokens = g_new0 (char *, (size_t) n_tokens + 1);
  g->lookup = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < n_tokens; i++)
    {
      g->tokens[i] = g_strdup (tokens[i] ? tokens[i] : "");
      /* Padding and unknown are never looked up; the first of two equal
       * tokens wins. */
      if (i >= 2 && *g->tokens[i] && !g_hash_table_contains (g->lookup, g->tokens[i]))
        g_hash_table_insert (g->lookup, g->tokens[i], GINT_TO_POINTER (i));
    }
  g->ids = g_new0 (int, (size_t) NN_TEXTGEN_MAX_STREAMS * (size_t) g->window);
  g->row = g_new0 (float, (size_t) n_tokens);
  g->probs = g_new0 (float, (size_t) NN_TEXTGEN_MAX_STREAMS * (size_t) n_tokens);
  return g_steal_pointer (&g);
}

NnTextGen *
nn_textgen_new_with_vocab (const NnModel *m, const NnVocab *vocab, GError **error)
{
  g_return_val_if_fail (m != NULL && vocab != NULL, NULL);
  if (!nn_vocab_is_chars (vocab))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The vocabulary of “%s” holds words, not characters: the generator writes "
                   "character by character; train a model on a character dataset "
                   "(chars:FILE or chars:TOPIC)"),
                   nn_model_get_name (m));
      return NULL;
    }
  int n = nn_vocab_size (vocab);
  g_autofree const char **tokens = g_new0 (const char *, (size_t) MAX (n, 1));
  for (int i = 0; i < n; i++)
    tokens[i] = nn_vocab_token (vocab, i);
  NnTextGen *g = nn_textgen_new_with_tokens (m, tokens, n, error);
  if (g)
    g->vocab = nn_vocab_copy (vocab);
  return g;
}

NnTextGen *
nn_textgen_new_or_vocab (const NnModel *m, const NnVocab *fallback, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  if (nn_model_get_vocab (m) == NULL && fallback != NULL)
    return nn_textgen_new_with_vocab (m, fallback, error);
  return nn_textgen_new (m, error);
}

NnTextGen *
nn_textgen_new (const NnModel *m, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  const NnVocab *v = nn_model_get_vocab (m);
  if (v)
    return nn_textgen_new_with_vocab (m, v, error);
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               _("The model “%s” has no vocabulary: a text generator needs the characters its "
               "ids stand for; train it on a character dataset (chars:FILE or chars:TOPIC), "
               "which saves its vocabulary with the model"),
               nn_model_get_name (m));
  return NULL;
}

void
nn_textgen_free (NnTextGen *g)
{
  if (!g)
    return;
  g_clear_pointer (&g->c, nn_compiled_free);
  g_clear_pointer (&g->model, nn_model_free);
  g_clear_pointer (&g->lookup, g_hash_table_unref);
  g_clear_pointer (&g->vocab, nn_vocab_free);
  if (g->tokens)
    g_strfreev (g->tokens);
  for (int j = 0; j < NN_TEXTGEN_MAX_STREAMS; j++)
    if (g->text[j])
      g_string_free (g->text[j], TRUE);
  g_free (g->ids);
  g_free (g->row);
  g_free (g->probs);
  if (g->st)
    {
      g_free (g->st->h);
      g_free (g->st->c);
      g_free (g->st->z);
      g_free (g->st);
    }
  g_free (g);
}

int
nn_textgen_get_window (const NnTextGen *g)
{
  g_return_val_if_fail (g != NULL, 0);
  return g->window;
}

int
nn_textgen_get_n_tokens (const NnTextGen *g)
{
  g_return_val_if_fail (g != NULL, 0);
  return g->n_tokens;
}

const char *
nn_textgen_get_token (const NnTextGen *g, int index)
{
  g_return_val_if_fail (g != NULL && index >= 0 && index < g->n_tokens, "");
  return g->tokens[index];
}

int
nn_textgen_get_n_streams (const NnTextGen *g)
{
  g_return_val_if_fail (g != NULL, 0);
  return g->k;
}

double
nn_textgen_get_temperature (const NnTextGen *g, int stream)
{
  g_return_val_if_fail (g != NULL && stream >= 0 && stream < g->k, NAN);
  return g->temperature[stream];
}

const char *
nn_textgen_get_text (const NnTextGen *g, int stream)
{
  g_return_val_if_fail (g != NULL && stream >= 0 && stream < g->k, "");
  return g->text[stream]->str;
}

/* ---- the stateful route ---------------------------------------------------- */

static gboolean
type_is (const NnModel *m, int layer, const char *name)
{
  return g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, layer)), name);
}

/* The layer fed by layer `from`'s call 0, or -1 (none, or several). */
static int
only_reader (const NnModel *m, int from)
{
  int found = -1;
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    {
      NnLayer *l = nn_model_layer (m, i);
      for (int c = 0; c < l->n_calls; c++)
        for (int s = 0; s < l->calls[c].n_in; s++)
          if (l->calls[c].in[s].layer == from)
            {
              if (found >= 0 || l->n_calls != 1)
                return -1;
              found = i;
            }
    }
  return found;
}

gboolean
nn_textgen_set_stateful (NnTextGen *g, gboolean stateful, GError **error)
{
  g_return_val_if_fail (g != NULL, FALSE);
  if (!stateful)
    {
      g->stateful = FALSE;
      if (g->st)
        g->st->F = 0;   /* off until asked again */
      return TRUE;
    }
  const NnModel *m = g->model;
  int in = nn_model_get_input_layer (m, 0);
  int emb = only_reader (m, in);
  int rnn = emb >= 0 ? only_reader (m, emb) : -1;
  int out = rnn >= 0 ? only_reader (m, rnn) : -1;
  NnLayer *le = emb >= 0 ? nn_model_layer (m, emb) : NULL;
  NnLayer *lr = rnn >= 0 ? nn_model_layer (m, rnn) : NULL;
  NnLayer *lo = out >= 0 ? nn_model_layer (m, out) : NULL;
  if (!lo || nn_model_get_n_layers (m) != 4 || !type_is (m, emb, "Embedding")
      || !type_is (m, rnn, "LSTM") || !type_is (m, out, "Dense")
      || !g_str_equal (nn_layer_enum (lr, "activation"), "tanh")
      || !g_str_equal (nn_layer_enum (lr, "recurrent_activation"), "sigmoid")
      || nn_layer_bool (lr, "return_sequences") || nn_layer_bool (lr, "go_backwards")
      || !g_str_equal (nn_layer_enum (lo, "activation"), "softmax"))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” cannot carry its state from one character to the next: "
                   "that takes Input → Embedding → LSTM (tanh, sigmoid gates, the last step "
                   "only, forwards) → Dense (softmax); it generates with the window loop"),
                   nn_model_get_name (m));
      return FALSE;
    }
  Stateful *st = g->st ? g->st : g_new0 (Stateful, 1);
  NnTensor v;
  nn_model_layer_get_weight (m, emb, 0, &v);
  st->n_emb = v.shape[0];
  st->F = v.shape[1];
  st->emb = v.data;
  st->mask_zero = nn_layer_bool (le, "mask_zero");
  st->U = nn_layer_int (lr, "units");
  nn_model_layer_get_weight (m, rnn, 0, &v);
  st->K = v.data;
  nn_model_layer_get_weight (m, rnn, 1, &v);
  st->R = v.data;
  st->b = NULL;
  if (nn_model_layer_get_n_weights (m, rnn) > 2)
    {
      nn_model_layer_get_weight (m, rnn, 2, &v);
      st->b = v.data;
    }
  nn_model_layer_get_weight (m, out, 0, &v);
  st->W = v.data;
  st->wb = NULL;
  if (nn_model_layer_get_n_weights (m, out) > 1)
    {
      nn_model_layer_get_weight (m, out, 1, &v);
      st->wb = v.data;
    }
  if (!g->st)
    {
      st->h = g_new0 (float, (size_t) NN_TEXTGEN_MAX_STREAMS * (size_t) st->U);
      st->c = g_new0 (float, (size_t) NN_TEXTGEN_MAX_STREAMS * (size_t) st->U);
      st->z = g_new0 (float, 4 * (size_t) st->U);
      g->st = st;
    }
  g->stateful = TRUE;
  return TRUE;
}

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* One LSTM step of stream j on token id: [i f c o] = x K + h R + b. */
static void
stateful_step (Stateful *st, int j, int id)
{
  int U = st->U, G = 4 * U;
  float *h = st->h + (size_t) j * U, *c = st->c + (size_t) j * U, *z = st->z;
  if (id == 0 && st->mask_zero)
    return;   /* a padded step leaves the state as it was */
  if (st->b)
    memcpy (z, st->b, sizeof (float) * (size_t) G);
  else
    memset (z, 0, sizeof (float) * (size_t) G);
  const float *x = st->emb + (size_t) CLAMP (id, 0, st->n_emb - 1) * st->F;
  for (int f = 0; f < st->F; f++)
    {
      const float *k = st->K + (size_t) f * G;
      for (int q = 0; q < G; q++)
        z[q] += x[f] * k[q];
    }
  for (int u = 0; u < U; u++)
    {
      const float *r = st->R + (size_t) u * G;
      for (int q = 0; q < G; q++)
        z[q] += h[u] * r[q];
    }
  for (int u = 0; u < U; u++)
    {
      float i = sigmoidf (z[u]), fg = sigmoidf (z[U + u]);
      float cand = tanhf (z[2 * U + u]), o = sigmoidf (z[3 * U + u]);
      c[u] = fg * c[u] + i * cand;
      h[u] = o * tanhf (c[u]);
    }
}

/* The softmax of stream j's state through the Dense layer into out (V). */
static void
stateful_probs (Stateful *st, int j, int V, float *out)
{
  const float *h = st->h + (size_t) j * st->U;
  for (int v = 0; v < V; v++)
    out[v] = st->wb ? st->wb[v] : 0;
  for (int u = 0; u < st->U; u++)
    {
      const float *w = st->W + (size_t) u * V;
      for (int v = 0; v < V; v++)
        out[v] += h[u] * w[v];
    }
  float mx = out[0];
  for (int v = 1; v < V; v++)
    mx = MAX (mx, out[v]);
  double sum = 0;
  for (int v = 0; v < V; v++)
    sum += out[v] = expf (out[v] - mx);
  for (int v = 0; v < V; v++)
    out[v] = (float) (out[v] / sum);
}

/* ---- the seed text ----------------------------------------------------------- */

/* text cut into characters: a base character and the combining marks
 * after it are one. */
static GPtrArray *
split_characters (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *p = text, *start = NULL;
  while (*p)
    {
      gunichar ch = g_utf8_get_char (p);
      if (!start || !g_unichar_ismark (ch))
        {
          if (start)
            g_ptr_array_add (out, g_strndup (start, (gsize) (p - start)));
          start = p;
        }
      p = g_utf8_next_char (p);
    }
  if (start)
    g_ptr_array_add (out, g_strndup (start, (gsize) (p - start)));
  return out;
}

gboolean
nn_textgen_start (NnTextGen *g, const char *seed_text, const double *temperatures, int k,
                  guint64 seed, char **note, GError **error)
{
  g_return_val_if_fail (g != NULL && seed_text != NULL && temperatures != NULL, FALSE);
  if (note)
    *note = NULL;
  if (k < 1 || k > NN_TEXTGEN_MAX_STREAMS)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%d temperatures asked: generate with 1 to %d at once"), k,
                   NN_TEXTGEN_MAX_STREAMS);
      return FALSE;
    }
  for (int j = 0; j < k; j++)
    if (!isfinite (temperatures[j]) || temperatures[j] < 0)
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("The temperature %g is not a number of 0 or more: 0 always takes the "
                     "likeliest character, 1 samples the model's own probabilities, above 1 "
                     "flattens them"),
                     temperatures[j]);
        return FALSE;
      }
  if (!g_utf8_validate (seed_text, -1, NULL))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The seed text is not valid UTF-8 text: give it as text"));
      return FALSE;
    }
  if (k > g->max_batch && !compile_for (g, MAX (k, g->max_batch), error))
    return FALSE;
  nn_graph_set_batch (g->c->g, k);

  g_autoptr (GPtrArray) chars = NULL;
  if (g->vocab)
    {
      /* The vocabulary's tokenizer (graphemes, its lower-casing). */
      NnTextOptions opt = *nn_vocab_get_options (g->vocab);
      opt.ngrams = 1;
      opt.hash_buckets = 0;
      chars = nn_text_tokenize (&opt, seed_text, -1, "the seed text", error);
      if (!chars)
        return FALSE;
    }
  else
    chars = split_characters (seed_text);
  int n = (int) MIN (chars->len, (guint) G_MAXINT);
  int T = g->window, first = MAX (0, n - T), pad = MAX (0, T - n);
  g_autoptr (GString) unknown = g_string_new (NULL);
  int n_unknown = 0;
  int *w = g->ids;
  for (int t = 0; t < pad; t++)
    w[t] = 0;
  for (int i = first; i < n; i++)
    {
      const char *ch = chars->pdata[i];
      gpointer v = NULL;
      int id = g_hash_table_lookup_extended (g->lookup, ch, NULL, &v) ? GPOINTER_TO_INT (v) : 1;
      if (id == 1)
        {
          if (n_unknown < 5)
            g_string_append_printf (unknown, "%s“%s”", n_unknown ? ", " : "",
                                    g_str_equal (ch, "\n") ? "\\n" : ch);
          n_unknown++;
        }
      w[pad + i - first] = id;
    }
  for (int j = 1; j < k; j++)
    memcpy (g->ids + (size_t) j * T, g->ids, sizeof (int) * (size_t) T);

  if (note)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      if (n_unknown)
        g_string_append_printf (s, "%d character%s of the seed text %s not in the vocabulary "
                                "(%s%s) and read%s as unknown",
                                n_unknown, n_unknown == 1 ? "" : "s",
                                n_unknown == 1 ? "is" : "are", unknown->str,
                                n_unknown > 5 ? ", …" : "", n_unknown == 1 ? "s" : "");
      if (pad && n)
        g_string_append_printf (s, "%sthe seed text has %d character%s, fewer than the "
                                "window's %d: the window starts with %d padding step%s",
                                s->len ? "; " : "", n, n == 1 ? "" : "s", T, pad,
                                pad == 1 ? "" : "s");
      else if (pad)
        g_string_append_printf (s, "%sthe seed text is empty: the window starts as %d "
                                "padding steps", s->len ? "; " : "", T);
      if (first)
        g_string_append_printf (s, "%sthe seed text has %d characters: only its last %d "
                                "(the window) are read",
                                s->len ? "; " : "", n, T);
      if (s->len)
        {
          s->str[0] = g_ascii_toupper (s->str[0]);
          *note = g_string_free (g_steal_pointer (&s), FALSE);
        }
    }

  if (g->stateful)
    for (int j = 0; j < k; j++)
      {
        memset (g->st->h + (size_t) j * g->st->U, 0, sizeof (float) * (size_t) g->st->U);
        memset (g->st->c + (size_t) j * g->st->U, 0, sizeof (float) * (size_t) g->st->U);
        for (int t = 0; t < T; t++)
          stateful_step (g->st, j, g->ids[(size_t) j * T + t]);
      }
  g->k = k;
  g->steps = 0;
  for (int j = 0; j < k; j++)
    {
      g->temperature[j] = temperatures[j];
      nn_rng_seed (&g->rng[j], seed + STREAM_SEED_STEP * (guint64) j);
      if (g->text[j])
        g_string_truncate (g->text[j], 0);
      else
        g->text[j] = g_string_sized_new (256);
    }
  g_atomic_int_set (&g->cancel, 0);
  return TRUE;
}

/* ---- steps ------------------------------------------------------------------ */

gboolean
nn_textgen_next (NnTextGen *g, int *chosen, GError **error)
{
  g_return_val_if_fail (g != NULL && chosen != NULL, FALSE);
  if (g->k == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The generator has no seed text yet: start it first"));
      return FALSE;
    }
  int T = g->window, V = g->n_tokens;
  const float *out = NULL;   /* (k, V) */
  if (!g->stateful)
    {
      NnGraph *gr = g->c->g;
      float *in = nn_graph_node (gr, g->input_node)->value;   /* (k, T) */
      for (size_t f = 0; f < (size_t) g->k * (size_t) T; f++)
        in[f] = (float) g->ids[f];
      nn_graph_forward_to (gr, g->output_node);
      out = nn_graph_node (gr, g->output_node)->value;
    }
  for (int j = 0; j < g->k; j++)
    {
      if (out)
        memcpy (g->row, out + (size_t) j * V, sizeof (float) * (size_t) V);
      else
        stateful_probs (g->st, j, V, g->row);
      /* Padding and unknown are not characters to write. */
      g->row[0] = g->row[1] = 0;
      memcpy (g->probs + (size_t) j * V, g->row, sizeof (float) * (size_t) V);
      int id = nn_sample_temperature (g->row, V, g->temperature[j], &g->rng[j]);
      if (id < 0)
        {
          /* A softmax that gives every character 0 (a NaN, or all of it on
           * padding): the likeliest character, as the argmax would. */
          id = 2;
          for (int i = 3; i < V; i++)
            if (g->row[i] > g->row[id])
              id = i;
        }
      chosen[j] = id;
      int *w = g->ids + (size_t) j * T;
      memmove (w, w + 1, sizeof (int) * (size_t) (T - 1));
      w[T - 1] = id;
      if (g->stateful)
        stateful_step (g->st, j, id);
      g_string_append (g->text[j], g->tokens[id]);
    }
  g->steps++;
  return TRUE;
}

gboolean
nn_textgen_run (NnTextGen *g, int length, NnTextGenCallback cb, gpointer user_data,
                GError **error)
{
  g_return_val_if_fail (g != NULL && length >= 0, FALSE);
  int chosen[NN_TEXTGEN_MAX_STREAMS];
  for (int s = 0; s < length; s++)
    {
      if (g_atomic_int_get (&g->cancel))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("The generation was stopped after %d characters"), s);
          return FALSE;
        }
      if (!nn_textgen_next (g, chosen, error))
        return FALSE;
      for (int j = 0; cb && j < g->k; j++)
        if (!cb (j, s, g->tokens[chosen[j]], user_data))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         _("The generation was stopped after %d characters"), s + 1);
            return FALSE;
          }
    }
  return TRUE;
}

const float *
nn_textgen_get_probabilities (const NnTextGen *g, int stream)
{
  g_return_val_if_fail (g != NULL && stream >= 0 && stream < g->k, NULL);
  return g->probs + (size_t) stream * g->n_tokens;
}

void
nn_textgen_cancel (NnTextGen *g)
{
  g_return_if_fail (g != NULL);
  g_atomic_int_set (&g->cancel, 1);
}
