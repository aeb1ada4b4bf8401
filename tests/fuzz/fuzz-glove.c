/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-glove: GloVe word-vector files (nn_glove_load, nn_glove_save).
 *
 * The whole input is the file, read into a table for a small fixed
 * vocabulary (words, Cyrillic, an emoji). The vector size is the number of
 * fields on the file's first line less one (so a plain GloVe file is a
 * seed as it is), one more when the input ends in 0xff (the mismatch).
 * A load that fails must leave the table as it was; one that succeeds is
 * written back, read again, and must give the same rows. */
#include "fuzz-common.h"

#include <math.h>

#define MAX_DIM 64

static NnVocab *vocab;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  NnTextOptions opt;
  nn_text_options_init (&opt);
  vocab = nn_vocab_new (&opt);
  static const char *const words[] = { "the", "cat", "dog", "fish", "ёж", "café", "🙂", "a,b",
                                       NULL };
  for (int k = 0; words[k]; k++)
    nn_vocab_add (vocab, words[k]);
  return 0;
}

static int
first_line_dim (const uint8_t *data, size_t size)
{
  int fields = 0;
  gboolean in = FALSE;
  for (size_t k = 0; k < size && data[k] != '\n'; k++)
    {
      gboolean sp = data[k] == ' ' || data[k] == '\t' || data[k] == '\r';
      if (!sp && !in)
        fields++;
      in = !sp;
    }
  return CLAMP (fields - 1, 1, MAX_DIM);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  int dim = first_line_dim (data, size) + (size > 0 && data[size - 1] == 0xff);
  int V = nn_vocab_size (vocab);
  g_autofree float *table = g_new (float, (size_t) V * dim);
  g_autofree float *before = g_new (float, (size_t) V * dim);
  for (int k = 0; k < V * dim; k++)
    table[k] = before[k] = 0.5f + (float) k;

  g_autofree char *path = NULL;
  int fd = fuzz_memfd ("vectors.txt", data, size, &path);
  g_autoptr(GError) error = NULL;
  int found = -1;
  gboolean ok = nn_glove_load (path, vocab, dim, table, &found, &error);
  fuzz_check_result (ok, error);
  close (fd);
  if (!ok)
    {
      g_assert (memcmp (table, before, sizeof (float) * V * dim) == 0);
      return 0;
    }
  g_assert (found >= 0 && found <= V - 2);
  for (int k = 0; k < V * dim; k++)
    g_assert (isfinite (table[k]));

  /* Written back and read again: the same rows (the file holds every word
   * but padding and [UNK]). */
  g_autofree char *out = g_build_filename (fuzz_scratch (), "out.txt", NULL);
  g_autoptr(GError) save_error = NULL;
  gboolean saved = nn_glove_save (out, vocab, dim, table, &save_error);
  fuzz_check_result (saved, save_error);
  g_assert (saved);
  g_autofree float *again = g_new0 (float, (size_t) V * dim);
  g_autoptr(GError) load_error = NULL;
  gboolean reloaded = nn_glove_load (out, vocab, dim, again, &found, &load_error);
  fuzz_check_result (reloaded, load_error);
  g_assert (reloaded && found == V - 2);
  g_assert (memcmp (again + 2 * dim, table + 2 * dim, sizeof (float) * (V - 2) * dim) == 0);
  return 0;
}
