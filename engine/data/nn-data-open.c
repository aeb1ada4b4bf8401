/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-open.c: nn_dataset_open, the dataset spec parser: a name or a
 * path with options ("spirals:n=500:seed=3", "data.csv:target=y"), handed
 * to the loader that fits, then the options every spec takes (normalize). */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

static const char *const fashion_mnist_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* ------------------------------------------------------------------------ */
/* Specs: "name[:key=value]..."                                             */
/* ------------------------------------------------------------------------ */

typedef struct {
  char  *name;
  GPtrArray *keys;    /* char*, owned */
  GPtrArray *values;  /* char*, owned */
} Spec;

static void
spec_clear (Spec *s)
{
  g_free (s->name);
  g_clear_pointer (&s->keys, g_ptr_array_unref);
  g_clear_pointer (&s->values, g_ptr_array_unref);
}

/* Segments that contain '=' are options; the segments before the first
 * option make up the name, so a path with ':' in it still works. */
static gboolean
spec_parse (const char  *text,
            Spec        *s,
            GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  GString *name = g_string_new (NULL);
  s->keys = g_ptr_array_new_with_free_func (g_free);
  s->values = g_ptr_array_new_with_free_func (g_free);

  gboolean in_options = FALSE;
  for (int i = 0; parts[i] != NULL; i++)
    {
      const char *eq = strchr (parts[i], '=');
      if (i > 0 && eq != NULL)
        in_options = TRUE;
      if (!in_options)
        {
          if (i > 0)
            g_string_append_c (name, ':');
          g_string_append (name, parts[i]);
          continue;
        }
      if (eq == NULL || eq == parts[i])
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("“%s” in “%s” is not an option: options are written key=value"),
                       parts[i], text);
          g_string_free (name, TRUE);
          return FALSE;
        }
      g_ptr_array_add (s->keys, g_strstrip (g_strndup (parts[i], eq - parts[i])));
      g_ptr_array_add (s->values, g_strstrip (g_strdup (eq + 1)));
    }
  s->name = g_strstrip (g_string_free (name, FALSE));
  if (s->name[0] == '\0')
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("The dataset spec “%s” names no dataset"), text);
      return FALSE;
    }
  return TRUE;
}

/* The last value given for key, or NULL. */
static const char *
spec_get (const Spec *s,
          const char *key)
{
  for (guint i = s->keys->len; i > 0; i--)
    if (g_str_equal (g_ptr_array_index (s->keys, i - 1), key))
      return g_ptr_array_index (s->values, i - 1);
  return NULL;
}

static gboolean
spec_check_keys (const Spec         *s,
                 const char         *what,
                 const char *const  *accepted,
                 GError            **error)
{
  for (guint i = 0; i < s->keys->len; i++)
    {
      const char *key = g_ptr_array_index (s->keys, i);
      if (g_strv_contains (accepted, key))
        continue;
      /* Every loader also takes normalize (nn_dataset_open reads it for
       * all but CSV); CSV's older name for it, norm, is not advertised. */
      GString *list = g_string_new (NULL);
      for (int k = 0; accepted[k]; k++)
        if (!g_str_equal (accepted[k], "norm") && !g_str_equal (accepted[k], "normalize"))
          g_string_append_printf (list, "%s, ", accepted[k]);
      g_string_append (list, "normalize");
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("Unknown option “%s” for %s; accepted: %s"), key, what, list->str);
      g_string_free (list, TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
spec_get_uint (const Spec  *s,
               const char  *key,
               guint64      def,
               guint64      min,
               guint64      max,
               guint64     *out,
               GError     **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, min, max, out, NULL))
    {
      if (max == G_MAXUINT64)
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                     _("Option “%s” must be a whole number, not “%s”"), key, v);
      else
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                     "Option “%s” must be a whole number from %" G_GUINT64_FORMAT
                     " to %" G_GUINT64_FORMAT ", not “%s”", key, min, max, v);
      return FALSE;
    }
  return TRUE;
}

static gboolean
spec_get_double (const Spec  *s,
                 const char  *key,
                 double       def,
                 double       min,
                 double       max,
                 double      *out,
                 GError     **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  char *end = NULL;
  double d = g_ascii_strtod (v, &end);
  if (end == v || *end != '\0' || !isfinite (d) || d < min || d > max)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("Option “%s” must be a number from %g to %g, not “%s”"),
                   key, min, max, v);
      return FALSE;
    }
  *out = d;
  return TRUE;
}

/* Index of the value of key within choices, def if absent. */
static gboolean
spec_get_choice (const Spec         *s,
                 const char         *key,
                 const char *const  *choices,
                 int                 def,
                 int                *out,
                 GError            **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  for (int i = 0; choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (v, choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *list = g_strjoinv ("|", (char **) choices);
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
               _("Option “%s” must be one of %s, not “%s”"), key, list, v);
  return FALSE;
}

/* Applies :classes=a,b,... and :limit=N to an image-classification set. */
static gboolean
apply_classes_limit (NnDataset   *ds,
                     const Spec  *s,
                     GError     **error)
{
  const char *classes = spec_get (s, "classes");
  if (classes != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (classes, ",", -1);
      int k = (int) g_strv_length (parts);
      g_autofree int *list = g_new (int, MAX (k, 1));
      for (int i = 0; i < k; i++)
        {
          gint64 c;
          g_strstrip (parts[i]);
          if (!g_ascii_string_to_signed (parts[i], 10, 0, G_MAXINT, &c, NULL))
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           _("Option “classes” takes class numbers separated by commas "
                           "(e.g. classes=5,7), not “%s”"), classes);
              return FALSE;
            }
          list[i] = (int) c;
        }
      if (k < 2)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Option “classes” needs at least two classes, not “%s”"), classes);
          return FALSE;
        }
      if (!nn_dataset_keep_classes (ds, 0, list, k, error))
        return FALSE;
    }

  guint64 limit;
  if (!spec_get_uint (s, "limit", G_MAXUINT32, 1, G_MAXUINT32, &limit, error))
    return FALSE;
  nn_dataset_limit_train (ds, (size_t) limit);
  return TRUE;
}

static NnDataset *
open_fashion_mnist (const Spec    *s,
                    GCancellable  *cancel,
                    GError       **error)
{
  static const char *const keys[] = { "classes", "limit", "dir", NULL };
  if (!spec_check_keys (s, "fashion-mnist", keys, error))
    return NULL;

  const char *dir = spec_get (s, "dir");
  if (dir == NULL)
    dir = g_getenv ("DEEPSCOPE_FASHION_MNIST_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = FASHION_MNIST_DIR;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("Fashion-MNIST is not in %s: install the dataset-fashion-mnist "
                   "package, or point DEEPSCOPE_FASHION_MNIST_DIR or :dir= at its files"),
                   dir);
      return NULL;
    }

  g_autoptr(NnDataset) ds = nn_idx_load_dir (dir, "fashion-mnist", fashion_mnist_classes,
                                             G_N_ELEMENTS (fashion_mnist_classes), TRUE,
                                             cancel, error);
  if (ds == NULL || !apply_classes_limit (ds, s, error))
    return NULL;
  return g_steal_pointer (&ds);
}

static NnDataset *
open_idx_dir (const Spec    *s,
              GCancellable  *cancel,
              GError       **error)
{
  static const char *const keys[] = { "classes", "limit", NULL };
  g_autofree char *base = g_path_get_basename (s->name);
  if (!spec_check_keys (s, base, keys, error))
    return NULL;
  g_autoptr(NnDataset) ds = nn_idx_load_dir (s->name, base, NULL, 0, FALSE, cancel, error);
  if (ds == NULL || !apply_classes_limit (ds, s, error))
    return NULL;
  return g_steal_pointer (&ds);
}

static const char *const toy_names[] = { "spirals", "moons", "circles", "xor", "blobs", "ring",
                                          NULL };

static NnDataset *
open_toy (NnToyKind     kind,
          const Spec   *s,
          GError      **error)
{
  static const char *const keys[] = { "n", "noise", "seed", "classes", "test", NULL };
  if (!spec_check_keys (s, toy_names[kind], keys, error))
    return NULL;

  guint64 n, seed, classes;
  double noise, test;
  if (!spec_get_uint (s, "n", 1000, 4, 10000000, &n, error)
      || !spec_get_double (s, "noise", -1.0, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_uint (s, "classes", 0, 2, 32, &classes, error)
      || !spec_get_double (s, "test", 0.2, 0.05, 0.95, &test, error))
    return NULL;
  NnDataset *ds = nn_dataset_new_toy (kind, (size_t) n, noise, (int) classes, seed, error);
  /* test=F holds out that share (the playground's training/test ratio). */
  if (ds != NULL)
    nn_dataset_split_tail (ds, (size_t) floor ((double) ds->n * test + 0.5));
  return ds;
}

/* plane|gaussians[:n=N][:noise=F][:seed=S][:test=F]: regression over the plane. */
static NnDataset *
open_toy_regression (const Spec   *s,
                     GError      **error)
{
  static const char *const keys[] = { "n", "noise", "seed", "test", NULL };
  if (!spec_check_keys (s, s->name, keys, error))
    return NULL;
  guint64 n, seed;
  double noise, test;
  if (!spec_get_uint (s, "n", 1000, 4, 10000000, &n, error)
      || !spec_get_double (s, "noise", 0.05, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", 0.2, 0.05, 0.95, &test, error))
    return NULL;
  NnDataset *ds = nn_dataset_new_toy_regression (s->name, (size_t) n, noise, seed, error);
  if (ds != NULL)
    nn_dataset_split_tail (ds, (size_t) floor ((double) ds->n * test + 0.5));
  return ds;
}

/* shapes[:n=N][:size=S][:noise=F][:seed=S][:test=F][:classes=a,b][:limit=N]:
 * the generated localization set (nn-data-shapes.c). The generator checks
 * the sizes itself, so that its message says why they are limited. */
static NnDataset *
open_shapes (const Spec   *s,
             GError      **error)
{
  static const char *const keys[] = { "n", "size", "noise", "seed", "test", "classes", "limit",
                                      NULL };
  if (!spec_check_keys (s, "shapes", keys, error))
    return NULL;
  guint64 n, size, seed;
  double noise, test;
  if (!spec_get_uint (s, "n", 2000, 0, G_MAXUINT64, &n, error)
      || !spec_get_uint (s, "size", 32, 0, G_MAXUINT64, &size, error)
      || !spec_get_double (s, "noise", 0.35, 0.0, 0.75, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", 0.2, 0.05, 0.95, &test, error))
    return NULL;
  g_autoptr(NnDataset) ds = nn_dataset_new_shapes ((size_t) MIN (n, G_MAXSIZE),
                                                   (int) MIN (size, G_MAXINT), noise, seed,
                                                   error);
  if (ds == NULL)
    return NULL;
  nn_dataset_split_tail (ds, (size_t) floor ((double) ds->n * test + 0.5));
  if (!apply_classes_limit (ds, s, error))
    return NULL;
  return g_steal_pointer (&ds);
}

/* A folder with one sub-folder of PNG images per class:
 * DIR[:size=HxW][:channels=1|3][:skip=true|false][:test=F][:seed=S] */
static NnDataset *
open_png_dir (const Spec    *s,
              GCancellable  *cancel,
              GError       **error)
{
  static const char *const keys[] = { "size", "channels", "skip", "test", "seed", NULL };
  if (!spec_check_keys (s, "a PNG folder", keys, error))
    return NULL;
  NnPngOptions opt;
  nn_png_options_init (&opt);
  const char *size = spec_get (s, "size");
  if (size != NULL)
    {
      unsigned h = 0, w = 0;
      char tail;
      if (sscanf (size, "%ux%u%c", &h, &w, &tail) != 2 || h < 1 || w < 1 || h > 4096 || w > 4096)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("size must be HEIGHTxWIDTH between 1x1 and 4096x4096, like 64x64, not “%s”"),
                       size);
          return NULL;
        }
      opt.height = (int) h;
      opt.width = (int) w;
    }
  guint64 channels, seed;
  double test;
  static const char *const bools[] = { "false", "true", NULL };
  int skip = 1;
  if (!spec_get_choice (s, "skip", bools, 1, &skip, error)
      || !spec_get_uint (s, "channels", 0, 0, 3, &channels, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", 0.2, 0.0, 0.9, &test, error))
    return NULL;
  if (channels == 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN, _("channels must be 1 or 3"));
      return NULL;
    }
  opt.channels = (int) channels;
  opt.skip_bad = skip == 1;
  opt.seed = seed;
  opt.test_fraction = test;
  return nn_png_folder_load (s->name, &opt, NULL, cancel, error);
}

static NnDataset *
open_regression (const Spec   *s,
                 GError      **error)
{
  static const char *const keys[] = { "n", "features", "noise", "seed", NULL };
  if (!spec_check_keys (s, "regression", keys, error))
    return NULL;
  guint64 n, features, seed;
  double noise;
  if (!spec_get_uint (s, "n", 1000, 2, 10000000, &n, error)
      || !spec_get_uint (s, "features", 8, 1, 4096, &features, error)
      || !spec_get_double (s, "noise", 0.1, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error))
    return NULL;
  return nn_dataset_new_regression ((size_t) n, (int) features, noise, seed, error);
}

static NnDataset *
open_twoinput (const Spec   *s,
               GError      **error)
{
  static const char *const keys[] = { "n", "seed", NULL };
  if (!spec_check_keys (s, "twoinput", keys, error))
    return NULL;
  guint64 n, seed;
  if (!spec_get_uint (s, "n", 1000, 2, 10000000, &n, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error))
    return NULL;
  return nn_dataset_new_twoinput ((size_t) n, seed, error);
}

static NnDataset *
open_csv (const Spec    *s,
          GCancellable  *cancel,
          GError       **error)
{
  /* "norm" is the older name of "normalize" (model files written before
   * one option served every dataset); CSV features default to meanstd. */
  static const char *const keys[] = { "target", "missing", "task", "normalize", "norm", "test",
                                      NULL };
  static const char *const missing_choices[] = { "error", "drop", "mean", "zero", NULL };
  static const NnMissing missing_values[] = {
    NN_MISSING_ERROR, NN_MISSING_DROP, NN_MISSING_MEAN, NN_MISSING_ZERO,
  };
  static const char *const task_choices[] = { "auto", "classify", "regress", NULL };
  static const char *const norm_choices[] = { "none", "meanstd", "minmax", NULL };
  static const NnNorm norm_values[] = { NN_NORM_NONE, NN_NORM_MEANSTD, NN_NORM_MINMAX };

  g_autofree char *base = g_path_get_basename (s->name);
  if (!spec_check_keys (s, base, keys, error))
    return NULL;

  int missing, task, norm;
  double test;
  const char *norm_key = spec_get (s, "normalize") ? "normalize" : "norm";
  if (spec_get (s, "normalize") && spec_get (s, "norm"))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s: give normalize once (norm is its older name)"), base);
      return NULL;
    }
  if (!spec_get_choice (s, "missing", missing_choices, 0, &missing, error)
      || !spec_get_choice (s, "task", task_choices, 0, &task, error)
      || !spec_get_choice (s, norm_key, norm_choices, 1, &norm, error)
      || !spec_get_double (s, "test", 0.2, 0.0, 0.9, &test, error))
    return NULL;

  NnCsvOptions opt = {
    .target = spec_get (s, "target"),
    .missing = missing_values[missing],
    .classify = task == 1,
    .test_fraction = test,
  };
  /* test=0 asks for no test split; the struct's 0 means "default". */
  if (test == 0.0)
    opt.test_fraction = -1.0;
  return nn_csv_load_full (s->name, &opt, task == 0, norm_values[norm], NULL, cancel, error);
}

#define VEGA_DIR "/usr/lib/python3/dist-packages/vega_datasets/_data"

/* A JSON table: json:PATH or PATH.json, or cars (python3-vega-datasets'
 * car table, target Miles_per_Gallon, Name left out):
 * [:target=COL][:drop=a,b][:task=..][:normalize=..][:test=F][:seed=S],
 * cars also [:dir=PATH]. */
static NnDataset *
open_json (const Spec    *s,
           GCancellable  *cancel,
           GError       **error)
{
  static const char *const keys[] = { "target", "drop", "task", "normalize", "test", "seed",
                                      NULL };
  static const char *const cars_keys[] = { "target", "drop", "task", "normalize", "test",
                                           "seed", "dir", NULL };
  static const char *const task_choices[] = { "auto", "classify", "regress", NULL };
  static const char *const norm_choices[] = { "none", "meanstd", "minmax", NULL };
  static const NnNorm norm_values[] = { NN_NORM_NONE, NN_NORM_MEANSTD, NN_NORM_MINMAX };

  gboolean cars = g_str_equal (s->name, "cars");
  g_autofree char *path = NULL;
  if (cars)
    {
      if (!spec_check_keys (s, "cars", cars_keys, error))
        return NULL;
      const char *dir = spec_get (s, "dir");
      if (dir == NULL)
        dir = g_getenv ("DEEPSCOPE_VEGA_DIR");
      if (dir == NULL || dir[0] == '\0')
        dir = VEGA_DIR;
      path = g_build_filename (dir, "cars.json", NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                       "cars.json is not in %s: install the python3-vega-datasets package, "
                       "or point DEEPSCOPE_VEGA_DIR or :dir= at its _data folder", dir);
          return NULL;
        }
    }
  else
    path = g_strdup (g_str_has_prefix (s->name, "json:") ? s->name + strlen ("json:")
                                                           : s->name);
  g_autofree char *base = g_path_get_basename (path);
  if (!cars && !spec_check_keys (s, base, keys, error))
    return NULL;

  int task, norm;
  guint64 seed;
  double test;
  if (!spec_get_choice (s, "task", task_choices, 0, &task, error)
      || !spec_get_choice (s, "normalize", norm_choices, 1, &norm, error)
      || !spec_get_double (s, "test", 0.2, 0.0, 0.9, &test, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error))
    return NULL;
  NnJsonTableOptions opt = {
    .target = spec_get (s, "target"),
    .drop = spec_get (s, "drop"),
    .norm = norm_values[norm],
    .auto_task = task == 0,
    .classify = task == 1,
    .test_fraction = test,
    .seed = seed,
  };
  if (cars && opt.target == NULL)
    opt.target = "Miles_per_Gallon";
  if (cars && opt.drop == NULL)
    opt.drop = "Name";
  return nn_json_table_load (path, cars ? "cars" : base, &opt, cancel, error);
}

/* JSON tables: cars, json:PATH, PATH.json. */
static gboolean
is_json_spec (const char *name)
{
  return g_str_equal (name, "cars") || g_str_has_prefix (name, "json:")
         || g_str_has_suffix (name, ".json") || g_str_has_suffix (name, ".JSON");
}

/* ":normalize=" on a text dataset: token ids are indices, not magnitudes,
 * and the vectors predict makes from raw text are never rescaled. */
static void
refuse_text_normalize (const char  *name,
                       GError     **error)
{
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
               _("%s is a text dataset: normalize would rescale its token ids (and the "
               "vectors predict makes from raw text would no longer match them); remove "
               ":normalize="), name);
}

/* Text datasets (nn-data-text.c): text:DIR or a folder of class folders of
 * .txt files, fortunes:topics=..., chars:SOURCE. what names the spec for
 * messages; chars selects the character-level defaults. */
static gboolean
text_options (const Spec         *s,
              const char         *what,
              gboolean            chars,
              NnTextDataOptions  *opt,
              GError            **error)
{
  static const char *const doc_keys[] = { "mode", "tokens", "vocab", "length", "ngrams", "hash",
                                          "lower", "strip", "pad", "trunc", "test", "seed",
                                          "dir", NULL };
  static const char *const char_keys[] = { "length", "step", "vocab", "lower", "strip", "test",
                                           "dir", NULL };
  static const char *const modes[] = { "int", "multi_hot", "tfidf", "count", NULL };
  static const NnTextMode mode_values[] = { NN_TEXT_INT, NN_TEXT_MULTI_HOT, NN_TEXT_TFIDF,
                                            NN_TEXT_COUNT };
  static const char *const token_kinds[] = { "words", "chars", NULL };
  static const char *const sides[] = { "post", "pre", NULL };
  static const char *const bools[] = { "0", "1", NULL };
  if (!spec_check_keys (s, what, chars ? char_keys : doc_keys, error))
    return FALSE;
  nn_text_data_options_init (opt, chars);
  int mode = 0, tokens = chars ? 1 : 0, pad = 0, trunc = 0;
  int lower = opt->text.lower, strip = opt->text.strip;
  guint64 vocab, length, ngrams, hash, seed, step;
  double test;
  if (!spec_get_choice (s, "mode", modes, 0, &mode, error)
      || !spec_get_choice (s, "tokens", token_kinds, tokens, &tokens, error)
      || !spec_get_choice (s, "lower", bools, lower, &lower, error)
      || !spec_get_choice (s, "strip", bools, strip, &strip, error)
      || !spec_get_choice (s, "pad", sides, 0, &pad, error)
      || !spec_get_choice (s, "trunc", sides, 0, &trunc, error)
      || !spec_get_uint (s, "vocab", 0, 3, 1000000, &vocab, error)
      || !spec_get_uint (s, "length", (guint64) opt->text.length, 1, 100000, &length, error)
      || !spec_get_uint (s, "ngrams", 1, 1, 3, &ngrams, error)
      || !spec_get_uint (s, "hash", 0, 1, 1 << 20, &hash, error)
      || !spec_get_uint (s, "step", 3, 1, 100000, &step, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", opt->test, 0.0, 0.9, &test, error))
    return FALSE;
  if (tokens == 1 && ngrams > 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s: ngrams needs tokens=words (n-grams are of words)"), what);
      return FALSE;
    }
  opt->text.mode = mode_values[mode];
  opt->text.chars = tokens == 1;
  opt->text.lower = lower;
  opt->text.strip = strip;
  opt->text.pad = pad;
  opt->text.trunc = trunc;
  opt->text.length = (int) length;
  opt->text.ngrams = (int) ngrams;
  opt->text.hash_buckets = (int) hash;
  opt->vocab = (int) vocab;
  opt->seed = seed;
  opt->step = (int) step;
  opt->test = test;
  opt->dir = spec_get (s, "dir");
  return TRUE;
}

static NnDataset *
open_text (const Spec    *s,
           const char    *dir,
           GCancellable  *cancel,
           GError       **error)
{
  NnTextDataOptions opt;
  if (!text_options (s, "a text folder", FALSE, &opt, error))
    return NULL;
  if (opt.dir != NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("dir is an option of fortunes; a text folder is named by its path"));
      return NULL;
    }
  return nn_text_folder_load (dir, &opt, cancel, error);
}

static NnDataset *
open_fortunes (const Spec    *s,
               GCancellable  *cancel,
               GError       **error)
{
  NnTextDataOptions opt;
  static const char *const extra[] = { "topics", NULL };
  /* topics is fortunes' own; the rest are every text dataset's. */
  Spec rest = { .name = s->name, .keys = g_ptr_array_new (), .values = g_ptr_array_new () };
  for (guint k = 0; k < s->keys->len; k++)
    if (!g_strv_contains (extra, s->keys->pdata[k]))
      {
        g_ptr_array_add (rest.keys, s->keys->pdata[k]);
        g_ptr_array_add (rest.values, s->values->pdata[k]);
      }
  gboolean ok = text_options (&rest, "fortunes", FALSE, &opt, error);
  g_ptr_array_unref (rest.keys);
  g_ptr_array_unref (rest.values);
  if (!ok)
    return NULL;
  return nn_fortunes_load (spec_get (s, "topics"), &opt, cancel, error);
}

static NnDataset *
open_chars (const Spec    *s,
            const char    *source,
            GCancellable  *cancel,
            GError       **error)
{
  NnTextDataOptions opt;
  if (!text_options (s, "chars", TRUE, &opt, error))
    return NULL;
  return nn_chars_load (source, &opt, cancel, error);
}

/* ":target=input": the targets become a copy of the (first) input, as an
 * autoencoder learns to give back what it is shown; the dataset then has
 * no classes to learn, but a class target is kept aside as ds->labels
 * (with its names) for pictures coloured by class and concept vectors. */
static gboolean
apply_target_input (NnDataset  *ds,
                    GError    **error)
{
  NnArray *in = ds->inputs[0];
  if (ds->n_inputs != 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("target=input needs a dataset with one input, but “%s” has %d"),
                   ds->name, ds->n_inputs);
      return FALSE;
    }
  NnArray *t = nn_array_new ("target", in->dtype, in->ndim, in->shape, in->n, error);
  if (t == NULL)
    return FALSE;
  if (in->data != NULL)
    memcpy (t->data, in->data, in->n * in->sample_size * nn_dtype_size (in->dtype));
  if (in->scale != NULL)
    t->scale = g_memdup2 (in->scale, in->sample_size * sizeof (float));
  if (in->offset != NULL)
    t->offset = g_memdup2 (in->offset, in->sample_size * sizeof (float));
  /* A class target (one class number per sample) stays as the labels. */
  if (ds->n_classes > 0 && ds->n_targets >= 1 && ds->targets[0]->sample_size == 1
      && ds->targets[0]->n == in->n)
    {
      g_clear_pointer (&ds->labels, nn_array_free);
      ds->labels = g_steal_pointer (&ds->targets[0]);
      ds->n_label_classes = ds->n_classes;
      ds->label_names = g_steal_pointer (&ds->class_names);
    }
  for (int k = 0; k < ds->n_targets; k++)
    nn_array_free (ds->targets[k]);
  g_free (ds->targets);
  ds->targets = g_new (NnArray *, 1);
  ds->targets[0] = t;
  ds->n_targets = 1;
  if (ds->class_names != NULL)
    for (int c = 0; c < ds->n_classes; c++)
      g_free (ds->class_names[c]);
  g_clear_pointer (&ds->class_names, g_free);
  ds->n_classes = 0;
  return TRUE;
}

/* Every spec nn_dataset_open knows, for the messages that list them. */
#define KNOWN_DATASETS \
  "fashion-mnist, spirals, moons, circles, xor, blobs, plane, gaussians, regression, " \
  "twoinput, shapes, fortunes:topics=A,B, text:DIR, chars:FILE, seattle-temps, " \
  "seattle-weather, series, PATH.csv:window=N (a time series), a .csv file, cars, " \
  "json:PATH or a .json file (a table), a folder " \
  "of class sub-folders (images or text) or a folder of IDX files"

/* The loader the spec's name asks for (its generic options already taken
 * out), or NULL with the error. */
static NnDataset *
open_by_name (Spec *s, gboolean csv, GCancellable *cancel, GError **error)
{
  if (g_str_equal (s->name, "fashion-mnist"))
    return open_fashion_mnist (s, cancel, error);
  if (g_strv_contains (toy_names, s->name))
    {
      NnToyKind kind = 0;
      while (!g_str_equal (toy_names[kind], s->name))
        kind++;
      return open_toy (kind, s, error);
    }
  if (g_str_equal (s->name, "plane") || g_str_equal (s->name, "gaussians"))
    return open_toy_regression (s, error);
  if (g_str_equal (s->name, "regression"))
    return open_regression (s, error);
  if (g_str_equal (s->name, "twoinput"))
    return open_twoinput (s, error);
  if (g_str_equal (s->name, "shapes"))
    return open_shapes (s, error);
  if (g_str_equal (s->name, "fortunes"))
    return open_fortunes (s, cancel, error);
  if (g_str_has_prefix (s->name, "text:"))
    return open_text (s, s->name + strlen ("text:"), cancel, error);
  if (g_str_has_prefix (s->name, "chars:"))
    return open_chars (s, s->name + strlen ("chars:"), cancel, error);
  if (is_json_spec (s->name))
    return open_json (s, cancel, error);
  if (csv)
    return open_csv (s, cancel, error);
  if (g_file_test (s->name, G_FILE_TEST_IS_DIR) && nn_png_folder_detect (s->name))
    return open_png_dir (s, cancel, error);
  if (g_file_test (s->name, G_FILE_TEST_IS_DIR) && nn_text_folder_detect (s->name))
    return open_text (s, s->name, cancel, error);
  if (g_file_test (s->name, G_FILE_TEST_IS_DIR))
    return open_idx_dir (s, cancel, error);
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
               "Unknown dataset “%s”: use " KNOWN_DATASETS, s->name);
  return NULL;
}

NnDataset *
nn_dataset_open (const char    *spec,
                 GCancellable  *cancel,
                 GError       **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (spec == NULL || spec[0] == '\0')
    {
      g_set_error_literal (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           "No dataset given: use " KNOWN_DATASETS);
      return NULL;
    }

  Spec s = { 0 };
  NnDataset *ds = NULL;
  if (!spec_parse (spec, &s, error))
    goto out;

  /* Time series read their own options (their target names a column,
   * their normalization comes from the training rows alone). */
  if (nn_series_spec_matches (s.name, s.keys))
    {
      ds = nn_series_open (s.name, s.keys, s.values, cancel, error);
      if (ds != NULL)
        {
          g_free (ds->spec);
          ds->spec = g_strdup (spec);
        }
      goto out;
    }

  /* ":normalize=meanstd|minmax" applies to every dataset: it is taken out
   * before the loader sees its own options; the CSV loader, which
   * normalizes by default, reads it itself. */
  gboolean csv = g_str_has_suffix (s.name, ".csv") || g_str_has_suffix (s.name, ".CSV");
  /* Tables (CSV, JSON) read normalize and target themselves. */
  gboolean table = csv || is_json_spec (s.name);
  NnNorm norm = NN_NORM_NONE;
  for (guint k = 0; k < s.keys->len && !table; k++)
    if (g_str_equal (s.keys->pdata[k], "normalize"))
      {
        const char *v = s.values->pdata[k];
        if (g_str_equal (v, "meanstd"))
          norm = NN_NORM_MEANSTD;
        else if (g_str_equal (v, "minmax"))
          norm = NN_NORM_MINMAX;
        else if (g_str_equal (v, "symmetric"))
          norm = NN_NORM_SYMMETRIC;
        else if (!g_str_equal (v, "none"))
          {
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                         _("normalize must be meanstd, minmax, symmetric or none, not “%s”"), v);
            goto out;
          }
        g_ptr_array_remove_index (s.keys, k);
        g_ptr_array_remove_index (s.values, k);
        break;
      }

  /* ":target=input" likewise (CSV's target names a column). */
  gboolean target_input = FALSE;
  for (guint k = 0; k < s.keys->len && !table; k++)
    if (g_str_equal (s.keys->pdata[k], "target"))
      {
        if (!g_str_equal (s.values->pdata[k], "input"))
          {
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                         _("target can only be “input” here (an autoencoder's target), not "
                         "“%s”"), (const char *) s.values->pdata[k]);
            goto out;
          }
        target_input = TRUE;
        g_ptr_array_remove_index (s.keys, k);
        g_ptr_array_remove_index (s.values, k);
        break;
      }

  /* ":features=x1,x1sq,..." likewise: computed from the 2-D points before
   * any normalization. (regression's own features=N is the number of its
   * inputs.) */
  guint features = 0;
  for (guint k = 0; k < s.keys->len && !g_str_equal (s.name, "regression"); k++)
    if (g_str_equal (s.keys->pdata[k], "features"))
      {
        if (!nn_features_parse (s.values->pdata[k], &features, error))
          goto out;
        g_ptr_array_remove_index (s.keys, k);
        g_ptr_array_remove_index (s.values, k);
        break;
      }

  if (norm != NN_NORM_NONE
      && (g_str_equal (s.name, "fortunes") || g_str_has_prefix (s.name, "text:")
          || g_str_has_prefix (s.name, "chars:")))
    {
      /* Refused before loading; a folder of text files is caught below. */
      refuse_text_normalize (s.name, error);
      goto out;
    }
  ds = open_by_name (&s, csv, cancel, error);

  /* Token ids (and a vocabulary's bag-of-words, which predict rebuilds from
   * raw text unscaled) must reach the model as they are. */
  if (ds != NULL && norm != NN_NORM_NONE && ds->vocab != NULL)
    {
      refuse_text_normalize (s.name, error);
      g_clear_pointer (&ds, nn_dataset_free);
    }
  if (ds != NULL && features != 0 && !nn_dataset_apply_features (ds, features, error))
    g_clear_pointer (&ds, nn_dataset_free);
  if (ds != NULL && norm != NN_NORM_NONE)
    for (int k = 0; k < ds->n_inputs; k++)
      nn_dataset_normalize (ds, k, norm);
  if (ds != NULL && target_input && !apply_target_input (ds, error))
    g_clear_pointer (&ds, nn_dataset_free);
  if (ds != NULL)
    {
      g_free (ds->spec);
      ds->spec = g_strdup (spec);
    }

out:
  spec_clear (&s);
  return ds;
}
