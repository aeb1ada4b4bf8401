/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image datasets from folders of PNG files, one sub-folder per class.
 *
 * Two passes: the first reads every file's header (cheap) to find the
 * images, their sizes and whether any is in colour, and reports files that
 * are not PNGs or declare absurd sizes; the second decodes each image,
 * converts it to the chosen channels and resizes it straight into the
 * dataset's uint8 array. A file that fails either pass is skipped or fails
 * the load, as the caller chooses; nothing half-loaded is ever returned.
 *
 * libpng reports errors by longjmp: every decode runs in one function whose
 * locals that live across setjmp are volatile or set before it. */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-data-private.h"

/* Larger images are refused before anything is allocated for them. */
#define MAX_SIDE   16384
#define MAX_PIXELS ((guint64) 1 << 26)   /* 64 megapixels */
/* Output sizes are limited too (a dataset of such images is absurd). */
#define MAX_OUT_SIDE 4096

void
nn_png_options_init (NnPngOptions *opt)
{
  memset (opt, 0, sizeof *opt);
  opt->test_fraction = 0.2;
  opt->seed = 1;
}

/* ---- one file ---------------------------------------------------------- */

typedef struct {
  jmp_buf jmp;
  char    message[256];
  char    warning[256];    /* the last warning: libpng explains a bad IHDR there */
} PngErr;

static void
png_error_cb (png_structp png, png_const_charp msg)
{
  PngErr *e = png_get_error_ptr (png);
  g_strlcpy (e->message, msg ? msg : "unknown error", sizeof e->message);
  longjmp (e->jmp, 1);
}

static void
png_warning_cb (png_structp png, png_const_charp msg)
{
  /* Warnings (a bad CRC in an ancillary chunk, an unknown chunk) leave the
   * pixels intact; the last one is kept to explain a later error. */
  PngErr *e = png_get_error_ptr (png);
  g_strlcpy (e->warning, msg ? msg : "", sizeof e->warning);
}

typedef struct {
  int      width, height;
  gboolean color;             /* RGB, RGBA or a palette with colours */
} PngInfo;

/* Opens path and reads its 8-byte signature: NULL (and the file closed)
 * unless it is a PNG. */
static FILE *
open_png (const char *path, const char *name, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (!f)
    {
      int e = errno;
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("%s: cannot open: %s"), name,
                   g_strerror (e));
      return NULL;
    }
  guint8 sig[8];
  size_t got = fread (sig, 1, sizeof sig, f);
  if (got == 0)
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY, _("%s: the file is empty"), name);
  else if (got < sizeof sig || png_sig_cmp (sig, 0, sizeof sig) != 0)
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT, _("%s: not a PNG image"), name);
  else
    return f;
  fclose (f);
  return NULL;
}

/* The error for what libpng reported: a header that lies about its size
 * shows up as libpng's user-limit error; everything else is a damaged
 * file. */
static void
set_decode_error (const PngErr *err, const char *name, GError **error)
{
  if (strstr (err->message, "exceeds user limit") || strstr (err->warning, "exceeds user limit")
      || strstr (err->warning, "too large"))
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                 _("%s: the image declares a size over %dx%d pixels (%s)"), name, MAX_SIDE,
                 MAX_SIDE, err->warning[0] ? err->warning : err->message);
  else if (g_str_equal (err->message, "Read Error"))
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                 _("%s: damaged PNG (the file ends too early: truncated)"), name);
  else
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT, _("%s: damaged PNG (%s)"), name,
                 err->message);
}

/* To 8-bit gray or RGB without alpha: palettes expanded, low bit depths
 * widened, 16 bits cut to their high byte, alpha and tRNS dropped (the
 * colour values are kept as they are, like PIL's convert). Called inside
 * png_load's setjmp: libpng may jump out of it. */
static void
request_8bit_gray_or_rgb (png_structp png, int color_type, int depth)
{
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (!(color_type & PNG_COLOR_MASK_COLOR) && depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (depth == 16)
    png_set_strip_16 (png);
  if (color_type & PNG_COLOR_MASK_ALPHA)
    png_set_strip_alpha (png);
  png_set_interlace_handling (png);
}

/* npx pixels of `channels` (1 or 3) in src as `want` channels, in a new
 * buffer; NULL when out of memory. */
static guint8 *
convert_channels (const guint8 *src, size_t npx, int want)
{
  guint8 *conv = g_try_malloc (npx * (size_t) want);
  if (!conv)
    return NULL;
  if (want == 3)
    for (size_t i = 0; i < npx; i++)
      conv[3 * i] = conv[3 * i + 1] = conv[3 * i + 2] = src[i];
  else
    /* ITU-R 601 luma, as PIL and Keras' color_mode="grayscale" */
    for (size_t i = 0; i < npx; i++)
      conv[i] = (guint8) ((299u * src[3 * i] + 587u * src[3 * i + 1] + 114u * src[3 * i + 2]
                           + 500u) / 1000u);
  return conv;
}

/* Reads the header into *info (pixels NULL) or the whole image as 8-bit
 * gray (color FALSE) or RGB into a new buffer (*pixels). Every libpng call
 * happens inside this function's setjmp. */
static gboolean
png_load (const char *path, gboolean header_only, int want_channels, PngInfo *info,
          guint8 **pixels, GError **error)
{
  FILE *volatile f = NULL;
  png_structp png = NULL;
  png_infop pinfo = NULL;
  guint8 *volatile buf = NULL;
  png_bytep *volatile rows = NULL;
  PngErr err = { .message = "", .warning = "" };
  g_autofree char *name = g_filename_display_name (path);
  gboolean ok = FALSE;

  f = open_png (path, name, error);
  if (!f)
    return FALSE;
  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &err, png_error_cb, png_warning_cb);
  if (png)
    pinfo = png_create_info_struct (png);
  if (!png || !pinfo)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory"), name);
      goto out;
    }
  if (setjmp (err.jmp))
    {
      set_decode_error (&err, name, error);
      goto out;
    }
  png_set_user_limits (png, MAX_SIDE, MAX_SIDE);
  /* ancillary chunks (text, ICC profiles) are not ours to bound: cap them */
  png_set_chunk_malloc_max (png, 8 << 20);
  /* ... and skip the metadata nobody reads: libpng 1.6.39 allocates a text
   * chunk's declared length (up to 2 GB, from a 100-byte file) before
   * reading it, whatever the cap above; skipped chunks are read through a
   * small buffer. */
  static const png_byte skipped_chunks[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0eXIf\0pCAL\0sCAL\0";
  png_set_keep_unknown_chunks (png, PNG_HANDLE_CHUNK_NEVER, skipped_chunks,
                               (int) (sizeof skipped_chunks - 1) / 5);
  png_init_io (png, f);
  png_set_sig_bytes (png, 8);
  png_read_info (png, pinfo);

  png_uint_32 w = png_get_image_width (png, pinfo), h = png_get_image_height (png, pinfo);
  int color_type = png_get_color_type (png, pinfo);
  if ((guint64) w * h > MAX_PIXELS)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s: the image declares %ux%u pixels, more than the %u megapixels "
                   "this loader accepts"), name, (unsigned) w, (unsigned) h,
                   (unsigned) (MAX_PIXELS >> 20));
      goto out;
    }
  info->width = (int) w;
  info->height = (int) h;
  info->color = (color_type & PNG_COLOR_MASK_COLOR) != 0;
  if (header_only)
    {
      ok = TRUE;
      goto out;
    }

  request_8bit_gray_or_rgb (png, color_type, png_get_bit_depth (png, pinfo));
  png_read_update_info (png, pinfo);
  int channels = png_get_channels (png, pinfo);
  size_t rowbytes = png_get_rowbytes (png, pinfo);
  if ((channels != 1 && channels != 3) || rowbytes != (size_t) w * (size_t) channels)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s: unexpected PNG layout (%d channels)"), name, channels);
      goto out;
    }
  buf = g_try_malloc ((size_t) h * rowbytes);
  rows = g_try_new (png_bytep, h);
  if (!buf || !rows)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory for %ux%u pixels"),
                   name, (unsigned) w, (unsigned) h);
      goto out;
    }
  for (png_uint_32 y = 0; y < h; y++)
    rows[y] = buf + (size_t) y * rowbytes;
  png_read_image (png, rows);
  /* reads the chunks after the image: a truncated file fails here */
  png_read_end (png, NULL);

  int want = want_channels ? want_channels : channels;
  if (want != channels)
    {
      guint8 *conv = convert_channels (buf, (size_t) w * h, want);
      if (!conv)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory"), name);
          goto out;
        }
      g_free (buf);
      buf = conv;
    }
  *pixels = buf;
  buf = NULL;
  ok = TRUE;

out:
  if (png)
    png_destroy_read_struct (&png, pinfo ? &pinfo : NULL, NULL);
  g_free (rows);
  g_free (buf);
  fclose (f);
  return ok;
}

guint8 *
nn_png_read (const char *path, int channels, int *width, int *height, int *channels_out,
             GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (channels == 0 || channels == 1 || channels == 3, NULL);
  PngInfo info;
  guint8 *px = NULL;
  if (!png_load (path, FALSE, channels, &info, &px, error))
    return NULL;
  if (width)
    *width = info.width;
  if (height)
    *height = info.height;
  if (channels_out)
    *channels_out = channels ? channels : (info.color ? 3 : 1);
  return px;
}

/* ---- writing ----------------------------------------------------------- */

typedef struct {
  GOutputStream *out;
  GError       **error;
  PngErr         err;
} WriteCtx;

static void
write_data_cb (png_structp png, png_bytep data, png_size_t len)
{
  WriteCtx *w = png_get_io_ptr (png);
  if (!g_output_stream_write_all (w->out, data, len, NULL, NULL, w->error))
    png_error (png, "write failed");
}

static void
flush_cb (png_structp png)
{
}

gboolean
nn_png_write (const char *path, const guint8 *pixels, int width, int height, int channels,
              GError **error)
{
  g_return_val_if_fail (path && pixels, FALSE);
  g_return_val_if_fail (channels == 1 || channels == 3 || channels == 4, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  /* replace: written to a temporary file and renamed on close */
  g_autoptr (GFileOutputStream) fout = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                       NULL, error);
  if (!fout)
    return FALSE;
  GError *local = NULL;
  WriteCtx w = { G_OUTPUT_STREAM (fout), &local, { .message = "" } };
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &w.err, png_error_cb,
                                             png_warning_cb);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  png_bytep *volatile rows = g_new (png_bytep, height);
  for (int y = 0; y < height; y++)
    rows[y] = (png_bytep) pixels + (size_t) y * (size_t) width * (size_t) channels;
  volatile gboolean ok = FALSE;
  if (!png || !info)
    goto out;
  if (setjmp (w.err.jmp))
    goto out;
  png_set_write_fn (png, &w, write_data_cb, flush_cb);
  static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA };
  png_set_IHDR (png, info, (png_uint_32) width, (png_uint_32) height, 8, types[channels],
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, NULL);
  ok = TRUE;

out:
  if (png)
    png_destroy_write_struct (&png, info ? &info : NULL);
  g_free (rows);
  if (!ok)
    {
      /* cancel the replace: the old file, if any, stays */
      g_autoptr (GCancellable) cancel = g_cancellable_new ();
      g_cancellable_cancel (cancel);
      g_output_stream_close (G_OUTPUT_STREAM (fout), cancel, NULL);
      if (local)
        g_propagate_prefixed_error (error, local, "%s: ", path);
      else
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("%s: cannot write the PNG (%s)"),
                     path, w.err.message);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (fout), NULL, error);
}

/* ---- resizing ---------------------------------------------------------- */

typedef struct {
  int    first, count;   /* source taps */
  float *w;              /* count weights, summing to 1 */
} Taps;

/* Source taps of each of `out` positions along an axis of length `in`:
 * bilinear (half-pixel centres) when enlarging, the exact area average of
 * the covered source pixels when shrinking (no aliasing). */
static Taps *
taps_new (int in, int out)
{
  Taps *t = g_new0 (Taps, out);
  double scale = (double) in / out;
  for (int o = 0; o < out; o++)
    {
      if (scale <= 1.0)
        {
          double s = (o + 0.5) * scale - 0.5;
          int i0 = (int) floor (s);
          double f = s - i0;
          if (i0 < 0)
            i0 = 0, f = 0;
          if (i0 >= in - 1)
            i0 = in - 1, f = 0;
          t[o].first = i0;
          t[o].count = f > 0 ? 2 : 1;
          t[o].w = g_new (float, 2);
          t[o].w[0] = (float) (1 - f);
          t[o].w[1] = (float) f;
        }
      else
        {
          double a = o * scale, b = (o + 1) * scale;
          int i0 = (int) floor (a), i1 = (int) ceil (b);
          if (i1 > in)
            i1 = in;
          t[o].first = i0;
          t[o].count = i1 - i0;
          t[o].w = g_new (float, t[o].count);
          for (int i = i0; i < i1; i++)
            {
              double lo = MAX (a, (double) i), hi = MIN (b, (double) i + 1);
              t[o].w[i - i0] = (float) ((hi - lo) / scale);
            }
        }
    }
  return t;
}

static void
taps_free (Taps *t, int out)
{
  for (int o = 0; o < out; o++)
    g_free (t[o].w);
  g_free (t);
}

/* src (sh, sw, c) uint8 to dst (dh, dw, c) uint8; tmp holds sh * dw * c
 * floats. Rows first, then columns. */
static void
resize (const guint8 *src, int sh, int sw, guint8 *dst, int dh, int dw, int c, const Taps *tx,
        const Taps *ty, float *tmp)
{
  if (sh == dh && sw == dw)
    {
      memcpy (dst, src, (size_t) sh * sw * c);
      return;
    }
  for (int y = 0; y < sh; y++)
    for (int x = 0; x < dw; x++)
      for (int k = 0; k < c; k++)
        {
          float s = 0;
          for (int i = 0; i < tx[x].count; i++)
            s += tx[x].w[i] * src[((size_t) y * sw + (size_t) (tx[x].first + i)) * c + k];
          tmp[((size_t) y * dw + x) * c + k] = s;
        }
  for (int y = 0; y < dh; y++)
    for (int x = 0; x < dw; x++)
      for (int k = 0; k < c; k++)
        {
          float s = 0;
          for (int i = 0; i < ty[y].count; i++)
            s += ty[y].w[i] * tmp[((size_t) (ty[y].first + i) * dw + x) * c + k];
          long v = lroundf (s);
          dst[((size_t) y * dw + x) * c + k] = (guint8) CLAMP (v, 0, 255);
        }
}

/* ---- one file as a model's input ---------------------------------------- */

guint8 *
nn_png_read_sized (const char *path, int height, int width, int channels, int *file_width,
                   int *file_height, int *file_channels, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (height < 1 || width < 1 || height > MAX_OUT_SIDE || width > MAX_OUT_SIDE
      || (channels != 1 && channels != 3))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("An image can be read as 1 to %d pixels a side with 1 (gray) or 3 (RGB) "
                   "channels, not %dx%d with %d channels"), MAX_OUT_SIDE, width, height,
                   channels);
      return NULL;
    }
  PngInfo info;
  guint8 *px = NULL;
  if (!png_load (path, FALSE, channels, &info, &px, error))
    return NULL;
  size_t out_size = (size_t) height * width * channels;
  guint8 *dst = g_try_malloc (out_size);
  float *tmp = g_try_new (float, (size_t) info.height * width * channels);
  if (!dst || !tmp)
    {
      g_autofree char *name = g_filename_display_name (path);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory"), name);
      g_free (px);
      g_free (dst);
      g_free (tmp);
      return NULL;
    }
  Taps *tx = taps_new (info.width, width), *ty = taps_new (info.height, height);
  resize (px, info.height, info.width, dst, height, width, channels, tx, ty, tmp);
  taps_free (tx, width);
  taps_free (ty, height);
  g_free (tmp);
  g_free (px);
  if (file_width)
    *file_width = info.width;
  if (file_height)
    *file_height = info.height;
  if (file_channels)
    *file_channels = info.color ? 3 : 1;
  return dst;
}

/* ---- folders ----------------------------------------------------------- */

typedef struct {
  char    *path;
  int      label;
  PngInfo  info;
} Entry;

static void
entry_clear (gpointer p)
{
  g_free (((Entry *) p)->path);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* Sorted names of the entries of dir that are (dirs) sub-folders or (!dirs)
 * regular files, hidden ones left out. */
static GPtrArray *
list_dir (const char *dir, gboolean dirs, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (!d)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)))
    {
      if (n[0] == '.')
        continue;
      g_autofree char *full = g_build_filename (dir, n, NULL);
      gboolean is_dir = g_file_test (full, G_FILE_TEST_IS_DIR);
      if (dirs ? is_dir : (!is_dir && g_file_test (full, G_FILE_TEST_IS_REGULAR)))
        g_ptr_array_add (names, g_strdup (n));
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}

gboolean
nn_png_folder_detect (const char *dir)
{
  g_autoptr (GPtrArray) classes = list_dir (dir, TRUE, NULL);
  if (!classes)
    return FALSE;
  for (guint c = 0; c < classes->len; c++)
    {
      g_autofree char *sub = g_build_filename (dir, classes->pdata[c], NULL);
      g_autoptr (GPtrArray) files = list_dir (sub, FALSE, NULL);
      for (guint i = 0; files && i < files->len; i++)
        {
          const char *f = files->pdata[i];
          size_t len = strlen (f);
          if (len > 4 && g_ascii_strcasecmp (f + len - 4, ".png") == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* Records a bad file: in the skipped list, and as the load's error unless
 * bad files are skipped. Returns TRUE to go on. */
static gboolean
bad_file (GPtrArray *skipped, GError *err, gboolean skip, GError **first)
{
  g_ptr_array_add (skipped, g_strdup (err->message));
  if (!skip && !*first)
    *first = err;
  else
    g_error_free (err);
  return skip;
}

/* The output size and channels: the options', else the first image's size
 * and colour if any image has colour. */
static gboolean
output_geometry (const char *dname, const NnPngOptions *opt, GArray *entries, int *oh, int *ow,
                 int *ch, GError **error)
{
  Entry *first = &g_array_index (entries, Entry, 0);
  *oh = opt->height ? opt->height : first->info.height;
  *ow = opt->width ? opt->width : first->info.width;
  if (*oh > MAX_OUT_SIDE || *ow > MAX_OUT_SIDE)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s: the images are %dx%d; choose a size of at most %d pixels a side"),
                   dname, *ow, *oh, MAX_OUT_SIDE);
      return FALSE;
    }
  *ch = opt->channels;
  if (!*ch)
    {
      *ch = 1;
      for (guint i = 0; i < entries->len; i++)
        if (g_array_index (entries, Entry, i).info.color)
          *ch = 3;
    }
  return TRUE;
}

/* The resizing taps and scratch for one source size; images mostly share
 * one size, so they are rebuilt rarely. */
typedef struct {
  int    oh, ow, ch;   /* output */
  int    th, tw;       /* source size the taps are for; 0 before the first */
  Taps  *tx, *ty;
  float *tmp;          /* th * ow * ch floats; NULL when out of memory */
} Resizer;

static void
resizer_clear (Resizer *rs)
{
  if (rs->tx)
    taps_free (rs->tx, rs->ow), taps_free (rs->ty, rs->oh);
  rs->tx = rs->ty = NULL;
  g_clear_pointer (&rs->tmp, g_free);
}

/* Ready for sources of th x tw; FALSE when out of memory. */
static gboolean
resizer_prepare (Resizer *rs, int th, int tw)
{
  if (tw != rs->tw || th != rs->th)
    {
      resizer_clear (rs);
      rs->tw = tw;
      rs->th = th;
      rs->tx = taps_new (tw, rs->ow);
      rs->ty = taps_new (th, rs->oh);
      rs->tmp = g_try_new (float, (size_t) th * rs->ow * rs->ch);
    }
  return rs->tmp != NULL;
}

/* Pass 2 on the files that passed pass 1, in the order perm: pixels
 * straight into images, labels beside them. Returns how many were kept;
 * *fail is set (cancelled, out of memory) or *first_bad (a bad file that is
 * not skipped) when the pass stops early. */
static size_t
decode_all (const char *dname, const NnPngOptions *opt, GArray *entries, const guint32 *perm,
            NnArray *images, NnArray *labels, GPtrArray *skipped, GCancellable *cancel,
            GError **first_bad, GError **fail)
{
  Resizer rs = { .oh = images->shape[0], .ow = images->shape[1], .ch = images->shape[2] };
  size_t kept = 0, sample = (size_t) rs.oh * rs.ow * rs.ch;
  for (size_t i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, perm[i]);
      if (nn_data_cancelled (cancel, fail))
        break;
      guint8 *px = NULL;
      GError *err = NULL;
      if (!png_load (e->path, FALSE, rs.ch, &e->info, &px, &err))
        {
          if (!bad_file (skipped, err, opt->skip_bad, first_bad))
            break;
          continue;
        }
      if (!resizer_prepare (&rs, e->info.height, e->info.width))
        {
          g_free (px);
          g_set_error (fail, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory"), dname);
          break;
        }
      resize (px, rs.th, rs.tw, (guint8 *) images->data + kept * sample, rs.oh, rs.ow, rs.ch,
              rs.tx, rs.ty, rs.tmp);
      ((gint32 *) labels->data)[kept] = e->label;
      kept++;
      g_free (px);
    }
  resizer_clear (&rs);
  return kept;
}

/* The dataset of the images kept, named after dir, the test split its
 * tail. */
static NnDataset *
dataset_new (const char *dir, NnArray *images, NnArray *labels, size_t kept,
             GPtrArray *classes, double test_fraction)
{
  /* files skipped in pass 2 leave unused room at the end */
  images->n = labels->n = kept;
  nn_array_set_uniform_scale (images, 1.f / 255.f, 0.f);

  g_autofree char *base = g_path_get_basename (dir);
  NnDataset *ds = nn_dataset_alloc (base, 1, 1);
  ds->inputs[0] = images;
  ds->targets[0] = labels;
  ds->n = kept;
  ds->n_classes = (int) classes->len;
  ds->class_names = g_new0 (char *, classes->len + 1);
  for (guint c = 0; c < classes->len; c++)
    ds->class_names[c] = g_filename_display_name (classes->pdata[c]);
  size_t n_test = (size_t) floor (test_fraction * (double) kept);
  if (n_test >= kept)
    n_test = kept - 1;
  nn_dataset_split_tail (ds, n_test);
  return ds;
}

/* Pass 2 on the files that passed pass 1: pixels straight into the array,
 * then the shuffle and the split. NULL with *first_bad or *error set. */
static NnDataset *
assemble (const char *dir, const char *dname, const NnPngOptions *opt, GArray *entries,
          GPtrArray *classes, GPtrArray *skipped, GCancellable *cancel, GError **first_bad,
          GError **error)
{
  int oh, ow, ch;
  if (!output_geometry (dname, opt, entries, &oh, &ow, &ch, error))
    return NULL;

  /* Shuffled with the seed so that the test split (the tail) and a
   * validation split mix every class: the files are taken in that order. */
  size_t n = entries->len;
  NnRng rng;
  nn_rng_seed (&rng, opt->seed);
  g_autofree guint32 *perm = g_new (guint32, n);
  for (size_t i = 0; i < n; i++)
    perm[i] = (guint32) i;
  nn_rng_shuffle (&rng, perm, n);

  int shape[3] = { oh, ow, ch };
  g_autoptr (NnArray) images = nn_array_new ("images", NN_DTYPE_U8, 3, shape, n, error);
  g_autoptr (NnArray) labels = images ? nn_array_new ("labels", NN_DTYPE_I32, 0, NULL, n, error)
                                      : NULL;
  if (!labels)
    return NULL;
  GError *fail = NULL;
  size_t kept = decode_all (dname, opt, entries, perm, images, labels, skipped, cancel,
                            first_bad, &fail);
  if (fail)
    {
      g_propagate_error (error, fail);
      return NULL;
    }
  if (*first_bad)
    return NULL;
  if (kept == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s: none of its files is a readable PNG image (%s)"), dname,
                   (char *) skipped->pdata[0]);
      return NULL;
    }
  return dataset_new (dir, g_steal_pointer (&images), g_steal_pointer (&labels), kept, classes,
                      opt->test_fraction);
}

/* Pass 1: every file's header. Files that pass go into entries; a bad one
 * is skipped or sets *first_bad. FALSE when the pass stops. */
static gboolean
scan_headers (const char *dir, const char *dname, GPtrArray *classes, const NnPngOptions *opt,
              GArray *entries, GPtrArray *skipped, GCancellable *cancel, GError **first_bad,
              GError **error)
{
  for (guint c = 0; c < classes->len; c++)
    {
      g_autoptr (GError) local = NULL;
      g_autofree char *sub = g_build_filename (dir, classes->pdata[c], NULL);
      g_autoptr (GPtrArray) files = list_dir (sub, FALSE, &local);
      if (!files)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, "%s: %s", dname, local->message);
          return FALSE;
        }
      for (guint i = 0; i < files->len; i++)
        {
          if (nn_data_cancelled (cancel, error))
            return FALSE;
          Entry e = { g_build_filename (sub, files->pdata[i], NULL), (int) c };
          GError *err = NULL;
          if (png_load (e.path, TRUE, 0, &e.info, NULL, &err))
            g_array_append_val (entries, e);
          else
            {
              g_free (e.path);
              if (!bad_file (skipped, err, opt->skip_bad, first_bad))
                return FALSE;
            }
        }
    }
  return TRUE;
}

NnDataset *
nn_png_folder_load (const char *dir, const NnPngOptions *opt_in, GPtrArray **skipped_out,
                    GCancellable *cancel, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  NnPngOptions opt;
  if (opt_in)
    opt = *opt_in;
  else
    nn_png_options_init (&opt);
  g_autofree char *dname = g_filename_display_name (dir);
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  GError *first_bad = NULL;
  NnDataset *result = NULL;

  if (skipped_out)
    *skipped_out = NULL;
  if ((opt.channels != 0 && opt.channels != 1 && opt.channels != 3)
      || opt.height < 0 || opt.width < 0 || opt.height > MAX_OUT_SIDE
      || opt.width > MAX_OUT_SIDE || !(opt.test_fraction >= 0 && opt.test_fraction < 1))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("PNG folder options: channels must be 1 or 3, sizes 1 to %d and the test "
                   "fraction in [0, 1)"), MAX_OUT_SIDE);
      return NULL;
    }

  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) classes = list_dir (dir, TRUE, &local);
  if (!classes)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("%s: cannot read the folder: %s"),
                   dname, local->message);
      return NULL;
    }
  if (classes->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no sub-folders: put the images of each class in a sub-folder "
                   "named after the class"), dname);
      return NULL;
    }

  if (!scan_headers (dir, dname, classes, &opt, entries, skipped, cancel, &first_bad, error))
    goto out;
  if (entries->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   skipped->len ? "%s: none of its files is a readable PNG image (%s)"
                                : "%s: its class sub-folders hold no PNG images%s",
                   dname, skipped->len ? (char *) skipped->pdata[0] : "");
      goto out;
    }
  if (entries->len > G_MAXINT32)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: too many images"), dname);
      goto out;
    }

  result = assemble (dir, dname, &opt, entries, classes, skipped, cancel, &first_bad, error);

out:
  if (first_bad)
    {
      /* the load stops at the first bad file: say how to load the rest */
      g_propagate_error (error, first_bad);
      if (error)
        {
          char *msg = g_strconcat ((*error)->message,
                                   "; remove the file or choose to skip unreadable files", NULL);
          g_free ((*error)->message);
          (*error)->message = msg;
        }
    }
  if (skipped_out)
    *skipped_out = g_steal_pointer (&skipped);
  return result;
}
