/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli inspect MODEL.json {activations|filters|gradcam|saliency|
 * occlusion|confusion}: the engine's Inspect API (nn-inspect.h) on the
 * command line, as text, as one JSON object (--json) and as PNG pictures
 * (--out), for scripts and for figures in course notes. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-dream.h"
#include "cli-inspect.h"
#include "cli-picture.h"

const char cli_inspect_what[] = "activations|filters|gradcam|saliency|occlusion|confusion";

enum {
  OPT_DATA  = 1 << 0,
  OPT_INDEX = 1 << 1,
  OPT_IMAGE = 1 << 2,
  OPT_LAYER = 1 << 3,
  OPT_CLASS = 1 << 4,
  OPT_OUT   = 1 << 5,
  OPT_STEPS = 1 << 6,
};

typedef enum {
  WHAT_ACTIVATIONS,
  WHAT_FILTERS,
  WHAT_GRADCAM,
  WHAT_SALIENCY,
  WHAT_OCCLUSION,
  WHAT_CONFUSION,
} What;

/* What each subcommand takes besides --json. */
static const struct {
  const char *name;
  guint       options;
} whats[] = {
  [WHAT_ACTIVATIONS] = { "activations", OPT_DATA | OPT_INDEX | OPT_IMAGE | OPT_LAYER | OPT_OUT },
  [WHAT_FILTERS]     = { "filters", OPT_LAYER | OPT_OUT | OPT_STEPS },
  [WHAT_GRADCAM]     = { "gradcam", OPT_DATA | OPT_INDEX | OPT_IMAGE | OPT_LAYER | OPT_CLASS
                                    | OPT_OUT },
  [WHAT_SALIENCY]    = { "saliency", OPT_DATA | OPT_INDEX | OPT_IMAGE | OPT_CLASS | OPT_OUT },
  [WHAT_OCCLUSION]   = { "occlusion", OPT_DATA | OPT_INDEX | OPT_IMAGE | OPT_CLASS | OPT_OUT },
  [WHAT_CONFUSION]   = { "confusion", OPT_DATA },
};

/* Samples the dead-unit count of `activations` looks at. */
#define DEAD_SAMPLES 256
/* Examples `confusion` lists. */
#define MOST_WRONG 10

static int
what_parse (const char *what)
{
  for (guint k = 0; k < G_N_ELEMENTS (whats); k++)
    if (g_strcmp0 (what, whats[k].name) == 0)
      return (int) k;
  return -1;
}

gboolean
cli_inspect_check (const char *what, const CliInspectOptions *o, GError **error)
{
  int w = what_parse (what);
  if (w < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("inspect takes a model file and then one of activations, filters, gradcam, "
                   "saliency, occlusion or confusion, not “%s”"), what);
      return FALSE;
    }
  const struct {
    const char *name;
    gboolean    given;
    guint       bit;
  } used[] = {
    { "data", o->data != NULL, OPT_DATA },
    { "index", o->index_given, OPT_INDEX },
    { "image", o->image != NULL, OPT_IMAGE },
    { "layer", o->layer != NULL, OPT_LAYER },
    { "class", o->class_text != NULL, OPT_CLASS },
    { "out", o->out != NULL, OPT_OUT },
    { "steps", o->steps != NULL, OPT_STEPS },
    { "step-size", o->step_size != NULL, OPT_STEPS },
  };
  for (guint k = 0; k < G_N_ELEMENTS (used); k++)
    if (used[k].given && !(whats[w].options & used[k].bit))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("--%s is not an option of “inspect %s”: leave it out"), used[k].name,
                     whats[w].name);
        return FALSE;
      }
  if (o->index_given && o->image)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--index and --image both choose the input: give one of them"));
      return FALSE;
    }
  const struct {
    const char *name, *text;
  } texts[] = {
    { "image", o->image }, { "layer", o->layer }, { "class", o->class_text }, { "out", o->out },
  };
  for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
    if (texts[k].text && !*texts[k].text)
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("--%s takes a value, not an empty text"), texts[k].name);
        return FALSE;
      }
  int steps;
  double step_size;
  if (!cli_parse_steps (o->steps, o->step_size, &steps, &step_size, error))
    return FALSE;
  if (o->out && !g_str_has_suffix (o->out, ".png") && !g_str_has_suffix (o->out, ".PNG"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--out writes a PNG picture: give a file name ending in .png, not “%s”"),
                   o->out);
      return FALSE;
    }
  return TRUE;
}

/* ---- what every subcommand shares ------------------------------------------ */

typedef struct {
  NnModel                 *m;          /* borrowed */
  const char              *path;
  const CliInspectOptions *o;
  What                     what;
  NnInspector             *in;
  int                      in_ndim;    /* per-sample input shape */
  int                      in_shape[NN_MAX_DIMS];
  int                      n_classes;
  NnDataset               *ds;         /* NULL when an --image needs none and none opened */
  /* the one input of activations and the explanations */
  NnTensor                *input;      /* (1, input shape...) */
  char                    *input_text; /* "test sample 3 of fashion-mnist", "digit.png" */
  char                    *conversion; /* --image: what was converted, "" when nothing */
  int                      file_shape[3]; /* --image: the file's (height, width, channels) */
  int                      test_index; /* position in the test split, or -1 */
  int                      truth;      /* its true class, or -1 */
} Ctx;

static void
ctx_clear (Ctx *c)
{
  g_clear_pointer (&c->in, nn_inspector_free);
  g_clear_pointer (&c->ds, nn_dataset_free);
  g_clear_pointer (&c->input, nn_tensor_free);
  g_clear_pointer (&c->input_text, g_free);
  g_clear_pointer (&c->conversion, g_free);
}

static gboolean
tty (void)
{
  return isatty (STDERR_FILENO);
}

/* A class as people read it: the dataset's name, else its number. */
static char *
class_name (const Ctx *c, int k)
{
  if (c->ds && c->ds->class_names && k >= 0 && k < c->ds->n_classes && c->ds->class_names[k])
    return g_strdup (c->ds->class_names[k]);
  return g_strdup_printf ("%d", k);
}

static char *
shape_text (int ndim, const int *shape)
{
  return nn_shape_to_string (ndim, shape, 0);
}

/* "conv1, pool1, conv2": the probes that pass `keep` (every one when
 * spatial_only is FALSE). */
static char *
probe_list (NnInspector *in, gboolean spatial_only)
{
  GString *s = g_string_new (NULL);
  for (int p = 0; p < nn_inspector_get_n_probes (in); p++)
    {
      const NnProbe *pr = nn_inspector_get_probe (in, p);
      if (spatial_only && !pr->spatial)
        continue;
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", pr->path);
    }
  return g_string_free (s, FALSE);
}

/* The probe --layer names: its path, or the name of one layer when no other
 * probe has that name. -1 with an error listing the choices. */
static int
find_layer (Ctx *c, const char *name, gboolean spatial, const char *purpose, GError **error)
{
  int p = nn_inspector_find_probe (c->in, name);
  if (p < 0)
    for (int k = 0; k < nn_inspector_get_n_probes (c->in); k++)
      if (g_str_equal (nn_inspector_get_probe (c->in, k)->layer_name, name))
        {
          if (p >= 0)
            {
              g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                           _("--layer %s: several layers have that name (%s and %s): give its "
                           "whole path"), name, nn_inspector_get_probe (c->in, p)->path,
                           nn_inspector_get_probe (c->in, k)->path);
              return -1;
            }
          p = k;
        }
  if (p < 0)
    {
      g_autofree char *all = probe_list (c->in, spatial);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("--layer %s: %s has no such layer; %s takes one of: %s"), name, c->path,
                   purpose, all);
      return -1;
    }
  const NnProbe *pr = nn_inspector_get_probe (c->in, p);
  if (spatial && !pr->spatial)
    {
      g_autofree char *all = probe_list (c->in, TRUE);
      g_autofree char *shape = shape_text (pr->ndim, pr->shape);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("--layer %s: its output %s is not an image (height, width, channels); "
                   "%s takes one of: %s"), name, shape, purpose, *all ? all : "(none)");
      return -1;
    }
  return p;
}

/* The first convolution layer, else the first spatial probe that is not
 * the input; -1 (with an error) when the model has none. */
static int
default_conv_probe (Ctx *c, const char *purpose, GError **error)
{
  int n = nn_inspector_get_n_probes (c->in), spatial = -1;
  for (int p = 0; p < n; p++)
    {
      const NnProbe *pr = nn_inspector_get_probe (c->in, p);
      if (pr->conv && pr->spatial)
        return p;
      if (spatial < 0 && pr->spatial && !g_str_equal (pr->layer_type, "Input"))
        spatial = p;
    }
  if (spatial >= 0)
    return spatial;
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
               _("%s has no layer with an image-like output (height, width, channels): %s needs "
               "a convolutional model"), c->path, purpose);
  return -1;
}

/* --class: a number from 0 or a class name (case ignored); -1 when not
 * given; -2 with an error naming the valid range. */
static int
parse_class (Ctx *c, GError **error)
{
  const char *t = c->o->class_text;
  if (!t)
    return -1;
  gint64 v;
  if (g_ascii_string_to_signed (t, 10, 0, c->n_classes - 1, &v, NULL))
    return (int) v;
  for (int k = 0; k < c->n_classes; k++)
    {
      g_autofree char *name = class_name (c, k);
      if (g_ascii_strcasecmp (name, t) == 0)
        return k;
    }
  GString *names = g_string_new (NULL);
  for (int k = 0; k < c->n_classes && k < 20; k++)
    {
      g_autofree char *name = class_name (c, k);
      g_string_append_printf (names, "%s%s", k ? ", " : "", name);
    }
  if (c->n_classes > 20)
    g_string_append (names, ", …");
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
               _("--class takes a class number from 0 to %d or a class name (%s), not “%s”"),
               c->n_classes - 1, names->str, t);
  g_string_free (names, TRUE);
  return -2;
}

/* Opens the dataset unless it is not needed: an --image without --data
 * does with the model's dataset when it opens, and without one otherwise
 * (pixels / 255, classes by number). */
static gboolean
open_dataset (Ctx *c, GError **error)
{
  const CliInspectOptions *o = c->o;
  if (c->what == WHAT_FILTERS)
    return TRUE;
  if (o->image && !o->data)
    {
      g_autoptr (GError) local = NULL;
      c->ds = nn_model_get_dataset (c->m) ? cli_open_data (c->m, NULL, o->quiet, &local) : NULL;
      if (!c->ds)
        fprintf (stderr, _("Note: %s; %s is read as pixels / 255 and classes are numbered\n"),
                 local ? local->message : _("the model names no dataset (--data)"), o->image);
      return TRUE;
    }
  c->ds = cli_open_data (c->m, o->data, o->quiet, error);
  return c->ds != NULL;
}

/* The dataset's first input has the model's input shape. */
static gboolean
check_dataset_shape (Ctx *c, GError **error)
{
  const NnArray *a = c->ds->inputs[0];
  if (c->ds->n_inputs < 1 || !nn_shape_equal (a->ndim, a->shape, c->in_ndim, c->in_shape))
    {
      g_autofree char *want = shape_text (c->in_ndim, c->in_shape);
      g_autofree char *got = c->ds->n_inputs < 1 ? g_strdup ("nothing")
                                                 : shape_text (a->ndim, a->shape);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s's input is %s per sample but %s gives %s: pass --data with a dataset "
                   "of its shape"), c->path, want, c->ds->name, got);
      return FALSE;
    }
  return TRUE;
}

/* The true class of a sample (a class number, or the largest of one-hot
 * targets), or -1 without classes. */
static int
sample_class (const NnDataset *ds, guint32 sample)
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

static NnTensor *
input_tensor (const Ctx *c, int n)
{
  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, c->in_shape, sizeof (int) * (size_t) c->in_ndim);
  return nn_tensor_new (c->in_ndim + 1, shape);
}

/* The one input: test sample --index (default 0), or --image converted to
 * the model's input shape (what was converted said on stderr). */
static gboolean
load_input (Ctx *c, GError **error)
{
  const CliInspectOptions *o = c->o;
  c->truth = -1;
  c->test_index = -1;
  if (o->image)
    {
      int h = c->in_ndim == 3 ? c->in_shape[0] : 0, w = c->in_ndim == 3 ? c->in_shape[1] : 0;
      int ch = c->in_ndim == 3 ? c->in_shape[2] : 0;
      if (ch != 1 && ch != 3)
        {
          g_autofree char *want = shape_text (c->in_ndim, c->in_shape);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("--image: %s's input is %s, not an image of 1 (grey) or 3 (RGB) "
                       "channels; use --index to pick a sample of its dataset"), c->path, want);
          return FALSE;
        }
      int fw = 0, fh = 0, fc = 0;
      g_autofree guint8 *px = nn_png_read_sized (o->image, h, w, ch, &fw, &fh, &fc, error);
      if (!px)
        return FALSE;
      c->input = input_tensor (c, 1);
      const NnArray *a = c->ds ? c->ds->inputs[0] : NULL;
      if (a && !nn_shape_equal (a->ndim, a->shape, c->in_ndim, c->in_shape))
        a = NULL;
      for (size_t f = 0; f < c->input->size; f++)
        {
          /* as the dataset converts its own pixels (scale 1/255, or its
           * normalization), else to [0, 1] */
          float scale = a ? (a->scale ? a->scale[f] : 1.0f) : 1.0f / 255.0f;
          float offset = a && a->offset ? a->offset[f] : 0.0f;
          c->input->data[f] = px[f] * scale + offset;
        }
      GString *did = g_string_new (NULL);
      if (fc != ch)
        g_string_append (did, ch == 1 ? _("converted from colour to grey (luma)")
                                      : _("converted from grey to RGB"));
      if (fw != w || fh != h)
        g_string_append_printf (did, _("%sresized from %dx%d to %dx%d (%s)"), did->len ? ", " : "",
                                fw, fh, w, h,
                                fw * fh > w * h ? _("area average") : _("bilinear"));
      if (!o->quiet)
        fprintf (stderr, "%s: %dx%d %s%s%s\n", o->image, fw, fh, fc == 1 ? _("grey") : _("colour"),
                 did->len ? ", " : _(" (no conversion)"), did->str);
      c->conversion = g_string_free (did, FALSE);
      c->file_shape[0] = fh;
      c->file_shape[1] = fw;
      c->file_shape[2] = fc;
      c->input_text = g_strdup (o->image);
      return TRUE;
    }
  if (!check_dataset_shape (c, error))
    return FALSE;
  const NnDataset *ds = c->ds;
  const guint32 *idx = ds->n_test ? ds->test_idx : ds->train_idx;
  size_t n = ds->n_test ? ds->n_test : ds->n_train;
  const char *split = ds->n_test ? "test" : "training";
  if (n == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no samples to inspect: pass --data or --image"), ds->name);
      return FALSE;
    }
  if ((size_t) o->index >= n)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("--index %d is past the %s split of %s: give 0 to %zu"), o->index, split,
                   ds->name, n - 1);
      return FALSE;
    }
  if (!ds->n_test && !o->quiet)
    fprintf (stderr, _("Note: %s has no test split; --index counts its training samples\n"),
             ds->name);
  guint32 sample = idx[o->index];
  c->input = input_tensor (c, 1);
  nn_array_gather (ds->inputs[0], &sample, 1, c->input->data);
  c->test_index = o->index;
  c->truth = sample_class (ds, sample);
  c->input_text = g_strdup_printf ("%s sample %d of %s", split, o->index, ds->name);
  return TRUE;
}

/* Probabilities per class of one row of output 0 (units values; one
 * sigmoid unit gives the two classes'). Returns the predicted class. */
static int
class_probabilities (const Ctx *c, const float *row, int units, double *p)
{
  int best = 0;
  for (int k = 0; k < c->n_classes; k++)
    {
      p[k] = units == 1 && c->n_classes == 2 ? (k ? row[0] : 1.0 - row[0]) : row[k];
      if (p[k] > p[best])
        best = k;
    }
  return best;
}

/* ---- JSON ----------------------------------------------------------------- */

static void
add_number (JsonBuilder *b, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (isfinite (v))
    /* float precision is what the engine computes: rounded to 7 digits,
     * the 17 that json-glib prints read back as that decimal */
    json_builder_add_double_value (b, g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, "%.7g",
                                                                       v), NULL));
  else
    json_builder_add_null_value (b);
}

static void
set_number (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  add_number (b, v);
}

static void
set_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
set_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
set_shape (JsonBuilder *b, const char *key, int ndim, const int *shape)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int k = 0; k < ndim; k++)
    json_builder_add_int_value (b, shape[k]);
  json_builder_end_array (b);
}

/* Prints the builder's object as one line on stdout. */
static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  puts (text);
}

/* "input": what was inspected; "truth" when it is known. */
static void
set_input (Ctx *c, JsonBuilder *b)
{
  json_builder_set_member_name (b, "input");
  json_builder_begin_object (b);
  if (c->o->image)
    {
      set_string (b, "image", c->o->image);
      /* the file as it was, and what made it the model's input */
      set_shape (b, "file_shape", 3, c->file_shape);
      set_string (b, "conversion", *c->conversion ? c->conversion : "none");
    }
  else
    {
      set_string (b, "dataset", c->ds->name);
      set_string (b, "split", c->ds->n_test ? "test" : "training");
      set_int (b, "index", c->test_index);
    }
  if (c->truth >= 0)
    {
      g_autofree char *name = class_name (c, c->truth);
      set_int (b, "label", c->truth);
      set_string (b, "true_class", name);
    }
  json_builder_end_object (b);
}

/* ---- activations ------------------------------------------------------------ */

/* The dead fraction of each probe over up to DEAD_SAMPLES samples of the
 * split the input came from (NAN where it means nothing); *n_samples gets
 * how many, 0 without a dataset. */
static gboolean
dead_units (Ctx *c, double *fractions, int *n_samples, GError **error)
{
  int n_probes = nn_inspector_get_n_probes (c->in);
  for (int p = 0; p < n_probes; p++)
    fractions[p] = NAN;
  *n_samples = 0;
  const NnDataset *ds = c->ds;
  if (!ds || !nn_shape_equal (ds->inputs[0]->ndim, ds->inputs[0]->shape, c->in_ndim,
                              c->in_shape))
    return TRUE;
  const guint32 *idx = ds->n_test ? ds->test_idx : ds->train_idx;
  size_t n = MIN ((size_t) DEAD_SAMPLES, ds->n_test ? ds->n_test : ds->n_train);
  if (n == 0)
    return TRUE;
  g_autoptr (NnTensor) batch = NULL;
  batch = input_tensor (c, (int) n);
  nn_array_gather (ds->inputs[0], idx, n, batch->data);
  if (!nn_inspector_dead_units (c->in, batch, fractions, error))
    return FALSE;
  *n_samples = (int) n;
  return TRUE;
}

static int
run_activations (Ctx *c, GError **error)
{
  int out_probe = -1;
  if (c->o->out)
    {
      out_probe = c->o->layer ? find_layer (c, c->o->layer, TRUE, "--out", error)
                              : default_conv_probe (c, "--out", error);
      if (out_probe < 0)
        return 1;
    }
  else if (c->o->layer)
    {
      /* --layer alone: that layer's figures only */
      out_probe = find_layer (c, c->o->layer, FALSE, "activations", error);
      if (out_probe < 0)
        return 1;
    }
  NnTensor *pred_raw = NULL;
  NnTensor **acts = nn_inspector_activations (c->in, c->input, &pred_raw, error);
  if (!acts)
    return 1;
  g_autoptr (NnTensor) pred = pred_raw;
  int n_probes = nn_inspector_get_n_probes (c->in);
  g_autofree double *dead = g_new (double, n_probes);
  int dead_n = 0;
  if (!dead_units (c, dead, &dead_n, error))
    {
      nn_tensors_free (acts, n_probes);
      return 1;
    }
  int units = pred->shape[pred->ndim - 1];
  g_autofree double *prob = g_new0 (double, MAX (c->n_classes, 1));
  int predicted = c->n_classes > 0 ? class_probabilities (c, pred->data, units, prob) : -1;

  if (out_probe >= 0 && c->o->out)
    {
      const NnProbe *pr = nn_inspector_get_probe (c->in, out_probe);
      const NnTensor *a = acts[out_probe];
      g_autoptr (CliPicture) pic = cli_activation_grid (a->data, pr->shape[0], pr->shape[1],
                                                 pr->shape[2], nn_tensor_min (a),
                                                 nn_tensor_max (a));
      if (!cli_picture_save (pic, c->o->out, error))
        {
          nn_tensors_free (acts, n_probes);
          return 1;
        }
    }

  if (c->o->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      set_string (b, "model", c->path);
      set_input (c, b);
      if (predicted >= 0)
        {
          g_autofree char *name = class_name (c, predicted);
          json_builder_set_member_name (b, "prediction");
          json_builder_begin_object (b);
          set_int (b, "class", predicted);
          set_string (b, "class_name", name);
          set_number (b, "probability", prob[predicted]);
          json_builder_set_member_name (b, "probabilities");
          json_builder_begin_array (b);
          for (int k = 0; k < c->n_classes; k++)
            add_number (b, prob[k]);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "output");
      json_builder_begin_array (b);
      for (size_t k = 0; k < pred->size; k++)
        add_number (b, pred->data[k]);
      json_builder_end_array (b);
      set_int (b, "dead_samples", dead_n);
      json_builder_set_member_name (b, "layers");
      json_builder_begin_array (b);
      for (int p = 0; p < n_probes; p++)
        {
          const NnProbe *pr = nn_inspector_get_probe (c->in, p);
          if (c->o->layer && p != out_probe)
            continue;
          json_builder_begin_object (b);
          set_string (b, "path", pr->path);
          set_string (b, "type", pr->layer_type);
          set_int (b, "depth", pr->depth);
          set_shape (b, "shape", pr->ndim, pr->shape);
          set_number (b, "min", nn_tensor_min (acts[p]));
          set_number (b, "max", nn_tensor_max (acts[p]));
          set_number (b, "mean", nn_tensor_mean (acts[p]));
          set_number (b, "dead_fraction", dead[p]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      if (c->o->out)
        {
          set_string (b, "out", c->o->out);
          set_string (b, "out_layer", nn_inspector_get_probe (c->in, out_probe)->path);
        }
      json_builder_end_object (b);
      print_json (b);
    }
  else
    {
      printf ("Input: %s", c->input_text);
      if (c->truth >= 0)
        {
          g_autofree char *name = class_name (c, c->truth);
          printf (" (true class: %s)", name);
        }
      printf ("\n");
      if (predicted >= 0)
        {
          g_autofree char *name = class_name (c, predicted);
          printf ("Prediction: %s (%.1f%%)\n", name, 100 * prob[predicted]);
        }
      printf ("\n%-28s %-20s %-16s %10s %10s %10s %6s\n", "layer", "type", "shape", "min", "max",
              "mean", "dead");
      for (int p = 0; p < n_probes; p++)
        {
          const NnProbe *pr = nn_inspector_get_probe (c->in, p);
          if (c->o->layer && p != out_probe)
            continue;
          g_autofree char *shape = shape_text (pr->ndim, pr->shape);
          g_autofree char *dead_text = isfinite (dead[p]) ? g_strdup_printf ("%.1f%%",
                                                                             100 * dead[p])
                                                          : g_strdup ("-");
          printf ("%-28s %-20s %-16s %10.4g %10.4g %10.4g %6s\n", pr->path, pr->layer_type, shape, nn_tensor_min (acts[p]),
                  nn_tensor_max (acts[p]), nn_tensor_mean (acts[p]), dead_text);
        }
      if (dead_n > 0)
        printf ("\ndead: the share of ReLU units (channels, or features) that are zero on all "
                "of the first %d %s samples\n", dead_n, c->ds->n_test ? "test" : "training");
      if (c->o->out)
        {
          const NnProbe *pr = nn_inspector_get_probe (c->in, out_probe);
          printf ("Wrote %s: the %d channels of %s, one colour scale from %.4g to %.4g\n",
                  c->o->out, pr->shape[2], pr->path, nn_tensor_min (acts[out_probe]),
                  nn_tensor_max (acts[out_probe]));
        }
    }
  nn_tensors_free (acts, n_probes);
  return 0;
}

/* ---- filters ------------------------------------------------------------------ */

static gboolean
filter_progress_cb (int step, int steps, const NnTensor *images, gpointer user_data)
{
  /* step 0 is the starting images */
  fprintf (stderr, _("\rFilters: step %d of %d "), step, steps);
  if (step == steps)
    fprintf (stderr, "\n");
  fflush (stderr);
  return TRUE;
}

static int
run_filters (Ctx *c, GError **error)
{
  int probe = c->o->layer ? find_layer (c, c->o->layer, TRUE, "filters", error)
                          : default_conv_probe (c, "filters", error);
  if (probe < 0)
    return 1;
  const NnProbe *pr = nn_inspector_get_probe (c->in, probe);
  int n = pr->shape[pr->ndim - 1];
  g_autofree int *channels = g_new (int, n);
  for (int k = 0; k < n; k++)
    channels[k] = k;
  NnFilterConfig cfg;
  nn_filter_config_init (&cfg);
  /* checked by cli_inspect_check */
  double step_size = cfg.step_size;
  (void) cli_parse_steps (c->o->steps, c->o->step_size, &cfg.steps, &step_size, NULL);
  cfg.step_size = (float) step_size;
  g_autofree double *gains = g_new (double, n);
  g_autoptr (NnTensor) images = nn_inspector_filters (c->in, probe, channels, n, &cfg,
                                                      tty () && !c->o->quiet && !c->o->json
                                                        ? filter_progress_cb : NULL,
                                                      NULL, gains, error);
  if (!images)
    return 1;
  if (c->o->out)
    {
      g_autoptr (CliPicture) pic = cli_image_grid (images->data, n, c->in_shape[0],
                                            c->in_ndim == 3 ? c->in_shape[1] : 1,
                                            c->in_ndim == 3 ? c->in_shape[2] : 1);
      if (!cli_picture_save (pic, c->o->out, error))
        return 1;
    }
  double *sorted = g_memdup2 (gains, sizeof (double) * (size_t) n);
  int weakest = 0;
  for (int k = 1; k < n; k++)
    if (gains[k] < gains[weakest])
      weakest = k;
  /* the median gain, for the text summary */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        double t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }
  double median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  g_free (sorted);
  if (c->o->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      set_string (b, "model", c->path);
      set_string (b, "layer", pr->path);
      set_string (b, "type", pr->layer_type);
      set_shape (b, "shape", pr->ndim, pr->shape);
      set_int (b, "filters", n);
      set_int (b, "steps", cfg.steps);
      set_number (b, "step_size", cfg.step_size);
      set_shape (b, "image_shape", c->in_ndim, c->in_shape);
      json_builder_set_member_name (b, "gains");
      json_builder_begin_array (b);
      for (int k = 0; k < n; k++)
        add_number (b, gains[k]);
      json_builder_end_array (b);
      set_string (b, "out", c->o->out);
      json_builder_end_object (b);
      print_json (b);
      return 0;
    }
  printf ("%s (%s, output %d channels): %d step%s of gradient ascent (step size %g) from grey\n",
          pr->path, pr->layer_type, n, cfg.steps, cfg.steps == 1 ? "" : "s", cfg.step_size);
  printf ("gain = the filter's mean activation on its pattern / on the starting image\n");
  for (int k = 0; k < n; k++)
    printf ("%s%4d %9.4g", k % 6 ? "   " : k ? "\n" : "", k, gains[k]);
  printf ("\nmedian gain %.4g; weakest filter %d (%.4g)\n", median, weakest, gains[weakest]);
  if (c->o->out)
    printf ("Wrote %s: %d patterns\n", c->o->out, n);
  else
    printf ("Pass --out FILE.png for the patterns themselves.\n");
  return 0;
}

/* ---- Grad-CAM, saliency, occlusion ---------------------------------------------- */

/* The map as characters, darkest to brightest, at most 56 columns (2 per
 * cell, so that it looks about square). */
static void
print_map_text (const float *map, int h, int w, float lo, float hi)
{
  static const char ramp[] = " .:-=+*#%@";
  int cells = MIN (w, 28), rows = MAX (1, (int) lround ((double) h * cells / w));
  float span = hi > lo ? hi - lo : 1;
  for (int y = 0; y < rows; y++)
    {
      for (int x = 0; x < cells; x++)
        {
          /* the cell's mean: an area average when the map is larger */
          int y0 = y * h / rows, y1 = MAX (y0 + 1, (y + 1) * h / rows);
          int x0 = x * w / cells, x1 = MAX (x0 + 1, (x + 1) * w / cells);
          double s = 0;
          for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++)
              s += map[yy * w + xx];
          double v = (s / ((y1 - y0) * (x1 - x0)) - lo) / span;
          int k = (int) lround (CLAMP (v, 0, 1) * (sizeof ramp - 2));
          putchar (ramp[k]);
          putchar (ramp[k]);
        }
      putchar ('\n');
    }
}

static int
run_explain (Ctx *c, GError **error)
{
  NnExplainConfig cfg;
  nn_explain_config_init (&cfg);
  static const NnExplainKind kinds[] = {
    [WHAT_GRADCAM] = NN_EXPLAIN_GRADCAM, [WHAT_SALIENCY] = NN_EXPLAIN_SALIENCY,
    [WHAT_OCCLUSION] = NN_EXPLAIN_OCCLUSION,
  };
  const char *method = whats[c->what].name;
  cfg.kind = kinds[c->what];
  if (c->n_classes < 2)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s: %s explains a class, and %s's first output is not a classification"),
                   method, method, c->path);
      return 1;
    }
  if (c->what == WHAT_GRADCAM)
    {
      cfg.probe = c->o->layer ? find_layer (c, c->o->layer, TRUE, "Grad-CAM", error)
                              : nn_inspector_default_cam_probe (c->in);
      if (cfg.probe < 0 && c->o->layer)
        return 1;
      if (cfg.probe < 0)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       _("%s has no layer with an image-like output (height, width, channels): "
                       "Grad-CAM needs a convolutional model; try saliency or occlusion"),
                       c->path);
          return 1;
        }
    }
  cfg.class_index = parse_class (c, error);
  if (cfg.class_index == -2)
    return 1;
  g_autoptr (NnTensor) pred = nn_inspector_predict (c->in, c->input, error);
  if (!pred)
    return 1;
  g_autofree double *prob = g_new0 (double, c->n_classes);
  int predicted = class_probabilities (c, pred->data, pred->shape[pred->ndim - 1], prob);
  int cls = -1;
  double score = NAN;
  g_autoptr (NnTensor) map = nn_inspector_explain (c->in, c->input, &cfg, &cls, &score, error);
  if (!map)
    return 1;
  int mh = map->shape[0], mw = map->ndim > 1 ? map->shape[1] : 1;
  float lo = nn_tensor_min (map), hi = nn_tensor_max (map);
  size_t peak = nn_tensor_argmax (map);

  if (c->o->out)
    {
      /* occlusion's raw drops: what lowered the score, scaled to its largest */
      g_autofree float *shown = g_memdup2 (map->data, sizeof (float) * map->size);
      if (c->what == WHAT_OCCLUSION)
        for (size_t i = 0; i < map->size; i++)
          shown[i] = hi > 0 ? MAX (shown[i], 0) / hi : 0;
      int h = c->in_shape[0], w = c->in_ndim >= 2 ? c->in_shape[1] : 1;
      int ch = c->in_ndim == 3 ? c->in_shape[2] : 1;
      g_autoptr (CliPicture) pic = cli_overlay (c->input->data, h, w, ch, shown, mh, mw);
      if (!cli_picture_save (pic, c->o->out, error))
        return 1;
    }
  g_autofree char *cname = class_name (c, cls);
  g_autofree char *pname = class_name (c, predicted);
  const char *layer = c->what == WHAT_GRADCAM ? nn_inspector_get_probe (c->in, cfg.probe)->path
                                              : NULL;
  if (c->o->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      set_string (b, "model", c->path);
      set_string (b, "method", method);
      set_input (c, b);
      if (layer)
        set_string (b, "layer", layer);
      set_int (b, "class", cls);
      set_string (b, "class_name", cname);
      set_number (b, "probability", score);
      set_int (b, "predicted", predicted);
      set_string (b, "predicted_name", pname);
      set_number (b, "predicted_probability", prob[predicted]);
      set_shape (b, "shape", map->ndim, map->shape);
      json_builder_set_member_name (b, "values");
      json_builder_begin_array (b);
      for (size_t i = 0; i < map->size; i++)
        add_number (b, map->data[i]);
      json_builder_end_array (b);
      set_number (b, "min", lo);
      set_number (b, "max", hi);
      json_builder_set_member_name (b, "peak");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) (peak / (size_t) mw));
      json_builder_add_int_value (b, (gint64) (peak % (size_t) mw));
      json_builder_end_array (b);
      set_string (b, "out", c->o->out);
      json_builder_end_object (b);
      print_json (b);
      return 0;
    }
  printf ("Input: %s", c->input_text);
  if (c->truth >= 0)
    {
      g_autofree char *name = class_name (c, c->truth);
      printf (" (true class: %s)", name);
    }
  printf ("\nPrediction: %s (%.1f%%)\n", pname, 100 * prob[predicted]);
  static const char *titles[] = {
    [WHAT_GRADCAM] = "Grad-CAM", [WHAT_SALIENCY] = "Saliency (|d score / d input|)",
    [WHAT_OCCLUSION] = "Occlusion (probability drop under a grey patch)",
  };
  printf ("%s for %s (%.1f%%)", titles[c->what], cname, 100 * score);
  if (layer)
    printf (" at %s", layer);
  if (!(hi > 0))
    /* Grad-CAM's ReLU of a sum that is negative everywhere (as a Flatten
     * head's weights can make it); an occlusion that never lowered it */
    printf (": %dx%d, all zero: no place at this layer adds evidence for the class%s\n", mh, mw,
            c->what == WHAT_GRADCAM ? "; an earlier layer (--layer) may show more" : "");
  else
    {
      printf (": %dx%d, values %.4g to %.4g, peak at row %zu, column %zu\n\n", mh, mw, lo, hi,
              peak / (size_t) mw, peak % (size_t) mw);
      print_map_text (map->data, mh, mw, c->what == WHAT_OCCLUSION ? 0 : lo, hi);
    }
  if (c->o->out)
    printf ("\nWrote %s: the map over the input\n", c->o->out);
  return 0;
}

/* ---- confusion -------------------------------------------------------------------- */

static gboolean
confusion_progress_cb (int step, int steps, const NnTensor *images, gpointer user_data)
{
  fprintf (stderr, _("\rConfusion: %d of %d "), step, steps);
  if (step == steps)
    fprintf (stderr, "\n");
  fflush (stderr);
  return TRUE;
}

/* A name cut to `width` characters (UTF-8 aware). */
static char *
cut (const char *s, int width)
{
  if (g_utf8_strlen (s, -1) <= width)
    return g_strdup (s);
  g_autofree char *head = g_utf8_substring (s, 0, width - 1);
  return g_strconcat (head, "…", NULL);
}

/* printf's width counts bytes: pads a UTF-8 text to `width` characters. */
static void
print_padded (const char *s, int width, gboolean right)
{
  int pad = MAX (0, width - (int) g_utf8_strlen (s, -1));
  if (right)
    printf ("%*s%s", pad, "", s);
  else
    printf ("%s%*s", s, pad, "");
}

static int
run_confusion (Ctx *c, GError **error)
{
  NnDataset *ds = c->ds;
  if (!check_dataset_shape (c, error))
    return 1;
  if (ds->n_test == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no test split to compute a confusion matrix on: pass --data with a "
                   "dataset that has one"), ds->name);
      return 1;
    }
  g_autoptr (NnConfusion) cm = nn_confusion_compute (c->m, ds, NULL, 0,
                                                     tty () && !c->o->quiet && !c->o->json
                                                       ? confusion_progress_cb : NULL,
                                                     NULL, error);
  if (!cm)
    return 1;
  int k = cm->n_classes;
  size_t wrong[MOST_WRONG];
  size_t n_wrong = nn_confusion_most_wrong (cm, wrong, MOST_WRONG);
  if (c->o->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      set_string (b, "model", c->path);
      set_string (b, "dataset", ds->name);
      set_string (b, "split", "test");
      set_int (b, "samples", (gint64) cm->n);
      set_int (b, "n_classes", k);
      json_builder_set_member_name (b, "classes");
      json_builder_begin_array (b);
      for (int i = 0; i < k; i++)
        json_builder_add_string_value (b, cm->class_names[i]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "counts");
      json_builder_begin_array (b);
      for (int i = 0; i < k; i++)
        {
          json_builder_begin_array (b);
          for (int j = 0; j < k; j++)
            json_builder_add_int_value (b, cm->counts[(size_t) i * k + j]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "precision");
      json_builder_begin_array (b);
      for (int i = 0; i < k; i++)
        add_number (b, cm->precision[i]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "recall");
      json_builder_begin_array (b);
      for (int i = 0; i < k; i++)
        add_number (b, cm->recall[i]);
      json_builder_end_array (b);
      set_number (b, "accuracy", cm->accuracy);
      json_builder_set_member_name (b, "most_wrong");
      json_builder_begin_array (b);
      for (size_t w = 0; w < n_wrong; w++)
        {
          size_t p = wrong[w];
          json_builder_begin_object (b);
          /* the position in the test split is what --index takes */
          set_int (b, "test_index", (gint64) p);
          set_int (b, "sample", cm->index[p]);
          set_int (b, "true", cm->truth[p]);
          set_string (b, "true_class", cm->class_names[cm->truth[p]]);
          set_int (b, "predicted", cm->predicted[p]);
          set_string (b, "predicted_class", cm->class_names[cm->predicted[p]]);
          set_number (b, "confidence", cm->confidence[p]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      print_json (b);
      return 0;
    }

  /* rows: true class (named); columns: predicted class (numbered) */
  int name_w = 4, cell_w = 3;
  for (int i = 0; i < k; i++)
    name_w = MAX (name_w, MIN (16, (int) g_utf8_strlen (cm->class_names[i], -1)));
  for (size_t i = 0; i < (size_t) k * k; i++)
    {
      char digits[16];
      cell_w = MAX (cell_w, snprintf (digits, sizeof digits, "%u", cm->counts[i]) + 1);
    }
  printf ("Confusion on the %zu test samples of %s (rows: true class, columns: predicted)\n\n",
          cm->n, ds->name);
  printf ("%*s", name_w + 5, "");
  for (int j = 0; j < k; j++)
    printf ("%*d", cell_w, j);
  printf ("\n");
  for (int i = 0; i < k; i++)
    {
      g_autofree char *name = cut (cm->class_names[i], 16);
      printf ("%3d ", i);
      print_padded (name, name_w, FALSE);
      printf (" ");
      for (int j = 0; j < k; j++)
        printf ("%*u", cell_w, cm->counts[(size_t) i * k + j]);
      printf ("\n");
    }
  printf ("\n%*s %9s %9s\n", name_w + 4, "", "precision", "recall");
  for (int i = 0; i < k; i++)
    {
      g_autofree char *name = cut (cm->class_names[i], 16);
      g_autofree char *pr = isfinite (cm->precision[i])
                              ? g_strdup_printf ("%.1f%%", 100 * cm->precision[i])
                              : g_strdup ("-");
      g_autofree char *re = isfinite (cm->recall[i])
                              ? g_strdup_printf ("%.1f%%", 100 * cm->recall[i]) : g_strdup ("-");
      printf ("%3d ", i);
      print_padded (name, name_w, FALSE);
      printf (" %9s %9s\n", pr, re);
    }
  printf ("\naccuracy %.2f%% (%zu samples)\n", 100 * cm->accuracy, cm->n);
  if (n_wrong)
    {
      printf ("\nThe most confidently wrong (--index N shows one):\n");
      for (size_t w = 0; w < n_wrong; w++)
        {
          size_t p = wrong[w];
          printf ("  --index %-6zu true %s, predicted %s (%.1f%%)\n", p,
                  cm->class_names[cm->truth[p]], cm->class_names[cm->predicted[p]],
                  100 * cm->confidence[p]);
        }
    }
  return 0;
}

/* ---- the command -------------------------------------------------------------------- */

int
cli_inspect_run (NnModel *m, const char *path, const char *what, const CliInspectOptions *o,
                 GError **error)
{
  int w = what_parse (what);
  g_return_val_if_fail (w >= 0, 1);
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s has no weights: inspect needs a trained model; train it first, e.g. "
                   "deepscope-cli train %s --save TRAINED.json, and inspect TRAINED.json"),
                   path, path);
      return 1;
    }
  Ctx c = { .m = m, .path = path, .o = o, .what = (What) w, .truth = -1, .test_index = -1 };
  int rc = 1;
  c.in = nn_inspector_new (m, error);
  if (!c.in)
    goto out;
  c.in_ndim = nn_inspector_get_input_shape (c.in, c.in_shape);
  c.n_classes = nn_inspector_get_n_classes (c.in);
  if (!open_dataset (&c, error))
    goto out;
  switch (c.what)
    {
    case WHAT_FILTERS:
      rc = run_filters (&c, error);
      break;
    case WHAT_CONFUSION:
      rc = run_confusion (&c, error);
      break;
    default:
      if (!load_input (&c, error))
        break;
      rc = c.what == WHAT_ACTIVATIONS ? run_activations (&c, error) : run_explain (&c, error);
      break;
    }
out:
  ctx_clear (&c);
  return rc;
}
