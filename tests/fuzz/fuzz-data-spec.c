/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-data-spec: dataset specs ("spirals:n=100:noise=0.1") through
 * nn_dataset_open, the `--data` syntax of deepscope-cli.
 *
 * The spec is opened in a private folder holding one small dataset of each
 * kind a path can name: "mnist" (IDX files, plain and gzip; also what
 * fashion-mnist opens, through DEEPSCOPE_FASHION_MNIST_DIR), "table.csv"
 * and "pngs" (a PNG class folder). Specs with '/' or ".." or an empty
 * dir= (which means /usr/share/datasets/fashion-mnist) are skipped, so the
 * loader never reads outside that folder; so are sizes above a few
 * thousand samples or pixels, which only make a run slow (every size goes
 * through the same code; their limits are the engine tests' business). */
#include "fuzz-common.h"

#include <zlib.h>

#define MAX_SPEC     512
#define MAX_SAMPLES  5000
#define MAX_FEATURES 64
#define MAX_PIXELS   (64 * 64)

static char *home;

static void
write_idx (const char *path, int type, int ndim, const guint32 *dims, const guint8 *values,
           size_t n_bytes, gboolean gz)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 0, (guint8) type, (guint8) ndim };
  g_byte_array_append (b, head, 4);
  for (int i = 0; i < ndim; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_byte_array_append (b, (guint8 *) &be, 4);
    }
  g_byte_array_append (b, values, (guint) n_bytes);
  if (!gz)
    fuzz_write_file (path, b->data, b->len);
  else
    {
      gzFile f = gzopen (path, "wb");
      g_assert (f != NULL);
      g_assert (gzwrite (f, b->data, b->len) == (int) b->len);
      gzclose (f);
    }
  g_byte_array_unref (b);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  home = g_strdup (fuzz_scratch ());

  /* mnist/: 12 training and 4 test images of 4x4, labels 0..9 */
  g_autofree char *mnist = g_build_filename (home, "mnist", NULL);
  g_assert (g_mkdir_with_parents (mnist, 0700) == 0);
  guint8 px[12 * 16], lab[12];
  for (guint i = 0; i < sizeof px; i++)
    px[i] = (guint8) (i * 29);
  for (guint i = 0; i < sizeof lab; i++)
    lab[i] = (guint8) (i % 10);
  const struct { const char *name; gboolean gz; guint32 n; gboolean labels; } files[] = {
    { "train-images-idx3-ubyte", FALSE, 12, FALSE },
    { "train-labels-idx1-ubyte", FALSE, 12, TRUE },
    { "t10k-images-idx3-ubyte.gz", TRUE, 4, FALSE },
    { "t10k-labels-idx1-ubyte.gz", TRUE, 4, TRUE },
  };
  for (guint k = 0; k < G_N_ELEMENTS (files); k++)
    {
      g_autofree char *p = g_build_filename (mnist, files[k].name, NULL);
      guint32 dims[3] = { files[k].n, 4, 4 };
      if (files[k].labels)
        write_idx (p, 0x08, 1, dims, lab, files[k].n, files[k].gz);
      else
        write_idx (p, 0x08, 3, dims, px, files[k].n * 16, files[k].gz);
    }
  g_setenv ("DEEPSCOPE_FASHION_MNIST_DIR", mnist, TRUE);

  /* table.csv: numbers, a category, a missing value, a class target */
  static const char csv[] =
    "x1,x2,color,y\n"
    "1.5,2,red,0\n"
    "0.5,,blue,1\n"
    "3,1e3,red,1\n"
    "-2,4,green,0\n"
    "7,0.25,blue,2\n"
    "1,1,red,0\n";
  g_autofree char *csv_path = g_build_filename (home, "table.csv", NULL);
  fuzz_write_file (csv_path, csv, sizeof csv - 1);

  /* pngs/{cat,dog}/: gray and colour images of different sizes */
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < 2; i++)
      {
        g_autofree char *dir = g_build_filename (home, "pngs", c ? "dog" : "cat", NULL);
        g_assert (g_mkdir_with_parents (dir, 0700) == 0);
        g_autofree char *name = g_strdup_printf ("%d.png", i);
        g_autofree char *p = g_build_filename (dir, name, NULL);
        int w = 3 + i, h = 2 + c, ch = i ? 3 : 1;
        guint8 img[5 * 4 * 3];
        for (int k = 0; k < w * h * ch; k++)
          img[k] = (guint8) (k * 41 + c);
        g_autoptr(GError) error = NULL;
        g_assert (nn_png_write (p, img, w, h, ch, &error));
      }
  return 0;
}

/* FALSE for specs the target leaves alone (see the top of the file). */
static gboolean
spec_wanted (const char *spec)
{
  if (strchr (spec, '/') != NULL || strstr (spec, "..") != NULL)
    return FALSE;
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  for (int i = 0; parts[i] != NULL; i++)
    {
      char *eq = strchr (parts[i], '=');
      if (eq == NULL)
        continue;
      g_autofree char *key = g_strstrip (g_strndup (parts[i], eq - parts[i]));
      g_autofree char *value = g_strstrip (g_strdup (eq + 1));
      /* an empty dir= makes fashion-mnist read the system's copy */
      if (g_str_equal (key, "dir") && value[0] == '\0')
        return FALSE;
      guint64 v;
      if ((g_str_equal (key, "n") || g_str_equal (key, "limit"))
          && g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL) && v > MAX_SAMPLES)
        return FALSE;
      if (g_str_equal (key, "features")
          && g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL) && v > MAX_FEATURES)
        return FALSE;
      unsigned h, w;
      if (g_str_equal (key, "size") && sscanf (value, "%ux%u", &h, &w) == 2
          && (guint64) h * w > MAX_PIXELS)
        return FALSE;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > MAX_SPEC)
    return 0;
  g_autofree char *spec = g_strndup ((const char *) data, size);
  if (!spec_wanted (spec))
    return 0;

  g_autofree char *cwd = g_get_current_dir ();
  g_assert (g_chdir (home) == 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
  g_assert (g_chdir (cwd) == 0);
  fuzz_check_result (ds != NULL, error);
  if (ds != NULL)
    {
      g_assert (ds->n > 0 && ds->n_inputs >= 1);
      g_assert (ds->n_train + ds->n_test <= ds->n);
      for (size_t i = 0; i < ds->n_train; i++)
        g_assert (ds->train_idx[i] < ds->n);
      for (size_t i = 0; i < ds->n_test; i++)
        g_assert (ds->test_idx[i] < ds->n);
      /* the training split reads as floats, as the trainer reads it */
      for (int k = 0; k < ds->n_inputs + ds->n_targets; k++)
        {
          NnArray *a = k < ds->n_inputs ? ds->inputs[k] : ds->targets[k - ds->n_inputs];
          g_autofree float *out = g_new (float, MAX (ds->n_train, 1) * MAX (a->sample_size, 1));
          nn_array_gather (a, ds->train_idx, ds->n_train, out);
        }
    }
  return 0;
}
