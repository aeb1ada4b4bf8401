/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PNG images and PNG folder datasets: every PNG colour type and bit depth,
 * resizing, class folders, and malformed files (truncated, bad CRC, empty,
 * huge declared size, not a PNG) skipped or refused by name. */
#include <glib/gstdio.h>
#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <zlib.h>

#include "nn.h"
#include "test-util.h"

typedef struct {
  char *dir;
} Tmp;

static void
tmp_setup (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  t->dir = g_dir_make_tmp ("deepscope-png-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tmp_teardown (Tmp *t, gconstpointer data)
{
  test_remove_tree (t->dir);
  g_free (t->dir);
}

/* ---- writing test images with libpng directly ------------------------- */

/* Any colour type and bit depth; samples are given as 16-bit values and
 * cut to the depth. palette: n_palette RGB entries (PALETTE type). */
static void
write_png (const char *path, int w, int h, int color_type, int depth, const guint16 *samples,
           const guint8 *palette, int n_palette)
{
  FILE *f = fopen (path, "wb");
  g_assert_nonnull (f);
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  g_assert_true (setjmp (png_jmpbuf (png)) == 0);
  png_init_io (png, f);
  png_set_IHDR (png, info, w, h, depth, color_type, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    {
      png_color pal[256];
      for (int i = 0; i < n_palette; i++)
        pal[i] = (png_color) { palette[3 * i], palette[3 * i + 1], palette[3 * i + 2] };
      png_set_PLTE (png, info, pal, n_palette);
    }
  png_write_info (png, info);
  if (depth < 8)
    png_set_packing (png);
  if (depth == 16)
    png_set_swap (png); /* our samples are host-endian (little) */
  int ch = color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_PALETTE ? 1
           : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
           : color_type == PNG_COLOR_TYPE_RGB ? 3 : 4;
  size_t bpp = depth == 16 ? 2 : 1;
  guint8 *row = g_malloc ((size_t) w * ch * bpp);
  for (int y = 0; y < h; y++)
    {
      for (int i = 0; i < w * ch; i++)
        {
          guint16 v = samples[(size_t) y * w * ch + i];
          if (depth == 16)
            memcpy (row + 2 * i, &v, 2);
          else
            row[i] = (guint8) v;
        }
      png_write_row (png, row);
    }
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  g_free (row);
  fclose (f);
}

/* A w x h gray image of one value (8-bit). */
static void
write_gray (const char *path, int w, int h, guint8 v)
{
  g_autofree guint8 *px = g_malloc ((size_t) w * h);
  memset (px, v, (size_t) w * h);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (path, px, w, h, 1, &error));
  g_assert_no_error (error);
}

static void
write_rgb (const char *path, int w, int h, guint8 r, guint8 g, guint8 b)
{
  g_autofree guint8 *px = g_malloc ((size_t) w * h * 3);
  for (int i = 0; i < w * h; i++)
    px[3 * i] = r, px[3 * i + 1] = g, px[3 * i + 2] = b;
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (path, px, w, h, 3, &error));
  g_assert_no_error (error);
}

static guint8 *
read_file (const char *path, gsize *len)
{
  char *data;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &data, len, &error));
  return (guint8 *) data;
}

static void
write_file (const char *path, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, &error));
}

/* Offset of the first chunk of this type in a PNG file, or 0. */
static gsize
find_chunk (const guint8 *d, gsize len, const char *type)
{
  gsize o = 8;
  while (o + 12 <= len)
    {
      guint32 n = (guint32) d[o] << 24 | (guint32) d[o + 1] << 16 | (guint32) d[o + 2] << 8 | d[o + 3];
      if (memcmp (d + o + 4, type, 4) == 0)
        return o;
      o += 12 + n;
    }
  return 0;
}

/* ---- reading single files ---------------------------------------------- */

static void
test_read_types (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = g_build_filename (t->dir, "a.png", NULL);
  int w, h, c;

  /* 8-bit gray, 2x1 */
  guint16 gray[] = { 10, 200 };
  write_png (p, 2, 1, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0);
  g_autofree guint8 *g8 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 2);
  g_assert_cmpint (h, ==, 1);
  g_assert_cmpint (c, ==, 1);
  g_assert_cmpint (g8[0], ==, 10);
  g_assert_cmpint (g8[1], ==, 200);
  /* as RGB: replicated */
  g_autofree guint8 *g3 = nn_png_read (p, 3, &w, &h, &c, &error);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpint (g3[3], ==, 200);
  g_assert_cmpint (g3[4], ==, 200);
  g_assert_cmpint (g3[5], ==, 200);

  /* 16-bit gray: the high byte */
  guint16 g16v[] = { 0x8000, 0xffff, 0x0101 };
  write_png (p, 3, 1, PNG_COLOR_TYPE_GRAY, 16, g16v, NULL, 0);
  g_autofree guint8 *g16 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, 1);
  g_assert_cmpint (g16[0], ==, 128);
  g_assert_cmpint (g16[1], ==, 255);
  g_assert_cmpint (g16[2], ==, 1);

  /* 1-bit gray: widened to 0 and 255 */
  guint16 g1v[] = { 0, 1, 1, 0 };
  write_png (p, 4, 1, PNG_COLOR_TYPE_GRAY, 1, g1v, NULL, 0);
  g_autofree guint8 *g1 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g1[0], ==, 0);
  g_assert_cmpint (g1[1], ==, 255);
  g_assert_cmpint (g1[3], ==, 0);

  /* gray + alpha: the alpha is dropped */
  guint16 ga[] = { 90, 0, 30, 255 };
  write_png (p, 2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, ga, NULL, 0);
  g_autofree guint8 *gav = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, 1);
  g_assert_cmpint (gav[0], ==, 90);
  g_assert_cmpint (gav[1], ==, 30);

  /* RGB, and RGB to gray with ITU-R 601 luma */
  guint16 rgb[] = { 255, 0, 0, 0, 255, 0 };
  write_png (p, 2, 1, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
  g_autofree guint8 *c3 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpmem (c3, 6, ((guint8[]) { 255, 0, 0, 0, 255, 0 }), 6);
  g_autofree guint8 *c1 = nn_png_read (p, 1, &w, &h, &c, &error);
  g_assert_cmpint (c, ==, 1);
  g_assert_cmpint (c1[0], ==, 76);     /* 0.299 * 255 */
  g_assert_cmpint (c1[1], ==, 150);    /* 0.587 * 255 */

  /* RGBA: colour values kept, alpha dropped */
  guint16 rgba[] = { 1, 2, 3, 0, 4, 5, 6, 128 };
  write_png (p, 2, 1, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba, NULL, 0);
  g_autofree guint8 *c4 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpmem (c4, 6, ((guint8[]) { 1, 2, 3, 4, 5, 6 }), 6);

  /* 16-bit RGB */
  guint16 rgb16[] = { 0xff00, 0x1234, 0x0000 };
  write_png (p, 1, 1, PNG_COLOR_TYPE_RGB, 16, rgb16, NULL, 0);
  g_autofree guint8 *c16 = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (c16, 3, ((guint8[]) { 0xff, 0x12, 0x00 }), 3);

  /* palette, 4-bit indices */
  guint8 pal[] = { 0, 0, 0, 250, 20, 10, 7, 8, 9 };
  guint16 idx[] = { 1, 2, 0 };
  write_png (p, 3, 1, PNG_COLOR_TYPE_PALETTE, 4, idx, pal, 3);
  g_autofree guint8 *pv = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpmem (pv, 9, ((guint8[]) { 250, 20, 10, 7, 8, 9, 0, 0, 0 }), 9);
}

static void
test_write_roundtrip (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = g_build_filename (t->dir, "w.png", NULL);
  guint8 px[5 * 3 * 3];
  for (guint i = 0; i < sizeof px; i++)
    px[i] = (guint8) (i * 7);
  g_assert_true (nn_png_write (p, px, 5, 3, 3, &error));
  g_assert_no_error (error);
  int w, h, c;
  g_autofree guint8 *back = nn_png_read (p, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 5);
  g_assert_cmpint (h, ==, 3);
  g_assert_cmpmem (back, sizeof px, px, sizeof px);
  /* a folder that does not exist: an error, no crash */
  g_autofree char *bad = g_build_filename (t->dir, "no", "such", "x.png", NULL);
  g_assert_false (nn_png_write (bad, px, 5, 3, 3, &error));
  g_assert_nonnull (error);
}

/* ---- malformed files --------------------------------------------------- */

typedef enum { BAD_TRUNCATED, BAD_CRC, BAD_EMPTY, BAD_HUGE, BAD_HUGE_PIXELS, BAD_NOT_PNG,
               BAD_SIGNATURE_ONLY, N_BAD } BadKind;

static const char *const bad_names[] = {
  "truncated.png", "badcrc.png", "empty.png", "huge.png", "hugepixels.png", "notes.png",
  "signature.png",
};

/* A 16x16 gray PNG made bad in one way. */
static void
write_bad (const char *path, BadKind kind, const char *scratch)
{
  g_autofree guint16 *px = g_new (guint16, 256);
  for (int i = 0; i < 256; i++)
    px[i] = (guint16) ((i * 37) & 255);
  write_png (scratch, 16, 16, PNG_COLOR_TYPE_GRAY, 8, px, NULL, 0);
  gsize len;
  g_autofree guint8 *d = read_file (scratch, &len);
  switch (kind)
    {
    case BAD_TRUNCATED:
      {
        gsize idat = find_chunk (d, len, "IDAT");
        g_assert_cmpuint (idat, >, 0);
        write_file (path, d, idat + 8 + 10);   /* part of the image data */
        break;
      }
    case BAD_CRC:
      {
        gsize idat = find_chunk (d, len, "IDAT");
        g_assert_cmpuint (idat, >, 0);
        guint32 n = (guint32) d[idat] << 24 | (guint32) d[idat + 1] << 16
                    | (guint32) d[idat + 2] << 8 | d[idat + 3];
        d[idat + 8 + n] ^= 0x55;                /* the data intact, its CRC wrong */
        write_file (path, d, len);
        break;
      }
    case BAD_EMPTY:
      write_file (path, d, 0);
      break;
    case BAD_HUGE:
    case BAD_HUGE_PIXELS:
      {
        /* a valid header (with a correct CRC) that declares a huge image */
        gsize ihdr = find_chunk (d, len, "IHDR");
        guint32 side = kind == BAD_HUGE ? 1000000 : 16000;
        guint8 be[4] = { side >> 24, side >> 16, side >> 8, side };
        memcpy (d + ihdr + 8, be, 4);
        memcpy (d + ihdr + 12, be, 4);
        guint32 crc = (guint32) crc32 (0, d + ihdr + 4, 4 + 13);
        guint8 cb[4] = { crc >> 24, crc >> 16, crc >> 8, crc };
        memcpy (d + ihdr + 8 + 13, cb, 4);
        write_file (path, d, len);
        break;
      }
    case BAD_NOT_PNG:
      {
        const char *text = "these are notes, not an image\n";
        write_file (path, (const guint8 *) text, strlen (text));
        break;
      }
    case BAD_SIGNATURE_ONLY:
      write_file (path, d, 8);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
test_malformed_files (Tmp *t, gconstpointer data)
{
  static const int codes[] = {
    NN_DATA_ERROR_FORMAT, NN_DATA_ERROR_FORMAT, NN_DATA_ERROR_EMPTY, NN_DATA_ERROR_SIZE,
    NN_DATA_ERROR_SIZE, NN_DATA_ERROR_FORMAT, NN_DATA_ERROR_FORMAT,
  };
  g_autofree char *scratch = g_build_filename (t->dir, "scratch.png", NULL);
  for (int k = 0; k < N_BAD; k++)
    {
      g_autofree char *p = g_build_filename (t->dir, bad_names[k], NULL);
      write_bad (p, k, scratch);
      g_autoptr (GError) error = NULL;
      int w = -1, h = -1, c = -1;
      guint8 *px = nn_png_read (p, 0, &w, &h, &c, &error);
      g_assert_null (px);
      g_assert_error (error, NN_DATA_ERROR, codes[k]);
      g_test_message ("%s", error->message);
      /* the message names the file */
      g_assert_nonnull (strstr (error->message, bad_names[k]));
      g_assert_cmpint (w, ==, -1);
    }
  /* a missing file */
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (t->dir, "missing.png", NULL);
  g_assert_null (nn_png_read (missing, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
}

/* ---- folders ----------------------------------------------------------- */

static char *
make_class (Tmp *t, const char *root, const char *cls)
{
  char *d = g_build_filename (t->dir, root, cls, NULL);
  g_assert_cmpint (g_mkdir_with_parents (d, 0755), ==, 0);
  return d;
}

/* root/cat: 5 gray images of value 50 (8x8); root/dog: 3 RGB 16x16 of
 * (200, 100, 0) and one gray 4x4 of 250; a hidden file and a stray file at
 * the top are ignored. */
static char *
make_folder (Tmp *t, const char *root)
{
  g_autofree char *cat = make_class (t, root, "cat");
  g_autofree char *dog = make_class (t, root, "dog");
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *n = g_strdup_printf ("%s/c%d.png", cat, i);
      write_gray (n, 8, 8, 50);
    }
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *n = g_strdup_printf ("%s/d%d.png", dog, i);
      write_rgb (n, 16, 16, 200, 100, 0);
    }
  g_autofree char *small = g_build_filename (dog, "small.png", NULL);
  write_gray (small, 4, 4, 250);
  g_autofree char *hidden = g_build_filename (cat, ".DS_Store", NULL);
  write_file (hidden, (const guint8 *) "x", 1);
  char *r = g_build_filename (t->dir, root, NULL);
  g_autofree char *stray = g_build_filename (r, "README", NULL);
  write_file (stray, (const guint8 *) "hello", 5);
  return r;
}

static void
test_folder (Tmp *t, gconstpointer data)
{
  g_autofree char *root = make_folder (t, "pets");
  g_assert_true (nn_png_folder_detect (root));
  NnPngOptions opt;
  nn_png_options_init (&opt);
  opt.test_fraction = 0.25;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) skipped = NULL;
  g_autoptr (NnDataset) ds = nn_png_folder_load (root, &opt, &skipped, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpuint (skipped->len, ==, 0);
  g_assert_cmpstr (ds->name, ==, "pets");
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "cat");
  g_assert_cmpstr (ds->class_names[1], ==, "dog");
  g_assert_cmpuint (ds->n, ==, 9);
  g_assert_cmpuint (ds->n_test, ==, 2);
  g_assert_cmpuint (ds->n_train, ==, 7);
  NnArray *x = ds->inputs[0], *y = ds->targets[0];
  /* size of the first image (cat, 8x8); colour since dog is RGB */
  g_assert_cmpint (x->dtype, ==, NN_DTYPE_U8);
  g_assert_cmpint (x->ndim, ==, 3);
  g_assert_cmpint (x->shape[0], ==, 8);
  g_assert_cmpint (x->shape[1], ==, 8);
  g_assert_cmpint (x->shape[2], ==, 3);
  g_assert_cmpuint (x->n, ==, 9);
  int counts[2] = { 0, 0 };
  for (size_t i = 0; i < ds->n; i++)
    {
      int label = ((gint32 *) y->data)[i];
      g_assert_true (label == 0 || label == 1);
      counts[label]++;
      const guint8 *px = (const guint8 *) x->data + i * x->sample_size;
      /* uniform images stay uniform through resizing, in every channel */
      for (size_t k = 0; k < x->sample_size; k += 3)
        {
          if (label == 0)
            g_assert_cmpmem (px + k, 3, ((guint8[]) { 50, 50, 50 }), 3);
          else
            g_assert_true (!memcmp (px + k, ((guint8[]) { 200, 100, 0 }), 3)
                           || !memcmp (px + k, ((guint8[]) { 250, 250, 250 }), 3));
        }
    }
  g_assert_cmpint (counts[0], ==, 5);
  g_assert_cmpint (counts[1], ==, 4);
  /* values read as raw / 255 */
  g_assert_cmpfloat_with_epsilon (nn_array_get (x, 0, 0) * 255.0f,
                                  (float) ((guint8 *) x->data)[0], 1e-3);
  /* the shuffle mixes the classes: not 5 cats then 4 dogs */
  gboolean sorted = TRUE;
  for (size_t i = 1; i < ds->n; i++)
    sorted &= ((gint32 *) y->data)[i - 1] <= ((gint32 *) y->data)[i];
  g_assert_false (sorted);

  /* same seed, same order; gray output, chosen size */
  opt.channels = 1;
  opt.height = 4;
  opt.width = 6;
  g_autoptr (NnDataset) ds2 = nn_png_folder_load (root, &opt, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds2->inputs[0]->shape[0], ==, 4);
  g_assert_cmpint (ds2->inputs[0]->shape[1], ==, 6);
  g_assert_cmpint (ds2->inputs[0]->shape[2], ==, 1);
  g_assert_cmpmem (ds2->targets[0]->data, 9 * sizeof (gint32), y->data, 9 * sizeof (gint32));
  for (size_t i = 0; i < ds2->n; i++)
    {
      guint8 v = ((guint8 *) ds2->inputs[0]->data)[i * 24];
      /* luma of (200, 100, 0) is 119 */
      g_assert_true (v == 50 || v == 119 || v == 250);
    }
  /* all gray: one channel chosen automatically */
  g_autofree char *gray_root = g_build_filename (t->dir, "grays", NULL);
  g_autofree char *a = make_class (t, "grays", "a");
  g_autofree char *b = make_class (t, "grays", "b");
  g_autofree char *pa = g_build_filename (a, "1.png", NULL);
  g_autofree char *pb = g_build_filename (b, "1.png", NULL);
  write_gray (pa, 3, 3, 1);
  write_gray (pb, 3, 3, 2);
  nn_png_options_init (&opt);
  opt.test_fraction = 0;
  g_autoptr (NnDataset) ds3 = nn_png_folder_load (gray_root, &opt, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds3->inputs[0]->shape[2], ==, 1);
  g_assert_cmpuint (ds3->n_test, ==, 0);
}

static void
test_resize (Tmp *t, gconstpointer data)
{
  /* 4x4 of 2x2 blocks shrinks to the block values exactly (area average) */
  g_autofree char *d = make_class (t, "rs", "only");
  guint8 px[16];
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      px[y * 4 + x] = (guint8) (40 * (2 * (y / 2) + x / 2) + 10);
  g_autofree char *p = g_build_filename (d, "blocks.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (p, px, 4, 4, 1, &error));
  g_autofree char *root = g_build_filename (t->dir, "rs", NULL);
  NnPngOptions opt;
  nn_png_options_init (&opt);
  opt.height = opt.width = 2;
  opt.test_fraction = 0;
  g_autoptr (NnDataset) small = nn_png_folder_load (root, &opt, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (small->inputs[0]->data, 4, ((guint8[]) { 10, 50, 90, 130 }), 4);
  /* 2x1 enlarged to 4x1: bilinear with half-pixel centres */
  guint8 two[2] = { 0, 200 };
  g_assert_true (nn_png_write (p, two, 2, 1, 1, &error));
  opt.height = 1;
  opt.width = 4;
  g_autoptr (NnDataset) big = nn_png_folder_load (root, &opt, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (big->inputs[0]->data, 4, ((guint8[]) { 0, 50, 150, 200 }), 4);
}

static void
test_folder_bad_files (Tmp *t, gconstpointer data)
{
  g_autofree char *root = make_folder (t, "mixed");
  g_autofree char *scratch = g_build_filename (t->dir, "scratch.png", NULL);
  g_autofree char *cat = g_build_filename (root, "cat", NULL);
  for (int k = 0; k < N_BAD; k++)
    {
      g_autofree char *p = g_build_filename (cat, bad_names[k], NULL);
      write_bad (p, k, scratch);
    }
  NnPngOptions opt;
  nn_png_options_init (&opt);

  /* refused: the error names the first bad file and says how to go on */
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) skipped = NULL;
  NnDataset *ds = nn_png_folder_load (root, &opt, &skipped, NULL, &error);
  g_assert_null (ds);
  g_assert_nonnull (error);
  g_assert_true (error->domain == NN_DATA_ERROR);
  g_test_message ("%s", error->message);
  gboolean named = FALSE;
  for (int k = 0; k < N_BAD; k++)
    named |= strstr (error->message, bad_names[k]) != NULL;
  g_assert_true (named);
  g_assert_nonnull (strstr (error->message, "skip"));
  g_clear_error (&error);
  g_clear_pointer (&skipped, g_ptr_array_unref);

  /* skipped: the rest loads; every bad file is listed by name */
  opt.skip_bad = TRUE;
  ds = nn_png_folder_load (root, &opt, &skipped, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->n, ==, 9);
  g_assert_cmpuint (skipped->len, ==, N_BAD);
  for (int k = 0; k < N_BAD; k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < skipped->len; i++)
        found |= strstr (skipped->pdata[i], bad_names[k]) != NULL;
      g_assert_true (found);
    }
  nn_dataset_free (ds);
  g_clear_pointer (&skipped, g_ptr_array_unref);

  /* a file whose header is fine but whose pixels are damaged is found in
   * the decoding pass, and refused by name too */
  g_autofree char *root2 = make_folder (t, "late");
  g_autofree char *dog = g_build_filename (root2, "dog", NULL);
  g_autofree char *crc = g_build_filename (dog, "badcrc.png", NULL);
  write_bad (crc, BAD_CRC, scratch);
  opt.skip_bad = FALSE;
  g_assert_null (nn_png_folder_load (root2, &opt, &skipped, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "badcrc.png"));
  g_assert_nonnull (strstr (error->message, "CRC"));
}

static void
test_folder_errors (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  NnPngOptions opt;
  nn_png_options_init (&opt);

  /* no such folder */
  g_autofree char *none = g_build_filename (t->dir, "none", NULL);
  g_assert_null (nn_png_folder_load (none, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (nn_png_folder_detect (none));

  /* no sub-folders */
  g_autofree char *flat = g_build_filename (t->dir, "flat", NULL);
  g_mkdir (flat, 0755);
  g_autofree char *img = g_build_filename (flat, "x.png", NULL);
  write_gray (img, 2, 2, 1);
  g_assert_null (nn_png_folder_load (flat, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "sub-folder"));
  g_clear_error (&error);
  g_assert_false (nn_png_folder_detect (flat));

  /* sub-folders without images */
  g_autofree char *e1 = make_class (t, "emptyclasses", "a");
  g_autofree char *e2 = make_class (t, "emptyclasses", "b");
  g_autofree char *eroot = g_build_filename (t->dir, "emptyclasses", NULL);
  g_assert_null (nn_png_folder_load (eroot, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  /* only bad files, even when skipping */
  g_autofree char *scratch = g_build_filename (t->dir, "scratch.png", NULL);
  g_autofree char *bad = g_build_filename (e1, "notes.png", NULL);
  write_bad (bad, BAD_NOT_PNG, scratch);
  opt.skip_bad = TRUE;
  g_autoptr (GPtrArray) skipped = NULL;
  g_assert_null (nn_png_folder_load (eroot, &opt, &skipped, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "notes.png"));
  g_assert_cmpuint (skipped->len, ==, 1);
  g_clear_error (&error);

  /* options out of range */
  g_autofree char *root = make_folder (t, "opts");
  nn_png_options_init (&opt);
  opt.channels = 2;
  g_assert_null (nn_png_folder_load (root, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  nn_png_options_init (&opt);
  opt.height = 100000;
  g_assert_null (nn_png_folder_load (root, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  nn_png_options_init (&opt);
  opt.test_fraction = 1.0;
  g_assert_null (nn_png_folder_load (root, &opt, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);

  /* cancelled */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  nn_png_options_init (&opt);
  g_assert_null (nn_png_folder_load (root, &opt, NULL, cancel, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED);
}

/* nn_dataset_open on a folder of class sub-folders: the spec options reach
 * the PNG loader, and a bad option is refused in words. */
static void
test_dataset_open_spec (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *classes[] = { "cat", "dog" };
  for (int c = 0; c < 2; c++)
    {
      g_autofree char *sub = g_build_filename (t->dir, classes[c], NULL);
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      for (int k = 0; k < 5; k++)
        {
          guint8 px[8 * 6 * 3];
          for (guint i = 0; i < sizeof px; i++)
            px[i] = (guint8) (c * 100 + k * 10 + i);
          g_autofree char *name = g_strdup_printf ("%d.png", k);
          g_autofree char *path = g_build_filename (sub, name, NULL);
          g_assert_true (nn_png_write (path, px, 8, 6, 3, &error));
        }
    }
  g_autofree char *spec = g_strdup_printf ("%s:size=4x5:channels=1:test=0.4:seed=3", t->dir);
  g_autoptr (NnDataset) ds = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "cat");
  g_assert_cmpstr (ds->class_names[1], ==, "dog");
  g_assert_cmpuint (ds->n, ==, 10);
  g_assert_cmpuint (ds->n_test, ==, 4);
  g_assert_cmpint (ds->inputs[0]->ndim, ==, 3);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 4);
  g_assert_cmpint (ds->inputs[0]->shape[1], ==, 5);
  g_assert_cmpint (ds->inputs[0]->shape[2], ==, 1);

  g_autofree char *bad = g_strdup_printf ("%s:size=big", t->dir);
  g_assert_null (nn_dataset_open (bad, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "HEIGHTxWIDTH"));
  g_clear_error (&error);
  g_autofree char *unknown = g_strdup_printf ("%s:colour=1", t->dir);
  g_assert_null (nn_dataset_open (unknown, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
}

/* One file as a model's input: an RGB image 56 wide and 20 high read as
 * 28x10 gray is its luma averaged over each 2x2 block; a gray one read as
 * 3 channels is copied to R, G and B and enlarged; the file's size and
 * colour come back for the caller to report. */
static void
test_read_sized (Tmp *t, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = g_build_filename (t->dir, "stripes.png", NULL);
  const int w = 56, h = 20;
  g_autofree guint8 *px = g_malloc ((size_t) w * h * 3);
  /* columns alternate pure red and pure blue */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *q = px + ((size_t) y * w + x) * 3;
        q[0] = x % 2 ? 0 : 255;
        q[1] = 0;
        q[2] = x % 2 ? 255 : 0;
      }
  g_assert_true (nn_png_write (p, px, w, h, 3, &error));
  g_assert_no_error (error);

  int fw = 0, fh = 0, fc = 0;
  g_autofree guint8 *g = nn_png_read_sized (p, 10, 28, 1, &fw, &fh, &fc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw, ==, 56);
  g_assert_cmpint (fh, ==, 20);
  g_assert_cmpint (fc, ==, 3);
  /* luma of red 76, of blue 29: their mean, 52.5, rounds to 53 or 52 */
  for (int i = 0; i < 28 * 10; i++)
    g_assert_cmpint (abs ((int) g[i] - 53), <=, 1);

  g_autofree char *q = g_build_filename (t->dir, "gray.png", NULL);
  write_gray (q, 4, 4, 200);
  g_autofree guint8 *c = nn_png_read_sized (q, 8, 8, 3, &fw, &fh, &fc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fw, ==, 4);
  g_assert_cmpint (fc, ==, 1);
  for (int i = 0; i < 8 * 8 * 3; i++)
    g_assert_cmpint (c[i], ==, 200);

  /* a shape no input has, and a file that is not a PNG, are errors */
  g_assert_null (nn_png_read_sized (q, 8, 8, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE);
  g_assert_nonnull (strstr (error->message, "3 (RGB)"));
  g_clear_error (&error);
  g_autofree char *bad = g_build_filename (t->dir, "not.png", NULL);
  g_assert_true (g_file_set_contents (bad, "hello", -1, NULL));
  g_assert_null (nn_png_read_sized (bad, 8, 8, 1, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/engine/png/read-types", Tmp, NULL, tmp_setup, test_read_types, tmp_teardown);
  g_test_add ("/engine/png/write-roundtrip", Tmp, NULL, tmp_setup, test_write_roundtrip,
              tmp_teardown);
  g_test_add ("/engine/png/malformed", Tmp, NULL, tmp_setup, test_malformed_files, tmp_teardown);
  g_test_add ("/engine/png/folder", Tmp, NULL, tmp_setup, test_folder, tmp_teardown);
  g_test_add ("/engine/png/resize", Tmp, NULL, tmp_setup, test_resize, tmp_teardown);
  g_test_add ("/engine/png/folder-bad-files", Tmp, NULL, tmp_setup, test_folder_bad_files,
              tmp_teardown);
  g_test_add ("/engine/png/folder-errors", Tmp, NULL, tmp_setup, test_folder_errors,
              tmp_teardown);
  g_test_add ("/engine/png/dataset-open-spec", Tmp, NULL, tmp_setup, test_dataset_open_spec,
              tmp_teardown);
  g_test_add ("/engine/png/read-sized", Tmp, NULL, tmp_setup, test_read_sized, tmp_teardown);
  return g_test_run ();
}
