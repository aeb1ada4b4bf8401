/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-tensor.h: the numeric core's public API (engine/core): start-up,
 * tensors, shapes and the seeded generator. Plain C11: no GLib, so
 * engine/core and engine/graph build without it. Include nn.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Start-up                                                                 */
/* ------------------------------------------------------------------------ */

/* Call first thing in main (before any BLAS call). If OpenBLAS fell back to a
 * generic kernel on a CPU it does not know, re-executes the program with the
 * right OPENBLAS_CORETYPE (unless the user set one). Returns normally
 * otherwise. */
void         nn_init                    (int argc, char **argv);
/* An interactive program (the app) calls this before nn_init: the engine's
 * compute threads (its pool and the trainer's thread) then run `nice`
 * steps (0 to 19) nicer than the rest, and as SCHED_BATCH (a waking
 * compute thread never preempts the thread on its core), so the main loop
 * gets a core the moment it has a frame to draw while training fills both. */
void         nn_set_compute_nice        (int nice);
/* Gives the calling thread that lower priority (the pool's threads and the
 * trainer's thread call it as they start). */
void         nn_compute_thread_enter    (void);
const char  *nn_blas_core_name          (void);
/* Threads the engine computes on: the usable cores, or the user's
 * OPENBLAS_NUM_THREADS (OpenBLAS itself then runs on one thread). */
int          nn_blas_threads            (void);
/* The OPENBLAS_CORETYPE that suits this CPU, or NULL when the library's own
 * choice is fine (exposed for tests). */
const char  *nn_blas_preferred_core     (void);

/* ------------------------------------------------------------------------ */
/* Tensors (numeric core)                                                   */
/* ------------------------------------------------------------------------ */

#define NN_MAX_DIMS 5

/* float32, row-major, channels-last (B, H, W, C). A view borrows data. */
typedef struct {
  int     ndim;
  int     shape[NN_MAX_DIMS];
  size_t  size;        /* product of shape */
  float  *data;
  int     owns_data;
} NnTensor;

NnTensor *nn_tensor_new        (int ndim, const int *shape);  /* zeroed */
NnTensor *nn_tensor_new_view   (float *data, int ndim, const int *shape);
NnTensor *nn_tensor_copy       (const NnTensor *t);
void      nn_tensor_free       (NnTensor *t);
int       nn_tensor_reshape    (NnTensor *t, int ndim, const int *shape); /* 0 if size differs */
void      nn_tensor_fill       (NnTensor *t, float v);
void      nn_tensor_add        (NnTensor *dst, const NnTensor *a);         /* dst += a */
void      nn_tensor_mul        (NnTensor *dst, const NnTensor *a);         /* dst *= a */
void      nn_tensor_scale      (NnTensor *dst, float s);
void      nn_tensor_axpy       (NnTensor *dst, float a, const NnTensor *x); /* dst += a x */
float     nn_tensor_sum        (const NnTensor *t);
float     nn_tensor_mean       (const NnTensor *t);
float     nn_tensor_max        (const NnTensor *t);
float     nn_tensor_min        (const NnTensor *t);
size_t    nn_tensor_argmax     (const NnTensor *t);
/* Sum over the last axis into out (shape without the last axis). */
void      nn_tensor_sum_last   (const NnTensor *t, NnTensor *out);
int       nn_shape_equal       (int ndim_a, const int *a, int ndim_b, const int *b);
size_t    nn_shape_size        (int ndim, const int *shape);
/* "(batch, 28, 28, 1)"-style text; batch_first prefixes "batch". */
char     *nn_shape_to_string   (int ndim, const int *shape, int batch_first);

/* One seeded generator (xoshiro128**): the same seed gives the same stream. */
typedef struct { uint32_t s[4]; int has_spare; float spare; } NnRng;

void      nn_rng_seed          (NnRng *r, uint64_t seed);
uint32_t  nn_rng_next          (NnRng *r);
float     nn_rng_uniform       (NnRng *r);            /* [0, 1) */
float     nn_rng_normal        (NnRng *r);            /* N(0, 1) */
uint32_t  nn_rng_below         (NnRng *r, uint32_t n); /* [0, n) */
void      nn_rng_shuffle       (NnRng *r, uint32_t *a, size_t n);

#ifdef __cplusplus
}
#endif
