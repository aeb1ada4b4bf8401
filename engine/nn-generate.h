/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/inspect, generative side: DeepDream, projections of activations
 * (PCA, t-SNE), and the parts of a variational autoencoder. Plain tensors
 * out; no GTK. */
#pragma once

#include "nn-inspect.h"

G_BEGIN_DECLS

/* ---- DeepDream ------------------------------------------------------------ */

typedef struct {
  int      n_layers;
  char   **layers;          /* probe paths (nn_inspector_find_probe), spatial probes */
  double  *weights;         /* one per layer */
  int      octaves;         /* default 3 */
  double   octave_scale;    /* default 1.4: each octave's side is the last one's × this */
  int      steps;           /* gradient-ascent steps per octave, default 20 */
  double   step_size;       /* default 0.01, in the model's input units, the gradient
                               divided by its mean absolute value */
  double   max_loss;        /* an octave stops once its loss passes this; <= 0: no limit */
} NnDreamConfig;

/* Defaults; no layers (nn_dream then takes the last two convolutional
 * layers, weight 1 each). */
void      nn_dream_config_init  (NnDreamConfig *c);
void      nn_dream_config_clear (NnDreamConfig *c);
/* Adds a layer with its weight. */
void      nn_dream_config_add_layer (NnDreamConfig *c, const char *path, double weight);

/* Called after each step with the image so far at the current octave's
 * size, (1, h, w, channels): returning FALSE stops the dream (nn_dream
 * then returns NULL with G_IO_ERROR_CANCELLED). octave counts from 0,
 * step from 1; loss is the loss measured at that step, before its update. */
typedef gboolean (*NnDreamProgress) (int octave, int n_octaves, int step, int steps,
                                     double loss, const NnTensor *image, gpointer user_data);

/* Dreams image (1, H, W, C) with model m: C must be the model's input
 * channels; H and W may be any size of at least the model's smallest
 * workable input (the convolutional part runs at every octave's size,
 * whatever size the model was trained on; layers after the chosen ones
 * are not run). Octaves go from the smallest (H, W / scale^(octaves-1))
 * to the full size; the detail lost in each downscale is added back after
 * each upscale, as in the Keras recipe. The loss is Σ weight × mean of the
 * layer's activations squared over the interior (a border of 2 cells
 * dropped). Returns the dreamed image, (1, H, W, C), in input units.
 * loss_start and loss_end (may be NULL) get, per octave, the loss at its
 * first and last step. */
NnTensor *nn_dream              (const NnModel *m, const NnTensor *image,
                                 const NnDreamConfig *cfg, NnDreamProgress progress,
                                 gpointer user_data, double *loss_start, double *loss_end,
                                 GError **error);
/* nn_dream keeps each octave size's compiled graph (up to four) for the
 * next dream at that size, the weights copied in anew each time; off (or
 * DEEPSCOPE_NO_DREAM_REUSE set in the environment) builds them every time
 * and keeps nothing. The results are the same either way. */
void      nn_dream_set_reuse    (gboolean on);

/* Bilinear resize of images (n, h, w, c) to (n, height, width, c): pixel
 * centres aligned (as tf.image.resize and PyTorch's interpolate with
 * align_corners=FALSE), no antialiasing; what nn_dream resizes octaves
 * with, for showing a small dataset image at a size worth dreaming on. */
NnTensor *nn_image_resize       (const NnTensor *images, int height, int width);

/* ---- projections ---------------------------------------------------------- */

typedef enum { NN_PROJECT_PCA, NN_PROJECT_TSNE } NnProjectMethod;

typedef struct {
  NnProjectMethod method;
  int      dims;            /* 2 or 3 */
  double   perplexity;      /* t-SNE, default 30 */
  int      iterations;      /* t-SNE, default 1000 */
  double   learning_rate;   /* t-SNE, default 200 */
  guint64  seed;
} NnProjectConfig;

void      nn_project_config_init (NnProjectConfig *c);   /* PCA, 2-D */

/* progress: (step, steps) after each t-SNE iteration (PCA: once);
 * returning FALSE cancels (NULL, G_IO_ERROR_CANCELLED). */
typedef gboolean (*NnProjectProgress) (int step, int steps, gpointer user_data);

/* Projects points (n, d), n >= 2, to (n, dims). For PCA, explained (may
 * be NULL) gets each component's share of the total variance, and the
 * components are ordered by it; signs are fixed so each component's
 * largest coordinate is positive. For t-SNE, explained gets NAN (its axes
 * carry no share); the perplexity must be in (0, n - 1]. */
NnTensor *nn_project            (const NnTensor *points, const NnProjectConfig *cfg,
                                 NnProjectProgress progress, gpointer user_data,
                                 double *explained, GError **error);

/* A probe's output for a batch of inputs (n, input shape...), flattened
 * to (n, features): what the projector projects. */
NnTensor *nn_inspector_probe_values (NnInspector *in, const NnTensor *inputs, int probe,
                                     GError **error);

/* ---- variational autoencoders --------------------------------------------- */

/* Where a VAE keeps its parts: the Sampling layer's call, the layers
 * giving its mean and log-variance, the latent size, and the decoder (a
 * Model layer called on the sample, so it can run on its own). A Sampling
 * inside a Model layer (an encoder built as a submodel, at any depth):
 * sampling and mean are that Model layer's output carrying the sample (at
 * inference the Sampling passes its mean), log_var is { -1 }. */
typedef struct {
  NnRef    sampling;
  NnRef    mean;
  NnRef    log_var;
  int      latent_dim;
  int      decoder_layer;   /* a Model layer; -1 when the decoder is not one */
} NnVaeParts;

/* FALSE (with the reason in words) when m has no Sampling layer. */
gboolean  nn_model_find_vae     (const NnModel *m, NnVaeParts *parts, GError **error);
/* Decodes latent points z (n, latent_dim) with the VAE's decoder: (n,
 * output shape...). */
NnTensor *nn_vae_decode         (const NnModel *m, const NnVaeParts *parts, const NnTensor *z,
                                 GError **error);
/* The encoder's means for inputs (n, input shape...): (n, latent_dim). */
NnTensor *nn_vae_encode         (const NnModel *m, const NnVaeParts *parts,
                                 const NnTensor *inputs, GError **error);

/* A VAE's decoder compiled once, for decoding again and again (a point
 * dragged over the latent plane: one point costs one forward pass, no
 * compiling). It holds its own copy of the decoder's weights; one thread
 * at a time. */
typedef struct _NnVaeDecoder NnVaeDecoder;

/* Compiles m's decoder (parts from nn_model_find_vae) for batches of up
 * to max_batch points (1 to 4096). */
NnVaeDecoder *nn_vae_decoder_new   (const NnModel *m, const NnVaeParts *parts, int max_batch,
                                    GError **error);
void          nn_vae_decoder_free  (NnVaeDecoder *d);
int           nn_vae_decoder_get_latent_dim (const NnVaeDecoder *d);
int           nn_vae_decoder_get_max_batch  (const NnVaeDecoder *d);
/* The shape of one decoded sample (without the batch axis); returns ndim. */
int           nn_vae_decoder_get_output_shape (const NnVaeDecoder *d, int shape[NN_MAX_DIMS]);
/* Decodes n points z (n × latent_dim floats, 1 <= n <= max_batch) into
 * out (n × the output's size per sample). Allocates nothing. */
void          nn_vae_decoder_run   (NnVaeDecoder *d, const float *z, int n, float *out);
/* Decodes any number of points (n, latent_dim), max_batch at a time:
 * (n, output shape...). */
NnTensor     *nn_vae_decoder_decode (NnVaeDecoder *d, const NnTensor *z, GError **error);

/* The latent points of the n × n grid over [-r, r]² of dims d1 (across,
 * left to right) and d2 (down, +r on the top row, as the book's figure
 * draws it), every other dimension at base (latent_dim values; NULL:
 * zeros): (n × n, latent_dim), row by row from the top left. n from 1 to
 * 64, r > 0, d1 != d2. */
NnTensor     *nn_vae_grid_points   (int latent_dim, int n, double r, int d1, int d2,
                                    const float *base, GError **error);
/* The decoded grid, in one batched decode (d compiled for at least n × n
 * points): (n × n, output shape...), in nn_vae_grid_points' order. */
NnTensor     *nn_vae_decode_grid   (NnVaeDecoder *d, int n, double r, int d1, int d2,
                                    const float *base, GError **error);
/* steps (>= 2) latent points from a to b, both included, evenly:
 * (steps, latent_dim). */
NnTensor     *nn_vae_interpolate   (const float *a, const float *b, int latent_dim, int steps);
/* The concept vector from class b to class a: the mean of the codes
 * (n, latent_dim) labelled a minus the mean of those labelled b, into v
 * (latent_dim). labels: n class numbers (-1: none). FALSE when a class has
 * no code or a == b. */
gboolean      nn_vae_concept_vector (const NnTensor *codes, const int *labels, int class_a,
                                     int class_b, float *v, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnVaeDecoder, nn_vae_decoder_free)

/* ---- text generation ------------------------------------------------------ */

/* Draws an index of p[0..n) (probabilities, >= 0) reweighted by the
 * temperature: p_i^(1/T) normalised, that is exp (log p_i / T), the
 * softmax of the log-probabilities divided by T. T below 1 sharpens the
 * distribution, above 1 flattens it; T <= 0 is its limit, the argmax
 * (the first of equal maxima). One uniform number is drawn from rng in
 * every case, so a stream's draws do not depend on its temperature.
 * Returns -1 only when no p_i is above 0. */
int        nn_sample_temperature (const float *p, int n, double temperature, NnRng *rng);

/* A character generator: a model whose one input is a window of T token
 * ids (per-sample shape (T), ids as floats) and whose first output is a
 * softmax over the vocabulary, run as the Keras book does: predict the
 * next token, sample it with a temperature, append it, slide the window.
 * Several temperatures run as rows of one batch (one forward pass per
 * step for all of them). One compiled graph serves every step: a step
 * allocates nothing. Not thread-safe, except nn_textgen_cancel. */
typedef struct _NnTextGen NnTextGen;

/* A generator for model m (copied: m may change or go afterwards) with
 * the vocabulary given as its tokens in index order: tokens[0] is the
 * padding, tokens[1] the out-of-vocabulary token; neither is ever
 * sampled. NULL with an error in words when m has no weights, more than
 * one input or an input other than (T), or when its first output is not a
 * softmax over n_tokens classes. */
NnTextGen *nn_textgen_new_with_tokens (const NnModel *m, const char *const *tokens,
                                       int n_tokens, GError **error);
/* A generator for m with a character vocabulary (nn-text.h; copied): the
 * seed text is then cut into tokens by the vocabulary's own tokenizer
 * (its lower-casing included). NULL with the reason when vocab is a word
 * vocabulary, or as nn_textgen_new_with_tokens. */
NnTextGen *nn_textgen_new_with_vocab (const NnModel *m, const NnVocab *vocab, GError **error);
/* A generator for m with the character vocabulary saved with it (a model
 * trained on a `chars:` dataset keeps it). NULL with the reason in words
 * when m has none, or for the reasons of nn_textgen_new_with_tokens. */
NnTextGen *nn_textgen_new         (const NnModel *m, GError **error);
/* As nn_textgen_new when m carries a vocabulary (the one it was trained
 * with, so the seed text is read with its case and cap); else as
 * nn_textgen_new_with_vocab with `fallback` (a character dataset's), or
 * nn_textgen_new's error when that is NULL too. */
NnTextGen *nn_textgen_new_or_vocab (const NnModel *m, const NnVocab *fallback,
                                    GError **error);
void       nn_textgen_free        (NnTextGen *g);
int        nn_textgen_get_window  (const NnTextGen *g);    /* T */
int        nn_textgen_get_n_tokens (const NnTextGen *g);
const char *nn_textgen_get_token  (const NnTextGen *g, int index);

/* Starts k streams (1 to NN_TEXTGEN_MAX_STREAMS), stream j at
 * temperatures[j], all from seed_text: it is cut into characters (a base
 * character with the combining marks after it is one), each looked up in
 * the vocabulary (unknown ones read as the out-of-vocabulary id); a text
 * shorter than the window is left-padded with id 0, a longer one gives
 * its last T characters. Stream j draws from its own generator seeded
 * with seed and j, so stream 0 writes the same text whatever the other
 * streams are. *note (may be NULL) gets NULL, or in words what became
 * of the seed text (unknown characters, padding, characters cut).
 * FALSE with the reason when a temperature is not a finite number. */
#define NN_TEXTGEN_MAX_STREAMS 16
gboolean   nn_textgen_start       (NnTextGen *g, const char *seed_text,
                                   const double *temperatures, int k, guint64 seed,
                                   char **note, GError **error);
int        nn_textgen_get_n_streams (const NnTextGen *g);
double     nn_textgen_get_temperature (const NnTextGen *g, int stream);

/* One step of every stream (the pull API): one forward pass, then
 * chosen[j] (k of them) gets stream j's next token id, whose text is
 * nn_textgen_get_token. FALSE when nn_textgen_start was not called. */
gboolean   nn_textgen_next        (NnTextGen *g, int *chosen, GError **error);
/* What stream j has generated since nn_textgen_start (the seed text not
 * included). */
const char *nn_textgen_get_text   (const NnTextGen *g, int stream);

/* The probabilities stream j's last character was drawn from (before
 * the temperature; padding and unknown at 0): n_tokens values, valid until
 * the next step. */
const float *nn_textgen_get_probabilities (const NnTextGen *g, int stream);

/* Stateful generation: for a model Input → Embedding → LSTM (tanh, sigmoid
 * gates, last step only, forwards) → Dense (softmax), the LSTM's state is
 * carried from one character to the next instead of re-running the whole
 * window from a zero state: one step per character instead of T. The
 * first character is drawn from the same probabilities as the window loop
 * (the seed window is run once from zero); after it the model reads every
 * character since the seed, not only the last T, so the text differs from
 * the window loop's. FALSE with the reason when the model is not of that
 * shape (the generator stays as it was). Takes effect at the next
 * nn_textgen_start. */
gboolean   nn_textgen_set_stateful (NnTextGen *g, gboolean stateful, GError **error);

/* Called for each stream after each step with the token just chosen
 * (text borrowed); returning FALSE stops the run. */
typedef gboolean (*NnTextGenCallback) (int stream, int step, const char *token,
                                       gpointer user_data);
/* length steps of nn_textgen_next, calling cb (may be NULL) for every
 * stream after each. FALSE with G_IO_ERROR_CANCELLED when cb returned
 * FALSE or nn_textgen_cancel was called (checked before every step, so a
 * run stops within one character). */
gboolean   nn_textgen_run         (NnTextGen *g, int length, NnTextGenCallback cb,
                                   gpointer user_data, GError **error);
/* Asks a run in progress (on another thread) to stop before its next
 * step; nn_textgen_start clears the request. */
void       nn_textgen_cancel      (NnTextGen *g);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTextGen, nn_textgen_free)

G_END_DECLS
