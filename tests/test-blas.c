/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS start-up: the kernel it runs computes sgemm right, nn_init's
 * choice of core, its re-exec and its loop guard, and the thread count.
 *
 * The re-exec path needs a library that fell back to a generic kernel by
 * itself. We get one honestly: a child is started with
 * OPENBLAS_CORETYPE=Prescott (so the library loads the slow kernels), then
 * removes the variable before nn_init, which then sees exactly what it sees
 * on a CPU the library does not know. */
#define _GNU_SOURCE
#include <cblas.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"

static const char *const known_cores[] = { "Haswell", "SkylakeX", NULL };

/* C = alpha op(A) op(B) + beta C in float64, row-major. */
static void
ref_sgemm (int ta, int tb, int m, int n, int k, float alpha, const float *a,
           const float *b, float beta, const float *c0, double *c, double *mag)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double s = 0, sa = 0;
        for (int p = 0; p < k; p++)
          {
            double x = ta ? a[p * m + i] : a[i * k + p];
            double y = tb ? b[j * k + p] : b[p * n + j];
            s += x * y;
            sa += fabs (x * y);
          }
        c[i * n + j] = alpha * s + beta * c0[i * n + j];
        mag[i * n + j] = fabs (alpha) * sa + fabs (beta * c0[i * n + j]);
      }
}

static void
check_sgemm (int ta, int tb, int m, int n, int k, float alpha, float beta)
{
  NnRng r;
  nn_rng_seed (&r, (guint64) (m * 131 + n * 7 + k));
  size_t sa = (size_t) m * k, sb = (size_t) k * n, sc = (size_t) m * n;
  float *a = g_new (float, sa), *b = g_new (float, sb);
  float *c = g_new (float, sc), *c0 = g_new (float, sc);
  double *want = g_new (double, sc), *mag = g_new (double, sc);
  for (size_t i = 0; i < sa; i++)
    a[i] = 2 * nn_rng_uniform (&r) - 1;
  for (size_t i = 0; i < sb; i++)
    b[i] = 2 * nn_rng_uniform (&r) - 1;
  for (size_t i = 0; i < sc; i++)
    c[i] = c0[i] = 2 * nn_rng_uniform (&r) - 1;

  cblas_sgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
  ref_sgemm (ta, tb, m, n, k, alpha, a, b, beta, c0, want, mag);

  /* Relative to the size of the terms summed: a near-zero result from
   * cancellation carries the rounding of its large terms. */
  double worst = 0, worst_plain = 0;
  for (size_t i = 0; i < sc; i++)
    {
      double err = fabs (c[i] - want[i]);
      worst = fmax (worst, err / fmax (mag[i], 1e-30));
      if (fabs (want[i]) > 0.02 * mag[i])
        worst_plain = fmax (worst_plain, err / fabs (want[i]));
    }
  g_test_message ("sgemm %c%c %dx%dx%d alpha %.1f beta %.1f: rel err %.2e (%.2e vs |C|)",
                  ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, beta, worst, worst_plain);
  g_assert_cmpfloat (worst, <, 1e-4);
  g_assert_cmpfloat (worst_plain, <, 1e-4);
  g_free (a);
  g_free (b);
  g_free (c);
  g_free (c0);
  g_free (want);
  g_free (mag);
}

static void
test_blas_sgemm (void)
{
  g_test_message ("OpenBLAS core %s, %d threads, config: %s", nn_blas_core_name (),
                  nn_blas_threads (), openblas_get_config ());
  /* Odd sizes hit every edge of the blocked kernels. */
  check_sgemm (0, 0, 1, 1, 1, 1.0f, 0.0f);
  check_sgemm (0, 0, 37, 129, 65, 1.0f, 0.0f);
  check_sgemm (0, 0, 128, 784, 512, 1.0f, 0.0f);
  /* The shapes the matmul op's backward uses, accumulating (beta = 1). */
  check_sgemm (1, 0, 65, 129, 37, 1.0f, 1.0f);
  check_sgemm (0, 1, 37, 65, 129, 1.0f, 1.0f);
  check_sgemm (1, 0, 512, 784, 128, 0.5f, 1.0f);
  check_sgemm (0, 0, 3, 5, 1000, -2.0f, 0.5f);
}

static gboolean
is_known_core (const char *name)
{
  for (int i = 0; known_cores[i]; i++)
    if (strcmp (name, known_cores[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
test_blas_preferred (void)
{
  const char *core = nn_blas_core_name ();
  const char *pref = nn_blas_preferred_core ();
  g_test_message ("core %s, preferred %s", core, pref ? pref : "(none: fine as is)");
  g_assert_nonnull (core);
  g_assert_cmpstr (core, !=, "");
  if (pref)
    {
      g_assert_true (is_known_core (pref));
      /* Never recommends kernels the CPU cannot run. */
      g_assert_true (__builtin_cpu_supports ("avx2"));
      if (strcmp (pref, "SkylakeX") == 0)
        g_assert_true (__builtin_cpu_supports ("avx512f"));
    }
  /* Kernels that already use AVX2 are left alone. */
  if (strcmp (core, "Zen") == 0 || strcmp (core, "Haswell") == 0
      || strcmp (core, "SkylakeX") == 0)
    g_assert_null (pref);
  /* Idempotent. */
  g_assert_true (nn_blas_preferred_core () == pref);
}

static int
usable_cores (void)
{
  long online = sysconf (_SC_NPROCESSORS_ONLN);
  int n = online > 0 ? (int) online : 1;
  cpu_set_t set;
  if (sched_getaffinity (0, sizeof set, &set) == 0 && CPU_COUNT (&set) > 0
      && CPU_COUNT (&set) < n)
    n = CPU_COUNT (&set);
  return n;
}

static void
test_blas_threads (void)
{
  int t = nn_blas_threads ();
  g_test_message ("threads %d, usable cores %d", t, usable_cores ());
  g_assert_cmpint (t, >=, 1);
  if (!g_getenv ("OPENBLAS_NUM_THREADS") && !g_getenv ("GOTO_NUM_THREADS")
      && !g_getenv ("OMP_NUM_THREADS"))
    g_assert_cmpint (t, ==, usable_cores ());
}

/* ---- nn_init in child processes ----------------------------------------- */

/* Child side: prints one "start" line per process image, then what
 * nn_init left behind. */
static int
child_main (int argc, char **argv)
{
  const char *mode = argv[2];
  const char *seen = getenv ("OPENBLAS_CORETYPE");
  printf ("start coretype=%s\n", seen ? seen : "-");
  fflush (stdout);
  /* Pretend the library picked its kernels by itself. */
  if (strcmp (mode, "unknown-cpu") == 0)
    unsetenv ("OPENBLAS_CORETYPE");
  nn_init (argc, argv);
  const char *pref = nn_blas_preferred_core ();
  const char *guard = getenv ("DEEPSCOPE_REEXEC");
  printf ("core=%s preferred=%s guard=%s threads=%d argc=%d last=%s\n",
          nn_blas_core_name (), pref ? pref : "-", guard ? guard : "-",
          nn_blas_threads (), argc, argv[argc - 1]);
  return 0;
}

static char *
run_child (const char *mode, const char *const *env_set, gboolean unset_guard)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self);
  char *argv[] = { self, (char *) "--child", (char *) mode, (char *) "tail-arg", NULL };
  char **envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "OPENBLAS_CORETYPE");
  envp = g_environ_unsetenv (envp, "OPENBLAS_NUM_THREADS");
  envp = g_environ_unsetenv (envp, "GOTO_NUM_THREADS");
  envp = g_environ_unsetenv (envp, "OMP_NUM_THREADS");
  if (unset_guard)
    envp = g_environ_unsetenv (envp, "DEEPSCOPE_REEXEC");
  for (int i = 0; env_set[i]; i += 2)
    envp = g_environ_setenv (envp, env_set[i], env_set[i + 1], TRUE);
  char *out = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
                              NULL, &status, &error);
  g_strfreev (envp);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("child %s:\n%s", mode, out);
  return out;
}

static int
count_lines_with (const char *text, const char *prefix)
{
  int n = 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    n += g_str_has_prefix (lines[i], prefix);
  return n;
}

static void
test_blas_user_coretype_wins (void)
{
  /* The user forced slow kernels: respected, no re-exec, though the
   * detection still says what would suit the CPU. */
  const char *env[] = { "OPENBLAS_CORETYPE", "Prescott", NULL };
  g_autofree char *out = run_child ("user", env, TRUE);
  g_assert_cmpint (count_lines_with (out, "start"), ==, 1);
  g_assert_nonnull (strstr (out, "core=Prescott"));
  g_assert_nonnull (strstr (out, "guard=-"));
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    g_assert_true (strstr (out, "preferred=Haswell") || strstr (out, "preferred=SkylakeX"));
  else
    g_assert_nonnull (strstr (out, "preferred=-"));
}

static void
test_blas_reexec (void)
{
  if (!(__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma")))
    {
      g_test_skip ("this CPU has no AVX2/FMA: nothing better than generic kernels");
      return;
    }
  const char *env[] = { "OPENBLAS_CORETYPE", "Prescott", NULL };
  g_autofree char *out = run_child ("unknown-cpu", env, TRUE);
  /* Two process images: the first saw the generic kernels and re-executed
   * itself with the same arguments and a better core. */
  g_assert_cmpint (count_lines_with (out, "start"), ==, 2);
  g_assert_true (strstr (out, "start coretype=Haswell")
                 || strstr (out, "start coretype=SkylakeX"));
  g_assert_true (strstr (out, "core=Haswell") || strstr (out, "core=SkylakeX"));
  g_assert_nonnull (strstr (out, "preferred=-"));
  g_assert_nonnull (strstr (out, "guard=1"));
  g_assert_nonnull (strstr (out, "argc=4 last=tail-arg"));
}

static void
test_blas_reexec_guard (void)
{
  /* Already re-executed once: never again, whatever the library picked. */
  const char *env[] = { "OPENBLAS_CORETYPE", "Prescott", "DEEPSCOPE_REEXEC", "1", NULL };
  g_autofree char *out = run_child ("unknown-cpu", env, FALSE);
  g_assert_cmpint (count_lines_with (out, "start"), ==, 1);
  g_assert_nonnull (strstr (out, "core=Prescott"));
}

static void
test_blas_threads_env (void)
{
  /* A thread count the user chose is kept; otherwise all usable cores. */
  const char *one[] = { "OPENBLAS_NUM_THREADS", "1", NULL };
  g_autofree char *out1 = run_child ("threads", one, TRUE);
  g_assert_nonnull (strstr (out1, "threads=1 "));
  const char *none[] = { NULL };
  g_autofree char *out2 = run_child ("threads", none, TRUE);
  g_autofree char *want = g_strdup_printf ("threads=%d ", usable_cores ());
  g_assert_nonnull (strstr (out2, want));
}

int
main (int argc, char **argv)
{
  if (argc >= 3 && strcmp (argv[1], "--child") == 0)
    return child_main (argc, argv);

  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/blas/sgemm", test_blas_sgemm);
  g_test_add_func ("/engine/blas/preferred-core", test_blas_preferred);
  g_test_add_func ("/engine/blas/threads", test_blas_threads);
  g_test_add_func ("/engine/blas/user-coretype-wins", test_blas_user_coretype_wins);
  g_test_add_func ("/engine/blas/reexec", test_blas_reexec);
  g_test_add_func ("/engine/blas/reexec-guard", test_blas_reexec_guard);
  g_test_add_func ("/engine/blas/threads-env", test_blas_threads_env);
  return g_test_run ();
}
