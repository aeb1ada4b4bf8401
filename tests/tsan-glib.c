/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tsan-glib.c: tells ThreadSanitizer what GLib's locks and queues order.
 *
 * GMutex and GCond are futexes that GLib drives with the futex system call
 * itself, and GAsyncQueue and g_once_init_leave work inside libglib, which
 * is not built for ThreadSanitizer: TSan sees none of them, so every value
 * handed from one thread to another through them (the trainer's events,
 * the state its lock guards) looks like a race. The tsan test suite
 * (tests/meson.build) preloads this library into the test programs and
 * deepscope-cli: each wrapper calls GLib's own function and marks the
 * happens-before edge it creates, a release on the object where a thread
 * hands something over and an acquire where another takes it. A value
 * touched outside these hand-overs is still reported (test-tsan-glib checks
 * both). Locks libglib takes inside itself (a GMainContext's) stay unseen:
 * tests/tsan.supp says what that costs.
 *
 * In a program not built with -fsanitize=thread (a shell the tests start)
 * the TSan entry points are absent (weak, NULL) and the wrappers only pass
 * the calls on (this library is not instrumented itself). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>

void __tsan_acquire (void *addr) __attribute__ ((weak));
void __tsan_release (void *addr) __attribute__ ((weak));

static inline void
acquire (const void *addr)
{
  if (__tsan_acquire != NULL && addr != NULL)
    __tsan_acquire ((void *) addr);
}

static inline void
release (const void *addr)
{
  if (__tsan_release != NULL && addr != NULL)
    __tsan_release ((void *) addr);
}

/* GLib's own function `name`, looked up on first use (atomically: the
 * first calls may come from two threads at once). */
static void *
lookup (void **slot, const char *name)
{
  void *f = __atomic_load_n (slot, __ATOMIC_ACQUIRE);
  if (f == NULL)
    {
      f = dlsym (RTLD_NEXT, name);
      g_assert (f != NULL);
      __atomic_store_n (slot, f, __ATOMIC_RELEASE);
    }
  return f;
}

#define REAL(name) \
  static void *slot_##name; \
  __typeof__ (&(name)) real_##name = (__typeof__ (&(name))) lookup (&slot_##name, #name)

/* ---- GMutex, GCond ------------------------------------------------------ */

void
(g_mutex_lock) (GMutex *mutex)
{
  REAL (g_mutex_lock);
  real_g_mutex_lock (mutex);
  acquire (mutex);
}

gboolean
(g_mutex_trylock) (GMutex *mutex)
{
  REAL (g_mutex_trylock);
  gboolean ok = real_g_mutex_trylock (mutex);
  if (ok)
    acquire (mutex);
  return ok;
}

void
(g_mutex_unlock) (GMutex *mutex)
{
  REAL (g_mutex_unlock);
  release (mutex);
  real_g_mutex_unlock (mutex);
}

/* A wait unlocks the mutex and locks it again before it returns. */
void
(g_cond_wait) (GCond *cond, GMutex *mutex)
{
  REAL (g_cond_wait);
  release (mutex);
  real_g_cond_wait (cond, mutex);
  acquire (mutex);
}

gboolean
(g_cond_wait_until) (GCond *cond, GMutex *mutex, gint64 end_time)
{
  REAL (g_cond_wait_until);
  release (mutex);
  gboolean signalled = real_g_cond_wait_until (cond, mutex, end_time);
  acquire (mutex);
  return signalled;
}

/* ---- GAsyncQueue ------------------------------------------------------- */

/* The queue's own mutex is locked inside libglib, so its ordering is marked
 * here on the queue itself, while that mutex is held: an acquire after
 * every lock, a release before every unlock. Push and pop run as lock,
 * the unlocked operation, unlock, so that what libglib allocates and frees
 * inside them (its list nodes: malloc by the pusher, free by the popper)
 * falls inside the marked section too. A blocking pop polls try_pop. */

void
(g_async_queue_lock) (GAsyncQueue *queue)
{
  REAL (g_async_queue_lock);
  real_g_async_queue_lock (queue);
  acquire (queue);
}

void
(g_async_queue_unlock) (GAsyncQueue *queue)
{
  REAL (g_async_queue_unlock);
  release (queue);
  real_g_async_queue_unlock (queue);
}

void
(g_async_queue_push) (GAsyncQueue *queue, gpointer data)
{
  REAL (g_async_queue_push_unlocked);
  g_async_queue_lock (queue);
  real_g_async_queue_push_unlocked (queue, data);
  g_async_queue_unlock (queue);
}

void
(g_async_queue_push_front) (GAsyncQueue *queue, gpointer data)
{
  REAL (g_async_queue_push_front_unlocked);
  g_async_queue_lock (queue);
  real_g_async_queue_push_front_unlocked (queue, data);
  g_async_queue_unlock (queue);
}

gpointer
(g_async_queue_try_pop) (GAsyncQueue *queue)
{
  REAL (g_async_queue_try_pop_unlocked);
  g_async_queue_lock (queue);
  gpointer data = real_g_async_queue_try_pop_unlocked (queue);
  g_async_queue_unlock (queue);
  return data;
}

/* timeout in microseconds; G_MAXUINT64: for ever */
static gpointer
poll_pop (GAsyncQueue *queue, guint64 timeout)
{
  gint64 end = timeout == G_MAXUINT64 ? G_MAXINT64 : g_get_monotonic_time () + (gint64) timeout;
  for (;;)
    {
      gpointer data = g_async_queue_try_pop (queue);
      if (data != NULL || g_get_monotonic_time () >= end)
        return data;
      g_usleep (100);
    }
}

gpointer
(g_async_queue_pop) (GAsyncQueue *queue)
{
  return poll_pop (queue, G_MAXUINT64);
}

gpointer
(g_async_queue_timeout_pop) (GAsyncQueue *queue, guint64 timeout)
{
  return poll_pop (queue, timeout);
}

/* ---- g_once_init: the value set once is seen by every later reader ------ */

/* g_once_init_enter's fast path is an atomic load compiled into the
 * caller, so TSan sees that acquire; the release is inside libglib. */
void
(g_once_init_leave) (volatile void *location, gsize result)
{
  REAL (g_once_init_leave);
  release ((const void *) location);
  real_g_once_init_leave (location, result);
}
