/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protobuf writer against bytes worked out by hand from the wire format
 * (protobuf.dev, "Encoding": its own examples 150, 300, "testing" and the
 * packed 3, 270, 86942 among them). */
#include <string.h>

#include "nn-protobuf.h"

static void
assert_bytes (NnPb         *pb,
              const guint8 *want,
              gsize         n)
{
  gsize len = 0;
  const guint8 *got = nn_pb_get_data (pb, &len);
  g_assert_cmpmem (got, len, want, n);
}

static void
test_varint (void)
{
  g_autoptr (NnPb) pb = nn_pb_new ();
  nn_pb_write_varint (pb, 1, 1);        /* 08 01 */
  nn_pb_write_varint (pb, 1, 300);      /* 08 ac 02: 300 = 0b10_0101100 */
  nn_pb_write_varint (pb, 16, 0);       /* tag 16 << 3 = 128: 80 01, then 00 */
  nn_pb_write_int64 (pb, 2, -1);        /* ten bytes: 2^64 - 1 */
  static const guint8 want[] = {
    0x08, 0x01, 0x08, 0xac, 0x02, 0x80, 0x01, 0x00,
    0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
  };
  assert_bytes (pb, want, sizeof want);

  guint8 buf[10];
  g_assert_cmpint (nn_pb_encode_varint (G_MAXUINT64, buf), ==, 10);
  g_assert_cmpint (nn_pb_encode_varint (127, buf), ==, 1);
  g_assert_cmpint (nn_pb_encode_varint (128, buf), ==, 2);
  g_assert_cmphex (buf[0], ==, 0x80);
  g_assert_cmphex (buf[1], ==, 0x01);
}

static void
test_float_and_bytes (void)
{
  g_autoptr (NnPb) pb = nn_pb_new ();
  nn_pb_write_float (pb, 2, 1.0f);          /* 15, then 1.0f little-endian 00 00 80 3f */
  nn_pb_write_float (pb, 3, -2.5f);         /* 1d 00 00 20 c0 */
  nn_pb_write_string (pb, 2, "testing");    /* 12 07 't' 'e' 's' 't' 'i' 'n' 'g' */
  nn_pb_write_bytes (pb, 5, NULL, 0);       /* 2a 00: an empty field */
  static const guint8 want[] = {
    0x15, 0x00, 0x00, 0x80, 0x3f,
    0x1d, 0x00, 0x00, 0x20, 0xc0,
    0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
    0x2a, 0x00,
  };
  assert_bytes (pb, want, sizeof want);
}

static void
test_packed (void)
{
  g_autoptr (NnPb) pb = nn_pb_new ();
  static const gint64 ints[] = { 3, 270, 86942 };
  static const float floats[] = { 1.0f, -2.0f };
  nn_pb_write_packed_int64 (pb, 4, ints, 3);     /* 22 06 03 8e 02 9e a7 05 */
  nn_pb_write_packed_floats (pb, 4, floats, 2);  /* 22 08 00 00 80 3f 00 00 00 c0 */
  nn_pb_write_packed_int64 (pb, 1, NULL, 0);     /* 0a 00 */
  static const guint8 want[] = {
    0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
    0x22, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
    0x0a, 0x00,
  };
  assert_bytes (pb, want, sizeof want);
}

static void
test_nested (void)
{
  /* Message 3 { 1: 150 }: 1a 03 08 96 01. */
  g_autoptr (NnPb) pb = nn_pb_new ();
  nn_pb_begin (pb, 3);
  nn_pb_write_varint (pb, 1, 150);
  nn_pb_end (pb);
  static const guint8 want[] = { 0x1a, 0x03, 0x08, 0x96, 0x01 };
  assert_bytes (pb, want, sizeof want);
}

static void
test_nested_long (void)
{
  /* 1 { 2 { 3: 200 bytes of 0x55 } 4: 1 }: the inner length 200 takes two
   * bytes (c8 01), so message 2 holds 1 + 2 + 200 = 203 bytes (cb 01); the
   * outer message holds its tag, length and bytes, 1 + 2 + 203, then 20 01:
   * 208 bytes (d0 01). Both lengths are inserted after
   * the bytes they count were written. */
  guint8 payload[200];
  memset (payload, 0x55, sizeof payload);
  g_autoptr (NnPb) pb = nn_pb_new ();
  nn_pb_begin (pb, 1);
  nn_pb_begin (pb, 2);
  nn_pb_write_bytes (pb, 3, payload, sizeof payload);
  nn_pb_end (pb);
  nn_pb_write_varint (pb, 4, 1);
  nn_pb_end (pb);

  guint8 want[3 + 3 + 3 + 200 + 2];
  gsize k = 0;
  want[k++] = 0x0a; want[k++] = 0xd0; want[k++] = 0x01;       /* outer: 208 bytes */
  want[k++] = 0x12; want[k++] = 0xcb; want[k++] = 0x01;       /* inner: 203 bytes */
  want[k++] = 0x1a; want[k++] = 0xc8; want[k++] = 0x01;       /* payload: 200 bytes */
  memcpy (want + k, payload, sizeof payload);
  k += sizeof payload;
  want[k++] = 0x20; want[k++] = 0x01;
  g_assert_cmpuint (k, ==, 3 + 3 + 3 + 200 + 2);
  assert_bytes (pb, want, k);
}

static void
test_empty_message (void)
{
  g_autoptr (NnPb) pb = nn_pb_new ();
  gsize len = 99;
  nn_pb_get_data (pb, &len);
  g_assert_cmpuint (len, ==, 0);
  nn_pb_begin (pb, 7);
  nn_pb_end (pb);
  static const guint8 want[] = { 0x3a, 0x00 };
  assert_bytes (pb, want, sizeof want);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export/protobuf/varint", test_varint);
  g_test_add_func ("/export/protobuf/float-bytes", test_float_and_bytes);
  g_test_add_func ("/export/protobuf/packed", test_packed);
  g_test_add_func ("/export/protobuf/nested", test_nested);
  g_test_add_func ("/export/protobuf/nested-long", test_nested_long);
  g_test_add_func ("/export/protobuf/empty", test_empty_message);
  return g_test_run ();
}
