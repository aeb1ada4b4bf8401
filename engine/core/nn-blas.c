/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS start-up: kernel choice and thread count (the engine's pool,
 * nn-parallel.c, gets the cores; OpenBLAS runs on one thread).
 *
 * Debian's OpenBLAS 0.3.21 is built with DYNAMIC_ARCH: it picks its kernels
 * from cpuid when the library loads, before main runs. It does not know some
 * newer CPUs (e.g. Intel family 6 model 207, AVX-512) and then falls back to
 * the generic "Prescott" kernels, four to seven times slower. The only cure
 * is OPENBLAS_CORETYPE in the environment at load time, so nn_init sets it
 * and re-executes the program once. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "nn-tensor.h"
#include "nn-parallel-private.h"

#define REEXEC_GUARD "DEEPSCOPE_REEXEC"

/* Kernels that already use AVX2 (and FMA): nothing to gain by forcing. */
static const char *const avx2_cores[] = {
  "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator", NULL
};

const char *
nn_blas_core_name (void)
{
  const char *name = openblas_get_corename ();
  return name ? name : "unknown";
}

int
nn_blas_threads (void)
{
  return nn_parallel_threads ();
}

const char *
nn_blas_preferred_core (void)
{
#if defined(__x86_64__) || defined(__i386__)
  const char *current = nn_blas_core_name ();
  for (int i = 0; avx2_cores[i]; i++)
    if (strcasecmp (current, avx2_cores[i]) == 0)
      return NULL;
  __builtin_cpu_init ();
  /* __builtin_cpu_supports also checks that the OS saves the wide
   * registers, so a "yes" here means the kernels will run. SkylakeX
   * kernels need the BW/DQ/VL extensions, not just AVX-512F. */
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
#endif
  return NULL;
}

static int
usable_cores (void)
{
  long online = sysconf (_SC_NPROCESSORS_ONLN);
  int n = online > 0 ? (int) online : 1;
  /* Under taskset or a container's CPU set fewer cores may be ours. */
  cpu_set_t set;
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    {
      int mine = CPU_COUNT (&set);
      if (mine > 0 && mine < n)
        n = mine;
    }
  return n;
}

void
nn_init (int argc, char **argv)
{
  static int done;
  if (done)
    return;
  done = 1;

  const char *preferred = nn_blas_preferred_core ();
  if (preferred && !getenv ("OPENBLAS_CORETYPE") && !getenv (REEXEC_GUARD)
      && argc > 0 && argv && argv[0])
    {
      /* The guard makes a second start never try again, whatever the
       * library picks then. */
      setenv ("OPENBLAS_CORETYPE", preferred, 1);
      setenv (REEXEC_GUARD, "1", 1);
      fflush (NULL);
      execv ("/proc/self/exe", argv);
      /* exec failed (no /proc, say): carry on with the slow kernels. */
      unsetenv ("OPENBLAS_CORETYPE");
      unsetenv (REEXEC_GUARD);
    }

  /* The engine's pool gets the cores, or the thread count the user chose
   * (OpenBLAS has read these three variables); OpenBLAS itself runs on the
   * calling thread, so the two never compete for the cores. */
  int threads = usable_cores ();
  if (getenv ("OPENBLAS_NUM_THREADS") || getenv ("GOTO_NUM_THREADS")
      || getenv ("OMP_NUM_THREADS"))
    threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  nn_parallel_set_threads (threads);
}
