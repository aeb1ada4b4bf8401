/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON tables (nn-data-json.c): columns, nulls, dates, categories, the
 * seeded split, the bundled car table, and malformed files, each refused
 * with a message naming the problem and its record. Test files are
 * written into a fresh temporary directory. */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "nn.h"
#include "test-util.h"

static char *tmpdir;

static char *
write_text (const char *name,
            const char *text)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_remove (path);
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  return path;
}

static NnDataset *
json_open (const char  *text,
           const char  *options,
           GError     **error)
{
  g_autofree char *path = write_text ("table.json", text);
  g_autofree char *spec = g_strconcat ("json:", path, options, NULL);
  return nn_dataset_open (spec, NULL, error);
}

static float
raw_f32 (const NnArray *a,
         size_t         i,
         size_t         j)
{
  g_assert_cmpint (a->dtype, ==, NN_DTYPE_F32);
  return ((const float *) a->data)[i * a->sample_size + j];
}

static int
feature_index (const NnArray *a,
               const char    *name)
{
  for (size_t j = 0; j < a->sample_size; j++)
    if (g_strcmp0 (a->feature_names[j], name) == 0)
      return (int) j;
  g_error ("no feature %s", name);
}

static gboolean
notes_mention (const NnDataset *ds,
               const char      *text)
{
  const char *const *notes = nn_dataset_get_notes (ds);
  for (int i = 0; notes != NULL && notes[i] != NULL; i++)
    if (strstr (notes[i], text) != NULL)
      return TRUE;
  return FALSE;
}

/* 8 records: one without a target, a null and an absent feature, a date
 * column, a boolean, a category of 3 values, a name of 8 distinct values. */
static const char *const table =
  "[{\"name\": \"a\", \"w\": 1, \"on\": true,  \"when\": \"1970-01-01\", \"o\": \"US\", \"y\": 10},\n"
  " {\"name\": \"b\", \"w\": 2, \"on\": false, \"when\": \"1971-05-01\", \"o\": \"EU\", \"y\": 20.5},\n"
  " {\"name\": \"c\", \"w\": null, \"on\": true, \"when\": \"1972-01-01\", \"o\": \"JP\", \"y\": 30},\n"
  " {\"name\": \"d\", \"w\": 4, \"on\": true,  \"when\": \"1973-01-01\", \"o\": \"US\", \"y\": null},\n"
  " {\"name\": \"e\", \"w\": 5, \"on\": false, \"when\": \"1974-01-01\", \"o\": \"EU\", \"y\": 50},\n"
  " {\"name\": \"f\", \"on\": true,  \"when\": \"1975-01-01\", \"o\": null, \"y\": 60},\n"
  " {\"name\": \"g\", \"w\": 7, \"on\": false, \"when\": \"1976-01-01T08:00:00\", \"o\": \"US\", \"y\": 70},\n"
  " {\"name\": \"h\", \"w\": 8, \"on\": true,  \"when\": \"1977-01-01\", \"o\": \"JP\", \"y\": 80}]\n";

static void
test_json_table (void)
{
  g_autoptr(GError) error = NULL;
  /* test=0: every row trains, so the fill is the mean of every w given. */
  g_autoptr(NnDataset) ds = json_open (table, ":target=y:drop=name:normalize=none:test=0",
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 7);
  g_assert_cmpuint (ds->n_train, ==, 7);
  g_assert_cmpuint (ds->n_test, ==, 0);
  g_assert_cmpint (ds->n_classes, ==, 0);
  g_assert_true (notes_mention (ds, "1 of 8 records have no target “y”"));
  g_assert_true (notes_mention (ds, "column “w”: 2 nulls"));
  g_assert_true (notes_mention (ds, "column “when”: dates, taken as their year (1970 to 1977)"));
  g_assert_true (notes_mention (ds, "column “name” left out (drop=)"));

  NnArray *x = ds->inputs[0], *y = ds->targets[0];
  /* w, on, when, o=EU, o=JP, o=US */
  g_assert_cmpuint (x->sample_size, ==, 6);
  int w = feature_index (x, "w"), on = feature_index (x, "on"), when = feature_index (x, "when");
  int us = feature_index (x, "o=US"), eu = feature_index (x, "o=EU"), jp = feature_index (x, "o=JP");
  /* Each row found by its target; w's gaps hold the mean of 1, 2, 5, 7, 8
   * (record d, with w = 4, has no target and is gone). */
  double w_mean = (1 + 2 + 5 + 7 + 8) / 5.0;
  int seen = 0;
  for (size_t i = 0; i < ds->n; i++)
    {
      float t = raw_f32 (y, i, 0);
      if (t == 20.5f)
        {
          g_assert_cmpfloat (raw_f32 (x, i, w), ==, 2.f);
          g_assert_cmpfloat (raw_f32 (x, i, on), ==, 0.f);
          g_assert_cmpfloat (raw_f32 (x, i, when), ==, 1971.f);
          g_assert_cmpfloat (raw_f32 (x, i, eu), ==, 1.f);
          g_assert_cmpfloat (raw_f32 (x, i, us) + raw_f32 (x, i, jp), ==, 0.f);
          seen |= 1;
        }
      else if (t == 30.f || t == 60.f)
        {
          g_assert_cmpfloat_with_epsilon (raw_f32 (x, i, w), w_mean, 1e-5);
          seen |= t == 30.f ? 2 : 4;
        }
      else if (t == 70.f)
        {
          g_assert_cmpfloat (raw_f32 (x, i, when), ==, 1976.f);
          seen |= 8;
        }
      g_assert_true (t != 0.f);
    }
  g_assert_cmpint (seen, ==, 15);
}

/* The seed shuffles the rows before the tail is held out; the same seed
 * gives the same split. */
static void
test_json_split (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) a = json_open (table, ":target=y:drop=name:test=0.5:seed=1", &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) b = json_open (table, ":target=y:drop=name:test=0.5:seed=1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->n_test, ==, 4);
  g_assert_cmpuint (a->n_train, ==, 3);
  gboolean differs = FALSE;
  for (guint64 seed = 2; seed < 10 && !differs; seed++)
    {
      g_autofree char *opts = g_strdup_printf (":target=y:drop=name:test=0.5:seed=%" G_GUINT64_FORMAT,
                                               seed);
      g_autoptr(NnDataset) c = json_open (table, opts, &error);
      g_assert_no_error (error);
      for (size_t i = 0; i < c->n; i++)
        differs |= raw_f32 (c->targets[0], i, 0) != raw_f32 (a->targets[0], i, 0);
    }
  for (size_t i = 0; i < a->n; i++)
    g_assert_cmpfloat (raw_f32 (a->targets[0], i, 0), ==, raw_f32 (b->targets[0], i, 0));
  g_assert_true (differs);

  /* Normalization: the numeric features from the training rows alone,
   * the one-hot ones left 0/1. */
  NnArray *x = a->inputs[0];
  g_assert_nonnull (x->scale);
  int us = feature_index (x, "o=US");
  g_assert_cmpfloat (x->scale[us], ==, 1.f);
  g_assert_cmpfloat (x->offset[us], ==, 0.f);
}

/* A string column of many values (a name) is left out, with a note; a
 * string target is classes. */
static void
test_json_strings (void)
{
  g_autoptr(GError) error = NULL;
  GString *s = g_string_new ("[");
  for (int i = 0; i < 30; i++)
    g_string_append_printf (s, "%s{\"id\": \"car %d\", \"x\": %d, \"kind\": \"%s\"}", i ? "," : "",
                            i, i, i % 3 ? "small" : "big");
  g_string_append (s, "]");
  g_autofree char *text = g_string_free (s, FALSE);
  g_autoptr(NnDataset) ds = json_open (text, ":target=kind", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpuint (ds->inputs[0]->sample_size, ==, 1);
  g_assert_true (notes_mention (ds, "column “id” left out: 30 distinct strings"));
}

/* The bundled car table, when python3-vega-datasets is installed. */
static void
test_json_cars (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("cars", NULL, &error);
  if (ds == NULL && g_error_matches (error, NN_DATA_ERROR, NN_DATA_ERROR_IO))
    {
      g_test_skip ("python3-vega-datasets is not installed");
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "cars");
  /* 406 cars, 8 without Miles_per_Gallon */
  g_assert_cmpuint (ds->n, ==, 398);
  g_assert_cmpuint (ds->n_test, ==, 80);
  g_assert_cmpint (ds->n_classes, ==, 0);
  /* Cylinders, Displacement, Horsepower, Weight_in_lbs, Acceleration,
   * Year, Origin=Europe, =Japan, =USA */
  g_assert_cmpuint (ds->inputs[0]->sample_size, ==, 9);
  g_assert_true (notes_mention (ds, "8 of 406 records have no target “Miles_per_Gallon”"));
  g_assert_true (notes_mention (ds, "column “Horsepower”: 6 nulls"));
  g_assert_true (notes_mention (ds, "(1970 to 1982)"));
  for (size_t i = 0; i < ds->n; i++)
    {
      float mpg = raw_f32 (ds->targets[0], i, 0);
      g_assert_true (mpg >= 9.f && mpg <= 47.f);
    }
}

typedef struct {
  const char *text;
  const char *options;
  int         code;
  const char *says;   /* a part of the message */
} BadCase;

static void
test_json_malformed (void)
{
  static const BadCase cases[] = {
    { "", "", NN_DATA_ERROR_EMPTY, "is empty" },
    { "  \n", "", NN_DATA_ERROR_EMPTY, "is empty" },
    { "[]", "", NN_DATA_ERROR_EMPTY, "an empty array" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": 3, \"y\"", "", NN_DATA_ERROR_FORMAT, "not valid JSON" },
    { "[{\"x\": 1, \"y\": 2},", "", NN_DATA_ERROR_FORMAT, "not valid JSON" },
    { "{\"x\": [1, 2], \"y\": [3, 4]}", "", NN_DATA_ERROR_FORMAT, "holds an object, not an array" },
    { "42", "", NN_DATA_ERROR_FORMAT, "holds a number, not an array" },
    { "[{\"x\": 1, \"y\": 2}, 7]", "", NN_DATA_ERROR_FORMAT, "record 2: a number, not an object" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": 1, \"y\": 2}, [1, 2]]", "", NN_DATA_ERROR_FORMAT,
      "record 3: an array, not an object" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": {\"a\": 1}, \"y\": 2}]", "", NN_DATA_ERROR_FORMAT,
      "record 2: a value nested in a record" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": 2, \"y\": 3}]", ":target=z", NN_DATA_ERROR_UNKNOWN,
      "no member “z” for the target; the records have x, y" },
    { "[{\"x\": 1, \"y\": null}, {\"x\": 2}]", ":target=y", NN_DATA_ERROR_EMPTY,
      "the target “y” is null (or absent) in all 2 records" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": \"one\", \"y\": 3}]", "", NN_DATA_ERROR_FORMAT,
      "record 2, member “x”: a string, but record 1 holds a number there" },
    { "[{\"x\": 1, \"y\": 2}, {\"x\": true, \"y\": \"3\"}]", "", NN_DATA_ERROR_FORMAT,
      "record 2, member “y”: a string, but record 1 holds a number there" },
    { "[{\"y\": 1}, {\"y\": 2}]", "", NN_DATA_ERROR_FORMAT, "the records have 1 member" },
    { "[{\"x\": 1, \"y\": 2}]", ":drop=x", NN_DATA_ERROR_EMPTY, "no feature is left" },
    { "[{\"x\": 1, \"y\": 2}]", ":drop=q", NN_DATA_ERROR_UNKNOWN, "drop names “q”" },
    { "[{\"x\": 1, \"y\": 2}]", ":drop=y", NN_DATA_ERROR_UNKNOWN, "drop names the target" },
    { "[{\"x\": 1, \"y\": 2}]", ":window=3", NN_DATA_ERROR_UNKNOWN, "Unknown option “window”" },
    { "[{\"x\": 1, \"y\": 2}]\xff", "", NN_DATA_ERROR_FORMAT, "not valid UTF-8" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = json_open (cases[i].text, cases[i].options, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(loaded)");
      g_assert_null (ds);
      g_assert_error (error, NN_DATA_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

/* Deep nesting is refused before any parser recurses into it; a file too
 * large for a table is refused before it is read. */
static void
test_json_deep_and_huge (void)
{
  g_autoptr(GError) error = NULL;
  gsize depth = 1000000;
  g_autofree char *deep = g_malloc (depth + 1);
  memset (deep, '[', depth);
  deep[depth] = '\0';
  g_autoptr(NnDataset) ds = json_open (deep, "", &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "record 1: a value nested"));
  g_clear_error (&error);

  /* Brackets inside strings are text, not nesting. */
  g_autoptr(NnDataset) ok = json_open ("[{\"x\": 1, \"s\": \"[[{{\\\"\", \"y\": 2},"
                                       " {\"x\": 2, \"s\": \"]]}\", \"y\": 3}]", ":test=0", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->n, ==, 2);

  /* A sparse 300 MiB file: no disk used, and never read. */
  g_autofree char *path = g_build_filename (tmpdir, "huge.json", NULL);
  int fd = g_open (path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 300 << 20), ==, 0);
  close (fd);
  g_autofree char *spec = g_strconcat ("json:", path, NULL);
  g_autoptr(NnDataset) huge = nn_dataset_open (spec, NULL, &error);
  g_assert_null (huge);
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE);
  g_assert_nonnull (strstr (error->message, "larger than 256 MiB"));
  g_remove (path);
  g_clear_error (&error);

  g_autoptr(NnDataset) none = nn_dataset_open ("json:/nonexistent/t.json", NULL, &error);
  g_assert_null (none);
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp ("deepscope-json-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/data/json/table", test_json_table);
  g_test_add_func ("/engine/data/json/split", test_json_split);
  g_test_add_func ("/engine/data/json/strings", test_json_strings);
  g_test_add_func ("/engine/data/json/cars", test_json_cars);
  g_test_add_func ("/engine/data/json/malformed", test_json_malformed);
  g_test_add_func ("/engine/data/json/deep-and-huge", test_json_deep_and_huge);

  int ret = g_test_run ();
  test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
