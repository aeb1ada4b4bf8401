/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compute thread pool and the split matrix product: every task runs
 * exactly once on a valid thread index, loops from two threads at once and
 * loops inside loops run (alone) and finish, and nn_sgemm split by rows or
 * by columns matches one plain sgemm for every transpose combination. */
#define _GNU_SOURCE
#include <glib.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <math.h>
#include <string.h>

#include "nn-parallel-private.h"
#include "nn-tensor.h"

#define N_TASKS 1000

typedef struct {
  gint hits[N_TASKS];
  gint bad_thread;
  gint threads_seen[64];
  gint nested_sum;
} Counts;

static void
count_task (void *data, int task, int thread)
{
  Counts *c = data;
  g_atomic_int_inc (&c->hits[task]);
  if (thread < 0 || thread >= nn_parallel_threads ())
    g_atomic_int_inc (&c->bad_thread);
  else
    g_atomic_int_set (&c->threads_seen[thread], 1);
}

static void
check_counts (Counts *c)
{
  for (int t = 0; t < N_TASKS; t++)
    g_assert_cmpint (c->hits[t], ==, 1);
  g_assert_cmpint (c->bad_thread, ==, 0);
}

static void
test_every_task_once (void)
{
  for (int threads = 1; threads <= 3; threads++)
    {
      nn_parallel_set_threads (threads);
      g_assert_cmpint (nn_parallel_threads (), ==, threads);
      for (int round = 0; round < 200; round++)
        {
          Counts c = { 0 };
          nn_parallel_for (N_TASKS, count_task, &c);
          check_counts (&c);
        }
      /* Some loops with fewer tasks than threads, and none at all. */
      for (int n = 0; n < 4; n++)
        {
          Counts c = { 0 };
          nn_parallel_for (n, count_task, &c);
          for (int t = 0; t < n; t++)
            g_assert_cmpint (c.hits[t], ==, 1);
          for (int t = n; t < N_TASKS; t++)
            g_assert_cmpint (c.hits[t], ==, 0);
        }
    }
}

/* With two threads and slow tasks, the worker takes part. */
static void
slow_task (void *data, int task, int thread)
{
  Counts *c = data;
  g_usleep (2000);
  count_task (c, task, thread);
}

static void
test_worker_takes_part (void)
{
  nn_parallel_set_threads (2);
  Counts c = { 0 };
  nn_parallel_for (40, slow_task, &c);
  for (int t = 0; t < 40; t++)
    g_assert_cmpint (c.hits[t], ==, 1);
  g_assert_cmpint (c.threads_seen[0], ==, 1);
  g_assert_cmpint (c.threads_seen[1], ==, 1);
  /* After sleeping idle, the worker wakes for the next loop. */
  g_usleep (50000);
  Counts d = { 0 };
  nn_parallel_for (40, slow_task, &d);
  g_assert_cmpint (d.threads_seen[1], ==, 1);
}

static void
nested_task (void *data, int task, int thread)
{
  Counts *c = data;
  Counts inner = { 0 };
  nn_parallel_for (50, count_task, &inner);
  for (int t = 0; t < 50; t++)
    g_assert_cmpint (inner.hits[t], ==, 1);
  g_atomic_int_add (&c->nested_sum, 1);
}

static void
test_nested (void)
{
  nn_parallel_set_threads (2);
  Counts c = { 0 };
  nn_parallel_for (16, nested_task, &c);
  g_assert_cmpint (c.nested_sum, ==, 16);
}

static gpointer
loop_thread (gpointer data)
{
  for (int round = 0; round < 300; round++)
    {
      Counts *c = g_new0 (Counts, 1);
      nn_parallel_for (N_TASKS, count_task, c);
      check_counts (c);
      g_free (c);
    }
  return GINT_TO_POINTER (1);
}

static void
test_two_callers (void)
{
  nn_parallel_set_threads (2);
  GThread *a = g_thread_new ("caller-a", loop_thread, NULL);
  GThread *b = g_thread_new ("caller-b", loop_thread, NULL);
  g_assert_true (g_thread_join (a));
  g_assert_true (g_thread_join (b));
}

/* ---- nn_sgemm ------------------------------------------------------------ */

static void
fill (float *v, size_t n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (size_t i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (r, -1, 1);
  g_rand_free (r);
}

static void
test_sgemm_split (void)
{
  /* Shapes that split by rows (m > n), by columns (n >= m), with parts that
   * are not multiples of 16, and one too small to split. */
  static const int shapes[][3] = {
    { 1000, 64, 288 }, { 64, 1000, 300 }, { 333, 77, 129 }, { 77, 333, 129 },
    { 128, 512, 784 }, { 784, 512, 128 }, { 17, 15, 9 }, { 40, 1, 4000 },
  };
  for (int threads = 1; threads <= 3; threads++)
    {
      nn_parallel_set_threads (threads);
      for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
        for (int ta = 0; ta < 2; ta++)
          for (int tb = 0; tb < 2; tb++)
            {
              int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
              /* Leading dimensions a little wider than the matrices. */
              int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
              size_t na = (size_t) lda * (size_t) (ta ? k : m);
              size_t nb = (size_t) ldb * (size_t) (tb ? n : k);
              size_t nc = (size_t) ldc * (size_t) m;
              float *a = g_new (float, na), *b = g_new (float, nb);
              float *c = g_new (float, nc), *ref = g_new (float, nc);
              fill (a, na, 1);
              fill (b, nb, 2);
              fill (c, nc, 3);
              memcpy (ref, c, nc * sizeof (float));
              CBLAS_TRANSPOSE tra = ta ? CblasTrans : CblasNoTrans;
              CBLAS_TRANSPOSE trb = tb ? CblasTrans : CblasNoTrans;
              cblas_sgemm (CblasRowMajor, tra, trb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, ref,
                           ldc);
              nn_sgemm (tra, trb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c, ldc);
              double worst = 0;
              for (int i = 0; i < m; i++)
                for (int j = 0; j < ldc; j++)
                  {
                    float x = c[(size_t) i * ldc + j], y = ref[(size_t) i * ldc + j];
                    if (j >= n)
                      g_assert_cmpfloat (x, ==, y); /* padding untouched */
                    else
                      worst = MAX (worst, fabs (x - y) / MAX (1.0, fabs (y)));
                  }
              if (worst > 1e-5)
                g_error ("threads %d, %dx%dx%d ta %d tb %d: off by %g", threads, m, n, k, ta,
                         tb, worst);
              g_free (a);
              g_free (b);
              g_free (c);
              g_free (ref);
            }
    }
}

typedef struct
{
  int nice, policy;
} Priority;

static gpointer
enter_thread (gpointer data)
{
  Priority *p = data;
  id_t tid = (id_t) syscall (SYS_gettid);
  nn_compute_thread_enter ();
  p->nice = getpriority (PRIO_PROCESS, tid);
  p->policy = sched_getscheduler (0);
  return NULL;
}

/* A compute thread of an interactive program runs nicer than the rest
 * and as SCHED_BATCH, so that it never preempts the main loop on waking;
 * with no nice asked for it is left alone. */
static void
test_compute_priority (void)
{
  Priority p;

  nn_set_compute_nice (0);
  g_thread_join (g_thread_new ("plain", enter_thread, &p));
  g_assert_cmpint (p.policy, ==, SCHED_OTHER);
  g_assert_cmpint (p.nice, ==, getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)));
  nn_set_compute_nice (5);
  g_thread_join (g_thread_new ("niced", enter_thread, &p));
  g_assert_cmpint (p.policy, ==, SCHED_BATCH);
  g_assert_cmpint (p.nice, >=, 5);
  nn_set_compute_nice (0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  openblas_set_num_threads (1);
  g_test_add_func ("/engine/parallel/every-task-once", test_every_task_once);
  g_test_add_func ("/engine/parallel/worker-takes-part", test_worker_takes_part);
  g_test_add_func ("/engine/parallel/nested", test_nested);
  g_test_add_func ("/engine/parallel/two-callers", test_two_callers);
  g_test_add_func ("/engine/parallel/sgemm-split", test_sgemm_split);
  g_test_add_func ("/engine/parallel/compute-priority", test_compute_priority);
  return g_test_run ();
}
