/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-text.c: text datasets. A folder of class sub-folders holding
 * .txt files (one sample per file), fortunes topics (one sample per
 * %-separated record, class = topic), and character-level next-character
 * prediction from one text (chars:). The documents are shuffled with the
 * seed, split, and the vocabulary is built from the training split only;
 * then every document is encoded as its vocabulary's options say
 * (nn-text.c). */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define FORTUNES_DIR "/usr/share/games/fortunes"
/* A text folder or fortunes selection larger than this is not a course
 * dataset; refusing it beats swapping for minutes. */
#define MAX_TEXT_BYTES ((goffset) 256 << 20)
#define MAX_DOCUMENTS  2000000
/* chars: the text, and the windows' ids (4 bytes each: 1 GB). */
#define MAX_CHARS_BYTES ((goffset) 64 << 20)
#define MAX_WINDOW_IDS ((guint64) 1 << 28)

void
nn_text_data_options_init (NnTextDataOptions *opt,
                           gboolean           chars)
{
  memset (opt, 0, sizeof *opt);
  nn_text_options_init (&opt->text);
  opt->vocab = 0;
  opt->test = chars ? 0.1 : 0.2;
  opt->seed = 1;
  opt->step = 3;
  if (chars)
    {
      opt->text.chars = TRUE;
      opt->text.lower = FALSE;
      opt->text.strip = FALSE;
      opt->text.length = 60;
    }
}

/* ------------------------------------------------------------------------ */
/* Documents → dataset                                                      */
/* ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *texts;    /* char*, owned */
  GArray    *labels;   /* int */
  GPtrArray *names;    /* where each text came from ("pos/a.txt", "science #12"), owned */
  GPtrArray *classes;  /* class names, owned */
  goffset    bytes;
} Docs;

static void
docs_init (Docs *d)
{
  d->texts = g_ptr_array_new_with_free_func (g_free);
  d->labels = g_array_new (FALSE, FALSE, sizeof (int));
  d->names = g_ptr_array_new_with_free_func (g_free);
  d->classes = g_ptr_array_new_with_free_func (g_free);
  d->bytes = 0;
}

static void
docs_clear (Docs *d)
{
  g_clear_pointer (&d->texts, g_ptr_array_unref);
  g_clear_pointer (&d->labels, g_array_unref);
  g_clear_pointer (&d->names, g_ptr_array_unref);
  g_clear_pointer (&d->classes, g_ptr_array_unref);
}

static gboolean
docs_add (Docs        *d,
          char        *text,
          int          label,
          char        *name,
          const char  *what,
          GError     **error)
{
  d->bytes += (goffset) strlen (text);
  g_ptr_array_add (d->texts, text);
  g_array_append_val (d->labels, label);
  g_ptr_array_add (d->names, name);
  if (d->texts->len > MAX_DOCUMENTS || d->bytes > MAX_TEXT_BYTES)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s holds more than %d texts or %d MB of text, more than a text dataset "
                   "here may hold: use a part of it"), what, MAX_DOCUMENTS,
                   (int) (MAX_TEXT_BYTES >> 20));
      return FALSE;
    }
  return TRUE;
}

/* A token as a class or feature name a person can read: a space shows as
 * "␣", a newline as "\\n", a tab as "\\t", any other blank, control or
 * zero-width character as its code point ("U+00A0"). */
static char *
visible_token (const char *tok)
{
  if (g_str_equal (tok, " "))
    return g_strdup ("␣");
  if (g_str_equal (tok, "\n"))
    return g_strdup ("\\n");
  if (g_str_equal (tok, "\t"))
    return g_strdup ("\\t");
  gunichar c = g_utf8_get_char (tok);
  if (tok[0] != '\0' && *g_utf8_next_char (tok) == '\0'
      && (g_unichar_isspace (c) || g_unichar_iscntrl (c) || g_unichar_iszerowidth (c)))
    return g_strdup_printf ("U+%04X", (unsigned) c);
  return g_strdup (tok);
}

/* The dataset of the documents: shuffled with the seed, the last share the
 * test split, the vocabulary from the training split. */
static NnDataset *
docs_to_dataset (Docs                    *d,
                 const char              *name,
                 const NnTextDataOptions *opt,
                 GCancellable            *cancel,
                 GError                 **error)
{
  size_t n = d->texts->len;
  if (n < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   g_dngettext (GETTEXT_PACKAGE, "%s holds %zu text; a dataset needs at least two (one to train on, "
                   "one to test)",
                                "%s holds %zu texts; a dataset needs at least two (one to train on, "
                   "one to test)", n), name, n);
      return NULL;
    }
  if (d->classes->len < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s holds one class (%s); classifying texts needs at least two"),
                   name, (const char *) d->classes->pdata[0]);
      return NULL;
    }

  NnRng rng;
  nn_rng_seed (&rng, opt->seed);
  g_autofree guint32 *perm = g_new (guint32, n);
  for (size_t i = 0; i < n; i++)
    perm[i] = (guint32) i;
  nn_rng_shuffle (&rng, perm, n);
  size_t n_test = (size_t) floor (opt->test * (double) n);
  if (n_test >= n)
    n_test = n - 1;
  size_t n_train = n - n_test;

  /* Tokens of every document, in the shuffled order. */
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (size_t i = 0; i < n; i++)
    {
      if (nn_data_cancelled (cancel, error))
        return NULL;
      GPtrArray *t = nn_text_tokenize (&opt->text, d->texts->pdata[perm[i]], -1,
                                       d->names->pdata[perm[i]], error);
      if (t == NULL)
        return NULL;
      g_ptr_array_add (tokens, t);
    }
  g_autoptr(NnVocabCounter) counter = nn_vocab_counter_new ();
  for (size_t i = 0; i < n_train; i++)
    nn_vocab_counter_add (counter, tokens->pdata[i]);
  if (nn_vocab_counter_total (counter) == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("The training texts of %s hold no tokens%s"), name,
                   opt->text.strip ? " once punctuation is stripped (try :strip=0)" : "");
      return NULL;
    }
  int max_size = opt->vocab > 0 ? opt->vocab : (opt->text.chars ? 0 : 10000);
  g_autoptr(NnVocab) vocab = nn_vocab_counter_build (counter, &opt->text, max_size);

  gboolean ints = opt->text.mode == NN_TEXT_INT;
  int width = nn_vocab_output_size (vocab);
  int shape[1] = { width };
  g_autoptr(NnArray) in = nn_array_new ("text", ints ? NN_DTYPE_I32 : NN_DTYPE_F32, 1, shape, n,
                                        error);
  if (in == NULL)
    return NULL;
  g_autoptr(NnArray) labels = nn_array_new ("class", NN_DTYPE_I32, 0, NULL, n, error);
  if (labels == NULL)
    return NULL;
  size_t kept_tokens = 0, all_tokens = 0, cut = 0, cut_train = 0;
  for (size_t i = 0; i < n; i++)
    {
      GPtrArray *t = tokens->pdata[i];
      if (ints)
        {
          int real = nn_vocab_encode_ids (vocab, t, width, (gint32 *) in->data + i * width);
          cut += real > width;
          cut_train += real > width && i < n_train;
        }
      else
        nn_vocab_encode_bag (vocab, t, opt->text.mode, (float *) in->data + i * width);
      ((gint32 *) labels->data)[i] = g_array_index (d->labels, int, perm[i]);
      if (i < n_train)
        for (guint k = 0; k < t->len; k++)
          {
            all_tokens++;
            kept_tokens += nn_vocab_lookup (vocab, t->pdata[k]) >= 2;
          }
    }
  if (!ints)
    {
      in->feature_names = g_new0 (char *, width + 1);
      for (int k = 0; k < width; k++)
        in->feature_names[k] = visible_token (k == 0 ? "(padding)" : nn_vocab_token (vocab, k));
    }

  NnDataset *ds = nn_dataset_alloc (name, 1, 1);
  ds->inputs[0] = g_steal_pointer (&in);
  ds->targets[0] = g_steal_pointer (&labels);
  ds->n = n;
  ds->n_classes = (int) d->classes->len;
  ds->class_names = g_new0 (char *, d->classes->len + 1);
  for (guint c = 0; c < d->classes->len; c++)
    ds->class_names[c] = g_strdup (d->classes->pdata[c]);
  ds->texts = g_new0 (char *, n + 1);
  for (size_t i = 0; i < n; i++)
    ds->texts[i] = g_strdup (d->texts->pdata[perm[i]]);
  nn_dataset_split_tail (ds, n_test);

  GPtrArray *notes = g_ptr_array_new ();
  g_ptr_array_add (notes, g_strdup_printf (
    "%s: %zu texts in %d classes; vocabulary of %d %s (padding and [UNK] included) from "
    "the %zu training texts, covering %.1f %% of their %zu tokens",
    name, n, ds->n_classes, nn_vocab_size (vocab), opt->text.chars ? "characters" : "tokens",
    n_train, all_tokens ? 100.0 * (double) kept_tokens / (double) all_tokens : 0.0,
    all_tokens));
  /* Both counts, named: the Data view's histogram shows the training
   * split's. */
  if (ints && cut > 0)
    g_ptr_array_add (notes, g_strdup_printf (
      "%zu of the %zu texts (%zu of the %zu training texts) are longer than %d tokens and were "
      "cut (%s); :length= changes it", cut, n, cut_train, n_train, width,
      opt->text.trunc == NN_TEXT_PRE ? "their start dropped" : "their end dropped"));
  g_ptr_array_add (notes, NULL);
  ds->notes = (char **) g_ptr_array_free (notes, FALSE);
  nn_vocab_set_labels (vocab, (const char *const *) ds->class_names);
  ds->vocab = g_steal_pointer (&vocab);
  return ds;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/* The text of a file, checked: readable, not too large, UTF-8, not empty. */
static char *
read_text (const char  *path,
           goffset      max_bytes,
           GError     **error)
{
  g_autofree char *dname = g_filename_display_name (path);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("Cannot read %s: %s"), dname,
                   g_strerror (errno));
      return NULL;
    }
  if ((goffset) st.st_size > max_bytes)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s holds %d MB of text, more than the %d MB a text dataset here may "
                   "hold: use a part of it"), dname, (int) (st.st_size >> 20),
                   (int) (max_bytes >> 20));
      return NULL;
    }
  char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("Cannot read %s: %s"), dname,
                   local->message);
      return NULL;
    }
  if (!nn_text_validate (text, (gssize) len, dname, error))
    {
      g_free (text);
      return NULL;
    }
  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s holds a NUL byte at offset %zu: it is not a text file"), dname,
                   (size_t) ((const char *) memchr (text, '\0', len) - text));
      g_free (text);
      return NULL;
    }
  gboolean blank = TRUE;
  for (const char *p = text; *p && blank; p = g_utf8_next_char (p))
    blank = g_unichar_isspace (g_utf8_get_char (p));
  if (blank)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s is empty: every text file needs some text (remove it or fill it)"),
                   dname);
      g_free (text);
      return NULL;
    }
  return text;
}

static int
cmp_names (gconstpointer a,
           gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted names of dir's entries that are folders (dirs TRUE) or *.txt
 * files; hidden entries left out. */
static GPtrArray *
list_entries (const char  *dir,
              gboolean     dirs,
              GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_autofree char *dname = g_filename_display_name (dir);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO, _("Cannot read the folder %s: %s"),
                   dname, local->message);
      return NULL;
    }
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    {
      if (e[0] == '.')
        continue;
      g_autofree char *path = g_build_filename (dir, e, NULL);
      gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
      if (dirs ? is_dir : (!is_dir && (g_str_has_suffix (e, ".txt")
                                       || g_str_has_suffix (e, ".TXT"))))
        g_ptr_array_add (names, g_strdup (e));
    }
  g_ptr_array_sort (names, cmp_names);
  return names;
}

gboolean
nn_text_folder_detect (const char *dir)
{
  g_autoptr(GPtrArray) subs = list_entries (dir, TRUE, NULL);
  if (subs == NULL)
    return FALSE;
  for (guint i = 0; i < subs->len; i++)
    {
      g_autofree char *sub = g_build_filename (dir, subs->pdata[i], NULL);
      g_autoptr(GPtrArray) files = list_entries (sub, FALSE, NULL);
      if (files != NULL && files->len > 0)
        return TRUE;
    }
  return FALSE;
}

NnDataset *
nn_text_folder_load (const char               *dir,
                     const NnTextDataOptions  *opt,
                     GCancellable             *cancel,
                     GError                  **error)
{
  g_return_val_if_fail (dir != NULL && opt != NULL, NULL);
  g_autofree char *dname = g_filename_display_name (dir);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("%s is not a folder: a text dataset is a folder with one sub-folder of "
                   ".txt files per class"), dname);
      return NULL;
    }
  g_autoptr(GPtrArray) subs = list_entries (dir, TRUE, error);
  if (subs == NULL)
    return NULL;
  if (subs->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no class folders: put each class's .txt files in a sub-folder "
                   "named after the class (%s/pos/a.txt, %s/neg/b.txt)"), dname, dname, dname);
      return NULL;
    }

  Docs d;
  docs_init (&d);
  NnDataset *ds = NULL;
  for (guint c = 0; c < subs->len; c++)
    {
      g_autofree char *sub = g_build_filename (dir, subs->pdata[c], NULL);
      g_autoptr(GPtrArray) files = list_entries (sub, FALSE, error);
      if (files == NULL)
        goto out;
      if (files->len == 0)
        {
          g_autofree char *sname = g_filename_display_name (sub);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                       _("The class folder %s holds no .txt files: fill it or move it out of %s"),
                       sname, dname);
          goto out;
        }
      g_ptr_array_add (d.classes, g_filename_display_name (subs->pdata[c]));
      for (guint i = 0; i < files->len; i++)
        {
          if (nn_data_cancelled (cancel, error))
            goto out;
          g_autofree char *path = g_build_filename (sub, files->pdata[i], NULL);
          char *text = read_text (path, MAX_TEXT_BYTES, error);
          if (text == NULL)
            goto out;
          if (!docs_add (&d, text, (int) c, g_filename_display_name (path), dname, error))
            goto out;
        }
    }
  {
    g_autofree char *base = g_path_get_basename (dir);
    g_autofree char *bname = g_filename_display_name (base);
    ds = docs_to_dataset (&d, bname, opt, cancel, error);
  }
out:
  docs_clear (&d);
  return ds;
}

/* ------------------------------------------------------------------------ */
/* Fortunes                                                                 */
/* ------------------------------------------------------------------------ */

static const char *
fortunes_dir (const NnTextDataOptions *opt)
{
  const char *dir = opt->dir;
  if (dir == NULL || dir[0] == '\0')
    dir = g_getenv ("DEEPSCOPE_FORTUNES_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = FORTUNES_DIR;
  return dir;
}

/* The topics in dir, sorted, as one "a, b, c" string. */
static char *
fortunes_topics_list (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return g_strdup ("(none)");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    if (e[0] != '.' && !g_str_has_suffix (e, ".dat") && !g_str_has_suffix (e, ".u8"))
      g_ptr_array_add (names, g_strdup (e));
  g_ptr_array_sort (names, cmp_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

/* The records of a fortunes file (lines holding only "%" separate them),
 * trimmed, empty ones left out. */
static GPtrArray *
fortunes_records (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);
  const char *p = text;
  while (*p)
    {
      const char *eol = strchr (p, '\n');
      size_t n = eol ? (size_t) (eol - p) : strlen (p);
      size_t m = n;
      if (m > 0 && p[m - 1] == '\r')
        m--;
      if (m == 1 && p[0] == '%')
        {
          g_strstrip (cur->str);
          if (cur->str[0] != '\0')
            g_ptr_array_add (records, g_strdup (cur->str));
          g_string_truncate (cur, 0);
        }
      else
        {
          g_string_append_len (cur, p, m);
          g_string_append_c (cur, '\n');
        }
      p += n + (eol != NULL);
    }
  g_strstrip (cur->str);
  if (cur->str[0] != '\0')
    g_ptr_array_add (records, g_strdup (cur->str));
  g_string_free (cur, TRUE);
  return records;
}

/* Parses "a,b,c" into topic names checked against dir. */
static GStrv
fortunes_parse_topics (const char  *topics,
                       const char  *dir,
                       GError     **error)
{
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("The fortunes are not in %s: install the fortunes package (apt-get install "
                   "fortunes), or point DEEPSCOPE_FORTUNES_DIR or :dir= at its topic files"),
                   dir);
      return NULL;
    }
  g_auto(GStrv) parts = g_strsplit (topics != NULL ? topics : "", ",", -1);
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] == '\0')
        continue;
      g_autofree char *path = g_build_filename (dir, parts[i], NULL);
      if (strchr (parts[i], '/') != NULL || parts[i][0] == '.'
          || g_str_has_suffix (parts[i], ".dat") || g_str_has_suffix (parts[i], ".u8")
          || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *all = fortunes_topics_list (dir);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Unknown fortunes topic “%s”; the topics in %s are: %s"), parts[i], dir,
                       all);
          g_ptr_array_unref (list);
          return NULL;
        }
      for (guint k = 0; k < list->len; k++)
        if (g_str_equal (list->pdata[k], parts[i]))
          {
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                         _("The fortunes topic “%s” is named twice"), parts[i]);
            g_ptr_array_unref (list);
            return NULL;
          }
      g_ptr_array_add (list, g_strdup (parts[i]));
    }
  if (list->len == 0)
    {
      g_autofree char *all = fortunes_topics_list (dir);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("No fortunes topics given: name them, e.g. fortunes:topics=science,work; "
                   "the topics in %s are: %s"), dir, all);
      g_ptr_array_unref (list);
      return NULL;
    }
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_free (list, FALSE);
}

NnDataset *
nn_fortunes_load (const char               *topics,
                  const NnTextDataOptions  *opt,
                  GCancellable             *cancel,
                  GError                  **error)
{
  g_return_val_if_fail (opt != NULL, NULL);
  const char *dir = fortunes_dir (opt);
  g_auto(GStrv) list = fortunes_parse_topics (topics, dir, error);
  if (list == NULL)
    return NULL;

  Docs d;
  docs_init (&d);
  NnDataset *ds = NULL;
  for (int t = 0; list[t] != NULL; t++)
    {
      g_autofree char *path = g_build_filename (dir, list[t], NULL);
      g_autofree char *text = read_text (path, MAX_TEXT_BYTES, error);
      if (text == NULL)
        goto out;
      g_autoptr(GPtrArray) records = fortunes_records (text);
      if (records->len == 0)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                       _("The fortunes topic %s holds no records (lines of text between lines "
                       "holding only %%)"), path);
          goto out;
        }
      g_ptr_array_add (d.classes, g_strdup (list[t]));
      for (guint r = 0; r < records->len; r++)
        if (!docs_add (&d, g_strdup (records->pdata[r]), t,
                       g_strdup_printf ("%s, record %u", path, r + 1), "The fortunes chosen",
                       error))
          goto out;
      if (nn_data_cancelled (cancel, error))
        goto out;
    }
  ds = docs_to_dataset (&d, "fortunes", opt, cancel, error);
out:
  docs_clear (&d);
  return ds;
}

/* ------------------------------------------------------------------------ */
/* Characters                                                               */
/* ------------------------------------------------------------------------ */

/* The text of chars:SOURCE and a name for it. */
static char *
chars_source_text (const char               *source,
                   const NnTextDataOptions  *opt,
                   char                    **name,
                   GError                  **error)
{
  const char *topics = NULL;
  if (g_str_has_prefix (source, "fortunes/"))
    topics = source + strlen ("fortunes/");
  else if (!g_file_test (source, G_FILE_TEST_EXISTS) && strchr (source, '/') == NULL)
    topics = source;
  if (topics == NULL)
    {
      *name = g_path_get_basename (source);
      return read_text (source, MAX_CHARS_BYTES, error);
    }

  const char *dir = fortunes_dir (opt);
  g_auto(GStrv) list = fortunes_parse_topics (topics, dir, error);
  if (list == NULL)
    {
      if (error != NULL && *error != NULL && topics == source
          && g_error_matches (*error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN))
        g_prefix_error (error, _("%s is neither a file nor a fortunes topic. "), source);
      return NULL;
    }
  /* The records, a blank line between them: the % lines are markup. */
  GString *all = g_string_new (NULL);
  for (int t = 0; list[t] != NULL; t++)
    {
      g_autofree char *path = g_build_filename (dir, list[t], NULL);
      g_autofree char *text = read_text (path, MAX_CHARS_BYTES, error);
      if (text == NULL)
        {
          g_string_free (all, TRUE);
          return NULL;
        }
      g_autoptr(GPtrArray) records = fortunes_records (text);
      for (guint r = 0; r < records->len; r++)
        {
          g_string_append (all, records->pdata[r]);
          g_string_append (all, "\n\n");
        }
      if ((goffset) all->len > MAX_CHARS_BYTES)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("The fortunes topics %s hold more than %d MB of text: choose fewer"),
                       topics, (int) (MAX_CHARS_BYTES >> 20));
          g_string_free (all, TRUE);
          return NULL;
        }
    }
  g_autofree char *joined = g_strjoinv ("+", list);
  *name = g_strdup_printf ("fortunes/%s", joined);
  if (all->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("The fortunes topics %s hold no records"), topics);
      g_string_free (all, TRUE);
      return NULL;
    }
  return g_string_free (all, FALSE);
}

NnDataset *
nn_chars_load (const char               *source,
               const NnTextDataOptions  *opt,
               GCancellable             *cancel,
               GError                  **error)
{
  g_return_val_if_fail (source != NULL && opt != NULL, NULL);
  if (source[0] == '\0')
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("chars: needs a text file or fortunes topics (chars:book.txt, "
                   "chars:fortunes/science)"));
      return NULL;
    }
  g_autofree char *name = NULL;
  g_autofree char *text = chars_source_text (source, opt, &name, error);
  if (text == NULL)
    return NULL;

  NnTextOptions topt = opt->text;
  topt.chars = TRUE;
  topt.ngrams = 1;
  topt.hash_buckets = 0;
  topt.mode = NN_TEXT_INT;
  g_autoptr(GPtrArray) tokens = nn_text_tokenize (&topt, text, -1, name, error);
  if (tokens == NULL)
    return NULL;
  if (nn_data_cancelled (cancel, error))
    return NULL;

  int T = topt.length, step = MAX (opt->step, 1);
  size_t m = tokens->len;
  size_t split = m - (size_t) floor (opt->test * (double) m);
  /* Windows of T + 1 tokens (T inputs and the target) starting every step
   * within each part; none crosses the split. */
  size_t n_train = split > (size_t) T ? (split - T - 1) / step + 1 : 0;
  size_t n_test = m - split > (size_t) T ? (m - split - T - 1) / step + 1 : 0;
  if (n_train == 0 || (opt->test > 0 && n_test == 0))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s holds %zu characters: too few for windows of %d characters in both "
                   "splits (%.0f %% held out); use a longer text or a shorter :length="),
                   name, m, T, opt->test * 100.0);
      return NULL;
    }
  size_t n = n_train + n_test;
  if ((guint64) n * (guint64) T > MAX_WINDOW_IDS)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "%s makes %zu windows of %d characters, more than %" G_GUINT64_FORMAT
                   " ids in all: raise :step= or use a part of the text", name, n, T,
                   MAX_WINDOW_IDS);
      return NULL;
    }

  g_autoptr(NnVocabCounter) counter = nn_vocab_counter_new ();
  nn_vocab_counter_add (counter, tokens);
  g_autoptr(NnVocab) vocab = nn_vocab_counter_build (counter, &topt, opt->vocab);
  g_autofree gint32 *ids = g_try_new (gint32, MAX (m, 1));
  if (ids == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE, _("%s: out of memory"), name);
      return NULL;
    }
  for (size_t i = 0; i < m; i++)
    ids[i] = nn_vocab_lookup (vocab, tokens->pdata[i]);

  int shape[1] = { T };
  g_autoptr(NnArray) in = nn_array_new ("chars", NN_DTYPE_I32, 1, shape, n, error);
  if (in == NULL)
    return NULL;
  g_autoptr(NnArray) next = nn_array_new ("next", NN_DTYPE_I32, 0, NULL, n, error);
  if (next == NULL)
    return NULL;
  for (size_t w = 0; w < n; w++)
    {
      size_t start = w < n_train ? w * step : split + (w - n_train) * step;
      memcpy ((gint32 *) in->data + w * T, ids + start, (size_t) T * sizeof (gint32));
      ((gint32 *) next->data)[w] = ids[start + T];
    }

  NnDataset *ds = nn_dataset_alloc (name, 1, 1);
  ds->inputs[0] = g_steal_pointer (&in);
  ds->targets[0] = g_steal_pointer (&next);
  ds->n = n;
  int V = nn_vocab_size (vocab);
  ds->n_classes = V;
  ds->class_names = g_new0 (char *, V + 1);
  for (int k = 0; k < V; k++)
    ds->class_names[k] = visible_token (k == 0 ? "(padding)" : nn_vocab_token (vocab, k));
  nn_dataset_split_tail (ds, n_test);
  char **notes = g_new0 (char *, 2);
  notes[0] = g_strdup_printf (
    "%s: %zu characters, %d distinct (with padding and [UNK]); windows of %d every %d "
    "characters: %zu to train on, %zu from the last %.0f %% of the text for testing",
    name, m, V, T, step, n_train, n_test, opt->test * 100.0);
  ds->notes = notes;
  ds->vocab = g_steal_pointer (&vocab);
  return ds;
}
