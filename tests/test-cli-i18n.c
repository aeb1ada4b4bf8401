/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli in Russian (LANGUAGE=ru, the catalogue of build/po): its
 * help, its usage errors, the engine's errors and its progress lines read in
 * Russian, plurals included, while --json output keeps its English keys. */
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "cli-test-util.h"

/* Fails naming the whole text when it lacks the words. */
static void
assert_says (const char *text, const char *words)
{
  if (strstr (text, words) == NULL)
    g_error ("“%s” does not say “%s”", text, words);
}

static void
test_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--help", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  assert_says (out, "Команды:");
  assert_says (out, "Наборы данных (--data");
  /* an option's description, through the option table's translation domain */
  assert_says (out, "Скорость обучения (больше 0)");
}

static void
test_usage_error (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "0", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 2);
  assert_says (err, "--epochs принимает целое число от 1 до 2147483647, а не «0»");
  assert_says (err, "Запустите «deepscope-cli --help»");
}

/* An error raised in the engine reaches the user translated. */
static void
test_engine_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-ru-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "nonsense.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (g_file_set_contents (path, "[1, 2, 3]", -1, NULL));
  const char *args[] = { "summary", path, NULL };
  g_assert_cmpint (run (args, &out, &err), !=, 0);
  g_assert_true (g_utf8_validate (err, -1, NULL));
  /* the message names the file and is in Cyrillic */
  assert_says (err, path);
  gboolean cyrillic = FALSE;
  for (const char *p = err; *p; p = g_utf8_next_char (p))
    cyrillic |= g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_CYRILLIC;
  if (!cyrillic)
    g_error ("the engine's error is not in Russian: “%s”", err);
  remove_tree (dir);
}

/* The progress header's counts take the Russian plural forms; the --json
 * history lines on stdout stay machine-readable. */
static void
test_train_plurals_and_json (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "2", "--seed", "1",
                         "--data", "spirals:n=104:test=0.5", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  assert_says (err, "Обучение ");
  /* 52 = 2 (mod 10): «обучающих примера»; 2 epochs: «2 эпохи» */
  assert_says (err, "52 обучающих примера, 2 эпохи, пакет");

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *json_args[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "1", "--seed", "1",
                              "--data", "spirals:n=100", "--json", NULL };
  g_assert_cmpint (run (json_args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, >=, 1);
  g_assert_true (json_object_has_member (obj (lines, 0), "epoch"));
  g_assert_true (json_object_has_member (obj (lines, 0), "loss"));
}

int
main (int argc, char **argv)
{
  /* As a Russian session without installed locales: LANGUAGE picks the
   * catalogue, C.UTF-8 lets gettext translate at all. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-i18n/help", test_help);
  g_test_add_func ("/cli-i18n/usage-error", test_usage_error);
  g_test_add_func ("/cli-i18n/engine-error", test_engine_error);
  g_test_add_func ("/cli-i18n/train-plurals-and-json", test_train_plurals_and_json);
  return g_test_run ();
}
