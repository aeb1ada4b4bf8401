/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli gan (cli-gan.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "cli-gan.h"
#include "cli-picture.h"

#define MAP_SIDE   480     /* pixels of the 2-D picture */
#define MAP_CELLS  120     /* D's decision map: cells per side */
#define MAP_SPAN   1.25    /* the picture covers [-span, span]² */
#define N_POINTS   1000
#define GRID_IMAGES 64
#define LATENT_SEED 1      /* the fixed latent points of the picture */

/* A number of option `name` from lo to hi, all of text; FALSE (usage
 * error) otherwise. */
static gboolean
number_option (const char *name, const char *text, double lo, double hi, gboolean whole,
               double *out, GError **error)
{
  if (!text)
    return TRUE;
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (!*text || *end || errno || !isfinite (v) || v < lo || v > hi || (whole && v != floor (v)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--%s takes a %s from %g to %g, not “%s”"), name,
                   whole ? _("whole number") : _("number"), lo, hi, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* The config from the options and the discriminator file's defaults. */
static gboolean
gan_config (const CliGanOptions *o, NnModel *d, NnGanConfig *cfg, GError **error)
{
  nn_gan_config_init (cfg);
  NnTrainDefaults *def = nn_model_get_defaults (d);
  cfg->steps = 2000;
  cfg->batch_size = o->batch > 0 ? o->batch : def->batch_size > 0 ? def->batch_size : 64;
  cfg->seed = o->seed_given ? (guint64) o->seed : def->seed ? def->seed : 1;
  double steps = cfg->steps, k = 1, s = 0, f = 0, a = 0;
  if (!number_option ("steps", o->steps, 1, G_MAXINT, TRUE, &steps, error)
      || !number_option ("d-steps", o->d_steps, 1, 100, TRUE, &k, error)
      || !number_option ("label-smoothing", o->label_smoothing, 0, 0.5, FALSE, &s, error)
      || !number_option ("label-flip", o->label_flip, 0, 0.5, FALSE, &f, error)
      || !number_option ("label-noise", o->label_noise, 0, 0.5, FALSE, &a, error))
    return FALSE;
  cfg->steps = (int) steps;
  cfg->d_steps = (int) k;
  cfg->label_smoothing = s;
  cfg->label_flip = f;
  cfg->label_noise = a;
  return TRUE;
}

static void
put_dot (CliPicture *p, double x, double y, const guint8 rgb[3])
{
  int cx = (int) lround ((x + MAP_SPAN) / (2 * MAP_SPAN) * (p->width - 1));
  int cy = (int) lround ((MAP_SPAN - y) / (2 * MAP_SPAN) * (p->height - 1));
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      if (cx + dx >= 0 && cx + dx < p->width && cy + dy >= 0 && cy + dy < p->height)
        memcpy (p->rgb + ((size_t) (cy + dy) * p->width + cx + dx) * 3, rgb, 3);
}

/* D's probability of "real" over the plane, pale green (real) to pale
 * purple (generated), as GAN Lab draws it. */
static CliPicture *
decision_map (NnModel *d, GError **error)
{
  int shape[2] = { MAP_CELLS * MAP_CELLS, 2 };
  g_autoptr (NnTensor) grid = nn_tensor_new (2, shape);
  for (int r = 0; r < MAP_CELLS; r++)
    for (int c = 0; c < MAP_CELLS; c++)
      {
        float *xy = grid->data + 2 * ((size_t) r * MAP_CELLS + c);
        xy[0] = (float) (-MAP_SPAN + (c + 0.5) * 2 * MAP_SPAN / MAP_CELLS);
        xy[1] = (float) (MAP_SPAN - (r + 0.5) * 2 * MAP_SPAN / MAP_CELLS);
      }
  g_autoptr (NnTensor) p = nn_model_run (d, &grid, 1, nn_model_get_output (d, 0), error);
  if (!p)
    return NULL;
  CliPicture *pic = g_new0 (CliPicture, 1);
  pic->width = pic->height = MAP_SIDE;
  pic->rgb = g_new (guint8, (size_t) MAP_SIDE * MAP_SIDE * 3);
  static const double real[3] = { 196, 232, 196 }, fake[3] = { 226, 206, 238 };
  for (int y = 0; y < MAP_SIDE; y++)
    for (int x = 0; x < MAP_SIDE; x++)
      {
        float v = CLAMP (p->data[(y * MAP_CELLS / MAP_SIDE) * MAP_CELLS + x * MAP_CELLS / MAP_SIDE],
                         0.0f, 1.0f);
        for (int j = 0; j < 3; j++)
          pic->rgb[((size_t) y * MAP_SIDE + x) * 3 + j] =
            (guint8) lround (v * real[j] + (1 - v) * fake[j]);
      }
  return pic;
}

/* 2-D samples: real points (green) and generated ones (purple) over D's
 * map; prints how the generated points cover a ring dataset's modes. */
static CliPicture *
points_picture (NnModel *d, NnDataset *ds, const NnTensor *fake, GError **error)
{
  CliPicture *pic = decision_map (d, error);
  if (!pic)
    return NULL;
  static const guint8 green[3] = { 30, 130, 60 }, purple[3] = { 120, 40, 160 };
  g_autofree float *xy = g_new (float, 2 * (size_t) N_POINTS);
  size_t n = MIN (ds->n_train, (size_t) N_POINTS);
  nn_array_gather (ds->inputs[0], ds->train_idx, n, xy);
  for (size_t i = 0; i < n; i++)
    put_dot (pic, xy[2 * i], xy[2 * i + 1], green);
  for (int i = 0; i < fake->shape[0]; i++)
    put_dot (pic, fake->data[2 * i], fake->data[2 * i + 1], purple);
  return pic;
}

static void
print_ring_coverage (NnDataset *ds, const NnTensor *fake)
{
  if (!g_str_has_prefix (ds->spec ? ds->spec : "", "ring"))
    return;
  int counts[32];
  int modes = CLAMP (ds->n_classes, 1, 32);
  /* the ring's default std, 0.05 */
  double within = nn_gan_ring_coverage (fake->data, (size_t) fake->shape[0], modes,
                                        NN_TOY_RING_RADIUS, 0.05, counts);
  printf ("ring: %.1f%% of %d generated points within 3 sigma (0.15) of a mode; per mode:",
          100 * within, fake->shape[0]);
  for (int k = 0; k < modes; k++)
    printf (" %.1f%%", 100.0 * counts[k] / fake->shape[0]);
  printf ("\n");
}

/* Writes the picture of what G makes from fixed latent points. */
static gboolean
write_samples (NnModel *g, NnModel *d, NnDataset *ds, const char *path, GError **error)
{
  int latent = nn_gan_model_latent_dim (g, error);
  if (latent <= 0)
    return FALSE;
  NnArray *a = ds->inputs[0];
  gboolean plane = a->ndim == 1 && a->shape[0] == 2;
  g_autoptr (NnTensor) z = nn_gan_latent_points (plane ? N_POINTS : GRID_IMAGES, latent,
                                                 LATENT_SEED);
  g_autoptr (NnTensor) fake = nn_gan_generate (g, z, error);
  if (!fake)
    return FALSE;
  g_autoptr (CliPicture) pic = NULL;
  if (plane)
    {
      print_ring_coverage (ds, fake);
      pic = points_picture (d, ds, fake, error);
    }
  else if (a->ndim == 3)
    {
      /* tanh images are in [-1, 1] */
      for (size_t i = 0; i < fake->size; i++)
        fake->data[i] = (fake->data[i] + 1) / 2;
      pic = cli_image_grid (fake->data, GRID_IMAGES, a->shape[0], a->shape[1], a->shape[2]);
      printf ("diversity of the %d images: %.4f\n", GRID_IMAGES,
              nn_gan_diversity (fake->data, GRID_IMAGES, a->sample_size));
    }
  else
    return TRUE;
  return pic && cli_picture_save (pic, path, error);
}

static void
print_stats (long step, int steps, const NnGanStats *st)
{
  printf ("step %ld/%d  d_loss %.4f  g_loss %.4f  D accuracy: real %.3f, generated %.3f\n",
          step, steps, st->d_loss, st->g_loss, st->d_acc_real, st->d_acc_fake);
  fflush (stdout);
}

static gboolean
save_models (NnGan *gan, const char *dir, GError **error)
{
  g_autofree char *gp = g_build_filename (dir, "generator.json", NULL);
  g_autofree char *dp = g_build_filename (dir, "discriminator.json", NULL);
  return nn_model_save (nn_gan_get_generator (gan), gp, TRUE, error)
         && nn_model_save (nn_gan_get_discriminator (gan), dp, TRUE, error);
}

int
cli_gan_run (const char *g_path, const char *d_path, const CliGanOptions *o, GError **error)
{
  if (!o->out_dir || !*o->out_dir)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("gan needs --out-dir DIR for the trained models and the picture"));
      return 2;
    }
  g_autoptr (NnModel) g = nn_model_load (g_path, error);
  g_autoptr (NnModel) d = g ? nn_model_load (d_path, error) : NULL;
  if (!d)
    return 1;
  NnGanConfig cfg;
  if (!gan_config (o, d, &cfg, error))
    return 2;
  const char *spec = o->data ? o->data : nn_model_get_dataset (d);
  if (!spec)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The discriminator names no dataset: give one with --data"));
      return 1;
    }
  g_autoptr (NnDataset) ds = nn_dataset_open (spec, NULL, error);
  g_autoptr (NnGan) gan = ds ? nn_gan_new (g, d, ds, &cfg, error) : NULL;
  if (!gan || g_mkdir_with_parents (o->out_dir, 0755) != 0)
    {
      if (gan)
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                     _("Cannot create the folder %s: %s"), o->out_dir, g_strerror (errno));
      return 1;
    }
  NnGanStats st;
  int every = MAX (cfg.steps / 20, 1);
  for (int s = 1; s <= cfg.steps; s++)
    {
      if (!nn_gan_step (gan, &st, error))
        return 1;
      if (!o->quiet && (s % every == 0 || s == cfg.steps))
        print_stats (s, cfg.steps, &st);
    }
  g_autofree char *png = g_build_filename (o->out_dir, "samples.png", NULL);
  if (!save_models (gan, o->out_dir, error)
      || !write_samples (nn_gan_get_generator (gan), nn_gan_get_discriminator (gan), ds, png,
                         error))
    return 1;
  return 0;
}

/* `gan --help`: the gan command's options alone (the general --help lists
 * every command's). Parsed by deepscope-cli's own table; this one only
 * prints. */
gboolean
cli_gan_print_help_if_asked (int argc, char **argv)
{
  gboolean asked = FALSE;

  for (int i = 2; i < argc && !asked; i++)
    asked = g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h")
            || g_str_equal (argv[i], "-?") || g_str_equal (argv[i], "--help-all");
  if (!asked)
    return FALSE;

  char *none = NULL;
  gboolean flag = FALSE;
  GOptionEntry entries[] = {
    { "out-dir", 0, 0, G_OPTION_ARG_FILENAME, &none,
      N_("the folder for generator.json, discriminator.json and samples.png (required)"), "DIR" },
    { "steps", 0, 0, G_OPTION_ARG_STRING, &none, N_("generator steps (default 2000)"), "N" },
    { "d-steps", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("discriminator steps per generator step (1 to 100; default 1)"), "K" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("real and generated samples per batch (default the discriminator's, else 64)"), "B" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("latent points, shuffling, dropout (default the discriminator's, else 1)"), "S" },
    { "data", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("the real data (default the discriminator's dataset)"), "NAME|PATH" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("real samples labelled 1 - S (0 to 0.5)"), "S" },
    { "label-flip", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("the chance of a swapped discriminator label (0 to 0.5)"), "P" },
    { "label-noise", 0, 0, G_OPTION_ARG_STRING, &none,
      N_("uniform noise up to A moves each discriminator label towards the other (0 to 0.5)"),
      "A" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &flag, N_("No progress bar"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx
    = g_option_context_new (N_("gan GENERATOR.json DISCRIMINATOR.json --out-dir DIR"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (
    ctx, N_("Trains the generator against the discriminator on the discriminator's dataset and "
            "writes both models and a picture of the samples (2-D points over the "
            "discriminator's decision map, or a grid of images)."));
  if (g_get_prgname () == NULL)
    g_set_prgname ("deepscope-cli");
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  fputs (help, stdout);
  return TRUE;
}
