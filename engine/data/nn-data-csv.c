/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-csv.c: tables from CSV files.
 *
 * The dialect is RFC 4180 with the usual leniencies: a header row, comma
 * separators, fields in double quotes may hold commas, line breaks and ""
 * for a quote; CRLF, LF or CR line ends; blank lines are skipped; spaces
 * around unquoted fields are trimmed; a UTF-8 byte-order mark is ignored.
 *
 * Numeric columns become one float feature each; any other column becomes
 * one 0/1 feature per distinct value ("color=red"), values sorted. Missing
 * cells ("", NA, NaN, ?) are dropped, imputed or reported; so are inf,
 * -inf, Infinity and nan in a column that is otherwise numeric, since a
 * float feature cannot hold them. The test split is the tail of the file,
 * like Keras's validation_split, so a file sorted by time keeps its future
 * for testing. Every error names the line.
 *
 * A field longer than 1 MiB or a line (a record, with its quoted line
 * breaks) longer than 16 MiB stops the load: no table of features has
 * fields that long, and the bound keeps a damaged or hostile file from
 * being copied into ever larger strings. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Integer targets with at most this many distinct values are classes. */
#define CSV_MAX_AUTO_CLASSES 20
#define CSV_DEFAULT_TEST     0.2
/* Longest field and longest record, in bytes (quotes and separators of a
 * record count, a field's surrounding quotes do not). */
#define CSV_MAX_FIELD        (1u << 20)
#define CSV_MAX_LINE         (16u << 20)

typedef struct {
  GStringChunk *chunk;
  GPtrArray    *fields;   /* const char *, row-major, n_cols per record */
  GArray       *lines;    /* int: line on which each record starts */
  int           n_cols;
} CsvTable;

static void
csv_table_clear (CsvTable *t)
{
  g_clear_pointer (&t->chunk, g_string_chunk_free);
  g_clear_pointer (&t->fields, g_ptr_array_unref);
  g_clear_pointer (&t->lines, g_array_unref);
}

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static void
field_too_long (GError     **error,
                const char  *path,
                int          line,
                guint        column)
{
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
               "%s, line %d, column %u: the field is longer than 1 MiB (%u bytes), the "
               "longest a CSV field may be; this does not look like a table",
               path, line, column, CSV_MAX_FIELD);
}

static gboolean
csv_parse (const char    *path,
           const char    *buf,
           size_t         len,
           CsvTable      *t,
           GCancellable  *cancel,
           GError       **error)
{
  size_t i = 0;
  int line = 1;
  gboolean ok = FALSE;
  GString *field = g_string_new (NULL);
  GPtrArray *row = g_ptr_array_new ();

  /* Chunks of at most 16 MiB: one allocation the size of a huge file
   * could fail and abort where the parse itself would stop cleanly. */
  t->chunk = g_string_chunk_new (CLAMP (len, 64, CSV_MAX_LINE));
  t->fields = g_ptr_array_new ();
  t->lines = g_array_new (FALSE, FALSE, sizeof (int));
  t->n_cols = 0;

  if (len >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0)
    i = 3;

  while (i < len)
    {
      int rec_line = line;
      size_t rec_start = i;
      gboolean blank = TRUE;
      g_ptr_array_set_size (row, 0);

      for (;;)
        {
          gboolean quoted = FALSE;
          int field_line = line;
          g_string_truncate (field, 0);

          size_t j = i;
          while (j < len && is_blank (buf[j]))
            j++;
          if (j < len && buf[j] == '"')
            {
              int quote_line = line;
              quoted = TRUE;
              i = j + 1;
              for (;;)
                {
                  if (field->len > CSV_MAX_FIELD)
                    {
                      field_too_long (error, path, field_line, row->len + 1);
                      goto out;
                    }
                  if (i >= len)
                    {
                      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                                   "%s, line %d: a quote opens a field that never closes",
                                   path, quote_line);
                      goto out;
                    }
                  char c = buf[i];
                  if (c == '"')
                    {
                      if (i + 1 < len && buf[i + 1] == '"')
                        {
                          g_string_append_c (field, '"');
                          i += 2;
                          continue;
                        }
                      i++;
                      break;
                    }
                  if (c == '\n')
                    line++;
                  g_string_append_c (field, c);
                  i++;
                }
              while (i < len && is_blank (buf[i]))
                i++;
              if (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
                {
                  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                               "%s, line %d: text after a closing quote (a quote inside "
                               "a quoted field is written \"\")", path, line);
                  goto out;
                }
            }
          else
            {
              size_t s = i;
              while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
                i++;
              size_t e = i;
              while (s < e && is_blank (buf[s]))
                s++;
              while (e > s && is_blank (buf[e - 1]))
                e--;
              if (e - s > CSV_MAX_FIELD)
                {
                  field_too_long (error, path, field_line, row->len + 1);
                  goto out;
                }
              g_string_append_len (field, buf + s, e - s);
            }
          if (i - rec_start > CSV_MAX_LINE)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           "%s, line %d: the line is longer than 16 MiB (%u bytes), the "
                           "longest a CSV line may be; this does not look like a table",
                           path, rec_line, CSV_MAX_LINE);
              goto out;
            }

          if (quoted || field->len > 0)
            blank = FALSE;
          g_ptr_array_add (row, g_string_chunk_insert_len (t->chunk, field->str, field->len));

          if (i < len && buf[i] == ',')
            {
              blank = FALSE;
              i++;
              continue;
            }
          if (i < len && buf[i] == '\r')
            {
              i++;
              if (i < len && buf[i] == '\n')
                i++;
              line++;
            }
          else if (i < len && buf[i] == '\n')
            {
              i++;
              line++;
            }
          break;
        }

      if (blank)
        continue;

      if (t->n_cols == 0)
        t->n_cols = (int) row->len;
      else if ((int) row->len != t->n_cols)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       "%s, line %d: %u fields, but the header (line %d) has %d",
                       path, rec_line, row->len, g_array_index (t->lines, int, 0), t->n_cols);
          goto out;
        }
      for (guint k = 0; k < row->len; k++)
        g_ptr_array_add (t->fields, row->pdata[k]);
      g_array_append_val (t->lines, rec_line);

      if ((t->lines->len & 4095) == 0 && nn_data_cancelled (cancel, error))
        goto out;
    }
  ok = TRUE;

out:
  g_string_free (field, TRUE);
  g_ptr_array_unref (row);
  return ok;
}

static gboolean
is_missing (const char *s)
{
  return s[0] == '\0'
         || g_ascii_strcasecmp (s, "NA") == 0
         || g_ascii_strcasecmp (s, "NaN") == 0
         || g_str_equal (s, "?");
}

/* inf, Infinity, nan in any case, with or without a sign: what C, NumPy
 * and spreadsheets print for non-finite numbers. */
static gboolean
is_non_finite (const char *s)
{
  if (*s == '+' || *s == '-')
    s++;
  return g_ascii_strcasecmp (s, "inf") == 0
         || g_ascii_strcasecmp (s, "infinity") == 0
         || g_ascii_strcasecmp (s, "nan") == 0;
}

/* A number that fits a float and nothing else. */
static gboolean
parse_number (const char *s,
              double     *out)
{
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !(fabs (v) <= FLT_MAX))
    return FALSE;
  *out = v;
  return TRUE;
}

/* Missing in a column: non-finite numbers count only where the column is
 * numeric, so "inf" stays a category among words. */
static gboolean
cell_is_missing (const char *s,
                 gboolean    numeric_column)
{
  return is_missing (s) || (numeric_column && is_non_finite (s));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* One column over the kept rows. */
typedef struct {
  const char  *name;
  gboolean     numeric;
  gboolean     integer;      /* numeric and every value a whole number */
  double      *num;          /* per kept row; NAN where missing */
  /* Categorical (or a classified target): sorted distinct values. */
  int          n_cat;
  char       **cat_names;    /* borrowed from the table's chunk or owned text */
  double      *cat_values;   /* numeric classes: sorted values */
  int         *cat;          /* per kept row; -1 where missing */
} CsvColumn;

static void
csv_column_clear (CsvColumn *c)
{
  g_free (c->num);
  g_free (c->cat_names);
  g_free (c->cat_values);
  g_free (c->cat);
}

/* Fills c from the kept rows of column `col`. as_classes: build classes
 * (numeric ones sorted by value) even for a numeric column. numeric_column:
 * the column is numeric over all rows, so its non-finite cells are missing. */
static void
csv_column_build (CsvColumn       *c,
                  const CsvTable  *t,
                  int              col,
                  const size_t    *rows,
                  size_t           n_rows,
                  gboolean         as_classes,
                  gboolean         numeric_column)
{
  const char *const *f = (const char *const *) t->fields->pdata;
  const int nc = t->n_cols;

  c->numeric = TRUE;
  c->integer = TRUE;
  c->num = g_new (double, MAX (n_rows, 1));
  for (size_t r = 0; r < n_rows; r++)
    {
      const char *s = f[(rows[r] + 1) * nc + col];
      double v;
      if (cell_is_missing (s, numeric_column))
        c->num[r] = NAN;
      else if (parse_number (s, &v))
        {
          c->num[r] = v;
          if (v != floor (v) || fabs (v) > 1e9)
            c->integer = FALSE;
        }
      else
        {
          c->numeric = FALSE;
          c->integer = FALSE;
        }
    }

  if (c->numeric && !as_classes)
    return;

  c->cat = g_new (int, MAX (n_rows, 1));
  if (c->numeric)
    {
      /* Classes from numbers: "1" and "1.0" are the same class. */
      GArray *vals = g_array_new (FALSE, FALSE, sizeof (double));
      for (size_t r = 0; r < n_rows; r++)
        if (!isnan (c->num[r]))
          g_array_append_val (vals, c->num[r]);
      g_array_sort (vals, compare_doubles);
      size_t k = 0;
      for (guint i = 0; i < vals->len; i++)
        if (k == 0 || g_array_index (vals, double, i) != g_array_index (vals, double, k - 1))
          g_array_index (vals, double, k++) = g_array_index (vals, double, i);
      c->n_cat = (int) k;
      c->cat_values = g_new (double, MAX (k, 1));
      memcpy (c->cat_values, vals->data, k * sizeof (double));
      g_array_unref (vals);
      for (size_t r = 0; r < n_rows; r++)
        {
          c->cat[r] = -1;
          if (isnan (c->num[r]))
            continue;
          const double *hit = bsearch (&c->num[r], c->cat_values, k, sizeof (double),
                                       compare_doubles);
          c->cat[r] = (int) (hit - c->cat_values);
        }
      return;
    }

  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *names = g_ptr_array_new ();
  for (size_t r = 0; r < n_rows; r++)
    {
      const char *s = f[(rows[r] + 1) * nc + col];
      if (!cell_is_missing (s, numeric_column) && g_hash_table_add (seen, (gpointer) s))
        g_ptr_array_add (names, (gpointer) s);
    }
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_hash_table_insert (seen, names->pdata[i], GINT_TO_POINTER (i + 1));
  c->n_cat = (int) names->len;
  for (size_t r = 0; r < n_rows; r++)
    {
      const char *s = f[(rows[r] + 1) * nc + col];
      c->cat[r] = cell_is_missing (s, numeric_column)
                    ? -1 : GPOINTER_TO_INT (g_hash_table_lookup (seen, s)) - 1;
    }
  c->cat_names = (char **) g_ptr_array_free (names, FALSE);
  g_hash_table_unref (seen);
}

NnDataset *
nn_csv_load_full (const char          *path,
                  const NnCsvOptions  *opt,
                  gboolean             auto_task,
                  NnNorm               norm,
                  int                 *n_missing_out,
                  GCancellable        *cancel,
                  GError             **error)
{
  static const NnCsvOptions defaults = { NULL, NN_MISSING_ERROR, FALSE, 0.0 };
  NnDataset *result = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  CsvTable t = { 0 };
  CsvColumn *cols = NULL;
  g_autofree size_t *rows = NULL;
  g_autofree gboolean *missing = NULL;
  g_autofree gboolean *numeric = NULL;
  g_autofree char **col_names = NULL;
  g_autoptr(GPtrArray) owned = NULL;
  g_autoptr(NnArray) x = NULL;
  g_autoptr(NnArray) y = NULL;
  g_autofree gboolean *one_hot = NULL;
  g_autofree char *base = NULL;
  int n_cols = 0;

  if (opt == NULL)
    {
      opt = &defaults;
      auto_task = TRUE;
    }
  if (n_missing_out != NULL)
    *n_missing_out = 0;

  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   "Cannot read %s: %s", path, local->message);
      return NULL;
    }
  if (!csv_parse (path, contents, len, &t, cancel, error))
    goto out;
  if (t.lines->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s is empty: a CSV file needs a header line and data rows", path);
      goto out;
    }
  if (t.lines->len == 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s has a header (line %d) but no data rows",
                   path, g_array_index (t.lines, int, 0));
      goto out;
    }

  n_cols = t.n_cols;
  const size_t n_rows = t.lines->len - 1;
  const char *const *f = (const char *const *) t.fields->pdata;
  const char *const *header = f;
  col_names = g_new0 (char *, n_cols + 1);
  owned = g_ptr_array_new_with_free_func (g_free);
  for (int c = 0; c < n_cols; c++)
    {
      if (header[c][0] != '\0')
        col_names[c] = (char *) header[c];
      else
        {
          col_names[c] = g_strdup_printf ("column %d", c + 1);
          g_ptr_array_add (owned, col_names[c]);
        }
    }

  /* Target column. */
  int target = n_cols - 1;
  if (opt->target != NULL)
    {
      target = -1;
      for (int c = 0; c < n_cols && target < 0; c++)
        if (g_str_equal (col_names[c], opt->target))
          target = c;
      for (int c = 0; c < n_cols && target < 0; c++)
        if (g_ascii_strcasecmp (col_names[c], opt->target) == 0)
          target = c;
      if (target < 0)
        {
          g_autofree char *list = g_strjoinv (", ", col_names);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "%s, line %d: no column “%s” for the target; columns: %s",
                       path, g_array_index (t.lines, int, 0), opt->target, list);
          goto out;
        }
    }
  if (n_cols < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s, line %d: a single column; the table needs features and a target",
                   path, g_array_index (t.lines, int, 0));
      goto out;
    }

  /* A column is numeric when each cell is missing, a number or a
   * non-finite number (inf, nan); there the non-finite cells are missing
   * values, since a float feature cannot hold them, rather than making the
   * whole column categorical. */
  numeric = g_new (gboolean, n_cols);
  for (int c = 0; c < n_cols; c++)
    {
      numeric[c] = TRUE;
      for (size_t r = 0; r < n_rows && numeric[c]; r++)
        {
          const char *s = f[(r + 1) * n_cols + c];
          double v;
          numeric[c] = is_missing (s) || is_non_finite (s) || parse_number (s, &v);
        }
    }

  /* Missing cells: count them, report the first, or decide which rows go. */
  missing = g_new (gboolean, n_rows * n_cols);
  int n_missing = 0;
  for (size_t r = 0; r < n_rows; r++)
    for (int c = 0; c < n_cols; c++)
      {
        const char *s = f[(r + 1) * n_cols + c];
        gboolean m = cell_is_missing (s, numeric[c]);
        missing[r * n_cols + c] = m;
        n_missing += m;
        if (m && opt->missing == NN_MISSING_ERROR)
          {
            if (is_missing (s))
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                           "%s, line %d, column “%s”: missing value; choose what to do "
                           "with missing values (missing=drop, mean or zero)",
                           path, g_array_index (t.lines, int, r + 1), col_names[c]);
            else
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                           "%s, line %d, column “%s”: “%s” is not a finite number, so in "
                           "this numeric column it is a missing value; choose what to do "
                           "with missing values (missing=drop, mean or zero)",
                           path, g_array_index (t.lines, int, r + 1), col_names[c], s);
            if (n_missing_out != NULL)
              *n_missing_out = n_missing;
            goto out;
          }
      }
  if (n_missing_out != NULL)
    *n_missing_out = n_missing;

  rows = g_new (size_t, n_rows);
  size_t n_keep = 0;
  for (size_t r = 0; r < n_rows; r++)
    {
      gboolean drop = missing[r * n_cols + target];
      /* A made-up label would teach the model something false, so a row
       * without a target goes even when features are imputed. */
      if (opt->missing == NN_MISSING_DROP)
        for (int c = 0; c < n_cols && !drop; c++)
          drop = missing[r * n_cols + c];
      if (!drop)
        rows[n_keep++] = r;
    }
  if (n_keep == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s: all %zu rows (lines %d to %d) have missing values and were dropped",
                   path, n_rows, g_array_index (t.lines, int, 1),
                   g_array_index (t.lines, int, n_rows));
      goto out;
    }
  if (nn_data_cancelled (cancel, error))
    goto out;

  double frac = opt->test_fraction;
  if (frac == 0.0)
    frac = CSV_DEFAULT_TEST;
  size_t n_test = frac > 0 && frac < 1 ? (size_t) floor (n_keep * frac + 0.5) : 0;
  n_test = MIN (n_test, n_keep - 1);
  size_t n_train = n_keep - n_test;

  cols = g_new0 (CsvColumn, n_cols);
  for (int c = 0; c < n_cols; c++)
    {
      cols[c].name = col_names[c];
      csv_column_build (&cols[c], &t, c, rows, n_keep, FALSE, numeric[c]);
    }

  /* Target: decide the task, then build classes if it is classification. */
  CsvColumn *tc = &cols[target];
  gboolean classify = opt->classify;
  if (auto_task)
    {
      classify = !tc->numeric;
      if (tc->numeric && tc->integer)
        {
          CsvColumn probe = { 0 };
          csv_column_build (&probe, &t, target, rows, n_keep, TRUE, numeric[target]);
          classify = probe.n_cat <= CSV_MAX_AUTO_CLASSES;
          csv_column_clear (&probe);
        }
    }
  if (!classify && !tc->numeric)
    {
      size_t r = 0;
      double v;
      while (r < n_keep && parse_number (f[(rows[r] + 1) * n_cols + target], &v))
        r++;
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s, line %d: target “%s” holds “%s”, not a number; use task=classify",
                   path, g_array_index (t.lines, int, rows[MIN (r, n_keep - 1)] + 1),
                   tc->name, f[(rows[MIN (r, n_keep - 1)] + 1) * n_cols + target]);
      goto out;
    }
  if (classify && tc->cat == NULL)
    {
      csv_column_clear (tc);
      memset (tc, 0, sizeof *tc);
      tc->name = col_names[target];
      csv_column_build (tc, &t, target, rows, n_keep, TRUE, numeric[target]);
    }

  /* Features: one per numeric column, one per value of a categorical one. */
  size_t n_feat = 0;
  for (int c = 0; c < n_cols; c++)
    if (c != target)
      n_feat += cols[c].numeric ? 1 : (size_t) cols[c].n_cat;
  if (n_feat == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s: the feature columns hold no values", path);
      goto out;
    }
  if (n_feat > G_MAXINT)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "%s: %zu features are too many", path, n_feat);
      goto out;
    }

  int xshape[1] = { (int) n_feat };
  x = nn_array_new ("features", NN_DTYPE_F32, 1, xshape, n_keep, error);
  if (x == NULL)
    goto out;
  x->feature_names = g_new0 (char *, n_feat);
  one_hot = g_new0 (gboolean, n_feat);
  float *xd = x->data;

  size_t fo = 0;
  for (int c = 0; c < n_cols; c++)
    {
      if (c == target)
        continue;
      CsvColumn *col = &cols[c];
      if (col->numeric)
        {
          /* Imputation uses the training rows only, like normalization. */
          double fill = 0;
          if (opt->missing == NN_MISSING_MEAN)
            {
              double sum = 0;
              size_t cnt = 0;
              for (size_t r = 0; r < n_train; r++)
                if (!isnan (col->num[r]))
                  sum += col->num[r], cnt++;
              fill = cnt > 0 ? sum / cnt : 0;
            }
          for (size_t r = 0; r < n_keep; r++)
            xd[r * n_feat + fo] = (float) (isnan (col->num[r]) ? fill : col->num[r]);
          x->feature_names[fo] = g_strdup (col->name);
          fo++;
        }
      else
        {
          /* Missing category: "mean" takes the training split's most
           * common value, "zero" leaves every indicator at 0. */
          int fill = -1;
          if (opt->missing == NN_MISSING_MEAN)
            {
              g_autofree size_t *count = g_new0 (size_t, MAX (col->n_cat, 1));
              for (size_t r = 0; r < n_train; r++)
                if (col->cat[r] >= 0)
                  count[col->cat[r]]++;
              for (int k = 0; k < col->n_cat; k++)
                if (fill < 0 || count[k] > count[fill])
                  fill = k;
            }
          for (size_t r = 0; r < n_keep; r++)
            {
              int k = col->cat[r] >= 0 ? col->cat[r] : fill;
              if (k >= 0)
                xd[r * n_feat + fo + k] = 1.f;
            }
          for (int k = 0; k < col->n_cat; k++)
            {
              x->feature_names[fo + k] = g_strdup_printf ("%s=%s", col->name, col->cat_names[k]);
              one_hot[fo + k] = TRUE;
            }
          fo += col->n_cat;
        }
    }
  g_assert (fo == n_feat);

  int n_classes = 0;
  char **class_names = NULL;
  if (classify)
    {
      y = nn_array_new (tc->name, NN_DTYPE_I32, 0, NULL, n_keep, error);
      if (y == NULL)
        goto out;
      gint32 *yd = y->data;
      for (size_t r = 0; r < n_keep; r++)
        yd[r] = tc->cat[r];
      n_classes = tc->n_cat;
      class_names = g_new0 (char *, n_classes + 1);
      for (int k = 0; k < n_classes; k++)
        class_names[k] = tc->cat_names != NULL ? g_strdup (tc->cat_names[k])
                                               : g_strdup_printf ("%g", tc->cat_values[k]);
    }
  else
    {
      int yshape[1] = { 1 };
      y = nn_array_new (tc->name, NN_DTYPE_F32, 1, yshape, n_keep, error);
      if (y == NULL)
        goto out;
      float *yd = y->data;
      for (size_t r = 0; r < n_keep; r++)
        yd[r] = (float) tc->num[r];
    }

  base = g_path_get_basename (path);
  NnDataset *ds = nn_dataset_alloc (base, 1, 1);
  ds->n = n_keep;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  ds->n_classes = n_classes;
  ds->class_names = class_names;
  nn_dataset_split_tail (ds, n_test);

  if (norm != NN_NORM_NONE)
    {
      nn_dataset_normalize (ds, 0, norm);
      /* Indicators already are 0/1; scaling them would only blur that. */
      NnArray *a = ds->inputs[0];
      for (size_t j = 0; j < n_feat; j++)
        if (one_hot[j])
          {
            a->scale[j] = 1.f;
            a->offset[j] = 0.f;
          }
    }
  result = ds;

out:
  if (cols != NULL)
    for (int c = 0; c < n_cols; c++)
      csv_column_clear (&cols[c]);
  g_free (cols);
  csv_table_clear (&t);
  return result;
}

NnDataset *
nn_csv_load (const char          *path,
             const NnCsvOptions  *opt,
             int                 *n_missing_out,
             GError             **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return nn_csv_load_full (path, opt, FALSE, NN_NORM_MEANSTD, n_missing_out, NULL, error);
}
