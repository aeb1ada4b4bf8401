/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h: what the libFuzzer targets under tests/fuzz/ share.
 *
 * Each target is one LLVMFuzzerTestOneInput that feeds the bytes to one
 * engine entry point and frees what it returns. A loader that reads a file
 * gets an anonymous in-memory file (memfd) through /proc/self/fd, so no
 * input ever touches the disk and nothing is left behind after a crash.
 * Errors are the expected outcome for most inputs: a target only checks
 * that a failure comes with a GError and a success without one; crashes,
 * sanitizer reports, leaks and timeouts are what the fuzzer looks for. */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nn.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* An anonymous file holding data; *path_out is its /proc path (g_free it),
 * close the returned descriptor when done. */
static inline int
fuzz_memfd (const char *name, const void *data, size_t size, char **path_out)
{
  int fd = memfd_create (name, MFD_CLOEXEC);
  g_assert (fd >= 0);
  const guint8 *p = data;
  size_t left = size;
  while (left > 0)
    {
      ssize_t n = write (fd, p, left);
      g_assert (n > 0);
      p += n;
      left -= (size_t) n;
    }
  *path_out = g_strdup_printf ("/proc/self/fd/%d", fd);
  return fd;
}

/* A call that fails must say why, and one that succeeds must not: either
 * way round is a bug in the engine's error handling. */
static inline void
fuzz_check_result (gboolean ok, GError *error)
{
  if (ok)
    g_assert (error == NULL);
  else
    {
      g_assert (error != NULL);
      g_assert (error->message != NULL && error->message[0] != '\0');
    }
}

/* Takes bytes from an input, front to back, as small choices. Past the
 * end every choice is 0, so short inputs still build something. */
typedef struct {
  const uint8_t *p;
  size_t         n;
} FuzzBytes;

static inline unsigned
fuzz_byte (FuzzBytes *b)
{
  if (b->n == 0)
    return 0;
  b->n--;
  return *b->p++;
}

/* A value in [0, n). */
static inline unsigned
fuzz_below (FuzzBytes *b, unsigned n)
{
  if (n <= 1)
    return 0;
  unsigned v = fuzz_byte (b);
  if (n > 256)
    v = v << 8 | fuzz_byte (b);
  return v % n;
}

/* Quiet the engine's warnings and debug output (a damaged file's warnings
 * are expected) but keep criticals fatal: g_return_if_fail failing on a
 * fuzzed input is a bug. */
static inline void
fuzz_quiet_log_cb (const gchar *domain, GLogLevelFlags level, const gchar *message,
                   gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_printerr ("%s: %s\n", domain ? domain : "", message);
      abort ();
    }
}

static inline void
fuzz_init_logging (void)
{
  g_log_set_default_handler (fuzz_quiet_log_cb, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
}

static char *fuzz_scratch_dir;

static void
fuzz_remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  if (d != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fuzz_remove_tree (child);
        }
      g_dir_close (d);
    }
  g_remove (path);
}

static void
fuzz_scratch_cleanup (void)
{
  if (fuzz_scratch_dir != NULL)
    fuzz_remove_tree (fuzz_scratch_dir);
}

/* A private folder for targets whose entry point reads a folder, in
 * /dev/shm when there is one (memory, not disk); removed at exit. */
static inline const char *
fuzz_scratch (void)
{
  if (fuzz_scratch_dir != NULL)
    return fuzz_scratch_dir;
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0
                     ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree char *tmpl = g_build_filename (base, "deepscope-fuzz-XXXXXX", NULL);
  fuzz_scratch_dir = g_mkdtemp (g_steal_pointer (&tmpl));
  g_assert (fuzz_scratch_dir != NULL);
  atexit (fuzz_scratch_cleanup);
  return fuzz_scratch_dir;
}

/* Writes data to path (replacing it). */
static inline void
fuzz_write_file (const char *path, const void *data, size_t size)
{
  FILE *f = fopen (path, "wb");
  g_assert (f != NULL);
  g_assert (size == 0 || fwrite (data, 1, size, f) == size);
  fclose (f);
}
