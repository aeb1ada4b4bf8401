/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ds-jobs.h"

static GMutex lock;
static GCond  cond;
static int    n_running;

static GQuark
func_quark (void)
{
  static GQuark q;

  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("ds-jobs-func");
  return q;
}

static void
trampoline (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GTaskThreadFunc func = (GTaskThreadFunc) g_object_get_qdata (G_OBJECT (task), func_quark ());

  func (task, source, task_data, cancellable);
  g_mutex_lock (&lock);
  n_running--;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
}

void
ds_jobs_run_in_thread (GTask           *task,
                       GTaskThreadFunc  func)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  g_object_set_qdata (G_OBJECT (task), func_quark (), (gpointer) func);
  g_mutex_lock (&lock);
  n_running++;
  g_mutex_unlock (&lock);
  g_task_run_in_thread (task, trampoline);
}

typedef struct
{
  GTask           *task;
  GTaskThreadFunc  func;
} BackgroundJob;

static void
background_run (gpointer data,
                gpointer pool_data)
{
  static __thread gboolean niced;
  BackgroundJob *job = data;

  if (!niced)
    {
      /* Linux keeps a nice value per thread (PRIO_PROCESS with a thread
       * id). A thread can always be made nicer, never less nice. */
      id_t tid = (id_t) syscall (SYS_gettid);

      struct sched_param sp = { 0 };

      if (getpriority (PRIO_PROCESS, tid) < DS_JOBS_BACKGROUND_NICE)
        (void) setpriority (PRIO_PROCESS, tid, DS_JOBS_BACKGROUND_NICE);
      /* Nor does it preempt the main loop when it wakes (SCHED_BATCH). */
      (void) sched_setscheduler (0, SCHED_BATCH, &sp);
      niced = TRUE;
    }
  /* A job cancelled while it waited for a thread (its window closed, its
   * input changed) returns at once: under load a queue of them would
   * otherwise keep what they hold alive for seconds. */
  if (!g_task_return_error_if_cancelled (job->task))
    job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
               g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
  g_mutex_lock (&lock);
  n_running--;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
}

void
ds_jobs_run_in_background (GTask           *task,
                           GTaskThreadFunc  func)
{
  static GThreadPool *pool;
  BackgroundJob *job;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  g_mutex_lock (&lock);
  if (pool == NULL)
    pool = g_thread_pool_new (background_run, NULL, 2, FALSE, NULL);
  n_running++;
  g_mutex_unlock (&lock);
  job = g_new (BackgroundJob, 1);
  job->task = g_object_ref (task);
  job->func = func;
  g_thread_pool_push (pool, job, NULL);
}

int
ds_jobs_running (void)
{
  int n;

  g_mutex_lock (&lock);
  n = n_running;
  g_mutex_unlock (&lock);
  return n;
}

gboolean
ds_jobs_wait (gint64 timeout_us)
{
  gint64 end = timeout_us < 0 ? G_MAXINT64 : g_get_monotonic_time () + timeout_us;
  gboolean idle;

  g_mutex_lock (&lock);
  while (n_running > 0)
    if (timeout_us < 0)
      g_cond_wait (&cond, &lock);
    else if (!g_cond_wait_until (&cond, &lock, end))
      break;
  idle = n_running == 0;
  g_mutex_unlock (&lock);
  return idle;
}

static void
wait_at_exit (void)
{
  /* A job still in the engine when the libraries' destructors run (the
   * BLAS frees its buffers) would crash the exit. */
  if (!ds_jobs_wait (60 * G_USEC_PER_SEC))
    g_printerr ("deepscope: a background job was still running at exit\n");
}

void
ds_jobs_wait_at_exit (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      atexit (wait_at_exit);
      g_once_init_leave (&done, 1);
    }
}
