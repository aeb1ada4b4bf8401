/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ds-jobs.h"

#include <stdlib.h>

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
