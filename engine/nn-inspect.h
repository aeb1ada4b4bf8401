/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/inspect: what the Inspect and Generate views ask of a trained
 * model. Plain tensors out; no GTK. An NnInspector holds its own copy of a
 * model compiled for inspection and is used by one thread at a time. */
#pragma once

#include "nn-data.h"
#include "nn-model.h"
#include "nn-tensor.h"
#include "nn-train.h"

G_BEGIN_DECLS

/* One place whose output an inspector can read: a layer call of the model,
 * or of a model nested in it through a Model layer (the transfer-learning
 * samples' convolutional base). Probes are listed in forward order; a
 * Model layer's own output is the probe of its last inner layer, so the
 * Model layer itself is not listed. Input layers are listed (depth 0). */
typedef struct {
  char    *path;          /* "conv2d_1"; inside a Model layer "vgg_base/block1_conv1" */
  char    *layer_name;    /* the last part of path */
  char    *layer_type;    /* "Conv2D", "Dense", "Input", ... */
  int      depth;         /* 0 at top level, 1 inside a Model layer, ... */
  NnRef    ref;           /* the top-level layer call (for nested probes: the Model layer's) */
  int      ndim;          /* per-sample shape, batch axis excluded */
  int      shape[NN_MAX_DIMS];
  gboolean spatial;       /* shape is (H, W, C) with H, W > 1: an image-like output */
  gboolean conv;          /* a convolution layer (Conv2D, DepthwiseConv2D, SeparableConv2D,
                             Conv2DTranspose): filters can be visualized */
  gboolean relu;          /* its output passes a ReLU (activation "relu" or a ReLU layer):
                             dead units can be counted */
} NnProbe;

typedef struct _NnInspector NnInspector;

/* Copies m (weights included: a model without weights is refused with
 * NN_TRAIN_ERROR_CONFIG, "train it first") and lists its probes. A model
 * with more than one Input layer is refused likewise (what the other
 * inputs would hold is not the user's choice here); the input's per-sample
 * shape is the shape every call below expects. */
NnInspector   *nn_inspector_new            (const NnModel *m, GError **error);
void           nn_inspector_free           (NnInspector *in);
const NnModel *nn_inspector_get_model      (NnInspector *in);
int            nn_inspector_get_n_probes   (NnInspector *in);
const NnProbe *nn_inspector_get_probe      (NnInspector *in, int probe);
/* The probe with this path, or -1. */
int            nn_inspector_find_probe     (NnInspector *in, const char *path);
/* The default Grad-CAM layer: the last probe whose output is still spatial
 * (nested models included), or -1 when the model has none. */
int            nn_inspector_default_cam_probe (NnInspector *in);
/* The first input's per-sample shape. */
int            nn_inspector_get_input_shape (NnInspector *in, int *shape /* NN_MAX_DIMS */);
/* Classes of output 0: its units (2 for one sigmoid unit), 0 for a
 * regression output. */
int            nn_inspector_get_n_classes  (NnInspector *in);

/* Output 0 for a batch of inputs (n, input shape...): (n, units). */
NnTensor      *nn_inspector_predict        (NnInspector *in, const NnTensor *inputs,
                                            GError **error);
/* Every probe's output for one input of shape (1, input shape...), in one
 * forward pass: an array of n_probes tensors (1, probe shape...); free
 * with nn_tensors_free. *prediction (may be NULL) gets output 0, (1, units). */
NnTensor     **nn_inspector_activations    (NnInspector *in, const NnTensor *input,
                                            NnTensor **prediction, GError **error);
void           nn_tensors_free             (NnTensor **t, int n);

/* The fraction of dead units of each probe over a batch of inputs (n,
 * input shape...): a unit (a channel of a spatial output, a feature of a
 * flat one) is dead when it is zero at every position for every input.
 * fractions gets n_probes values, NAN for probes whose `relu` is FALSE. */
gboolean       nn_inspector_dead_units     (NnInspector *in, const NnTensor *inputs,
                                            double *fractions, GError **error);

/* The primitive under filters, Grad-CAM, saliency and dreams: runs inputs
 * (n, input shape...) forward to `probe`, seeds d/d(probe output) with
 * `seed` (n, probe shape...), and returns d/d(inputs), shaped as inputs.
 * *probe_value (may be NULL) gets the probe's output (n, probe shape...). */
NnTensor      *nn_inspector_input_gradient (NnInspector *in, const NnTensor *inputs, int probe,
                                            const NnTensor *seed, NnTensor **probe_value,
                                            GError **error);

/* The primitive under Grad-CAM and saliency: runs inputs forward to output
 * 0, seeds d/d(the class scores) with output_seed (n, units), runs backward
 * no further than needed, and returns d/d(probe output), (n, probe
 * shape...); for the Input probe that is d/d(inputs). The class scores are
 * the logits: output 0 before its final softmax or sigmoid (as in the
 * Grad-CAM paper, and what makes Grad-CAM equal CAM on a global-pooling
 * model); output 0 itself when it ends in neither. *probe_value and
 * *output_value (may be NULL) get the probe's output and output 0 (after its
 * activation: probabilities). */
NnTensor      *nn_inspector_probe_gradient (NnInspector *in, const NnTensor *inputs, int probe,
                                            const NnTensor *output_seed, NnTensor **probe_value,
                                            NnTensor **output_value, GError **error);

typedef enum {
  NN_EXPLAIN_GRADCAM,     /* ReLU(Σ_k α_k A_k), α_k = mean over positions of ∂score/∂A_k */
  NN_EXPLAIN_SALIENCY,    /* max over channels of |∂score/∂input| */
  NN_EXPLAIN_OCCLUSION    /* score drop when a grey patch covers each place */
} NnExplainKind;

typedef struct {
  NnExplainKind kind;
  int    probe;           /* Grad-CAM's layer; -1: nn_inspector_default_cam_probe */
  int    class_index;     /* -1: the predicted class */
  int    patch;           /* occlusion: the patch side in input pixels; 0: about 1/7 of the
                             image's shorter side, at least 2 */
  int    stride;          /* occlusion: 0: patch / 2, at least 1 */
  float  fill;            /* occlusion: the patch's value; NAN: the input's mean */
} NnExplainConfig;

void           nn_explain_config_init      (NnExplainConfig *c);  /* Grad-CAM, defaults */

/* Why one input (1, input shape...) gets class `class_index`. Gradients
 * (Grad-CAM, saliency) are of the class's logit (see probe_gradient; for
 * one sigmoid unit class 1's logit is z and class 0's is -z); occlusion
 * measures the class's probability. Returns a map (H, W):
 * - Grad-CAM: at the probe's resolution, ReLU'd and divided by its maximum
 *   (all zeros when the maximum is 0), values in [0, 1];
 * - saliency: at the input's resolution, divided by its maximum, in [0, 1];
 * - occlusion: at the input's resolution, the score without a patch minus
 *   the score with the patch, averaged over the patches covering each
 *   pixel: raw drops, negative where covering raised the score.
 * *class_out (may be NULL) gets the class explained, *score the class's
 * probability on the input as given. A model whose output 0 is not a
 * classification, or a Grad-CAM probe that is not spatial, is refused with
 * a message naming the layer. */
NnTensor      *nn_inspector_explain        (NnInspector *in, const NnTensor *input,
                                            const NnExplainConfig *cfg, int *class_out,
                                            double *score, GError **error);

/* Filter visualization: the input that maximizes the mean of one channel
 * of a probe's output, by gradient ascent from grey (0.5) plus small noise,
 * the gradient divided by its root mean square each step. An image whose
 * gradient is zero everywhere (its channel is a ReLU below threshold at
 * every position, as on grey) gets fresh noise instead, stronger each time,
 * until the channel responds. */
typedef struct {
  int      steps;         /* default 40 */
  float    step_size;     /* default 0.2, in the model's input units (not clipped while
                             ascending; the returned images are rescaled for display) */
  int      jitter;        /* roll the image by up to this many pixels before each step
                             but the first; 0: off */
  float    blur;          /* Gaussian blur sigma (pixels) every 4 steps; 0: off */
  float    noise;         /* the starting noise's amplitude, default 0.02 */
  guint64  seed;
  gboolean raw;           /* TRUE: the images (returned and given to progress) in the
                             model's input units, not rescaled; default FALSE */
} NnFilterConfig;

void           nn_filter_config_init       (NnFilterConfig *c);

/* Called with step 0 and the starting images, then after each step (1 to
 * steps) with the images so far (n_channels, input shape...), rescaled as
 * the result is: returning FALSE cancels. */
typedef gboolean (*NnFilterProgress) (int step, int steps, const NnTensor *images,
                                      gpointer user_data);

/* The patterns of channels[0..n_channels) of `probe` (a spatial probe), as
 * one batched computation: returns (n_channels, input shape...), each
 * image rescaled to [0, 1] for display. gains (may be NULL) gets, per
 * channel, the channel's mean activation on the final image divided by its
 * mean on the starting image (the starting mean floored at 1e-6). A
 * cancel returns NULL with G_IO_ERROR_CANCELLED. */
NnTensor      *nn_inspector_filters        (NnInspector *in, int probe, const int *channels,
                                            int n_channels, const NnFilterConfig *cfg,
                                            NnFilterProgress progress, gpointer user_data,
                                            double *gains, GError **error);

/* The confusion of output 0 over samples idx of ds (NULL: the test split),
 * and what each sample was given. */
typedef struct {
  int       n_classes;
  char    **class_names;  /* n_classes (the dataset's, or "0", "1", ...) */
  size_t    n;            /* samples */
  guint32  *counts;       /* n_classes × n_classes, row: true class, column: predicted */
  double   *precision;    /* per class; NAN when nothing was predicted as it */
  double   *recall;       /* per class; NAN when it has no sample */
  double    accuracy;     /* the diagonal's share */
  guint32  *index;        /* per sample: its index in ds */
  int      *truth;        /* per sample */
  int      *predicted;    /* per sample */
  float    *confidence;   /* per sample: the probability given to the predicted class */
} NnConfusion;

/* progress (may be NULL) as for the filters, with images NULL: FALSE cancels. */
NnConfusion   *nn_confusion_compute        (NnModel *m, NnDataset *ds, const guint32 *idx,
                                            size_t n, NnFilterProgress progress,
                                            gpointer user_data, GError **error);
void           nn_confusion_free           (NnConfusion *c);
/* Positions (into the per-sample arrays) of the wrong predictions, the
 * most confident first; returns how many were written (≤ max). */
size_t         nn_confusion_most_wrong     (const NnConfusion *c, size_t *positions, size_t max);
/* Positions of the samples in cell (truth, predicted), in sample order. */
size_t         nn_confusion_cell           (const NnConfusion *c, int truth, int predicted,
                                            size_t *positions, size_t max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnInspector, nn_inspector_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnConfusion, nn_confusion_free)

G_END_DECLS
