/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-csv.c: tables from CSV files.
 *
 * The dialect is RFC 4180 with the usual leniencies: a header row, comma
 * separators, fields in double quotes may hold commas, line breaks and ""
 * for a quote; CRLF, LF or CR line ends; blank lines are skipped; spaces
 * around unquoted fields are trimmed; a UTF-8 byte-order mark is ignored.
 *
 * Numeric columns become one float feature each; any other column becomes
 * one 0/1 feature per distinct value ("color=red"), values sorted. A
 * column is numeric when at least 90 % of its filled cells are numbers
 * (inf, -inf, Infinity and nan count as numbers there): one stray word
 * must not turn a column of measurements into hundreds of categories.
 * Missing cells ("", NA, NaN, ?) are dropped, imputed or reported; so are
 * the cells of a numeric column that a float feature cannot hold (words,
 * non-finite numbers, numbers beyond a float's range). The dataset's notes
 * (nn_dataset_get_notes) tell the user about those cells, with their
 * lines, and which columns were taken as categorical and why. The test
 * split is the tail of the file, like Keras's validation_split, so a file
 * sorted by time keeps its future for testing. Every error names the line.
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
#include <glib/gi18n-lib.h>

/* Integer targets with at most this many distinct values are classes. */
#define CSV_MAX_AUTO_CLASSES 20
/* A column is numeric when at least this share (percent) of its filled
 * cells are numbers; its other cells are invalid, handled like missing
 * values. 90: a column needs 10 filled cells to forgive one word. */
#define CSV_NUMERIC_PERCENT  90
/* Cells a note quotes as examples. */
#define CSV_NOTE_EXAMPLES    3
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
               _("%s, line %d, column %u: the field is longer than 1 MiB (%u bytes), the "
               "longest a CSV field may be; this does not look like a table"),
               path, line, column, CSV_MAX_FIELD);
}

/* The reader's place in the file while it parses. */
typedef struct {
  const char *path;
  const char *buf;
  size_t      len;
  size_t      i;          /* next byte */
  int         line;       /* line of buf[i] */
  GString    *field;      /* the field being read */
  GPtrArray  *row;        /* the record's fields, in the table's chunk */
} CsvParser;

/* Reads a quoted field from its opening quote at buf[j] up to what follows
 * its closing quote. */
static gboolean
csv_parse_quoted (CsvParser  *p,
                  size_t      j,
                  int         field_line,
                  GError    **error)
{
  const char *buf = p->buf;
  size_t len = p->len;
  int quote_line = p->line;
  p->i = j + 1;
  for (;;)
    {
      if (p->field->len > CSV_MAX_FIELD)
        {
          field_too_long (error, p->path, field_line, p->row->len + 1);
          return FALSE;
        }
      if (p->i >= len)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s, line %d: a quote opens a field that never closes"),
                       p->path, quote_line);
          return FALSE;
        }
      char c = buf[p->i];
      if (c == '"')
        {
          if (p->i + 1 < len && buf[p->i + 1] == '"')
            {
              g_string_append_c (p->field, '"');
              p->i += 2;
              continue;
            }
          p->i++;
          break;
        }
      if (c == '\n')
        p->line++;
      g_string_append_c (p->field, c);
      p->i++;
    }
  while (p->i < len && is_blank (buf[p->i]))
    p->i++;
  if (p->i < len && buf[p->i] != ',' && buf[p->i] != '\n' && buf[p->i] != '\r')
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s, line %d: text after a closing quote (a quote inside "
                   "a quoted field is written \"\")"), p->path, p->line);
      return FALSE;
    }
  return TRUE;
}

/* Reads an unquoted field up to the next separator or line end, without
 * the blanks around it. */
static gboolean
csv_parse_unquoted (CsvParser  *p,
                    int         field_line,
                    GError    **error)
{
  const char *buf = p->buf;
  size_t s = p->i;
  while (p->i < p->len && buf[p->i] != ',' && buf[p->i] != '\n' && buf[p->i] != '\r')
    p->i++;
  size_t e = p->i;
  while (s < e && is_blank (buf[s]))
    s++;
  while (e > s && is_blank (buf[e - 1]))
    e--;
  if (e - s > CSV_MAX_FIELD)
    {
      field_too_long (error, p->path, field_line, p->row->len + 1);
      return FALSE;
    }
  g_string_append_len (p->field, buf + s, e - s);
  return TRUE;
}

/* Reads one record (its fields into p->row) and its line end; *blank tells
 * whether it was a blank line. */
static gboolean
csv_parse_record (CsvParser     *p,
                  GStringChunk  *chunk,
                  gboolean      *blank,
                  GError       **error)
{
  const char *buf = p->buf;
  size_t len = p->len;
  int rec_line = p->line;
  size_t rec_start = p->i;

  *blank = TRUE;
  g_ptr_array_set_size (p->row, 0);
  for (;;)
    {
      gboolean quoted = FALSE;
      int field_line = p->line;
      g_string_truncate (p->field, 0);

      size_t j = p->i;
      while (j < len && is_blank (buf[j]))
        j++;
      if (j < len && buf[j] == '"')
        {
          quoted = TRUE;
          if (!csv_parse_quoted (p, j, field_line, error))
            return FALSE;
        }
      else if (!csv_parse_unquoted (p, field_line, error))
        return FALSE;
      if (p->i - rec_start > CSV_MAX_LINE)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s, line %d: the line is longer than 16 MiB (%u bytes), the "
                       "longest a CSV line may be; this does not look like a table"),
                       p->path, rec_line, CSV_MAX_LINE);
          return FALSE;
        }

      if (quoted || p->field->len > 0)
        *blank = FALSE;
      g_ptr_array_add (p->row, g_string_chunk_insert_len (chunk, p->field->str, p->field->len));

      if (p->i < len && buf[p->i] == ',')
        {
          *blank = FALSE;
          p->i++;
          continue;
        }
      if (p->i < len && buf[p->i] == '\r')
        {
          p->i++;
          if (p->i < len && buf[p->i] == '\n')
            p->i++;
          p->line++;
        }
      else if (p->i < len && buf[p->i] == '\n')
        {
          p->i++;
          p->line++;
        }
      return TRUE;
    }
}

static gboolean
csv_parse (const char    *path,
           const char    *buf,
           size_t         len,
           CsvTable      *t,
           GCancellable  *cancel,
           GError       **error)
{
  gboolean ok = FALSE;
  CsvParser p = { .path = path, .buf = buf, .len = len, .i = 0, .line = 1 };
  p.field = g_string_new (NULL);
  p.row = g_ptr_array_new ();

  /* Chunks of at most 16 MiB: one allocation the size of a huge file
   * could fail and abort where the parse itself would stop cleanly. */
  t->chunk = g_string_chunk_new (CLAMP (len, 64, CSV_MAX_LINE));
  t->fields = g_ptr_array_new ();
  t->lines = g_array_new (FALSE, FALSE, sizeof (int));
  t->n_cols = 0;

  if (len >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0)
    p.i = 3;

  while (p.i < len)
    {
      int rec_line = p.line;
      gboolean blank;
      if (!csv_parse_record (&p, t->chunk, &blank, error))
        goto out;
      if (blank)
        continue;

      GPtrArray *row = p.row;
      if (t->n_cols == 0)
        t->n_cols = (int) row->len;
      else if ((int) row->len != t->n_cols)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s, line %d: %u fields, but the header (line %d) has %d"),
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
  g_string_free (p.field, TRUE);
  g_ptr_array_unref (p.row);
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

/* What a cell holds, as a numeric column sees it. */
typedef enum {
  CELL_MISSING,       /* "", NA, NaN, ? */
  CELL_NUMBER,        /* a number a float holds */
  CELL_NON_FINITE,    /* inf, -Infinity, nan */
  CELL_TOO_LARGE,     /* a number beyond a float's range: 1e39 */
  CELL_WORD,          /* anything else */
  CELL_N_KINDS
} CsvCellKind;

/* How many cells of a column are of each kind, over every data row. */
typedef struct {
  size_t n[CELL_N_KINDS];
} CsvKinds;

static CsvCellKind
cell_kind (const char *s)
{
  double v;
  if (is_missing (s))
    return CELL_MISSING;
  if (parse_number (s, &v))
    return CELL_NUMBER;
  if (is_non_finite (s))
    return CELL_NON_FINITE;
  char *end = NULL;
  g_ascii_strtod (s, &end);
  return end != s && *end == '\0' ? CELL_TOO_LARGE : CELL_WORD;
}

/* Missing in a column: in a numeric column every cell that is not a number
 * a float holds (so "inf" or a stray word is a gap to fill), in another
 * only the missing markers (so "inf" stays a category among words). */
static gboolean
cell_is_missing (const char *s,
                 gboolean    numeric_column)
{
  return numeric_column ? cell_kind (s) != CELL_NUMBER : is_missing (s);
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
 * the column is numeric over all rows, so its cells that are not numbers a
 * float holds are missing. */
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

/* One CSV load, step by step: parse (the table, column names, target),
 * rows (missing cells, which rows stay, the split), columns (per-column
 * values, the task), then assemble (features, target, the dataset). */
typedef struct {
  const char         *path;
  const NnCsvOptions *opt;
  char               *contents;
  CsvTable            t;
  int                 n_cols;
  size_t              n_rows;       /* data rows, the header not counted */
  const char *const  *f;            /* cells, row-major, the header first */
  char              **col_names;    /* n_cols + NULL: header cells or in owned */
  GPtrArray          *owned;
  int                 target;
  gboolean           *numeric;      /* per column */
  size_t             *rows;         /* the data rows kept */
  size_t              n_keep, n_train, n_test;
  CsvColumn          *cols;
  gboolean            classify;
  CsvKinds           *kinds;        /* per column: its cells of each kind */
  GPtrArray          *notes;        /* char *: for the user (nn_dataset_get_notes) */
} CsvLoad;

static void
csv_load_clear (CsvLoad *l)
{
  if (l->cols != NULL)
    for (int c = 0; c < l->n_cols; c++)
      csv_column_clear (&l->cols[c]);
  g_free (l->cols);
  g_free (l->rows);
  g_free (l->numeric);
  g_free (l->kinds);
  g_clear_pointer (&l->notes, g_ptr_array_unref);
  g_free (l->col_names);
  g_clear_pointer (&l->owned, g_ptr_array_unref);
  csv_table_clear (&l->t);
  g_free (l->contents);
}

static gboolean csv_load_header (CsvLoad *l, GError **error);

/* Reads and parses the file, then csv_load_header. */
static gboolean
csv_load_parse (CsvLoad *l, GCancellable *cancel, GError **error)
{
  const char *path = l->path;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, &l->contents, &len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("Cannot read %s: %s"), path, local->message);
      return FALSE;
    }
  if (!csv_parse (path, l->contents, len, &l->t, cancel, error))
    return FALSE;
  return csv_load_header (l, error);
}

/* Names the columns of the parsed table (header cells, "column N" for
 * blank ones) and finds the target column. */
static gboolean
csv_load_header (CsvLoad *l, GError **error)
{
  const char *path = l->path;
  CsvTable *t = &l->t;
  if (t->lines->len == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s is empty: a CSV file needs a header line and data rows"), path);
      return FALSE;
    }
  if (t->lines->len == 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has a header (line %d) but no data rows"),
                   path, g_array_index (t->lines, int, 0));
      return FALSE;
    }

  int n_cols = l->n_cols = t->n_cols;
  l->n_rows = t->lines->len - 1;
  l->f = (const char *const *) t->fields->pdata;
  const char *const *header = l->f;
  l->col_names = g_new0 (char *, n_cols + 1);
  l->owned = g_ptr_array_new_with_free_func (g_free);
  for (int c = 0; c < n_cols; c++)
    {
      if (header[c][0] != '\0')
        l->col_names[c] = (char *) header[c];
      else
        {
          l->col_names[c] = g_strdup_printf ("column %d", c + 1);
          g_ptr_array_add (l->owned, l->col_names[c]);
        }
    }

  /* Target column. */
  l->target = n_cols - 1;
  if (l->opt->target != NULL)
    {
      l->target = -1;
      for (int c = 0; c < n_cols && l->target < 0; c++)
        if (g_str_equal (l->col_names[c], l->opt->target))
          l->target = c;
      for (int c = 0; c < n_cols && l->target < 0; c++)
        if (g_ascii_strcasecmp (l->col_names[c], l->opt->target) == 0)
          l->target = c;
      if (l->target < 0)
        {
          g_autofree char *list = g_strjoinv (", ", l->col_names);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("%s, line %d: no column “%s” for the target; columns: %s"),
                       path, g_array_index (t->lines, int, 0), l->opt->target, list);
          return FALSE;
        }
    }
  if (n_cols < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("%s, line %d: a single column; the table needs features and a target"),
                   path, g_array_index (t->lines, int, 0));
      return FALSE;
    }
  return TRUE;
}

/* Counts each column's cells of each kind and decides which columns are
 * numeric: those whose filled cells are numbers (non-finite ones included)
 * in at least CSV_NUMERIC_PERCENT %. There the other cells are missing
 * values, since a float feature cannot hold them, rather than making the
 * whole column categorical. */
static void
csv_load_scan (CsvLoad *l)
{
  int n_cols = l->n_cols;
  l->kinds = g_new0 (CsvKinds, n_cols);
  l->numeric = g_new (gboolean, n_cols);
  for (size_t r = 0; r < l->n_rows; r++)
    for (int c = 0; c < n_cols; c++)
      l->kinds[c].n[cell_kind (l->f[(r + 1) * n_cols + c])]++;
  for (int c = 0; c < n_cols; c++)
    {
      const size_t *k = l->kinds[c].n;
      size_t numbers = k[CELL_NUMBER] + k[CELL_NON_FINITE];
      size_t filled = numbers + k[CELL_TOO_LARGE] + k[CELL_WORD];
      /* numbers / filled >= PERCENT / 100, in integers */
      l->numeric[c] = numbers == filled || 100 * numbers >= CSV_NUMERIC_PERCENT * filled;
    }
}

/* The error for the missing cell s (data row r, column c) under
 * missing=error, in the words that fit what the cell holds. */
static void
csv_missing_error (CsvLoad *l, size_t r, int c, const char *s, GError **error)
{
  const char *fix = "choose what to do with missing values (missing=drop, mean or zero)";
  int line = g_array_index (l->t.lines, int, r + 1);
  const size_t *k = l->kinds[c].n;
  switch (cell_kind (s))
    {
    case CELL_NON_FINITE:
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                   _("%s, line %d, column “%s”: “%s” is not a finite number, so in "
                   "this numeric column it is a missing value; %s"),
                   l->path, line, l->col_names[c], s, fix);
      break;
    case CELL_TOO_LARGE:
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                   _("%s, line %d, column “%s”: “%s” is beyond a float's range (%g), so in "
                   "this numeric column it is a missing value; correct it or %s"),
                   l->path, line, l->col_names[c], s, FLT_MAX, fix);
      break;
    case CELL_WORD:
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                   _("%s, line %d, column “%s”: “%s” is not a number, but %zu of the "
                   "column's %zu filled cells are (%d %% or more make a numeric column), so "
                   "it is a missing value; correct it or %s"),
                   l->path, line, l->col_names[c], s,
                   k[CELL_NUMBER] + k[CELL_NON_FINITE],
                   k[CELL_NUMBER] + k[CELL_NON_FINITE] + k[CELL_TOO_LARGE] + k[CELL_WORD],
                   CSV_NUMERIC_PERCENT, fix);
      break;
    case CELL_MISSING:
    case CELL_NUMBER:
    case CELL_N_KINDS:
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING,
                   _("%s, line %d, column “%s”: missing value; %s"),
                   l->path, line, l->col_names[c], fix);
      break;
    }
}

/* Which columns are numeric, the missing cells (counted into
 * *n_missing_out, an error under missing=error), the rows that stay, and
 * the train/test split. */
static gboolean
csv_load_rows (CsvLoad *l, int *n_missing_out, GCancellable *cancel, GError **error)
{
  const char *path = l->path;
  const NnCsvOptions *opt = l->opt;
  int n_cols = l->n_cols;
  size_t n_rows = l->n_rows;
  const char *const *f = l->f;

  csv_load_scan (l);

  /* Missing cells: count them, report the first, or decide which rows go. */
  g_autofree gboolean *missing = g_new (gboolean, n_rows * n_cols);
  int n_missing = 0;
  for (size_t r = 0; r < n_rows; r++)
    for (int c = 0; c < n_cols; c++)
      {
        const char *s = f[(r + 1) * n_cols + c];
        gboolean m = cell_is_missing (s, l->numeric[c]);
        missing[r * n_cols + c] = m;
        n_missing += m;
        if (m && opt->missing == NN_MISSING_ERROR)
          {
            csv_missing_error (l, r, c, s, error);
            if (n_missing_out != NULL)
              *n_missing_out = n_missing;
            return FALSE;
          }
      }
  if (n_missing_out != NULL)
    *n_missing_out = n_missing;

  l->rows = g_new (size_t, n_rows);
  size_t n_keep = 0;
  for (size_t r = 0; r < n_rows; r++)
    {
      gboolean drop = missing[r * n_cols + l->target];
      /* A made-up label would teach the model something false, so a row
       * without a target goes even when features are imputed. */
      if (opt->missing == NN_MISSING_DROP)
        for (int c = 0; c < n_cols && !drop; c++)
          drop = missing[r * n_cols + c];
      if (!drop)
        l->rows[n_keep++] = r;
    }
  if (n_keep == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s: all %zu rows (lines %d to %d) have missing values and were dropped"),
                   path, n_rows, g_array_index (l->t.lines, int, 1),
                   g_array_index (l->t.lines, int, n_rows));
      return FALSE;
    }
  if (nn_data_cancelled (cancel, error))
    return FALSE;

  double frac = opt->test_fraction;
  if (frac == 0.0)
    frac = CSV_DEFAULT_TEST;
  size_t n_test = frac > 0 && frac < 1 ? (size_t) floor (n_keep * frac + 0.5) : 0;
  l->n_test = MIN (n_test, n_keep - 1);
  l->n_keep = n_keep;
  l->n_train = n_keep - l->n_test;
  return TRUE;
}

/* Every column's values over the kept rows, and the task: classification
 * or regression (guessed from the target when auto_task is set). */
static gboolean
csv_load_columns (CsvLoad *l, gboolean auto_task, GError **error)
{
  int n_cols = l->n_cols, target = l->target;
  size_t n_keep = l->n_keep;
  const size_t *rows = l->rows;
  const char *const *f = l->f;
  l->cols = g_new0 (CsvColumn, n_cols);
  for (int c = 0; c < n_cols; c++)
    {
      l->cols[c].name = l->col_names[c];
      csv_column_build (&l->cols[c], &l->t, c, rows, n_keep, FALSE, l->numeric[c]);
    }

  /* Target: decide the task, then build classes if it is classification. */
  CsvColumn *tc = &l->cols[target];
  gboolean classify = l->opt->classify;
  if (auto_task)
    {
      classify = !tc->numeric;
      if (tc->numeric && tc->integer)
        {
          CsvColumn probe = { 0 };
          csv_column_build (&probe, &l->t, target, rows, n_keep, TRUE, l->numeric[target]);
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
                   _("%s, line %d: target “%s” holds “%s”, not a number; use task=classify"),
                   l->path, g_array_index (l->t.lines, int, rows[MIN (r, n_keep - 1)] + 1),
                   tc->name, f[(rows[MIN (r, n_keep - 1)] + 1) * n_cols + target]);
      return FALSE;
    }
  if (classify && tc->cat == NULL)
    {
      csv_column_clear (tc);
      memset (tc, 0, sizeof *tc);
      tc->name = l->col_names[target];
      csv_column_build (tc, &l->t, target, rows, n_keep, TRUE, l->numeric[target]);
    }
  l->classify = classify;
  return TRUE;
}

/* ---- notes for the user ------------------------------------------------ */

/* A cell as a note quotes it: valid UTF-8, at most 40 characters. */
static char *
note_quote (const char *cell)
{
  g_autofree char *valid = g_utf8_make_valid (cell, -1);
  if (g_utf8_strlen (valid, -1) <= 40)
    return g_steal_pointer (&valid);
  g_autofree char *head = g_utf8_substring (valid, 0, 39);
  return g_strconcat (head, "…", NULL);
}

/* "line 5: “abc”; line 9: “x”; and 2 more": the first `max` cells of
 * column c whose kind is in kinds (a mask), `count` of them in all. */
static char *
note_examples (const CsvLoad *l, int c, guint kinds, size_t count, size_t max)
{
  GString *s = g_string_new (NULL);
  size_t shown = 0;
  for (size_t r = 0; r < l->n_rows && shown < max; r++)
    {
      const char *cell = l->f[(r + 1) * l->n_cols + c];
      if (!(kinds & (1u << cell_kind (cell))))
        continue;
      g_autofree char *q = note_quote (cell);
      g_string_append_printf (s, "%sline %d: “%s”", shown ? "; " : "",
                              g_array_index (l->t.lines, int, r + 1), q);
      shown++;
    }
  if (count > shown)
    g_string_append_printf (s, "; and %zu more", count - shown);
  return g_string_free (s, FALSE);
}

/* "column “weight”: 1 cell not a number (line 17: “abc”), treated as
 * missing; filled with ...": the cells of `kind` in numeric column c. */
static void
note_invalid_cells (CsvLoad *l, int c, CsvCellKind kind)
{
  size_t count = l->kinds[c].n[kind];
  if (count == 0)
    return;
  const char *what =
    kind == CELL_WORD ? (count == 1 ? "cell not a number" : "cells not numbers")
    : kind == CELL_NON_FINITE ? (count == 1 ? "cell not finite" : "cells not finite")
    : (count == 1 ? "cell beyond a float's range" : "cells beyond a float's range");
  const char *then;
  if (c == l->target)
    then = count == 1 ? "its row is left out, as a row without a target"
                      : "their rows are left out, as rows without a target";
  else if (l->opt->missing == NN_MISSING_DROP)
    then = count == 1 ? "its row is dropped (missing=drop)"
                      : "their rows are dropped (missing=drop)";
  else if (l->opt->missing == NN_MISSING_MEAN)
    then = "filled with the column's mean over the training rows (missing=mean)";
  else
    then = "filled with 0 (missing=zero)";
  g_autofree char *examples = note_examples (l, c, 1u << kind, count, CSV_NOTE_EXAMPLES);
  g_ptr_array_add (l->notes, g_strdup_printf ("column “%s”: %zu %s (%s), treated as missing; %s",
                                              l->col_names[c], count, what, examples, then));
}

/* Why column c is not numeric: "no cell is a number", or "only 8 of its 9
 * filled cells are numbers, fewer than 90 %; line 4: “x”". */
static char *
note_why_categorical (const CsvLoad *l, int c)
{
  const size_t *k = l->kinds[c].n;
  size_t numbers = k[CELL_NUMBER] + k[CELL_NON_FINITE];
  size_t others = k[CELL_WORD] + k[CELL_TOO_LARGE];
  if (numbers == 0)
    return g_strdup ("no cell is a number");
  g_autofree char *example = note_examples (l, c, (1u << CELL_WORD) | (1u << CELL_TOO_LARGE),
                                            1, 1);
  return g_strdup_printf ("only %zu of its %zu filled cells are numbers, fewer than the %d %% "
                          "a numeric column needs; %s", numbers, numbers + others,
                          CSV_NUMERIC_PERCENT, example);
}

/* What the target became: classes (and why) or values to regress. */
static char *
note_target (const CsvLoad *l, gboolean auto_task)
{
  const CsvColumn *tc = &l->cols[l->target];
  const char *name = l->col_names[l->target];
  if (!l->classify)
    return g_strdup_printf ("target “%s”: regression, one number per row%s", name,
                            auto_task ? "" : " (task=regress)");
  if (tc->cat_names != NULL)
    {
      g_autofree char *why = note_why_categorical (l, l->target);
      return g_strdup_printf ("target “%s” treated as categorical: %d classes (%s)", name,
                              tc->n_cat, why);
    }
  if (!auto_task)
    return g_strdup_printf ("target “%s”: %d classes (task=classify)", name, tc->n_cat);
  return g_strdup_printf ("target “%s”: %d classes, since its values are whole numbers with "
                          "at most %d distinct values (task=regress predicts them as numbers)",
                          name, tc->n_cat, CSV_MAX_AUTO_CLASSES);
}

/* The notes a user reads about this load (nn_dataset_get_notes): cells a
 * numeric column could not use, columns taken as categorical and why, the
 * target's task. */
static void
csv_load_notes (CsvLoad *l, gboolean auto_task)
{
  l->notes = g_ptr_array_new_with_free_func (g_free);
  for (int c = 0; c < l->n_cols; c++)
    {
      if (l->numeric[c])
        {
          note_invalid_cells (l, c, CELL_WORD);
          note_invalid_cells (l, c, CELL_TOO_LARGE);
          note_invalid_cells (l, c, CELL_NON_FINITE);
        }
      else if (c != l->target && !l->cols[c].numeric)
        {
          g_autofree char *why = note_why_categorical (l, c);
          int n = l->cols[c].n_cat;
          g_ptr_array_add (l->notes,
                           g_strdup_printf ("column “%s” treated as categorical: %d distinct "
                                            "value%s, one 0/1 feature each (%s)",
                                            l->col_names[c], n, n == 1 ? "" : "s", why));
        }
    }
  g_ptr_array_add (l->notes, note_target (l, auto_task));
}

/* The features array: one feature per numeric column, one 0/1 indicator
 * per value of a categorical one (*one_hot_out marks those), missing
 * values imputed as opt->missing says. */
static NnArray *
csv_load_features (CsvLoad *l, gboolean **one_hot_out, GError **error)
{
  const NnCsvOptions *opt = l->opt;
  size_t n_keep = l->n_keep, n_train = l->n_train;
  size_t n_feat = 0;
  for (int c = 0; c < l->n_cols; c++)
    if (c != l->target)
      n_feat += l->cols[c].numeric ? 1 : (size_t) l->cols[c].n_cat;
  if (n_feat == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s: the feature columns hold no values"), l->path);
      return NULL;
    }
  if (n_feat > G_MAXINT)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s: %zu features are too many"), l->path, n_feat);
      return NULL;
    }

  int xshape[1] = { (int) n_feat };
  g_autoptr(NnArray) x = nn_array_new ("features", NN_DTYPE_F32, 1, xshape, n_keep, error);
  if (x == NULL)
    return NULL;
  x->feature_names = g_new0 (char *, n_feat);
  g_autofree gboolean *one_hot = g_new0 (gboolean, n_feat);
  float *xd = x->data;

  size_t fo = 0;
  for (int c = 0; c < l->n_cols; c++)
    {
      if (c == l->target)
        continue;
      CsvColumn *col = &l->cols[c];
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
  *one_hot_out = g_steal_pointer (&one_hot);
  return g_steal_pointer (&x);
}

/* The target array: class indices (I32) with their names, or values. */
static NnArray *
csv_load_target (CsvLoad *l, int *n_classes_out, char ***class_names_out, GError **error)
{
  CsvColumn *tc = &l->cols[l->target];
  size_t n_keep = l->n_keep;
  NnArray *y;
  if (l->classify)
    {
      y = nn_array_new (tc->name, NN_DTYPE_I32, 0, NULL, n_keep, error);
      if (y == NULL)
        return NULL;
      gint32 *yd = y->data;
      for (size_t r = 0; r < n_keep; r++)
        yd[r] = tc->cat[r];
      int n_classes = tc->n_cat;
      char **class_names = g_new0 (char *, n_classes + 1);
      for (int k = 0; k < n_classes; k++)
        class_names[k] = tc->cat_names != NULL ? g_strdup (tc->cat_names[k])
                                               : g_strdup_printf ("%g", tc->cat_values[k]);
      *n_classes_out = n_classes;
      *class_names_out = class_names;
    }
  else
    {
      int yshape[1] = { 1 };
      y = nn_array_new (tc->name, NN_DTYPE_F32, 1, yshape, n_keep, error);
      if (y == NULL)
        return NULL;
      float *yd = y->data;
      for (size_t r = 0; r < n_keep; r++)
        yd[r] = (float) tc->num[r];
      *n_classes_out = 0;
      *class_names_out = NULL;
    }
  return y;
}

/* A CSV file's table (cells NULL), or cells a loader of another format
 * made (taken over, whatever the outcome), as features and a target. */
static NnDataset *
csv_load_table (const char          *path,
                NnCsvCells          *cells,
                const NnCsvOptions  *opt,
                gboolean             auto_task,
                NnNorm               norm,
                int                 *n_missing_out,
                GCancellable        *cancel,
                GError             **error)
{
  static const NnCsvOptions defaults = { NULL, NN_MISSING_ERROR, FALSE, 0.0 };
  NnDataset *result = NULL;
  g_autoptr(NnArray) x = NULL;
  g_autoptr(NnArray) y = NULL;
  g_autofree gboolean *one_hot = NULL;
  g_autofree char *base = NULL;
  int n_classes = 0;
  char **class_names = NULL;

  if (opt == NULL)
    {
      opt = &defaults;
      auto_task = TRUE;
    }
  if (n_missing_out != NULL)
    *n_missing_out = 0;

  CsvLoad l = { .path = path, .opt = opt };
  if (cells != NULL)
    {
      /* The cells are taken over as if csv_parse had read them. */
      l.contents = g_steal_pointer (&cells->contents);
      l.t.chunk = g_steal_pointer (&cells->chunk);
      l.t.fields = g_steal_pointer (&cells->fields);
      l.t.lines = g_steal_pointer (&cells->lines);
      l.t.n_cols = cells->n_cols;
      nn_csv_cells_clear (cells);
    }
  if (!(cells != NULL ? csv_load_header (&l, error) : csv_load_parse (&l, cancel, error))
      || !csv_load_rows (&l, n_missing_out, cancel, error)
      || !csv_load_columns (&l, auto_task, error))
    goto out;
  csv_load_notes (&l, auto_task);
  x = csv_load_features (&l, &one_hot, error);
  if (x == NULL)
    goto out;
  y = csv_load_target (&l, &n_classes, &class_names, error);
  if (y == NULL)
    goto out;

  base = g_path_get_basename (path);
  NnDataset *ds = nn_dataset_alloc (base, 1, 1);
  ds->n = l.n_keep;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  ds->n_classes = n_classes;
  ds->class_names = class_names;
  g_ptr_array_add (l.notes, NULL);
  ds->notes = (char **) g_ptr_array_free (g_steal_pointer (&l.notes), FALSE);
  nn_dataset_split_tail (ds, l.n_test);

  if (norm != NN_NORM_NONE)
    {
      nn_dataset_normalize (ds, 0, norm);
      /* Indicators already are 0/1; scaling them would only blur that. */
      NnArray *a = ds->inputs[0];
      for (size_t j = 0; j < a->sample_size; j++)
        if (one_hot[j])
          {
            a->scale[j] = 1.f;
            a->offset[j] = 0.f;
          }
    }
  result = ds;

out:
  csv_load_clear (&l);
  return result;
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
  return csv_load_table (path, NULL, opt, auto_task, norm, n_missing_out, cancel, error);
}

NnDataset *
nn_csv_load_cells (const char          *name,
                   NnCsvCells          *cells,
                   const NnCsvOptions  *opt,
                   gboolean             auto_task,
                   NnNorm               norm,
                   GCancellable        *cancel,
                   GError             **error)
{
  g_return_val_if_fail (cells != NULL && opt != NULL, NULL);
  return csv_load_table (name, cells, opt, auto_task, norm, NULL, cancel, error);
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

gboolean
nn_csv_read_cells (const char    *path,
                   NnCsvCells    *out,
                   GCancellable  *cancel,
                   GError       **error)
{
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  memset (out, 0, sizeof *out);
  if (!g_file_get_contents (path, &out->contents, &len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("Cannot read %s: %s"), path, local->message);
      return FALSE;
    }
  CsvTable t = { 0 };
  gboolean ok = csv_parse (path, out->contents, len, &t, cancel, error);
  out->chunk = g_steal_pointer (&t.chunk);
  out->fields = g_steal_pointer (&t.fields);
  out->lines = g_steal_pointer (&t.lines);
  out->n_cols = t.n_cols;
  out->n_records = out->lines != NULL ? out->lines->len : 0;
  if (!ok)
    nn_csv_cells_clear (out);
  return ok;
}

void
nn_csv_cells_clear (NnCsvCells *c)
{
  g_clear_pointer (&c->chunk, g_string_chunk_free);
  g_clear_pointer (&c->fields, g_ptr_array_unref);
  g_clear_pointer (&c->lines, g_array_unref);
  g_clear_pointer (&c->contents, g_free);
  c->n_cols = 0;
  c->n_records = 0;
}
