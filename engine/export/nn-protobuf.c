/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protobuf wire format (protobuf.dev, "Encoding"): each field is a tag
 * varint (field number << 3 | wire type) and its value; wire type 0 is a
 * varint, 2 a length then bytes, 5 four little-endian bytes. A nested
 * message is a length-delimited field: its length is known only once it is
 * written, so end() inserts the length varint before its bytes. */
#include <string.h>

#include "nn-protobuf.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_I32 = 5 };

struct _NnPb {
  GByteArray *buf;
  GArray     *open;   /* gsize: where each open message's bytes start */
};

NnPb *
nn_pb_new (void)
{
  NnPb *pb = g_new0 (NnPb, 1);
  pb->buf = g_byte_array_new ();
  pb->open = g_array_new (FALSE, FALSE, sizeof (gsize));
  return pb;
}

void
nn_pb_free (NnPb *pb)
{
  if (!pb)
    return;
  g_byte_array_unref (pb->buf);
  g_array_unref (pb->open);
  g_free (pb);
}

const guint8 *
nn_pb_get_data (const NnPb *pb,
                gsize      *len)
{
  g_return_val_if_fail (pb->open->len == 0, NULL);
  *len = pb->buf->len;
  return pb->buf->data;
}

int
nn_pb_encode_varint (guint64  v,
                     guint8  *out)
{
  int n = 0;
  while (v >= 0x80)
    {
      out[n++] = (guint8) (v | 0x80);
      v >>= 7;
    }
  out[n++] = (guint8) v;
  return n;
}

static void
put_varint (NnPb    *pb,
            guint64  v)
{
  guint8 tmp[10];
  g_byte_array_append (pb->buf, tmp, (guint) nn_pb_encode_varint (v, tmp));
}

static void
put_tag (NnPb *pb,
         int   field,
         int   wire)
{
  g_assert (field > 0);
  put_varint (pb, ((guint64) field << 3) | (guint64) wire);
}

void
nn_pb_write_varint (NnPb    *pb,
                    int      field,
                    guint64  v)
{
  put_tag (pb, field, WIRE_VARINT);
  put_varint (pb, v);
}

void
nn_pb_write_int64 (NnPb   *pb,
                   int     field,
                   gint64  v)
{
  nn_pb_write_varint (pb, field, (guint64) v);
}

static void
put_float (NnPb  *pb,
           float  v)
{
  guint32 bits;
  memcpy (&bits, &v, 4);
  bits = GUINT32_TO_LE (bits);
  g_byte_array_append (pb->buf, (const guint8 *) &bits, 4);
}

void
nn_pb_write_float (NnPb  *pb,
                   int    field,
                   float  v)
{
  put_tag (pb, field, WIRE_I32);
  put_float (pb, v);
}

void
nn_pb_write_bytes (NnPb       *pb,
                   int         field,
                   const void *data,
                   gsize       len)
{
  /* GByteArray counts in guint; callers keep far below (ONNX: 2 GB) */
  g_return_if_fail (len <= G_MAXUINT - pb->buf->len - 32);
  put_tag (pb, field, WIRE_LEN);
  put_varint (pb, len);
  if (len)
    g_byte_array_append (pb->buf, data, (guint) len);
}

void
nn_pb_write_string (NnPb       *pb,
                    int         field,
                    const char *s)
{
  nn_pb_write_bytes (pb, field, s, strlen (s));
}

void
nn_pb_write_packed_floats (NnPb        *pb,
                           int          field,
                           const float *v,
                           gsize        n)
{
  put_tag (pb, field, WIRE_LEN);
  put_varint (pb, 4 * (guint64) n);
  for (gsize i = 0; i < n; i++)
    put_float (pb, v[i]);
}

void
nn_pb_write_packed_int64 (NnPb         *pb,
                          int           field,
                          const gint64 *v,
                          gsize         n)
{
  nn_pb_begin (pb, field);
  for (gsize i = 0; i < n; i++)
    put_varint (pb, (guint64) v[i]);
  nn_pb_end (pb);
}

void
nn_pb_begin (NnPb *pb,
             int   field)
{
  put_tag (pb, field, WIRE_LEN);
  gsize start = pb->buf->len;
  g_array_append_val (pb->open, start);
}

void
nn_pb_end (NnPb *pb)
{
  g_return_if_fail (pb->open->len > 0);
  gsize start = g_array_index (pb->open, gsize, pb->open->len - 1);
  g_array_set_size (pb->open, pb->open->len - 1);
  gsize len = pb->buf->len - start;
  guint8 tmp[10];
  int n = nn_pb_encode_varint (len, tmp);
  /* Make room for the length before the message's bytes. */
  g_byte_array_set_size (pb->buf, pb->buf->len + (guint) n);
  memmove (pb->buf->data + start + n, pb->buf->data + start, len);
  memcpy (pb->buf->data + start, tmp, (size_t) n);
}
