/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text vectorization (nn-text.h): tokenizers on Unicode text, the
 * vocabulary and its cap, padding and truncation, bag-of-words encodings,
 * n-grams, the hashing trick, the text datasets, GloVe vectors and the
 * vocabulary saved with a model. */
#include <math.h>
#include <string.h>

#include "test-util.h"

/* The tokens of text joined by "|" (owned). */
static char *
tokens_of (const NnTextOptions *opt,
           const char          *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) t = nn_text_tokenize (opt, text, -1, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_ptr_array_add (t, NULL);
  return g_strjoinv ("|", (char **) t->pdata);
}

static void
assert_tokens (const NnTextOptions *opt,
               const char          *text,
               const char          *expected)
{
  g_autofree char *got = tokens_of (opt, text);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_words (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  assert_tokens (&opt, "Hello, World! Don't panic.", "hello|world|dont|panic");
  assert_tokens (&opt, "", "");
  assert_tokens (&opt, "\n\n  \n", "");
  /* Cyrillic, lower-cased by Unicode rules. */
  assert_tokens (&opt, "Привет, МИР!", "привет|мир");
  /* Accents precomposed and decomposed (e + U+0301) stay in their word. */
  assert_tokens (&opt, "Café cafe\xcc\x81 NAÏVE", "café|cafe\xcc\x81|naïve");
  /* Emoji are tokens of their own; the family (ZWJ) and a skin tone stay one. */
  assert_tokens (&opt, "I ❤️ tea 👍🏽 👨‍👩‍👧!", "i|❤️|tea|👍🏽|👨‍👩‍👧");

  opt.lower = FALSE;
  opt.strip = FALSE;
  assert_tokens (&opt, "Hello, World! Don't", "Hello|,|World|!|Don't");
  assert_tokens (&opt, "a+b=c $5", "a|+|b|=|c|$|5");
}

static void
test_chars (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.chars = TRUE;
  opt.strip = FALSE;
  assert_tokens (&opt, "Ab c", "a|b| |c");
  /* A combining acute stays with its e: 4 graphemes, not 5. */
  assert_tokens (&opt, "cafe\xcc\x81!", "c|a|f|e\xcc\x81|!");
  assert_tokens (&opt, "Я\r\nя", "я|\n|я");
  assert_tokens (&opt, "👍🏽x", "👍🏽|x");
  opt.strip = TRUE;
  assert_tokens (&opt, "a, b.", "a| |b");
}

static void
test_invalid_utf8 (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  g_autoptr(GError) error = NULL;
  GPtrArray *t = nn_text_tokenize (&opt, "abc\xff" "def", -1, "notes.txt", &error);
  g_assert_null (t);
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "notes.txt"));
  g_assert_nonnull (strstr (error->message, "offset 3"));
}

static NnVocab *
vocab_of (const NnTextOptions *opt,
          const char *const   *docs,
          int                  max_size)
{
  g_autoptr(NnVocabCounter) c = nn_vocab_counter_new ();
  for (int i = 0; docs[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) t = nn_text_tokenize (opt, docs[i], -1, "doc", NULL);
      g_assert_nonnull (t);
      nn_vocab_counter_add (c, t);
    }
  return nn_vocab_counter_build (c, opt, max_size);
}

static void
test_vocab (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  static const char *const docs[] = { "b a c a", "c d a", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);
  /* a ×3, c ×2, then b and d (×1 each) in order of first appearance. */
  g_assert_cmpint (nn_vocab_size (v), ==, 6);
  g_assert_cmpstr (nn_vocab_token (v, 0), ==, "");
  g_assert_cmpstr (nn_vocab_token (v, 1), ==, "[UNK]");
  g_assert_cmpstr (nn_vocab_token (v, 2), ==, "a");
  g_assert_cmpstr (nn_vocab_token (v, 3), ==, "c");
  g_assert_cmpstr (nn_vocab_token (v, 4), ==, "b");
  g_assert_cmpstr (nn_vocab_token (v, 5), ==, "d");
  g_assert_null (nn_vocab_token (v, 6));
  g_assert_cmpint (nn_vocab_lookup (v, "c"), ==, 3);
  g_assert_cmpint (nn_vocab_lookup (v, "zebra"), ==, 1);
  g_assert_cmpint (nn_vocab_lookup (v, ""), ==, 0);
  g_assert_false (nn_vocab_is_chars (v));

  /* The cap counts padding and out-of-vocabulary. */
  g_autoptr(NnVocab) capped = vocab_of (&opt, docs, 4);
  g_assert_cmpint (nn_vocab_size (capped), ==, 4);
  g_assert_cmpint (nn_vocab_lookup (capped, "b"), ==, 1);
  g_assert_cmpint (nn_vocab_lookup (capped, "c"), ==, 3);

  g_autoptr(NnVocab) copy = nn_vocab_copy (v);
  g_assert_cmpint (nn_vocab_size (copy), ==, 6);
  g_assert_cmpint (nn_vocab_lookup (copy, "d"), ==, 5);
  g_assert_cmpfloat (nn_vocab_get_idf (copy)[5], ==, nn_vocab_get_idf (v)[5]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/text/words", test_words);
  g_test_add_func ("/engine/text/chars", test_chars);
  g_test_add_func ("/engine/text/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/engine/text/vocab", test_vocab);
  return g_test_run ();
}
