/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compute thread pool (see nn-parallel-private.h).
 *
 * One loop at a time: the caller publishes (fn, data, n_tasks) and a word
 * holding the loop's generation and the next unclaimed task; every thread,
 * the caller included, claims tasks by compare-and-swap on that word, so a
 * worker that wakes late can never run a task of a loop that has moved on
 * (its swap fails once the generation changed). Workers spin a little
 * after each loop, since the ops of a training step follow each other
 * within microseconds, then sleep on a condition variable. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "nn-parallel-private.h"

#define MAX_THREADS 64
/* How long an idle worker spins before it sleeps, and how long a caller
 * spins for the last task before it yields its core. */
#define WORKER_SPIN_NS 200000
#define CALLER_SPIN_NS 50000

static struct {
  _Atomic int n_threads;  /* workers + the caller (workers read it) */
  int n_started;          /* workers running */
  pthread_t workers[MAX_THREADS];
  pthread_mutex_t lock;
  pthread_cond_t wake;
  _Atomic uint64_t word;  /* generation << 32 | next task */
  _Atomic (NnTaskFunc) fn;
  _Atomic (void *) data;
  _Atomic int n_tasks;
  _Atomic int done;
  _Atomic int sleepers;
  atomic_flag busy;
  uint32_t generation;
} pool = {
  .n_threads = 1,
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .wake = PTHREAD_COND_INITIALIZER,
  .busy = ATOMIC_FLAG_INIT,
};

/* Which pool thread this is (0 for any thread not in the pool). */
static _Thread_local int my_index;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Claims and runs tasks of loop `gen` until none is left. */
static void
run_tasks (uint32_t gen, int thread)
{
  uint64_t w = atomic_load_explicit (&pool.word, memory_order_acquire);
  /* Read after the word: valid for `gen` whenever a claim below succeeds,
   * since the loop cannot end (and be replaced) with a task unclaimed. */
  NnTaskFunc fn = atomic_load_explicit (&pool.fn, memory_order_relaxed);
  void *data = atomic_load_explicit (&pool.data, memory_order_relaxed);
  uint32_t n = (uint32_t) atomic_load_explicit (&pool.n_tasks, memory_order_relaxed);
  for (;;)
    {
      if ((uint32_t) (w >> 32) != gen || (uint32_t) w >= n)
        return;
      if (atomic_compare_exchange_weak_explicit (&pool.word, &w, w + 1, memory_order_acq_rel,
                                                 memory_order_acquire))
        {
          fn (data, (int) (uint32_t) w, thread);
          atomic_fetch_add_explicit (&pool.done, 1, memory_order_release);
          w = atomic_load_explicit (&pool.word, memory_order_acquire);
        }
    }
}

/* How much nicer than the rest of the program the compute threads run
 * (nn_set_compute_nice); 0 leaves them alone. */
static atomic_int compute_nice;

void
nn_set_compute_nice (int nice)
{
  atomic_store (&compute_nice, nice < 0 ? 0 : nice > 19 ? 19 : nice);
}

void
nn_compute_thread_enter (void)
{
  int nice = atomic_load (&compute_nice);
  /* Linux keeps a nice value per thread: PRIO_PROCESS with a thread id
   * changes that thread alone. A failure leaves it as it was. */
  if (nice > 0)
    {
      (void) setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), nice);
      /* SCHED_BATCH: a compute thread that wakes does not preempt the
       * thread on its core (the main loop, the X server); it waits for
       * the scheduler's next turn. Its nice value still counts. */
      struct sched_param sp = { 0 };
      (void) sched_setscheduler (0, SCHED_BATCH, &sp);
    }
}

static void *
worker_main (void *arg)
{
  nn_compute_thread_enter ();
  int index = (int) (intptr_t) arg;
  my_index = index;
  uint32_t seen = (uint32_t) (atomic_load (&pool.word) >> 32);
  for (;;)
    {
      /* Spin for the next loop, then sleep. */
      uint32_t gen = seen;
      int64_t start = 0;
      for (unsigned spins = 0;; spins++)
        {
          gen = (uint32_t) (atomic_load_explicit (&pool.word, memory_order_acquire) >> 32);
          if (gen != seen)
            break;
          cpu_relax ();
          if ((spins & 63) == 63)
            {
              int64_t t = now_ns ();
              if (!start)
                start = t;
              else if (t - start > WORKER_SPIN_NS)
                {
                  pthread_mutex_lock (&pool.lock);
                  atomic_fetch_add (&pool.sleepers, 1);
                  while ((gen = (uint32_t) (atomic_load (&pool.word) >> 32)) == seen)
                    pthread_cond_wait (&pool.wake, &pool.lock);
                  atomic_fetch_sub (&pool.sleepers, 1);
                  pthread_mutex_unlock (&pool.lock);
                  break;
                }
            }
        }
      seen = gen;
      if (index >= atomic_load_explicit (&pool.n_threads, memory_order_relaxed))
        continue; /* the pool shrank: this worker sits out */
      run_tasks (gen, index);
    }
  return NULL;
}

int
nn_parallel_threads (void)
{
  return atomic_load_explicit (&pool.n_threads, memory_order_relaxed);
}

void
nn_parallel_set_threads (int n)
{
  if (n < 1)
    n = 1;
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  while (atomic_flag_test_and_set (&pool.busy))
    sched_yield ();
  /* Workers are started once and kept; a smaller count leaves the extra
   * ones asleep. */
  while (pool.n_started < n - 1)
    {
      pthread_attr_t attr;
      pthread_attr_init (&attr);
      pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
      int idx = pool.n_started + 1;
      int ok = pthread_create (&pool.workers[pool.n_started], &attr, worker_main,
                               (void *) (intptr_t) idx) == 0;
      pthread_attr_destroy (&attr);
      if (!ok)
        break;
      pool.n_started++;
    }
  atomic_store (&pool.n_threads, n <= pool.n_started + 1 ? n : pool.n_started + 1);
  atomic_flag_clear (&pool.busy);
}

void
nn_parallel_for (int n_tasks, NnTaskFunc fn, void *data)
{
  if (n_tasks <= 0)
    return;
  if (n_tasks == 1 || nn_parallel_threads () <= 1 || atomic_flag_test_and_set (&pool.busy))
    {
      /* Alone: one task, one thread, or the pool is serving another loop
       * (possibly this very thread's, from inside a task). */
      int thread = my_index;
      for (int t = 0; t < n_tasks; t++)
        fn (data, t, thread);
      return;
    }
  atomic_store_explicit (&pool.fn, fn, memory_order_relaxed);
  atomic_store_explicit (&pool.data, data, memory_order_relaxed);
  atomic_store_explicit (&pool.n_tasks, n_tasks, memory_order_relaxed);
  atomic_store_explicit (&pool.done, 0, memory_order_relaxed);
  uint32_t gen = ++pool.generation;
  if (gen == 0)
    gen = ++pool.generation;
  atomic_store (&pool.word, (uint64_t) gen << 32);
  if (atomic_load (&pool.sleepers) > 0)
    {
      pthread_mutex_lock (&pool.lock);
      pthread_cond_broadcast (&pool.wake);
      pthread_mutex_unlock (&pool.lock);
    }
  run_tasks (gen, 0);
  /* Every task is claimed; wait for the ones other threads still run. */
  int64_t start = 0;
  for (unsigned spins = 0; atomic_load_explicit (&pool.done, memory_order_acquire) < n_tasks;
       spins++)
    {
      cpu_relax ();
      if ((spins & 63) == 63)
        {
          int64_t t = now_ns ();
          if (!start)
            start = t;
          else if (t - start > CALLER_SPIN_NS)
            sched_yield ();
        }
    }
  atomic_flag_clear (&pool.busy);
}

/* ---- elementwise ranges ------------------------------------------------- */

typedef struct {
  NnRangeFunc fn;
  void *data;
  size_t n;
  int parts;
} RangeJob;

static void
range_task (void *data, int task, int thread)
{
  const RangeJob *r = data;
  size_t lo, hi;
  nn_split_range (r->n, r->parts, task, &lo, &hi);
  if (hi > lo)
    r->fn (r->data, lo, hi);
}

void
nn_parallel_range (size_t n, size_t grain, NnRangeFunc fn, void *data)
{
  if (n == 0)
    return;
  size_t parts = grain ? (n + grain - 1) / grain : 1;
  if (parts > 16)
    parts = 16;
  if (parts <= 1 || nn_parallel_threads () <= 1)
    {
      fn (data, 0, n);
      return;
    }
  RangeJob r = { fn, data, n, (int) parts };
  nn_parallel_for (r.parts, range_task, &r);
}

/* ---- matrix products ----------------------------------------------------- */

/* Below this many multiply-adds a product runs on the calling thread: the
 * hand-off costs more than the split saves. */
#define SPLIT_MACS (256.0 * 1024)

typedef struct {
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k, lda, ldb, ldc, by_rows, parts;
  float alpha, beta;
  const float *a, *b;
  float *c;
} Gemm;

static void
gemm_part (void *data, int task, int thread)
{
  const Gemm *g = data;
  /* Parts are multiples of 16 rows or columns (whole kernel blocks). */
  int total = g->by_rows ? g->m : g->n;
  int blocks = (total + 15) / 16;
  int lo = (int) ((long) blocks * task / g->parts) * 16;
  int hi = (int) ((long) blocks * (task + 1) / g->parts) * 16;
  if (hi > total)
    hi = total;
  if (hi <= lo)
    return;
  if (g->by_rows)
    {
      const float *a = g->ta == CblasNoTrans ? g->a + (size_t) lo * (size_t) g->lda : g->a + lo;
      cblas_sgemm (CblasRowMajor, g->ta, g->tb, hi - lo, g->n, g->k, g->alpha, a, g->lda, g->b,
                   g->ldb, g->beta, g->c + (size_t) lo * (size_t) g->ldc, g->ldc);
    }
  else
    {
      const float *b = g->tb == CblasNoTrans ? g->b + lo : g->b + (size_t) lo * (size_t) g->ldb;
      cblas_sgemm (CblasRowMajor, g->ta, g->tb, g->m, hi - lo, g->k, g->alpha, g->a, g->lda, b,
                   g->ldb, g->beta, g->c + lo, g->ldc);
    }
}

void
nn_sgemm (CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
  int threads = nn_parallel_threads ();
  if (threads <= 1 || (double) m * (double) n * (double) k < SPLIT_MACS || (m < 32 && n < 32))
    {
      cblas_sgemm (CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  /* Splitting the rows of C makes every part pack all of B (k x n);
   * splitting the columns, all of A (m x k): duplicate the smaller. */
  Gemm g = { ta, tb, m, n, k, lda, ldb, ldc, n <= m, threads, alpha, beta, a, b, c };
  int total = g.by_rows ? m : n;
  if ((total + 15) / 16 < threads)
    g.parts = (total + 15) / 16;
  nn_parallel_for (g.parts, gemm_part, &g);
}
