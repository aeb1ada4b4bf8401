/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text generation (nn_sample_temperature, nn_textgen_*): the temperature
 * reweights as p^(1/T) and 0 takes the argmax; the generator's window is
 * padded, cut and slid as documented, unknown characters are noted, a seed
 * reproduces the text, several temperatures run as one batch, a callback
 * or a cancel stops a run at once, and wrong models are refused in words.
 * The loop runs on a Dense model over the window's ids (as floats) whose
 * weights are set by hand so its likeliest next token is known. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-generate.h"

/* Draws per check of a frequency against its probability: the standard
 * error of a share near 0.3 is about 0.0032, so 0.015 is more than 4 of them. */
#define DRAWS 20000
#define FREQ_TOL 0.015

static const char *const tokens[] = { "", "?", "a", "b", "c", "d", "e", "f" };
#define V ((int) G_N_ELEMENTS (tokens))
#define WINDOW 4

static void
frequencies (const float *p, int n, double t, guint64 seed, double *freq)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  memset (freq, 0, sizeof (double) * (size_t) n);
  for (int i = 0; i < DRAWS; i++)
    {
      int k = nn_sample_temperature (p, n, t, &rng);
      g_assert_cmpint (k, >=, 0);
      g_assert_cmpint (k, <, n);
      freq[k] += 1.0 / DRAWS;
    }
}

static void
test_sample_temperature (void)
{
  const float p[5] = { 0.1f, 0.0f, 0.5f, 0.3f, 0.1f };
  double freq[5];
  NnRng rng;
  nn_rng_seed (&rng, 1);
  /* T = 0 (and below): the argmax, every time. */
  for (int i = 0; i < 100; i++)
    {
      g_assert_cmpint (nn_sample_temperature (p, 5, 0.0, &rng), ==, 2);
      g_assert_cmpint (nn_sample_temperature (p, 5, -1.0, &rng), ==, 2);
    }
  /* A tiny temperature is the argmax too, without overflow. */
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (nn_sample_temperature (p, 5, 1e-6, &rng), ==, 2);
  /* T = 0.5, 1, 2: frequencies follow p^(1/T) normalised; a zero never
   * comes out. */
  const double temps[] = { 0.5, 1.0, 2.0 };
  for (guint k = 0; k < G_N_ELEMENTS (temps); k++)
    {
      double w[5], sum = 0;
      for (int i = 0; i < 5; i++)
        sum += w[i] = p[i] > 0 ? pow (p[i], 1.0 / temps[k]) : 0;
      frequencies (p, 5, temps[k], 7 + k, freq);
      for (int i = 0; i < 5; i++)
        {
          g_test_message ("T %.1f: class %d drawn %.4f, expected %.4f", temps[k], i, freq[i],
                          w[i] / sum);
          g_assert_cmpfloat_with_epsilon (freq[i], w[i] / sum, FREQ_TOL);
        }
      g_assert_cmpfloat (freq[1], ==, 0.0);
    }
  /* Lower temperatures favour the likeliest class more. */
  double f05[5], f2[5];
  frequencies (p, 5, 0.5, 3, f05);
  frequencies (p, 5, 2.0, 3, f2);
  g_assert_cmpfloat (f05[2], >, f2[2] + 0.2);
  /* Nothing above 0: -1. */
  const float z[3] = { 0, 0, 0 };
  g_assert_cmpint (nn_sample_temperature (z, 3, 1.0, &rng), ==, -1);
  /* The same seed, the same draws. */
  NnRng a, b;
  nn_rng_seed (&a, 42);
  nn_rng_seed (&b, 42);
  for (int i = 0; i < 200; i++)
    g_assert_cmpint (nn_sample_temperature (p, 5, 1.0, &a), ==,
                     nn_sample_temperature (p, 5, 1.0, &b));
}

/* Input (WINDOW) → Dense (V, softmax) whose logits are
 * sharp × (2 (j - 1) x − (j − 1)²) for the last id x of the window: the
 * likeliest next token after id x is x + 1 (the last token stays). */
static NnModel *
successor_model (double sharp)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("successor");
  int in = test_add (m, "Input", "ids");
  g_autofree char *shape = g_strdup_printf ("%d", WINDOW);
  test_set (m, in, "shape", shape);
  int d = test_add (m, "Dense", "next");
  g_autofree char *units = g_strdup_printf ("%d", V);
  test_set (m, d, "units", units);
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, d);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  NnTensor kernel, bias;
  nn_model_layer_get_weight (m, d, 0, &kernel);   /* (WINDOW, V) */
  nn_model_layer_get_weight (m, d, 1, &bias);     /* (V) */
  g_assert_cmpint (kernel.size, ==, WINDOW * V);
  memset (kernel.data, 0, kernel.size * sizeof (float));
  for (int j = 0; j < V; j++)
    {
      kernel.data[(WINDOW - 1) * V + j] = (float) (sharp * 2 * (j - 1));
      bias.data[j] = (float) (-sharp * (j - 1) * (j - 1));
    }
  return g_steal_pointer (&m);
}

static NnTextGen *
new_gen (NnModel *m)
{
  g_autoptr (GError) error = NULL;
  NnTextGen *g = nn_textgen_new_with_tokens (m, tokens, V, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g);
  return g;
}

static void
start (NnTextGen *g, const char *seed_text, const double *t, int k, guint64 seed, char **note)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_textgen_start (g, seed_text, t, k, seed, note, &error));
  g_assert_no_error (error);
}

static void
run (NnTextGen *g, int length)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_textgen_run (g, length, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_greedy_loop (void)
{
  g_autoptr (NnModel) m = successor_model (10);
  g_autoptr (NnTextGen) g = new_gen (m);
  g_assert_cmpint (nn_textgen_get_window (g), ==, WINDOW);
  g_assert_cmpint (nn_textgen_get_n_tokens (g), ==, V);
  const double t0 = 0;
  g_autofree char *note = NULL;
  /* Shorter than the window: padded, and said so. */
  start (g, "ab", &t0, 1, 1, &note);
  g_assert_nonnull (note);
  g_test_message ("note: %s", note);
  g_assert_nonnull (strstr (note, "padding"));
  run (g, 6);
  /* b → c → d → e → f, then f stays. */
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "cdefff");
  /* The pull API: one token per step, the window slid by one each time. */
  int chosen[1];
  g_autoptr (GError) error = NULL;
  start (g, "a", &t0, 1, 1, NULL);
  for (int s = 0; s < 3; s++)
    {
      g_assert_true (nn_textgen_next (g, chosen, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (nn_textgen_get_token (g, chosen[0]), ==, tokens[3 + s]);
    }
  /* A window's worth exactly: no note. */
  g_clear_pointer (&note, g_free);
  start (g, "abcd", &t0, 1, 1, &note);
  g_assert_null (note);
  run (g, 1);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "e");
  /* Longer: only the last WINDOW characters count ("…cd" → "e"), said so. */
  start (g, "ffffffabcd", &t0, 1, 1, &note);
  g_assert_nonnull (strstr (note, "last 4"));
  run (g, 1);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "e");
}

static void
test_unknown_characters (void)
{
  g_autoptr (NnModel) m = successor_model (10);
  g_autoptr (NnTextGen) g = new_gen (m);
  const double t0 = 0;
  g_autofree char *note = NULL;
  /* "é" precomposed and "e" + a combining acute are both one character
   * unknown to the vocabulary; the last one read is unknown (id 1), so the
   * next is id 2 = "a". */
  start (g, "ab\xc3\xa9" "e\xcc\x81", &t0, 1, 1, &note);
  g_test_message ("note: %s", note);
  g_assert_nonnull (strstr (note, "2 characters"));
  g_assert_nonnull (strstr (note, "“\xc3\xa9”"));
  g_assert_nonnull (strstr (note, "“e\xcc\x81”"));
  run (g, 2);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "ab");
  /* Padding and unknown are never written, even by a model that prefers
   * them: after padding (id 0) the likeliest is id 1, unknown. */
  g_clear_pointer (&note, g_free);
  start (g, "", &t0, 1, 1, &note);
  g_assert_nonnull (strstr (note, "empty"));
  run (g, 1);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "a");
}

static void
test_seed_and_batch (void)
{
  /* Not sharp: at T 1 every character has a real chance. */
  g_autoptr (NnModel) m = successor_model (0.2);
  g_autoptr (NnTextGen) g = new_gen (m);
  const double t1[] = { 1.0 };
  start (g, "abc", t1, 1, 5, NULL);
  run (g, 60);
  g_autofree char *first = g_strdup (nn_textgen_get_text (g, 0));
  g_assert_cmpint (strlen (first), ==, 60);
  start (g, "abc", t1, 1, 5, NULL);
  run (g, 60);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, first);
  start (g, "abc", t1, 1, 6, NULL);
  run (g, 60);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), !=, first);
  /* Three temperatures as one batch: stream 0 writes what it wrote alone;
   * T 0 follows the successor rule; the streams differ. */
  const double t3[] = { 1.0, 0.0, 3.0 };
  start (g, "abc", t3, 3, 5, NULL);
  g_assert_cmpint (nn_textgen_get_n_streams (g), ==, 3);
  g_assert_cmpfloat (nn_textgen_get_temperature (g, 2), ==, 3.0);
  run (g, 60);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, first);
  const char *greedy = nn_textgen_get_text (g, 1);
  g_assert_true (g_str_has_prefix (greedy, "def"));
  g_assert_cmpstr (nn_textgen_get_text (g, 2), !=, first);
  /* At T 3 the distribution is flatter: more distinct characters than at 0. */
  int seen0[V] = { 0 }, seen3[V] = { 0 }, n0 = 0, n3 = 0;
  for (const char *p = greedy; *p; p++)
    n0 += !seen0[*p - 'a']++;
  for (const char *p = nn_textgen_get_text (g, 2); *p; p++)
    n3 += !seen3[*p - 'a']++;
  g_test_message ("distinct characters: %d at T 0, %d at T 3", n0, n3);
  g_assert_cmpint (n3, >, n0);
}

typedef struct {
  int calls;
  int stop_after;     /* calls; -1: never */
  NnTextGen *cancel;  /* cancelled at stop_after instead of returning FALSE */
  GString *streamed[4];
} Streamed;

static gboolean
stream_cb (int stream, int step, const char *token, gpointer user_data)
{
  Streamed *s = user_data;
  g_assert_cmpint (stream, >=, 0);
  g_assert_cmpint (stream, <, 4);
  g_string_append (s->streamed[stream], token);
  s->calls++;
  if (s->calls == s->stop_after)
    {
      if (s->cancel)
        nn_textgen_cancel (s->cancel);
      else
        return FALSE;
    }
  return TRUE;
}

static void
test_stream_and_stop (void)
{
  g_autoptr (NnModel) m = successor_model (0.5);
  g_autoptr (NnTextGen) g = new_gen (m);
  const double t[] = { 0.2, 1.0 };
  Streamed s = { 0, -1, NULL, { g_string_new (NULL), g_string_new (NULL) } };
  g_autoptr (GError) error = NULL;
  start (g, "ab", t, 2, 3, NULL);
  g_assert_true (nn_textgen_run (g, 25, stream_cb, &s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (s.calls, ==, 50);
  /* The callback saw every character of both streams, in order. */
  g_assert_cmpstr (s.streamed[0]->str, ==, nn_textgen_get_text (g, 0));
  g_assert_cmpstr (s.streamed[1]->str, ==, nn_textgen_get_text (g, 1));
  /* The callback says stop at its 7th call (stream 0 of step 3): nothing
   * after it. */
  g_string_truncate (s.streamed[0], 0);
  g_string_truncate (s.streamed[1], 0);
  s.calls = 0;
  s.stop_after = 7;
  start (g, "ab", t, 2, 3, NULL);
  g_assert_false (nn_textgen_run (g, 25, stream_cb, &s, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (s.calls, ==, 7);
  g_assert_cmpint (strlen (s.streamed[0]->str), ==, 4);
  /* nn_textgen_cancel from the callback (as another thread would): the
   * run ends before its next step, so that step's characters are the last. */
  g_string_truncate (s.streamed[0], 0);
  g_string_truncate (s.streamed[1], 0);
  s.calls = 0;
  s.cancel = g;
  start (g, "ab", t, 2, 3, NULL);
  g_assert_false (nn_textgen_run (g, 25, stream_cb, &s, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (s.calls, ==, 8);
  g_assert_cmpint (strlen (nn_textgen_get_text (g, 0)), ==, 4);
  /* A new start clears the request. */
  start (g, "ab", t, 2, 3, NULL);
  run (g, 5);
  g_assert_cmpint (strlen (nn_textgen_get_text (g, 1)), ==, 5);
  g_string_free (s.streamed[0], TRUE);
  g_string_free (s.streamed[1], TRUE);
}

static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  /* No weights. */
  g_autoptr (NnModel) m = nn_model_new ("bare");
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "4");
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", "8");
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, d);
  g_assert_null (nn_textgen_new_with_tokens (m, tokens, V, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "no weights"));
  g_clear_error (&error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  /* A vocabulary of another size than the softmax. */
  g_assert_null (nn_textgen_new_with_tokens (m, tokens, V - 1, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "7-token vocabulary"));
  g_clear_error (&error);
  /* Not a softmax. */
  test_set (m, d, "activation", "sigmoid");
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_null (nn_textgen_new_with_tokens (m, tokens, V, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "not a softmax"));
  g_clear_error (&error);
  /* An input that is not a window of ids. */
  g_autoptr (NnModel) m2 = nn_model_new ("pairs");
  in = test_add (m2, "Input", NULL);
  test_set (m2, in, "shape", "4,2");
  int f = test_add (m2, "Flatten", NULL);
  d = test_add (m2, "Dense", NULL);
  test_set (m2, d, "units", "8");
  test_set (m2, d, "activation", "softmax");
  test_connect (m2, in, f);
  test_connect (m2, f, d);
  g_assert_true (nn_model_init_weights (m2, 1, &error));
  g_assert_no_error (error);
  g_assert_null (nn_textgen_new_with_tokens (m2, tokens, V, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "window of token ids"));
  g_clear_error (&error);
  /* Bad temperatures and stream counts; next before start. */
  g_autoptr (NnModel) ok = successor_model (1);
  g_autoptr (NnTextGen) g = new_gen (ok);
  int chosen[1];
  g_assert_false (nn_textgen_next (g, chosen, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  const double bad[] = { NAN, -0.5 };
  for (int i = 0; i < 2; i++)
    {
      g_assert_false (nn_textgen_start (g, "ab", bad + i, 1, 1, NULL, &error));
      g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
      g_clear_error (&error);
    }
  double many[NN_TEXTGEN_MAX_STREAMS + 1] = { 0 };
  g_assert_false (nn_textgen_start (g, "ab", many, NN_TEXTGEN_MAX_STREAMS + 1, 1, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (nn_textgen_start (g, "a\xff", many, 1, 1, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  /* The largest batch works. */
  start (g, "ab", many, NN_TEXTGEN_MAX_STREAMS, 1, NULL);
  run (g, 3);
  g_assert_cmpstr (nn_textgen_get_text (g, NN_TEXTGEN_MAX_STREAMS - 1), ==, "cde");
}

/* The vocabulary of nn-text.h: its tokenizer cuts the seed text (lower-
 * casing it when the vocabulary does), and a word vocabulary is refused. */
static void
test_vocab (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = successor_model (10);
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.chars = TRUE;
  opt.lower = TRUE;
  opt.strip = FALSE;
  g_autoptr (NnVocab) v = nn_vocab_new (&opt);
  for (int i = 2; i < V; i++)
    g_assert_cmpint (nn_vocab_add (v, tokens[i]), ==, i);
  g_autoptr (NnTextGen) g = nn_textgen_new_with_vocab (m, v, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g);
  g_assert_cmpint (nn_textgen_get_n_tokens (g), ==, V);
  const double t0 = 0;
  g_autofree char *note = NULL;
  /* "AB" reads as "ab": b → c. */
  start (g, "AB", &t0, 1, 1, &note);
  g_assert_null (strstr (note, "unknown"));
  run (g, 3);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "cde");
  /* The vocabulary saved with the model serves nn_textgen_new. */
  g_assert_null (nn_textgen_new (m, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "no vocabulary"));
  g_clear_error (&error);
  nn_model_set_vocab (m, v);
  g_autoptr (NnTextGen) own = nn_textgen_new (m, &error);
  g_assert_no_error (error);
  start (own, "Ab", &t0, 1, 1, NULL);
  run (own, 2);
  g_assert_cmpstr (nn_textgen_get_text (own, 0), ==, "cd");
  /* Words: refused in words. */
  NnTextOptions wopt;
  nn_text_options_init (&wopt);
  g_autoptr (NnVocab) w = nn_vocab_new (&wopt);
  for (int i = 2; i < V; i++)
    nn_vocab_add (w, tokens[i]);
  g_assert_null (nn_textgen_new_with_vocab (m, w, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "holds words"));
}

/* ids (4) -> Dense (n, softmax), without a vocabulary */
static NnModel *
chars_model (int n)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("chars");
  int in = test_add (m, "Input", "ids");
  test_set (m, in, "shape", "4");
  int d = test_add (m, "Dense", "next");
  g_autofree char *units = g_strdup_printf ("%d", n);
  test_set (m, d, "units", units);
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, d);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

/* A character dataset read lower-cased (chars:FILE:lower=1) gives the
 * model a vocabulary of lower-case letters; the seed text is read as that
 * vocabulary reads text, so "The Boss" finds every character, from the
 * model as trained and as saved and loaded, even where the open dataset
 * (the Generate view's) was read case-sensitively. */
static void
test_dataset_lower (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("textgen-lower-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "work.txt", NULL);
  GString *text = g_string_new (NULL);
  for (int i = 0; i < 40; i++)
    g_string_append (text, "The boss said THE work is done. ");
  g_assert_true (g_file_set_contents (path, text->str, -1, &error));
  g_string_free (text, TRUE);
  g_autofree char *spec = g_strdup_printf ("chars:%s:lower=1:length=4:step=2", path);
  g_autoptr (NnDataset) ds = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds->vocab);
  g_assert_cmpint (nn_vocab_lookup (ds->vocab, "T"), ==, 1);
  g_assert_cmpint (nn_vocab_lookup (ds->vocab, "t"), >, 1);
  int n = nn_vocab_size (ds->vocab);
  g_autoptr (NnModel) m = chars_model (n);
  nn_model_set_vocab (m, ds->vocab);
  g_autofree char *json = nn_model_to_json (m, TRUE, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) loaded = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  /* the same text read case-sensitively, as a dataset opened without
   * lower=1 gives it: another vocabulary, with "T" and "B" */
  g_autofree char *cased = g_strdup_printf ("chars:%s:length=4:step=2", path);
  g_autoptr (NnDataset) other = nn_dataset_open (cased, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_vocab_lookup (other->vocab, "T"), >, 1);
  NnModel *models[2] = { m, loaded };
  const double t0 = 0;
  for (int k = 0; k < 2; k++)
    {
      /* the generator reads the seed with the vocabulary saved with the
       * model, whatever the open dataset's */
      g_autoptr (NnTextGen) g = nn_textgen_new_or_vocab (models[k], other->vocab, &error);
      g_assert_no_error (error);
      for (int i = 0; i < n; i++)
        g_assert_cmpstr (nn_textgen_get_token (g, i), ==, nn_vocab_token (ds->vocab, i));
      g_autofree char *note = NULL;
      start (g, "The Boss", &t0, 1, 1, &note);
      g_test_message ("note: %s", note ? note : "(none)");
      g_assert_true (note == NULL || strstr (note, "unknown") == NULL);
    }
  /* a model without a vocabulary reads with the one given */
  g_autoptr (NnModel) bare = chars_model (nn_vocab_size (other->vocab));
  g_autoptr (NnTextGen) gb = nn_textgen_new_or_vocab (bare, other->vocab, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_textgen_get_token (gb, nn_vocab_lookup (other->vocab, "T")), ==, "T");
  g_unlink (path);
  g_rmdir (dir);
}

/* Input (12) → Embedding (V, 6) → LSTM (10) → Dense (V, softmax). */
static NnModel *
lstm_model (gboolean mask_zero)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("lstm");
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "12");
  int e = test_add (m, "Embedding", NULL);
  g_autofree char *v = g_strdup_printf ("%d", V);
  test_set (m, e, "input_dim", v);
  test_set (m, e, "output_dim", "6");
  test_set (m, e, "mask_zero", mask_zero ? "true" : "false");
  int r = test_add (m, "LSTM", NULL);
  test_set (m, r, "units", "10");
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", v);
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, e);
  test_connect (m, e, r);
  test_connect (m, r, d);
  g_assert_true (nn_model_init_weights (m, 2, &error));
  g_assert_no_error (error);
  /* Biases away from their zeros, so that a bias read wrong would show. */
  NnTensor b;
  nn_model_layer_get_weight (m, r, 2, &b);
  for (size_t i = 0; i < b.size; i++)
    b.data[i] += 0.3f * (float) sin ((double) i);
  return g_steal_pointer (&m);
}

/* The stateful route's first character comes from the probabilities the
 * window loop computes (the graph's LSTM) on the same window, padded or
 * not, masked or not; later ones follow a state carried along. */
static void
test_stateful (void)
{
  g_autoptr (GError) error = NULL;
  const double t1 = 1.0;
  int chosen[1];
  const char *seeds[] = { "abcdefabcdefab", "ab", "" };
  for (int mask = 0; mask < 2; mask++)
    for (guint s = 0; s < G_N_ELEMENTS (seeds); s++)
      {
        g_autoptr (NnModel) m = lstm_model (mask);
        g_autoptr (NnTextGen) g = new_gen (m);
        start (g, seeds[s], &t1, 1, 4, NULL);
        g_assert_true (nn_textgen_next (g, chosen, &error));
        g_autofree float *window = g_memdup2 (nn_textgen_get_probabilities (g, 0),
                                              sizeof (float) * V);
        g_assert_true (nn_textgen_set_stateful (g, TRUE, &error));
        g_assert_no_error (error);
        start (g, seeds[s], &t1, 1, 4, NULL);
        g_assert_true (nn_textgen_next (g, chosen, &error));
        const float *carried = nn_textgen_get_probabilities (g, 0);
        double worst = 0, sum = 0;
        for (int v = 0; v < V; v++)
          {
            worst = MAX (worst, fabs (window[v] - carried[v]));
            sum += window[v];
          }
        g_test_message ("mask_zero %d, seed “%s”: largest difference %.2g", mask, seeds[s],
                        worst);
        g_assert_cmpfloat (sum, >, 0.5);
        g_assert_cmpfloat (worst, <, 1e-5);
        run (g, 40);
        g_assert_cmpint (strlen (nn_textgen_get_text (g, 0)), ==, 41);
      }
  /* A model of another shape is refused and keeps the window loop. */
  g_autoptr (NnModel) dense = successor_model (10);
  g_autoptr (NnTextGen) g = new_gen (dense);
  g_assert_false (nn_textgen_set_stateful (g, TRUE, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  const double t0 = 0;
  start (g, "ab", &t0, 1, 1, NULL);
  run (g, 3);
  g_assert_cmpstr (nn_textgen_get_text (g, 0), ==, "cde");
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/textgen/sample-temperature", test_sample_temperature);
  g_test_add_func ("/engine/textgen/greedy-loop", test_greedy_loop);
  g_test_add_func ("/engine/textgen/unknown-characters", test_unknown_characters);
  g_test_add_func ("/engine/textgen/seed-and-batch", test_seed_and_batch);
  g_test_add_func ("/engine/textgen/stream-and-stop", test_stream_and_stop);
  g_test_add_func ("/engine/textgen/refusals", test_refusals);
  g_test_add_func ("/engine/textgen/vocab", test_vocab);
  g_test_add_func ("/engine/textgen/dataset-lower", test_dataset_lower);
  g_test_add_func ("/engine/textgen/stateful", test_stateful);
  return g_test_run ();
}
