/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli end to end: summary, training with --json history lines,
 * evaluate/predict on a saved model, errors in words with a non-zero exit.
 * The Fashion-MNIST run is the slow suite's (selected with -m slow). */
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"

static const char *
cli (void)
{
  const char *p = g_getenv ("DEEPSCOPE_CLI");
  g_assert_nonnull (p);
  return p;
}

static int
run (const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli ());
  for (int k = 0; args[k]; k++)
    g_ptr_array_add (argv, (char *) args[k]);
  g_ptr_array_add (argv, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Parses every stdout line as a JSON object. */
static GPtrArray *
json_lines (const char *out)
{
  GPtrArray *objs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (int k = 0; lines[k]; k++)
    {
      if (!*lines[k])
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (p, lines[k], -1, &error));
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
      g_ptr_array_add (objs, json_node_copy (json_parser_get_root (p)));
    }
  return objs;
}

static JsonObject *
obj (GPtrArray *a, guint i)
{
  return json_node_get_object (a->pdata[i]);
}

static void
test_summary (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "summary", test_sample ("fashion_mlp.json"), NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Total params: 407,050"));
  g_assert_nonnull (strstr (out, "hidden (Dense)"));
}

static void
test_train_spirals_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "trained.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "40", "--seed", "3",
                         "--json", "--save", saved, NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 41);
  for (guint e = 0; e < 40; e++)
    {
      JsonObject *o = obj (lines, e);
      g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, e + 1);
      g_assert_cmpfloat (json_object_get_double_member (o, "samples_per_s"), >, 0);
      g_assert_true (json_object_has_member (o, "loss"));
      g_assert_true (json_object_has_member (o, "accuracy"));
      g_assert_true (json_object_has_member (o, "val_loss"));
      g_assert_true (json_object_has_member (o, "val_accuracy"));
    }
  JsonObject *last = obj (lines, 40);
  double acc = json_object_get_double_member (last, "test_accuracy");
  g_test_message ("spirals test accuracy after 40 epochs: %.4f", acc);
  g_assert_cmpfloat (acc, >, 0.9);
  g_assert_true (json_object_has_member (last, "test_loss"));

  /* The saved model evaluates to the same score, and predicts. */
  g_autofree char *out2 = NULL, *err2 = NULL;
  const char *eargs[] = { "evaluate", saved, "--json", NULL };
  g_assert_cmpint (run (eargs, &out2, &err2), ==, 0);
  g_autoptr (GPtrArray) e2 = json_lines (out2);
  g_assert_cmpfloat (json_object_get_double_member (obj (e2, 0), "test_accuracy"), ==, acc);
  g_autofree char *out3 = NULL, *err3 = NULL;
  const char *pargs[] = { "predict", saved, "--count", "3", "--json", NULL };
  g_assert_cmpint (run (pargs, &out3, &err3), ==, 0);
  g_autoptr (GPtrArray) p = json_lines (out3);
  g_assert_cmpuint (p->len, ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (p, 0), "prediction")), ==, 2);
  g_unlink (saved);
  g_rmdir (dir);
}

static void
test_two_outputs_and_kfold (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("two_inputs_two_outputs.json"), "--epochs", "2",
                         "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  JsonObject *e1 = obj (lines, 0);
  g_assert_true (json_object_has_member (e1, "class_loss"));
  g_assert_true (json_object_has_member (e1, "class_accuracy"));
  g_assert_true (json_object_has_member (e1, "value_mae"));
  g_assert_true (json_object_has_member (e1, "val_value_loss"));

  g_autofree char *kout = NULL, *kerr = NULL;
  const char *kargs[] = { "train", test_sample ("regression_kfold.json"), "--epochs", "2",
                          "--json", NULL };
  g_assert_cmpint (run (kargs, &kout, &kerr), ==, 0);
  g_autoptr (GPtrArray) k = json_lines (kout);
  int folds = 0;
  for (guint i = 0; i < k->len; i++)
    if (json_object_has_member (obj (k, i), "fold") && !json_object_has_member (obj (k, i), "epoch"))
      folds++;
  g_assert_cmpint (folds, ==, 4);
  g_assert_true (json_object_has_member (obj (k, k->len - 2), "mean_val_mae"));
}

static void
test_errors_in_words (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", "/nonexistent/model.json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/model.json"));

  g_autofree char *out2 = NULL, *err2 = NULL;
  const char *args2[] = { "train", test_sample ("spirals_mlp.json"), "--data", "regression", NULL };
  g_assert_cmpint (run (args2, &out2, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "expects (batch, 2) but the dataset gives (batch, 8)"));

  g_autofree char *out3 = NULL, *err3 = NULL;
  const char *args3[] = { "fly", test_sample ("spirals_mlp.json"), NULL };
  g_assert_cmpint (run (args3, &out3, &err3), ==, 2);
}

/* Bad command lines: exit status 2, a message naming the option (and
 * where given, its valid range), nothing on stdout, no file written. */
typedef struct {
  const char *args[8];     /* after the command and the model; "@OUT" is the --save path */
  const char *command;
  const char *names;       /* the message must contain this */
  const char *also;        /* ... and this, if set */
} BadLine;

static const BadLine bad_lines[] = {
  { { "--epochs", "0" }, "train", "--epochs", "from 1 to" },
  { { "--epochs", "-1" }, "train", "--epochs", "from 1 to" },
  { { "--epochs", "5x" }, "train", "--epochs", "“5x”" },
  { { "--epochs", "1.5" }, "train", "--epochs", NULL },
  { { "--epochs", "99999999999" }, "train", "--epochs", "2147483647" },
  { { "--epochs", "" }, "train", "--epochs", NULL },
  { { "--epochs", " 5" }, "train", "--epochs", NULL },
  { { "--epochs=" }, "train", "--epochs", NULL },
  { { "--batch", "-1" }, "train", "--batch", "from 1 to" },
  { { "--batch", "0" }, "train", "--batch", NULL },
  { { "--batch", "abc" }, "train", "--batch", NULL },
  { { "--lr", "-1" }, "train", "--lr", "above 0" },
  { { "--lr", "0" }, "train", "--lr", "above 0" },
  { { "--lr", "nan" }, "train", "--lr", "above 0" },
  { { "--lr", "inf" }, "train", "--lr", NULL },
  { { "--lr", "1e999" }, "train", "--lr", NULL },
  { { "--lr", "0.1x" }, "train", "--lr", NULL },
  { { "--lr", " 0.1" }, "train", "--lr", NULL },
  { { "--validation-split", "1.5" }, "train", "--validation-split", "less than 1" },
  { { "--validation-split", "1" }, "train", "--validation-split", "less than 1" },
  { { "--validation-split", "-0.1" }, "train", "--validation-split", NULL },
  { { "--validation-split", "nan" }, "train", "--validation-split", NULL },
  { { "--kfold", "-3" }, "train", "--kfold", "from 2 to" },
  { { "--kfold", "1" }, "train", "--kfold", "0 (off)" },
  { { "--kfold", "3x" }, "train", "--kfold", NULL },
  { { "--kfold", "100000", "--data", "spirals:n=16" }, "train", "--kfold", "at most 13" },
  { { "--kfold", "4", "--validation-split", "0.2" }, "train", "--validation-split", "--kfold" },
  { { "--seed", "-5" }, "train", "--seed", "from 0 to" },
  { { "--seed", "1e3" }, "train", "--seed", NULL },
  { { "--seed", "99999999999999999999" }, "train", "--seed", NULL },
  { { "--data", "" }, "train", "--data", NULL },
  { { "--save", "" }, "train", "--save", NULL },
  { { "--count", "5" }, "train", "--count", "not an option of “train”" },
  { { "--bogus" }, "train", "--bogus", NULL },
  { { "--epochs" }, "train", "--epochs", NULL },   /* missing value: the last argument */
  { { "--count", "-1" }, "predict", "--count", "from 1 to" },
  { { "--count", "0" }, "predict", "--count", NULL },
  { { "--count", "10abc" }, "predict", "--count", NULL },
  { { "--batch", "0" }, "evaluate", "--batch", NULL },
  { { "--epochs", "3" }, "evaluate", "--epochs", "not an option of “evaluate”" },
  { { "--save", "@OUT" }, "predict", "--save", "not an option" },
  { { "--json" }, "summary", "--json", NULL },
  { { "--epochs", "3" }, "layers", "--epochs", NULL },
};

static void
test_bad_options (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-bad-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "out.json", NULL);
  for (guint k = 0; k < G_N_ELEMENTS (bad_lines); k++)
    {
      const BadLine *b = &bad_lines[k];
      const char *args[16];
      int n = 0;
      gboolean save_given = FALSE;
      args[n++] = b->command;
      if (!g_str_equal (b->command, "layers"))
        args[n++] = test_sample ("spirals_mlp.json");
      for (int a = 0; b->args[a]; a++)
        {
          save_given |= g_strcmp0 (b->args[a], "--save") == 0;
          args[n++] = g_str_equal (b->args[a], "@OUT") ? saved : b->args[a];
        }
      /* A run that went ahead would write out.json; options go before a
       * missing value so that it stays the last argument. */
      if (g_str_equal (b->command, "train") && !save_given)
        {
          memmove (args + 4, args + 2, sizeof (char *) * (size_t) (n - 2));
          args[2] = "--save";
          args[3] = saved;
          n += 2;
        }
      args[n] = NULL;
      g_autofree char *line = g_strjoinv (" ", (char **) args);
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_autofree char *first = g_strndup (err, strcspn (err, "\n"));
      g_test_message ("%s → %d: %s", line, rc, first);
      g_assert_cmpint (rc, ==, 2);
      g_assert_nonnull (strstr (err, b->names));
      if (b->also)
        g_assert_nonnull (strstr (err, b->also));
      g_assert_cmpstr (out, ==, "");
      /* The message and a one-line pointer to --help: not buried under the
       * whole usage text. */
      int lines = 0;
      for (const char *c = err; *c; c++)
        lines += *c == '\n';
      g_assert_cmpint (lines, <=, 2);
      g_assert_false (g_file_test (saved, G_FILE_TEST_EXISTS));
    }
  g_test_message ("%u bad command lines refused", (guint) G_N_ELEMENTS (bad_lines));
  g_rmdir (dir);
}

/* Input(8) -> Dense(1), MSE, Adam, on regression:n=200, saved in dir. */
static char *
linear_regression_file (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("linear");
  int in = nn_model_add_layer (m, "Input", NULL, &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "8", &error));
  int d = nn_model_add_layer (m, "Dense", NULL, &error);
  g_assert_true (nn_model_layer_set_param (m, d, "units", "1", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, d, 0, &error));
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_MSE, 1, NULL, 0);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  nn_model_set_dataset (m, "regression:n=200");
  char *path = g_build_filename (dir, "linear.json", NULL);
  g_assert_true (nn_model_save (m, path, FALSE, &error));
  g_assert_no_error (error);
  return path;
}

/* --lr 1e9 keeps the loss finite but huge: stderr says it diverges; at
 * 0.001 it does not. */
static void
test_divergence_warning (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-div-XXXXXX", NULL);
  g_autofree char *model = linear_regression_file (dir);
  const char *lrs[2] = { "1e9", "0.001" };
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { "train", model, "--epochs", "3", "--lr", lrs[k], NULL };
      g_assert_cmpint (run (args, &out, &err), ==, 0);
      const char *warning = strstr (err, "The loss");
      g_test_message ("--lr %s: %.*s", lrs[k], warning ? (int) strcspn (warning, "\n") : 1,
                      warning ? warning : "-");
      if (k == 0)
        {
          g_assert_nonnull (strstr (err, "The loss is diverging"));
          g_assert_nonnull (strstr (err, "learning rate (1e+09)"));
        }
      else
        g_assert_null (strstr (err, "diverging"));
    }
  g_unlink (model);
  g_rmdir (dir);
}

/* Starts the CLI with stderr on a pipe (stdout to /dev/null). */
static GPid
spawn_cli (const char *const *args, FILE **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli ());
  for (int k = 0; args[k]; k++)
    g_ptr_array_add (argv, (char *) args[k]);
  g_ptr_array_add (argv, NULL);
  GPid pid;
  int fd = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, NULL, &fd, &error));
  g_assert_no_error (error);
  *err = fdopen (fd, "r");
  g_assert_nonnull (*err);
  return pid;
}

/* Reads stderr lines until one starts with prefix; FALSE at the end. */
static gboolean
read_until (FILE *f, const char *prefix, GString *all)
{
  char line[4096];
  while (fgets (line, sizeof line, f))
    {
      g_string_append (all, line);
      if (g_str_has_prefix (line, prefix))
        return TRUE;
    }
  return FALSE;
}

/* Ctrl-C at any moment of a K-fold run (before the first batch, in fold 1,
 * during fold 2): the CLI ends with the model it has, evaluated and saved,
 * or with an error in words; never with a crash or a critical warning
 * (G_DEBUG=fatal-warnings turns those into an abort). */
static void
test_interrupt_kfold (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-int-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "out.json", NULL);
  int saved_ok = 0, errors = 0;
  for (int k = 0; k < 12; k++)
    {
      const char *args[] = { "train", test_sample ("regression_kfold.json"), "--data",
                             "regression:n=200", "--epochs", "1000", "--save", saved, NULL };
      FILE *err = NULL;
      g_autoptr (GString) all = g_string_new (NULL);
      GPid pid = spawn_cli (args, &err);
      /* The SIGINT handler is in place once this line is out. */
      g_assert_true (read_until (err, "Training ", all));
      switch (k % 4)
        {
        case 0:
          break;
        case 1:
          g_usleep (5000);
          break;
        case 2:
          g_assert_true (read_until (err, "fold 1 epoch 2", all));
          break;
        default:
          g_assert_true (read_until (err, "fold 1:", all));
          break;
        }
      kill (pid, SIGINT);
      read_until (err, "\x01", all);
      fclose (err);
      int status = 0;
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      g_test_message ("stop %d: %s", k, WIFEXITED (status) ? "exited" : "killed by a signal");
      g_assert_true (WIFEXITED (status));
      if (WEXITSTATUS (status) == 0)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (NnModel) m = nn_model_load (saved, &error);
          g_assert_no_error (error);
          g_assert_true (nn_model_has_weights (m));
          g_assert_nonnull (strstr (all->str, "Saved "));
          g_unlink (saved);
          saved_ok++;
        }
      else
        {
          g_assert_cmpint (WEXITSTATUS (status), ==, 1);
          g_assert_nonnull (strstr (all->str, "deepscope-cli: "));
          errors++;
        }
    }
  g_test_message ("12 interrupted K-fold runs: %d saved a model that loads, %d errors",
                  saved_ok, errors);
  g_assert_cmpint (saved_ok + errors, ==, 12);
  g_rmdir (dir);
}

/* A folder of 28x28 gray PNGs, two classes of three images each. */
static void
write_png_folder (const char *dir)
{
  guint8 pixels[28 * 28];
  for (int c = 0; c < 2; c++)
    {
      g_autofree char *sub = g_strdup_printf ("%s/class%d", dir, c);
      g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
      for (int k = 0; k < 3; k++)
        {
          for (int i = 0; i < 28 * 28; i++)
            pixels[i] = (guint8) ((i * (c + 3) + 17 * k) % 251);
          g_autofree char *path = g_strdup_printf ("%s/%d.png", sub, k);
          g_autoptr (GError) error = NULL;
          g_assert_true (nn_png_write (path, pixels, 28, 28, 1, &error));
          g_assert_no_error (error);
        }
    }
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* A Conv2D with softmax and no Flatten as the output (batch, 26, 26, 10):
 * sparse categorical cross-entropy would read 676 labels per sample from
 * a target of one. Training exits 1 with the message on the output layer
 * instead of a loss computed from memory past the labels. */
static void
test_train_refuses_pixel_softmax (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *path = g_build_filename (dir, "pixels.json", NULL);
  write_png_folder (images);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("pixels");
  int in = nn_model_add_layer (m, "Input", NULL, &error);
  int conv = nn_model_add_layer (m, "Conv2D", "conv2d_2", &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (m, conv, "filters", "10", &error));
  g_assert_true (nn_model_layer_set_param (m, conv, "activation", "softmax", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, conv, -1, &error));
  g_assert_true (nn_model_save (m, path, FALSE, &error));
  g_assert_no_error (error);

  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", path, "--data", images, "--epochs", "1", "--batch", "2",
                         "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 1);
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, "conv2d_2: sparse categorical cross-entropy needs an output of "
                                 "shape (batch, classes) but this output is (batch, 26, 26, 10); "
                                 "add Flatten and Dense before it, or GlobalAveragePooling2D"));
  g_assert_null (strstr (out, "loss"));
  remove_tree (dir);
}

static void
test_slow_fashion_mlp (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("fashion_mlp.json"), "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 3);
  for (guint e = 0; e < 2; e++)
    g_test_message ("epoch %u: %.0f samples/s, loss %.4f, accuracy %.4f, val_accuracy %.4f", e + 1,
                    json_object_get_double_member (obj (lines, e), "samples_per_s"),
                    json_object_get_double_member (obj (lines, e), "loss"),
                    json_object_get_double_member (obj (lines, e), "accuracy"),
                    json_object_get_double_member (obj (lines, e), "val_accuracy"));
  double acc = json_object_get_double_member (obj (lines, 2), "test_accuracy");
  g_test_message ("Fashion-MNIST MLP test accuracy after 2 epochs: %.4f", acc);
  g_assert_cmpfloat (acc, >=, 0.85);
}


/* Issue 18, item 13: --help names the commands and the dataset syntax. */
static void
test_help_lists_commands (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--help", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  const char *want[] = { "Commands:", "train MODEL.json", "evaluate MODEL.json",
                         "predict MODEL.json", "summary MODEL.json", "layers",
                         "Datasets (--data, or the model's own):", "fashion-mnist[:classes=",
                         "spirals|moons|circles|xor|blobs[:n=N]", "PATH.csv[:target=COL]",
                         ":normalize=meanstd|minmax|none", "--save" };
  for (guint k = 0; k < G_N_ELEMENTS (want); k++)
    if (!strstr (out, want[k]))
      g_error ("--help lacks “%s”:\n%s", want[k], out);

  /* No command: the same on stderr, exit 2. */
  g_autofree char *out2 = NULL, *err2 = NULL;
  const char *none[] = { NULL };
  g_assert_cmpint (run (none, &out2, &err2), ==, 2);
  g_assert_nonnull (strstr (err2, "Commands:"));
  g_assert_nonnull (strstr (err2, "spirals|moons|circles|xor|blobs"));
}

/* predict shows the true label beside the prediction, and its JSON has
 * the argmax and the class name (the dataset's names, else numbers). */
static void
test_predict_labels (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "pets.csv", NULL);
  g_autofree char *saved = g_build_filename (dir, "pets-model.json", NULL);
  g_autoptr (GString) rows = g_string_new ("weight,ears,kind\n");
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 60; i++)
    g_string_append_printf (rows, "%d,%d,%s\n", i % 2 ? 4 + i % 3 : 20 + i % 5, i % 2,
                            i % 2 ? "cat" : "dog");
  g_assert_true (g_file_set_contents (csv, rows->str, -1, &error));
  g_autofree char *spec = g_strdup_printf ("%s:target=kind", csv);

  /* A model for two features and two classes, trained on the CSV. */
  g_autoptr (NnModel) m = nn_model_load (test_sample ("spirals_mlp.json"), &error);
  g_assert_no_error (error);
  nn_model_set_dataset (m, spec);
  g_assert_true (nn_model_save (m, saved, FALSE, &error));
  g_autofree char *o1 = NULL, *e1 = NULL;
  const char *targs[] = { "train", saved, "--epochs", "3", "--quiet", "--save", saved, NULL };
  g_assert_cmpint (run (targs, &o1, &e1), ==, 0);

  g_autofree char *out = NULL, *err = NULL;
  const char *pargs[] = { "predict", saved, "--count", "4", "--json", NULL };
  g_assert_cmpint (run (pargs, &out, &err), ==, 0);
  g_autoptr (GPtrArray) p = json_lines (out);
  g_assert_cmpuint (p->len, ==, 4);
  for (guint i = 0; i < p->len; i++)
    {
      JsonObject *o = obj (p, i);
      JsonArray *pred = json_object_get_array_member (o, "prediction");
      gint64 argmax = json_object_get_int_member (o, "argmax");
      g_assert_cmpint (argmax, >=, 0);
      g_assert_cmpint (argmax, <, 2);
      double best = json_array_get_double_element (pred, (guint) argmax);
      for (guint j = 0; j < json_array_get_length (pred); j++)
        g_assert_cmpfloat (json_array_get_double_element (pred, j), <=, best);
      const char *cls = json_object_get_string_member (o, "class");
      const char *truth = json_object_get_string_member (o, "true_class");
      gint64 label = json_object_get_int_member (o, "label");
      g_assert_true (g_str_equal (cls, "cat") || g_str_equal (cls, "dog"));
      g_assert_true (g_str_equal (truth, "cat") || g_str_equal (truth, "dog"));
      g_assert_cmpint (label, >=, 0);
      g_assert_cmpint (label, <, 2);
    }
  g_autofree char *tout = NULL, *terr = NULL;
  const char *text[] = { "predict", saved, "--count", "2", NULL };
  g_assert_cmpint (run (text, &tout, &terr), ==, 0);
  g_assert_nonnull (strstr (tout, "true "));

  /* A generated set names its classes by number. */
  g_autofree char *sout = NULL, *serr = NULL;
  const char *sargs[] = { "predict", saved, "--data", "moons:n=100", "--count", "2", "--json", NULL };
  g_assert_cmpint (run (sargs, &sout, &serr), ==, 0);
  g_autoptr (GPtrArray) sp = json_lines (sout);
  const char *scls = json_object_get_string_member (obj (sp, 0), "class");
  g_assert_true (g_str_equal (scls, "class 0") || g_str_equal (scls, "class 1"));
  g_unlink (saved);
  g_unlink (csv);
  g_rmdir (dir);
}

/* train --save appends its run to the runs in the file: per-epoch and
 * per-batch curves, settings and dataset; a model that names no dataset
 * saves the one given with --data. */
static void
test_train_appends_run (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *start = g_build_filename (dir, "start.json", NULL);
  g_autofree char *one = g_build_filename (dir, "one.json", NULL);
  g_autofree char *two = g_build_filename (dir, "two.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL;

  g_autoptr (NnModel) m = nn_model_load (test_sample ("spirals_mlp.json"), &error);
  g_assert_no_error (error);
  nn_model_set_dataset (m, NULL);
  g_assert_true (nn_model_save (m, start, FALSE, &error));

  g_autofree char *o1 = NULL, *e1 = NULL;
  const char *a1[] = { "train", start, "--data", "moons:n=400", "--epochs", "3", "--batch", "20",
                       "--seed", "5", "--lr", "0.02", "--quiet", "--save", one, NULL };
  g_assert_cmpint (run (a1, &o1, &e1), ==, 0);
  g_autoptr (NnModel) m1 = nn_model_load_with_runs (one, &runs, &error);
  g_assert_no_error (error);
  /* Printed before: (NULL == "moons:n=400"). */
  g_assert_cmpstr (nn_model_get_dataset (m1), ==, "moons:n=400");
  g_assert_cmpuint (runs->len, ==, 1);
  NnRunRecord *r = runs->pdata[0];
  g_assert_cmpstr (r->name, ==, "Run 1");
  g_assert_cmpstr (r->origin, ==, "deepscope-cli");
  g_assert_nonnull (r->started);
  g_assert_cmpstr (r->end_text, ==, "Finished");
  g_assert_cmpstr (r->dataset, ==, "moons:n=400");
  g_assert_cmpint (r->epochs, ==, 3);
  g_assert_cmpint (r->epochs_done, ==, 3);
  g_assert_cmpint (r->batch_size, ==, 20);
  g_assert_cmpuint (r->seed, ==, 5);
  g_assert_cmpfloat (r->optimizer.learning_rate, ==, 0.02);
  g_assert_cmpuint (nn_run_record_get_series (r, "loss")->x->len, ==, 3);
  g_assert_cmpfloat (g_array_index (nn_run_record_get_series (r, "loss")->x, double, 2), ==, 3.0);
  g_assert_nonnull (nn_run_record_get_series (r, "val_loss"));
  /* The trainer reports batches at most every few milliseconds: at least one per epoch. */
  g_assert_cmpuint (nn_run_record_get_series (r, "batch/loss")->x->len, >=, 3);

  g_autofree char *o2 = NULL, *e2 = NULL;
  const char *a2[] = { "train", one, "--epochs", "2", "--quiet", "--save", two, NULL };
  g_assert_cmpint (run (a2, &o2, &e2), ==, 0);
  g_clear_pointer (&runs, g_ptr_array_unref);
  g_autoptr (NnModel) m2 = nn_model_load_with_runs (two, &runs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpstr (((NnRunRecord *) runs->pdata[0])->name, ==, "Run 1");
  g_assert_cmpstr (((NnRunRecord *) runs->pdata[1])->name, ==, "Run 2");
  g_assert_cmpuint (((NnRunRecord *) runs->pdata[1])->color, ==, 1);
  g_assert_cmpint (((NnRunRecord *) runs->pdata[1])->epochs_done, ==, 2);
  g_unlink (start);
  g_unlink (one);
  g_unlink (two);
  g_rmdir (dir);
}

/* ---- inspect ------------------------------------------------------------------ */

/* fashion_small (conv1 32, pool1, conv2 64, pool2, flatten, classes 10)
 * trained for one epoch on 500 Fashion-MNIST images, saved once for every
 * inspect test; removed at the end of main. */
static char *inspect_dir, *inspect_model;

static const char *
trained_convnet (void)
{
  if (inspect_model)
    return inspect_model;
  inspect_dir = g_dir_make_tmp ("deepscope-cli-inspect-XXXXXX", NULL);
  inspect_model = g_build_filename (inspect_dir, "small.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("fashion_small.json"), "--data",
                         "fashion-mnist:limit=500", "--epochs", "1", "--batch", "32",
                         "--validation-split", "0", "--quiet", "--save", inspect_model, NULL };
  int rc = run (args, &out, &err);
  if (rc != 0)
    g_error ("training the inspect fixture failed (%d): %s", rc, err);
  return inspect_model;
}

/* Runs a command that must succeed and print one JSON object. */
static JsonNode *
inspect_json (const char *const *args, char **err_out)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  if (rc != 0)
    g_error ("%s %s exited %d: %s", args[0], args[2], rc, err);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 1);
  if (err_out)
    *err_out = g_steal_pointer (&err);
  return json_node_ref (lines->pdata[0]);
}

static void
assert_shape (JsonObject *o, const char *key, int n, const int *want)
{
  JsonArray *a = json_object_get_array_member (o, key);
  g_assert_nonnull (a);
  g_assert_cmpuint (json_array_get_length (a), ==, (guint) n);
  for (int k = 0; k < n; k++)
    g_assert_cmpint (json_array_get_int_element (a, (guint) k), ==, want[k]);
}

/* A PNG the CLI wrote: its size and that it is RGB. */
static void
assert_png (const char *path, int width, int height)
{
  g_autoptr (GError) error = NULL;
  int w = 0, h = 0, c = 0;
  g_autofree guint8 *px = nn_png_read (path, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %dx%d, %d channels", path, w, h, c);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
  /* not one flat colour */
  gboolean varies = FALSE;
  for (int i = 3; i < w * h * 3 && !varies; i++)
    varies = px[i] != px[i % 3];
  g_assert_true (varies);
}

/* Every layer's figures, the prediction (the same as predict's), dead
 * fractions of the ReLU layers, and a PNG grid of conv1's 32 channels. */
static void
test_inspect_activations (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "act.png", NULL);
  const char *args[] = { "inspect", model, "activations", "--index", "3", "--out", png,
                         "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  JsonObject *input = json_object_get_object_member (o, "input");
  g_assert_cmpint (json_object_get_int_member (input, "index"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (input, "split"), ==, "test");
  gint64 label = json_object_get_int_member (input, "label");

  const char *paths[] = { "image", "conv1", "pool1", "conv2", "pool2", "flatten", "classes" };
  const int shapes[][3] = { { 28, 28, 1 }, { 26, 26, 32 }, { 13, 13, 32 }, { 11, 11, 64 },
                            { 5, 5, 64 }, { 1600 }, { 10 } };
  const int ndims[] = { 3, 3, 3, 3, 3, 1, 1 };
  JsonArray *layers = json_object_get_array_member (o, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, G_N_ELEMENTS (paths));
  for (guint k = 0; k < G_N_ELEMENTS (paths); k++)
    {
      JsonObject *l = json_array_get_object_element (layers, k);
      g_assert_cmpstr (json_object_get_string_member (l, "path"), ==, paths[k]);
      assert_shape (l, "shape", ndims[k], shapes[k]);
      double lo = json_object_get_double_member (l, "min");
      double hi = json_object_get_double_member (l, "max");
      double mean = json_object_get_double_member (l, "mean");
      g_assert_cmpfloat (lo, <=, mean);
      g_assert_cmpfloat (mean, <=, hi);
      JsonNode *dead = json_object_get_member (l, "dead_fraction");
      g_autofree char *dead_text = json_to_string (dead, FALSE);
      g_test_message ("%-8s min %8.4f max %8.4f mean %8.4f dead %s", paths[k], lo, hi, mean,
                      dead_text);
      /* conv1 and conv2 end in a ReLU: counted; the rest are not */
      if (k == 1 || k == 3)
        {
          g_assert_cmpfloat (lo, >=, 0);
          double f = json_node_get_double (dead);
          g_assert_cmpfloat (f, >=, 0);
          g_assert_cmpfloat (f, <=, 1);
        }
      else if (k == 0 || k == 6)
        g_assert_true (JSON_NODE_HOLDS_NULL (dead));
    }
  g_assert_cmpint (json_object_get_int_member (o, "dead_samples"), ==, 256);

  /* the prediction is predict's for the same sample */
  JsonObject *pred = json_object_get_object_member (o, "prediction");
  JsonArray *probs = json_object_get_array_member (pred, "probabilities");
  g_assert_cmpuint (json_array_get_length (probs), ==, 10);
  g_autofree char *pout = NULL, *perr = NULL;
  const char *pargs[] = { "predict", model, "--count", "4", "--json", NULL };
  g_assert_cmpint (run (pargs, &pout, &perr), ==, 0);
  g_autoptr (GPtrArray) p = json_lines (pout);
  JsonObject *fourth = obj (p, 3);
  JsonArray *want = json_object_get_array_member (fourth, "prediction");
  double sum = 0;
  for (guint k = 0; k < 10; k++)
    {
      double v = json_array_get_double_element (probs, k);
      sum += v;
      g_assert_cmpfloat_with_epsilon (v, json_array_get_double_element (want, k), 1e-5);
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  g_assert_cmpint (json_object_get_int_member (pred, "class"), ==,
                   json_object_get_int_member (fourth, "argmax"));
  g_assert_cmpint (label, ==, json_object_get_int_member (fourth, "label"));
  g_assert_cmpstr (json_object_get_string_member (o, "out_layer"), ==, "conv1");
  /* 32 channels of 26x26, enlarged twice, in a 6x6 grid with 2-pixel gaps */
  assert_png (png, 6 * 52 + 7 * 2, 6 * 52 + 7 * 2);

  /* text: one line per layer; --layer keeps one */
  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "activations", "--layer", "conv2", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Prediction: "));
  g_assert_nonnull (strstr (out, "conv2 "));
  g_assert_null (strstr (out, "conv1 "));
}

/* Every filter of conv1 (the default layer) gains; the PNG grid holds 32
 * patterns of 28x28. */
static void
test_inspect_filters (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "filters.png", NULL);
  const char *args[] = { "inspect", model, "filters", "--out", png, "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "conv1");
  g_assert_cmpint (json_object_get_int_member (o, "filters"), ==, 32);
  g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 40);
  JsonArray *gains = json_object_get_array_member (o, "gains");
  g_assert_cmpuint (json_array_get_length (gains), ==, 32);
  double lowest = INFINITY;
  for (guint k = 0; k < 32; k++)
    lowest = MIN (lowest, json_array_get_double_element (gains, k));
  g_test_message ("conv1: lowest gain %.3g", lowest);
  /* the ascent raises every filter's mean activation */
  g_assert_cmpfloat (lowest, >, 1);
  /* 32 tiles of 28x28, enlarged twice, in a 6x6 grid */
  assert_png (png, 6 * 56 + 7 * 2, 6 * 56 + 7 * 2);

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "filters", "--layer", "conv2", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "conv2 (Conv2D, output 64 channels)"));
  g_assert_nonnull (strstr (out, "median gain"));
}

typedef enum {
  MAP_RAW,        /* occlusion's drops */
  MAP_UNIT,       /* in [0, 1], the maximum 1 or all zero (no evidence for the class) */
  MAP_PEAK,       /* in [0, 1], the maximum 1 */
} MapRange;

/* A heat map's JSON: the shape, values row-major in range, the class
 * explained and its probability. */
static JsonObject *
check_map (JsonNode *root, const char *method, int h, int w, MapRange range)
{
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, method);
  const int shape[2] = { h, w };
  assert_shape (o, "shape", 2, shape);
  JsonArray *v = json_object_get_array_member (o, "values");
  g_assert_cmpuint (json_array_get_length (v), ==, (guint) (h * w));
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = 0; i < json_array_get_length (v); i++)
    {
      double x = json_array_get_double_element (v, i);
      lo = MIN (lo, x);
      hi = MAX (hi, x);
    }
  g_test_message ("%s: %dx%d, values %.4g to %.9g, class %s at %.4f", method, h, w, lo, hi,
                  json_object_get_string_member (o, "class_name"),
                  json_object_get_double_member (o, "probability"));
  if (range != MAP_RAW)
    {
      g_assert_cmpfloat (lo, >=, 0);
      /* the engine divides by the maximum, or multiplies by its reciprocal */
      g_assert_cmpfloat (hi, <=, 1);
      g_assert_true (fabs (hi - 1) < 1e-6 || (hi == 0 && range == MAP_UNIT));
    }
  g_assert_cmpfloat (json_object_get_double_member (o, "min"), ==, lo);
  g_assert_cmpfloat (json_object_get_double_member (o, "max"), ==, hi);
  double p = json_object_get_double_member (o, "probability");
  g_assert_cmpfloat (p, >, 0);
  g_assert_cmpfloat (p, <=, 1);
  gint64 cls = json_object_get_int_member (o, "class");
  g_assert_cmpint (cls, >=, 0);
  g_assert_cmpint (cls, <, 10);
  return o;
}

/* Grad-CAM at the default layer (pool2, the last image-like one, 5x5) for
 * the predicted class, at conv1 (26x26) for a class given by number and by
 * name, and over the input as a PNG. */
static void
test_inspect_gradcam (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "cam.png", NULL);
  const char *args[] = { "inspect", model, "gradcam", "--index", "7", "--out", png, "--json",
                         NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  /* Grad-CAM may be all zero even for the predicted class: with a Flatten
   * head, the weighted sum of the channels can be negative everywhere
   * (checked in numpy on such a model), so the peak is asked of at least
   * one of the maps below, not of each */
  JsonObject *o = check_map (root, "gradcam", 5, 5, MAP_UNIT);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "pool2");
  g_assert_cmpint (json_object_get_int_member (o, "class"), ==,
                   json_object_get_int_member (o, "predicted"));
  g_assert_cmpfloat (json_object_get_double_member (o, "probability"), ==,
                     json_object_get_double_member (o, "predicted_probability"));
  /* 28x28 enlarged 8 times */
  assert_png (png, 224, 224);

  const char *a2[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1",
                       "--class", "1", "--json", NULL };
  g_autoptr (JsonNode) r2 = inspect_json (a2, NULL);
  JsonObject *o2 = check_map (r2, "gradcam", 26, 26, MAP_UNIT);
  g_assert_cmpint (json_object_get_int_member (o2, "class"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o2, "class_name"), ==, "Trouser");

  /* the predicted class at conv1: some evidence for it somewhere */
  const char *a4[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1", "--json",
                       NULL };
  g_autoptr (JsonNode) r4 = inspect_json (a4, NULL);
  JsonObject *o4 = check_map (r4, "gradcam", 26, 26, MAP_UNIT);
  g_assert_cmpfloat (json_object_get_double_member (o, "max")
                     + json_object_get_double_member (o4, "max"), >, 0.99);

  const char *a3[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1",
                       "--class", "trouser", "--json", NULL };
  g_autoptr (JsonNode) r3 = inspect_json (a3, NULL);
  JsonObject *o3 = json_node_get_object (r3);
  g_assert_cmpint (json_object_get_int_member (o3, "class"), ==, 1);
  /* the same map whichever way the class was named */
  g_autofree char *v2 = json_to_string (json_object_get_member (o2, "values"), FALSE);
  g_autofree char *v3 = json_to_string (json_object_get_member (o3, "values"), FALSE);
  g_assert_cmpstr (v2, ==, v3);

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "gradcam", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Grad-CAM for "));
  g_assert_nonnull (strstr (out, " at pool2: 5x5"));
}

/* Saliency at the input's resolution, in [0, 1]. */
static void
test_inspect_saliency (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "saliency.png", NULL);
  const char *args[] = { "inspect", model, "saliency", "--index", "2", "--class", "9",
                         "--out", png, "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = check_map (root, "saliency", 28, 28, MAP_PEAK);
  g_assert_cmpint (json_object_get_int_member (o, "class"), ==, 9);
  g_assert_false (json_object_has_member (o, "layer"));
  assert_png (png, 224, 224);
}

/* Occlusion of a PNG given with --image: 56x56 colour, converted to the
 * model's 28x28 gray and said so; raw drops at the input's resolution. */
static void
test_inspect_occlusion_image (void)
{
  const char *model = trained_convnet ();
  g_autofree char *image = g_build_filename (inspect_dir, "boot.png", NULL);
  g_autofree guint8 *px = g_malloc (56 * 56 * 3);
  for (int y = 0; y < 56; y++)
    for (int x = 0; x < 56; x++)
      {
        gboolean in = y > 30 && y < 50 && x > 6 && x < 50;
        px[(y * 56 + x) * 3] = in ? 220 : 0;
        px[(y * 56 + x) * 3 + 1] = in ? 200 : 0;
        px[(y * 56 + x) * 3 + 2] = in ? 90 : 10;
      }
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (image, px, 56, 56, 3, &error));
  g_assert_no_error (error);
  g_autofree char *png = g_build_filename (inspect_dir, "occlusion.png", NULL);
  const char *args[] = { "inspect", model, "occlusion", "--image", image, "--out", png,
                         "--json", NULL };
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) root = inspect_json (args, &err);
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, "56x56 colour, converted from colour to gray (luma), "
                                 "resized from 56x56 to 28x28"));
  JsonObject *o = check_map (root, "occlusion", 28, 28, MAP_RAW);
  JsonObject *input = json_object_get_object_member (o, "input");
  g_assert_cmpstr (json_object_get_string_member (input, "image"), ==, image);
  g_assert_false (json_object_has_member (input, "label"));
  /* drops of a probability: within [-1, 1], some of them not zero */
  g_assert_cmpfloat (json_object_get_double_member (o, "min"), >=, -1);
  g_assert_cmpfloat (json_object_get_double_member (o, "max"), <=, 1);
  g_assert_cmpfloat (json_object_get_double_member (o, "max")
                     - json_object_get_double_member (o, "min"), >, 0);
  assert_png (png, 224, 224);
}

/* The confusion matrix sums to the test split, its diagonal share is
 * evaluate's accuracy, and the most confidently wrong are wrong, most
 * confident first. */
static void
test_inspect_confusion (void)
{
  const char *model = trained_convnet ();
  const char *args[] = { "inspect", model, "confusion", "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  gint64 n = json_object_get_int_member (o, "samples");
  g_assert_cmpint (n, ==, 10000);
  g_assert_cmpint (json_object_get_int_member (o, "n_classes"), ==, 10);
  JsonArray *names = json_object_get_array_member (o, "classes");
  g_assert_cmpstr (json_array_get_string_element (names, 9), ==, "Ankle boot");
  JsonArray *counts = json_object_get_array_member (o, "counts");
  g_assert_cmpuint (json_array_get_length (counts), ==, 10);
  gint64 total = 0, diagonal = 0;
  for (guint i = 0; i < 10; i++)
    {
      JsonArray *row = json_array_get_array_element (counts, i);
      g_assert_cmpuint (json_array_get_length (row), ==, 10);
      for (guint j = 0; j < 10; j++)
        {
          gint64 v = json_array_get_int_element (row, j);
          g_assert_cmpint (v, >=, 0);
          total += v;
          diagonal += i == j ? v : 0;
        }
    }
  g_assert_cmpint (total, ==, n);
  double acc = json_object_get_double_member (o, "accuracy");
  g_assert_cmpfloat_with_epsilon (acc, (double) diagonal / n, 1e-6);
  for (guint i = 0; i < 10; i++)
    {
      JsonNode *pn = json_array_get_element (json_object_get_array_member (o, "precision"), i);
      JsonNode *rn = json_array_get_element (json_object_get_array_member (o, "recall"), i);
      g_assert_false (JSON_NODE_HOLDS_NULL (rn));   /* every class has test samples */
      g_assert_cmpfloat (json_node_get_double (rn), >=, 0);
      g_assert_cmpfloat (json_node_get_double (rn), <=, 1);
      if (!JSON_NODE_HOLDS_NULL (pn))
        {
          g_assert_cmpfloat (json_node_get_double (pn), >=, 0);
          g_assert_cmpfloat (json_node_get_double (pn), <=, 1);
        }
    }
  g_autofree char *eout = NULL, *eerr = NULL;
  const char *eargs[] = { "evaluate", model, "--json", NULL };
  g_assert_cmpint (run (eargs, &eout, &eerr), ==, 0);
  g_autoptr (GPtrArray) e = json_lines (eout);
  double eacc = json_object_get_double_member (obj (e, 0), "test_accuracy");
  g_test_message ("confusion accuracy %.4f, evaluate %.4f", acc, eacc);
  g_assert_cmpfloat_with_epsilon (acc, eacc, 1e-4);

  JsonArray *wrong = json_object_get_array_member (o, "most_wrong");
  g_assert_cmpuint (json_array_get_length (wrong), ==, 10);
  double last = INFINITY;
  for (guint k = 0; k < 10; k++)
    {
      JsonObject *w = json_array_get_object_element (wrong, k);
      double conf = json_object_get_double_member (w, "confidence");
      g_assert_cmpint (json_object_get_int_member (w, "true"), !=,
                       json_object_get_int_member (w, "predicted"));
      g_assert_cmpfloat (conf, <=, last);
      last = conf;
    }
  /* the first one, inspected by its --index, is predicted as listed */
  JsonObject *w0 = json_array_get_object_element (wrong, 0);
  g_autofree char *idx = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (w0, "test_index"));
  const char *aargs[] = { "inspect", model, "activations", "--index", idx, "--json", NULL };
  g_autoptr (JsonNode) a = inspect_json (aargs, NULL);
  JsonObject *ao = json_node_get_object (a);
  JsonObject *pred = json_object_get_object_member (ao, "prediction");
  g_assert_cmpint (json_object_get_int_member (pred, "class"), ==,
                   json_object_get_int_member (w0, "predicted"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (ao, "input"),
                                               "label"), ==,
                   json_object_get_int_member (w0, "true"));

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "confusion", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Ankle boot"));
  g_assert_nonnull (strstr (out, "precision"));
  g_assert_nonnull (strstr (out, "accuracy "));
}

/* What inspect refuses: with exit 2 a command line it cannot run, with
 * exit 1 what the model or the data rule out; always a message naming the
 * valid choices, and nothing on stdout. */
typedef struct {
  const char *args[8];   /* after "inspect"; "@M": the trained model, "@U": untrained,
                            "@S": a trained MLP on spirals */
  int         rc;
  const char *names;
  const char *also;
} BadInspect;

static const BadInspect bad_inspect[] = {
  { { "@U", "activations" }, 1, "has no weights", "train it first" },
  { { "@M", "heatmap" }, 2, "not “heatmap”", "activations, filters, gradcam" },
  { { "@M" }, 2, "inspect takes one model file and one of", NULL },
  { { "@M", "gradcam", "--layer", "nosuch" }, 1, "--layer nosuch", "conv1, pool1, conv2" },
  { { "@M", "gradcam", "--layer", "classes" }, 1, "not an image", "conv1, pool1, conv2, pool2" },
  { { "@M", "filters", "--layer", "flatten" }, 1, "not an image", NULL },
  { { "@M", "gradcam", "--class", "10" }, 1, "from 0 to 9", "Ankle boot" },
  { { "@M", "saliency", "--class", "Boot" }, 1, "--class", "“Boot”" },
  { { "@M", "activations", "--index", "10000" }, 1, "--index 10000", "0 to 9999" },
  { { "@M", "activations", "--index", "-1" }, 2, "--index", "from 0" },
  { { "@M", "activations", "--index", "x" }, 2, "--index", NULL },
  { { "@M", "gradcam", "--index", "1", "--image", "a.png" }, 2, "--index and --image", NULL },
  { { "@M", "filters", "--class", "1" }, 2, "--class", "not an option of “inspect filters”" },
  { { "@M", "filters", "--index", "1" }, 2, "--index", "not an option" },
  { { "@M", "confusion", "--out", "c.png" }, 2, "--out", "not an option" },
  { { "@M", "saliency", "--layer", "conv1" }, 2, "--layer", "not an option" },
  { { "@M", "gradcam", "--out", "cam.jpg" }, 2, "--out", ".png" },
  { { "@M", "gradcam", "--image", "/nonexistent/x.png" }, 1, "/nonexistent/x.png", NULL },
  { { "@M", "activations", "--count", "3" }, 2, "--count", "not an option of “inspect”" },
  { { "@S", "gradcam" }, 1, "no layer with an image-like output", "saliency" },
  { { "@S", "filters" }, 1, "no layer with an image-like output", NULL },
  { { "@S", "occlusion", "--image", "x.png" }, 1, "not an image of 1 (gray) or 3 (RGB)", NULL },
};

static void
test_inspect_errors (void)
{
  const char *model = trained_convnet ();
  g_autofree char *mlp = g_build_filename (inspect_dir, "spirals.json", NULL);
  g_autofree char *o1 = NULL, *e1 = NULL;
  const char *targs[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "1", "--quiet",
                          "--save", mlp, NULL };
  g_assert_cmpint (run (targs, &o1, &e1), ==, 0);
  g_autofree char *untrained = g_strdup (test_sample ("fashion_small.json"));
  for (guint k = 0; k < G_N_ELEMENTS (bad_inspect); k++)
    {
      const BadInspect *b = &bad_inspect[k];
      const char *args[12];
      int n = 0;
      args[n++] = "inspect";
      for (int a = 0; b->args[a]; a++)
        args[n++] = g_str_equal (b->args[a], "@M") ? model
                    : g_str_equal (b->args[a], "@U") ? untrained
                    : g_str_equal (b->args[a], "@S") ? mlp : b->args[a];
      args[n] = NULL;
      g_autofree char *line = g_strjoinv (" ", (char **) args);
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_autofree char *first = g_strndup (err, strcspn (err, "\n"));
      g_test_message ("%s → %d: %s", line, rc, first);
      g_assert_cmpint (rc, ==, b->rc);
      g_assert_nonnull (strstr (err, b->names));
      if (b->also)
        g_assert_nonnull (strstr (err, b->also));
      g_assert_cmpstr (out, ==, "");
    }
  g_unlink (mlp);
}

/* ---- dream ------------------------------------------------------------------- */

/* "octave K/N  WxH  S steps  loss A -> B" lines of stdout: their count,
 * and per octave its side and losses. */
static int
dream_octaves (const char *out, int *w, int *h, double *start, double *end, int max)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  int n = 0;
  for (int i = 0; lines[i]; i++)
    {
      int k, of, steps;
      if (n < max
          && sscanf (lines[i], "octave %d/%d %dx%d %d steps loss %lf -> %lf", &k, &of, &w[n],
                     &h[n], &steps, &start[n], &end[n]) == 7)
        n++;
    }
  return n;
}

/* A 64 x 48 gray PNG of soft stripes, dreamed at its own size with two
 * octaves on fashion_small's conv2; then test sample 2 upscaled to 256 x
 * 256 (as the Generate view does) with the default layers (conv1 and conv2). */
static void
test_dream (void)
{
  const char *model = trained_convnet ();
  g_autofree char *in = g_build_filename (inspect_dir, "stripes.png", NULL);
  g_autofree char *png = g_build_filename (inspect_dir, "dream.png", NULL);
  guint8 px[48 * 64];
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++)
      px[y * 64 + x] = (guint8) (128 + 90 * sin (0.25 * x + 0.1 * y));
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (in, px, 64, 48, 1, &error));
  g_assert_no_error (error);
  const char *args[] = { "dream", model, "--image", in, "--out", png, "--layers", "conv2:1.5",
                         "--octaves", "2", "--octave-scale", "1.5", "--steps", "8", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  int w[4], h[4];
  double start[4], end[4];
  g_assert_cmpint (dream_octaves (out, w, h, start, end, 4), ==, 2);
  /* 64 / 1.5 = 42, 48 / 1.5 = 32; then the full size */
  g_assert_cmpint (w[0], ==, 42);
  g_assert_cmpint (h[0], ==, 32);
  g_assert_cmpint (w[1], ==, 64);
  g_assert_cmpint (h[1], ==, 48);
  for (int k = 0; k < 2; k++)
    g_assert_cmpfloat (end[k], >, start[k]);
  int pw = 0, ph = 0, pc = 0;
  g_autofree guint8 *dreamed = nn_png_read (png, 0, &pw, &ph, &pc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pw, ==, 64);
  g_assert_cmpint (ph, ==, 48);
  g_assert_cmpint (pc, ==, 1);
  /* The picture changed: the mean pixel difference from the stripes. */
  double diff = 0;
  for (int i = 0; i < 64 * 48; i++)
    diff += abs ((int) dreamed[i] - (int) px[i]);
  g_test_message ("mean change %.1f of 255", diff / (64 * 48));
  g_assert_cmpfloat (diff / (64 * 48), >, 2.0);

  const char *a2[] = { "dream", model, "--index", "2", "--out", png, "--steps", "3", "--quiet",
                       NULL };
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_cmpint (run (a2, &out2, &err2), ==, 0);
  g_assert_cmpint (dream_octaves (out2, w, h, start, end, 4), ==, 3);
  g_assert_cmpint (w[2], ==, 256);
  g_assert_cmpint (h[2], ==, 256);
  /* 256 / 1.4^2 = 130.6, 256 / 1.4 = 182.9 */
  g_assert_cmpint (w[0], ==, 130);
  g_assert_cmpint (w[1], ==, 182);
  g_autofree guint8 *big = nn_png_read (png, 0, &pw, &ph, &pc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pw, ==, 256);
  g_assert_cmpint (ph, ==, 256);
  g_unlink (in);
  g_unlink (png);
}

typedef struct {
  const char *args[10];
  int         rc;
  const char *names;
  const char *also;
} BadDream;

static const BadDream bad_dream[] = {
  { { "@U", "--out", "d.png" }, 1, "has no weights", "train it first" },
  { { "@M" }, 2, "--out OUT.png", NULL },
  { { "@M", "--out", "d.png", "--layers", "nosuch" }, 1, "no layer “nosuch”", "conv1, pool1" },
  { { "@M", "--out", "d.png", "--layers", "classes:1" }, 1, "“classes” (Dense", "conv2" },
  { { "@M", "--out", "d.png", "--layers", "conv1:x" }, 2, "--layers", "NAME:WEIGHT" },
  { { "@M", "--out", "d.png", "--octaves", "0" }, 2, "--octaves", "1 to 20" },
  { { "@M", "--out", "d.png", "--octave-scale", "0.5" }, 2, "--octave-scale", "1 to 4" },
  { { "@M", "--out", "d.png", "--steps", "-3" }, 2, "--steps", NULL },
  { { "@M", "--out", "d.png", "--step-size", "0" }, 2, "--step-size", "above 0" },
  { { "@M", "--out", "d.png", "--max-loss", "many" }, 2, "--max-loss", NULL },
  { { "@M", "--out", "d.png", "--image", "a.png", "--index", "1" }, 2, "--index and --image",
    NULL },
  { { "@M", "--out", "d.png", "--index", "10000" }, 1, "--index 10000", "0 to 9999" },
  { { "@M", "--out", "d.png", "--image", "@T" }, 1, "too small", "at least" },
  { { "@M", "--out", "d.png", "--class", "1" }, 2, "--class", "not an option of “dream”" },
  { { "@M", "extra", "--out", "d.png" }, 2, "dream takes one model file", NULL },
};

static void
test_dream_errors (void)
{
  const char *model = trained_convnet ();
  g_autofree char *tiny = g_build_filename (inspect_dir, "tiny.png", NULL);
  guint8 px[12 * 12] = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (tiny, px, 12, 12, 1, &error));
  g_autofree char *untrained = g_strdup (test_sample ("fashion_small.json"));
  for (guint k = 0; k < G_N_ELEMENTS (bad_dream); k++)
    {
      const BadDream *b = &bad_dream[k];
      const char *args[12];
      int n = 0;
      args[n++] = "dream";
      for (int a = 0; b->args[a]; a++)
        args[n++] = g_str_equal (b->args[a], "@M") ? model
                    : g_str_equal (b->args[a], "@U") ? untrained
                    : g_str_equal (b->args[a], "@T") ? tiny : b->args[a];
      args[n] = NULL;
      g_autofree char *line = g_strjoinv (" ", (char **) args);
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_test_message ("%s → %d: %s", line, rc, err);
      g_assert_cmpint (rc, ==, b->rc);
      g_assert_nonnull (strstr (err, b->names));
      if (b->also)
        g_assert_nonnull (strstr (err, b->also));
      g_assert_cmpstr (out, ==, "");
      g_assert_false (g_file_test ("d.png", G_FILE_TEST_EXISTS));
    }
  g_unlink (tiny);
}

/* ---- text: predict --text, embedding --import/--export ------------------ */

/* A folder of two classes of short reviews, and a model reading them:
 * Input (6 ids) → Embedding (V 20, 4) → GlobalAveragePooling1D → Dense 2. */
static char *
text_setup (char **model_path)
{
  char *dir = g_dir_make_tmp ("deepscope-cli-text-XXXXXX", NULL);
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/reviews/pos/%d.txt", dir, i);
      g_autofree char *n = g_strdup_printf ("%s/reviews/neg/%d.txt", dir, i);
      g_autofree char *pd = g_path_get_dirname (p);
      g_autofree char *nd = g_path_get_dirname (n);
      g_mkdir_with_parents (pd, 0755);
      g_mkdir_with_parents (nd, 0755);
      g_assert_true (g_file_set_contents (p, i % 2 ? "great film, loved it" : "good great fun", -1, NULL));
      g_assert_true (g_file_set_contents (n, i % 2 ? "awful film, hated it" : "bad dull awful", -1, NULL));
    }
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"reviews\","
    " \"dataset\": \"%s/reviews:length=6:vocab=20:test=0.2\","
    " \"training\": {\"epochs\": 30, \"batch_size\": 4, \"validation_split\": 0, \"seed\": 1},"
    " \"config\": {\"layers\": ["
    "  {\"class_name\": \"Input\", \"name\": \"ids\", \"config\": {\"shape\": [6]}, \"inbound_nodes\": []},"
    "  {\"class_name\": \"Embedding\", \"name\": \"emb\", \"config\": {\"input_dim\": 20,"
    "   \"output_dim\": 4, \"mask_zero\": true}, \"inbound_nodes\": [[[\"ids\", 0, 0]]]},"
    "  {\"class_name\": \"GlobalAveragePooling1D\", \"name\": \"pool\", \"config\": {},"
    "   \"inbound_nodes\": [[[\"emb\", 0, 0]]]},"
    "  {\"class_name\": \"Dense\", \"name\": \"out\", \"config\": {\"units\": 2,"
    "   \"activation\": \"softmax\"}, \"inbound_nodes\": [[[\"pool\", 0, 0]]]}],"
    "  \"input_layers\": [[\"ids\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]},"
    " \"compile\": {\"optimizer\": {\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.05}},"
    "  \"loss\": [\"sparse_categorical_crossentropy\"], \"metrics\": [[\"accuracy\"]]}}", dir);
  *model_path = g_build_filename (dir, "reviews.json", NULL);
  g_assert_true (g_file_set_contents (*model_path, json, -1, NULL));
  return dir;
}

static void
test_predict_text (void)
{
  g_autofree char *model = NULL;
  g_autofree char *dir = text_setup (&model);
  g_autofree char *trained = g_build_filename (dir, "trained.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "train", model, "--quiet", "--save", trained, NULL };
  int status = run (targs, &out, &err);
  if (status != 0)
    g_error ("train failed: %s", err);

  /* Raw text through the saved vocabulary: both classes by name, the
   * words it knows counted as tokens. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *pargs[] = { "predict", trained, "--text", "Loved it: a GREAT film!", NULL };
  g_assert_cmpint (run (pargs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_str_has_prefix (out, "5 tokens\n"));
  g_assert_nonnull (strstr (out, "pos "));
  g_assert_nonnull (strstr (out, "neg "));
  g_assert_true (strstr (out, "pos ") < strstr (out, "neg "));   /* the likelier first */

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *jargs[] = { "predict", trained, "--text", "bad, dull and awful", "--json", NULL };
  g_assert_cmpint (run (jargs, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 1);
  JsonObject *o = obj (lines, 0);
  g_assert_cmpint (json_object_get_int_member (o, "tokens"), ==, 4);
  JsonArray *classes = json_object_get_array_member (o, "classes");
  g_assert_cmpuint (json_array_get_length (classes), ==, 2);
  JsonObject *best = json_array_get_object_element (classes, 0);
  g_assert_cmpstr (json_object_get_string_member (best, "name"), ==, "neg");
  double p0 = json_object_get_double_member (best, "p");
  double p1 = json_object_get_double_member (json_array_get_object_element (classes, 1), "p");
  g_assert_cmpfloat (fabs (p0 + p1 - 1), <, 1e-4);
  g_assert_cmpfloat (p0, >, 0.5);

  /* Errors: a model without a vocabulary, one without weights, text that
   * is not UTF-8. */
  struct { const char *model; const char *text; const char *words; } bad[] = {
    { test_sample ("spirals_mlp.json"), "hello", "keeps no vocabulary" },
    { trained, "caf\xe9", "--text is not UTF-8 text: invalid byte 0xe9" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      const char *eargs[] = { "predict", bad[k].model, "--text", bad[k].text, NULL };
      g_assert_cmpint (run (eargs, &out, &err), !=, 0);
      if (strstr (err, bad[k].words) == NULL)
        g_error ("“%s” does not say “%s”", err, bad[k].words);
    }
  test_remove_tree (dir);
}

static void
test_embedding_glove (void)
{
  g_autofree char *model = NULL;
  g_autofree char *dir = text_setup (&model);
  g_autofree char *glove = g_build_filename (dir, "glove.txt", NULL);
  g_autofree char *ragged = g_build_filename (dir, "ragged.txt", NULL);
  g_autofree char *with = g_build_filename (dir, "with-glove.json", NULL);
  g_autofree char *vectors = g_build_filename (dir, "vectors.txt", NULL);
  g_assert_true (g_file_set_contents (glove, "great 1 2 3 4\nfilm 0.5 0.5 0.5 0.5\n"
                                      "zebra 9 9 9 9\nawful -1 -2 -3 -4\n", -1, NULL));
  g_assert_true (g_file_set_contents (ragged, "great 1 2 3 4\nfilm 1 2\n", -1, NULL));
  g_autofree char *out = NULL, *err = NULL;

  /* Import (the words from the model's dataset), frozen, into a new file. */
  const char *iargs[] = { "embedding", model, "--layer", "emb", "--import", glove, "--freeze",
                          "--out", with, "--quiet", NULL };
  int status = run (iargs, &out, &err);
  if (status != 0)
    g_error ("embedding --import failed: %s", err);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "emb: 3 of "));
  g_assert_nonnull (strstr (out, "layer frozen"));
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (with, &error);
  g_assert_no_error (error);
  int emb = nn_model_find_layer (m, "emb");
  g_assert_false (nn_model_layer_get_trainable (m, emb));
  const NnVocab *v = nn_model_get_vocab (m);
  g_assert_nonnull (v);
  NnTensor table;
  nn_model_layer_get_weight (m, emb, 0, &table);
  int great = nn_vocab_lookup (v, "great");
  g_assert_cmpint (great, >=, 2);
  g_assert_cmpfloat (table.data[great * 4 + 3], ==, 4.f);

  /* Export: one line per word of the vocabulary, the imported rows as they
   * were. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *eargs[] = { "embedding", with, "--layer", "emb", "--export", vectors, NULL };
  g_assert_cmpint (run (eargs, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "Wrote "));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (vectors, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "great 1 2 3 4\n"));
  g_assert_nonnull (strstr (text, "awful -1 -2 -3 -4\n"));
  g_assert_null (strstr (text, "zebra"));
  g_assert_null (strstr (text, "[UNK]"));
  g_auto (GStrv) rows = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (rows), ==, (guint) nn_vocab_size (v) - 2 + 1);

  /* Errors, each in words, nothing written. */
  g_autofree char *never = g_build_filename (dir, "never.json", NULL);
  struct { const char *args[12]; const char *words; } bad[] = {
    { { "embedding", model, "--import", glove, "--out", never, NULL }, "needs --layer NAME" },
    { { "embedding", model, "--layer", "emb", NULL }, "one of --import glove.txt or --export" },
    { { "embedding", model, "--layer", "emb", "--import", glove, "--export", vectors, NULL },
      "one of --import" },
    { { "embedding", model, "--layer", "emb", "--import", glove, NULL }, "--import needs --out" },
    { { "embedding", with, "--layer", "emb", "--export", vectors, "--freeze", NULL },
      "leave out --out and --freeze" },
    { { "embedding", model, "--layer", "nosuch", "--import", glove, "--out", never, NULL },
      "nosuch" },
    { { "embedding", model, "--layer", "out", "--import", glove, "--out", never, NULL },
      "out" },
    { { "embedding", model, "--layer", "emb", "--import", ragged, "--out", never, NULL },
      "ragged" },
    { { "embedding", test_sample ("spirals_mlp.json"), "--layer", "arm", "--import", glove,
        "--out", never, NULL }, "not text" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (run (bad[k].args, &out, &err), !=, 0);
      if (strstr (err, bad[k].words) == NULL)
        g_error ("case %u: “%s” does not say “%s”", k, err, bad[k].words);
      g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
    }
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/summary", test_summary);
  g_test_add_func ("/cli/train-spirals-json", test_train_spirals_json);
  g_test_add_func ("/cli/two-outputs-and-kfold", test_two_outputs_and_kfold);
  g_test_add_func ("/cli/errors-in-words", test_errors_in_words);
  g_test_add_func ("/cli/bad-options", test_bad_options);
  g_test_add_func ("/cli/divergence-warning", test_divergence_warning);
  g_test_add_func ("/cli/interrupt-kfold", test_interrupt_kfold);
  g_test_add_func ("/cli/train-refuses-pixel-softmax", test_train_refuses_pixel_softmax);
  g_test_add_func ("/cli/help-lists-commands", test_help_lists_commands);
  g_test_add_func ("/cli/predict-labels", test_predict_labels);
  g_test_add_func ("/cli/train-appends-run", test_train_appends_run);
  g_test_add_func ("/cli/inspect/activations", test_inspect_activations);
  g_test_add_func ("/cli/inspect/filters", test_inspect_filters);
  g_test_add_func ("/cli/inspect/gradcam", test_inspect_gradcam);
  g_test_add_func ("/cli/inspect/saliency", test_inspect_saliency);
  g_test_add_func ("/cli/inspect/occlusion-image", test_inspect_occlusion_image);
  g_test_add_func ("/cli/inspect/confusion", test_inspect_confusion);
  g_test_add_func ("/cli/inspect/errors", test_inspect_errors);
  g_test_add_func ("/cli/dream", test_dream);
  g_test_add_func ("/cli/dream/errors", test_dream_errors);
  g_test_add_func ("/cli/predict-text", test_predict_text);
  g_test_add_func ("/cli/embedding-glove", test_embedding_glove);
  if (g_test_slow ())
    g_test_add_func ("/cli/slow/fashion-mlp", test_slow_fashion_mlp);
  int rc = g_test_run ();
  if (inspect_dir)
    remove_tree (inspect_dir);
  g_free (inspect_dir);
  g_free (inspect_model);
  return rc;
}
