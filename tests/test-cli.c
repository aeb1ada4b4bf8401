/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli end to end: summary, training with --json history lines,
 * evaluate/predict on a saved model, errors in words with a non-zero exit.
 * The Fashion-MNIST run is the slow suite's (selected with -m slow). The
 * inspect and dream commands are test-cli-inspect.c's. */
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "cli-test-util.h"





static void
test_summary (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "summary", test_sample ("fashion_mlp.json"), NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Total params: 407,050"));
  g_assert_nonnull (strstr (out, "hidden (Dense)"));
}

/* A layer with several outputs (an LSTM with return_state) shows each
 * one's shape, its states named. */
static void
test_summary_states (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "states.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("states");
  int in = test_add (m, "Input", "seq");
  int lstm = test_add (m, "LSTM", "encoder");
  test_set (m, in, "shape", "7, 3");
  test_set (m, lstm, "units", "5");
  test_set (m, lstm, "return_state", "true");
  test_connect (m, in, lstm);
  g_assert_true (nn_model_save (m, path, FALSE, &error));
  g_assert_no_error (error);
  const char *args[] = { "summary", path, NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  /* the widest shapes set the column's width, one space before the count */
  g_assert_nonnull (strstr (out, "encoder (LSTM)              (None, 5) · h (None, 5) · c (None, 5) 180"));
  g_unlink (path);
  g_rmdir (dir);
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

  /* One epoch is said in the singular. */
  g_autofree char *oout = NULL, *oerr = NULL;
  const char *oargs[] = { "train", test_sample ("two_inputs_two_outputs.json"), "--epochs", "1",
                          NULL };
  g_assert_cmpint (run (oargs, &oout, &oerr), ==, 0);
  g_assert_nonnull (strstr (oerr, " training samples, 1 epoch, batch "));
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

/* A series validates on its own last windows: the header counts them
 * apart from the training samples, and one epoch is "1 epoch". */
static void
test_train_series_header (void)
{
  const char *args[] = { "train", test_sample ("seattle_gru.json"), "--epochs", "1", NULL };
  FILE *err = NULL;
  g_autoptr (GString) all = g_string_new (NULL);
  GPid pid = spawn_cli (args, &err);
  int status = 0;

  g_assert_true (read_until (err, "Training ", all));
  kill (pid, SIGINT);
  read_until (err, "\x01", all);
  fclose (err);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  /* The loader's note says 4261 train and 2070 validate windows. */
  g_assert_nonnull (strstr (all->str, "4261 train (rows"));
  g_assert_nonnull (strstr (all->str, "2070 validate (rows"));
  g_assert_nonnull (strstr (all->str, ": 4261 training samples and 2070 validation windows, 1 epoch, batch"));
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
                         "spirals|moons|circles|xor|blobs|ring[:n=N]", "PATH.csv[:target=COL]",
                         ":normalize=meanstd|minmax|symmetric|none", "--save" };
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

/* train --load-weights: a saved base's weights in the Model layer; with
 * the base frozen (transfer_head.json) they are still the base's after
 * training, bit for bit. A malformed argument and a base of another shape
 * are refused, naming what is wrong. */
static void
test_train_load_weights (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ds-cli-transfer-XXXXXX", &error);
  g_autofree char *base_path = g_build_filename (dir, "base.json", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *out_path = g_build_filename (dir, "head.json", NULL);
  g_autofree char *head_path = g_strdup (test_sample ("transfer_head.json"));
  g_autofree char *arg = g_strdup_printf ("conv_base=%s", base_path);
  g_autofree char *bad_arg = g_strdup_printf ("conv_base=%s", bad_path);
  g_autoptr (NnModel) base = nn_model_load (test_sample ("transfer_base.json"), &error);
  g_autoptr (NnModel) trained = NULL;
  g_autofree char *out = NULL, *err = NULL;
  NnModel *bsub, *tsub;
  int rc;

  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (base, 21, &error));
  g_assert_true (nn_model_save (base, base_path, TRUE, &error));

  rc = run ((const char *const[]) { "train", head_path, "--data",
                                    "fashion-mnist:classes=6,7:limit=128", "--epochs", "1",
                                    "--load-weights", arg, "--save", out_path, NULL },
            &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (err, "3 layers of conv_base took the weights of"));
  trained = nn_model_load (out_path, &error);
  g_assert_no_error (error);
  bsub = nn_model_layer_get_submodel (base, nn_model_find_layer (base, "conv_base"));
  tsub = nn_model_layer_get_submodel (trained, nn_model_find_layer (trained, "conv_base"));
  for (int l = 0; l < nn_model_get_n_layers (bsub); l++)
    for (int k = 0; k < nn_model_layer_get_n_weights (bsub, l); k++)
      {
        NnTensor a, b;

        nn_model_layer_get_weight (bsub, l, k, &a);
        nn_model_layer_get_weight (tsub, nn_model_find_layer (tsub, nn_model_layer_get_name (bsub, l)),
                                   k, &b);
        g_assert_cmpuint (a.size, ==, b.size);
        g_assert_true (memcmp (a.data, b.data, a.size * sizeof (float)) == 0);
      }

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = run ((const char *const[]) { "train", head_path, "--load-weights", "conv_base", NULL },
            &out, &err);
  g_assert_cmpint (rc, !=, 0);
  g_assert_nonnull (strstr (err, "LAYER=BASE.json"));

  /* a base whose conv2 has 48 filters */
  {
    NnModel *sub = nn_model_layer_get_submodel (base, nn_model_find_layer (base, "conv_base"));

    g_assert_true (nn_model_layer_set_param (sub, nn_model_find_layer (sub, "conv2"), "filters",
                                             "48", &error));
    g_assert_true (nn_model_init_weights (base, 21, &error));
    g_assert_true (nn_model_save (base, bad_path, TRUE, &error));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = run ((const char *const[]) { "train", head_path, "--data",
                                    "fashion-mnist:classes=6,7:limit=128", "--epochs", "1",
                                    "--load-weights", bad_arg, NULL }, &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, !=, 0);
  g_assert_nonnull (strstr (err, "conv2"));
  g_assert_nonnull (strstr (err, "(3, 3, 32, 64)"));
  g_assert_nonnull (strstr (err, "(3, 3, 32, 48)"));
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/summary", test_summary);
  g_test_add_func ("/cli/summary-states", test_summary_states);
  g_test_add_func ("/cli/train-spirals-json", test_train_spirals_json);
  g_test_add_func ("/cli/two-outputs-and-kfold", test_two_outputs_and_kfold);
  g_test_add_func ("/cli/errors-in-words", test_errors_in_words);
  g_test_add_func ("/cli/bad-options", test_bad_options);
  g_test_add_func ("/cli/divergence-warning", test_divergence_warning);
  g_test_add_func ("/cli/interrupt-kfold", test_interrupt_kfold);
  g_test_add_func ("/cli/train-series-header", test_train_series_header);
  g_test_add_func ("/cli/train-refuses-pixel-softmax", test_train_refuses_pixel_softmax);
  g_test_add_func ("/cli/help-lists-commands", test_help_lists_commands);
  g_test_add_func ("/cli/predict-labels", test_predict_labels);
  g_test_add_func ("/cli/train-appends-run", test_train_appends_run);
  g_test_add_func ("/cli/predict-text", test_predict_text);
  g_test_add_func ("/cli/embedding-glove", test_embedding_glove);
  g_test_add_func ("/cli/train-load-weights", test_train_load_weights);
  if (g_test_slow ())
    g_test_add_func ("/cli/slow/fashion-mlp", test_slow_fashion_mlp);
  return g_test_run ();
}
