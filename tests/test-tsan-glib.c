/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-tsan-glib: the tsan suite's own check of tests/tsan-glib.c.
 *
 * Run only under ThreadSanitizer with tsan-glib.c preloaded (suite tsan).
 * Values handed from one thread to another under a GMutex, through a
 * GCond wait and through a GAsyncQueue must not be reported; a value two
 * threads touch with no hand-over must still be, or the preloaded wrappers
 * would hide real races. */
#include <glib.h>

static GMutex lock;
static GCond cond;
static int guarded, ready;
/* volatile: every write stays a write (a loop of them must not fold into one) */
static volatile int racy;

static gpointer
handover_thread (gpointer queue)
{
  for (int i = 0; i < 1000; i++)
    {
      g_mutex_lock (&lock);
      guarded++;
      g_mutex_unlock (&lock);
    }
  int *msg = g_new (int, 1);
  *msg = 42;
  g_async_queue_push (queue, msg);
  g_mutex_lock (&lock);
  ready = 1;
  g_cond_signal (&cond);
  g_mutex_unlock (&lock);
  return NULL;
}

static void
test_handover_not_reported (void)
{
  GAsyncQueue *queue = g_async_queue_new ();
  GThread *t = g_thread_new ("handover", handover_thread, queue);
  for (int i = 0; i < 1000; i++)
    {
      g_mutex_lock (&lock);
      guarded++;
      g_mutex_unlock (&lock);
    }
  int *msg = g_async_queue_pop (queue);
  g_assert_cmpint (*msg, ==, 42);
  g_free (msg);
  g_mutex_lock (&lock);
  while (!ready)
    g_cond_wait (&cond, &lock);
  g_mutex_unlock (&lock);
  g_thread_join (t);
  g_assert_cmpint (guarded, ==, 2000);
  g_async_queue_unref (queue);
}

/* Both threads write racy many times with no ordering between them, so
 * the writes overlap in time whichever thread starts first (a single
 * write each went unreported in one run out of several). */
#define RACY_WRITES 200000

static gpointer
racy_thread (gpointer data)
{
  for (int i = 0; i < RACY_WRITES; i++)
    racy++;
  return NULL;
}

static void
test_race_still_reported (void)
{
  if (g_test_subprocess ())
    {
      GThread *t = g_thread_new ("racy", racy_thread, NULL);
      for (int i = 0; i < RACY_WRITES; i++)
        racy++;
      g_thread_join (t);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*ThreadSanitizer: data race*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tsan-glib/handover-not-reported", test_handover_not_reported);
  g_test_add_func ("/tsan-glib/race-still-reported", test_race_still_reported);
  return g_test_run ();
}
