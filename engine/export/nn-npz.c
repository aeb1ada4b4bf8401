/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A numpy .npz file of float32 arrays: a zip archive (stored, no
 * compression; CRC-32 from zlib) of .npy files, format 1.0 (magic, header
 * dict padded to 64 bytes, little-endian float32 data), which numpy.load
 * reads without extra packages. Archives stay under 4 GiB (no Zip64). */
#include <string.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

#include "nn-export-private.h"

static void
put16 (GByteArray *b, guint v)
{
  guint8 x[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (b, x, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };
  g_byte_array_append (b, x, 4);
}

/* The .npy bytes of one float32 array. */
static GByteArray *
npy_bytes (const NnTensor *t)
{
  GString *h = g_string_new ("{'descr': '<f4', 'fortran_order': False, 'shape': (");
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (h, "%d%s", t->shape[d], t->ndim == 1 || d < t->ndim - 1 ? ", " : "");
  g_string_append (h, "), }");
  /* magic (6) + version (2) + header length (2) + header, to a multiple of 64 */
  while ((10 + h->len + 1) % 64 != 0)
    g_string_append_c (h, ' ');
  g_string_append_c (h, '\n');
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  put16 (b, h->len);
  g_byte_array_append (b, (const guint8 *) h->str, h->len);
  g_string_free (h, TRUE);
  for (size_t i = 0; i < t->size; i++)
    {
      guint32 u;
      memcpy (&u, &t->data[i], 4);
      put32 (b, u);
    }
  return b;
}

/* A zip file header: local (central FALSE) or central directory entry. */
static void
zip_header (GByteArray *z, gboolean central, const char *name, guint32 crc, guint32 size,
            guint32 offset)
{
  put32 (z, central ? 0x02014b50 : 0x04034b50);
  if (central)
    put16 (z, 20);                /* made by */
  put16 (z, 20);                  /* needed: 2.0 */
  put16 (z, 0);                   /* flags */
  put16 (z, 0);                   /* stored */
  put16 (z, 0);                   /* time */
  put16 (z, 0x21);                /* date: 1980-01-01 */
  put32 (z, crc);
  put32 (z, size);
  put32 (z, size);
  put16 (z, strlen (name));
  put16 (z, 0);                   /* extra */
  if (central)
    {
      put16 (z, 0);               /* comment */
      put16 (z, 0);               /* disk */
      put16 (z, 0);               /* internal attributes */
      put32 (z, 0);               /* external attributes */
      put32 (z, offset);
    }
  g_byte_array_append (z, (const guint8 *) name, strlen (name));
}

gboolean
nn_npz_write (const char *path, GPtrArray *names, GArray *views, GError **error)
{
  g_autoptr (GByteArray) z = g_byte_array_new ();
  g_autoptr (GByteArray) cd = g_byte_array_new ();
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (GByteArray) npy = npy_bytes (&g_array_index (views, NnTensor, i));
      g_autofree char *name = g_strdup_printf ("%s.npy", (char *) g_ptr_array_index (names, i));
      if ((guint64) z->len + npy->len + 1024 > G_MAXUINT32 || names->len > 0xffff)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                       _("the weights pass 4 GiB or 65535 arrays, beyond a plain zip file"));
          return FALSE;
        }
      guint32 crc = crc32 (0, npy->data, npy->len);
      zip_header (cd, TRUE, name, crc, npy->len, z->len);
      zip_header (z, FALSE, name, crc, npy->len, 0);
      g_byte_array_append (z, npy->data, npy->len);
    }
  guint32 cd_offset = z->len;
  g_byte_array_append (z, cd->data, cd->len);
  put32 (z, 0x06054b50);
  put16 (z, 0);
  put16 (z, 0);
  put16 (z, names->len);
  put16 (z, names->len);
  put32 (z, cd->len);
  put32 (z, cd_offset);
  put16 (z, 0);
  return g_file_set_contents (path, (const char *) z->data, z->len, error);
}
