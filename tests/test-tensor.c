/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tensors and the seeded random generator. */
#include <math.h>
#include <string.h>

#include "nn.h"

static void
test_tensor_new (void)
{
  int shape[] = { 2, 3, 4 };
  g_autoptr (NnTensor) t = nn_tensor_new (3, shape);
  g_assert_nonnull (t);
  g_assert_cmpint (t->ndim, ==, 3);
  g_assert_cmpuint (t->size, ==, 24);
  g_assert_true (t->owns_data);
  for (size_t i = 0; i < t->size; i++)
    g_assert_cmpfloat (t->data[i], ==, 0.0f);

  int too_many[NN_MAX_DIMS + 1] = { 1, 1, 1, 1, 1, 1 };
  g_assert_null (nn_tensor_new (NN_MAX_DIMS + 1, too_many));
  g_assert_null (nn_tensor_new (-1, shape));

  /* A zero-sized tensor is valid and empty. */
  int empty[] = { 0, 5 };
  g_autoptr (NnTensor) e = nn_tensor_new (2, empty);
  g_assert_nonnull (e);
  g_assert_cmpuint (e->size, ==, 0);
}

static void
test_tensor_view_copy (void)
{
  float data[6] = { 1, 2, 3, 4, 5, 6 };
  int shape[] = { 2, 3 };
  g_autoptr (NnTensor) v = nn_tensor_new_view (data, 2, shape);
  g_assert_true (v->data == data);
  g_assert_false (v->owns_data);

  g_autoptr (NnTensor) c = nn_tensor_copy (v);
  g_assert_true (c->data != data);
  g_assert_true (c->owns_data);
  g_assert_cmpmem (c->data, sizeof data, data, sizeof data);
  /* The copy is deep: writing the view leaves it alone. */
  v->data[0] = 100;
  g_assert_cmpfloat (c->data[0], ==, 1.0f);
  g_assert_true (nn_shape_equal (c->ndim, c->shape, 2, shape));
}

static void
test_tensor_reshape (void)
{
  int shape[] = { 2, 6 };
  g_autoptr (NnTensor) t = nn_tensor_new (2, shape);
  int ok[] = { 3, 2, 2 };
  g_assert_true (nn_tensor_reshape (t, 3, ok));
  g_assert_cmpint (t->ndim, ==, 3);
  g_assert_cmpint (t->shape[2], ==, 2);
  int bad[] = { 5, 2 };
  g_assert_false (nn_tensor_reshape (t, 2, bad));
  /* A failed reshape leaves the shape as it was. */
  g_assert_true (nn_shape_equal (t->ndim, t->shape, 3, ok));
  g_assert_false (nn_tensor_reshape (t, NN_MAX_DIMS + 1, ok));
}

static void
test_tensor_arith (void)
{
  int shape[] = { 2, 3 };
  g_autoptr (NnTensor) a = nn_tensor_new (2, shape);
  g_autoptr (NnTensor) b = nn_tensor_new (2, shape);
  for (int i = 0; i < 6; i++)
    {
      a->data[i] = (float) (i + 1);      /* 1 2 3 / 4 5 6 */
      b->data[i] = (float) (i % 2 ? -1 : 2);
    }
  nn_tensor_add (a, b);                 /* 3 1 5 / 3 7 5 */
  const float added[] = { 3, 1, 5, 3, 7, 5 };
  g_assert_cmpmem (a->data, sizeof added, added, sizeof added);
  nn_tensor_mul (a, b);                 /* 6 -1 10 / -3 14 -5 */
  const float mulled[] = { 6, -1, 10, -3, 14, -5 };
  g_assert_cmpmem (a->data, sizeof mulled, mulled, sizeof mulled);
  nn_tensor_scale (a, 0.5f);            /* 3 -0.5 5 / -1.5 7 -2.5 */
  nn_tensor_axpy (a, 2.0f, b);          /* 7 -2.5 9 / -3.5 11 -4.5 */
  const float axpy[] = { 7, -2.5f, 9, -3.5f, 11, -4.5f };
  g_assert_cmpmem (a->data, sizeof axpy, axpy, sizeof axpy);

  g_assert_cmpfloat_with_epsilon (nn_tensor_sum (a), 16.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_tensor_mean (a), 16.5f / 6, 1e-6);
  g_assert_cmpfloat (nn_tensor_max (a), ==, 11.0f);
  g_assert_cmpfloat (nn_tensor_min (a), ==, -4.5f);
  g_assert_cmpuint (nn_tensor_argmax (a), ==, 4);

  int rows[] = { 2 };
  g_autoptr (NnTensor) s = nn_tensor_new (1, rows);
  nn_tensor_sum_last (a, s);
  g_assert_cmpfloat_with_epsilon (s->data[0], 13.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (s->data[1], 3.0f, 1e-6);

  nn_tensor_fill (a, -2.0f);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (a->data[i], ==, -2.0f);
  /* argmax of ties picks the first. */
  g_assert_cmpuint (nn_tensor_argmax (a), ==, 0);
}

static void
test_tensor_shapes (void)
{
  int a[] = { 28, 28, 1 }, b[] = { 28, 28, 1 }, c[] = { 28, 1, 28 };
  g_assert_true (nn_shape_equal (3, a, 3, b));
  g_assert_false (nn_shape_equal (3, a, 3, c));
  g_assert_false (nn_shape_equal (3, a, 2, b));
  g_assert_cmpuint (nn_shape_size (3, a), ==, 784);
  g_assert_cmpuint (nn_shape_size (0, a), ==, 1);

  g_autofree char *s1 = nn_shape_to_string (3, a, TRUE);
  g_assert_cmpstr (s1, ==, "(batch, 28, 28, 1)");
  g_autofree char *s2 = nn_shape_to_string (1, a, FALSE);
  g_assert_cmpstr (s2, ==, "(28,)");
  g_autofree char *s3 = nn_shape_to_string (2, a, FALSE);
  g_assert_cmpstr (s3, ==, "(28, 28)");
  g_autofree char *s4 = nn_shape_to_string (0, a, TRUE);
  g_assert_cmpstr (s4, ==, "(batch)");
}

static void
test_rng_determinism (void)
{
  NnRng a, b, c;
  nn_rng_seed (&a, 42);
  nn_rng_seed (&b, 42);
  nn_rng_seed (&c, 43);
  int same_c = 0;
  for (int i = 0; i < 1000; i++)
    {
      uint32_t x = nn_rng_next (&a), y = nn_rng_next (&b), z = nn_rng_next (&c);
      g_assert_cmpuint (x, ==, y);
      same_c += x == z;
    }
  /* Two streams of 32-bit draws agree by chance about 2^-32 of the time. */
  g_assert_cmpint (same_c, <=, 1);

  /* Reseeding restarts the stream, including the cached normal. */
  nn_rng_seed (&a, 7);
  float n0 = nn_rng_normal (&a), n1 = nn_rng_normal (&a), n2 = nn_rng_normal (&a);
  nn_rng_seed (&a, 7);
  g_assert_cmpfloat (nn_rng_normal (&a), ==, n0);
  nn_rng_seed (&a, 7);
  g_assert_cmpfloat (nn_rng_normal (&a), ==, n0);
  g_assert_cmpfloat (nn_rng_normal (&a), ==, n1);
  g_assert_cmpfloat (nn_rng_normal (&a), ==, n2);

  /* Seed 0 must not give the all-zero state (a stuck generator). */
  NnRng z;
  nn_rng_seed (&z, 0);
  uint32_t or_all = 0;
  for (int i = 0; i < 8; i++)
    or_all |= nn_rng_next (&z);
  g_assert_cmpuint (or_all, !=, 0);
}

static void
test_rng_uniform (void)
{
  NnRng r;
  nn_rng_seed (&r, 1234);
  const int n = 100000;
  double s = 0, s2 = 0;
  int bins[10] = { 0 };
  for (int i = 0; i < n; i++)
    {
      float u = nn_rng_uniform (&r);
      g_assert_cmpfloat (u, >=, 0.0f);
      g_assert_cmpfloat (u, <, 1.0f);
      s += u;
      s2 += (double) u * u;
      bins[(int) (u * 10)]++;
    }
  double mean = s / n, var = s2 / n - mean * mean;
  g_test_message ("uniform: mean %.4f var %.4f", mean, var);
  /* Standard error of the mean is 0.29/sqrt(1e5) = 0.0009. */
  g_assert_cmpfloat (fabs (mean - 0.5), <, 0.005);
  g_assert_cmpfloat (fabs (var - 1.0 / 12), <, 0.003);
  for (int b = 0; b < 10; b++)
    g_assert_cmpint (abs (bins[b] - n / 10), <, 500);   /* ~5 sigma */
}

static void
test_rng_normal (void)
{
  NnRng r;
  nn_rng_seed (&r, 99);
  const int n = 100000;
  double s = 0, s2 = 0, s3 = 0;
  int within1 = 0;
  for (int i = 0; i < n; i++)
    {
      double x = nn_rng_normal (&r);
      g_assert_true (isfinite (x));
      s += x;
      s2 += x * x;
      s3 += x * x * x;
      within1 += fabs (x) < 1.0;
    }
  double mean = s / n, var = s2 / n - mean * mean, skew = s3 / n;
  g_test_message ("normal: mean %.4f var %.4f skew %.4f within 1 sd %.4f",
                  mean, var, skew, (double) within1 / n);
  g_assert_cmpfloat (fabs (mean), <, 0.015);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.03);
  g_assert_cmpfloat (fabs (skew), <, 0.05);
  g_assert_cmpfloat (fabs ((double) within1 / n - 0.6827), <, 0.01);
}

static void
test_rng_below_shuffle (void)
{
  NnRng r;
  nn_rng_seed (&r, 5);
  int seen[7] = { 0 };
  for (int i = 0; i < 7000; i++)
    {
      uint32_t k = nn_rng_below (&r, 7);
      g_assert_cmpuint (k, <, 7);
      seen[k]++;
    }
  for (int k = 0; k < 7; k++)
    g_assert_cmpint (seen[k], >, 800);

  enum { N = 1000 };
  uint32_t a[N], b[N];
  int hit[N] = { 0 };
  for (uint32_t i = 0; i < N; i++)
    a[i] = b[i] = i;
  nn_rng_seed (&r, 77);
  nn_rng_shuffle (&r, a, N);
  int moved = 0;
  for (uint32_t i = 0; i < N; i++)
    {
      g_assert_cmpuint (a[i], <, N);
      hit[a[i]]++;
      moved += a[i] != i;
    }
  /* A permutation: every value exactly once. */
  for (int i = 0; i < N; i++)
    g_assert_cmpint (hit[i], ==, 1);
  /* A random permutation of 1000 fixes about one element. */
  g_assert_cmpint (moved, >, N - 10);

  /* Same seed, same order. */
  nn_rng_seed (&r, 77);
  nn_rng_shuffle (&r, b, N);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);

  /* Degenerate sizes do nothing and don't crash. */
  uint32_t one = 3;
  nn_rng_shuffle (&r, &one, 1);
  g_assert_cmpuint (one, ==, 3);
  nn_rng_shuffle (&r, NULL, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tensor/new", test_tensor_new);
  g_test_add_func ("/engine/tensor/view-copy", test_tensor_view_copy);
  g_test_add_func ("/engine/tensor/reshape", test_tensor_reshape);
  g_test_add_func ("/engine/tensor/arith", test_tensor_arith);
  g_test_add_func ("/engine/tensor/shapes", test_tensor_shapes);
  g_test_add_func ("/engine/rng/determinism", test_rng_determinism);
  g_test_add_func ("/engine/rng/uniform", test_rng_uniform);
  g_test_add_func ("/engine/rng/normal", test_rng_normal);
  g_test_add_func ("/engine/rng/below-shuffle", test_rng_below_shuffle);
  return g_test_run ();
}
