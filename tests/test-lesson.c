/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lesson files: every lesson in samples/lessons loads; malformed files load
 * nothing and say which file and line is wrong; checks hold or not on a
 * model, a run's metrics and the view. */
#include <glib/gstdio.h>

#include "ds-lesson.h"

typedef struct
{
  char *dir;
  char *mlp;                      /* samples/fashion_mlp.json */
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->dir = g_dir_make_tmp ("lesson-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->mlp = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_mlp.json", NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->mlp);
}

/* Writes text (with MODEL replaced by the MLP sample's path) to NAME. */
static char *
write_lesson (Fixture    *f,
              const char *name,
              const char *text)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GString) s = g_string_new (text);

  g_string_replace (s, "MODEL", f->mlp, 0);
  g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  return g_steal_pointer (&path);
}

#define HEAD "{\n  \"format\": \"deepscope-lesson\",\n  \"title\": \"T\",\n" \
             "  \"chapter\": \"1\",\n  \"model\": \"MODEL\",\n"

static const char good[] = HEAD
  "  \"steps\": [\n"
  "    { \"do\": \"Open Build\", \"check\": { \"view\": \"build\" },\n"
  "      \"show_me\": \"build:palette\" },\n"
  "    { \"do\": \"Add Dropout\", \"watch\": \"w\", \"why\": \"y\",\n"
  "      \"check\": { \"model_has_layer\": { \"type\": \"Dropout\", \"after\": \"hidden\" } } },\n"
  "    { \"do\": \"Train\", \"check\": { \"run_metric\": { \"name\": \"val_accuracy\", "
  "\"at_least\": 0.85 } } },\n"
  "    { \"do\": \"Grow\", \"check\": { \"layer_param\": { \"layer\": \"hidden\", "
  "\"param\": \"units\", \"at_most\": 64 } } },\n"
  "    { \"do\": \"Run\", \"check\": { \"run_epochs\": { \"at_least\": 2 } } },\n"
  "    { \"do\": \"Again\", \"check\": { \"run_count\": { \"at_least\": 2 } } },\n"
  "    { \"do\": \"Read\" }\n"
  "  ]\n}\n";

static void
test_good (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *path = write_lesson (f, "good.json", good);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsLesson) lesson = ds_lesson_load (path, &error);
  const DsLessonStep *s;

  g_assert_no_error (error);
  g_assert_cmpstr (ds_lesson_get_title (lesson), ==, "T");
  g_assert_cmpstr (ds_lesson_get_model_path (lesson), ==, f->mlp);
  g_assert_null (ds_lesson_get_dataset (lesson));
  g_assert_cmpuint (ds_lesson_get_n_steps (lesson), ==, 7);
  s = ds_lesson_get_step (lesson, 1);
  g_assert_cmpstr (s->todo, ==, "Add Dropout");
  g_assert_cmpstr (s->watch, ==, "w");
  g_assert_cmpint (s->check->kind, ==, DS_CHECK_MODEL_HAS_LAYER);
  g_assert_cmpstr (s->check->layer, ==, "hidden");
  g_assert_cmpstr (ds_lesson_get_step (lesson, 0)->show_me, ==, "build:palette");
  g_assert_null (ds_lesson_get_step (lesson, 6)->check);
}

/* Each malformed file: its error code and the line the message names. */
typedef struct
{
  const char   *text;
  DsLessonError code;
  int           line;
  const char   *words;            /* the message contains them */
} Bad;

static const Bad bad_files[] = {
  { "", DS_LESSON_ERROR_PARSE, 1, "empty" },
  { "{\n  \"format\": \"deepscope-lesson\",\n  \"title\": \n}", DS_LESSON_ERROR_PARSE, 4, NULL },
  { "[1, 2]", DS_LESSON_ERROR_PARSE, 1, "object" },
  { "{\n  \"format\": \"deepscope-model\"\n}", DS_LESSON_ERROR_PARSE, 1, "deepscope-lesson" },
  { "{\n  \"format\": \"deepscope-lesson\",\n  \"chapter\": \"1\"\n}", DS_LESSON_ERROR_MISSING, 1,
    "\"title\" is missing" },
  { HEAD "  \"steps\": []\n}", DS_LESSON_ERROR_MISSING, 1, "steps" },
  { HEAD "  \"steps\": [\n    { \"watch\": \"x\" }\n  ]\n}", DS_LESSON_ERROR_MISSING, 7,
    "\"do\" is missing" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\" },\n    { \"do\": \"y\",\n"
    "      \"check\": { \"tea_time\": {} } }\n  ]\n}", DS_LESSON_ERROR_CONDITION, 9,
    "tea_time" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"model_has_layer\":\n"
    "        { \"type\": \"Dropout\", \"after\": \"hiden\" } } }\n  ]\n}",
    DS_LESSON_ERROR_REFERENCE, 9, "no layer \"hiden\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"model_has_layer\":\n"
    "        { \"type\": \"Dropuot\" } } }\n  ]\n}", DS_LESSON_ERROR_REFERENCE, 9, "Dropuot" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"layer_param\": { \"layer\": "
    "\"hidden\", \"param\": \"unitz\", \"at_least\": 3 } } }\n  ]\n}",
    DS_LESSON_ERROR_REFERENCE, 7, "unitz" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"run_metric\": { \"name\": "
    "\"val_acuracy\", \"at_least\": 0.8 } } }\n  ]\n}", DS_LESSON_ERROR_REFERENCE, 7,
    "val_acuracy" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"run_metric\": { \"name\": "
    "\"loss\" } } }\n  ]\n}", DS_LESSON_ERROR_MISSING, 7, "at_least" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"view\": \"cinema\" } }\n  ]\n}",
    DS_LESSON_ERROR_REFERENCE, 7, "cinema" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"show_me\": \"palette\" }\n  ]\n}",
    DS_LESSON_ERROR_REFERENCE, 7, "VIEW:CONTROL" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"chek\": {} }\n  ]\n}",
    DS_LESSON_ERROR_INVALID, 7, "chek" },
  { HEAD "  \"steps\": [\n    { \"do\": 3 }\n  ]\n}", DS_LESSON_ERROR_INVALID, 7, "text" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"run_count\": { \"at_most\": 2 } } }\n"
    "  ]\n}", DS_LESSON_ERROR_INVALID, 7, "run_count has an unknown field \"at_most\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"view\": \"build\",\n"
    "      \"run_epochs\": { \"at_least\": 1 } } }\n  ]\n}", DS_LESSON_ERROR_INVALID, 7,
    "one condition" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"train_setting\":\n"
    "        { \"name\": \"folds\", \"at_least\": 4 } } }\n  ]\n}", DS_LESSON_ERROR_REFERENCE, 9,
    "no training setting \"folds\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"train_setting\":\n"
    "        { \"name\": \"kfold\" } } }\n  ]\n}", DS_LESSON_ERROR_MISSING, 9, "at_least" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"train_setting\": 4 } }\n"
    "  ]\n}", DS_LESSON_ERROR_INVALID, 8, "must be an object" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_trainable\":\n"
    "        { \"layer\": \"hiden\", \"trainable\": true } } }\n  ]\n}",
    DS_LESSON_ERROR_REFERENCE, 9, "no layer \"hiden\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_trainable\":\n"
    "        { \"layer\": \"hidden\", \"trainable\": \"yes\" } } }\n  ]\n}",
    DS_LESSON_ERROR_INVALID, 9, "true or false" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_trainable\":\n"
    "        { \"layer\": \"hidden\" } } }\n  ]\n}", DS_LESSON_ERROR_MISSING, 9, "trainable" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_weights\":\n"
    "        { \"layer\": \"hiden\" } } }\n  ]\n}", DS_LESSON_ERROR_REFERENCE, 9, "no layer \"hiden\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_weights\":\n"
    "        { } } }\n  ]\n}", DS_LESSON_ERROR_MISSING, 9, "layer" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_weights\":\n"
    "        { \"layer\": \"hidden\", \"from\": \"x\" } } }\n  ]\n}", DS_LESSON_ERROR_INVALID, 9,
    "from" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\",\n      \"check\": { \"layer_weights\": true } }\n"
    "  ]\n}", DS_LESSON_ERROR_INVALID, 8, "must be an object" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"page\": \"inspect:gradcam\" } }\n"
    "  ]\n}", DS_LESSON_ERROR_REFERENCE, 7, "no page \"inspect:gradcam\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"page\": \"heatmaps\" } }\n"
    "  ]\n}", DS_LESSON_ERROR_REFERENCE, 7, "no page \"heatmaps\"" },
  { HEAD "  \"steps\": [\n    { \"do\": \"x\", \"check\": { \"page\": 2 } }\n"
    "  ]\n}", DS_LESSON_ERROR_INVALID, 7, "VIEW:PAGE" },
  { HEAD "  \"lock\": [],\n  \"steps\": [ { \"do\": \"x\" } ]\n}", DS_LESSON_ERROR_INVALID, 1,
    "\"lock\" must be an object" },
  { HEAD "  \"lock\": {\n    \"palette\": [\"Dense\", \"Dropuot\"]\n  },\n"
    "  \"steps\": [ { \"do\": \"x\" } ]\n}", DS_LESSON_ERROR_REFERENCE, 6,
    "no layer type \"Dropuot\"" },
  { HEAD "  \"lock\": {\n    \"palette\": []\n  },\n  \"steps\": [ { \"do\": \"x\" } ]\n}",
    DS_LESSON_ERROR_INVALID, 6, "non-empty list" },
  { HEAD "  \"lock\": {\n    \"palette\": [3]\n  },\n  \"steps\": [ { \"do\": \"x\" } ]\n}",
    DS_LESSON_ERROR_INVALID, 6, "must list texts" },
  { HEAD "  \"lock\": {\n    \"optimizer\": \"adamw\"\n  },\n  \"steps\": [ { \"do\": \"x\" } ]\n}",
    DS_LESSON_ERROR_REFERENCE, 6, "no optimizer \"adamw\"" },
  { HEAD "  \"lock\": {\n    \"settings\": [\"momentum\"]\n  },\n"
    "  \"steps\": [ { \"do\": \"x\" } ]\n}", DS_LESSON_ERROR_REFERENCE, 6,
    "no setting to lock \"momentum\" (learning_rate" },
  { HEAD "  \"lock\": {\n    \"palete\": [\"Dense\"]\n  },\n  \"steps\": [ { \"do\": \"x\" } ]\n}",
    DS_LESSON_ERROR_INVALID, 6, "lock has an unknown field \"palete\"" },
  { "{\n  \"format\": \"deepscope-lesson\",\n  \"title\": \"T\",\n  \"chapter\": \"1\",\n"
    "  \"model\": \"no-such-model.json\",\n  \"steps\": [ { \"do\": \"x\" } ]\n}",
    DS_LESSON_ERROR_REFERENCE, 1, "no-such-model.json" },
};

static void
test_malformed (Fixture      *f,
                gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree char *path = write_lesson (f, "bad.json", bad_files[i].text);
      g_autofree char *prefix = g_strdup_printf ("%s:%d:", path, bad_files[i].line);
      g_autoptr(GError) error = NULL;
      g_autoptr(DsLesson) lesson = ds_lesson_load (path, &error);

      g_test_message ("file %u: %s", i, error ? error->message : "(loaded)");
      g_assert_null (lesson);
      g_assert_error (error, DS_LESSON_ERROR, bad_files[i].code);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      if (bad_files[i].words)
        g_assert_nonnull (strstr (error->message, bad_files[i].words));
    }
}

/* Truncated at every length: an error, never a lesson or a crash. */
static void
test_truncated (Fixture      *f,
                gconstpointer data)
{
  g_autofree char *full = write_lesson (f, "full.json", good);
  g_autofree char *text = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (full, &text, &len, NULL));
  for (gsize n = 0; n < len - 2; n += 7)
    {
      g_autofree char *cut = g_strndup (text, n);
      g_autofree char *path = g_build_filename (f->dir, "cut.json", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(DsLesson) lesson = NULL;

      g_assert_true (g_file_set_contents (path, cut, -1, NULL));
      lesson = ds_lesson_load (path, &error);
      g_assert_null (lesson);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, path));
    }
}

static gboolean
fake_metric (const char *key,
             double     *best,
             gpointer    data)
{
  if (g_str_equal (key, "val_accuracy"))
    *best = 0.86;
  else if (g_str_equal (key, "epochs"))
    *best = 1;
  else if (g_str_equal (key, "runs"))
    *best = GPOINTER_TO_INT (data);
  else
    return FALSE;
  return TRUE;
}

static void
test_checks (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *path = write_lesson (f, "good.json", good);
  g_autoptr(DsLesson) lesson = ds_lesson_load (path, NULL);
  g_autoptr(NnModel) m = nn_model_load (f->mlp, NULL);
  DsLessonState state = { m, "data", NULL, NULL };
  int hidden = nn_model_find_layer (m, "hidden");
  int classes = nn_model_find_layer (m, "classes");
  int dropout;

  g_assert_nonnull (lesson);
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 0)->check, &state));
  state.view = "build";
  g_assert_true (ds_lesson_check_holds (ds_lesson_get_step (lesson, 0)->check, &state));

  /* Dropout after hidden: absent, then added between hidden and classes. */
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 1)->check, &state));
  dropout = nn_model_add_layer (m, "Dropout", NULL, NULL);
  g_assert_cmpint (dropout, >=, 0);
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 1)->check, &state));
  g_assert_true (nn_model_connect (m, (NnRef) { hidden, 0, 0 }, dropout, 0, NULL));
  nn_model_disconnect (m, classes, 0, 0);
  g_assert_true (nn_model_connect (m, (NnRef) { dropout, 0, 0 }, classes, 0, NULL));
  g_assert_true (ds_lesson_check_holds (ds_lesson_get_step (lesson, 1)->check, &state));

  /* No runs, then a run at 0.86 (and one epoch). */
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 2)->check, &state));
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 4)->check, &state));
  state.metric = fake_metric;
  state.metric_data = GINT_TO_POINTER (1);
  g_assert_true (ds_lesson_check_holds (ds_lesson_get_step (lesson, 2)->check, &state));
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 4)->check, &state));
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 5)->check, &state));
  state.metric_data = GINT_TO_POINTER (2);
  g_assert_true (ds_lesson_check_holds (ds_lesson_get_step (lesson, 5)->check, &state));

  /* hidden's units: 512, then 64 (at most 64: a smaller model). */
  g_assert_false (ds_lesson_check_holds (ds_lesson_get_step (lesson, 3)->check, &state));
  g_assert_true (nn_model_layer_set_param (m, hidden, "units", "64", NULL));
  g_assert_true (ds_lesson_check_holds (ds_lesson_get_step (lesson, 3)->check, &state));
}

static const char settings_lesson[] = HEAD
  "  \"steps\": [\n"
  "    { \"do\": \"K-fold\", \"check\": { \"train_setting\": { \"name\": \"kfold\", "
  "\"at_least\": 4 } } },\n"
  "    { \"do\": \"Patience\", \"check\": { \"train_setting\": { \"name\": "
  "\"early_stopping_patience\", \"at_least\": 1, \"at_most\": 5 } } },\n"
  "    { \"do\": \"Freeze\", \"check\": { \"layer_trainable\": { \"layer\": \"hidden\", "
  "\"trainable\": false } } },\n"
  "    { \"do\": \"Grad-CAM\", \"check\": { \"page\": \"inspect:heatmaps\" } },\n"
  "    { \"do\": \"Load\", \"check\": { \"layer_weights\": { \"layer\": \"hidden\" } } }\n"
  "  ]\n}\n";

/* train_setting reads the model's training defaults; layer_trainable the
 * layer's flag. */
static void
test_setting_checks (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *path = write_lesson (f, "settings.json", settings_lesson);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsLesson) lesson = ds_lesson_load (path, &error);
  g_autoptr(NnModel) m = nn_model_load (f->mlp, NULL);
  DsLessonState state = { m, "build", NULL, NULL };
  const DsLessonCheck *kfold, *patience, *frozen, *page;
  double v;

  g_assert_no_error (error);
  kfold = ds_lesson_get_step (lesson, 0)->check;
  patience = ds_lesson_get_step (lesson, 1)->check;
  frozen = ds_lesson_get_step (lesson, 2)->check;
  g_assert_cmpint (kfold->kind, ==, DS_CHECK_TRAIN_SETTING);
  g_assert_cmpint (frozen->kind, ==, DS_CHECK_LAYER_TRAINABLE);

  nn_model_get_defaults (m)->kfold = 0;
  g_assert_false (ds_lesson_check_holds (kfold, &state));
  nn_model_get_defaults (m)->kfold = 4;
  g_assert_true (ds_lesson_check_holds (kfold, &state));
  g_assert_true (ds_lesson_train_setting (m, "kfold", &v));
  g_assert_cmpfloat (v, ==, 4);
  g_assert_false (ds_lesson_train_setting (m, "folds", &v));

  nn_model_get_defaults (m)->early_stopping_patience = 0;
  g_assert_false (ds_lesson_check_holds (patience, &state));
  nn_model_get_defaults (m)->early_stopping_patience = 3;
  g_assert_true (ds_lesson_check_holds (patience, &state));
  nn_model_get_defaults (m)->early_stopping_patience = 8;
  g_assert_false (ds_lesson_check_holds (patience, &state));

  g_assert_false (ds_lesson_check_holds (frozen, &state));
  nn_model_layer_set_trainable (m, nn_model_find_layer (m, "hidden"), FALSE);
  g_assert_true (ds_lesson_check_holds (frozen, &state));
  /* The page, in its view only. */
  page = ds_lesson_get_step (lesson, 3)->check;
  g_assert_cmpint (page->kind, ==, DS_CHECK_PAGE);
  g_assert_false (ds_lesson_check_holds (page, &state));
  state.view = "inspect";
  state.page = "filters";
  g_assert_false (ds_lesson_check_holds (page, &state));
  state.page = "heatmaps";
  g_assert_true (ds_lesson_check_holds (page, &state));
  state.view = "generate";
  g_assert_false (ds_lesson_check_holds (page, &state));

  /* layer_weights: holds once the model has weights */
  {
    const DsLessonCheck *loaded = ds_lesson_get_step (lesson, 4)->check;

    g_assert_cmpint (loaded->kind, ==, DS_CHECK_LAYER_WEIGHTS);
    g_assert_false (nn_model_has_weights (m));
    g_assert_false (ds_lesson_check_holds (loaded, &state));
    g_assert_true (nn_model_init_weights (m, 1, NULL));
    g_assert_true (ds_lesson_check_holds (loaded, &state));
    state.model = NULL;
    g_assert_false (ds_lesson_check_holds (loaded, &state));
  }

  state.model = NULL;
  g_assert_false (ds_lesson_check_holds (frozen, &state));
  g_assert_false (ds_lesson_check_holds (kfold, &state));
}

static const char lock_lesson[] = HEAD
  "  \"lock\": { \"palette\": [\"Dense\", \"Dropout\"], \"optimizer\": \"adam\",\n"
  "            \"settings\": [\"learning_rate\", \"epochs\"] },\n"
  "  \"steps\": [ { \"do\": \"x\" } ]\n}\n";

static void
test_lock (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *path = write_lesson (f, "lock.json", lock_lesson);
  g_autofree char *plain = write_lesson (f, "good.json", good);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsLesson) lesson = ds_lesson_load (path, &error);
  g_autoptr(DsLesson) free_lesson = ds_lesson_load (plain, NULL);
  const DsLessonLock *lock;

  g_assert_no_error (error);
  lock = ds_lesson_get_lock (lesson);
  g_assert_nonnull (lock);
  g_assert_cmpuint (g_strv_length (lock->palette), ==, 2);
  g_assert_cmpstr (lock->palette[1], ==, "Dropout");
  g_assert_true (lock->has_optimizer);
  g_assert_cmpint (lock->optimizer, ==, NN_OPT_ADAM);
  g_assert_true (g_strv_contains ((const char *const *) lock->settings, "epochs"));
  g_assert_false (g_strv_contains ((const char *const *) lock->settings, "batch_size"));
  g_assert_null (ds_lesson_get_lock (free_lesson));
  g_assert_true (ds_lesson_is_lockable_setting ("schedule"));
  g_assert_false (ds_lesson_is_lockable_setting ("momentum"));
}

/* Export as lesson: the file loads back as a lesson on the same model (its
 * layers, parameters and weights) and dataset, with the view's step. */
static void
test_export (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "handout.json", NULL);
  g_autofree char *model_path = g_build_filename (f->dir, "handout.model.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_model_load (f->mlp, NULL);
  g_autoptr(NnModel) back = NULL;
  g_autoptr(DsLesson) lesson = NULL;
  const DsLessonStep *step;
  gint64 n, n_back;

  nn_model_set_dataset (m, "fashion-mnist:limit=500");
  nn_model_get_defaults (m)->epochs = 4;
  g_assert_true (nn_model_init_weights (m, 7, NULL));
  g_assert_true (ds_lesson_export (m, "inspect", path, &error));
  g_assert_no_error (error);
  lesson = ds_lesson_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds_lesson_get_model_path (lesson), ==, model_path);
  g_assert_cmpstr (ds_lesson_get_dataset (lesson), ==, "fashion-mnist:limit=500");
  g_assert_cmpuint (ds_lesson_get_n_steps (lesson), ==, 3);
  step = ds_lesson_get_step (lesson, 0);
  g_assert_cmpint (step->check->kind, ==, DS_CHECK_VIEW);
  g_assert_cmpstr (step->check->name, ==, "inspect");
  step = ds_lesson_get_step (lesson, 1);
  g_assert_cmpint (step->check->kind, ==, DS_CHECK_RUN_EPOCHS);
  g_assert_cmpfloat (step->check->at_least, ==, 4);
  g_assert_null (ds_lesson_get_step (lesson, 2)->check);

  back = nn_model_load (model_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_get_n_layers (back), ==, nn_model_get_n_layers (m));
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    g_assert_cmpstr (nn_model_layer_get_name (back, i), ==, nn_model_layer_get_name (m, i));
  g_assert_true (nn_model_infer (m, NULL) && nn_model_infer (back, NULL));
  n = nn_model_count_params (m, NULL, NULL);
  n_back = nn_model_count_params (back, NULL, NULL);
  g_assert_cmpint (n_back, ==, n);
  g_assert_true (nn_model_has_weights (back));

  /* A view that does not exist: the skeleton opens the Build view. */
  g_assert_true (ds_lesson_export (m, "cinema", path, NULL));
  g_clear_pointer (&lesson, ds_lesson_free);
  lesson = ds_lesson_load (path, NULL);
  g_assert_cmpstr (ds_lesson_get_step (lesson, 0)->check->name, ==, "build");
  /* A folder that does not exist: an error, no file. */
  {
    g_autofree char *bad = g_build_filename (f->dir, "no-such-dir", "x.json", NULL);
    g_autoptr(GError) e2 = NULL;

    g_assert_false (ds_lesson_export (m, "build", bad, &e2));
    g_assert_nonnull (e2);
  }
}

/* The lessons shipped with the app all load, each with a model and steps. */
static void
test_library (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons", NULL);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) lessons = ds_lesson_load_dir (dir, errors);

  for (guint i = 0; i < errors->len; i++)
    g_test_message ("%s", (char *) errors->pdata[i]);
  g_assert_cmpuint (errors->len, ==, 0);
  g_assert_cmpuint (lessons->len, >=, 1);
  for (guint i = 0; i < lessons->len; i++)
    {
      DsLesson *l = lessons->pdata[i];

      g_assert_true (g_file_test (ds_lesson_get_model_path (l), G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (ds_lesson_get_n_steps (l), >=, 3);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/lesson/good", Fixture, NULL, fixture_setup, test_good, fixture_teardown);
  g_test_add ("/lesson/malformed", Fixture, NULL, fixture_setup, test_malformed, fixture_teardown);
  g_test_add ("/lesson/truncated", Fixture, NULL, fixture_setup, test_truncated, fixture_teardown);
  g_test_add ("/lesson/checks", Fixture, NULL, fixture_setup, test_checks, fixture_teardown);
  g_test_add ("/lesson/setting-checks", Fixture, NULL, fixture_setup, test_setting_checks,
              fixture_teardown);
  g_test_add ("/lesson/lock", Fixture, NULL, fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/lesson/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  g_test_add_func ("/lesson/library", test_library);
  return g_test_run ();
}
