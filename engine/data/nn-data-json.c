/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-json.c: tables from JSON files: an array of flat objects, one
 * record (row) each, like the car table of python3-vega-datasets:
 *
 *   [{"Name": "chevrolet chevelle malibu", "Miles_per_Gallon": 18,
 *     "Horsepower": 130, "Year": "1970-01-01", "Origin": "USA"}, ...]
 *
 * The columns are the members of every record, in the order they first
 * appear; a member a record lacks, or holds null, is a missing cell. A
 * column holds one kind of value: numbers (true and false count as 1 and
 * 0), or strings. A string column whose every value is a date
 * (YYYY-MM-DD, optionally followed by a time) becomes the year, a number;
 * another string column with at most JSON_MAX_CATEGORIES distinct values
 * is one-hot encoded; one with more (a name, an id) is left out, with a
 * note. Rows without a target are dropped and counted; missing features
 * are filled with the mean over the training rows (or, in a categorical
 * column, its most common value there). The rows are shuffled with the
 * seed before the test split is cut from the tail, since a file such as
 * the car table is sorted (by year).
 *
 * The rest (which columns are numeric, the one-hot features, the task,
 * normalization with the training split's statistics) is the CSV
 * loader's, fed with the table as cells (nn_csv_load_cells), so the two
 * formats give the same features for the same table.
 *
 * A table nests no deeper than its records' members: the bytes are
 * checked for that before json-glib parses them, so a file of a million
 * opening brackets is refused with its record named instead of parsed. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* String columns with more distinct values are no categories. */
#define JSON_MAX_CATEGORIES 20
/* A bigger file is no table of features; the bound keeps a hostile one
 * from being parsed into a tree many times its size. */
#define JSON_MAX_BYTES      ((gsize) 256 << 20)

/* What a column holds, as its first non-null value says. */
typedef enum {
  KIND_NONE,     /* only nulls so far */
  KIND_NUMBER,   /* numbers and booleans */
  KIND_STRING,
} ColumnKind;

static const char *
node_kind_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_STRING)
    return "a string";
  if (t == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

/* Refuses nesting deeper than records' members (an array of objects of
 * plain values: depth 2) before a parser sees it; names the record. */
static gboolean
check_depth (const char  *path,
             const char  *buf,
             gsize        len,
             GError     **error)
{
  int depth = 0;
  guint record = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = buf[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          if (depth == 2)
            record++;
          if (depth > 2)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           "%s, record %u: a value nested in a record (an array or an "
                           "object); a table's records hold plain values (numbers, "
                           "strings, true, false, null)", path, MAX (record, 1));
              return FALSE;
            }
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return TRUE;
}

/* "1970-01-01" or "1970-01-01T00:00:00": its year. */
static gboolean
parse_date_year (const char *s,
                 int        *year)
{
  for (int i = 0; i < 10; i++)
    {
      gboolean digit = g_ascii_isdigit (s[i]);
      if ((i == 4 || i == 7) ? s[i] != '-' : !digit)
        return FALSE;
    }
  if (s[10] != '\0' && s[10] != 'T' && s[10] != ' ')
    return FALSE;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return FALSE;
  *year = (int) g_ascii_strtoll (s, NULL, 10);
  return TRUE;
}

/* One column as the records give it. */
typedef struct {
  const char *name;        /* borrowed from the parser's tree */
  ColumnKind  kind;
  guint       kind_record; /* the record (1-based) whose value set the kind */
  gboolean    dropped;     /* by the spec's drop= */
  gboolean    date;        /* every string a date: the year */
  gboolean    too_many;    /* a string column with too many values */
  guint       n_distinct;
  guint       n_null;      /* missing cells among the rows kept */
  int         year_min, year_max;
} JsonColumn;

typedef struct {
  const char        *path;     /* for messages */
  const NnJsonTableOptions *opt;
  JsonParser        *parser;
  JsonArray         *records;
  guint              n_records;
  GArray            *columns;  /* JsonColumn */
  GHashTable        *index;    /* name -> column index + 1 */
  int                target;
  GPtrArray         *notes;    /* char *, owned */
} JsonLoad;

static void
json_load_clear (JsonLoad *l)
{
  g_clear_object (&l->parser);
  g_clear_pointer (&l->columns, g_array_unref);
  g_clear_pointer (&l->index, g_hash_table_unref);
  g_clear_pointer (&l->notes, g_ptr_array_unref);
}

/* Reads and parses the file: an array of objects, at least one. */
static gboolean
json_load_parse (JsonLoad *l, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (l->path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL && (guint64) g_file_info_get_size (info) > JSON_MAX_BYTES)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "%s is larger than %" G_GSIZE_FORMAT " MiB, the most a JSON table may be",
                   l->path, JSON_MAX_BYTES >> 20);
      return FALSE;
    }
  if (!g_file_get_contents (l->path, &contents, &len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   "Cannot read %s: %s", l->path, local->message);
      return FALSE;
    }
  gsize i = 0;
  while (i < len && g_ascii_isspace (contents[i]))
    i++;
  if (i == len)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s is empty: a JSON table is an array of records, [{\"x\": 1, \"y\": 2}, …]",
                   l->path);
      return FALSE;
    }
  if (len > JSON_MAX_BYTES)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "%s is larger than %" G_GSIZE_FORMAT " MiB, the most a JSON table may be",
                   l->path, JSON_MAX_BYTES >> 20);
      return FALSE;
    }
  if (!g_utf8_validate_len (contents, len, NULL))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s is not valid UTF-8 text, so not JSON", l->path);
      return FALSE;
    }
  if (!check_depth (l->path, contents, len, error))
    return FALSE;

  l->parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (l->parser, contents, (gssize) len, &local))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s is not valid JSON (cut short?): %s", l->path, local->message);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (l->parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s holds %s, not an array of records: a JSON table is "
                   "[{\"x\": 1, \"y\": 2}, …]", l->path, root ? node_kind_name (root) : "nothing");
      return FALSE;
    }
  l->records = json_node_get_array (root);
  l->n_records = json_array_get_length (l->records);
  if (l->n_records == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s is an empty array: a JSON table needs records", l->path);
      return FALSE;
    }
  return TRUE;
}

/* The columns: every member's name, its kind, checked in every record. */
static gboolean
json_load_columns (JsonLoad *l, GError **error)
{
  l->columns = g_array_new (FALSE, TRUE, sizeof (JsonColumn));
  l->index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint r = 0; r < l->n_records; r++)
    {
      JsonNode *node = json_array_get_element (l->records, r);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       "%s, record %u: %s, not an object; each record of a JSON table is "
                       "an object, {\"x\": 1, \"y\": 2}", l->path, r + 1, node_kind_name (node));
          return FALSE;
        }
      JsonObject *obj = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;
      json_object_iter_init_ordered (&iter, obj);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        {
          guint k = GPOINTER_TO_UINT (g_hash_table_lookup (l->index, name));
          if (k == 0)
            {
              JsonColumn c = { .name = name };
              g_array_append_val (l->columns, c);
              k = l->columns->len;
              g_hash_table_insert (l->index, (gpointer) name, GUINT_TO_POINTER (k));
            }
          JsonColumn *c = &g_array_index (l->columns, JsonColumn, k - 1);
          if (JSON_NODE_HOLDS_NULL (value))
            continue;
          if (!JSON_NODE_HOLDS_VALUE (value))
            {
              /* check_depth lets none through; kept for a tree made otherwise. */
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           "%s, record %u, member “%s”: %s; a table's records hold plain values",
                           l->path, r + 1, name, node_kind_name (value));
              return FALSE;
            }
          ColumnKind kind = json_node_get_value_type (value) == G_TYPE_STRING
                              ? KIND_STRING : KIND_NUMBER;
          if (c->kind == KIND_NONE)
            {
              c->kind = kind;
              c->kind_record = r + 1;
            }
          else if (c->kind != kind)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                           "%s, record %u, member “%s”: %s, but record %u holds %s there; "
                           "a column holds numbers or strings, not both",
                           l->path, r + 1, name, node_kind_name (value), c->kind_record,
                           c->kind == KIND_STRING ? "a string" : "a number");
              return FALSE;
            }
        }
    }
  if (l->columns->len < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   "%s: the records have %u member%s; a table needs features and a target",
                   l->path, l->columns->len, l->columns->len == 1 ? "" : "s");
      return FALSE;
    }

  /* The target: named, or the last column. */
  const char *target = l->opt->target;
  l->target = (int) l->columns->len - 1;
  if (target != NULL)
    {
      guint k = GPOINTER_TO_UINT (g_hash_table_lookup (l->index, target));
      for (guint c = 0; c < l->columns->len && k == 0; c++)
        if (g_ascii_strcasecmp (g_array_index (l->columns, JsonColumn, c).name, target) == 0)
          k = c + 1;
      if (k == 0)
        {
          GString *list = g_string_new (NULL);
          for (guint c = 0; c < l->columns->len; c++)
            g_string_append_printf (list, "%s%s", c ? ", " : "",
                                    g_array_index (l->columns, JsonColumn, c).name);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "%s: no member “%s” for the target; the records have %s",
                       l->path, target, list->str);
          g_string_free (list, TRUE);
          return FALSE;
        }
      l->target = (int) k - 1;
    }
  JsonColumn *tc = &g_array_index (l->columns, JsonColumn, l->target);
  if (tc->kind == KIND_NONE)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s: the target “%s” is null (or absent) in all %u records",
                   l->path, tc->name, l->n_records);
      return FALSE;
    }

  /* drop=a,b: each must name a column, and not the target. */
  if (l->opt->drop != NULL && l->opt->drop[0] != '\0')
    {
      g_auto(GStrv) names = g_strsplit (l->opt->drop, ",", -1);
      for (int i = 0; names[i] != NULL; i++)
        {
          g_strstrip (names[i]);
          guint k = GPOINTER_TO_UINT (g_hash_table_lookup (l->index, names[i]));
          if (k == 0)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           "%s: drop names “%s”, which no record has", l->path, names[i]);
              return FALSE;
            }
          if ((int) k - 1 == l->target)
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           "%s: drop names the target “%s”", l->path, names[i]);
              return FALSE;
            }
          g_array_index (l->columns, JsonColumn, k - 1).dropped = TRUE;
        }
    }
  return TRUE;
}

/* The value of column c in record obj: NULL when missing (absent, null). */
static JsonNode *
record_value (JsonObject *obj, const JsonColumn *c)
{
  JsonNode *v = json_object_get_member (obj, c->name);
  return v == NULL || JSON_NODE_HOLDS_NULL (v) ? NULL : v;
}

/* String columns: dates (the year) or categories (few distinct values),
 * else left out. */
static void
json_load_strings (JsonLoad *l)
{
  for (guint k = 0; k < l->columns->len; k++)
    {
      JsonColumn *c = &g_array_index (l->columns, JsonColumn, k);
      if (c->kind != KIND_STRING || c->dropped)
        continue;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      c->date = TRUE;
      c->year_min = G_MAXINT;
      c->year_max = G_MININT;
      for (guint r = 0; r < l->n_records; r++)
        {
          JsonNode *v = record_value (json_array_get_object_element (l->records, r), c);
          if (v == NULL)
            continue;
          const char *s = json_node_get_string (v);
          int year;
          g_hash_table_add (seen, (gpointer) s);
          if (c->date && parse_date_year (s, &year))
            {
              c->year_min = MIN (c->year_min, year);
              c->year_max = MAX (c->year_max, year);
            }
          else
            c->date = FALSE;
        }
      c->n_distinct = g_hash_table_size (seen);
      /* The target's strings are classes, however many. */
      c->too_many = !c->date && (int) k != l->target && c->n_distinct > JSON_MAX_CATEGORIES;
    }
}

/* The cell text of value v in column c ("" when missing). */
static char *
cell_text (const JsonColumn *c, JsonNode *v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  int year;
  if (v == NULL)
    return g_strdup ("");
  if (c->kind == KIND_STRING)
    {
      const char *s = json_node_get_string (v);
      if (c->date && parse_date_year (s, &year))
        return g_strdup_printf ("%d", year);
      /* A cell the CSV loader would read as missing stays a category. */
      return g_strdup (s[0] == '\0' ? "(empty)" : s);
    }
  if (json_node_get_value_type (v) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (v) ? "1" : "0");
  return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (v)));
}

/* The cells (header first), rows shuffled, rows without a target left out. */
static gboolean
json_load_cells (JsonLoad *l, NnCsvCells *cells, GError **error)
{
  GArray *cols = l->columns;
  const JsonColumn *tc = &g_array_index (cols, JsonColumn, l->target);

  /* The rows kept, in shuffled order. */
  g_autofree guint *order = g_new (guint, l->n_records);
  guint n_keep = 0;
  for (guint r = 0; r < l->n_records; r++)
    if (record_value (json_array_get_object_element (l->records, r), tc) != NULL)
      order[n_keep++] = r;
  guint n_dropped = l->n_records - n_keep;
  g_assert (n_keep > 0); /* json_load_columns saw a target value */
  GRand *rand = g_rand_new_with_seed ((guint32) (l->opt->seed ^ (l->opt->seed >> 32)));
  for (guint i = n_keep; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      guint t = order[i - 1];
      order[i - 1] = order[j];
      order[j] = t;
    }
  g_rand_free (rand);

  memset (cells, 0, sizeof *cells);
  cells->chunk = g_string_chunk_new (4096);
  cells->fields = g_ptr_array_new ();
  cells->lines = g_array_new (FALSE, FALSE, sizeof (int));
  int n_cols = 0;
  for (guint k = 0; k < cols->len; k++)
    {
      JsonColumn *c = &g_array_index (cols, JsonColumn, k);
      if (c->dropped || c->too_many || c->kind == KIND_NONE)
        continue;
      g_ptr_array_add (cells->fields, g_string_chunk_insert (cells->chunk, c->name));
      n_cols++;
    }
  int header_line = 0;
  g_array_append_val (cells->lines, header_line);
  for (guint i = 0; i < n_keep; i++)
    {
      JsonObject *obj = json_array_get_object_element (l->records, order[i]);
      for (guint k = 0; k < cols->len; k++)
        {
          JsonColumn *c = &g_array_index (cols, JsonColumn, k);
          if (c->dropped || c->too_many || c->kind == KIND_NONE)
            continue;
          JsonNode *v = record_value (obj, c);
          if (v == NULL)
            c->n_null++;
          g_autofree char *text = cell_text (c, v);
          g_ptr_array_add (cells->fields, g_string_chunk_insert (cells->chunk, text));
        }
      int record = (int) MIN (order[i] + 1, (guint) G_MAXINT);
      g_array_append_val (cells->lines, record);
    }
  cells->n_cols = n_cols;
  cells->n_records = cells->lines->len;
  if (n_cols < 2)
    {
      nn_csv_cells_clear (cells);
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "%s: no feature is left beside the target “%s” (the others are dropped, "
                   "all null, or strings with more than %d distinct values)",
                   l->path, tc->name, JSON_MAX_CATEGORIES);
      return FALSE;
    }

  /* Notes: what became of the rows and columns. */
  if (n_dropped > 0)
    g_ptr_array_add (l->notes, g_strdup_printf ("%u of %u records have no target “%s” (null): "
                                                "left out", n_dropped, l->n_records,
                                                tc->name));
  for (guint k = 0; k < cols->len; k++)
    {
      JsonColumn *c = &g_array_index (cols, JsonColumn, k);
      if (c->dropped)
        g_ptr_array_add (l->notes, g_strdup_printf ("column “%s” left out (drop=)", c->name));
      else if (c->kind == KIND_NONE)
        g_ptr_array_add (l->notes, g_strdup_printf ("column “%s” left out: null in every "
                                                    "record", c->name));
      else if (c->too_many)
        g_ptr_array_add (l->notes, g_strdup_printf ("column “%s” left out: %u distinct "
                                                    "strings, more than the %d a category "
                                                    "column may have", c->name,
                                                    c->n_distinct, JSON_MAX_CATEGORIES));
      else
        {
          if (c->date && c->kind == KIND_STRING)
            g_ptr_array_add (l->notes, g_strdup_printf ("column “%s”: dates, taken as their "
                                                        "year (%d to %d)", c->name,
                                                        c->year_min, c->year_max));
          if (c->n_null > 0 && (int) k != l->target)
            g_ptr_array_add (l->notes,
                             g_strdup_printf ("column “%s”: %u null%s, filled with the %s "
                                              "over the training rows", c->name, c->n_null,
                                              c->n_null == 1 ? "" : "s",
                                              c->kind == KIND_STRING && !c->date
                                                ? "most common value" : "mean"));
        }
    }
  return TRUE;
}

NnDataset *
nn_json_table_load (const char                *path,
                    const char                *name,
                    const NnJsonTableOptions  *opt,
                    GCancellable              *cancel,
                    GError                   **error)
{
  g_return_val_if_fail (path != NULL && opt != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *base = g_path_get_basename (path);
  JsonLoad l = { .path = path, .opt = opt, .target = -1 };
  l.notes = g_ptr_array_new_with_free_func (g_free);
  NnCsvCells cells = { 0 };
  NnDataset *ds = NULL;
  if (!json_load_parse (&l, error)
      || nn_data_cancelled (cancel, error)
      || !json_load_columns (&l, error))
    goto out;
  json_load_strings (&l);
  if (!json_load_cells (&l, &cells, error))
    goto out;

  NnCsvOptions csv = {
    .target = g_array_index (l.columns, JsonColumn, l.target).name,
    .missing = NN_MISSING_MEAN,
    .classify = opt->classify,
    /* nn_csv_load_cells: 0 is its default, negative none. */
    .test_fraction = opt->test_fraction > 0 ? opt->test_fraction : -1.0,
  };
  ds = nn_csv_load_cells (name != NULL ? name : base, &cells, &csv, opt->auto_task, opt->norm,
                          cancel, error);
  if (ds == NULL)
    goto out;

  /* This loader's notes first, then the table's (categories, the task). */
  for (guint i = 0; ds->notes != NULL && ds->notes[i] != NULL; i++)
    g_ptr_array_add (l.notes, ds->notes[i]);
  g_free (ds->notes);
  g_ptr_array_add (l.notes, NULL);
  ds->notes = (char **) g_ptr_array_free (g_steal_pointer (&l.notes), FALSE);

out:
  nn_csv_cells_clear (&cells);
  json_load_clear (&l);
  return ds;
}
