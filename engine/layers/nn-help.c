/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The help table: one formula and one explanation per element. A test
 * (test-layers' /layers/help) walks the layer table, the activations,
 * losses, metrics, optimizers, schedules and callbacks and fails on any
 * element this table misses. */
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-help.h"

#define L(n, f, t) { NN_HELP_LAYER, n, f, t }
#define A(n, f, t) { NN_HELP_ACTIVATION, n, f, t }

static const NnHelp help_table[] = {
  /* Layers */
  L ("Input", "x ∈ ℝ^shape", N_ ("No computation: the shape of one sample; the batch axis comes first.")),
  L ("Dense", "y = f(W·x + b)", N_ ("W: (inputs, units) weights, b: one bias per unit, f: the activation.")),
  L ("Activation", "y = f(x)", N_ ("f applied to every value on its own; no weights.")),
  L ("Dropout", "y = x·m / (1 − rate), m ~ Bernoulli(1 − rate)",
     N_ ("Training only; at test time y = x. Scaling keeps the expected value unchanged.")),
  L ("Flatten", "(B, d₁, …, dₙ) → (B, d₁·…·dₙ)", N_ ("No weights: the values in row-major order.")),
  L ("Reshape", "(B, d₁, …, dₙ) → (B, e₁, …, eₘ), Π d = Π e", N_ ("No weights: the same values, read in a new shape.")),
  L ("Add", "y = x₁ + x₂ + … + xₙ", N_ ("All inputs have the same shape; a residual block adds its input to its output.")),
  L ("Concatenate", "y = [x₁ ‖ x₂ ‖ … ‖ xₙ] along the last axis", N_ ("The other axes must match.")),
  L ("Multiply", "y = x₁ ⊙ x₂ ⊙ … ⊙ xₙ", N_ ("Element by element; a sigmoid input acts as a gate.")),
  L ("Model", "y = g(x), g the inner model", N_ ("Calling it twice applies the same weights twice (a shared layer).")),
  L ("Conv2D", "y[i,j,c] = f(Σ_{u,v,k} W[u,v,k,c]·x[i·s+u, j·s+v, k] + b[c])",
     N_ ("A kh×kw filter per output channel c, slid with stride s; the same weights everywhere in the image.")),
  L ("DepthwiseConv2D", "y[i,j,k] = f(Σ_{u,v} W[u,v,k]·x[i+u, j+v, k] + b[k])",
     N_ ("One filter per input channel; channels are not mixed.")),
  L ("SeparableConv2D", "y = f(P·depthwise(x) + b), P: 1×1 (channels_in, filters)",
     N_ ("Spatial filtering per channel, then pointwise mixing: kh·kw·C + C·F weights instead of kh·kw·C·F.")),
  L ("Conv2DTranspose", "y[i·s+u, j·s+v, c] += Σ_k W[u,v,c,k]·x[i,j,k]; y = f(y + b)",
     N_ ("Each input pixel spreads a weighted filter over an s× larger output: learned upsampling.")),
  L ("MaxPooling2D", "y[i,j,c] = max_{u,v < p} x[i·s+u, j·s+v, c]", N_ ("No weights; p×p windows with stride s.")),
  L ("AveragePooling2D", "y[i,j,c] = (1/p²) Σ_{u,v < p} x[i·s+u, j·s+v, c]", N_ ("No weights; p×p windows with stride s.")),
  L ("GlobalAveragePooling2D", "y[c] = (1/HW) Σ_{i,j} x[i,j,c]", N_ ("(B, H, W, C) → (B, C).")),
  L ("GlobalMaxPooling2D", "y[c] = max_{i,j} x[i,j,c]", N_ ("(B, H, W, C) → (B, C).")),
  L ("UpSampling2D", "y[i,j,c] = x[⌊i/s⌋, ⌊j/s⌋, c]", N_ ("Nearest neighbour: each pixel repeated s×s times.")),
  L ("ZeroPadding2D", "y = x with p rows/columns of 0 on each side", N_ ("(B, H, W, C) → (B, H+2p, W+2p, C).")),
  L ("BatchNormalization", "y = γ·(x − μ_B) / √(σ²_B + ε) + β",
     N_ ("μ_B, σ²_B: the batch's mean and variance per channel while training, their moving averages at test time; γ, β learned.")),
  L ("SpatialDropout2D", "y[·,·,c] = x[·,·,c]·m_c / (1 − rate), m_c ~ Bernoulli(1 − rate)",
     N_ ("Training only: a whole channel is kept or dropped.")),
  L ("RandomFlip", "y = x or mirror(x), each with probability ½", N_ ("Training only; at test time y = x.")),
  L ("RandomRotation", "y = rotate(x, θ), θ ~ U(−r, r)·2π", N_ ("Training only; at test time y = x.")),
  L ("RandomZoom", "y = zoom(x, 1 + z), z ~ U(−r, r)", N_ ("Training only; at test time y = x.")),
  L ("RandomTranslation", "y = shift(x, (Δh, Δw)), Δ ~ U(−r, r)·size", N_ ("Training only; at test time y = x.")),
  L ("RandomBrightness", "y = clip(x + δ), δ ~ U(−r, r)·range", N_ ("Training only; at test time y = x.")),
  L ("Sampling", "z = μ + exp(½·log σ²)·ε, ε ~ N(0, I); KL = −½ Σ (1 + log σ² − μ² − σ²)",
     N_ ("The reparameterization trick: z is random, yet gradients flow to μ and log σ².")),
  L ("Embedding", "y[t] = E[xₜ], E: (input_dim, output_dim)",
     N_ ("Each token id picks one learned row; with mask_zero, id 0 is padding and is skipped downstream.")),
  L ("TimeDistributed", "y[t] = g(x[t]) for every step t", N_ ("The same layer (same weights) on every step.")),
  L ("Conv1D", "y[t,c] = f(Σ_{u,k} W[u,k,c]·x[t·s+u, k] + b[c])", N_ ("A filter of width kw per output channel, slid along the steps.")),
  L ("MaxPooling1D", "y[t,c] = max_{u < p} x[t·s+u, c]", N_ ("No weights.")),
  L ("AveragePooling1D", "y[t,c] = (1/p) Σ_{u < p} x[t·s+u, c]", N_ ("No weights.")),
  L ("GlobalMaxPooling1D", "y[c] = max_t x[t,c]", N_ ("(B, T, C) → (B, C); masked steps skipped.")),
  L ("GlobalAveragePooling1D", "y[c] = (1/T) Σ_t x[t,c]", N_ ("(B, T, C) → (B, C); masked steps skipped.")),
  L ("SimpleRNN", "hₜ = tanh(W·xₜ + U·hₜ₋₁ + b)", N_ ("The output is the last h (or every h with return_sequences).")),
  L ("LSTM", "cₜ = fₜ⊙cₜ₋₁ + iₜ⊙tanh(W_c·xₜ + U_c·hₜ₋₁ + b_c), hₜ = oₜ⊙tanh(cₜ)",
     N_ ("Gates iₜ, fₜ, oₜ = σ(W·xₜ + U·hₜ₋₁ + b): what to write, keep and show of the cell c.")),
  L ("GRU", "hₜ = (1 − zₜ)⊙hₜ₋₁ + zₜ⊙tanh(W·xₜ + U·(rₜ⊙hₜ₋₁) + b)",
     N_ ("Update gate zₜ and reset gate rₜ = σ(W·xₜ + U·hₜ₋₁ + b): two gates, no separate cell.")),
  L ("Bidirectional", "y = merge(→RNN(x₁…x_T), ←RNN(x_T…x₁))", N_ ("merge: concat (default), sum, mul or ave.")),

  /* Activations */
  A ("linear", "f(x) = x", N_ ("No non-linearity: for regression outputs.")),
  A ("relu", "f(x) = max(0, x)", N_ ("The default for hidden layers: cheap, and its gradient does not vanish for x > 0.")),
  A ("sigmoid", "f(x) = 1 / (1 + e^−x)", N_ ("Squashes to (0, 1): the probability of a binary output.")),
  A ("tanh", "f(x) = (e^x − e^−x) / (e^x + e^−x)", N_ ("Squashes to (−1, 1), centred on 0.")),
  A ("softmax", "f(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ", N_ ("Positive outputs that add up to 1: a probability per class.")),
  A ("leaky_relu", "f(x) = x if x > 0, else α·x (α = 0.3)", N_ ("Like relu, but a unit never dies completely.")),
  A ("elu", "f(x) = x if x > 0, else e^x − 1", N_ ("Smooth below 0, mean output nearer 0 than relu's.")),
  A ("selu", "f(x) = λ·x if x > 0, else λ·α·(e^x − 1)", N_ ("λ ≈ 1.0507, α ≈ 1.6733: self-normalizing.")),
  A ("gelu", "f(x) = x·Φ(x)", N_ ("Φ: the standard normal CDF; a smooth relu.")),
  A ("swish", "f(x) = x·σ(x)", N_ ("Smooth and non-monotonic; the same as silu.")),
  A ("silu", "f(x) = x·σ(x)", N_ ("Smooth and non-monotonic; the same as swish.")),
  A ("softplus", "f(x) = ln(1 + e^x)", N_ ("A smooth relu, always positive.")),
  A ("hard_sigmoid", "f(x) = clip(0.2·x + 0.5, 0, 1)", N_ ("A cheap piecewise-linear sigmoid.")),
  A ("exponential", "f(x) = e^x", N_ ("Always positive: for rates and scales.")),

  /* Losses (ŷ: the model's output, y: the target) */
  { NN_HELP_LOSS, "none", "—", N_ ("No loss: the output is not trained.") },
  { NN_HELP_LOSS, "binary_crossentropy", "L = −[y·log ŷ + (1 − y)·log(1 − ŷ)]",
    N_ ("For one sigmoid unit; y is 0 or 1.") },
  { NN_HELP_LOSS, "categorical_crossentropy", "L = −Σᵢ yᵢ·log ŷᵢ", N_ ("For softmax outputs and one-hot targets.") },
  { NN_HELP_LOSS, "sparse_categorical_crossentropy", "L = −log ŷ_y",
    N_ ("For softmax outputs and integer class targets: minus the log of the true class's probability.") },
  { NN_HELP_LOSS, "mse", "L = (1/n) Σᵢ (ŷᵢ − yᵢ)²", N_ ("Mean squared error: regression; large errors weigh most.") },
  { NN_HELP_LOSS, "mae", "L = (1/n) Σᵢ |ŷᵢ − yᵢ|", N_ ("Mean absolute error: regression, robust to outliers.") },

  /* Metrics */
  { NN_HELP_METRIC, "accuracy", "acc = (1/N) Σ [predicted class = true class]",
    N_ ("Binary (ŷ > 0.5), categorical or sparse categorical, by the loss.") },
  { NN_HELP_METRIC, "binary_accuracy", "acc = (1/N) Σ [(ŷ > 0.5) = y]", N_ ("For one sigmoid unit.") },
  { NN_HELP_METRIC, "categorical_accuracy", "acc = (1/N) Σ [argmax ŷ = argmax y]", N_ ("For one-hot targets.") },
  { NN_HELP_METRIC, "sparse_categorical_accuracy", "acc = (1/N) Σ [argmax ŷ = y]", N_ ("For integer class targets.") },
  { NN_HELP_METRIC, "mae", "MAE = (1/n) Σᵢ |ŷᵢ − yᵢ|", N_ ("In the target's units: how far off a prediction is on average.") },
  { NN_HELP_METRIC, "mse", "MSE = (1/n) Σᵢ (ŷᵢ − yᵢ)²", N_ ("In the target's units squared.") },

  /* Optimizers (g: the gradient, η: the learning rate) */
  { NN_HELP_OPTIMIZER, "SGD", "v ← μ·v − η·g, w ← w + v (Nesterov: w ← w + μ·v − η·g)",
    N_ ("μ: momentum (0: plain gradient descent w ← w − η·g).") },
  { NN_HELP_OPTIMIZER, "RMSprop", "v ← ρ·v + (1 − ρ)·g², w ← w − η·g / (√v + ε)",
    N_ ("Each weight's step is divided by the recent size of its gradients (ρ = 0.9).") },
  { NN_HELP_OPTIMIZER, "Adam", "m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − η·m̂ / (√v̂ + ε)",
    N_ ("m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ): momentum and RMSprop with bias correction.") },

  /* Learning-rate schedules (t: the optimizer step) */
  { NN_HELP_SCHEDULE, "constant", "ηₜ = η₀", N_ ("The same learning rate throughout.") },
  { NN_HELP_SCHEDULE, "step", "ηₜ = η₀ · rate^⌊t / decay_steps⌋", N_ ("Drops by a factor every decay_steps steps.") },
  { NN_HELP_SCHEDULE, "exponential", "ηₜ = η₀ · rate^(t / decay_steps)", N_ ("Decays smoothly.") },

  /* Callbacks */
  { NN_HELP_CALLBACK, "EarlyStopping", "stop at epoch e when e − e* ≥ patience, e* = the epoch monitor last improved by > min_delta",
    N_ ("Optionally restores the weights of the best epoch.") },
  { NN_HELP_CALLBACK, "ReduceLROnPlateau", "η ← max(η·factor, min_lr) after patience epochs without improvement",
    N_ ("A smaller step once progress stalls.") },
  { NN_HELP_CALLBACK, "ModelCheckpoint", "if monitor(e) beats best: best ← monitor(e), save w",
    N_ ("The file always holds the best epoch's weights.") },

  /* Preprocessing: the Data view's options (the names its controls use)
   * and the text modes (nn_text_mode_name). */
#define P(n, f, t) { NN_HELP_PREPROCESSING, n, f, t }
  P ("normalize_mean_std", "x′ = (x − μ) / σ", N_ ("Standardization: μ and σ of each feature from the training split alone, "
                                                  "then applied to the test split too, so nothing of the test leaks in.")),
  P ("normalize_min_max", "x′ = (x − min) / (max − min)", N_ ("Scales each feature to [0, 1]; min and max from the training split.")),
  P ("normalize_none", "x′ = x", N_ ("The values as the file holds them.")),
  P ("one_hot", "y ∈ {0, …, K − 1} → e_y ∈ {0, 1}ᴷ", N_ ("Class y becomes a vector of K zeros with a 1 at place y, "
                                                         "for categorical cross-entropy.")),
  P ("missing_error", "—", N_ ("A cell that is empty or not a number stops the loading and names its line.")),
  P ("missing_drop", "rows′ = {r : r has no missing cell}", N_ ("Rows with a missing cell are left out.")),
  P ("missing_mean", "x′ = μ of the column (training rows) where x is missing", N_ ("Keeps every row; the filled value is the column's average.")),
  P ("missing_zero", "x′ = 0 where x is missing", N_ ("Keeps every row; 0 may be a real value, so the model cannot tell it apart.")),
  P ("flip", "x′[i, j] = x[i, W − 1 − j] with probability ½", N_ ("Mirrors an image left to right: a sandal facing the other way is still a sandal.")),
  P ("rotation", "x′ = rotate(x, θ), θ ~ U(−r, r)·2π", N_ ("Turns the image by a random angle; r is a fraction of a full turn.")),
  P ("zoom", "x′ = zoom(x, 1 + z), z ~ U(−r, r)", N_ ("Enlarges or shrinks the image around its centre by a random factor.")),
  P ("test_fraction", "N_test = ⌊f·N⌋", N_ ("Held out before training and used once at the end: an estimate of how the model does "
                                            "on data it never saw.")),
  P ("validation_split", "N_val = ⌊v·N_train⌋ (the last ones, before shuffling)",
     N_ ("Checked after each epoch, never trained on: a gap between training and validation curves is overfitting.")),
  P ("kfold", "score = (1/K) Σₖ score(model trained without fold k, on fold k)",
     N_ ("Each sample validates exactly once: a steadier estimate than one split when data is scarce (0: off).")),
  P ("kfold_iterations", "score = (1/(P·K)) Σₚ Σₖ scoreₚₖ, shuffled before each of the P repeats",
     N_ ("Repeating K-fold with new splits averages out the luck of one split.")),
  P ("series_window", "x = (r_{t−(L−1)·s}, …, r_{t−s}, r_t)", N_ ("L rows of the past, one every s rows (Step), make one sample.")),
  P ("series_step", "rows read = r_t, r_{t−s}, r_{t−2s}, …", N_ ("Reading one row of every s makes a window cover s times more time.")),
  P ("series_ahead", "y = target(r_{t+d})", N_ ("The value d rows after the window's last row: what the model forecasts.")),
  P ("text_length", "x = (id₁, …, id_T), 0-padded or cut to T", N_ ("Each word becomes its index in the vocabulary (1: a word it does not hold).")),
  P ("chars_window", "x = (c_{t−T+1}, …, c_t) → y = c_{t+1}", N_ ("The model reads T characters and learns the one that follows.")),
  P ("chars_step", "windows start at t = 0, s, 2s, …", N_ ("A smaller step gives more windows that overlap more.")),
  P ("int", "x = (id₁, …, id_T), idᵢ ∈ {0, …, V − 1}", N_ ("Token ids in order, for an Embedding: 0 pads, 1 is an unknown token.")),
  P ("multi_hot", "xᵥ = 1 if token v occurs in the text, else 0", N_ ("The bag of words: which words a text holds, not their order or count.")),
  P ("count", "xᵥ = how often token v occurs", N_ ("The bag of words with counts.")),
  P ("tfidf", "xᵥ = count(v)·ln(1 + N / (1 + df(v)))",
     N_ ("TF-IDF: df(v) texts of the N training texts hold v; words in every text weigh little.")),
  P ("vocabulary_size", "V = 2 + the most frequent V − 2 tokens of the training texts",
     N_ ("Index 0 pads and 1 stands for every token left out.")),
#undef P
};

const NnHelp *
nn_help_lookup (NnHelpKind  kind,
                const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (help_table); i++)
    if (help_table[i].kind == kind && strcmp (help_table[i].name, name) == 0)
      return &help_table[i];
  return NULL;
}

guint
nn_help_count (void)
{
  return G_N_ELEMENTS (help_table);
}

const NnHelp *
nn_help_get (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (help_table), NULL);
  return &help_table[i];
}

char *
nn_help_dup_text (NnHelpKind  kind,
                  const char *name)
{
  const NnHelp *h = nn_help_lookup (kind, name);

  return h ? g_strdup_printf ("%s\n%s", h->formula, _(h->text)) : NULL;
}
