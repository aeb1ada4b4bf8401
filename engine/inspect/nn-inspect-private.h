/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of engine/inspect share: the inspector's insides (its own
 * copy of the model and the two graphs it compiles lazily) and the checks
 * every entry point makes. nn-inspect.c owns them; Grad-CAM, saliency,
 * occlusion, filters and the confusion matrix build on the public
 * primitives (nn-inspect.h) and may read these. */
#pragma once

#include "nn.h"
#include "nn-model-private.h"

/* Inference goes through the model at most this many samples at a time
 * whatever the caller asks for (as nn_model_run does with 128): same
 * results, a bounded amount of memory, since every probe keeps its values. */
#define NN_INSPECT_FORWARD_BATCH 32
/* The gradient graph's largest batch: a filter grid of 64 or 128
 * channels runs as one batch. */
#define NN_INSPECT_GRADIENT_BATCH 128
/* Fewer when a sample's activations are large (a 224 x 224 image through
 * wide layers): the graphs' activations stay under these many bytes. */
#define NN_INSPECT_FORWARD_BYTES ((size_t) 256 << 20)
#define NN_INSPECT_GRADIENT_BYTES ((size_t) 1 << 30)

struct _NnInspector {
  NnModel *model; /* owned copy, weights included */
  NnProbe *probes;
  int n_probes;
  int *probe_slot; /* per probe: its index in NnCompiled.probes */
  int input_ndim;  /* the first input's per-sample shape */
  int input_shape[NN_MAX_DIMS];
  size_t input_size; /* floats per sample */
  int n_units;       /* floats per sample of output 0 */
  int n_classes;
  /* Inference graph (probes kept, no gradients), compiled at fwd_batch;
   * gradient graph (input gradients, so every probe has one) at
   * grad_batch. Each is recompiled when a larger batch is asked. */
  NnCompiled *fwd;
  int fwd_batch;
  NnCompiled *grad;
  int grad_batch;
  /* The largest batches either graph is compiled for (the limits above,
   * or fewer for large samples). */
  int fwd_max, grad_max;
};

/* FALSE with NN_TRAIN_ERROR_CONFIG unless t is (n, input shape...) with n
 * >= 1 (n == want_n when want_n > 0); `what` names it in the message
 * ("The input"). */
gboolean nn_inspector_check_input (NnInspector *in, const NnTensor *t, int want_n, const char *what,
                                   GError **error);
/* FALSE with NN_TRAIN_ERROR_CONFIG naming the valid range unless probe is
 * one of in's probes. */
gboolean nn_inspector_check_probe (NnInspector *in, int probe, GError **error);
/* The inference graph, compiled for at least batch samples (at most
 * fwd_max: callers go through their samples fwd_batch at a time), or NULL
 * with the compiler's error. */
NnCompiled *nn_inspector_forward_graph (NnInspector *in, int batch, GError **error);
/* The gradient graph, likewise (at most grad_max; grad_batch at a time). */
NnCompiled *nn_inspector_gradient_graph (NnInspector *in, int batch, GError **error);
/* The node of probe in c (either graph). */
int nn_inspector_probe_node (NnInspector *in, NnCompiled *c, int probe);
/* The node of output 0's logits in c: the input of its final softmax or
 * sigmoid, else output 0 itself. */
int nn_inspector_logits_node (NnInspector *in, NnCompiled *c);

/* A filter grid whose layer is a convolution (nn-inspect-filters-conv.c):
 * image b computes only channel c_b of it. */
typedef struct {
  gboolean ok;     /* the probe is a convolution this route handles */
  gboolean relu;   /* its output goes through a ReLU */
  int probe;
  int conv, x, input; /* nodes of the gradient graph it was found in */
} NnSlicedConv;
/* Fills s (s->ok FALSE when probe is not a plain convolution with no
 * activation or a ReLU); FALSE with error when the gradient graph does not
 * compile for batch. */
gboolean  nn_sliced_conv_find     (NnInspector *in, int probe, int batch, NnSlicedConv *s,
                                   GError **error);
/* For each image b of images (n, input shape...), the gradient of the mean
 * of channel channels[b] of the layer's output with respect to the image
 * (of its mean before the ReLU where that channel is zero everywhere), and
 * that mean (after the ReLU) in means[b] (means may be NULL). */
NnTensor *nn_sliced_conv_gradient (NnInspector *in, const NnSlicedConv *s,
                                   const NnTensor *images, const int *channels, double *means,
                                   GError **error);

/* From nn-dream.c, for the generators that run a convnet's first layers
 * at any image size (DeepDream, style transfer). A copy of src keeping
 * only the layers the top-level layers[0..n-1] depend on, with their
 * weights; and a copy of that whose Input is (h, w, c), refused (NULL with
 * why) when a layer's weights would depend on the size. */
NnModel *nn_inspect_cut_model     (const NnModel *src, const int *layers, int n, GError **error);
NnModel *nn_inspect_model_at_size (const NnModel *base, int h, int w, int c, GError **error);
/* The paths of in's probes with an image-like output, the Input left out,
 * "conv1, conv2" (empty when none): the layers dreams and style transfer
 * can use. */
char    *nn_inspect_image_layer_names (NnInspector *in);
