/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Datasets read from files: IDX (plain, gzip, malformed, folders),
 * Fashion-MNIST, normalization of an IDX folder and byte-mutated IDX and
 * CSV files. CSV parsing is in test-data-csv.c, generated sets, one-hot
 * and gathering in test-data-toy.c. Test files go into a fresh temporary
 * directory. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "nn.h"
#include "test-util.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

static char *tmpdir;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static char *
write_file (const char *name,
            const void *data,
            gsize       len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  /* Without the atomic-replace flags GLib writes over the old file without
   * truncating it (2.74), so remove it first; the flags' fsync would make
   * the mutation test crawl. */
  g_remove (path);
  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_text (const char *name,
            const char *text)
{
  return write_file (name, text, strlen (text));
}

/* An IDX file: magic, big-endian dims, then `data` as is. */
static GByteArray *
idx_bytes (guint8        type,
           int           ndim,
           const guint32 *dims,
           const void   *data,
           gsize         len)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 0, type, (guint8) ndim };
  g_byte_array_append (b, head, 4);
  for (int i = 0; i < ndim; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_byte_array_append (b, (const guint8 *) &be, 4);
    }
  if (len > 0)
    g_byte_array_append (b, data, (guint) len);
  return b;
}

static GByteArray *
gzip_bytes (const guint8 *data,
            gsize         len)
{
  z_stream zs = { 0 };
  g_assert_cmpint (deflateInit2 (&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                   ==, Z_OK);
  uLong cap = deflateBound (&zs, len) + 64;
  GByteArray *out = g_byte_array_sized_new (cap);
  g_byte_array_set_size (out, cap);
  zs.next_in = (Bytef *) data;
  zs.avail_in = len;
  zs.next_out = out->data;
  zs.avail_out = cap;
  g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
  g_byte_array_set_size (out, zs.total_out);
  deflateEnd (&zs);
  return out;
}

static char *
write_bytes (const char *name,
             GByteArray *b)
{
  char *path = write_file (name, b->data, b->len);
  g_byte_array_unref (b);
  return path;
}

/* Asserts that loading `path` fails with `code`, leaving nothing behind. */
static void
assert_idx_fails (const char *path,
                  int         code)
{
  g_autoptr(GError) error = NULL;
  NnArray *a = nn_idx_load (path, &error);
  g_assert_null (a);
  g_assert_error (error, NN_DATA_ERROR, code);
  g_test_message ("%s: %s", path, error->message);
}

static void
assert_idx_bytes_fail (const char *name,
                       GByteArray *b,
                       int         code)
{
  g_autofree char *path = write_bytes (name, b);
  assert_idx_fails (path, code);
}

/* Image IDX of n images h×w with pixel (i, y, x) = (i * 31 + y * 7 + x) & 255. */
static GByteArray *
make_images (guint32 n,
             guint32 h,
             guint32 w)
{
  g_autofree guint8 *px = g_new (guint8, n * h * w);
  for (guint32 i = 0; i < n; i++)
    for (guint32 y = 0; y < h; y++)
      for (guint32 x = 0; x < w; x++)
        px[(i * h + y) * w + x] = (guint8) ((i * 31 + y * 7 + x) & 255);
  guint32 dims[3] = { n, h, w };
  return idx_bytes (0x08, 3, dims, px, n * h * w);
}

static GByteArray *
make_labels (guint32        n,
             const guint8  *labels)
{
  guint32 dims[1] = { n };
  return idx_bytes (0x08, 1, dims, labels, n);
}

static size_t
count_class (const NnDataset *ds,
             int              c)
{
  const gint32 *lab = ds->targets[0]->data;
  size_t k = 0;
  for (size_t i = 0; i < ds->n; i++)
    k += lab[i] == c;
  return k;
}

/* ------------------------------------------------------------------------ */
/* IDX                                                                      */
/* ------------------------------------------------------------------------ */

static void
check_images (NnArray *a,
              guint32  n,
              guint32  h,
              guint32  w)
{
  g_assert_nonnull (a);
  g_assert_cmpint (a->dtype, ==, NN_DTYPE_U8);
  g_assert_cmpuint (a->n, ==, n);
  g_assert_cmpint (a->ndim, ==, 3);
  g_assert_cmpint (a->shape[0], ==, h);
  g_assert_cmpint (a->shape[1], ==, w);
  g_assert_cmpint (a->shape[2], ==, 1);
  g_assert_cmpuint (a->sample_size, ==, h * w);
  const guint8 *d = a->data;
  for (guint32 i = 0; i < n; i++)
    for (guint32 y = 0; y < h; y++)
      for (guint32 x = 0; x < w; x++)
        g_assert_cmpuint (d[(i * h + y) * w + x], ==, (i * 31 + y * 7 + x) & 255);
}

static void
test_idx_plain_gzip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = write_bytes ("img-plain", make_images (5, 4, 3));
  g_autoptr(NnArray) a = nn_idx_load (plain, &error);
  g_assert_no_error (error);
  check_images (a, 5, 4, 3);

  /* Gzip is found by its magic: the name has no .gz. */
  GByteArray *raw = make_images (5, 4, 3);
  g_autofree char *gz = write_bytes ("img-gzip", gzip_bytes (raw->data, raw->len));
  g_byte_array_unref (raw);
  g_autoptr(NnArray) b = nn_idx_load (gz, &error);
  g_assert_no_error (error);
  check_images (b, 5, 4, 3);
  g_assert_cmpmem (a->data, a->n * a->sample_size, b->data, b->n * b->sample_size);

  /* A larger gzip file exercises the growing buffer (several MB). */
  GByteArray *big = make_images (9000, 28, 28);
  g_autofree char *bigp = write_bytes ("img-big.gz", gzip_bytes (big->data, big->len));
  g_byte_array_unref (big);
  g_autoptr(NnArray) c = nn_idx_load (bigp, &error);
  g_assert_no_error (error);
  check_images (c, 9000, 28, 28);

  /* Two gzip members back to back are still one valid gzip file. */
  GByteArray *whole = make_images (4, 2, 2);
  GByteArray *m1 = gzip_bytes (whole->data, 10);
  GByteArray *m2 = gzip_bytes (whole->data + 10, whole->len - 10);
  g_byte_array_append (m1, m2->data, m2->len);
  g_byte_array_unref (m2);
  g_byte_array_unref (whole);
  g_autofree char *multi = write_bytes ("img-multi.gz", m1);
  g_autoptr(NnArray) d = nn_idx_load (multi, &error);
  g_assert_no_error (error);
  check_images (d, 4, 2, 2);
}

static void
test_idx_labels_float (void)
{
  g_autoptr(GError) error = NULL;
  guint8 lab[6] = { 9, 0, 0, 3, 255, 1 };
  g_autofree char *lp = write_bytes ("labels", make_labels (6, lab));
  g_autoptr(NnArray) l = nn_idx_load (lp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (l->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (l->ndim, ==, 0);
  g_assert_cmpuint (l->sample_size, ==, 1);
  g_assert_cmpuint (l->n, ==, 6);
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (((gint32 *) l->data)[i], ==, lab[i]);

  /* float32, big-endian in the file, host order in memory; (n, 3) keeps
   * its shape (no channel axis for 2-D). */
  float vals[6] = { 1.5f, -2.25f, 0.f, 1e-3f, 3e7f, -0.f };
  guint32 be[6];
  for (int i = 0; i < 6; i++)
    {
      guint32 u;
      memcpy (&u, &vals[i], 4);
      be[i] = GUINT32_TO_BE (u);
    }
  guint32 dims[2] = { 2, 3 };
  g_autofree char *fp = write_bytes ("floats", idx_bytes (0x0D, 2, dims, be, sizeof be));
  g_autoptr(NnArray) f = nn_idx_load (fp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (f->ndim, ==, 1);
  g_assert_cmpint (f->shape[0], ==, 3);
  g_assert_cmpuint (f->n, ==, 2);
  g_assert_cmpmem (f->data, sizeof vals, vals, sizeof vals);

  /* 4-D (n, H, W, C) stays as it is. */
  guint8 px[2 * 2 * 2 * 3] = { 0 };
  guint32 d4[4] = { 2, 2, 2, 3 };
  g_autofree char *p4 = write_bytes ("rgb", idx_bytes (0x08, 4, d4, px, sizeof px));
  g_autoptr(NnArray) c = nn_idx_load (p4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->ndim, ==, 3);
  g_assert_cmpint (c->shape[2], ==, 3);
  g_assert_cmpuint (c->sample_size, ==, 12);
}

static void
test_idx_malformed (void)
{
  guint32 dims[3] = { 2, 2, 2 };
  guint8 px[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  GByteArray *b;

  /* Missing file and empty file. */
  g_autofree char *none = g_build_filename (tmpdir, "does-not-exist", NULL);
  assert_idx_fails (none, NN_DATA_ERROR_IO);
  assert_idx_bytes_fail ("empty", g_byte_array_new (), NN_DATA_ERROR_EMPTY);

  /* Header cut short: in the magic, and in the dimensions. */
  b = idx_bytes (0x08, 3, dims, px, 8);
  g_byte_array_set_size (b, 3);
  assert_idx_bytes_fail ("short-magic", b, NN_DATA_ERROR_TRUNCATED);
  b = idx_bytes (0x08, 3, dims, px, 8);
  g_byte_array_set_size (b, 10);
  assert_idx_bytes_fail ("short-dims", b, NN_DATA_ERROR_TRUNCATED);

  /* Data cut short, and extra bytes after it. */
  assert_idx_bytes_fail ("short-data", idx_bytes (0x08, 3, dims, px, 7), NN_DATA_ERROR_TRUNCATED);
  b = idx_bytes (0x08, 3, dims, px, 8);
  g_byte_array_append (b, (const guint8 *) "junk", 4);
  assert_idx_bytes_fail ("trailing", b, NN_DATA_ERROR_SIZE);

  /* Wrong magic: not 00 00, e.g. a PNG or a text file. */
  assert_idx_bytes_fail ("png", g_byte_array_append (g_byte_array_new (),
                                                     (const guint8 *) "\x89PNG\r\n\x1a\n", 8),
                         NN_DATA_ERROR_FORMAT);
  b = idx_bytes (0x08, 3, dims, px, 8);
  b->data[1] = 1;
  assert_idx_bytes_fail ("magic", b, NN_DATA_ERROR_FORMAT);

  /* Types other than uint8/float32, and impossible ranks. */
  assert_idx_bytes_fail ("int32", idx_bytes (0x0C, 3, dims, px, 8), NN_DATA_ERROR_FORMAT);
  assert_idx_bytes_fail ("float64", idx_bytes (0x0E, 3, dims, px, 8), NN_DATA_ERROR_FORMAT);
  assert_idx_bytes_fail ("ndim0", idx_bytes (0x08, 0, dims, px, 8), NN_DATA_ERROR_FORMAT);
  guint32 d5[5] = { 1, 1, 1, 1, 8 };
  assert_idx_bytes_fail ("ndim5", idx_bytes (0x08, 5, d5, px, 8), NN_DATA_ERROR_FORMAT);

  /* A zero dimension. */
  guint32 dz[3] = { 2, 0, 2 };
  assert_idx_bytes_fail ("zero-dim", idx_bytes (0x08, 3, dz, NULL, 0), NN_DATA_ERROR_SIZE);

  /* Huge declared sizes fail at once, before any allocation: plain and
   * gzip, beyond the element limit and within it. */
  gint64 t0 = g_get_monotonic_time ();
  guint32 huge[2] = { 1u << 30, 1u << 30 };
  assert_idx_bytes_fail ("huge", idx_bytes (0x08, 2, huge, px, 8), NN_DATA_ERROR_SIZE);
  guint32 huge4[4] = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
  assert_idx_bytes_fail ("huge4", idx_bytes (0x0D, 4, huge4, px, 8), NN_DATA_ERROR_SIZE);
  b = idx_bytes (0x08, 2, huge, px, 8);
  assert_idx_bytes_fail ("huge.gz", gzip_bytes (b->data, b->len), NN_DATA_ERROR_SIZE);
  g_byte_array_unref (b);
  /* 2^31 - 1 bytes declared in a tiny file. */
  guint32 big[2] = { 0x7fffffffu, 1 };
  assert_idx_bytes_fail ("big-plain", idx_bytes (0x08, 2, big, px, 8), NN_DATA_ERROR_TRUNCATED);
  b = idx_bytes (0x08, 2, big, px, 8);
  assert_idx_bytes_fail ("big.gz", gzip_bytes (b->data, b->len), NN_DATA_ERROR_SIZE);
  g_byte_array_unref (b);
  gint64 elapsed = g_get_monotonic_time () - t0;
  g_test_message ("huge headers rejected in %.1f ms", elapsed / 1000.0);
  g_assert_cmpint (elapsed, <, 500000);

  /* Gzip: cut short, corrupt, with trailing non-gzip bytes, with more
   * decompressed data than declared, and holding nothing. */
  GByteArray *good = idx_bytes (0x08, 3, dims, px, 8);
  b = gzip_bytes (good->data, good->len);
  g_byte_array_set_size (b, b->len - 6);
  assert_idx_bytes_fail ("cut.gz", b, NN_DATA_ERROR_TRUNCATED);
  b = gzip_bytes (good->data, good->len);
  g_byte_array_set_size (b, 12);
  assert_idx_bytes_fail ("cut-early.gz", b, NN_DATA_ERROR_TRUNCATED);
  b = gzip_bytes (good->data, good->len);
  b->data[10] = 0xff;  /* first deflate block: reserved block type */
  assert_idx_bytes_fail ("corrupt.gz", b, NN_DATA_ERROR_FORMAT);
  b = gzip_bytes (good->data, good->len);
  b->data[b->len - 8] ^= 0x55;  /* CRC-32 no longer matches */
  assert_idx_bytes_fail ("crc.gz", b, NN_DATA_ERROR_FORMAT);
  b = gzip_bytes (good->data, good->len);
  g_byte_array_append (b, (const guint8 *) "garbage", 7);
  assert_idx_bytes_fail ("garbage-after.gz", b, NN_DATA_ERROR_SIZE);
  g_byte_array_append (good, (const guint8 *) "extra", 5);
  assert_idx_bytes_fail ("extra-inside.gz", gzip_bytes (good->data, good->len),
                         NN_DATA_ERROR_SIZE);
  g_byte_array_unref (good);
  good = idx_bytes (0x08, 3, dims, px, 7);
  assert_idx_bytes_fail ("short-inside.gz", gzip_bytes (good->data, good->len),
                         NN_DATA_ERROR_TRUNCATED);
  g_byte_array_unref (good);
  assert_idx_bytes_fail ("nothing.gz", gzip_bytes ((const guint8 *) "", 0), NN_DATA_ERROR_EMPTY);
  /* Just the gzip magic. */
  assert_idx_bytes_fail ("magic-only.gz",
                         g_byte_array_append (g_byte_array_new (), (const guint8 *) "\x1f\x8b", 2),
                         NN_DATA_ERROR_TRUNCATED);
}

/* A small IDX folder: 6 training and 3 test images with their labels. */
static char *
make_idx_dir (const char *name,
              gboolean    with_test,
              gboolean    gz)
{
  char *dir = g_build_filename (tmpdir, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  guint8 train_lab[6] = { 9, 5, 7, 5, 0, 7 };
  guint8 test_lab[3] = { 7, 1, 5 };
  struct { const char *file; GByteArray *b; } f[4] = {
    { "train-images-idx3-ubyte", make_images (6, 4, 4) },
    { "train-labels-idx1-ubyte", make_labels (6, train_lab) },
    { "t10k-images-idx3-ubyte", make_images (3, 4, 4) },
    { "t10k-labels-idx1-ubyte", make_labels (3, test_lab) },
  };
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *rel = g_strdup_printf ("%s/%s%s", name, f[i].file, gz ? ".gz" : "");
      if (i >= 2 && !with_test)
        {
          g_byte_array_unref (f[i].b);
          continue;
        }
      GByteArray *out = gz ? gzip_bytes (f[i].b->data, f[i].b->len) : g_byte_array_ref (f[i].b);
      g_byte_array_unref (f[i].b);
      g_free (write_bytes (rel, out));
    }
  return dir;
}

static void
test_idx_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_idx_dir ("idxdir", TRUE, FALSE);

  /* A folder path loads as an IDX set, labels "0".."K-1". */
  g_autoptr(NnDataset) ds = nn_dataset_open (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 9);
  g_assert_cmpuint (ds->n_train, ==, 6);
  g_assert_cmpuint (ds->n_test, ==, 3);
  g_assert_cmpuint (ds->test_idx[0], ==, 6);
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpstr (ds->class_names[9], ==, "9");
  g_assert_cmpstr (ds->spec, ==, dir);

  /* The same files serve as Fashion-MNIST through :dir= and through the
   * environment (gzip this time). */
  g_autofree char *gzdir = make_idx_dir ("idxdir-gz", TRUE, TRUE);
  g_autofree char *spec = g_strdup_printf ("fashion-mnist:dir=%s:classes=5,7", gzdir);
  g_autoptr(NnDataset) f = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->n_classes, ==, 2);
  g_assert_cmpstr (f->class_names[0], ==, "Sandal");
  g_assert_cmpstr (f->class_names[1], ==, "Sneaker");
  /* train 5,7,5,7 then test 7,5: relabelled 0,1,0,1 | 1,0 */
  g_assert_cmpuint (f->n, ==, 6);
  g_assert_cmpuint (f->n_train, ==, 4);
  g_assert_cmpuint (f->n_test, ==, 2);
  const gint32 expect[6] = { 0, 1, 0, 1, 1, 0 };
  g_assert_cmpmem (f->targets[0]->data, sizeof expect, expect, sizeof expect);
  /* Images moved with their labels: sample 0 was training image 1. */
  const guint8 *px = f->inputs[0]->data;
  g_assert_cmpuint (px[0], ==, 31);

  g_setenv ("DEEPSCOPE_FASHION_MNIST_DIR", gzdir, TRUE);
  g_autoptr(NnDataset) e = nn_dataset_open ("fashion-mnist:limit=2", NULL, &error);
  g_unsetenv ("DEEPSCOPE_FASHION_MNIST_DIR");
  g_assert_no_error (error);
  g_assert_cmpuint (e->n_train, ==, 2);
  g_assert_cmpuint (e->n_test, ==, 3);
  g_assert_cmpuint (e->n, ==, 5);
  g_assert_cmpint (((gint32 *) e->targets[0]->data)[1], ==, 5);
  g_assert_cmpint (((gint32 *) e->targets[0]->data)[2], ==, 7);

  /* Without t10k files a plain folder has no test split; Fashion-MNIST
   * insists on them. */
  g_autofree char *trainonly = make_idx_dir ("idxdir-train", FALSE, FALSE);
  g_autoptr(NnDataset) t = nn_dataset_open (trainonly, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n_test, ==, 0);
  g_assert_cmpuint (t->n_train, ==, 6);
  g_autofree char *spec2 = g_strdup_printf ("fashion-mnist:dir=%s", trainonly);
  g_assert_null (nn_dataset_open (spec2, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
  g_clear_error (&error);

  /* Labels and images that disagree in count. */
  g_autofree char *bad = make_idx_dir ("idxdir-bad", TRUE, FALSE);
  guint8 lab[2] = { 1, 2 };
  g_free (write_bytes ("idxdir-bad/t10k-labels-idx1-ubyte", make_labels (2, lab)));
  g_assert_null (nn_dataset_open (bad, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE);
  g_clear_error (&error);

  /* A malformed file inside the folder surfaces its own error. */
  g_free (write_text ("idxdir-bad/t10k-labels-idx1-ubyte", ""));
  g_assert_null (nn_dataset_open (bad, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  /* Labels beyond Fashion-MNIST's 10 classes. */
  guint8 lab10[3] = { 1, 10, 2 };
  g_free (write_bytes ("idxdir-bad/t10k-labels-idx1-ubyte", make_labels (3, lab10)));
  g_autofree char *spec3 = g_strdup_printf ("fashion-mnist:dir=%s", bad);
  g_assert_null (nn_dataset_open (spec3, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);
}

/* ------------------------------------------------------------------------ */
/* Fashion-MNIST                                                            */
/* ------------------------------------------------------------------------ */

static void
test_fashion_mnist (void)
{
  /* The set-up command installs dataset-fashion-mnist; its absence is a
   * broken environment, not a reason to skip. */
  if (!g_file_test (FASHION_DIR "/train-images-idx3-ubyte.gz", G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: install the dataset-fashion-mnist package", FASHION_DIR);

  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(NnDataset) ds = nn_dataset_open ("fashion-mnist", NULL, &error);
  gint64 t1 = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_test_message ("fashion-mnist loaded in %.0f ms", (t1 - t0) / 1000.0);

  g_assert_cmpstr (ds->name, ==, "fashion-mnist");
  g_assert_cmpint (ds->n_inputs, ==, 1);
  g_assert_cmpint (ds->n_targets, ==, 1);
  g_assert_cmpuint (ds->n, ==, 70000);
  g_assert_cmpuint (ds->n_train, ==, 60000);
  g_assert_cmpuint (ds->n_test, ==, 10000);
  g_assert_cmpuint (ds->train_idx[0], ==, 0);
  g_assert_cmpuint (ds->train_idx[59999], ==, 59999);
  g_assert_cmpuint (ds->test_idx[0], ==, 60000);
  g_assert_cmpuint (ds->test_idx[9999], ==, 69999);

  NnArray *x = ds->inputs[0], *y = ds->targets[0];
  g_assert_cmpint (x->dtype, ==, NN_DTYPE_U8);
  g_assert_cmpuint (x->n, ==, 70000);
  g_assert_cmpint (x->ndim, ==, 3);
  g_assert_cmpint (x->shape[0], ==, 28);
  g_assert_cmpint (x->shape[1], ==, 28);
  g_assert_cmpint (x->shape[2], ==, 1);
  g_assert_cmpuint (x->sample_size, ==, 784);
  g_assert_nonnull (x->scale);
  g_assert_cmpfloat_with_epsilon (x->scale[0], 1.f / 255.f, 1e-9);
  g_assert_cmpfloat_with_epsilon (x->scale[783], 1.f / 255.f, 1e-9);
  g_assert_cmpfloat (x->offset[400], ==, 0.f);

  g_assert_cmpint (y->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (y->ndim, ==, 0);
  g_assert_cmpuint (y->sample_size, ==, 1);
  const gint32 *lab = y->data;
  g_assert_cmpint (lab[0], ==, 9);       /* the first training image is an ankle boot */
  g_assert_cmpint (lab[60000], ==, 9);   /* so is the first test image */
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpstr (ds->class_names[0], ==, "T-shirt/top");
  g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
  for (int c = 0; c < 10; c++)
    g_assert_cmpuint (count_class (ds, c), ==, 7000);

  /* A batch of the first image reads in [0, 1] and is not blank. */
  float img[784];
  guint32 first = 0;
  nn_array_gather (x, &first, 1, img);
  float lo = 1, hi = 0;
  for (int i = 0; i < 784; i++)
    lo = MIN (lo, img[i]), hi = MAX (hi, img[i]);
  g_assert_cmpfloat (lo, >=, 0.f);
  g_assert_cmpfloat (hi, <=, 1.f);
  g_assert_cmpfloat (hi, >, 0.5f);

  /* Gathering batches is fast: whole training set, shuffled, by 128. */
  g_autofree guint32 *perm = g_new (guint32, 60000);
  memcpy (perm, ds->train_idx, 60000 * sizeof (guint32));
  NnRng rng;
  nn_rng_seed (&rng, 7);
  nn_rng_shuffle (&rng, perm, 60000);
  g_autofree float *batch = g_new (float, 128 * 784);
  double checksum = 0;
  t0 = g_get_monotonic_time ();
  for (size_t i = 0; i + 128 <= 60000; i += 128)
    {
      nn_array_gather (x, perm + i, 128, batch);
      checksum += batch[i % (128 * 784)];
    }
  t1 = g_get_monotonic_time ();
  g_test_message ("gather: one epoch of uint8 batches in %.1f ms (%.2f GB/s of floats, sum %g)",
                  (t1 - t0) / 1000.0,
                  60000.0 * 784 * 4 / ((t1 - t0) * 1e3), checksum);

  /* Two classes, relabelled 0/1; the test split stays the t10k part. */
  g_autoptr(NnDataset) two = nn_dataset_open ("fashion-mnist:classes=5,7", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (two->n_classes, ==, 2);
  g_assert_cmpstr (two->class_names[0], ==, "Sandal");
  g_assert_cmpstr (two->class_names[1], ==, "Sneaker");
  g_assert_cmpuint (two->n, ==, 14000);
  g_assert_cmpuint (two->n_train, ==, 12000);
  g_assert_cmpuint (two->n_test, ==, 2000);
  g_assert_cmpuint (two->inputs[0]->n, ==, 14000);
  g_assert_cmpuint (count_class (two, 0), ==, 7000);
  g_assert_cmpuint (count_class (two, 1), ==, 7000);
  for (size_t i = 0; i < two->n_test; i++)
    g_assert_cmpuint (two->test_idx[i], >=, 12000);
  /* Each kept image still matches its label: find the first sandal in the
   * full set and compare pixels. */
  size_t k = 0;
  while (lab[k] != 5 && lab[k] != 7)
    k++;
  g_assert_cmpint (((gint32 *) two->targets[0]->data)[0], ==, lab[k] == 5 ? 0 : 1);
  g_assert_cmpmem (two->inputs[0]->data, 784, (guint8 *) x->data + k * 784, 784);

  /* Limit keeps the first training samples only. */
  g_autoptr(NnDataset) lim = nn_dataset_open ("fashion-mnist:limit=1000", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lim->n_train, ==, 1000);
  g_assert_cmpuint (lim->n_test, ==, 10000);
  g_assert_cmpuint (lim->n, ==, 11000);
  g_assert_cmpuint (lim->test_idx[0], ==, 1000);
  g_assert_cmpmem (lim->inputs[0]->data, 1000 * 784, x->data, 1000 * 784);
  g_assert_cmpmem ((guint8 *) lim->inputs[0]->data + 1000 * 784, 784,
                   (guint8 *) x->data + 60000 * 784, 784);

  /* Bad options. */
  g_assert_null (nn_dataset_open ("fashion-mnist:classes=5,12", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("fashion-mnist:classes=5", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("fashion-mnist:classes=5,5", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("fashion-mnist:limit=0", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("fashion-mnist:colour=red", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "classes"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("fashion-mnist:dir=/nonexistent/fm", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "dataset-fashion-mnist"));
  g_clear_error (&error);

  /* Cancelled before it starts: a clean CANCELLED error. */
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (nn_dataset_open ("fashion-mnist", cancel, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED);
}

/* ------------------------------------------------------------------------ */
/* Normalization (fitted on the training split of an IDX folder)           */
/* ------------------------------------------------------------------------ */

static void
test_normalize_train_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_new_regression (100, 4, 0.1, 5, &error);
  g_assert_no_error (error);
  NnArray *x = ds->inputs[0];
  g_assert_cmpuint (ds->n_test, ==, 20);

  nn_dataset_normalize (ds, 0, NN_NORM_MEANSTD);
  g_autofree float *s1 = g_memdup2 (x->scale, 4 * sizeof (float));
  g_autofree float *o1 = g_memdup2 (x->offset, 4 * sizeof (float));

  /* Training features now have mean 0 and standard deviation 1. */
  for (int j = 0; j < 4; j++)
    {
      double s = 0, sq = 0;
      for (size_t i = 0; i < ds->n_train; i++)
        {
          double v = nn_array_get (x, ds->train_idx[i], j);
          s += v, sq += v * v;
        }
      g_assert_cmpfloat_with_epsilon (s / ds->n_train, 0, 1e-5);
      g_assert_cmpfloat_with_epsilon (sq / ds->n_train, 1, 1e-4);
    }

  /* An outlier in the test split changes nothing. */
  float *d = x->data;
  d[ds->test_idx[3] * 4 + 2] = 1e6f;
  nn_dataset_normalize (ds, 0, NN_NORM_MEANSTD);
  g_assert_cmpmem (x->scale, 16, s1, 16);
  g_assert_cmpmem (x->offset, 16, o1, 16);
  g_assert_cmpfloat (nn_array_get (x, ds->test_idx[3], 2), >, 1e5f);

  /* The same outlier in the training split does move it. */
  d[ds->train_idx[3] * 4 + 2] = 1e6f;
  nn_dataset_normalize (ds, 0, NN_NORM_MEANSTD);
  g_assert_cmpfloat (x->scale[2], <, s1[2] / 1000);

  /* min/max: training values span exactly [0, 1]. */
  d[ds->train_idx[3] * 4 + 2] = 0.25f;
  nn_dataset_normalize (ds, 0, NN_NORM_MINMAX);
  for (int j = 0; j < 4; j++)
    {
      float lo = INFINITY, hi = -INFINITY;
      for (size_t i = 0; i < ds->n_train; i++)
        {
          float v = nn_array_get (x, ds->train_idx[i], j);
          lo = MIN (lo, v), hi = MAX (hi, v);
        }
      g_assert_cmpfloat_with_epsilon (lo, 0, 1e-6);
      g_assert_cmpfloat_with_epsilon (hi, 1, 1e-6);
    }

  /* A constant feature: std floored, value 0, no NaN. */
  for (size_t i = 0; i < ds->n; i++)
    d[i * 4 + 1] = 3.f;
  nn_dataset_normalize (ds, 0, NN_NORM_MEANSTD);
  g_assert_true (isfinite (x->scale[1]));
  g_assert_cmpfloat_with_epsilon (x->scale[1], 1e7, 1.0);
  g_assert_cmpfloat_with_epsilon (nn_array_get (x, 0, 1), 0, 1e-3);

  nn_dataset_normalize (ds, 0, NN_NORM_NONE);
  g_assert_null (x->scale);
  g_assert_null (x->offset);
  g_assert_cmpfloat (nn_array_get (x, 0, 1), ==, 3.f);

  /* uint8 images: per-pixel statistics replace the 1/255 scale. */
  g_autofree char *dir = make_idx_dir ("idxdir-norm", TRUE, FALSE);
  g_autoptr(NnDataset) im = nn_dataset_open (dir, NULL, &error);
  g_assert_no_error (error);
  nn_dataset_normalize (im, 0, NN_NORM_MEANSTD);
  double s = 0;
  for (size_t i = 0; i < im->n_train; i++)
    s += nn_array_get (im->inputs[0], im->train_idx[i], 5);
  g_assert_cmpfloat_with_epsilon (s, 0, 1e-4);
}

/* ------------------------------------------------------------------------ */
/* Mutated inputs: whatever the bytes, a dataset or a data error, no crash   */
/* (the sanitizer build checks memory on every path).                       */
/* ------------------------------------------------------------------------ */

static void
mutate (NnRng        *rng,
        GByteArray   *b,
        const char   *alphabet)
{
  switch (nn_rng_below (rng, 3))
    {
    case 0:
      g_byte_array_set_size (b, nn_rng_below (rng, b->len + 1));
      break;
    default:
      for (guint k = 1 + nn_rng_below (rng, 4); k > 0 && b->len > 0; k--)
        {
          guint at = nn_rng_below (rng, b->len);
          b->data[at] = alphabet != NULL ? alphabet[nn_rng_below (rng, strlen (alphabet))]
                                         : (guint8) nn_rng_next (rng);
        }
      break;
    }
}

static void
test_mutated_inputs (void)
{
  NnRng rng;
  nn_rng_seed (&rng, 42);
  g_autofree char *path = g_build_filename (tmpdir, "mutant", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "mutant.csv", NULL);
  g_autofree char *spec = g_strconcat (csv, ":missing=mean", NULL);
  int loaded = 0, failed = 0;

  for (int iter = 0; iter < 600; iter++)
    {
      GByteArray *b = make_images (3, 4, 4);
      if (iter % 2 == 1)
        {
          GByteArray *z = gzip_bytes (b->data, b->len);
          g_byte_array_unref (b);
          b = z;
        }
      mutate (&rng, b, NULL);
      g_autoptr(GError) error = NULL;
      g_remove (path);
      g_file_set_contents_full (path, (const char *) b->data, b->len,
                                G_FILE_SET_CONTENTS_NONE, 0600, &error);
      g_assert_no_error (error);
      g_byte_array_unref (b);
      g_autoptr(NnArray) a = nn_idx_load (path, &error);
      if (a == NULL)
        {
          g_assert_true (error != NULL && error->domain == NN_DATA_ERROR);
          failed++;
          continue;
        }
      g_assert_no_error (error);
      loaded++;
      /* Every sample can be gathered. */
      g_autofree float *out = g_new (float, a->sample_size);
      for (guint32 i = 0; i < a->n; i++)
        nn_array_gather (a, &i, 1, out);
    }

  const char *text = "a,b,\"c d\",y\n1,x,\"p,q\",0\n2,NA,r,1\n3,y,\"s\"\"t\",0\n4,x,r,1\n";
  for (int iter = 0; iter < 600; iter++)
    {
      GByteArray *b = g_byte_array_append (g_byte_array_new (), (const guint8 *) text,
                                           strlen (text));
      mutate (&rng, b, ",\"\n\r?xN1 .");
      g_autoptr(GError) error = NULL;
      g_remove (csv);
      g_file_set_contents_full (csv, (const char *) b->data, b->len,
                                G_FILE_SET_CONTENTS_NONE, 0600, &error);
      g_assert_no_error (error);
      g_byte_array_unref (b);
      g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
      if (ds == NULL)
        {
          g_assert_true (error != NULL && error->domain == NN_DATA_ERROR);
          failed++;
          continue;
        }
      loaded++;
      g_assert_cmpuint (ds->n_train + ds->n_test, ==, ds->n);
      g_assert_cmpuint (ds->inputs[0]->n, ==, ds->n);
      g_assert_cmpuint (ds->targets[0]->n, ==, ds->n);
      g_autofree float *out = g_new (float, ds->inputs[0]->sample_size);
      for (guint32 i = 0; i < ds->n; i++)
        {
          nn_array_gather (ds->inputs[0], &i, 1, out);
          for (size_t j = 0; j < ds->inputs[0]->sample_size; j++)
            g_assert_true (isfinite (out[j]));
        }
    }
  g_test_message ("mutants: %d loaded, %d refused with a data error", loaded, failed);
  g_assert_cmpint (loaded, >, 0);
  g_assert_cmpint (failed, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp ("deepscope-data-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/data/idx/plain-gzip", test_idx_plain_gzip);
  g_test_add_func ("/engine/data/idx/labels-float", test_idx_labels_float);
  g_test_add_func ("/engine/data/idx/malformed", test_idx_malformed);
  g_test_add_func ("/engine/data/idx/dir", test_idx_dir);
  g_test_add_func ("/engine/data/fashion-mnist", test_fashion_mnist);
  g_test_add_func ("/engine/data/normalize", test_normalize_train_only);
  g_test_add_func ("/engine/data/mutated", test_mutated_inputs);

  int ret = g_test_run ();
  test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
