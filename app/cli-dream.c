/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli dream: DeepDream on a PNG (at its own size) or on a
 * dataset image upscaled, written as a PNG, with each octave's size and
 * loss printed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-dream.h"
#include "cli-inspect.h"

/* A dataset image is upscaled so that its shorter side is this (a 28 × 28
 * image: 256 × 256, the size the Generate view dreams at). */
#define DATASET_SIDE 256

gboolean
cli_bad_value (const char *option, const char *range, const char *text, GError **error)
{
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--%s takes %s, not “%s”"),
               option, range, text);
  return FALSE;
}

/* A finite number, all of text. */
static gboolean
parse_number (const char *text, double *out)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (!*text || g_ascii_isspace (*text) || *end || errno == ERANGE || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
cli_parse_steps (const char *steps, const char *step_size, int *n, double *size, GError **error)
{
  gint64 v;
  double d;
  if (steps)
    {
      if (!g_ascii_string_to_signed (steps, 10, 1, 100000, &v, NULL))
        return cli_bad_value ("steps", _("a whole number from 1 to 100000"), steps, error);
      *n = (int) v;
    }
  if (step_size)
    {
      if (!parse_number (step_size, &d) || !(d > 0))
        return cli_bad_value ("step-size", _("a number above 0"), step_size, error);
      *size = d;
    }
  return TRUE;
}

/* --layers NAME[:WEIGHT],... (weight 1 when left out). */
static gboolean
parse_layers (const char *text, NnDreamConfig *cfg, GError **error)
{
  const char *range = _("a list of layers NAME:WEIGHT separated by commas (conv2:1,conv3:0.5)");
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  for (int i = 0; items[i]; i++)
    {
      g_strstrip (items[i]);
      char *colon = strrchr (items[i], ':');
      double w = 1.0;
      if (colon)
        {
          *colon = '\0';
          if (!parse_number (colon + 1, &w))
            return cli_bad_value ("layers", range, text, error);
        }
      if (!*items[i])
        return cli_bad_value ("layers", range, text, error);
      nn_dream_config_add_layer (cfg, items[i], w);
    }
  if (cfg->n_layers == 0)
    return cli_bad_value ("layers", range, text, error);
  return TRUE;
}

gboolean
cli_dream_check (const CliDreamOptions *o, NnDreamConfig *cfg, GError **error)
{
  gint64 v;
  double d;
  if (!o->out || !*o->out)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("dream writes its picture to --out OUT.png: give that option"));
      return FALSE;
    }
  if (o->image && o->index_given)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--index and --image both choose the starting image: give one of them"));
      return FALSE;
    }
  if (o->image && o->data)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--data chooses the dataset of --index, and --image starts from a file: "
                   "give one of them"));
      return FALSE;
    }
  if (o->layers && !parse_layers (o->layers, cfg, error))
    return FALSE;
  if (o->octaves)
    {
      if (!g_ascii_string_to_signed (o->octaves, 10, 1, 20, &v, NULL))
        return cli_bad_value ("octaves", _("a whole number from 1 to 20"), o->octaves, error);
      cfg->octaves = (int) v;
    }
  if (o->octave_scale)
    {
      if (!parse_number (o->octave_scale, &d) || d < 1 || d > 4)
        return cli_bad_value ("octave-scale", _("a number from 1 to 4"), o->octave_scale, error);
      cfg->octave_scale = d;
    }
  if (!cli_parse_steps (o->steps, o->step_size, &cfg->steps, &cfg->step_size, error))
    return FALSE;
  if (o->max_loss)
    {
      if (!parse_number (o->max_loss, &d))
        return cli_bad_value ("max-loss", _("a number (0 or less: no limit)"), o->max_loss, error);
      cfg->max_loss = d;
    }
  return TRUE;
}

typedef struct {
  int h[20], w[20];
  int steps[20];
  int shown;       /* octaves reported on stderr so far */
  gboolean quiet;
} Seen;

static gboolean
progress_cb (int octave, int n_octaves, int step, int steps, double loss, const NnTensor *image,
             gpointer user_data)
{
  Seen *s = user_data;
  s->h[octave] = image->shape[1];
  s->w[octave] = image->shape[2];
  s->steps[octave] = step;
  if (!s->quiet)
    {
      fprintf (stderr, _("\roctave %d/%d  %dx%d  step %d/%d  loss %.4g   "), octave + 1, n_octaves,
               image->shape[2], image->shape[1], step, steps, loss);
      if (step == steps)
        fputc ('\n', stderr);
    }
  return TRUE;
}

/* The starting image in the model's input units, and how to bring values
 * back to 8-bit pixels: pixel = (value - offset) / scale. */
static NnTensor *
load_image (NnModel *m, const char *path, const CliDreamOptions *o, int channels, float *scale,
            float *offset, GError **error)
{
  *scale = 1.0f / 255.0f;
  *offset = 0.0f;
  if (o->image)
    {
      int w = 0, h = 0, fc = 0;
      g_autofree guint8 *px = nn_png_read (o->image, channels, &w, &h, &fc, error);
      if (!px)
        return NULL;
      int shape[4] = { 1, h, w, channels };
      NnTensor *t = nn_tensor_new (4, shape);
      for (size_t f = 0; f < t->size; f++)
        t->data[f] = px[f] * *scale;
      if (!o->quiet)
        fprintf (stderr, "%s: %dx%d %s%s\n", o->image, w, h, fc == 1 ? _("gray") : _("colour"),
                 fc != channels ? (channels == 1 ? _(", converted to gray (luma)")
                                                 : _(", converted from gray to RGB"))
                                : "");
      return t;
    }
  g_autoptr (NnDataset) ds = cli_open_data (m, o->data, o->quiet, error);
  if (!ds)
    return NULL;
  const NnArray *a = ds->inputs[0];
  if (a->ndim != 3 || a->shape[2] != channels)
    {
      g_autofree char *got = nn_shape_to_string (a->ndim, a->shape, 1);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   ngettext ("%s holds inputs of shape %s, not images of %d channel for %s: "
                             "pass --image or --data with images",
                             "%s holds inputs of shape %s, not images of %d channels for %s: "
                             "pass --image or --data with images", channels),
                   ds->name, got, channels, path);
      return NULL;
    }
  const guint32 *idx = ds->n_test ? ds->test_idx : ds->train_idx;
  size_t n = ds->n_test ? ds->n_test : ds->n_train;
  int index = o->index_given ? o->index : 0;
  if (n == 0 || (size_t) index >= n)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("--index %d is past the %s split of %s: give 0 to %zu"), index,
                   ds->n_test ? "test" : "training", ds->name, n ? n - 1 : 0);
      return NULL;
    }
  int h = a->shape[0], w = a->shape[1];
  int shape[4] = { 1, h, w, channels };
  g_autoptr (NnTensor) small = nn_tensor_new (4, shape);
  guint32 sample = idx[index];
  nn_array_gather (a, &sample, 1, small->data);
  /* The dataset's own conversion, taken as uniform over the image. */
  size_t per = small->size;
  double sc = 0, off = 0;
  for (size_t f = 0; f < per; f++)
    {
      sc += a->scale ? a->scale[f] : 1.0;
      off += a->offset ? a->offset[f] : 0.0;
    }
  *scale = (float) (sc / (double) per);
  *offset = (float) (off / (double) per);
  int big_h = (int) lround ((double) h * DATASET_SIDE / MIN (h, w));
  int big_w = (int) lround ((double) w * DATASET_SIDE / MIN (h, w));
  if (!o->quiet)
    fprintf (stderr, _("%s sample %d of %s: %dx%d, upscaled to %dx%d\n"),
             ds->n_test ? "test" : "training", index, ds->name, w, h, big_w, big_h);
  return nn_image_resize (small, big_h, big_w);
}

int
cli_dream_run (NnModel *m, const char *path, const CliDreamOptions *o, const NnDreamConfig *cfg,
               GError **error)
{
  int channels = 0;
  int n_inputs = nn_model_get_n_inputs (m);
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };
  if (n_inputs == 1 && nn_model_infer (m, NULL)
      && nn_model_get_shape (m, (NnRef) { nn_model_get_input_layer (m, 0), 0 }, &ndim, shape)
      && ndim == 3)
    channels = shape[2];
  if (channels != 1 && channels != 3)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s does not take images of 1 (gray) or 3 (RGB) channels: DeepDream takes "
                   "a convolutional network on images"),
                   path);
      return 1;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s has no weights to dream with: train it first (deepscope-cli train %s "
                   "--save TRAINED.json)"),
                   path, path);
      return 1;
    }
  float scale = 1, offset = 0;
  g_autoptr (NnTensor) img = load_image (m, path, o, channels, &scale, &offset, error);
  if (!img)
    return 1;
  int n_oct = cfg->octaves;
  g_autofree double *start = g_new0 (double, n_oct);
  g_autofree double *end = g_new0 (double, n_oct);
  /* The step-by-step line only where it can be redrawn in place. */
  Seen seen = { .quiet = o->quiet || !isatty (2) };
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (NnTensor) out = nn_dream (m, img, cfg, progress_cb, &seen, start, end, error);
  if (!out)
    return 1;
  double seconds = (double) (g_get_monotonic_time () - t0) / 1e6;
  for (int k = 0; k < n_oct; k++)
    printf ("octave %d/%d  %dx%d  %d steps  loss %.6g -> %.6g\n", k + 1, n_oct, seen.w[k],
            seen.h[k], seen.steps[k], start[k], end[k]);
  int h = out->shape[1], w = out->shape[2];
  g_autofree guint8 *px = g_new (guint8, out->size);
  for (size_t f = 0; f < out->size; f++)
    {
      double v = (out->data[f] - offset) / scale;
      px[f] = (guint8) CLAMP (lround (v), 0, 255);
    }
  if (!nn_png_write (o->out, px, w, h, channels, error))
    return 1;
  printf ("wrote %s (%dx%d) in %.1f s\n", o->out, w, h, seconds);
  return 0;
}
