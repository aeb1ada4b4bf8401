/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Datasets: IDX (plain, gzip, malformed), Fashion-MNIST, CSV, generated
 * sets, normalization, one-hot and per-batch gathering. Test files are
 * written into a fresh temporary directory. */
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
/* CSV                                                                      */
/* ------------------------------------------------------------------------ */

static NnDataset *
csv_open (const char   *name,
          const char   *text,
          const char   *options,
          GError      **error)
{
  g_autofree char *path = write_text (name, text);
  g_autofree char *spec = g_strconcat (path, options, NULL);
  return nn_dataset_open (spec, NULL, error);
}

static float
raw_f32 (const NnArray *a,
         size_t         i,
         size_t         j)
{
  g_assert_cmpint (a->dtype, ==, NN_DTYPE_F32);
  return ((const float *) a->data)[i * a->sample_size + j];
}

static void
test_csv_numeric (void)
{
  g_autoptr(GError) error = NULL;
  /* 10 rows: integer target with 2 values → classification. */
  const char *text =
    "x1,x2,label\n"
    "1,10,0\n2,20,1\n3,30,0\n4,40,1\n5,50,0\n"
    "6,60,1\n7,70,0\n8,80,1\n9,90,0\n1000,100,1\n";
  g_autoptr(NnDataset) ds = csv_open ("num.csv", text, "", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "num.csv");
  g_assert_cmpuint (ds->n, ==, 10);
  g_assert_cmpuint (ds->n_train, ==, 8);
  g_assert_cmpuint (ds->n_test, ==, 2);
  g_assert_cmpuint (ds->test_idx[0], ==, 8);
  NnArray *x = ds->inputs[0], *y = ds->targets[0];
  g_assert_cmpint (x->ndim, ==, 1);
  g_assert_cmpint (x->shape[0], ==, 2);
  g_assert_cmpstr (x->feature_names[0], ==, "x1");
  g_assert_cmpstr (x->feature_names[1], ==, "x2");
  g_assert_cmpfloat (raw_f32 (x, 9, 0), ==, 1000.f);
  g_assert_cmpfloat (raw_f32 (x, 2, 1), ==, 30.f);
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[1], ==, "1");
  g_assert_cmpint (((gint32 *) y->data)[3], ==, 1);

  /* Normalized from the 8 training rows: x1 has mean 4.5 there; the
   * 1000 in the test rows does not count. */
  g_assert_cmpfloat_with_epsilon (x->offset[0] / x->scale[0], -4.5, 1e-4);
  double sum = 0, sq = 0;
  for (size_t i = 0; i < ds->n_train; i++)
    {
      double v = nn_array_get (x, ds->train_idx[i], 0);
      sum += v, sq += v * v;
    }
  g_assert_cmpfloat_with_epsilon (sum / 8, 0, 1e-5);
  g_assert_cmpfloat_with_epsilon (sq / 8, 1, 1e-4);

  /* Float target → regression; task= and target= override the guess. */
  const char *reg = "a,b,price\n1,2,3.5\n2,3,4.25\n3,4,1.0\n4,5,2.0\n5,6,7.5\n";
  g_autoptr(NnDataset) r = csv_open ("reg.csv", reg, ":norm=none", &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->n_classes, ==, 0);
  g_assert_null (r->class_names);
  g_assert_cmpint (r->targets[0]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (r->targets[0]->shape[0], ==, 1);
  g_assert_cmpfloat (raw_f32 (r->targets[0], 1, 0), ==, 4.25f);
  g_assert_null (r->inputs[0]->scale);
  g_assert_cmpuint (r->n_test, ==, 1);

  g_autoptr(NnDataset) r2 = csv_open ("reg2.csv", reg, ":target=a:task=regress:test=0.4",
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpint (r2->targets[0]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpstr (r2->targets[0]->name, ==, "a");
  g_assert_cmpstr (r2->inputs[0]->feature_names[1], ==, "price");
  g_assert_cmpuint (r2->n_test, ==, 2);

  g_autoptr(NnDataset) c = csv_open ("cls.csv", reg, ":target=a:task=classify:test=0", &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->n_classes, ==, 5);
  g_assert_cmpuint (c->n_test, ==, 0);
  g_assert_cmpuint (c->n_train, ==, 5);

  /* Many distinct integers: regression. */
  GString *many = g_string_new ("x,y\n");
  for (int i = 0; i < 30; i++)
    g_string_append_printf (many, "%d,%d\n", i, i * 3);
  g_autoptr(NnDataset) m = csv_open ("many.csv", many->str, "", &error);
  g_string_free (many, TRUE);
  g_assert_no_error (error);
  g_assert_cmpint (m->n_classes, ==, 0);

  /* Min/max normalization on request. */
  g_autoptr(NnDataset) mm = csv_open ("mm.csv", text, ":norm=minmax", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (nn_array_get (mm->inputs[0], 0, 0), 0.f, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_array_get (mm->inputs[0], 7, 0), 1.f, 1e-6);
  g_assert_cmpfloat (nn_array_get (mm->inputs[0], 9, 0), >, 100.f);

  /* normalize is the one name for it, as for every dataset (norm, its
   * older name, still reads); given once, it replaces the CSV default
   * rather than normalizing a second time. */
  g_autoptr(NnDataset) mm2 = csv_open ("mm2.csv", text, ":normalize=minmax", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (mm2->inputs[0]->data, mm2->n * mm2->inputs[0]->sample_size * sizeof (float),
                   mm->inputs[0]->data, mm->n * mm->inputs[0]->sample_size * sizeof (float));
  g_autoptr(NnDataset) raw = csv_open ("raw.csv", text, ":normalize=none", &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) dflt = csv_open ("dflt.csv", text, "", &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) ms = csv_open ("ms.csv", text, ":normalize=meanstd", &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < raw->n; i++)
    {
      /* the default is mean/std, and none leaves the file's numbers */
      g_assert_cmpfloat (nn_array_get (ms->inputs[0], i, 0), ==, nn_array_get (dflt->inputs[0], i, 0));
      g_assert_cmpfloat (nn_array_get (raw->inputs[0], i, 0), !=, nn_array_get (dflt->inputs[0], i, 0));
    }
  g_assert_null (csv_open ("both.csv", text, ":normalize=none:norm=minmax", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "give normalize once"));
  g_clear_error (&error);
  /* An unknown option's message lists normalize once and not the old name. */
  g_assert_null (csv_open ("bad.csv", text, ":nrm=none", &error));
  g_assert_nonnull (strstr (error->message, "accepted: target, missing, task, test, normalize"));
  g_clear_error (&error);
}

static void
test_csv_categorical_quoted (void)
{
  g_autoptr(GError) error = NULL;
  /* Quoted fields with commas, "" escapes and a line break; CRLF; spaces
   * around unquoted fields; blank lines at the end. */
  const char *text =
    "size, color ,\"name, full\",species\r\n"
    "1.5,red,\"a,b\",cat\r\n"
    "2.5, blue ,\"say \"\"hi\"\"\",dog\r\n"
    "3.5,red,\"two\nlines\",cat\r\n"
    "4.5,green,plain,bird\r\n"
    "5.5,blue,plain,dog\r\n"
    "\r\n\r\n";
  g_autoptr(NnDataset) ds = csv_open ("cat.csv", text, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 5);
  NnArray *x = ds->inputs[0];
  /* size + 3 colors + 4 names */
  g_assert_cmpint (x->shape[0], ==, 8);
  const char *names[8] = {
    "size", "color=blue", "color=green", "color=red",
    "name, full=a,b", "name, full=plain", "name, full=say \"hi\"", "name, full=two\nlines",
  };
  for (int j = 0; j < 8; j++)
    g_assert_cmpstr (x->feature_names[j], ==, names[j]);
  /* Row 1 (line 3): blue, say "hi". */
  const float row1[8] = { 2.5f, 1, 0, 0, 0, 0, 1, 0 };
  for (int j = 0; j < 8; j++)
    g_assert_cmpfloat (raw_f32 (x, 1, j), ==, row1[j]);
  /* Indicators are not rescaled; the numeric column is. */
  for (int j = 1; j < 8; j++)
    {
      g_assert_cmpfloat (x->scale[j], ==, 1.f);
      g_assert_cmpfloat (x->offset[j], ==, 0.f);
    }
  g_assert_cmpfloat (x->scale[0], !=, 1.f);

  /* Categorical target: classes are the sorted values. */
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[0], ==, "bird");
  g_assert_cmpstr (ds->class_names[1], ==, "cat");
  g_assert_cmpstr (ds->class_names[2], ==, "dog");
  const gint32 expect[5] = { 1, 2, 1, 0, 2 };
  g_assert_cmpmem (ds->targets[0]->data, sizeof expect, expect, sizeof expect);

  /* The same table with LF line ends loads the same. */
  g_autofree char *lf = g_strdup (text);
  char *w = lf;
  for (const char *p = text; *p; p++)
    if (*p != '\r')
      *w++ = *p;
  *w = '\0';
  g_autoptr(NnDataset) ds2 = csv_open ("cat-lf.csv", lf, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds2->n, ==, 5);
  g_assert_cmpmem (ds->inputs[0]->data, 5 * 8 * 4, ds2->inputs[0]->data, 5 * 8 * 4);

  /* A non-numeric target cannot be regressed. */
  g_assert_null (csv_open ("cat2.csv", text, ":task=regress", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);

  /* A quote that never closes names the line where it opened. */
  g_assert_null (csv_open ("open.csv", "a,b\n1,2\n3,\"oops\n4,5\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_clear_error (&error);
}

static void
test_csv_missing (void)
{
  g_autoptr(GError) error = NULL;
  /* Line numbers: header 1; data rows on lines 2..11 (10 rows, last 2 are
   * the test split once nothing is dropped). Missing: line 4 col a (""),
   * line 6 col b (NA), line 7 target (?), line 8 col a (NaN) */
  const char *text =
    "a,b,y\n"
    "1,1,0.5\n"
    "3,2,1.5\n"
    ",3,2.5\n"
    "5,4,3.5\n"
    "7,NA,4.5\n"
    "9,6,?\n"
    "NaN,7,6.5\n"
    "11,8,7.5\n"
    "13,9,8.5\n"
    "15,10,9.5\n";
  int n_missing = -1;
  g_autofree char *path = write_text ("missing.csv", text);

  NnCsvOptions opt = { .target = "y", .missing = NN_MISSING_ERROR, .classify = FALSE };
  g_assert_null (nn_csv_load (path, &opt, &n_missing, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "line 4"));
  g_assert_nonnull (strstr (error->message, "“a”"));
  g_clear_error (&error);

  /* drop: 4 rows go, 6 remain (5 train, 1 test). */
  opt.missing = NN_MISSING_DROP;
  g_autoptr(NnDataset) d = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (d->n, ==, 6);
  g_assert_cmpuint (d->n_test, ==, 1);
  const float ya[6] = { 0.5f, 1.5f, 3.5f, 7.5f, 8.5f, 9.5f };
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (raw_f32 (d->targets[0], i, 0), ==, ya[i]);

  /* mean: the row without a target goes (9 rows: 7 train, 2 test); feature
   * gaps get the training mean of their column. Training rows of a:
   * 1, 3, -, 5, 7, -, 11 → mean 27/5; of b: 1, 2, 3, 4, -, 7, 8 → 25/6. */
  n_missing = -1;
  opt.missing = NN_MISSING_MEAN;
  g_autoptr(NnDataset) m = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (m->n, ==, 9);
  g_assert_cmpuint (m->n_train, ==, 7);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 2, 0), 27.0 / 5, 1e-5);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 5, 0), 27.0 / 5, 1e-5);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 4, 1), 25.0 / 6, 1e-5);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 8, 0), ==, 15.f);

  /* zero */
  opt.missing = NN_MISSING_ZERO;
  g_autoptr(NnDataset) z = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (z->n, ==, 9);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 2, 0), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 4, 1), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 3, 1), ==, 4.f);

  /* The spec form, and a categorical column with a gap: mean takes the
   * most common training value, zero leaves all indicators at 0. */
  const char *cat = "c,y\nred,1.5\nblue,2.5\nred,3.5\n,4.5\nblue,5.5\n";
  g_autoptr(NnDataset) cm = csv_open ("catmiss.csv", cat, ":missing=mean:norm=none", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (raw_f32 (cm->inputs[0], 3, 0), ==, 0.f);  /* c=blue */
  g_assert_cmpfloat (raw_f32 (cm->inputs[0], 3, 1), ==, 1.f);  /* c=red */
  g_autoptr(NnDataset) cz = csv_open ("catmiss2.csv", cat, ":missing=zero", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (raw_f32 (cz->inputs[0], 3, 0), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (cz->inputs[0], 3, 1), ==, 0.f);
  g_assert_null (csv_open ("catmiss3.csv", cat, "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "line 5"));
  g_clear_error (&error);

  /* Every row has a gap: nothing left. */
  g_assert_null (csv_open ("allgone.csv", "a,y\n1,\n,2\nNA,3\n", ":missing=drop", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "lines 2 to 4"));
  g_clear_error (&error);
}

static void
test_csv_errors (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (csv_open ("empty.csv", "", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (csv_open ("blank.csv", "\n\r\n  \n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (csv_open ("header.csv", "a,b,c\n\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "no data rows"));
  g_clear_error (&error);

  /* Ragged row: line 4 (a quoted line break on line 2 counts). */
  g_assert_null (csv_open ("ragged.csv", "a,b,c\n\"x\ny\",2,3\n4,5,6,7\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 4"));
  g_clear_error (&error);
  g_assert_null (csv_open ("short.csv", "a,b,c\n1,2,3\n1,2\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_clear_error (&error);

  g_assert_null (csv_open ("target.csv", "a,b,c\n1,2,3\n", ":target=price", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "a, b, c"));
  g_clear_error (&error);

  g_assert_null (csv_open ("one.csv", "a\n1\n2\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);

  g_assert_null (csv_open ("opt.csv", "a,b\n1,2\n", ":separator=;", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);

  g_assert_null (csv_open ("opt2.csv", "a,b\n1,2\n", ":missing=guess", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);

  g_autofree char *none = g_build_filename (tmpdir, "absent.csv", NULL);
  g_assert_null (nn_dataset_open (none, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
  g_clear_error (&error);

  /* The public loader with NULL options: last column, task guessed. */
  g_autofree char *path = write_text ("nullopt.csv", "a,b\n1,x\n2,y\n3,x\n");
  g_autoptr(NnDataset) ds = nn_csv_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 2);

  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (nn_dataset_open (path, cancel, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED);
}

/* The note of ds that holds `needle`, or NULL. */
static const char *
find_note (const NnDataset *ds,
           const char      *needle)
{
  const char *const *notes = nn_dataset_get_notes (ds);
  g_assert_nonnull (notes);
  for (int i = 0; notes[i] != NULL; i++)
    if (strstr (notes[i], needle) != NULL)
      return notes[i];
  return NULL;
}

/* inf, -Infinity and -nan in a numeric column are missing values, handled
 * by the missing= policy; the column stays one numeric feature. In a column
 * of words "inf" is just another category. */
static void
test_csv_non_finite (void)
{
  g_autoptr(GError) error = NULL;
  const char *text =
    "a,b,y\n"
    "1,red,0.5\n"
    "inf,blue,1.5\n"
    "3,red,-Infinity\n"
    "-INF,inf,2.5\n"
    "5,blue,-nan\n"
    "7,red,3.5\n"
    "9,blue,4.5\n";
  g_autofree char *path = write_text ("nonfinite.csv", text);
  int n_missing = -1;

  NnCsvOptions opt = { .target = "y", .missing = NN_MISSING_ERROR, .classify = FALSE };
  g_assert_null (nn_csv_load (path, &opt, &n_missing, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column “a”"));
  g_assert_nonnull (strstr (error->message, "“inf” is not a finite number"));
  g_assert_nonnull (strstr (error->message, "missing=drop"));
  g_clear_error (&error);

  /* drop: lines 3 to 6 go; a is one numeric feature, b two categories. */
  opt.missing = NN_MISSING_DROP;
  g_autoptr(NnDataset) d = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (d->n, ==, 3);
  g_assert_cmpint (d->n_classes, ==, 0);
  g_assert_cmpuint (d->inputs[0]->sample_size, ==, 3);
  g_assert_cmpstr (d->inputs[0]->feature_names[0], ==, "a");
  const float da[3] = { 1.f, 7.f, 9.f }, dy[3] = { 0.5f, 3.5f, 4.5f };
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (raw_f32 (d->inputs[0], i, 0), ==, da[i]);
      g_assert_cmpfloat (raw_f32 (d->targets[0], i, 0), ==, dy[i]);
    }

  /* mean: rows without a target go (lines 4 and 6); a's gaps on lines 3
   * and 5 get the mean of its training rows (1, -, -, 7: 4); b keeps
   * "inf" as a category. */
  opt.missing = NN_MISSING_MEAN;
  g_autoptr(NnDataset) m = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (m->n, ==, 5);
  g_assert_cmpuint (m->n_train, ==, 4);
  g_assert_cmpuint (m->inputs[0]->sample_size, ==, 4);
  g_assert_cmpstr (m->inputs[0]->feature_names[0], ==, "a");
  g_assert_cmpstr (m->inputs[0]->feature_names[2], ==, "b=inf");
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 1, 0), ==, 4.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 2, 0), ==, 4.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 2, 2), ==, 1.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 4, 0), ==, 9.f);
  for (size_t i = 0; i < m->n * m->inputs[0]->sample_size; i++)
    g_assert_true (isfinite (((const float *) m->inputs[0]->data)[i]));
  /* The notes name the non-finite cells of each numeric column. */
  const char *note = find_note (m, "column “a”: 2 cells not finite "
                                   "(line 3: “inf”; line 5: “-INF”)");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "missing=mean"));
  g_assert_nonnull (find_note (m, "column “y”: 2 cells not finite (line 4: “-Infinity”; "
                                  "line 6: “-nan”), treated as missing; their rows are left out"));
  g_assert_nonnull (find_note (m, "column “b” treated as categorical"));

  /* The spec form with zero. */
  g_autoptr(NnDataset) z = csv_open ("nonfinite2.csv", text, ":target=y:missing=zero:task=regress",
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (z->n, ==, 5);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 1, 0), ==, 0.f);
}

/* One word among the numbers of a column (11 of 12 cells are numbers): the
 * column stays one numeric feature and the word is an invalid cell handled
 * like a missing value, refused by missing=error with its line, column and
 * text. Before, the column became 12 categories. */
static void
test_csv_bad_cell (void)
{
  g_autoptr(GError) error = NULL;
  /* Data rows on lines 2..13; "abc" on line 5. 12 rows: 10 train, 2 test. */
  const char *text =
    "weight,y\n"
    "1,0.5\n2,1.5\n3,2.5\nabc,3.5\n5,4.5\n6,5.5\n"
    "7,6.5\n8,7.5\n9,8.5\n10,9.5\n11,10.5\n12,11.5\n";

  g_assert_null (csv_open ("badcell.csv", text, "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 5, column “weight”"));
  g_assert_nonnull (strstr (error->message, "“abc” is not a number"));
  g_assert_nonnull (strstr (error->message, "missing=drop"));
  g_clear_error (&error);

  /* mean: one feature, the gap filled with the mean of the training rows
   * (1, 2, 3, 5, .., 10: 51 / 9). */
  g_autoptr(NnDataset) m = csv_open ("badcell-mean.csv", text, ":missing=mean:norm=none",
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->n, ==, 12);
  g_assert_cmpint (m->inputs[0]->shape[0], ==, 1);
  g_assert_cmpstr (m->inputs[0]->feature_names[0], ==, "weight");
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 3, 0), 51.0 / 9, 1e-5);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 4, 0), ==, 5.f);
  const char *note = find_note (m, "column “weight”");
  g_assert_nonnull (note);
  g_test_message ("%s", note);
  g_assert_nonnull (strstr (note, "1 cell not a number (line 5: “abc”), treated as missing"));
  g_assert_nonnull (strstr (note, "missing=mean"));

  /* drop: the row goes. */
  g_autoptr(NnDataset) d = csv_open ("badcell-drop.csv", text, ":missing=drop", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->n, ==, 11);
  g_assert_cmpint (d->inputs[0]->shape[0], ==, 1);
  note = find_note (d, "column “weight”");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "missing=drop"));

  /* A word in a numeric target: its row goes, under every policy but
   * error, like a missing target. */
  const char *target =
    "x,y\n"
    "1,0.5\n2,1.5\n3,2.5\n4,n/a\n5,4.5\n6,5.5\n"
    "7,6.5\n8,7.5\n9,8.5\n10,9.5\n11,10.5\n12,11.5\n";
  g_autoptr(NnDataset) t = csv_open ("badtarget.csv", target, ":missing=zero", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n, ==, 11);
  g_assert_cmpint (t->n_classes, ==, 0);
  g_assert_cmpfloat (raw_f32 (t->targets[0], 3, 0), ==, 4.5f);
  note = find_note (t, "column “y”");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "line 5: “n/a”"));
}

/* The rule's edge: a column is numeric when at least 90 % of its filled
 * cells are numbers. 9 numbers and a word: numeric; 8 and a word:
 * categorical, and the notes say which columns are categorical and why. */
static void
test_csv_numeric_threshold (void)
{
  g_autoptr(GError) error = NULL;
  /* a: 9 of 10 numbers (90 %); b: 8 of 9 filled (89 %), one empty; city:
   * words. Data rows on lines 2..11. */
  const char *text =
    "a,b,city,y\n"
    "1,1,paris,0.5\n2,2,rome,1.5\n3,x,oslo,2.5\n4,4,paris,3.5\nw,5,rome,4.5\n"
    "6,6,oslo,5.5\n7,7,paris,6.5\n8,8,rome,7.5\n9,,oslo,8.5\n10,10,paris,9.5\n";
  g_autoptr(NnDataset) ds = csv_open ("edge.csv", text, ":missing=zero:norm=none", &error);
  g_assert_no_error (error);
  NnArray *x = ds->inputs[0];
  /* a (1) + b's 9 distinct values (1, 10, 2, 4, .., 8, x) + 3 cities */
  g_assert_cmpint (x->shape[0], ==, 1 + 9 + 3);
  g_assert_cmpstr (x->feature_names[0], ==, "a");
  g_assert_cmpstr (x->feature_names[1], ==, "b=1");
  g_assert_cmpstr (x->feature_names[10], ==, "city=oslo");
  g_assert_cmpfloat (raw_f32 (x, 4, 0), ==, 0.f);   /* "w" under missing=zero */

  const char *na = find_note (ds, "column “a”");
  g_assert_nonnull (na);
  g_test_message ("%s", na);
  g_assert_nonnull (strstr (na, "1 cell not a number (line 6: “w”)"));
  const char *nb = find_note (ds, "column “b” treated as categorical");
  g_assert_nonnull (nb);
  g_test_message ("%s", nb);
  g_assert_nonnull (strstr (nb, "9 distinct values"));
  g_assert_nonnull (strstr (nb, "8 of its 9 filled cells are numbers"));
  g_assert_nonnull (strstr (nb, "90 %"));
  g_assert_nonnull (strstr (nb, "line 4: “x”"));
  const char *nc = find_note (ds, "column “city” treated as categorical");
  g_assert_nonnull (nc);
  g_test_message ("%s", nc);
  g_assert_nonnull (strstr (nc, "3 distinct values"));
  g_assert_nonnull (strstr (nc, "no cell is a number"));
  /* a numeric column with nothing wrong has no note */
  g_autoptr(NnDataset) clean = csv_open ("clean.csv", "p,q\n1,2\n3,4\n5,6\n", "", &error);
  g_assert_no_error (error);
  g_assert_null (find_note (clean, "column “p”"));
  /* the target's task is told */
  g_assert_nonnull (find_note (clean, "target “q”"));

  /* Datasets that are not tables have nothing to say. */
  g_autoptr(NnDataset) toy = nn_dataset_open ("moons:n=20", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (nn_dataset_get_notes (toy));
  g_assert_null (nn_dataset_get_notes (toy)[0]);
}

/* Fields and lines have a length limit (1 MiB, 16 MiB): a field one byte
 * longer stops the load with its line and column. */
#define TEST_CSV_MAX_FIELD ((size_t) 1 << 20)

static void
test_csv_long_fields (void)
{
  g_autoptr(GError) error = NULL;
  GString *s = g_string_new ("a,y\nshort,1\n");

  /* Exactly the limit loads. */
  g_string_append_c (s, '"');
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD - 1; k++)
    g_string_append_c (s, k % 1000 == 999 ? '\n' : 'x');
  g_string_append (s, "\"\"\",2\n");     /* with one quote: 1 MiB of text */
  g_autofree char *at = write_file ("field-at-limit.csv", s->str, s->len);
  g_autoptr(NnDataset) ok = nn_dataset_open (at, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->n, ==, 2);

  /* One byte more, quoted: the error names the line the field starts on. */
  g_string_truncate (s, strlen ("a,y\nshort,1\n"));
  g_string_append (s, "\"\"\"");
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD; k++)
    g_string_append_c (s, k % 1000 == 999 ? '\n' : 'x');
  g_string_append (s, "\",2\n");
  g_autofree char *quoted = write_file ("field-quoted.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (quoted, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column 1"));
  g_assert_nonnull (strstr (error->message, "1 MiB"));
  g_clear_error (&error);

  /* One byte more, unquoted, in the second column. */
  g_string_assign (s, "a,y\n1,2\n3,");
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD + 1; k++)
    g_string_append_c (s, '7');
  g_string_append (s, "\n");
  g_autofree char *plain = write_file ("field-plain.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (plain, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column 2"));
  g_assert_nonnull (strstr (error->message, "1 MiB"));
  g_clear_error (&error);

  /* Seventeen fields of 1 MiB: the line is too long. */
  g_string_assign (s, "a,y\n1,2\n");
  for (int f = 0; f < 17; f++)
    {
      for (size_t k = 0; k < TEST_CSV_MAX_FIELD; k++)
        g_string_append_c (s, 'z');
      g_string_append_c (s, ',');
    }
  g_string_append (s, "3\n");
  g_autofree char *line = write_file ("line-long.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (line, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3:"));
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  g_clear_error (&error);

  g_string_free (s, TRUE);
  g_remove (at);
  g_remove (quoted);
  g_remove (plain);
  g_remove (line);
}

/* ------------------------------------------------------------------------ */
/* Generated sets                                                           */
/* ------------------------------------------------------------------------ */

static void
test_toy (void)
{
  static const struct { const char *spec; int k; } cases[] = {
    { "spirals", 2 }, { "spirals:classes=3", 3 }, { "moons", 2 }, { "circles", 2 },
    { "circles:classes=3", 3 }, { "xor", 2 }, { "blobs", 3 }, { "blobs:classes=5:n=500", 5 },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);
      g_assert_no_error (error);
      size_t n = strstr (cases[c].spec, "n=500") ? 500 : 1000;
      g_assert_cmpuint (ds->n, ==, n);
      g_assert_cmpuint (ds->n_test, ==, n / 5);
      g_assert_cmpuint (ds->n_train, ==, n - n / 5);
      for (size_t i = 1; i < ds->n_test; i++)
        g_assert_cmpuint (ds->test_idx[i], >, ds->test_idx[i - 1]);
      g_assert_cmpuint (ds->test_idx[0], ==, n - n / 5);
      g_assert_cmpint (ds->n_classes, ==, cases[c].k);
      NnArray *x = ds->inputs[0], *y = ds->targets[0];
      g_assert_cmpint (x->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (x->ndim, ==, 1);
      g_assert_cmpint (x->shape[0], ==, 2);
      g_assert_cmpint (y->dtype, ==, NN_DTYPE_I32);
      g_assert_cmpint (y->ndim, ==, 0);

      /* Balanced classes overall, and each class in the test split. */
      for (int k = 0; k < cases[c].k; k++)
        {
          size_t cnt = count_class (ds, k), in_test = 0;
          g_assert_cmpuint (cnt, >=, n / cases[c].k);
          g_assert_cmpuint (cnt, <=, n / cases[c].k + 1);
          for (size_t i = 0; i < ds->n_test; i++)
            in_test += ((gint32 *) y->data)[ds->test_idx[i]] == k;
          g_assert_cmpuint (in_test, >, 0);
        }
      const float *p = x->data;
      for (size_t i = 0; i < 2 * n; i++)
        g_assert_cmpfloat (fabsf (p[i]), <, 1.6f);

      /* Same seed, same data; another seed, other data. */
      g_autofree char *same = g_strdup_printf ("%s:seed=1", cases[c].spec);
      g_autofree char *other = g_strdup_printf ("%s:seed=2", cases[c].spec);
      g_autoptr(NnDataset) a = nn_dataset_open (same, NULL, &error);
      g_assert_no_error (error);
      g_autoptr(NnDataset) b = nn_dataset_open (other, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (a->inputs[0]->data, n * 8, ds->inputs[0]->data, n * 8);
      g_assert_cmpmem (a->targets[0]->data, n * 4, ds->targets[0]->data, n * 4);
      g_assert_true (memcmp (b->inputs[0]->data, ds->inputs[0]->data, n * 8) != 0);
    }
}

static void
test_toy_shapes_of_classes (void)
{
  g_autoptr(GError) error = NULL;

  /* circles: class 0 is the outer ring. */
  g_autoptr(NnDataset) c = nn_dataset_new_toy (NN_TOY_CIRCLES, 1000, 0.05, 2, 3, &error);
  g_assert_no_error (error);
  double r[2] = { 0, 0 };
  for (size_t i = 0; i < c->n; i++)
    {
      const float *p = (const float *) c->inputs[0]->data + 2 * i;
      r[((gint32 *) c->targets[0]->data)[i]] += hypot (p[0], p[1]) / 500;
    }
  g_assert_cmpfloat_with_epsilon (r[0], 1.0, 0.05);
  g_assert_cmpfloat_with_epsilon (r[1], 0.5, 0.05);

  /* xor without noise: class 1 exactly where the signs differ. */
  g_autoptr(NnDataset) x = nn_dataset_new_toy (NN_TOY_XOR, 400, 0.0, 0, 4, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < x->n; i++)
    {
      const float *p = (const float *) x->inputs[0]->data + 2 * i;
      g_assert_cmpint (((gint32 *) x->targets[0]->data)[i], ==, (p[0] > 0) != (p[1] > 0));
    }

  /* Errors: classes for a two-class set, too few samples, bad options. */
  g_assert_null (nn_dataset_new_toy (NN_TOY_MOONS, 100, 0.1, 3, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_new_toy (NN_TOY_BLOBS, 5, 0.1, 3, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE);
  g_clear_error (&error);
  const char *bad[] = {
    "moons:classes=3", "spirals:n=abc", "spirals:n=0", "spirals:noise=-1",
    "spirals:arms=3", "spirals:n", "xor:seed=1.5", "blobs:classes=99",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (nn_dataset_open (bad[i], NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_test_message ("%s: %s", bad[i], error->message);
      g_clear_error (&error);
    }
  g_assert_null (nn_dataset_open ("spirals:arms=3", NULL, &error));
  g_assert_nonnull (strstr (error->message, "noise"));
  g_clear_error (&error);

  g_assert_null (nn_dataset_open ("cifar10", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "spirals"));
  g_assert_nonnull (strstr (error->message, "fashion-mnist"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open (":n=3", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
}

static void
test_regression_twoinput (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("regression", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 1000);
  g_assert_cmpuint (ds->n_test, ==, 200);
  g_assert_cmpint (ds->n_classes, ==, 0);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 8);
  NnArray *y = ds->targets[0];
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (y->ndim, ==, 1);
  g_assert_cmpint (y->shape[0], ==, 1);
  double s = 0, sq = 0;
  for (size_t i = 0; i < y->n; i++)
    s += raw_f32 (y, i, 0), sq += raw_f32 (y, i, 0) * raw_f32 (y, i, 0);
  double sd = sqrt (sq / y->n - (s / y->n) * (s / y->n));
  g_test_message ("regression target: mean %.3f sd %.3f", s / y->n, sd);
  g_assert_cmpfloat (sd, >, 0.5);
  g_assert_cmpfloat (sd, <, 3.0);

  /* The target is a function of the features: with no noise the same
   * features give the same target, and noise changes it only a little. */
  g_autoptr(NnDataset) a = nn_dataset_new_regression (50, 3, 0.0, 9, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) b = nn_dataset_new_regression (50, 3, 0.0, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a->targets[0]->data, 200, b->targets[0]->data, 200);
  g_autoptr(NnDataset) c = nn_dataset_open ("regression:n=50:features=3:seed=10:noise=0.5",
                                            NULL, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (a->inputs[0]->data, c->inputs[0]->data, 600) != 0);
  g_assert_null (nn_dataset_open ("regression:features=0", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);

  g_autoptr(NnDataset) t = nn_dataset_open ("twoinput:n=500", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->n_inputs, ==, 2);
  g_assert_cmpint (t->n_targets, ==, 2);
  g_assert_cmpuint (t->n_test, ==, 100);
  g_assert_cmpint (t->inputs[0]->shape[0], ==, 8);
  g_assert_cmpint (t->inputs[1]->shape[0], ==, 8);
  g_assert_cmpuint (t->inputs[1]->n, ==, 500);
  g_assert_cmpint (t->targets[0]->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (t->targets[1]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (t->targets[1]->shape[0], ==, 1);
  g_assert_cmpint (t->n_classes, ==, 2);
  size_t ones = count_class (t, 1);
  g_assert_cmpuint (ones, >, 150);
  g_assert_cmpuint (ones, <, 350);
}

/* ------------------------------------------------------------------------ */
/* Preprocessing and gathering                                              */
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

static void
test_one_hot (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("blobs:n=30", NULL, &error);
  g_assert_no_error (error);
  g_autofree gint32 *lab = g_memdup2 (ds->targets[0]->data, 30 * sizeof (gint32));
  g_assert_true (nn_dataset_one_hot (ds, 0, &error));
  g_assert_no_error (error);
  NnArray *y = ds->targets[0];
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (y->ndim, ==, 1);
  g_assert_cmpint (y->shape[0], ==, 3);
  g_assert_cmpuint (y->n, ==, 30);
  g_assert_cmpstr (y->feature_names[2], ==, ds->class_names[2]);
  for (size_t i = 0; i < 30; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat (raw_f32 (y, i, c), ==, c == lab[i] ? 1.f : 0.f);

  /* Twice: it is no longer a class label. A regression target never was. */
  g_assert_false (nn_dataset_one_hot (ds, 0, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);
  g_autoptr(NnDataset) r = nn_dataset_open ("twoinput:n=20", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (nn_dataset_one_hot (r, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_true (nn_dataset_one_hot (r, 0, &error));
  g_assert_cmpint (r->targets[0]->shape[0], ==, 2);
}

static NnArray *
make_array (NnDType     dtype,
            size_t      n,
            size_t      m,
            const void *data,
            gboolean    scaled)
{
  NnArray *a = g_new0 (NnArray, 1);
  a->name = g_strdup ("t");
  a->dtype = dtype;
  a->ndim = 1;
  a->shape[0] = (int) m;
  a->sample_size = m;
  a->n = n;
  size_t es = dtype == NN_DTYPE_U8 ? 1 : 4;
  a->data = g_memdup2 (data, n * m * es);
  if (scaled)
    {
      a->scale = g_new (float, m);
      a->offset = g_new (float, m);
      for (size_t j = 0; j < m; j++)
        {
          a->scale[j] = 0.5f * (j + 1);
          a->offset[j] = (float) j - 1.f;
        }
    }
  return a;
}

static void
test_gather (void)
{
  enum { N = 4, M = 19 };   /* odd width: vector loops have a tail */
  guint8 u8[N * M];
  gint32 i32[N * M];
  float f32[N * M];
  for (int k = 0; k < N * M; k++)
    {
      u8[k] = (guint8) (k * 13 + 200);
      i32[k] = k * 7 - 100;
      f32[k] = (float) k * 0.25f - 3.f;
    }
  const guint32 idx[5] = { 3, 0, 2, 2, 1 };
  const NnDType types[3] = { NN_DTYPE_U8, NN_DTYPE_I32, NN_DTYPE_F32 };
  const void *src[3] = { u8, i32, f32 };

  for (int t = 0; t < 3; t++)
    for (int scaled = 0; scaled < 2; scaled++)
      {
        g_autoptr(NnArray) a = make_array (types[t], N, M, src[t], scaled);
        float out[5 * M];
        nn_array_gather (a, idx, 5, out);
        for (int i = 0; i < 5; i++)
          for (int j = 0; j < M; j++)
            {
              size_t k = idx[i] * M + j;
              double raw = t == 0 ? u8[k] : t == 1 ? i32[k] : f32[k];
              double want = scaled ? raw * 0.5 * (j + 1) + (j - 1.0) : raw;
              g_assert_cmpfloat_with_epsilon (out[i * M + j], want, 1e-4 * (1 + fabs (want)));
              g_assert_cmpfloat_with_epsilon (nn_array_get (a, idx[i], j), out[i * M + j],
                                              1e-5 * (1 + fabs (want)));
            }
      }

  /* uint8 values convert exactly (0 and 255 included). */
  guint8 ends[2] = { 0, 255 };
  g_autoptr(NnArray) e = make_array (NN_DTYPE_U8, 1, 2, ends, FALSE);
  float eo[2];
  guint32 zero = 0;
  nn_array_gather (e, &zero, 1, eo);
  g_assert_cmpfloat (eo[0], ==, 0.f);
  g_assert_cmpfloat (eo[1], ==, 255.f);

  /* Empty batch: nothing to do, nothing touched. */
  nn_array_gather (e, NULL, 0, NULL);
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

/* ------------------------------------------------------------------------ */

static void
test_toy_features (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) plain = nn_dataset_open ("spirals:n=200", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) ds = nn_dataset_open ("spirals:n=200:features=x1x2,x1sq,sinx2,x1",
                                             NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds->points);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 4);
  g_assert_cmpstr (ds->inputs[0]->feature_names[0], ==, "x1");
  g_assert_cmpstr (ds->inputs[0]->feature_names[1], ==, "x1sq");
  g_assert_cmpstr (ds->inputs[0]->feature_names[2], ==, "x1x2");
  g_assert_cmpstr (ds->inputs[0]->feature_names[3], ==, "sinx2");
  for (size_t i = 0; i < ds->n; i += 17)
    {
      double x = nn_array_get (plain->inputs[0], i, 0), y = nn_array_get (plain->inputs[0], i, 1);
      g_assert_cmpfloat (nn_array_get (ds->points, i, 0), ==, x);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 0), x, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 1), x * x, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 2), x * y, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 3), sin (G_PI * y), 1e-6);
    }
  g_assert_cmpint (ds->n_test, ==, plain->n_test);

  g_assert_null (nn_dataset_open ("spirals:features=x3", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "x3"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("twoinput:features=x1", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  guint mask = 0;
  g_assert_true (nn_features_parse ("sinx1, x2", &mask, NULL));
  g_autofree char *text = nn_features_to_string (mask);
  g_assert_cmpstr (text, ==, "x2,sinx1");
  g_assert_cmpint (nn_features_count (mask), ==, 2);
}

/* plane and gaussians: two coordinates in [-1, 1] in, one value out, no
 * classes; without noise plane's value is (x1 + x2) / 2 exactly and the
 * Gaussians' bumps sit where they are placed (up at (-0.55, 0.55), down at
 * (0.55, 0.55)). */
static void
test_toy_regression (void)
{
  static const char *const kinds[] = { "plane", "gaussians" };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *spec = g_strdup_printf ("%s:noise=0:n=600", kinds[k]);
      g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ds->n, ==, 600);
      g_assert_cmpint (ds->n_classes, ==, 0);
      g_assert_cmpint (ds->n_inputs, ==, 1);
      g_assert_cmpint (ds->n_targets, ==, 1);
      NnArray *x = ds->inputs[0], *y = ds->targets[0];
      g_assert_cmpint (x->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (x->ndim, ==, 1);
      g_assert_cmpint (x->shape[0], ==, 2);
      g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (y->ndim, ==, 1);
      g_assert_cmpint (y->shape[0], ==, 1);
      /* The default share held out for testing: a fifth, the tail. */
      g_assert_cmpuint (ds->n_test, ==, 120);
      g_assert_cmpuint (ds->n_train, ==, 480);
      g_assert_cmpuint (ds->test_idx[0], ==, 480);

      double lo = INFINITY, hi = -INFINITY, up = -INFINITY, down = INFINITY;
      for (size_t i = 0; i < ds->n; i++)
        {
          double px = nn_array_get (x, i, 0), py = nn_array_get (x, i, 1), v = nn_array_get (y, i, 0);

          g_assert_cmpfloat (px, >=, -1);
          g_assert_cmpfloat (px, <=, 1);
          g_assert_cmpfloat (py, >=, -1);
          g_assert_cmpfloat (py, <=, 1);
          g_assert_cmpfloat (v, >=, -1);
          g_assert_cmpfloat (v, <=, 1);
          lo = MIN (lo, v);
          hi = MAX (hi, v);
          if (k == 0)
            g_assert_cmpfloat_with_epsilon (v, (px + py) / 2, 1e-6);
          else if (hypot (px + 0.55, py - 0.55) < 0.15)
            up = MAX (up, v);
          else if (hypot (px - 0.55, py - 0.55) < 0.15)
            down = MIN (down, v);
        }
      g_test_message ("%s: values from %.3f to %.3f", kinds[k], lo, hi);
      /* The values use the range, not a corner of it. */
      g_assert_cmpfloat (lo, <, -0.5);
      g_assert_cmpfloat (hi, >, 0.5);
      if (k == 1)
        {
          g_assert_cmpfloat (up, >, 0.7);
          g_assert_cmpfloat (down, <, -0.7);
        }

      /* noise=F adds that much (a standard deviation) to each value. */
      g_autofree char *noisy_spec = g_strdup_printf ("%s:noise=0.2:n=600", kinds[k]);
      g_autoptr(NnDataset) noisy = nn_dataset_open (noisy_spec, NULL, &error);
      g_assert_no_error (error);
      double ss = 0;
      for (size_t i = 0; i < ds->n; i++)
        {
          g_assert_cmpfloat (nn_array_get (noisy->inputs[0], i, 0), ==, nn_array_get (x, i, 0));
          ss += pow (nn_array_get (noisy->targets[0], i, 0) - nn_array_get (y, i, 0), 2);
        }
      g_test_message ("%s: noise 0.2 gives a spread of %.3f", kinds[k], sqrt (ss / ds->n));
      g_assert_cmpfloat (fabs (sqrt (ss / ds->n) - 0.2), <, 0.03);

      /* A regression set has no classes to ask for. */
      g_autofree char *bad = g_strdup_printf ("%s:classes=3", kinds[k]);
      g_assert_null (nn_dataset_open (bad, NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
}

/* :test=F holds out that share of the samples (rounded), the last ones,
 * for classification and regression sets alike; outside 0.05..0.95 it is
 * refused with the range. */
static void
test_toy_test_share (void)
{
  static const struct { const char *spec; size_t n_test; } cases[] = {
    { "spirals:n=500:test=0.3", 150 }, { "moons:n=500:test=0.05", 25 },
    { "blobs:n=333:test=0.5", 167 }, { "plane:n=500:test=0.4", 200 },
    { "gaussians:n=1000:test=0.95", 950 }, { "xor:n=10:test=0.25", 3 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %zu test, %zu training", cases[c].spec, ds->n_test, ds->n_train);
      g_assert_cmpuint (ds->n_test, ==, cases[c].n_test);
      g_assert_cmpuint (ds->n_train + ds->n_test, ==, ds->n);
      for (size_t i = 0; i < ds->n_test; i++)
        g_assert_cmpuint (ds->test_idx[i], ==, ds->n - ds->n_test + i);
      for (size_t i = 0; i < ds->n_train; i++)
        g_assert_cmpuint (ds->train_idx[i], ==, i);
    }

  static const char *const bad[] = {
    "spirals:test=0.99", "plane:test=0", "gaussians:test=-0.2", "moons:test=half",
  };
  for (guint c = 0; c < G_N_ELEMENTS (bad); c++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_null (nn_dataset_open (bad[c], NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_assert_nonnull (strstr (error->message, "test"));
      g_assert_nonnull (strstr (error->message, "0.05 to 0.95"));
      g_test_message ("%s: %s", bad[c], error->message);
    }
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
  g_test_add_func ("/engine/data/csv/numeric", test_csv_numeric);
  g_test_add_func ("/engine/data/csv/categorical-quoted", test_csv_categorical_quoted);
  g_test_add_func ("/engine/data/csv/missing", test_csv_missing);
  g_test_add_func ("/engine/data/csv/errors", test_csv_errors);
  g_test_add_func ("/engine/data/csv/non-finite", test_csv_non_finite);
  g_test_add_func ("/engine/data/csv/long-fields", test_csv_long_fields);
  g_test_add_func ("/engine/data/csv/bad-cell", test_csv_bad_cell);
  g_test_add_func ("/engine/data/csv/numeric-threshold", test_csv_numeric_threshold);
  g_test_add_func ("/engine/data/toy/sets", test_toy);
  g_test_add_func ("/engine/data/toy/classes", test_toy_shapes_of_classes);
  g_test_add_func ("/engine/data/toy/features", test_toy_features);
  g_test_add_func ("/engine/data/toy/regression", test_toy_regression);
  g_test_add_func ("/engine/data/toy/test-share", test_toy_test_share);
  g_test_add_func ("/engine/data/regression-twoinput", test_regression_twoinput);
  g_test_add_func ("/engine/data/normalize", test_normalize_train_only);
  g_test_add_func ("/engine/data/one-hot", test_one_hot);
  g_test_add_func ("/engine/data/gather", test_gather);
  g_test_add_func ("/engine/data/mutated", test_mutated_inputs);

  int ret = g_test_run ();
  test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
