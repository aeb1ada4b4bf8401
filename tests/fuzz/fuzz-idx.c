/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-idx: IDX files (nn_idx_load), plain or gzip.
 *
 * The loader tells gzip by its magic bytes, so one target reads both: the
 * bytes as they are (plain IDX, or a gzip stream whose damage is part of
 * the input), and, built with FUZZ_IDX_GZIP (the fuzz-idx-gz target), the
 * bytes gzipped by the target first, so that every input reaches the IDX
 * parser through a valid gzip stream. */
#include "fuzz-common.h"

#include <zlib.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

#ifdef FUZZ_IDX_GZIP
/* data as one gzip member (a new buffer, *out_len bytes). */
static guint8 *
gzip_bytes (const uint8_t *data, size_t size, size_t *out_len)
{
  z_stream zs = { 0 };
  g_assert (deflateInit2 (&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  size_t cap = deflateBound (&zs, size) + 32;
  guint8 *out = g_malloc (cap);
  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) size;
  zs.next_out = out;
  zs.avail_out = (uInt) cap;
  g_assert (deflate (&zs, Z_FINISH) == Z_STREAM_END);
  *out_len = zs.total_out;
  deflateEnd (&zs);
  return out;
}
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
#ifdef FUZZ_IDX_GZIP
  size_t gz_len;
  g_autofree guint8 *gz = gzip_bytes (data, size, &gz_len);
  int fd = fuzz_memfd ("idx.gz", gz, gz_len, &path);
#else
  int fd = fuzz_memfd ("idx", data, size, &path);
#endif
  g_autoptr(GError) error = NULL;
  g_autoptr(NnArray) a = nn_idx_load (path, &error);
  fuzz_check_result (a != NULL, error);
  if (a != NULL)
    {
      /* Every sample must be readable as floats, as the trainer reads it. */
      g_assert (a->n > 0 && a->sample_size > 0);
      guint32 idx[2] = { 0, (guint32) (a->n - 1) };
      g_autofree float *out = g_new (float, 2 * a->sample_size);
      nn_array_gather (a, idx, 2, out);
      (void) nn_array_get (a, a->n - 1, a->sample_size - 1);
    }
  close (fd);
  return 0;
}
