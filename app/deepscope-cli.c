/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli: train, evaluate, predict and summarise model files without
 * a display. Links the engine alone. */
#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "nn.h"
#include "cli-inspect.h"
#include "cli-dream.h"
#include "cli-style.h"
#include "cli-text.h"
#include "cli-generate.h"
#include "cli-export.h"
#include "cli-gan.h"
#include "cli-search.h"
#include "cli-ensemble.h"
#include "ds-i18n.h"

/* Numbers arrive as text and are checked once the command is known: a value
 * out of range, with trailing characters or too big for its type is a usage
 * error naming the option, never replaced by a default. */
typedef struct {
  char    *data;
  char    *epochs_text, *batch_text, *seed_text, *split_text, *kfold_text, *lr_text, *count_text;
  char    *save;
  char    *load_weights;   /* train: LAYER=BASE.json */
  /* inspect */
  char    *index_text, *image, *layer, *class_text, *out;
  /* dream */
  char    *layers, *octaves, *octave_scale, *steps, *step_size, *max_loss;
  /* predict --text, embedding */
  char    *text, *import, *export;
  gboolean freeze;
  /* export, import */
  char    *format, *weights;
  /* gan */
  char    *out_dir, *d_steps, *label_smoothing, *label_flip, *label_noise;
  /* generate */
  char    *gen_seed_text, *length, *temperature, *temperatures;
  gboolean json, quiet, early_stopping, stateful;
  /* Parsed from the texts above; meaningful only where the text is set. */
  int      epochs, batch, kfold, count, index;
  gint64   seed;
  double   validation_split;
  double   lr;
} Options;

enum {
  CMD_TRAIN    = 1 << 0,
  CMD_EVALUATE = 1 << 1,
  CMD_PREDICT  = 1 << 2,
  CMD_SUMMARY  = 1 << 3,
  CMD_LAYERS   = 1 << 4,
  CMD_INSPECT  = 1 << 5,
  CMD_DREAM    = 1 << 6,
  CMD_EMBEDDING = 1 << 7,
  CMD_GENERATE = 1 << 8,
  CMD_EXPORT   = 1 << 9,
  CMD_IMPORT   = 1 << 10,
  CMD_GAN      = 1 << 11,
};

typedef struct {
  GMainLoop *loop;
  NnTrainer *trainer;
  Options   *opt;
  gint       pending;
  gboolean   tty;
  int        epochs;
  NnEvent   *finished;
  NnScores   fold_sum;
  int        folds;
  /* The history saved with --save. */
  NnRunRecord *record;
  int        fold;            /* of the last event, -1 outside K-fold */
  double     lr;
} Run;

/* What --help and a usage error print above and below the options. */
static const char commands_text[] =
  N_("Commands:\n"
  "  train MODEL.json      train on the model's dataset (or --data), print the history and the\n"
  "                        test scores; --save OUT.json writes the trained model with this run\n"
  "                        added to the runs already in the file\n"
  "  evaluate MODEL.json   loss and metrics on the test split\n"
  "  predict MODEL.json    the first --count test samples: predicted class, confidence and the\n"
  "                        true label (--json: the outputs, argmax, class names, label)\n"
  "  predict MODEL.json --text \"...\"   the class probabilities of a text, read with the\n"
  "                        vocabulary saved in the model (--json: one object)\n"
  "  embedding MODEL.json --layer NAME (--import glove.txt [--freeze] --out OUT.json |\n"
  "                        --export vectors.txt)   GloVe word vectors into or out of an\n"
  "                        embedding layer, for the words of the model's vocabulary\n"
  "  summary MODEL.json    the layers, their output shapes and parameter counts\n"
  "  layers                every layer type, its group and what it does\n"
  "  inspect MODEL.json WHAT   a trained model, on test sample --index N (default 0) or\n"
  "                        --image FILE.png; WHAT is one of\n"
  "      activations       every layer's output range, mean and dead ReLU units; --out: a\n"
  "                        layer's channels as a picture (--layer, default the first conv)\n"
  "      filters           what each filter of --layer (default the first conv) responds to,\n"
  "                        by gradient ascent; --out: the patterns\n"
  "      gradcam           where the model looks for --class (default the predicted one), at\n"
  "                        --layer (default the last image-like one); --out: over the input\n"
  "      saliency          |d score / d input| for --class; --out: over the input\n"
  "      occlusion         the probability drop under a sliding gray patch; --out: the map\n"
  "      confusion         the confusion matrix on the test split, per-class precision and\n"
  "                        recall, accuracy and the most confidently wrong examples\n"
  "                        (--json: the numbers themselves, as one JSON object)\n"
  "  dream MODEL.json      DeepDream: gradient ascent on the input of --layers' activations\n"
  "                        (default the last two convolutions), octave by octave, from\n"
  "                        --image FILE.png (at its own size) or test sample --index N\n"
  "                        upscaled; writes --out OUT.png and prints each octave's loss\n"
  "  style --content C.png --style S.png --out OUT.png\n"
  "                        neural style transfer from the content picture, with --model\n"
  "                        MODEL.json's convolutions or --random-filters (the default) as\n"
  "                        the features; `deepscope-cli style --help` lists its options\n"
  "  generate MODEL.json   a character model writes --length N characters (default 400)\n"
  "                        after --seed-text, drawn at --temperature T (default 0.5; 0: the\n"
  "                        likeliest) and streamed as they come; --temperatures T1,T2,...\n"
  "                        writes one text per temperature; --seed S reproduces a text;\n"
  "                        --stateful carries an LSTM's state instead of re-reading the window\n"
  "  export MODEL.json --format keras|tfjs|onnx --out DIR   the model (weights included) for\n"
  "                        other engines: keras, a Keras script with weights.npz; tfjs,\n"
  "                        TensorFlow.js Layers (model.json and a weight shard); onnx\n"
  "  gan GENERATOR.json DISCRIMINATOR.json --out-dir DIR   a GAN trained for --steps N\n"
  "                        (default 2000) generator steps on the discriminator's dataset (or\n"
  "                        --data), --d-steps K discriminator steps each (default 1), with\n"
  "                        --label-smoothing S, --label-flip P, --label-noise A (0 to 0.5);\n"
  "                        writes DIR/generator.json, DIR/discriminator.json, DIR/samples.png\n"
  "  search MODEL.json --param PATH=VALUES ...   a hyperparameter search: --strategy\n"
  "                        grid|random|halving, --trials N, --metric M (default val_accuracy);\n"
  "                        prints a results table; `deepscope-cli search --help` lists its options\n"
  "  ensemble A.json B.json ... [--weights W1,W2,...] [--data NAME|PATH]   trained models of\n"
  "                        one task and the weighted mean of their predictions: each one's\n"
  "                        test loss and accuracy (or MAE), then the ensemble's\n"
  "  import PATH --out MODEL.json   a TF.js Layers model.json, or a Keras model.to_json()\n"
  "                        file with --weights MANIFEST.json (TF.js format), as a Deepscope model");

static const char datasets_text[] =
  N_("Datasets (--data, or the model's own):\n"
  "  fashion-mnist[:classes=5,7][:limit=N][:dir=PATH]\n"
  "  spirals|moons|circles|xor|blobs|ring[:n=N][:noise=F][:seed=S][:classes=K][:test=F]\n"
  "  plane|gaussians[:n=N][:noise=F][:seed=S][:test=F]   (regression in the plane)\n"
  "  any 2-D set also takes :features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2\n"
  "  regression[:n=N][:features=F][:noise=F][:seed=S]\n"
  "  twoinput[:n=N][:seed=S]\n"
  "  shapes[:n=N][:size=S][:noise=F][:seed=S][:test=F]   (S×S images: a square, cross or ring)\n"
  "  PATH.csv[:target=COL][:missing=error|drop|mean|zero][:task=auto|classify|regress][:test=F]\n"
  "  seattle-temps|seattle-weather|series[:lookback=N][:step=S][:delay=D][:split=TRAIN,VAL]\n"
  "  PATH.csv:window=N[:columns=a,b][:target=COL][:delay=D]   (time series, windowed)\n"
  "  DIR                   a folder of IDX files (train-images-idx3-ubyte and friends), with the\n"
  "                        options of fashion-mnist but dir\n"
  "  Every spec also takes :normalize=meanstd|minmax|symmetric|none. Example: --data moons:n=500:noise=0.2\n");

static void
usage (FILE *f)
{
  fputs (_("Usage:\n"
         "  deepscope-cli train MODEL.json [--data NAME|PATH] [--epochs N] [--batch B] [--seed S]\n"
         "                                 [--validation-split F] [--kfold K|0] [--lr LR]\n"
         "                                 [--early-stopping] [--save OUT.json] [--json] [--quiet]\n"
         "                                 [--load-weights LAYER=BASE.json]\n"
         "  deepscope-cli evaluate MODEL.json [--data NAME|PATH] [--batch B] [--json]\n"
         "  deepscope-cli predict MODEL.json [--data NAME|PATH] [--count N] [--json]\n"
         "  deepscope-cli summary MODEL.json\n"
         "  deepscope-cli layers\n"
         "  deepscope-cli inspect MODEL.json\n"
         "                {activations|filters|gradcam|saliency|occlusion|confusion}\n"
         "                [--data NAME|PATH] [--index N | --image FILE.png] [--layer NAME]\n"
         "                [--class C] [--out FILE.png] [--json]\n"
         "                (filters also [--steps N] [--step-size S])\n"
         "  deepscope-cli dream MODEL.json --out OUT.png [--image IN.png | --index N]\n"
         "                [--layers NAME:WEIGHT,...] [--octaves N] [--octave-scale S]\n"
         "                [--steps N] [--step-size S] [--max-loss L] [--quiet]\n"
         "  deepscope-cli generate MODEL.json --seed-text TEXT [--length N]\n"
         "                [--temperature T | --temperatures T1,T2,...] [--seed S] [--stateful]\n"
         "                [--quiet]\n"
         "  deepscope-cli gan GENERATOR.json DISCRIMINATOR.json --out-dir DIR [--steps N]\n"
         "                [--d-steps K] [--batch B] [--seed S] [--data NAME|PATH]\n"
         "                [--label-smoothing S] [--label-flip P] [--label-noise A] [--quiet]\n\n"), f);
  fputs (_(commands_text), f);
  fputs ("\n\n", f);
  fputs (_(datasets_text), f);
}

/* After a usage error: the message stays the last thing in view, and one
 * line says where the rest is. */
static void
usage_hint (void)
{
  fputs (_("Run “deepscope-cli --help” for the commands, their options and the dataset syntax.\n"),
         stderr);
}

static gboolean
parse_args (int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_STRING, &o->data, N_("Dataset name or path"), "NAME|PATH" },
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &o->epochs_text, N_("Epochs (at least 1)"), "N" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &o->batch_text, N_("Batch size (at least 1)"), "B" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed_text, N_("Random seed (0 or more)"), "S" },
    { "validation-split", 0, 0, G_OPTION_ARG_STRING, &o->split_text,
      N_("Validation fraction (0 to less than 1)"), "F" },
    { "kfold", 0, 0, G_OPTION_ARG_STRING, &o->kfold_text,
      N_("K-fold cross-validation (0: off, or 2 to the training samples)"), "K" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &o->lr_text, N_("Learning rate (above 0)"), "LR" },
    { "early-stopping", 0, 0, G_OPTION_ARG_NONE, &o->early_stopping, N_("Stop when val_loss stalls"), NULL },
    { "count", 0, 0, G_OPTION_ARG_STRING, &o->count_text, N_("Samples to predict (at least 1)"), "N" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &o->save, N_("Save the trained model"), "OUT.json" },
    { "load-weights", 0, 0, G_OPTION_ARG_STRING, &o->load_weights,
      N_("train: copy a saved base's weights into a Model layer first"), "LAYER=BASE.json" },
    { "index", 0, 0, G_OPTION_ARG_STRING, &o->index_text,
      N_("inspect: the test sample (0 or more; default 0)"), "N" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &o->image, N_("inspect: a PNG as the input"),
      "FILE.png" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &o->layer, N_("inspect: the layer"), "NAME" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &o->class_text,
      N_("inspect: the class to explain (number or name)"), "C" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, N_("inspect: write the picture"), "FILE.png" },
    { "layers", 0, 0, G_OPTION_ARG_STRING, &o->layers,
      N_("dream: the layers and their weights (default the last two convolutions)"),
      "NAME:WEIGHT,..." },
    { "octaves", 0, 0, G_OPTION_ARG_STRING, &o->octaves, N_("dream: octaves (1 to 20; default 3)"),
      "N" },
    { "octave-scale", 0, 0, G_OPTION_ARG_STRING, &o->octave_scale,
      N_("dream: each octave's size over the last's (1 to 4; default 1.4)"), "S" },
    { "steps", 0, 0, G_OPTION_ARG_STRING, &o->steps,
      N_("dream: gradient-ascent steps per octave (default 20); inspect filters: steps (default 40)"), "N" },
    { "step-size", 0, 0, G_OPTION_ARG_STRING, &o->step_size,
      N_("dream: the step, in input units (default 0.01); inspect filters: the step (default 0.2)"), "S" },
    { "max-loss", 0, 0, G_OPTION_ARG_STRING, &o->max_loss,
      N_("dream: an octave stops once its loss passes this (default: no limit)"), "L" },
    /* Its bytes as given (no conversion by GOption, which only says
     * "Invalid byte sequence"): cli_text_predict checks them in words. */
    { "text", 0, 0, G_OPTION_ARG_FILENAME, &o->text,
      N_("predict: classify this text with the model's vocabulary"), "TEXT" },
    { "import", 0, 0, G_OPTION_ARG_FILENAME, &o->import,
      N_("embedding: GloVe word vectors into --layer"), "glove.txt" },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, &o->export,
      N_("embedding: --layer's vectors as a GloVe text file"), "vectors.txt" },
    { "freeze", 0, 0, G_OPTION_ARG_NONE, &o->freeze, N_("embedding: freeze the imported layer"),
      NULL },
    { "seed-text", 0, 0, G_OPTION_ARG_STRING, &o->gen_seed_text,
      N_("generate: the text the generated text follows"), "TEXT" },
    { "length", 0, 0, G_OPTION_ARG_STRING, &o->length,
      N_("generate: characters to write (1 to 1000000; default 400)"), "N" },
    { "temperature", 0, 0, G_OPTION_ARG_STRING, &o->temperature,
      N_("generate: the sampling temperature (0 to 100; default 0.5)"), "T" },
    { "temperatures", 0, 0, G_OPTION_ARG_STRING, &o->temperatures,
      N_("generate: several temperatures, one text each"), "T1,T2,..." },
    { "stateful", 0, 0, G_OPTION_ARG_NONE, &o->stateful,
      N_("generate: carry the LSTM's state from character to character (one step each)"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o->format, N_("export: keras, tfjs or onnx"),
      "FORMAT" },
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &o->weights,
      N_("import: the weights manifest (TF.js format) of a Keras model JSON"), "MANIFEST.json" },
    { "out-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->out_dir,
      N_("gan: the folder for the trained models and samples.png"), "DIR" },
    { "d-steps", 0, 0, G_OPTION_ARG_STRING, &o->d_steps,
      N_("gan: discriminator steps per generator step (1 to 100; default 1)"), "K" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_STRING, &o->label_smoothing,
      N_("gan: real samples labelled 1 - S (0 to 0.5)"), "S" },
    { "label-flip", 0, 0, G_OPTION_ARG_STRING, &o->label_flip,
      N_("gan: the chance of a swapped discriminator label (0 to 0.5)"), "P" },
    { "label-noise", 0, 0, G_OPTION_ARG_STRING, &o->label_noise,
      N_("gan: uniform noise up to A on the discriminator's labels (0 to 0.5)"), "A" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, N_("One JSON object per line on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("No progress bar"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (N_("COMMAND MODEL.json"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, commands_text);
  g_option_context_set_description (ctx, datasets_text);
  g_option_context_set_help_enabled (ctx, TRUE);
  return g_option_context_parse (ctx, argc, argv, error);
}

static void
options_clear (Options *o)
{
  g_free (o->data);
  g_free (o->epochs_text);
  g_free (o->batch_text);
  g_free (o->seed_text);
  g_free (o->split_text);
  g_free (o->kfold_text);
  g_free (o->lr_text);
  g_free (o->count_text);
  g_free (o->save);
  g_free (o->load_weights);
  g_free (o->index_text);
  g_free (o->image);
  g_free (o->layer);
  g_free (o->class_text);
  g_free (o->out);
  g_free (o->layers);
  g_free (o->octaves);
  g_free (o->octave_scale);
  g_free (o->steps);
  g_free (o->step_size);
  g_free (o->max_loss);
  g_free (o->text);
  g_free (o->import);
  g_free (o->export);
  g_free (o->gen_seed_text);
  g_free (o->length);
  g_free (o->temperature);
  g_free (o->temperatures);
  g_free (o->format);
  g_free (o->weights);
  g_free (o->out_dir);
  g_free (o->d_steps);
  g_free (o->label_smoothing);
  g_free (o->label_flip);
  g_free (o->label_noise);
}

/* A whole number from min to max, all of text (no sign games, no trailing
 * characters, no overflow). */
static gboolean
parse_whole (const char *option, const char *text, gint64 min, gint64 max, const char *range,
             gint64 *out, GError **error)
{
  if (!g_ascii_string_to_signed (text, 10, min, max, out, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--%s takes a whole number %s, not “%s”"), option, range, text);
      return FALSE;
    }
  return TRUE;
}

/* A finite number, all of text, checked against the range by the caller. */
static gboolean
parse_real (const char *option, const char *text, const char *range, double *out, GError **error)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (!*text || g_ascii_isspace (*text) || *end || errno == ERANGE || !isfinite (v))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--%s takes a number %s, not “%s”"), option, range, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* Refuses options the command does not use and values out of range. */
static gboolean
check_options (Options *o, const char *cmd, guint cmd_bit, GError **error)
{
  const guint data_cmds = CMD_TRAIN | CMD_EVALUATE | CMD_PREDICT | CMD_INSPECT;
  const struct {
    const char *name;
    gboolean    given;
    guint       commands;
  } used[] = {
    { "data", o->data != NULL, data_cmds | CMD_DREAM | CMD_EMBEDDING | CMD_GAN },
    { "text", o->text != NULL, CMD_PREDICT },
    { "import", o->import != NULL, CMD_EMBEDDING },
    { "export", o->export != NULL, CMD_EMBEDDING },
    { "freeze", o->freeze, CMD_EMBEDDING },
    { "epochs", o->epochs_text != NULL, CMD_TRAIN },
    { "batch", o->batch_text != NULL, CMD_TRAIN | CMD_EVALUATE | CMD_GAN },
    { "seed", o->seed_text != NULL, CMD_TRAIN | CMD_GENERATE | CMD_GAN },
    { "validation-split", o->split_text != NULL, CMD_TRAIN },
    { "kfold", o->kfold_text != NULL, CMD_TRAIN },
    { "lr", o->lr_text != NULL, CMD_TRAIN },
    { "early-stopping", o->early_stopping, CMD_TRAIN },
    { "count", o->count_text != NULL, CMD_PREDICT },
    { "save", o->save != NULL, CMD_TRAIN },
    { "load-weights", o->load_weights != NULL, CMD_TRAIN },
    { "json", o->json, data_cmds },
    { "quiet", o->quiet, CMD_TRAIN | CMD_INSPECT | CMD_DREAM | CMD_EMBEDDING | CMD_GENERATE
                         | CMD_IMPORT | CMD_GAN },
    { "index", o->index_text != NULL, CMD_INSPECT | CMD_DREAM },
    { "image", o->image != NULL, CMD_INSPECT | CMD_DREAM },
    { "layer", o->layer != NULL, CMD_INSPECT | CMD_EMBEDDING },
    { "class", o->class_text != NULL, CMD_INSPECT },
    { "out", o->out != NULL, CMD_INSPECT | CMD_DREAM | CMD_EMBEDDING | CMD_EXPORT | CMD_IMPORT },
    { "format", o->format != NULL, CMD_EXPORT },
    { "weights", o->weights != NULL, CMD_IMPORT },
    { "layers", o->layers != NULL, CMD_DREAM },
    { "octaves", o->octaves != NULL, CMD_DREAM },
    { "octave-scale", o->octave_scale != NULL, CMD_DREAM },
    { "steps", o->steps != NULL, CMD_DREAM | CMD_INSPECT | CMD_GAN },
    { "out-dir", o->out_dir != NULL, CMD_GAN },
    { "d-steps", o->d_steps != NULL, CMD_GAN },
    { "label-smoothing", o->label_smoothing != NULL, CMD_GAN },
    { "label-flip", o->label_flip != NULL, CMD_GAN },
    { "label-noise", o->label_noise != NULL, CMD_GAN },
    { "step-size", o->step_size != NULL, CMD_DREAM | CMD_INSPECT },
    { "max-loss", o->max_loss != NULL, CMD_DREAM },
    { "seed-text", o->gen_seed_text != NULL, CMD_GENERATE },
    { "length", o->length != NULL, CMD_GENERATE },
    { "temperature", o->temperature != NULL, CMD_GENERATE },
    { "temperatures", o->temperatures != NULL, CMD_GENERATE },
    { "stateful", o->stateful, CMD_GENERATE },
  };
  for (guint k = 0; k < G_N_ELEMENTS (used); k++)
    if (used[k].given && !(used[k].commands & cmd_bit))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("--%s is not an option of “%s”: leave it out"),
                     used[k].name, cmd);
        return FALSE;
      }
  if (o->data && !*o->data)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--data takes a dataset name or path, not an empty text"));
      return FALSE;
    }
  if (o->save && !*o->save)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--save takes a file name, not an empty text"));
      return FALSE;
    }
  gint64 v;
  const char *at_least_1 = _("from 1 to 2147483647");
  if (o->epochs_text)
    {
      if (!parse_whole ("epochs", o->epochs_text, 1, G_MAXINT, at_least_1, &v, error))
        return FALSE;
      o->epochs = (int) v;
    }
  if (o->batch_text)
    {
      if (!parse_whole ("batch", o->batch_text, 1, G_MAXINT, at_least_1, &v, error))
        return FALSE;
      o->batch = (int) v;
    }
  if (o->count_text)
    {
      if (!parse_whole ("count", o->count_text, 1, G_MAXINT, at_least_1, &v, error))
        return FALSE;
      o->count = (int) v;
    }
  if (o->index_text)
    {
      if (!parse_whole ("index", o->index_text, 0, G_MAXINT, _("from 0 to the last sample of the "
                        "test split"), &v, error))
        return FALSE;
      o->index = (int) v;
    }
  if (o->seed_text
      && !parse_whole ("seed", o->seed_text, 0, G_MAXINT64, _("from 0 to 9223372036854775807"),
                       &o->seed, error))
    return FALSE;
  if (o->kfold_text)
    {
      if (!g_ascii_string_to_signed (o->kfold_text, 10, 0, G_MAXINT, &v, NULL) || v == 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--kfold takes 0 (off) or a whole number of folds from 2 to the number "
                       "of training samples, not “%s”"), o->kfold_text);
          return FALSE;
        }
      o->kfold = (int) v;
    }
  if (o->split_text)
    {
      const char *range = _("from 0 to less than 1");
      if (!parse_real ("validation-split", o->split_text, range, &o->validation_split, error))
        return FALSE;
      if (o->validation_split < 0 || o->validation_split >= 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--validation-split takes a number %s, not “%s”"), range, o->split_text);
          return FALSE;
        }
      if (o->kfold > 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--validation-split has no use with --kfold, which validates on each "
                       "fold in turn: give one of them"));
          return FALSE;
        }
    }
  if (o->lr_text)
    {
      const char *range = _("above 0");
      if (!parse_real ("lr", o->lr_text, range, &o->lr, error))
        return FALSE;
      if (!(o->lr > 0))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--lr takes a number %s, not “%s”"), range, o->lr_text);
          return FALSE;
        }
    }
  return TRUE;
}

static void
print_json_scores (const char *prefix, const NnScores *s, GString *out)
{
  for (int k = 0; k < s->n_values; k++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      double v = s->values[k];
      g_string_append_printf (out, ", \"%s%s\": %s", prefix, s->keys[k],
                              isfinite (v) ? g_ascii_formatd (buf, sizeof buf, "%.6g", v) : "null");
    }
}

static void
event_to_scores (const NnEvent *e, NnScores *s)
{
  nn_scores_clear (s);
  for (int k = 0; k < e->n_values; k++)
    {
      s->keys[k] = g_strdup (e->keys[k]);
      s->values[k] = e->values[k];
    }
  s->n_values = e->n_values;
}

static void
progress (Run *r, const NnEvent *e)
{
  if (!r->tty || r->opt->quiet || r->opt->json)
    return;
  int width = 30, done = e->batches_per_epoch ? width * e->batch / e->batches_per_epoch : 0;
  g_autofree char *bar = g_strnfill (done, '=');
  g_autofree char *rest = g_strnfill (width - done, ' ');
  fprintf (stderr, _("\r%sEpoch %d/%d [%s>%s] %d/%d  loss %.4f  %.0f samples/s "),
           e->fold >= 0 ? "" : "", e->epoch + 1, r->epochs, bar, rest, e->batch,
           e->batches_per_epoch, e->loss, e->samples_per_s);
  fflush (stderr);
}

/* x of an event on the history's axis: epochs, folds laid end to end. */
static double
run_x (Run *r, const NnEvent *e, double within)
{
  return (double) MAX (e->fold, 0) * r->epochs + e->epoch + within;
}

/* Keeps the curves and changes of the run, as the app's Train view does. */
static void
record_event (Run *r, const NnEvent *e)
{
  NnRunRecord *rec = r->record;

  if (e->fold != r->fold && e->fold >= 0 && e->kind != NN_EVENT_FOLD
      && e->kind != NN_EVENT_FINISHED)
    {
      g_autofree char *text = g_strdup_printf (_("Fold %d"), e->fold + 1);
      r->fold = e->fold;
      nn_run_record_add_marker (rec, run_x (r, e, 0) - e->epoch, text);
    }
  if (e->seconds > 0)
    rec->seconds = e->seconds;
  switch (e->kind)
    {
    case NN_EVENT_BATCH:
      if (e->batches_per_epoch > 0)
        {
          double x = run_x (r, e, (double) e->batch / e->batches_per_epoch);
          nn_run_record_append (rec, "batch/loss", x, e->loss);
          nn_run_record_append (rec, "batch/lr", x, e->lr);
        }
      break;
    case NN_EVENT_EPOCH:
      for (int k = 0; k < e->n_values; k++)
        nn_run_record_append (rec, e->keys[k], run_x (r, e, 1), e->values[k]);
      nn_run_record_append (rec, "lr", run_x (r, e, 1), e->lr);
      rec->epochs_done = e->epoch + 1;
      break;
    case NN_EVENT_LR_CHANGED:
      {
        g_autofree char *text = g_strdup_printf ("lr %g → %g", r->lr, e->lr);
        nn_run_record_add_marker (rec, run_x (r, e, 0), text);
        r->lr = e->lr;
      }
      break;
    case NN_EVENT_PARAM_CHANGED:
      nn_run_record_add_marker (rec, run_x (r, e, 0), e->text ? e->text : "Setting changed");
      break;
    case NN_EVENT_WARNING:
      if (e->text && g_str_has_prefix (e->text, "Early stopping"))
        {
          g_free (rec->end_text);
          rec->end_text = g_strdup (e->text);
        }
      break;
    case NN_EVENT_FINISHED:
      if (e->error || !rec->end_text || g_strcmp0 (e->text, "Stopped") == 0)
        {
          g_free (rec->end_text);
          rec->end_text = g_strdup (e->error ? e->error->message : e->text ? e->text : "Finished");
        }
      break;
    default:
      break;
    }
}

static gboolean
drain_cb (gpointer data)
{
  Run *r = data;
  NnEvent *e;
  g_atomic_int_set (&r->pending, 0);
  while ((e = nn_trainer_pop_event (r->trainer)))
    {
      record_event (r, e);
      switch (e->kind)
        {
        case NN_EVENT_BATCH:
          progress (r, e);
          break;
        case NN_EVENT_EPOCH:
          {
            NnScores s = { 0 };
            event_to_scores (e, &s);
            if (r->opt->json)
              {
                GString *line = g_string_new (NULL);
                char buf[G_ASCII_DTOSTR_BUF_SIZE];
                g_string_append_printf (line, "{\"epoch\": %d", e->epoch + 1);
                if (e->fold >= 0)
                  g_string_append_printf (line, ", \"fold\": %d", e->fold + 1);
                g_string_append_printf (line, ", \"samples_per_s\": %s",
                                        g_ascii_formatd (buf, sizeof buf, "%.1f", e->samples_per_s));
                g_string_append_printf (line, ", \"lr\": %s",
                                        g_ascii_formatd (buf, sizeof buf, "%.6g", e->lr));
                print_json_scores ("", &s, line);
                g_string_append (line, "}\n");
                fputs (line->str, stdout);
                fflush (stdout);
                g_string_free (line, TRUE);
              }
            else if (!r->opt->quiet)
              {
                if (r->tty)
                  fputs ("\r\033[K", stderr);
                GString *line = g_string_new (NULL);
                if (e->fold >= 0)
                  g_string_append_printf (line, _("fold %d "), e->fold + 1);
                g_string_append_printf (line, _("epoch %d/%d  %.0f samples/s"), e->epoch + 1, r->epochs,
                                        e->samples_per_s);
                for (int k = 0; k < s.n_values; k++)
                  g_string_append_printf (line, "  %s %.4f", s.keys[k], s.values[k]);
                fprintf (stderr, "%s\n", line->str);
                g_string_free (line, TRUE);
              }
            nn_scores_clear (&s);
            break;
          }
        case NN_EVENT_FOLD:
          if (r->opt->json)
            {
              NnScores s = { 0 };
              GString *line = g_string_new (NULL);
              event_to_scores (e, &s);
              g_string_append_printf (line, "{\"fold\": %d", e->fold + 1);
              print_json_scores ("", &s, line);
              g_string_append (line, "}\n");
              fputs (line->str, stdout);
              g_string_free (line, TRUE);
              nn_scores_clear (&s);
            }
          else if (!r->opt->quiet)
            {
              fprintf (stderr, _("fold %d:"), e->fold + 1);
              for (int k = 0; k < e->n_values; k++)
                fprintf (stderr, "  %s %.4f", e->keys[k], e->values[k]);
              fputc ('\n', stderr);
            }
          break;
        case NN_EVENT_WARNING:
        case NN_EVENT_LR_CHANGED:
          if (e->text && !r->opt->quiet)
            {
              if (r->tty && !r->opt->json)
                fputs ("\r\033[K", stderr);
              fprintf (stderr, "%s\n", e->text);
            }
          break;
        case NN_EVENT_FINISHED:
          g_clear_pointer (&r->finished, nn_event_free);
          r->finished = e;
          e = NULL;
          g_main_loop_quit (r->loop);
          break;
        default:
          break;
        }
      nn_event_free (e);
    }
  return G_SOURCE_REMOVE;
}

static void
notify_cb (gpointer data)
{
  Run *r = data;
  /* Always queue: g_main_context_invoke would run the drain right here on
   * the worker when the main loop has not started yet (a run that ends
   * before g_main_loop_run), quitting a loop that then waits forever. */
  if (g_atomic_int_compare_and_exchange (&r->pending, 0, 1))
    g_idle_add (drain_cb, r);
}

static gboolean
sigint_cb (gpointer data)
{
  Run *r = data;
  fprintf (stderr, _("\nStopping after this batch…\n"));
  nn_trainer_request_stop (r->trainer);
  return G_SOURCE_CONTINUE;
}

/* The dataset, with the preprocessing the model keeps for it (one-hot
 * targets). */
NnDataset *
cli_open_data (NnModel *m, const char *spec_or_null, gboolean quiet, GError **error)
{
  const char *spec = spec_or_null ? spec_or_null : nn_model_get_dataset (m);
  if (!spec)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("The model names no dataset: pass --data NAME|PATH"));
      return NULL;
    }
  g_autoptr (NnDataset) ds = nn_dataset_open (spec, NULL, error);
  /* What the loader decided on the user's behalf (a CSV's invalid cells,
   * its categorical columns, the task), before any figure it explains. */
  for (const char *const *note = ds && !quiet ? nn_dataset_get_notes (ds) : NULL;
       note && *note; note++)
    fprintf (stderr, _("Note: %s\n"), *note);
  if (ds && (nn_model_get_dataset_flags (m) & NN_DATASET_ONE_HOT) && ds->n_classes > 0
      && ds->n_targets > 0 && ds->targets[0]->dtype == NN_DTYPE_I32
      && !nn_dataset_one_hot (ds, 0, error))
    return NULL;
  return g_steal_pointer (&ds);
}

/* A record of this run, numbered and coloured after the file's runs. */
static NnRunRecord *
new_record (NnModel *m, GPtrArray *runs, const Options *o, const NnFitConfig *cfg)
{
  guint next = runs->len;
  for (guint i = 0; i < runs->len; i++)
    next = MAX (next, ((NnRunRecord *) runs->pdata[i])->color + 1);
  g_autofree char *name = g_strdup_printf ("Run %u", next + 1);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  NnRunRecord *rec = nn_run_record_new (name);
  rec->origin = g_strdup ("deepscope-cli");
  rec->started = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  rec->color = next;
  rec->dataset = g_strdup (o->data ? o->data : nn_model_get_dataset (m));
  rec->dataset_flags = nn_model_get_dataset_flags (m);
  rec->optimizer = *nn_model_get_optimizer (m);
  rec->epochs = cfg->epochs;
  rec->batch_size = cfg->batch_size;
  rec->validation_split = cfg->validation_split;
  rec->kfold = cfg->kfold > 1 ? cfg->kfold : 0;
  rec->seed = cfg->seed;
  return rec;
}

static void
print_scores_line (const char *prefix, const NnScores *s, gboolean json)
{
  /* A K-fold run stopped before its first fold ends has no means. */
  if (s->n_values == 0)
    return;
  if (json)
    {
      GString *line = g_string_new ("{");
      print_json_scores (prefix, s, line);
      /* drop the leading ", " */
      g_string_erase (line, 1, 2);
      g_string_append (line, "}\n");
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
    }
  else
    for (int k = 0; k < s->n_values; k++)
      printf ("%s%s: %.4f\n", prefix, s->keys[k], s->values[k]);
}

/* A time series's naive baselines beside the model's test MAE, both in
 * the target's units and normalized (the model's own units). */
static void
print_baselines (const NnDataset *ds, const NnScores *test, gboolean json)
{
  NnBaselines b;
  if (!nn_dataset_get_baselines (ds, &b))
    return;
  const char *unit = ds->series->unit ? ds->series->unit : "";
  gboolean found = FALSE;
  double mae = nn_scores_get (test, "mae", &found);
  if (json)
    {
      printf ("{\"test_mae_units\": %.6g, \"baseline_last_mae\": %.6g, "
              "\"baseline_last_mae_normalized\": %.6g, \"baseline_period_mae\": %.6g, "
              "\"baseline_period_mae_normalized\": %.6g, \"baseline_period\": %d}\n",
              found ? mae * b.target_std : NAN, b.test_last, b.test_last_norm,
              b.test_period, b.test_period_norm, b.period);
      return;
    }
  if (found)
    printf ("test_mae in %s: %.4f%s\n", ds->series->unit ? "units" : "the target's units",
            mae * b.target_std, unit);
  if (b.relative)
    printf ("(the model forecasts the change from the last value, in steps of %.4g%s: "
            "its MAE is the forecast's)\n", b.target_std, unit);
  printf ("baseline_last_mae: %.4f%s (%.4f normalized): the last value\n",
          b.test_last, unit, b.test_last_norm);
  printf ("baseline_period_mae: %.4f%s (%.4f normalized): the same time %d rows before\n",
          b.test_period, unit, b.test_period_norm, b.period);
}

/* --load-weights LAYER=BASE.json: the saved base's weights into the Model
 * layer LAYER (nn_model_copy_weights_into), before training. */
static gboolean
load_weights (NnModel *m, const char *arg, guint64 seed, gboolean quiet, GError **error)
{
  const char *eq = strchr (arg, '=');
  g_autofree char *layer = eq ? g_strndup (arg, eq - arg) : NULL;
  g_autoptr (NnModel) base = NULL;
  int l, n;

  if (!eq || !*layer || !eq[1])
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--load-weights takes LAYER=BASE.json (a Model layer and a saved model "
                     "with weights), not “%s”"), arg);
      return FALSE;
    }
  l = nn_model_find_layer (m, layer);
  if (l < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--load-weights: the model has no layer “%s”"), layer);
      return FALSE;
    }
  base = nn_model_load (eq + 1, error);
  if (!base || (n = nn_model_copy_weights_into (m, l, base, seed, error)) < 0)
    return FALSE;
  if (!quiet)
    fprintf (stderr, ngettext ("%d layer of %s took the weights of %s\n",
                               "%d layers of %s took the weights of %s\n", n), n, layer, eq + 1);
  return TRUE;
}

static int
cmd_train (NnModel *m, GPtrArray *runs, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = cli_open_data (m, o->data, o->quiet, error);
  if (!ds)
    return 1;
  NnTrainDefaults *d = nn_model_get_defaults (m);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = o->epochs_text ? o->epochs : d->epochs > 0 ? d->epochs : 5;
  cfg.batch_size = o->batch_text ? o->batch : d->batch_size > 0 ? d->batch_size : 32;
  cfg.seed = o->seed_text ? (guint64) o->seed : d->seed;
  cfg.kfold = o->kfold_text ? o->kfold : d->kfold;
  cfg.kfold_iterations = MAX (d->kfold_iterations, 1);
  cfg.validation_split = o->split_text ? o->validation_split : d->validation_split;
  if (cfg.kfold > 1 && (size_t) cfg.kfold > ds->n_train)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--kfold %d asks for more folds than the %zu training samples of “%s”: "
                   "give at most %zu folds"), cfg.kfold, ds->n_train, ds->name, ds->n_train);
      nn_fit_config_clear (&cfg);
      return 2;
    }
  if (o->early_stopping || d->early_stopping_patience > 0)
    {
      cfg.early_stopping = TRUE;
      cfg.patience = d->early_stopping_patience > 0 ? d->early_stopping_patience : 3;
    }
  cfg.snapshot_every = -1;
  if (o->lr_text)
    nn_model_get_optimizer (m)->learning_rate = o->lr;
  if (o->load_weights && !load_weights (m, o->load_weights, cfg.seed, o->quiet || o->json, error))
    {
      nn_fit_config_clear (&cfg);
      return 1;
    }
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, cfg.seed, error))
    return 1;

  Run r = { 0 };
  r.loop = g_main_loop_new (NULL, FALSE);
  r.trainer = nn_trainer_new ();
  r.opt = o;
  r.tty = isatty (STDERR_FILENO);
  r.epochs = cfg.epochs;
  r.fold = -1;
  r.lr = nn_model_get_optimizer (m)->learning_rate;
  r.record = new_record (m, runs, o, &cfg);
  nn_trainer_set_notify (r.trainer, notify_cb, &r, NULL);
  guint sig = g_unix_signal_add (SIGINT, sigint_cb, &r);
  if (!o->quiet && !o->json)
    {
      /* A series validates on its own last windows, which are not trained on. */
      g_autofree char *val = ds->n_val > 0 ? g_strdup_printf (ngettext (" and %zu validation window",
                                                                        " and %zu validation windows",
                                                                        ds->n_val), ds->n_val)
                                           : g_strdup ("");
      g_autofree char *samples = g_strdup_printf (ngettext ("%zu training sample", "%zu training samples",
                                                            ds->n_train - ds->n_val),
                                                  ds->n_train - ds->n_val);
      g_autofree char *epochs = g_strdup_printf (ngettext ("%d epoch", "%d epochs", cfg.epochs), cfg.epochs);

      fprintf (stderr, _("Training %s on %s: %s%s, %s, batch %d%s\n"),
               nn_model_get_name (m), ds->name, samples, val, epochs, cfg.batch_size,
               cfg.kfold > 1 ? _(" (K-fold)") : "");
    }
  int rc = 0;
  if (!nn_trainer_start (r.trainer, m, ds, &cfg, error))
    rc = 1;
  else
    {
      g_main_loop_run (r.loop);
      if (!nn_trainer_join (r.trainer, error))
        rc = 1;
    }
  g_source_remove (sig);
  if (rc == 0)
    {
      g_autoptr (NnModel) trained = nn_trainer_dup_model (r.trainer);
      /* The trainer hands back a model whenever it reports no error; check
       * rather than pass NULL on to evaluate and save. */
      if (!trained)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Training ended without a model to evaluate or save"));
          rc = 1;
        }
      if (cfg.kfold > 1 && r.finished)
        {
          NnScores s = { 0 };
          event_to_scores (r.finished, &s);
          print_scores_line ("mean_", &s, o->json);
          nn_scores_clear (&s);
        }
      NnScores test = { 0 };
      if (rc == 0 && ds->n_test)
        {
          if (!nn_model_evaluate (trained, ds, NULL, 0, 256, &test, error))
            rc = 1;
          else
            {
              print_scores_line ("test_", &test, o->json);
              print_baselines (ds, &test, o->json);
            }
        }
      nn_scores_clear (&test);
      /* The file names what it trained on, and keeps its runs and this one. */
      if (rc == 0 && o->save && !nn_model_get_dataset (trained))
        nn_model_set_dataset (trained, o->data);
      if (rc == 0 && o->save)
        g_ptr_array_add (runs, g_steal_pointer (&r.record));
      if (rc == 0 && o->save && !nn_model_save_with_runs (trained, o->save, TRUE, runs, error))
        rc = 1;
      else if (rc == 0 && o->save && !o->quiet && !o->json)
        fprintf (stderr, _("Saved %s\n"), o->save);
    }
  g_clear_pointer (&r.finished, nn_event_free);
  g_clear_pointer (&r.record, nn_run_record_free);
  nn_trainer_free (r.trainer);
  g_main_loop_unref (r.loop);
  nn_fit_config_clear (&cfg);
  return rc;
}

static int
cmd_evaluate (NnModel *m, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = cli_open_data (m, o->data, o->quiet, error);
  if (!ds)
    return 1;
  if (!nn_model_has_weights (m))
    fprintf (stderr, _("Warning: the model file has no weights; evaluating an untrained model\n"));
  NnScores s = { 0 };
  if (!nn_model_evaluate (m, ds, NULL, 0, o->batch_text ? o->batch : 256, &s, error))
    return 1;
  print_scores_line ("test_", &s, o->json);
  print_baselines (ds, &s, o->json);
  nn_scores_clear (&s);
  return 0;
}

/* The true class of a sample (a class number, or the largest of one-hot
 * targets), or -1 without classes. */
static int
true_class (const NnDataset *ds, guint32 sample)
{
  if (ds->n_classes <= 0 || ds->n_targets <= 0)
    return -1;
  const NnArray *t = ds->targets[0];
  if (t->sample_size == 1)
    return (int) nn_array_get (t, sample, 0);
  size_t best = 0;
  for (size_t j = 1; j < t->sample_size; j++)
    if (nn_array_get (t, sample, j) > nn_array_get (t, sample, best))
      best = j;
  return (int) best;
}

/* A class as people read it: the dataset's name, else its number. */
static char *
class_text (const NnDataset *ds, int k)
{
  if (ds->class_names && k >= 0 && k < ds->n_classes && ds->class_names[k])
    return g_strdup (ds->class_names[k]);
  return g_strdup_printf ("%d", k);
}

/* The predicted class of one row of outputs and its probability, or -1
 * when the output is not a class (regression). */
static int
predicted_class (const NnDataset *ds, const float *row, size_t per, double *p)
{
  if (ds->n_classes <= 1)
    return -1;
  if (per == 1)   /* one sigmoid unit: class 1 from 0.5 */
    {
      *p = row[0] >= 0.5f ? row[0] : 1 - row[0];
      return row[0] >= 0.5f ? 1 : 0;
    }
  size_t best = 0;
  for (size_t j = 1; j < per; j++)
    if (row[j] > row[best])
      best = j;
  *p = row[best];
  return (int) best;
}

static void
print_prediction_json (const NnDataset *ds, guint32 sample, const float *row, size_t per)
{
  GString *line = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double p = 0;
  int k = predicted_class (ds, row, per, &p), truth = true_class (ds, sample);

  g_string_append_printf (line, "{\"sample\": %u, \"prediction\": [", sample);
  for (size_t j = 0; j < per; j++)
    g_string_append_printf (line, "%s%s", j ? ", " : "",
                            isfinite (row[j]) ? g_ascii_formatd (buf, sizeof buf, "%.6g", row[j])
                                              : "null");
  g_string_append (line, "]");
  if (k >= 0)
    {
      g_autofree char *name = class_text (ds, k);
      g_autofree char *quoted = g_strescape (name, NULL);
      g_string_append_printf (line, ", \"argmax\": %d, \"class\": \"%s\"", k, quoted);
    }
  if (truth >= 0)
    {
      g_autofree char *name = class_text (ds, truth);
      g_autofree char *quoted = g_strescape (name, NULL);
      g_string_append_printf (line, ", \"label\": %d, \"true_class\": \"%s\"", truth, quoted);
    }
  else if (ds->n_targets > 0 && ds->targets[0]->sample_size == per)
    {
      g_string_append (line, ", \"target\": [");
      for (size_t j = 0; j < per; j++)
        g_string_append_printf (line, "%s%s", j ? ", " : "",
                                g_ascii_formatd (buf, sizeof buf, "%.6g",
                                                 nn_array_get (ds->targets[0], sample, j)));
      g_string_append (line, "]");
    }
  g_string_append (line, "}\n");
  fputs (line->str, stdout);
  g_string_free (line, TRUE);
}

static void
print_prediction_text (const NnDataset *ds, guint32 sample, const float *row, size_t per)
{
  double p = 0;
  int k = predicted_class (ds, row, per, &p), truth = true_class (ds, sample);

  if (k >= 0)
    {
      g_autofree char *name = class_text (ds, k);
      printf ("sample %u: %s (%.1f%%)", sample, name, 100.0 * p);
    }
  else
    {
      printf ("sample %u:", sample);
      for (size_t j = 0; j < per; j++)
        printf (" %.4f", row[j]);
    }
  if (truth >= 0)
    {
      g_autofree char *name = class_text (ds, truth);
      printf ("  true %s%s", name, k >= 0 && k != truth ? "  ✗" : "");
    }
  else if (ds->n_targets > 0 && ds->targets[0]->sample_size == per)
    {
      printf ("  true");
      for (size_t j = 0; j < per; j++)
        printf (" %.4f", nn_array_get (ds->targets[0], sample, j));
    }
  printf ("\n");
}

static int
cmd_predict (NnModel *m, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = cli_open_data (m, o->data, o->quiet, error);
  if (!ds)
    return 1;
  size_t n = MIN ((size_t) (o->count_text ? o->count : 10), ds->n_test ? ds->n_test : ds->n);
  const guint32 *idx = ds->n_test ? ds->test_idx : ds->train_idx;
  g_autoptr (NnTensor) p = nn_model_predict (m, ds, idx, n, 0, 256, error);
  if (!p)
    return 1;
  size_t per = p->size / n;
  for (size_t i = 0; i < n; i++)
    {
      if (o->json)
        print_prediction_json (ds, idx[i], p->data + i * per, per);
      else
        print_prediction_text (ds, idx[i], p->data + i * per, per);
    }
  return 0;
}

/* The command argv[1] names (a CMD_ bit), after checking it takes the
 * number of arguments given; 0, having said why on stderr, otherwise. */
static guint
command_bit (int argc, char **argv)
{
  static const struct {
    const char *name;
    guint       bit;
  } commands[] = {
    { "train", CMD_TRAIN }, { "evaluate", CMD_EVALUATE }, { "predict", CMD_PREDICT },
    { "summary", CMD_SUMMARY }, { "layers", CMD_LAYERS }, { "inspect", CMD_INSPECT },
    { "dream", CMD_DREAM }, { "embedding", CMD_EMBEDDING }, { "generate", CMD_GENERATE },
    { "export", CMD_EXPORT }, { "import", CMD_IMPORT }, { "gan", CMD_GAN },
  };
  const char *cmd = argc >= 2 ? argv[1] : NULL;
  guint cmd_bit = 0;
  for (guint k = 0; cmd && k < G_N_ELEMENTS (commands); k++)
    if (g_str_equal (cmd, commands[k].name))
      cmd_bit = commands[k].bit;
  if (!cmd)
    {
      usage (stderr);
      return 0;
    }
  if (!cmd_bit)
    {
      fprintf (stderr, _("deepscope-cli: unknown command “%s”: use train, evaluate, predict, "
               "summary, layers, inspect, dream, embedding, generate, export, import, gan, style "
               "or search\n"), cmd);
      usage_hint ();
      return 0;
    }
  if (argc != (cmd_bit == CMD_LAYERS ? 2 : cmd_bit & (CMD_INSPECT | CMD_GAN) ? 4 : 3))
    {
      if (cmd_bit == CMD_LAYERS)
        fprintf (stderr, _("deepscope-cli: layers takes no other argument\n"));
      else if (cmd_bit == CMD_INSPECT)
        fprintf (stderr, _("deepscope-cli: inspect takes one model file and one of %s%s\n"),
                 cli_inspect_what, argc > 4 ? _(", and every option starts with --") : "");
      else if (cmd_bit == CMD_GAN)
        fprintf (stderr, _("deepscope-cli: gan takes two model files, the generator and the "
                 "discriminator%s\n"), argc > 4 ? _(", and every option starts with --") : "");
      else
        fprintf (stderr, _("deepscope-cli: %s takes one model file%s\n"), cmd,
                 argc > 3 ? _(", and every option starts with --") : "");
      usage_hint ();
      return 0;
    }
  return cmd_bit;
}

/* The options of the commands that have their own files (cli-*.c), taken
 * from the parsed command line. */
typedef struct {
  CliInspectOptions   io;
  CliDreamOptions     dopt;
  NnDreamConfig       dcfg;
  CliEmbeddingOptions eopt;
  CliGenerateOptions  gopt;
  CliGenerateConfig   gcfg;
  CliGanOptions       nopt;
} CommandOptions;

static void
command_options_init (CommandOptions *c, const Options *o)
{
  c->io = (CliInspectOptions) {
    .data = o->data, .image = o->image, .layer = o->layer, .class_text = o->class_text,
    .out = o->out, .steps = o->steps, .step_size = o->step_size,
    .index_given = o->index_text != NULL, .json = o->json, .quiet = o->quiet,
  };
  c->dopt = (CliDreamOptions) {
    .data = o->data, .image = o->image, .out = o->out, .layers = o->layers, .octaves = o->octaves,
    .octave_scale = o->octave_scale, .steps = o->steps, .step_size = o->step_size,
    .max_loss = o->max_loss, .index_given = o->index_text != NULL, .quiet = o->quiet,
  };
  nn_dream_config_init (&c->dcfg);
  c->eopt = (CliEmbeddingOptions) {
    .data = o->data, .layer = o->layer, .import = o->import, .export = o->export, .out = o->out,
    .freeze = o->freeze, .quiet = o->quiet,
  };
  c->gopt = (CliGenerateOptions) {
    .seed_text = o->gen_seed_text, .length = o->length, .temperature = o->temperature,
    .temperatures = o->temperatures, .seed_given = o->seed_text != NULL, .quiet = o->quiet,
    .stateful = o->stateful,
  };
  c->nopt = (CliGanOptions) {
    .data = o->data, .out_dir = o->out_dir, .steps = o->steps, .d_steps = o->d_steps,
    .label_smoothing = o->label_smoothing, .label_flip = o->label_flip,
    .label_noise = o->label_noise, .seed_given = o->seed_text != NULL, .quiet = o->quiet,
  };
}

/* Every option check of the command; FALSE with the reason. The index
 * and the seed are known once check_options has read them. */
static gboolean
command_options_check (CommandOptions *c, Options *o, char **argv, guint cmd_bit,
                       GError **error)
{
  if (!check_options (o, argv[1], cmd_bit, error))
    return FALSE;
  c->io.index = o->index;
  c->dopt.index = o->index;
  c->gopt.seed = o->seed;
  c->nopt.seed = o->seed;
  c->nopt.batch = o->batch_text ? o->batch : 0;
  return (cmd_bit != CMD_EMBEDDING || cli_embedding_check (&c->eopt, error))
         && (cmd_bit != CMD_INSPECT || cli_inspect_check (argv[3], &c->io, error))
         && (cmd_bit != CMD_DREAM || cli_dream_check (&c->dopt, &c->dcfg, error))
         && (cmd_bit != CMD_GENERATE || cli_generate_check (&c->gopt, &c->gcfg, error))
         && (cmd_bit != CMD_EXPORT || cli_export_check (o->format, o->out, error));
}

static int
list_layers (void)
{
  for (guint i = 0; i < nn_layer_types_count (); i++)
    {
      const NnLayerType *t = nn_layer_types_get (i);
      printf ("%-24s %-15s %s\n", nn_layer_type_get_name (t),
              nn_layer_group_name (nn_layer_type_get_group (t)), nn_layer_type_get_help (t));
    }
  return 0;
}

static int
print_summary (NnModel *m, GError **error)
{
  g_autofree char *s = nn_model_summary (m, error);
  if (s == NULL)
    return 1;
  fputs (s, stdout);
  return 0;
}

/* Runs a command that reads the model file argv[2]: its exit status. */
static int
run_on_model (char **argv, guint cmd_bit, Options *o, CommandOptions *c, GError **error)
{
  /* Training keeps the file's runs to save them with its own. */
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (NnModel) m = nn_model_load_with_runs (argv[2], cmd_bit == CMD_TRAIN ? &runs : NULL,
                                                   error);
  if (!m)
    return 1;
  switch (cmd_bit)
    {
    case CMD_TRAIN:
      return cmd_train (m, runs, o, error);
    case CMD_EVALUATE:
      return cmd_evaluate (m, o, error);
    case CMD_PREDICT:
      return o->text ? cli_text_predict (m, o->text, o->json, error) : cmd_predict (m, o, error);
    case CMD_EMBEDDING:
      return cli_embedding_run (m, &c->eopt, error);
    case CMD_INSPECT:
      return cli_inspect_run (m, argv[2], argv[3], &c->io, error);
    case CMD_DREAM:
      return cli_dream_run (m, argv[2], &c->dopt, &c->dcfg, error);
    case CMD_EXPORT:
      return cli_export_run (m, o->format, o->out, error);
    case CMD_GENERATE:
      return cli_generate_run (m, argv[2], &c->gopt, &c->gcfg, error);
    default:
      return print_summary (m, error);
    }
}

int
main (int argc, char **argv)
{
  ds_i18n_init ();
  nn_init (argc, argv);
  Options o = { 0 };
  CommandOptions c;
  g_autoptr (GError) error = NULL;
  guint cmd_bit;
  int rc;

  /* style reads two pictures, not a model file: its own options. */
  if (argc > 1 && g_str_equal (argv[1], "style"))
    return cli_style_main (argc, argv);
  /* search takes repeated --param options: its own options too. */
  if (argc > 1 && g_str_equal (argv[1], "search"))
    return cli_search_main (argc, argv);
  /* ensemble reads several model files: its own options too. */
  if (argc > 1 && g_str_equal (argv[1], "ensemble"))
    return cli_ensemble_main (argc, argv);
  if (!parse_args (&argc, &argv, &o, &error))
    {
      fprintf (stderr, "deepscope-cli: %s\n", error->message);
      usage_hint ();
      options_clear (&o);
      return 2;
    }
  if (!(cmd_bit = command_bit (argc, argv)))
    {
      options_clear (&o);
      return 2;
    }
  command_options_init (&c, &o);
  if (!command_options_check (&c, &o, argv, cmd_bit, &error))
    {
      fprintf (stderr, "deepscope-cli: %s\n", error->message);
      usage_hint ();
      rc = 2;
    }
  else if (cmd_bit == CMD_LAYERS)
    rc = list_layers ();
  else if (cmd_bit == CMD_GAN)
    {
      rc = cli_gan_run (argv[2], argv[3], &c.nopt, &error);
      if (rc != 0)
        fprintf (stderr, "deepscope-cli: %s\n", error->message);
      if (rc == 2)
        usage_hint ();
    }
  else if (cmd_bit == CMD_IMPORT)
    {
      rc = cli_import_run (argv[2], o.weights, o.out, o.quiet, &error);
      if (rc != 0)
        fprintf (stderr, "deepscope-cli: %s\n", error->message);
      if (rc == 2)
        usage_hint ();
    }
  else
    {
      rc = run_on_model (argv, cmd_bit, &o, &c, &error);
      if (rc != 0 && error)
        fprintf (stderr, "deepscope-cli: %s\n", error->message);
    }
  options_clear (&o);
  nn_dream_config_clear (&c.dcfg);
  return rc;
}
