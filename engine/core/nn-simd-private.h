/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the engine's own kernels get vector code.
 *
 * The build targets baseline x86-64, so the binaries run anywhere; a hot
 * loop marked NN_CLONES also gets an AVX2 + FMA clone (x86-64-v3) that the
 * loader picks on CPUs that have it. Not under ThreadSanitizer, whose
 * runtime cannot run the clones' ifunc resolvers at load time.
 *
 * v8f / v8i: eight floats or ints in one vector register (two SSE
 * registers in the baseline clone), for kernels whose loops the compiler
 * does not vectorise by itself (masks, selects, mixed widths). No function
 * takes one by value: GCC notes a pre-4.6 ABI change on every such
 * function, even inlined ones, so the helpers that would are macros. */
#pragma once

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
#define NN_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

typedef float v8f __attribute__ ((vector_size (32)));
typedef int v8i __attribute__ ((vector_size (32)));
typedef uint8_t v8u8 __attribute__ ((vector_size (8)));
/* load8 returns one: always inlined, so the ABI question never arises. */
#pragma GCC diagnostic ignored "-Wpsabi"

static inline __attribute__ ((always_inline)) v8f
load8 (const float *p)
{
  v8f v;
  memcpy (&v, p, sizeof v);
  return v;
}

#define store8(p, v) \
  do { v8f store8_v_ = (v); memcpy ((p), &store8_v_, sizeof store8_v_); } while (0)

/* max (v, 0) of a vector variable */
#define relu8(v) ((v8f) ((v8i) (v) & ((v) > (v8f) { 0 })))

/* The float x in all eight lanes: one vbroadcastss (zero + x would add
 * first, since 0 + -0 is not -0). */
#define bcast8(x) ({ float bcast8_ = (x); \
                     (v8f) { bcast8_, bcast8_, bcast8_, bcast8_, bcast8_, bcast8_, bcast8_, bcast8_ }; })
