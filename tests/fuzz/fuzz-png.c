/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-png: PNG images, one file (nn_png_read, and nn_png_read_sized as a
 * model's input) and a class folder (nn_png_folder_load: header pass,
 * decode, channel conversion, resize).
 *
 * The input is the file. Its last byte also picks the options (a valid
 * PNG ends with IEND's CRC, and bytes after IEND are ignored by the
 * decoder, so the seeds carry one extra byte): bits 0-1 the channels (0,
 * 1, 3), bit 2 whether bad files are skipped, bits 3-7 the output size
 * (0: the first image's). The folder holds the input as class "a" and a
 * fixed 3x5 colour image as class "b", so sizes and channels differ. */
#include "fuzz-common.h"

static char *input_path;
static char *folder;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  folder = g_build_filename (fuzz_scratch (), "png", NULL);
  g_autofree char *a = g_build_filename (folder, "a", NULL);
  g_autofree char *b = g_build_filename (folder, "b", NULL);
  g_assert (g_mkdir_with_parents (a, 0700) == 0 && g_mkdir_with_parents (b, 0700) == 0);
  input_path = g_build_filename (a, "input.png", NULL);
  g_autofree char *ref = g_build_filename (b, "ref.png", NULL);
  guint8 px[3 * 5 * 3];
  for (guint i = 0; i < sizeof px; i++)
    px[i] = (guint8) (i * 37);
  g_autoptr(GError) error = NULL;
  g_assert (nn_png_write (ref, px, 5, 3, 3, &error));
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const int channels[] = { 0, 1, 3, 0 };
  unsigned o = size > 0 ? data[size - 1] : 0;
  fuzz_write_file (input_path, data, size);

  int w = -1, h = -1, c = -1;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *px = nn_png_read (input_path, channels[o & 3], &w, &h, &c, &error);
  fuzz_check_result (px != NULL, error);
  if (px != NULL)
    {
      g_assert (w > 0 && h > 0 && (c == 1 || c == 3));
      /* the last pixel is inside the buffer (ASan checks the read) */
      volatile guint8 last = px[(size_t) w * h * c - 1];
      (void) last;
    }

  /* One file as a model's input (the Inspect view's and the CLI's
   * --image): converted and resized to a size the option byte picks. */
  {
    int rh = 1 + (int) ((o >> 3) % 7) * 5, rw = 1 + (int) ((o >> 5) % 5) * 7;
    int rc = (o & 1) ? 3 : 1, fw = -1, fh = -1, fc = -1;
    g_autoptr(GError) sized_error = NULL;
    g_autofree guint8 *sized = nn_png_read_sized (input_path, rh, rw, rc, &fw, &fh, &fc,
                                                  &sized_error);

    fuzz_check_result (sized != NULL, sized_error);
    if (sized != NULL)
      {
        volatile guint8 last = sized[(size_t) rh * rw * rc - 1];

        (void) last;
        g_assert (fw > 0 && fh > 0 && (fc == 1 || fc == 3));
      }
  }

  NnPngOptions opt;
  nn_png_options_init (&opt);
  opt.channels = channels[o & 3];
  opt.skip_bad = (o >> 2) & 1;
  unsigned sz = o >> 3;
  if (sz != 0)
    {
      opt.height = 1 + (int) (sz % 6) * 3;
      opt.width = 1 + (int) (sz / 6) * 3;
    }
  opt.test_fraction = 0.5;
  g_autoptr(GError) folder_error = NULL;
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(NnDataset) ds = nn_png_folder_load (folder, &opt, &skipped, NULL, &folder_error);
  fuzz_check_result (ds != NULL, folder_error);
  if (ds != NULL)
    {
      g_assert (ds->n >= 1 && ds->n_classes >= 1 && ds->n_classes <= 2);
      NnArray *x = ds->inputs[0];
      g_autofree float *out = g_new (float, x->sample_size * ds->n);
      g_autofree guint32 *all = g_new (guint32, ds->n);
      for (size_t i = 0; i < ds->n; i++)
        all[i] = (guint32) i;
      nn_array_gather (x, all, ds->n, out);
    }
  return 0;
}
