/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-protobuf.h: a small Protocol Buffers writer (the wire format only:
 * varints, 32-bit floats, length-delimited fields, nested messages and
 * packed repeated scalars), enough to write ONNX files without a protobuf
 * library. No schema: callers name fields by number. Plain GLib. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NnPb NnPb;

NnPb     *nn_pb_new            (void);
void      nn_pb_free           (NnPb *pb);
/* The bytes written so far (borrowed) and their count. Every nested
 * message must have been ended. */
const guint8 *nn_pb_get_data   (const NnPb *pb, gsize *len);

/* Scalars. int64 fields take negative values as ten-byte varints (two's
 * complement), as protobuf's int32/int64 do. */
void      nn_pb_write_varint   (NnPb *pb, int field, guint64 v);
void      nn_pb_write_int64    (NnPb *pb, int field, gint64 v);
void      nn_pb_write_float    (NnPb *pb, int field, float v);
void      nn_pb_write_bytes    (NnPb *pb, int field, const void *data, gsize len);
void      nn_pb_write_string   (NnPb *pb, int field, const char *s);
/* Packed repeated fields: one length-delimited field holding the values. */
void      nn_pb_write_packed_floats (NnPb *pb, int field, const float *v, gsize n);
void      nn_pb_write_packed_int64  (NnPb *pb, int field, const gint64 *v, gsize n);

/* Nested messages: fields written between begin and end belong to the
 * message, whose length is filled in by end (messages nest). */
void      nn_pb_begin          (NnPb *pb, int field);
void      nn_pb_end            (NnPb *pb);

/* Encodes v as a varint into out (at least 10 bytes); returns its length. */
int       nn_pb_encode_varint  (guint64 v, guint8 *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnPb, nn_pb_free)

G_END_DECLS
