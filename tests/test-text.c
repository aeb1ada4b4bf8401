/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text vectorization (nn-text.h): tokenizers on Unicode text, the
 * vocabulary and its cap, padding and truncation, bag-of-words encodings,
 * n-grams, the hashing trick, the text datasets, GloVe vectors and the
 * vocabulary saved with a model. */
#include <math.h>
#include <string.h>
#include <unistd.h>

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


static void
test_ids (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  static const char *const docs[] = { "a b c d e", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);
  g_autoptr(GPtrArray) t = nn_text_tokenize (&opt, "a b c d e", -1, "t", NULL);
  g_autoptr(GPtrArray) s = nn_text_tokenize (&opt, "b zz", -1, "t", NULL);
  gint32 out[7];
  /* a..e are 2..6 (all tie: order of appearance). */
  g_assert_cmpint (nn_vocab_encode_ids (v, t, 3, out), ==, 5);
  g_assert_cmpint (out[0], ==, 2);
  g_assert_cmpint (out[2], ==, 4);
  nn_vocab_set_encoding (v, NN_TEXT_INT, 3, NN_TEXT_POST, NN_TEXT_PRE);
  nn_vocab_encode_ids (v, t, 3, out);
  g_assert_cmpint (out[0], ==, 4);
  g_assert_cmpint (out[2], ==, 6);
  /* Padding post, then pre; the unknown word is 1. */
  nn_vocab_encode_ids (v, s, 4, out);
  gint32 post[4] = { 3, 1, 0, 0 };
  g_assert_cmpmem (out, sizeof post, post, sizeof post);
  nn_vocab_set_encoding (v, NN_TEXT_INT, 4, NN_TEXT_PRE, NN_TEXT_POST);
  nn_vocab_encode_ids (v, s, 4, out);
  gint32 pre[4] = { 0, 0, 3, 1 };
  g_assert_cmpmem (out, sizeof pre, pre, sizeof pre);
  /* vectorize gives the same as floats. */
  float f[4];
  int n_tokens = 0;
  g_assert_true (nn_vocab_vectorize (v, "B zz", -1, "t", f, &n_tokens, NULL));
  g_assert_cmpint (n_tokens, ==, 2);
  g_assert_cmpfloat (f[0], ==, 0.f);
  g_assert_cmpfloat (f[2], ==, 3.f);
  g_assert_cmpfloat (f[3], ==, 1.f);

  gint32 ids[3] = { 2, 0, 7 };
  float oh[3 * 4];
  nn_text_one_hot (ids, 3, 4, oh);
  float expect[12] = { 0, 0, 1, 0,  1, 0, 0, 0,  0, 0, 0, 0 };
  g_assert_cmpmem (oh, sizeof oh, expect, sizeof expect);
}

static void
test_bags (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  /* 3 documents: "a" in all three, "b" in one, "c" in two. */
  static const char *const docs[] = { "a a b", "a c", "c a", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);
  g_assert_cmpint (nn_vocab_size (v), ==, 5);
  int a = nn_vocab_lookup (v, "a"), b = nn_vocab_lookup (v, "b"), c = nn_vocab_lookup (v, "c");
  g_assert_cmpint (a, ==, 2);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpint (b, ==, 4);
  g_autoptr(GPtrArray) t = nn_text_tokenize (&opt, "a b a x", -1, "t", NULL);
  float out[5];
  nn_vocab_encode_bag (v, t, NN_TEXT_MULTI_HOT, out);
  float mh[5] = { 0, 1, 1, 0, 1 };
  g_assert_cmpmem (out, sizeof out, mh, sizeof mh);
  nn_vocab_encode_bag (v, t, NN_TEXT_COUNT, out);
  float cnt[5] = { 0, 1, 2, 0, 1 };
  g_assert_cmpmem (out, sizeof out, cnt, sizeof cnt);
  /* TF-IDF: count × ln (1 + N / (1 + df)); N = 3. */
  nn_vocab_encode_bag (v, t, NN_TEXT_TFIDF, out);
  g_assert_cmpfloat_with_epsilon (out[a], 2.0 * log (1.0 + 3.0 / 4.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (out[b], 1.0 * log (1.0 + 3.0 / 2.0), 1e-6);
  g_assert_cmpfloat (out[c], ==, 0.f);
  g_assert_cmpfloat (out[0], ==, 0.f);
  /* [UNK] weighs as the dropped tokens do; none were dropped: ln (1 + N). */
  g_assert_cmpfloat_with_epsilon (out[1], log (1.0 + 3.0), 1e-6);
}

static void
test_ngrams (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.ngrams = 2;
  assert_tokens (&opt, "The cat sat.", "the|cat|sat|the cat|cat sat");
  opt.ngrams = 3;
  assert_tokens (&opt, "a b c d", "a|b|c|d|a b|b c|c d|a b c|b c d");
  assert_tokens (&opt, "solo", "solo");
}

static void
test_hashing (void)
{
  /* FNV-1a's published values: "" → 0x811c9dc5, "a" → 0xe40c292c. */
  g_assert_cmpuint (nn_text_hash ("", 0), ==, 0x811c9dc5u);
  g_assert_cmpuint (nn_text_hash ("a", 0), ==, 0xe40c292cu);
  g_assert_cmpuint (nn_text_hash ("foobar", 0), ==, 0xbf9cf968u);
  g_assert_cmpuint (nn_text_hash ("a", 1000), ==, 0xe40c292cu % 1000);

  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.hash_buckets = 16;
  static const char *const docs[] = { "x y", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);
  g_assert_cmpint (nn_vocab_size (v), ==, 18);
  g_assert_cmpint (nn_vocab_lookup (v, "a"), ==, 2 + (int) (0xe40c292cu % 16));
  g_assert_cmpint (nn_vocab_lookup (v, "never seen"), >=, 2);
  g_assert_cmpint (nn_vocab_lookup (v, ""), ==, 0);
  g_assert_cmpstr (nn_vocab_token (v, 2), ==, "#0");
  g_autoptr(NnVocab) copy = nn_vocab_copy (v);
  g_assert_cmpint (nn_vocab_lookup (copy, "a"), ==, nn_vocab_lookup (v, "a"));
}

/* ------------------------------------------------------------------------ */
/* Datasets                                                                 */
/* ------------------------------------------------------------------------ */

static void
write_file (const char *dir,
            const char *name,
            const char *text,
            gssize      len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  g_assert_true (g_file_set_contents (path, text, len, NULL));
}

/* A folder of two classes, 6 texts each. */
static char *
make_text_folder (void)
{
  char *dir = g_dir_make_tmp ("test-text-XXXXXX", NULL);
  g_assert_nonnull (dir);
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *pos = g_strdup_printf ("pos/p%d.txt", i);
      g_autofree char *neg = g_strdup_printf ("neg/n%d.txt", i);
      g_autofree char *pt = g_strdup_printf ("Good, great film %d! Loved it.", i);
      g_autofree char *nt = g_strdup_printf ("Bad awful film. Hated it %d", i);
      write_file (dir, pos, pt, -1);
      write_file (dir, neg, nt, -1);
    }
  return dir;
}

static NnDataset *
open_ok (const char *spec)
{
  g_autoptr(GError) error = NULL;
  NnDataset *ds = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static void
open_fails (const char *spec,
            int         code,
            const char *words)
{
  g_autoptr(GError) error = NULL;
  NnDataset *ds = nn_dataset_open (spec, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATA_ERROR, code);
  if (strstr (error->message, words) == NULL)
    g_error ("“%s” does not say “%s”", error->message, words);
}

static void
test_text_folder (void)
{
  g_autofree char *dir = make_text_folder ();
  g_autofree char *spec = g_strdup_printf ("text:%s:length=4:test=0.25:seed=3", dir);
  g_autoptr(NnDataset) ds = open_ok (spec);
  g_assert_cmpuint (ds->n, ==, 12);
  g_assert_cmpuint (ds->n_test, ==, 3);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "neg");
  g_assert_cmpstr (ds->class_names[1], ==, "pos");
  g_assert_cmpint (ds->inputs[0]->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 4);
  g_assert_nonnull (ds->vocab);
  g_assert_nonnull (ds->texts);
  /* Each sample's ids are its text's first 4 words; the label fits the text. */
  for (size_t i = 0; i < ds->n; i++)
    {
      const gint32 *ids = (const gint32 *) ds->inputs[0]->data + i * 4;
      int label = ((const gint32 *) ds->targets[0]->data)[i];
      g_assert_cmpint (label, ==, g_str_has_prefix (ds->texts[i], "Good") ? 1 : 0);
      g_assert_cmpstr (nn_vocab_token (ds->vocab, ids[0]), ==, label ? "good" : "bad");
      g_assert_cmpstr (nn_vocab_token (ds->vocab, ids[2]), ==, "film");
    }
  /* The vocabulary is the training split's: a number only in a test text
   * is out of vocabulary. */
  for (size_t k = 0; k < ds->n_test; k++)
    {
      guint32 i = ds->test_idx[k];
      char digit[2] = { 0, 0 };
      for (const char *p = ds->texts[i]; *p; p++)
        if (g_ascii_isdigit (*p))
          digit[0] = *p;
      gboolean in_train = FALSE;
      for (size_t j = 0; j < ds->n_train; j++)
        in_train |= strchr (ds->texts[ds->train_idx[j]], digit[0]) != NULL;
      g_assert_cmpint (nn_vocab_lookup (ds->vocab, digit) >= 2, ==, in_train);
    }
  /* The note on the texts cut counts them all and, named as such, the
   * training texts (the Data view's histogram counts those). */
  {
    size_t cut = 0, cut_train = 0;

    for (size_t i = 0; i < ds->n; i++)
      {
        g_autoptr(GPtrArray) t = nn_text_tokenize (nn_vocab_get_options (ds->vocab), ds->texts[i],
                                                   -1, "text", NULL);
        gboolean in_train = FALSE;

        for (size_t j = 0; j < ds->n_train; j++)
          in_train |= ds->train_idx[j] == i;
        cut += t->len > 4;
        cut_train += t->len > 4 && in_train;
      }
    g_autofree char *said = g_strdup_printf ("%zu of the %zu texts (%zu of the %zu training texts) "
                                             "are longer than 4 tokens and were cut", cut, ds->n,
                                             cut_train, ds->n_train);
    g_assert_cmpuint (cut_train, <, cut);
    g_assert_nonnull (ds->notes[0]);
    g_assert_nonnull (ds->notes[1]);
    g_test_message ("%s", ds->notes[1]);
    g_assert_true (g_str_has_prefix (ds->notes[1], said));
  }
  /* The same folder, found without the text: prefix, the same split. */
  g_autofree char *spec2 = g_strdup_printf ("%s:length=4:test=0.25:seed=3", dir);
  g_autoptr(NnDataset) ds2 = open_ok (spec2);
  g_assert_cmpmem (ds->inputs[0]->data, 12 * 4 * 4, ds2->inputs[0]->data, 12 * 4 * 4);

  /* multi_hot: float rows of the vocabulary's size, 0/1. */
  g_autofree char *spec3 = g_strdup_printf ("text:%s:mode=multi_hot:ngrams=2", dir);
  g_autoptr(NnDataset) bag = open_ok (spec3);
  int V = nn_vocab_size (bag->vocab);
  g_assert_cmpint (bag->inputs[0]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (bag->inputs[0]->shape[0], ==, V);
  g_assert_cmpint (nn_vocab_lookup (bag->vocab, "great film"), >=, 2);
  g_assert_cmpstr (bag->inputs[0]->feature_names[nn_vocab_lookup (bag->vocab, "film")], ==,
                   "film");
  for (size_t i = 0; i < bag->n; i++)
    {
      const float *row = (const float *) bag->inputs[0]->data + i * V;
      g_assert_cmpfloat (row[nn_vocab_lookup (bag->vocab, "film")], ==, 1.f);
    }
  g_autofree char *spec4 = g_strdup_printf ("text:%s:mode=tfidf:vocab=5:tokens=chars", dir);
  g_autoptr(NnDataset) chars = open_ok (spec4);
  g_assert_cmpint (nn_vocab_size (chars->vocab), ==, 5);
  g_assert_true (nn_vocab_is_chars (chars->vocab));
  test_remove_tree (dir);
}

static void
test_text_folder_malformed (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-text-bad-XXXXXX", NULL);
  g_autofree char *spec = g_strdup_printf ("text:%s", dir);
  /* Empty folder, then no class folders. */
  open_fails (spec, NN_DATA_ERROR_EMPTY, "no class folders");
  write_file (dir, "loose.txt", "text", -1);
  open_fails (spec, NN_DATA_ERROR_EMPTY, "no class folders");
  /* A class folder without .txt files. */
  write_file (dir, "a/x.txt", "alpha beta", -1);
  write_file (dir, "b/readme.md", "not text", -1);
  open_fails (spec, NN_DATA_ERROR_EMPTY, "holds no .txt files");
  /* One class only. */
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  test_remove_tree (b);
  write_file (dir, "a/y.txt", "gamma", -1);
  open_fails (spec, NN_DATA_ERROR_EMPTY, "one class");
  /* Invalid UTF-8 names the file and the byte offset. */
  write_file (dir, "b/bad.txt", "ok so far \xc3\x28 broken", -1);
  open_fails (spec, NN_DATA_ERROR_FORMAT, "bad.txt is not UTF-8 text: invalid byte 0xc3 at "
              "byte offset 10");
  /* An empty file, and one of spaces. */
  write_file (dir, "b/bad.txt", "", 0);
  open_fails (spec, NN_DATA_ERROR_EMPTY, "bad.txt is empty");
  write_file (dir, "b/bad.txt", " \n\t\n", -1);
  open_fails (spec, NN_DATA_ERROR_EMPTY, "bad.txt is empty");
  /* Unreadable. */
  write_file (dir, "b/bad.txt", "fine", -1);
  g_autofree char *bad = g_build_filename (dir, "b", "bad.txt", NULL);
  if (geteuid () != 0)
    {
      g_chmod (bad, 0);
      open_fails (spec, NN_DATA_ERROR_IO, "bad.txt");
      g_chmod (bad, 0644);
    }
  /* Bad options. */
  g_autofree char *s1 = g_strdup_printf ("text:%s:mode=bag", dir);
  open_fails (s1, NN_DATA_ERROR_UNKNOWN, "must be one of int|multi_hot|tfidf|count");
  g_autofree char *s2 = g_strdup_printf ("text:%s:tokens=chars:ngrams=2", dir);
  open_fails (s2, NN_DATA_ERROR_UNKNOWN, "ngrams needs tokens=words");
  g_autofree char *s3 = g_strdup_printf ("text:%s:colour=red", dir);
  open_fails (s3, NN_DATA_ERROR_UNKNOWN, "Unknown option “colour”");
  /* Now it loads. */
  g_autoptr(NnDataset) ds = open_ok (spec);
  g_assert_cmpuint (ds->n, ==, 3);
  open_fails ("text:/nonexistent/folder", NN_DATA_ERROR_IO, "is not a folder");
  test_remove_tree (dir);
}

/* A fortunes folder of three small topics. */
static char *
make_fortunes (void)
{
  char *dir = g_dir_make_tmp ("test-fortunes-XXXXXX", NULL);
  write_file (dir, "science", "Atoms are small.\n%\nThe cell divides.\n%\n%\nEnergy is "
              "conserved.\nAlways.\n%\n", -1);
  write_file (dir, "work", "Meetings, meetings.\n%\nThe boss is out.\n%\nOverTIME again\n", -1);
  write_file (dir, "work.dat", "\x01\x02\xff", 3);
  write_file (dir, "empty", "%\n%\n", -1);
  write_file (dir, "cyrillic", "Привет, мир!\n%\nЁлка\n", -1);
  return dir;
}

static void
test_fortunes (void)
{
  g_autofree char *dir = make_fortunes ();
  g_autofree char *spec = g_strdup_printf ("fortunes:topics=science,work,cyrillic:dir=%s:test=0.25",
                                           dir);
  g_autoptr(NnDataset) ds = open_ok (spec);
  g_assert_cmpuint (ds->n, ==, 8);
  g_assert_cmpuint (ds->n_test, ==, 2);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[2], ==, "cyrillic");
  int counts[3] = { 0 };
  gboolean found = FALSE;
  for (size_t i = 0; i < ds->n; i++)
    {
      int c = ((const gint32 *) ds->targets[0]->data)[i];
      counts[c]++;
      if (g_str_equal (ds->texts[i], "Energy is conserved.\nAlways."))
        found = c == 0;
    }
  g_assert_true (found);
  g_assert_cmpint (counts[0], ==, 3);
  g_assert_cmpint (counts[1], ==, 3);
  g_assert_cmpint (counts[2], ==, 2);

  /* The environment names the folder when :dir= does not. */
  g_setenv ("DEEPSCOPE_FORTUNES_DIR", dir, TRUE);
  g_autoptr(NnDataset) env = open_ok ("fortunes:topics=work,science");
  g_assert_cmpstr (env->class_names[0], ==, "work");
  open_fails ("fortunes:topics=", NN_DATA_ERROR_EMPTY, "No fortunes topics given");
  open_fails ("fortunes", NN_DATA_ERROR_EMPTY, "No fortunes topics given");
  open_fails ("fortunes:topics=science,astrology", NN_DATA_ERROR_UNKNOWN,
              "Unknown fortunes topic “astrology”; the topics in");
  open_fails ("fortunes:topics=science,work.dat", NN_DATA_ERROR_UNKNOWN, "work.dat");
  open_fails ("fortunes:topics=science,../etc", NN_DATA_ERROR_UNKNOWN, "../etc");
  open_fails ("fortunes:topics=science,empty", NN_DATA_ERROR_EMPTY, "holds no records");
  open_fails ("fortunes:topics=science", NN_DATA_ERROR_EMPTY, "one class");
  open_fails ("fortunes:topics=science,work:dir=/nonexistent", NN_DATA_ERROR_IO,
              "apt-get install fortunes");
  g_unsetenv ("DEEPSCOPE_FORTUNES_DIR");
  test_remove_tree (dir);
}

static void
test_chars_dataset (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-chars-XXXXXX", NULL);
  /* 100 graphemes: "abcdé" (é decomposed) 20 times. */
  GString *text = g_string_new (NULL);
  for (int i = 0; i < 20; i++)
    g_string_append (text, "abcde\xcc\x81");
  write_file (dir, "book.txt", text->str, -1);
  g_string_free (text, TRUE);
  g_autofree char *path = g_build_filename (dir, "book.txt", NULL);
  g_autofree char *spec = g_strdup_printf ("chars:%s:length=10:step=5:test=0.2", path);
  g_autoptr(NnDataset) ds = open_ok (spec);
  /* Train: the first 80 graphemes, windows of 11 every 5: starts 0..65 (14);
   * test: the last 20: starts 80, 85 (2). */
  g_assert_cmpuint (ds->n, ==, 16);
  g_assert_cmpuint (ds->n_test, ==, 2);
  g_assert_true (nn_vocab_is_chars (ds->vocab));
  g_assert_cmpint (nn_vocab_size (ds->vocab), ==, 7);
  g_assert_cmpint (ds->n_classes, ==, 7);
  g_assert_cmpint (nn_vocab_lookup (ds->vocab, "e\xcc\x81"), >=, 2);
  g_assert_cmpint (nn_vocab_lookup (ds->vocab, "e"), ==, 1);
  for (size_t w = 0; w < ds->n; w++)
    {
      const gint32 *ids = (const gint32 *) ds->inputs[0]->data + w * 10;
      int next = ((const gint32 *) ds->targets[0]->data)[w];
      /* The text repeats every 5: the target is the window's first id again. */
      g_assert_cmpint (next, ==, ids[0]);
      g_assert_cmpint (ids[0], ==, nn_vocab_lookup (ds->vocab, "a"));
    }
  g_assert_cmpstr (ds->class_names[nn_vocab_lookup (ds->vocab, "a")], ==, "a");

  /* Fortunes topics, by folder and by bare name. */
  g_autofree char *fdir = make_fortunes ();
  g_autofree char *fspec = g_strdup_printf ("chars:fortunes/science,work:dir=%s:length=5:test=0.3",
                                            fdir);
  g_autoptr(NnDataset) f = open_ok (fspec);
  g_assert_cmpstr (f->name, ==, "fortunes/science+work");
  g_assert_cmpint (nn_vocab_lookup (f->vocab, "T"), >=, 2);   /* case kept */
  g_autofree char *fspec2 = g_strdup_printf ("chars:cyrillic:dir=%s:length=3:test=0.3", fdir);
  g_autoptr(NnDataset) cyr = open_ok (fspec2);
  g_assert_cmpint (nn_vocab_lookup (cyr->vocab, "Ё"), >=, 2);

  /* Malformed. */
  g_autofree char *s1 = g_strdup_printf ("chars:%s:length=200", path);
  open_fails (s1, NN_DATA_ERROR_EMPTY, "too few");
  g_autofree char *s2 = g_strdup_printf ("chars:nosuchtopic:dir=%s", fdir);
  open_fails (s2, NN_DATA_ERROR_UNKNOWN, "neither a file nor a fortunes topic");
  write_file (dir, "empty.txt", "", 0);
  g_autofree char *s3 = g_strdup_printf ("chars:%s/empty.txt", dir);
  open_fails (s3, NN_DATA_ERROR_EMPTY, "is empty");
  write_file (dir, "latin1.txt", "caf\xe9 au lait", -1);
  g_autofree char *s4 = g_strdup_printf ("chars:%s/latin1.txt", dir);
  open_fails (s4, NN_DATA_ERROR_FORMAT, "byte offset 3");
  g_autofree char *s5 = g_strdup_printf ("chars:%s:mode=tfidf", path);
  open_fails (s5, NN_DATA_ERROR_UNKNOWN, "Unknown option “mode”");
  open_fails ("chars:", NN_DATA_ERROR_UNKNOWN, "needs a text file");
  /* normalize would rescale token ids: refused on every text spec, a
   * folder of text files included. */
  g_autofree char *s6 = g_strdup_printf ("chars:%s:normalize=meanstd", path);
  open_fails (s6, NN_DATA_ERROR_UNKNOWN, "remove :normalize=");
  g_autofree char *s7 = g_strdup_printf ("fortunes:topics=science,work:dir=%s:normalize=minmax",
                                         fdir);
  open_fails (s7, NN_DATA_ERROR_UNKNOWN, "normalize would rescale its token ids");
  g_autofree char *tdir = make_text_folder ();
  g_autofree char *s8 = g_strdup_printf ("%s:mode=tfidf:normalize=meanstd", tdir);
  open_fails (s8, NN_DATA_ERROR_UNKNOWN, "is a text dataset");
  g_autofree char *s9 = g_strdup_printf ("text:%s:normalize=meanstd", tdir);
  open_fails (s9, NN_DATA_ERROR_UNKNOWN, "is a text dataset");
  g_autofree char *s10 = g_strdup_printf ("text:%s:normalize=none", tdir);
  g_autoptr(NnDataset) plain = open_ok (s10);
  test_remove_tree (tdir);

  /* Class names a person can read: a space is "␣", a newline "\n", other
   * blanks their code point; the characters themselves stay in the
   * vocabulary. */
  write_file (dir, "blanks.txt", "a b\nc\u00a0d a b\nc\u00a0d a b\nc\u00a0d a b\nc\u00a0d", -1);
  g_autofree char *s11 = g_strdup_printf ("chars:%s/blanks.txt:length=3:step=1:test=0.2", dir);
  g_autoptr(NnDataset) bl = open_ok (s11);
  g_assert_cmpstr (bl->class_names[nn_vocab_lookup (bl->vocab, " ")], ==, "␣");
  g_assert_cmpstr (bl->class_names[nn_vocab_lookup (bl->vocab, "\n")], ==, "\\n");
  g_assert_cmpstr (bl->class_names[nn_vocab_lookup (bl->vocab, "\u00a0")], ==, "U+00A0");
  g_assert_cmpstr (bl->class_names[nn_vocab_lookup (bl->vocab, "a")], ==, "a");
  g_assert_cmpstr (bl->class_names[0], ==, "(padding)");
  test_remove_tree (fdir);
  test_remove_tree (dir);
}

/* The real fortunes, when the package is installed. */
static void
test_fortunes_real (void)
{
  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  g_autoptr(NnDataset) ds = open_ok ("fortunes:topics=science,work,politics,songs-poems:"
                                     "dir=/usr/share/games/fortunes");
  g_assert_cmpint (ds->n_classes, ==, 4);
  g_assert_cmpuint (ds->n, >, 1000);
  g_assert_cmpint (nn_vocab_size (ds->vocab), ==, 10000);
  g_test_message ("%s", ds->notes[0]);
}

/* ------------------------------------------------------------------------ */
/* GloVe and the vocabulary kept with a model                               */
/* ------------------------------------------------------------------------ */

/* Input (T = 4 token ids) → Embedding (V, D): the table GloVe vectors go
 * into and come out of. */
static NnModel *
table_model (int V,
             int D)
{
  NnModel *m = nn_model_new ("table");
  int in = test_add (m, "Input", "in");
  g_autofree char *vs = g_strdup_printf ("%d", V);
  g_autofree char *ds = g_strdup_printf ("%d", D);
  test_set (m, in, "shape", "4");
  int e = test_add (m, "Embedding", "emb");
  test_set (m, e, "input_dim", vs);
  test_set (m, e, "output_dim", ds);
  test_set (m, e, "mask_zero", "true");
  test_connect (m, in, e);
  nn_model_auto_outputs (m);
  g_autoptr(GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 7, &error));
  return m;
}

static float *
table_of (NnModel *m)
{
  NnTensor view;
  nn_model_layer_get_weight (m, nn_model_find_layer (m, "emb"), 0, &view);
  return view.data;
}

static void
test_glove (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  static const char *const docs[] = { "cat dog cat fish", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);   /* "", [UNK], cat, dog, fish */
  g_autofree char *dir = g_dir_make_tmp ("test-glove-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "vec.txt", NULL);
  write_file (dir, "vec.txt", "the 0.1 0.2 0.3\ncat 1 2 3\r\nfish -1.5 0 2.5e-1\n\n", -1);

  g_autoptr(NnModel) m = table_model (5, 3);
  float *t = table_of (m);
  float before[15];
  memcpy (before, t, sizeof before);
  int found = -1;
  g_autoptr(GError) error = NULL;
  g_assert_true (nn_model_import_glove (m, "emb", path, v, TRUE, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found, ==, 2);
  g_assert_cmpfloat (t[2 * 3 + 0], ==, 1.f);
  g_assert_cmpfloat (t[2 * 3 + 2], ==, 3.f);
  g_assert_cmpfloat (t[4 * 3 + 0], ==, -1.5f);
  g_assert_cmpfloat (t[4 * 3 + 2], ==, 0.25f);
  /* dog (3), padding and [UNK] keep the initializer's values. */
  g_assert_cmpmem (t + 9, 3 * sizeof (float), before + 9, 3 * sizeof (float));
  g_assert_cmpmem (t, 6 * sizeof (float), before, 6 * sizeof (float));
  g_assert_false (nn_model_layer_get_trainable (m, nn_model_find_layer (m, "emb")));
  g_assert_nonnull (nn_model_get_vocab (m));
  /* The Embedding looks the imported rows up: "cat fish" as ids (2, 4, 0, 0)
   * gives cat's and fish's vectors. */
  int xs[2] = { 1, 4 };
  g_autoptr(NnTensor) x = nn_tensor_new (2, xs);
  x->data[0] = 2;
  x->data[1] = 4;
  g_autoptr(NnTensor) y = nn_model_run (m, &x, 1, (NnRef) { nn_model_find_layer (m, "emb"), 0 },
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 3);
  g_assert_cmpint (y->shape[1], ==, 4);
  g_assert_cmpint (y->shape[2], ==, 3);
  g_assert_cmpfloat (y->data[0], ==, 1.f);
  g_assert_cmpfloat (y->data[2], ==, 3.f);
  g_assert_cmpfloat (y->data[3], ==, -1.5f);
  g_assert_cmpfloat (y->data[5], ==, 0.25f);

  /* Export, then import into a fresh model: the same rows. */
  g_autofree char *out = g_build_filename (dir, "out.txt", NULL);
  g_assert_true (nn_model_export_glove (m, "emb", out, &error));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "cat 1 2 3\ndog "));
  g_autoptr(NnModel) m2 = table_model (5, 3);
  g_assert_true (nn_model_import_glove (m2, "emb", out, v, FALSE, &found, &error));
  g_assert_cmpint (found, ==, 3);
  g_assert_cmpmem (table_of (m2) + 6, 9 * sizeof (float), t + 6, 9 * sizeof (float));

  /* Malformed files load nothing. */
  struct { const char *text; int code; const char *words; } bad[] = {
    { "cat 1 2 3\nfish 1 2\n", NN_DATA_ERROR_FORMAT, "ragged" },
    { "cat 1 2\nfish 1 2\n", NN_DATA_ERROR_SIZE, "vectors of 2 values but the embedding has 3" },
    { "cat 1 2 3\nfish 1 x 3\n", NN_DATA_ERROR_FORMAT, "“x” is not a number" },
    { "cat 1 2 nan\n", NN_DATA_ERROR_FORMAT, "not a number" },
    { "cat 1 2 1e39\n", NN_DATA_ERROR_FORMAT, "“1e39” is too large for a weight" },
    { "", NN_DATA_ERROR_EMPTY, "holds no word vectors" },
    { "\n\n", NN_DATA_ERROR_EMPTY, "holds no word vectors" },
    { "cat\n", NN_DATA_ERROR_FORMAT, "not a word followed by numbers" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      write_file (dir, "bad.txt", bad[k].text, -1);
      g_autofree char *bpath = g_build_filename (dir, "bad.txt", NULL);
      float row[15];
      memcpy (row, t, sizeof row);
      float weights[15];
      memcpy (weights, t, sizeof weights);
      g_autoptr(GError) e = NULL;
      g_assert_false (nn_glove_load (bpath, v, 3, weights, NULL, &e));
      g_assert_error (e, NN_DATA_ERROR, bad[k].code);
      if (strstr (e->message, bad[k].words) == NULL)
        g_error ("“%s” does not say “%s”", e->message, bad[k].words);
      g_assert_cmpmem (weights, sizeof weights, row, sizeof row);
      /* Through the model: an error and the table untouched. */
      g_autoptr(GError) e2 = NULL;
      g_assert_false (nn_model_import_glove (m2, "emb", bpath, v, FALSE, NULL, &e2));
      g_assert_nonnull (e2);
    }
  g_autoptr(GError) e3 = NULL;
  g_assert_false (nn_model_import_glove (m2, "nosuch", path, v, FALSE, NULL, &e3));
  g_assert_error (e3, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_autoptr(NnModel) small = table_model (4, 3);
  g_autoptr(GError) e4 = NULL;
  g_assert_false (nn_model_import_glove (small, "emb", path, v, FALSE, NULL, &e4));
  g_assert_nonnull (strstr (e4->message, "set input_dim to 5"));
  test_remove_tree (dir);
}

static void
test_vocab_saved (void)
{
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.mode = NN_TEXT_TFIDF;
  opt.ngrams = 2;
  opt.pad = NN_TEXT_PRE;
  static const char *const docs[] = { "Ёж и ёжик", "ёж \"quoted\" word", NULL };
  g_autoptr(NnVocab) v = vocab_of (&opt, docs, 0);
  static const char *const labels[] = { "one", "two", NULL };
  nn_vocab_set_labels (v, labels);
  g_autoptr(NnModel) m = table_model (nn_vocab_size (v), 2);
  nn_model_set_vocab (m, v);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = nn_model_to_json (m, TRUE, &error);
  g_assert_no_error (error);
  g_autoptr(NnModel) back = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  const NnVocab *w = nn_model_get_vocab (back);
  g_assert_nonnull (w);
  g_assert_cmpint (nn_vocab_size (w), ==, nn_vocab_size (v));
  for (int k = 0; k < nn_vocab_size (v); k++)
    {
      g_assert_cmpstr (nn_vocab_token (w, k), ==, nn_vocab_token (v, k));
      g_assert_cmpfloat_with_epsilon (nn_vocab_get_idf (w)[k], nn_vocab_get_idf (v)[k], 1e-6);
    }
  const NnTextOptions *o = nn_vocab_get_options (w);
  g_assert_cmpint (o->mode, ==, NN_TEXT_TFIDF);
  g_assert_cmpint (o->ngrams, ==, 2);
  g_assert_cmpint (o->pad, ==, NN_TEXT_PRE);
  g_assert_true (o->lower && o->strip && !o->chars);
  g_assert_cmpstr (nn_vocab_get_labels (w)[1], ==, "two");
  g_assert_null (nn_vocab_get_labels (w)[2]);
  /* The same text gives the same vector through either. */
  int size = nn_vocab_output_size (v);
  g_autofree float *a = g_new (float, size);
  g_autofree float *b = g_new (float, size);
  g_assert_true (nn_vocab_vectorize (v, "ёжик и word", -1, "t", a, NULL, NULL));
  g_assert_true (nn_vocab_vectorize (w, "ёжик и word", -1, "t", b, NULL, NULL));
  g_assert_cmpmem (a, size * sizeof (float), b, size * sizeof (float));

  /* Broken vocabularies are file errors. */
  const char *breaks[][2] = {
    { "\"index\" : [\"\", \"[UNK]\"", "\"index\" : [\"x\", \"[UNK]\"" },
    { "\"mode\" : \"tfidf\"", "\"mode\" : \"bag\"" },
    { "\"ngrams\" : 2", "\"ngrams\" : 7" },
    { "\"quoted\", \"word\"", "\"quoted\", \"quoted\"" },
    { "\"idf\" : [0.0", "\"idf\" : [-1.0" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (breaks); k++)
    {
      if (strstr (json, breaks[k][0]) == NULL)
        g_error ("%s not in %s", breaks[k][0], strstr (json, "\"vocabulary\""));
      GString *s = g_string_new (json);
      g_string_replace (s, breaks[k][0], breaks[k][1], 1);
      g_autoptr(GError) e = NULL;
      NnModel *bad = nn_model_load_from_data (s->str, -1, &e);
      g_assert_null (bad);
      g_assert_error (e, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_nonnull (strstr (e->message, "vocabulary"));
      g_string_free (s, TRUE);
    }
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
  g_test_add_func ("/engine/text/ids", test_ids);
  g_test_add_func ("/engine/text/bags", test_bags);
  g_test_add_func ("/engine/text/ngrams", test_ngrams);
  g_test_add_func ("/engine/text/hashing", test_hashing);
  g_test_add_func ("/engine/text/folder", test_text_folder);
  g_test_add_func ("/engine/text/folder-malformed", test_text_folder_malformed);
  g_test_add_func ("/engine/text/fortunes", test_fortunes);
  g_test_add_func ("/engine/text/chars-dataset", test_chars_dataset);
  g_test_add_func ("/engine/text/fortunes-real", test_fortunes_real);
  g_test_add_func ("/engine/text/glove", test_glove);
  g_test_add_func ("/engine/text/vocab-saved", test_vocab_saved);
  return g_test_run ();
}
