/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's one pool of compute threads.
 *
 * OpenBLAS runs on one thread (nn_init sets it so); every parallel loop of
 * the engine, matrix products included, goes through this pool, so the
 * machine's cores are shared by one set of threads instead of two fighting
 * ones. The pool has nn_parallel_threads () - 1 workers; the thread that
 * calls nn_parallel_for works too, as thread 0.
 *
 * A loop body gets its task number and the index (0 .. threads-1) of the
 * thread running it, so it can keep per-thread partial sums and scratch.
 * Tasks are claimed one at a time, so more tasks than threads balance the
 * load when a core is taken by another process. Which thread runs which
 * task varies from run to run: a loop whose result must not depend on it
 * (sums) keeps partial results per task, not per thread, and combines
 * them in task order.
 *
 * The pool serves one loop at a time. A second caller (another thread's
 * graph, or a loop body calling nn_parallel_for) runs its loop alone, all
 * on its own thread, as thread 0 of that loop: a body that keeps scratch
 * per thread must keep it in memory of its own caller (the node's aux), and
 * must not itself call nn_parallel_for with such a body. */
#pragma once

#include <cblas.h>
#include <stddef.h>

typedef void (*NnTaskFunc) (void *data, int task, int thread);

/* Threads a loop may run on (at least 1). */
int  nn_parallel_threads     (void);
/* Sets the thread count (nn_init does: the usable cores, or the user's
 * OPENBLAS_NUM_THREADS). Not while a loop runs, and not above the count a
 * live graph was allocated with: ops size per-thread scratch by it. */
void nn_parallel_set_threads (int n);
/* Runs fn (data, task, thread) for every task in [0, n_tasks) and returns
 * when all have run. */
void nn_parallel_for         (int n_tasks, NnTaskFunc fn, void *data);

/* Runs fn (data, lo, hi) over [0, n) split into runs of at least `grain`
 * elements (at most 16 runs; fixed by n and grain alone). For elementwise
 * loops over big tensors. */
typedef void (*NnRangeFunc) (void *data, size_t lo, size_t hi);
void nn_parallel_range       (size_t n, size_t grain, NnRangeFunc fn, void *data);

/* Row-major sgemm, C = alpha op(A) op(B) + beta C, split over the pool by
 * rows or columns of C when the product is big enough. */
void nn_sgemm (CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Splits [0, total) into n_parts near-equal ranges; part p is [*lo, *hi). */
static inline void
nn_split_range (size_t total, int n_parts, int p, size_t *lo, size_t *hi)
{
  *lo = total * (size_t) p / (size_t) n_parts;
  *hi = total * (size_t) (p + 1) / (size_t) n_parts;
}
