/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli style: neural style transfer (nn-style.h) from --content
 * and --style PNG files, with a model's convolutions or random filters as
 * the feature network; prints the losses and writes --out. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-dream.h"
#include "cli-style.h"

/* The random filters' seed: the same network every run. */
#define RANDOM_SEED 1
#define DEFAULT_SIZE 256
#define MAX_SIZE 2048

typedef struct {
  char *content, *style, *out, *model, *style_layers, *content_layer;
  char *content_weight, *style_weight, *tv_weight, *iterations, *size, *lr;
  gboolean random_filters, quiet;
} StyleOptions;

static void
options_clear (StyleOptions *o)
{
  char **s[] = { &o->content, &o->style, &o->out, &o->model, &o->style_layers,
                 &o->content_layer, &o->content_weight, &o->style_weight, &o->tv_weight,
                 &o->iterations, &o->size, &o->lr };
  for (size_t k = 0; k < G_N_ELEMENTS (s); k++)
    g_clear_pointer (s[k], g_free);
}

/* A finite number of 0 or more, all of text, into *out when text is given. */
static gboolean
parse_weight (const char *option, const char *text, gboolean above_zero, double *out,
              GError **error)
{
  if (!text)
    return TRUE;
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (!*text || g_ascii_isspace (*text) || *end || errno == ERANGE || !isfinite (v) || v < 0
      || (above_zero && v == 0))
    return cli_bad_value (option, above_zero ? _("a number above 0") : _("a number of 0 or more"), text,
                      error);
  *out = v;
  return TRUE;
}

static gboolean
parse_options (int *argc, char ***argv, StyleOptions *o, GError **error)
{
  GOptionEntry entries[] = {
    { "content", 0, 0, G_OPTION_ARG_FILENAME, &o->content, N_("the content picture"), "C.png" },
    { "style", 0, 0, G_OPTION_ARG_FILENAME, &o->style, N_("the style picture"), "S.png" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, N_("where to write the result"), "OUT.png" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &o->model,
      N_("a trained convnet as the feature network"), "MODEL.json" },
    { "random-filters", 0, 0, G_OPTION_ARG_NONE, &o->random_filters,
      N_("a network of random filters at four scales (the default)"), NULL },
    { "style-layers", 0, 0, G_OPTION_ARG_STRING, &o->style_layers,
      N_("style layers (default every convolution)"), "A,B,C" },
    { "content-layer", 0, 0, G_OPTION_ARG_STRING, &o->content_layer,
      N_("the content layer (default the last style layer)"), "L" },
    { "content-weight", 0, 0, G_OPTION_ARG_STRING, &o->content_weight, N_("default 1"), "W" },
    { "style-weight", 0, 0, G_OPTION_ARG_STRING, &o->style_weight, N_("default 1e6"), "W" },
    { "tv-weight", 0, 0, G_OPTION_ARG_STRING, &o->tv_weight, N_("default 1e-4"), "W" },
    { "iterations", 0, 0, G_OPTION_ARG_STRING, &o->iterations, N_("Adam steps (default 200)"), "N" },
    { "learning-rate", 0, 0, G_OPTION_ARG_STRING, &o->lr, N_("Adam's (default 0.02)"), "R" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &o->size,
      N_("the longer side the content is resized to (default 256)"), "PX" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("no progress on stderr"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (N_("- neural style transfer"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (ctx, TRUE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 2)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("style takes no file but through its options, not “%s”"), (*argv)[2]);
      return FALSE;
    }
  const char *missing = !o->content ? "--content C.png" : !o->style ? "--style S.png"
                        : !o->out   ? "--out OUT.png" : NULL;
  if (missing)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("style needs --content C.png, --style S.png and --out OUT.png: give %s"),
                   missing);
      return FALSE;
    }
  if (o->model && o->random_filters)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--model and --random-filters both choose the feature network: give one"));
      return FALSE;
    }
  return TRUE;
}

/* cfg and the size from o's texts. */
static gboolean
check_options (const StyleOptions *o, NnStyleConfig *cfg, int *size, GError **error)
{
  gint64 v;
  if (o->iterations)
    {
      if (!g_ascii_string_to_signed (o->iterations, 10, 1, 100000, &v, NULL))
        return cli_bad_value ("iterations", _("a whole number from 1 to 100000"), o->iterations, error);
      cfg->iterations = (int) v;
    }
  if (o->size)
    {
      if (!g_ascii_string_to_signed (o->size, 10, 8, MAX_SIZE, &v, NULL))
        return cli_bad_value ("size", _("a whole number of pixels from 8 to 2048"), o->size, error);
      *size = (int) v;
    }
  if (!parse_weight ("content-weight", o->content_weight, FALSE, &cfg->content_weight, error)
      || !parse_weight ("style-weight", o->style_weight, FALSE, &cfg->style_weight, error)
      || !parse_weight ("tv-weight", o->tv_weight, FALSE, &cfg->tv_weight, error)
      || !parse_weight ("learning-rate", o->lr, TRUE, &cfg->learning_rate, error))
    return FALSE;
  if (o->style_layers)
    {
      nn_style_config_set_styles (cfg, o->style_layers);
      if (cfg->n_style == 0)
        return cli_bad_value ("style-layers", _("layer names separated by commas"), o->style_layers,
                          error);
    }
  if (o->content_layer)
    cfg->content_layer = g_strdup (o->content_layer);
  return TRUE;
}

/* A PNG as (1, h', w', channels) in [0, 1], its longer side size; *channels
 * 0 takes the file's own (gray or RGB). */
static NnTensor *
load_png (const char *path, int *channels, int size, GError **error)
{
  return nn_style_load_png (path, *channels, size, channels, error);
}

/* The feature network: --model's (with its weights) or the random filters. */
static NnModel *
feature_network (const StyleOptions *o, int *channels, GError **error)
{
  if (!o->model)
    {
      if (*channels == 0)
        *channels = 3;
      return nn_style_random_filters (*channels, RANDOM_SEED, error);
    }
  g_autoptr (NnModel) m = nn_model_load (o->model, error);
  if (!m)
    return NULL;
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };
  if (nn_model_get_n_inputs (m) != 1 || !nn_model_infer (m, NULL)
      || !nn_model_get_shape (m, (NnRef) { nn_model_get_input_layer (m, 0), 0 }, &ndim, shape)
      || ndim != 3 || (shape[2] != 1 && shape[2] != 3))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s does not take images of 1 (gray) or 3 (RGB) channels: style transfer "
                   "takes a convolutional network on images (or --random-filters)"), o->model);
      return NULL;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s has no weights: train it first, or use --random-filters"), o->model);
      return NULL;
    }
  *channels = shape[2];
  return g_steal_pointer (&m);
}

static gboolean
progress_cb (int it, int n, const NnStyleLosses *l, const NnTensor *img, gpointer data)
{
  if (*(gboolean *) data)
    fprintf (stderr, _("\riteration %d/%d  style %.4g  content %.4g  tv %.4g   %s"), it, n, l->style,
             l->content, l->tv, it == n ? "\n" : "");
  return TRUE;
}

static int
run (const StyleOptions *o, const NnStyleConfig *cfg, int size, GError **error)
{
  int channels = 0;
  /* The model fixes the channels; the random filters take the content's. */
  if (!o->model)
    {
      g_autoptr (NnTensor) probe = load_png (o->content, &channels, 8, error);
      if (!probe)
        return 1;
    }
  g_autoptr (NnModel) m = feature_network (o, &channels, error);
  if (!m)
    return 1;
  g_autoptr (NnTensor) content = load_png (o->content, &channels, size, error);
  g_autoptr (NnTensor) style = content ? load_png (o->style, &channels, size, error) : NULL;
  if (!style)
    return 1;
  gboolean show = !o->quiet && isatty (2);
  NnStyleLosses first, last;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (NnTensor) out
    = nn_style_transfer (m, content, style, cfg, progress_cb, &show, &first, &last, error);
  if (!out)
    return 1;
  double seconds = (double) (g_get_monotonic_time () - t0) / 1e6;
  printf ("feature network: %s\n", o->model ? o->model : "random filters (seed 1)");
  printf ("style loss %.6g -> %.6g\ncontent loss %.6g -> %.6g\ntv loss %.6g -> %.6g\n",
          first.style, last.style, first.content, last.content, first.tv, last.tv);
  g_autofree guint8 *px = g_new (guint8, out->size);
  for (size_t f = 0; f < out->size; f++)
    px[f] = (guint8) CLAMP (lround (out->data[f] * 255.0), 0, 255);
  if (!nn_png_write (o->out, px, out->shape[2], out->shape[1], channels, error))
    return 1;
  printf ("wrote %s (%dx%d) in %.1f s, %.2f iterations/s\n", o->out, out->shape[2],
          out->shape[1], seconds, cfg->iterations / MAX (seconds, 1e-9));
  return 0;
}

int
cli_style_main (int argc, char **argv)
{
  StyleOptions o = { 0 };
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  g_autoptr (GError) error = NULL;
  int size = DEFAULT_SIZE, rc;
  if (!parse_options (&argc, &argv, &o, &error) || !check_options (&o, &cfg, &size, &error))
    rc = 2;
  else
    rc = run (&o, &cfg, size, &error);
  if (rc != 0)
    fprintf (stderr, "deepscope-cli: %s\n", error->message);
  nn_style_config_clear (&cfg);
  options_clear (&o);
  return rc;
}
