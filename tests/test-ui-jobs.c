/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The interface's background jobs: counted while they run, waited for,
 * and never cut off by the process exiting (a job still inside the engine
 * when the libraries tear down crashed the exit). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gio/gio.h>

#include "ds-jobs.h"

static gint job_done;

static void
slow_job (GTask        *task,
          gpointer      source,
          gpointer      task_data,
          GCancellable *cancellable)
{
  g_usleep (GPOINTER_TO_UINT (task_data) * 1000);
  g_atomic_int_set (&job_done, 1);
  /* Written from the job itself: a process that exits under it never
   * prints this. */
  printf ("# job finished\n");
  fflush (stdout);
  g_task_return_boolean (task, TRUE);
}

static void
start_job (guint ms)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_task_data (task, GUINT_TO_POINTER (ms), NULL);
  ds_jobs_run_in_thread (task, slow_job);
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_wait (void)
{
  g_atomic_int_set (&job_done, 0);
  g_assert_cmpint (ds_jobs_running (), ==, 0);
  g_assert_true (ds_jobs_wait (0));
  start_job (300);
  g_assert_cmpint (ds_jobs_running (), ==, 1);
  /* A short wait gives up and says so. */
  g_assert_false (ds_jobs_wait (20 * 1000));
  g_assert_cmpint (g_atomic_int_get (&job_done), ==, 0);
  g_assert_true (ds_jobs_wait (-1));
  g_assert_cmpint (g_atomic_int_get (&job_done), ==, 1);
  g_assert_cmpint (ds_jobs_running (), ==, 0);
  drain ();
}

static void
test_several (void)
{
  g_atomic_int_set (&job_done, 0);
  for (int i = 0; i < 4; i++)
    start_job (50 + 50 * i);
  g_assert_cmpint (ds_jobs_running (), >=, 1);
  g_assert_true (ds_jobs_wait (10 * G_USEC_PER_SEC));
  g_assert_cmpint (ds_jobs_running (), ==, 0);
  drain ();
}

static gint job_nice = -100;
static gint job_policy = -1;

static void
nice_job (GTask        *task,
          gpointer      source,
          gpointer      task_data,
          GCancellable *cancellable)
{
  g_usleep (100 * 1000);
  g_atomic_int_set (&job_nice, getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)));
  g_atomic_int_set (&job_policy, sched_getscheduler ((pid_t) syscall (SYS_gettid)));
  g_task_return_int (task, 42);
}

static void
nice_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  *(gssize *) data = g_task_propagate_int (G_TASK (result), NULL);
}

/* Background jobs run niced, are counted like the others, and return to
 * the main context as a GTask does. */
static void
test_background (void)
{
  gssize value = 0;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, nice_done, &value);

  ds_jobs_run_in_background (task, nice_job);
  g_clear_object (&task);
  g_assert_cmpint (ds_jobs_running (), ==, 1);
  g_assert_true (ds_jobs_wait (-1));
  g_assert_cmpint (g_atomic_int_get (&job_nice), >=, DS_JOBS_BACKGROUND_NICE);
  /* SCHED_BATCH, not SCHED_IDLE (which starves a job while training runs). */
  g_assert_cmpint (g_atomic_int_get (&job_policy), ==, SCHED_BATCH);
  while (value == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (value, ==, 42);
  /* The main thread keeps its own priority. */
  g_assert_cmpint (getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)), <, DS_JOBS_BACKGROUND_NICE);
}

/* The process exits (as the app does when its last window closes) while a
 * job runs: the exit waits for it. */
static void
test_exit_waits (void)
{
  if (g_test_subprocess ())
    {
      ds_jobs_wait_at_exit ();
      start_job (400);
      exit (0);
    }
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*job finished*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jobs/wait", test_wait);
  g_test_add_func ("/jobs/several", test_several);
  g_test_add_func ("/jobs/background", test_background);
  g_test_add_func ("/jobs/exit-waits", test_exit_waits);
  return g_test_run ();
}
