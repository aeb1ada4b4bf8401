/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-augment.h: image augmentation (engine/graph/nn-op-augment.c). Plain
 * C11 like nn-tensor.h. Include nn.h. */
#pragma once

#include "nn-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Random image augmentation of a float batch (B, H, W, C) in place, drawn
 * per image from the seeded generator: the same seed gives the same images.
 * The augmentation layers (RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation, RandomBrightness) run it on training batches only. */
typedef enum { NN_FILL_REFLECT, NN_FILL_CONSTANT, NN_FILL_NEAREST } NnFillMode;
typedef struct {
  int        flip_horizontal, flip_vertical;  /* each with probability 1/2 */
  double     rotation;       /* max angle either way, as a fraction of a full turn */
  double     shift_height, shift_width;       /* max shift, fraction of the size */
  double     zoom;           /* scale drawn in [1 - zoom, 1 + zoom] */
  double     brightness;     /* max added delta, fraction of value_max - value_min */
  double     value_min, value_max; /* brightness result is clipped to this range */
  NnFillMode fill_mode;      /* where the transform reads outside the image */
  float      fill_value;     /* NN_FILL_CONSTANT */
} NnAugment;
void        nn_augment_init          (NnAugment *a);   /* everything off; range 0..1 */
/* scratch: nn_augment_scratch_size floats (NULL: allocated for the call;
 * should that fail, the images stay as they are). */
size_t      nn_augment_scratch_size  (int height, int width, int channels);
void        nn_augment_batch         (const NnAugment *a, NnRng *rng, float *images, int batch,
                                      int height, int width, int channels, float *scratch);

#ifdef __cplusplus
}
#endif
