/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-idx.c: IDX files (the MNIST format), plain or gzip.
 *
 * Layout: 0x00 0x00 type ndim, then ndim big-endian uint32 dimensions, then
 * the values, big-endian, row-major. Types read here: 0x08 (uint8) and 0x0D
 * (float32). Gzip is recognized by its magic bytes, not by the file name.
 *
 * Every size the header declares is checked against what the file can hold
 * before anything that big is allocated: a 100-byte file that claims
 * 2^30 × 2^30 values fails at once. A gzip stream's true length is unknown
 * until it is inflated, so its buffer grows as data arrives, capped at the
 * declared size, and the declared size itself is bounded by deflate's
 * largest possible expansion of the compressed bytes.
 *
 * The file is mapped, not read: the pages already consumed are handed
 * back as the reader moves on, so loading a dataset never holds the file
 * and its contents in memory at once (Fashion-MNIST's training images: 26
 * MB compressed, 47 MB of pixels). */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

#define IDX_TYPE_U8   0x08
#define IDX_TYPE_F32  0x0D
#define IDX_MAX_NDIM  4
/* Deflate stores at most 258 bytes per 2-bit code, a ratio of 1032:1. */
#define DEFLATE_MAX_RATIO 1032
/* Work between cancellation checks. */
#define IDX_CHUNK (1u << 20)

typedef struct {
  const char   *path;
  const guint8 *src;
  size_t        src_len;
  size_t        pos;          /* plain: read position in src */
  gboolean      gz;
  gboolean      zs_open;
  gboolean      stream_end;   /* the last gzip member ended cleanly */
  gboolean      mapped;       /* src is a file mapping: consumed pages go back */
  size_t        released;     /* bytes of src handed back so far */
  z_stream      zs;
} IdxReader;

/* Hands back the whole pages of a mapped src before byte `consumed`. */
static void
idx_reader_release (IdxReader *r, size_t consumed)
{
  if (!r->mapped)
    return;
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  size_t upto = consumed / page * page;
  if (upto > r->released)
    {
      /* a read-only private file mapping: the pages are dropped, and read
       * from the file again if ever touched */
      madvise ((void *) (r->src + r->released), upto - r->released, MADV_DONTNEED);
      r->released = upto;
    }
}

static void
idx_reader_clear (IdxReader *r)
{
  if (r->zs_open)
    inflateEnd (&r->zs);
  r->zs_open = FALSE;
}

static gboolean
idx_reader_init (IdxReader    *r,
                 const char   *path,
                 const guint8 *src,
                 size_t        len,
                 GError      **error)
{
  memset (r, 0, sizeof *r);
  r->path = path;
  r->src = src;
  r->src_len = len;
  r->gz = len >= 2 && src[0] == 0x1f && src[1] == 0x8b;
  if (!r->gz)
    return TRUE;

  /* 16 + MAX_WBITS: gzip wrapper only, with its CRC checked at the end. */
  if (inflateInit2 (&r->zs, 16 + MAX_WBITS) != Z_OK)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("%s: cannot start the gzip decoder"), path);
      return FALSE;
    }
  r->zs_open = TRUE;
  r->zs.next_in = (Bytef *) src;
  r->zs.avail_in = (uInt) MIN (len, (size_t) G_MAXUINT32);
  return TRUE;
}

/* Fills dst with up to len bytes; *got tells how many (fewer only at the
 * end of the data). FALSE with an error for a corrupt stream. */
static gboolean
idx_reader_read (IdxReader  *r,
                 guint8     *dst,
                 size_t      len,
                 size_t     *got,
                 GError    **error)
{
  if (!r->gz)
    {
      size_t n = MIN (len, r->src_len - r->pos);
      memcpy (dst, r->src + r->pos, n);
      r->pos += n;
      *got = n;
      idx_reader_release (r, r->pos);
      return TRUE;
    }

  size_t done = 0;
  while (done < len && !r->stream_end)
    {
      size_t want = MIN (len - done, (size_t) G_MAXUINT32);
      r->zs.next_out = dst + done;
      r->zs.avail_out = (uInt) want;
      int ret = inflate (&r->zs, Z_NO_FLUSH);
      done += want - r->zs.avail_out;

      if (ret == Z_STREAM_END)
        {
          /* Several gzip members one after the other are still one gzip
           * file; anything else after the end is not part of it. */
          size_t consumed = (const guint8 *) r->zs.next_in - r->src;
          size_t left = r->src_len - consumed;
          if (left == 0)
            r->stream_end = TRUE;
          else if (left >= 2 && r->zs.next_in[0] == 0x1f && r->zs.next_in[1] == 0x8b)
            inflateReset (&r->zs);
          else
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                           _("%s: %zu bytes of something else follow the gzip data"),
                           r->path, left);
              return FALSE;
            }
        }
      else if (ret == Z_BUF_ERROR && r->zs.avail_in == 0)
        break; /* input exhausted before the stream ended: truncated */
      else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s: corrupt gzip data (%s)"), r->path,
                       r->zs.msg != NULL ? r->zs.msg : "bad stream");
          return FALSE;
        }
      else if (ret == Z_MEM_ERROR)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                       _("%s: out of memory while decompressing"), r->path);
          return FALSE;
        }
      else if (ret != Z_OK && ret != Z_BUF_ERROR)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s: corrupt gzip data"), r->path);
          return FALSE;
        }
    }
  *got = done;
  idx_reader_release (r, (size_t) ((const guint8 *) r->zs.next_in - r->src));
  return TRUE;
}

static const char *
idx_type_name (int t)
{
  switch (t)
    {
    case 0x09: return "int8";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0E: return "float64";
    default: return "unknown";
    }
}

/* Reads and checks the header: type, number of axes, the axes' sizes and
 * their product (at most NN_DATA_MAX_ELEMENTS). */
static gboolean
idx_read_header (IdxReader  *r,
                 int        *type,
                 int        *ndim,
                 guint32    *dims,
                 guint64    *total,
                 GError    **error)
{
  const char *path = r->path;
  guint8 head[4 + 4 * IDX_MAX_NDIM];
  size_t got;

  if (!idx_reader_read (r, head, 4, &got, error))
    return FALSE;
  if (got == 0 && r->gz)
    {
      if (r->stream_end)
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                     _("%s is an empty gzip file"), path);
      else
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                     _("%s is truncated: the gzip stream ends before any data"), path);
      return FALSE;
    }
  if (got < 4)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                   _("%s ends inside its IDX header (%zu of 4 bytes)"), path, got);
      return FALSE;
    }
  if (head[0] != 0 || head[1] != 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s is not an IDX file: it starts with %02x %02x, not 00 00"),
                   path, head[0], head[1]);
      return FALSE;
    }
  *type = head[2];
  *ndim = head[3];
  if (*type != IDX_TYPE_U8 && *type != IDX_TYPE_F32)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s holds IDX type 0x%02x (%s); only uint8 (0x08) and float32 (0x0D) are read"),
                   path, *type, idx_type_name (*type));
      return FALSE;
    }
  if (*ndim < 1 || *ndim > IDX_MAX_NDIM)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s declares %d dimensions; IDX files here have 1 to %d"),
                   path, *ndim, IDX_MAX_NDIM);
      return FALSE;
    }
  if (!idx_reader_read (r, head + 4, 4 * (size_t) *ndim, &got, error))
    return FALSE;
  if (got < 4 * (size_t) *ndim)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                   _("%s ends inside its IDX header"), path);
      return FALSE;
    }

  *total = 1;
  for (int i = 0; i < *ndim; i++)
    {
      guint32 be;
      memcpy (&be, head + 4 + 4 * i, 4);
      dims[i] = GUINT32_FROM_BE (be);
      if (dims[i] == 0)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("%s: dimension %d is 0"), path, i);
          return FALSE;
        }
      /* Checked after each factor, so the product cannot overflow. */
      *total *= dims[i];
      if (*total > NN_DATA_MAX_ELEMENTS)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       "%s declares more than %" G_GUINT64_FORMAT " values, which is not a "
                       "dataset this program can hold", path, NN_DATA_MAX_ELEMENTS);
          return FALSE;
        }
    }
  return TRUE;
}

/* Checks the declared data size against the file before anything that big
 * is allocated: exactly what follows the header in a plain file, at most
 * deflate's largest expansion of the compressed bytes in a gzip file. */
static gboolean
idx_check_data_size (const IdxReader  *r,
                     size_t            header_len,
                     size_t            bytes,
                     GError          **error)
{
  const char *path = r->path;

  if (!r->gz)
    {
      size_t avail = r->src_len - header_len;
      if (avail < bytes)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                       _("%s is truncated: its header declares %zu bytes of data but "
                       "only %zu follow"), path, bytes, avail);
          return FALSE;
        }
      if (avail > bytes)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("%s has %zu bytes after the %zu its header declares"),
                       path, avail - bytes, bytes);
          return FALSE;
        }
    }
  else if ((guint64) bytes / DEFLATE_MAX_RATIO > r->src_len)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s declares %zu bytes of data, more than %zu compressed bytes can hold"),
                   path, bytes, r->src_len);
      return FALSE;
    }
  return TRUE;
}

/* Drives a gzip stream to its end, after the declared data: that is where
 * the CRC is checked and where extra data would show. */
static gboolean
idx_check_gzip_end (IdxReader  *r,
                    size_t      bytes,
                    GError    **error)
{
  guint8 extra[64];
  size_t n_extra = 0, got;
  do
    {
      if (!idx_reader_read (r, extra, sizeof extra, &got, error))
        return FALSE;
      n_extra += got;
    }
  while (got == sizeof extra && n_extra < (1u << 20));
  if (n_extra > 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s has %s%zu bytes after the %zu its header declares"),
                   r->path, got == sizeof extra ? "more than " : "", n_extra, bytes);
      return FALSE;
    }
  if (!r->stream_end)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                   _("%s is truncated: the gzip stream ends early"), r->path);
      return FALSE;
    }
  return TRUE;
}

/* Reads the `bytes` bytes of values into a new buffer. Plain: the exact
 * size is known and checked. Gzip: start with a guess and grow, never
 * beyond the declared size. */
static guint8 *
idx_read_values (IdxReader     *r,
                 size_t         bytes,
                 GCancellable  *cancel,
                 GError       **error)
{
  const char *path = r->path;
  size_t cap = r->gz ? MIN (bytes, MAX ((size_t) IDX_CHUNK, 4 * r->src_len)) : bytes;
  g_autofree guint8 *data = g_try_malloc (cap);
  if (data == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for %s (%zu MB)"), path, cap >> 20);
      return NULL;
    }
  size_t have = 0, got;
  while (have < bytes)
    {
      if (nn_data_cancelled (cancel, error))
        return NULL;
      if (have == cap)
        {
          size_t ncap = MIN (bytes, cap * 2);
          guint8 *p = g_try_realloc (data, ncap);
          if (p == NULL)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                           _("Not enough memory for %s (%zu MB)"), path, ncap >> 20);
              return NULL;
            }
          data = p;
          cap = ncap;
        }
      size_t want = MIN (cap - have, (size_t) IDX_CHUNK);
      if (!idx_reader_read (r, data + have, want, &got, error))
        return NULL;
      have += got;
      if (got < want)
        break;
    }
  if (have < bytes)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_TRUNCATED,
                   _("%s is truncated: its header declares %zu bytes of data but "
                   "only %zu follow"), path, bytes, have);
      return NULL;
    }
  if (r->gz && !idx_check_gzip_end (r, bytes, error))
    return NULL;
  return g_steal_pointer (&data);
}

/* "train-labels-idx1-ubyte.gz" is called "train-labels-idx1-ubyte". */
static char *
idx_array_name (const char *path)
{
  char *name = g_path_get_basename (path);
  char *dot = strrchr (name, '.');
  if (dot != NULL && g_str_equal (dot, ".gz") && dot != name)
    *dot = '\0';
  dot = strrchr (name, '.');
  if (dot != NULL && dot != name)
    *dot = '\0';
  return name;
}

/* The array of the values read, taking `data`. Per-sample shape: (n, H, W)
 * images gain a channel axis (channels-last), (n) labels become one int32
 * scalar per sample. */
static NnArray *
idx_array_new (const char     *path,
               int             type,
               int             ndim,
               const guint32  *dims,
               guint64         total,
               guint8         *data,
               GError        **error)
{
  g_autofree guint8 *owned = data;
  g_autofree char *name = idx_array_name (path);
  int shape[NN_MAX_DIMS], sdim = 0;
  for (int i = 1; i < ndim; i++)
    shape[sdim++] = (int) dims[i];
  if (ndim == 3)
    shape[sdim++] = 1;

  if (type == IDX_TYPE_U8 && ndim == 1)
    {
      NnArray *labels = nn_array_new (name, NN_DTYPE_I32, 0, shape, dims[0], error);
      if (labels == NULL)
        return NULL;
      gint32 *lab = labels->data;
      for (size_t i = 0; i < dims[0]; i++)
        lab[i] = owned[i];
      return labels;
    }

  NnArray *result = g_new0 (NnArray, 1);
  result->name = g_steal_pointer (&name);
  result->dtype = type == IDX_TYPE_U8 ? NN_DTYPE_U8 : NN_DTYPE_F32;
  result->ndim = sdim;
  memcpy (result->shape, shape, sizeof (int) * sdim);
  result->n = dims[0];
  result->sample_size = (size_t) total / dims[0];
  if (type == IDX_TYPE_F32)
    {
      guint32 *w = (guint32 *) owned;
      for (size_t i = 0; i < total; i++)
        w[i] = GUINT32_FROM_BE (w[i]);
    }
  result->data = g_steal_pointer (&owned);
  return result;
}

static NnArray *
idx_load_from_memory (const char    *path,
                      const guint8  *src,
                      size_t         src_len,
                      gboolean       mapped,
                      GCancellable  *cancel,
                      GError       **error)
{
  NnArray *result = NULL;
  IdxReader r;
  int type, ndim;
  guint32 dims[IDX_MAX_NDIM];
  guint64 total;

  if (src_len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s is empty"), path);
      return NULL;
    }
  if (!idx_reader_init (&r, path, src, src_len, error))
    return NULL;
  r.mapped = mapped && ((guintptr) src % (guintptr) sysconf (_SC_PAGESIZE)) == 0;

  if (idx_read_header (&r, &type, &ndim, dims, &total, error))
    {
      size_t bytes = (size_t) total * (type == IDX_TYPE_U8 ? 1 : 4);
      size_t header_len = 4 + 4 * (size_t) ndim;
      guint8 *data = NULL;
      if (idx_check_data_size (&r, header_len, bytes, error)
          && (data = idx_read_values (&r, bytes, cancel, error)) != NULL)
        result = idx_array_new (path, type, ndim, dims, total, data, error);
    }
  idx_reader_clear (&r);
  return result;
}

NnArray *
nn_idx_load_cancellable (const char    *path,
                         GCancellable  *cancel,
                         GError       **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("Cannot read %s: %s"), path, local->message);
      return NULL;
    }
  return idx_load_from_memory (path, (const guint8 *) g_mapped_file_get_contents (map),
                               g_mapped_file_get_length (map), TRUE, cancel, error);
}

NnArray *
nn_idx_load (const char  *path,
             GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return nn_idx_load_cancellable (path, NULL, error);
}

/* DIR/PREFIX-KIND-ubyte.gz, or without .gz; NULL if neither exists. */
static char *
find_idx (const char *dir,
          const char *prefix,
          const char *kind)
{
  g_autofree char *plain = g_strdup_printf ("%s/%s-%s-ubyte", dir, prefix, kind);
  g_autofree char *gz = g_strdup_printf ("%s.gz", plain);
  if (g_file_test (gz, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&gz);
  if (g_file_test (plain, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&plain);
  return NULL;
}

/* Loads one images + labels pair and checks that they agree. */
static gboolean
load_pair (const char    *dir,
           const char    *prefix,
           gboolean       required,
           NnArray      **images,
           NnArray      **labels,
           GCancellable  *cancel,
           GError       **error)
{
  g_autofree char *ip = find_idx (dir, prefix, "images-idx3");
  g_autofree char *lp = find_idx (dir, prefix, "labels-idx1");
  *images = *labels = NULL;
  if (ip == NULL || lp == NULL)
    {
      if (!required && ip == NULL && lp == NULL)
        return TRUE;
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("%s has no %s-%s-ubyte(.gz)"), dir, prefix,
                   ip == NULL ? "images-idx3" : "labels-idx1");
      return FALSE;
    }

  g_autoptr(NnArray) im = nn_idx_load_cancellable (ip, cancel, error);
  if (im == NULL)
    return FALSE;
  g_autoptr(NnArray) lab = nn_idx_load_cancellable (lp, cancel, error);
  if (lab == NULL)
    return FALSE;
  if (im->dtype != NN_DTYPE_U8 || im->ndim != 3)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s does not hold uint8 images (n, height, width)"), ip);
      return FALSE;
    }
  if (lab->dtype != NN_DTYPE_I32 || lab->ndim != 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s does not hold uint8 labels (n)"), lp);
      return FALSE;
    }
  if (im->n != lab->n)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s holds %zu images but %s holds %zu labels"), ip, im->n, lp, lab->n);
      return FALSE;
    }
  *images = g_steal_pointer (&im);
  *labels = g_steal_pointer (&lab);
  return TRUE;
}

/* Appends b's samples to a (same dtype and shape), freeing b. */
static gboolean
array_append (NnArray  *a,
              NnArray  *b,
              GError  **error)
{
  size_t sb = a->sample_size * nn_dtype_size (a->dtype);
  guint8 *p = g_try_realloc (a->data, (a->n + b->n) * sb);
  if (p == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for %s"), a->name);
      nn_array_free (b);
      return FALSE;
    }
  memcpy (p + a->n * sb, b->data, b->n * sb);
  a->data = p;
  a->n += b->n;
  nn_array_free (b);
  return TRUE;
}

NnDataset *
nn_idx_load_dir (const char          *dir,
                 const char          *name,
                 const char *const   *class_names,
                 int                  n_class_names,
                 gboolean             require_test,
                 GCancellable        *cancel,
                 GError             **error)
{
  g_autoptr(NnArray) images = NULL, labels = NULL;
  g_autoptr(NnArray) test_images = NULL, test_labels = NULL;

  if (!load_pair (dir, "train", TRUE, &images, &labels, cancel, error))
    return NULL;
  if (!load_pair (dir, "t10k", require_test, &test_images, &test_labels, cancel, error))
    return NULL;

  size_t n_test = 0;
  if (test_images != NULL)
    {
      if (!nn_shape_equal (images->ndim, images->shape, test_images->ndim, test_images->shape))
        {
          g_autofree char *s1 = nn_shape_to_string (images->ndim, images->shape, FALSE);
          g_autofree char *s2 = nn_shape_to_string (test_images->ndim, test_images->shape, FALSE);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("%s: training images are %s but test images are %s"), dir, s1, s2);
          return NULL;
        }
      n_test = test_images->n;
      if (!array_append (images, g_steal_pointer (&test_images), error)
          || !array_append (labels, g_steal_pointer (&test_labels), error))
        return NULL;
    }

  int n_classes = 0;
  const gint32 *lab = labels->data;
  for (size_t i = 0; i < labels->n; i++)
    n_classes = MAX (n_classes, lab[i] + 1);
  if (class_names != NULL)
    {
      if (n_classes > n_class_names)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s: a label is %d but %s has %d classes"),
                       dir, n_classes - 1, name, n_class_names);
          return NULL;
        }
      n_classes = n_class_names;
    }

  g_free (images->name);
  images->name = g_strdup ("images");
  g_free (labels->name);
  labels->name = g_strdup ("labels");
  /* Pixels stay uint8; every batch reads them as value / 255. */
  nn_array_set_uniform_scale (images, 1.f / 255.f, 0.f);

  NnDataset *ds = nn_dataset_alloc (name, 1, 1);
  ds->n = images->n;
  ds->inputs[0] = g_steal_pointer (&images);
  ds->targets[0] = g_steal_pointer (&labels);
  ds->n_classes = n_classes;
  ds->class_names = g_new0 (char *, n_classes + 1);
  for (int c = 0; c < n_classes; c++)
    ds->class_names[c] = class_names != NULL ? g_strdup (class_names[c])
                                             : g_strdup_printf ("%d", c);
  nn_dataset_split_tail (ds, n_test);
  return ds;
}
