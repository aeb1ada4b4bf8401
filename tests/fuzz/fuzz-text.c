/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-text: the text tokenizers, the vocabulary and its encodings
 * (nn-text.h), and the text dataset loaders (a folder of class folders of
 * .txt files, fortunes topics, chars:).
 *
 * The first byte picks the options (words or characters, lower-casing,
 * punctuation stripping, n-grams, the hashing trick, the encoding, padding
 * and truncation sides); the rest is the text. It is tokenized, a
 * vocabulary is built from it, and it is encoded every way. Then it is one
 * loader's input, by the second bit pair of the option byte: the text split
 * at its middle into two class folders, a fortunes topic file beside a
 * fixed one, or the text of chars:. */
#include "fuzz-common.h"

#include <math.h>

#include "nn-data-private.h"

static char *home;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  home = g_strdup (fuzz_scratch ());
  return 0;
}

static void
check_dataset (NnDataset *ds, GError *error)
{
  fuzz_check_result (ds != NULL, error);
  if (ds == NULL)
    return;
  g_assert (ds->vocab != NULL);
  g_assert (ds->n > 0 && ds->n_train + ds->n_test == ds->n);
  int V = nn_vocab_size (ds->vocab);
  const NnArray *a = ds->inputs[0];
  if (a->dtype == NN_DTYPE_I32)
    for (size_t k = 0; k < ds->n * a->sample_size; k++)
      {
        gint32 id = ((const gint32 *) a->data)[k];
        g_assert (id >= 0 && id < V);
      }
  for (size_t i = 0; i < ds->n; i++)
    {
      gint32 c = ((const gint32 *) ds->targets[0]->data)[i];
      g_assert (c >= 0 && c < ds->n_classes);
    }
}

static void
load (const uint8_t *text, size_t size, unsigned o, const NnTextOptions *topt)
{
  NnTextDataOptions opt;
  nn_text_data_options_init (&opt, ((o >> 6) & 3) == 2);
  if (((o >> 6) & 3) != 2)
    opt.text = *topt;
  opt.text.length = MAX (opt.text.length, 1);
  opt.test = 0.3;
  opt.dir = home;
  g_autoptr(GError) error = NULL;
  NnDataset *ds = NULL;
  switch ((o >> 6) & 3)
    {
    case 0:
    case 3:
      {
        /* Two class folders, half the text in each. */
        g_autofree char *root = g_build_filename (home, "folder", NULL);
        g_autofree char *pa = g_build_filename (root, "a", NULL);
        g_autofree char *pb = g_build_filename (root, "b", NULL);
        g_mkdir_with_parents (pa, 0700);
        g_mkdir_with_parents (pb, 0700);
        g_autofree char *fa = g_build_filename (pa, "1.txt", NULL);
        g_autofree char *fb = g_build_filename (pb, "1.txt", NULL);
        fuzz_write_file (fa, text, size / 2);
        fuzz_write_file (fb, text + size / 2, size - size / 2);
        ds = nn_text_folder_load (root, &opt, NULL, &error);
        break;
      }
    case 1:
      {
        /* A fortunes topic, beside a fixed one. */
        g_autofree char *ft = g_build_filename (home, "fuzzed", NULL);
        g_autofree char *ff = g_build_filename (home, "fixed", NULL);
        fuzz_write_file (ft, text, size);
        static const char fixed[] = "One record.\n%\nAnother, longer record here.\n%\n";
        fuzz_write_file (ff, fixed, sizeof fixed - 1);
        ds = nn_fortunes_load ("fuzzed,fixed", &opt, NULL, &error);
        break;
      }
    case 2:
      {
        g_autofree char *f = g_build_filename (home, "book.txt", NULL);
        fuzz_write_file (f, text, size);
        opt.text.length = 1 + (int) (o & 7);
        opt.step = 1 + (int) ((o >> 3) & 3);
        ds = nn_chars_load (f, &opt, NULL, &error);
        break;
      }
    }
  check_dataset (ds, error);
  g_clear_pointer (&ds, nn_dataset_free);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const NnTextMode modes[] = { NN_TEXT_INT, NN_TEXT_MULTI_HOT, NN_TEXT_COUNT,
                                      NN_TEXT_TFIDF };
  if (size == 0)
    return 0;
  unsigned o = data[0], o2 = size > 1 ? data[1] : 0;
  const char *text = (const char *) data + 1;
  size_t len = size - 1;

  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.chars = o & 1;
  opt.lower = (o >> 1) & 1;
  opt.strip = (o >> 2) & 1;
  opt.ngrams = opt.chars ? 1 : 1 + (int) (((o >> 3) & 3) % 3);
  opt.hash_buckets = (o >> 5) & 1 ? 1 + (int) (o2 % 17) : 0;
  opt.mode = modes[(o2 >> 5) & 3];
  opt.length = 1 + (int) (o2 & 15);
  opt.pad = (o2 >> 4) & 1 ? NN_TEXT_PRE : NN_TEXT_POST;
  opt.trunc = (o2 >> 7) & 1 ? NN_TEXT_PRE : NN_TEXT_POST;

  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = nn_text_tokenize (&opt, text, (gssize) len, "fuzz", &error);
  fuzz_check_result (tokens != NULL, error);
  g_autoptr(GError) verror = NULL;
  gboolean valid = nn_text_validate (text, (gssize) len, "fuzz", &verror);
  fuzz_check_result (valid, verror);
  g_assert (valid == (tokens != NULL));
  if (tokens != NULL)
    {
      for (guint k = 0; k < tokens->len; k++)
        g_assert (g_utf8_validate (tokens->pdata[k], -1, NULL)
                  && ((const char *) tokens->pdata[k])[0] != '\0');
      g_autoptr(NnVocabCounter) c = nn_vocab_counter_new ();
      nn_vocab_counter_add (c, tokens);
      g_autoptr(NnVocab) v = nn_vocab_counter_build (c, &opt, (int) (o2 % 8));
      int V = nn_vocab_size (v);
      g_assert (V >= 2);
      for (guint k = 0; k < tokens->len; k++)
        {
          int id = nn_vocab_lookup (v, tokens->pdata[k]);
          g_assert (id >= 1 && id < V);
        }
      g_autofree gint32 *ids = g_new (gint32, opt.length);
      int real = nn_vocab_encode_ids (v, tokens, opt.length, ids);
      g_assert (real == (int) tokens->len);
      for (int k = 0; k < opt.length; k++)
        g_assert (ids[k] >= 0 && ids[k] < V);
      g_autofree float *bag = g_new (float, V);
      nn_vocab_encode_bag (v, tokens, opt.mode == NN_TEXT_INT ? NN_TEXT_COUNT : opt.mode, bag);
      for (int k = 0; k < V; k++)
        g_assert (isfinite (bag[k]) && bag[k] >= 0);
      g_autofree float *vec = g_new (float, nn_vocab_output_size (v));
      g_autoptr(GError) xerror = NULL;
      gboolean ok = nn_vocab_vectorize (v, text, (gssize) len, "fuzz", vec, NULL, &xerror);
      fuzz_check_result (ok, xerror);
      g_assert (ok);
    }
  /* The loaders read NUL-terminated files: a NUL is refused, not cut. */
  load ((const uint8_t *) text, len, o, &opt);
  return 0;
}
