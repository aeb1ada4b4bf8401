/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CSV datasets: numeric and categorical columns, quoting, missing and
 * non-finite cells, errors, notes and long fields. Test files are written
 * into a fresh temporary directory. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "nn.h"
#include "test-util.h"

static char *tmpdir;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static char *
write_file (const char *name,
            const void *data,
            gsize       len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  /* Without the atomic-replace flags GLib writes over the old file without
   * truncating it (2.74), so remove it first; the flags' fsync would make
   * the mutation test crawl. */
  g_remove (path);
  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_text (const char *name,
            const char *text)
{
  return write_file (name, text, strlen (text));
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                      */
/* ------------------------------------------------------------------------ */

static NnDataset *
csv_open (const char   *name,
          const char   *text,
          const char   *options,
          GError      **error)
{
  g_autofree char *path = write_text (name, text);
  g_autofree char *spec = g_strconcat (path, options, NULL);
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

static void
test_csv_numeric (void)
{
  g_autoptr(GError) error = NULL;
  /* 10 rows: integer target with 2 values → classification. */
  const char *text =
    "x1,x2,label\n"
    "1,10,0\n2,20,1\n3,30,0\n4,40,1\n5,50,0\n"
    "6,60,1\n7,70,0\n8,80,1\n9,90,0\n1000,100,1\n";
  g_autoptr(NnDataset) ds = csv_open ("num.csv", text, "", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "num.csv");
  g_assert_cmpuint (ds->n, ==, 10);
  g_assert_cmpuint (ds->n_train, ==, 8);
  g_assert_cmpuint (ds->n_test, ==, 2);
  g_assert_cmpuint (ds->test_idx[0], ==, 8);
  NnArray *x = ds->inputs[0], *y = ds->targets[0];
  g_assert_cmpint (x->ndim, ==, 1);
  g_assert_cmpint (x->shape[0], ==, 2);
  g_assert_cmpstr (x->feature_names[0], ==, "x1");
  g_assert_cmpstr (x->feature_names[1], ==, "x2");
  g_assert_cmpfloat (raw_f32 (x, 9, 0), ==, 1000.f);
  g_assert_cmpfloat (raw_f32 (x, 2, 1), ==, 30.f);
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[1], ==, "1");
  g_assert_cmpint (((gint32 *) y->data)[3], ==, 1);

  /* Normalized from the 8 training rows: x1 has mean 4.5 there; the
   * 1000 in the test rows does not count. */
  g_assert_cmpfloat_with_epsilon (x->offset[0] / x->scale[0], -4.5, 1e-4);
  double sum = 0, sq = 0;
  for (size_t i = 0; i < ds->n_train; i++)
    {
      double v = nn_array_get (x, ds->train_idx[i], 0);
      sum += v, sq += v * v;
    }
  g_assert_cmpfloat_with_epsilon (sum / 8, 0, 1e-5);
  g_assert_cmpfloat_with_epsilon (sq / 8, 1, 1e-4);

  /* Float target → regression; task= and target= override the guess. */
  const char *reg = "a,b,price\n1,2,3.5\n2,3,4.25\n3,4,1.0\n4,5,2.0\n5,6,7.5\n";
  g_autoptr(NnDataset) r = csv_open ("reg.csv", reg, ":norm=none", &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->n_classes, ==, 0);
  g_assert_null (r->class_names);
  g_assert_cmpint (r->targets[0]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (r->targets[0]->shape[0], ==, 1);
  g_assert_cmpfloat (raw_f32 (r->targets[0], 1, 0), ==, 4.25f);
  g_assert_null (r->inputs[0]->scale);
  g_assert_cmpuint (r->n_test, ==, 1);

  g_autoptr(NnDataset) r2 = csv_open ("reg2.csv", reg, ":target=a:task=regress:test=0.4",
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpint (r2->targets[0]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpstr (r2->targets[0]->name, ==, "a");
  g_assert_cmpstr (r2->inputs[0]->feature_names[1], ==, "price");
  g_assert_cmpuint (r2->n_test, ==, 2);

  g_autoptr(NnDataset) c = csv_open ("cls.csv", reg, ":target=a:task=classify:test=0", &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->n_classes, ==, 5);
  g_assert_cmpuint (c->n_test, ==, 0);
  g_assert_cmpuint (c->n_train, ==, 5);

  /* Many distinct integers: regression. */
  GString *many = g_string_new ("x,y\n");
  for (int i = 0; i < 30; i++)
    g_string_append_printf (many, "%d,%d\n", i, i * 3);
  g_autoptr(NnDataset) m = csv_open ("many.csv", many->str, "", &error);
  g_string_free (many, TRUE);
  g_assert_no_error (error);
  g_assert_cmpint (m->n_classes, ==, 0);

  /* Min/max normalization on request. */
  g_autoptr(NnDataset) mm = csv_open ("mm.csv", text, ":norm=minmax", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (nn_array_get (mm->inputs[0], 0, 0), 0.f, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_array_get (mm->inputs[0], 7, 0), 1.f, 1e-6);
  g_assert_cmpfloat (nn_array_get (mm->inputs[0], 9, 0), >, 100.f);

  /* normalize is the one name for it, as for every dataset (norm, its
   * older name, still reads); given once, it replaces the CSV default
   * rather than normalizing a second time. */
  g_autoptr(NnDataset) mm2 = csv_open ("mm2.csv", text, ":normalize=minmax", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (mm2->inputs[0]->data, mm2->n * mm2->inputs[0]->sample_size * sizeof (float),
                   mm->inputs[0]->data, mm->n * mm->inputs[0]->sample_size * sizeof (float));
  g_autoptr(NnDataset) raw = csv_open ("raw.csv", text, ":normalize=none", &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) dflt = csv_open ("dflt.csv", text, "", &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) ms = csv_open ("ms.csv", text, ":normalize=meanstd", &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < raw->n; i++)
    {
      /* the default is mean/std, and none leaves the file's numbers */
      g_assert_cmpfloat (nn_array_get (ms->inputs[0], i, 0), ==, nn_array_get (dflt->inputs[0], i, 0));
      g_assert_cmpfloat (nn_array_get (raw->inputs[0], i, 0), !=, nn_array_get (dflt->inputs[0], i, 0));
    }
  g_assert_null (csv_open ("both.csv", text, ":normalize=none:norm=minmax", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "give normalize once"));
  g_clear_error (&error);
  /* An unknown option's message lists normalize once and not the old name. */
  g_assert_null (csv_open ("bad.csv", text, ":nrm=none", &error));
  g_assert_nonnull (strstr (error->message, "accepted: target, missing, task, test, normalize"));
  g_clear_error (&error);
}

static void
test_csv_categorical_quoted (void)
{
  g_autoptr(GError) error = NULL;
  /* Quoted fields with commas, "" escapes and a line break; CRLF; spaces
   * around unquoted fields; blank lines at the end. */
  const char *text =
    "size, color ,\"name, full\",species\r\n"
    "1.5,red,\"a,b\",cat\r\n"
    "2.5, blue ,\"say \"\"hi\"\"\",dog\r\n"
    "3.5,red,\"two\nlines\",cat\r\n"
    "4.5,green,plain,bird\r\n"
    "5.5,blue,plain,dog\r\n"
    "\r\n\r\n";
  g_autoptr(NnDataset) ds = csv_open ("cat.csv", text, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 5);
  NnArray *x = ds->inputs[0];
  /* size + 3 colors + 4 names */
  g_assert_cmpint (x->shape[0], ==, 8);
  const char *names[8] = {
    "size", "color=blue", "color=green", "color=red",
    "name, full=a,b", "name, full=plain", "name, full=say \"hi\"", "name, full=two\nlines",
  };
  for (int j = 0; j < 8; j++)
    g_assert_cmpstr (x->feature_names[j], ==, names[j]);
  /* Row 1 (line 3): blue, say "hi". */
  const float row1[8] = { 2.5f, 1, 0, 0, 0, 0, 1, 0 };
  for (int j = 0; j < 8; j++)
    g_assert_cmpfloat (raw_f32 (x, 1, j), ==, row1[j]);
  /* Indicators are not rescaled; the numeric column is. */
  for (int j = 1; j < 8; j++)
    {
      g_assert_cmpfloat (x->scale[j], ==, 1.f);
      g_assert_cmpfloat (x->offset[j], ==, 0.f);
    }
  g_assert_cmpfloat (x->scale[0], !=, 1.f);

  /* Categorical target: classes are the sorted values. */
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[0], ==, "bird");
  g_assert_cmpstr (ds->class_names[1], ==, "cat");
  g_assert_cmpstr (ds->class_names[2], ==, "dog");
  const gint32 expect[5] = { 1, 2, 1, 0, 2 };
  g_assert_cmpmem (ds->targets[0]->data, sizeof expect, expect, sizeof expect);

  /* The same table with LF line ends loads the same. */
  g_autofree char *lf = g_strdup (text);
  char *w = lf;
  for (const char *p = text; *p; p++)
    if (*p != '\r')
      *w++ = *p;
  *w = '\0';
  g_autoptr(NnDataset) ds2 = csv_open ("cat-lf.csv", lf, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds2->n, ==, 5);
  g_assert_cmpmem (ds->inputs[0]->data, 5 * 8 * 4, ds2->inputs[0]->data, 5 * 8 * 4);

  /* A non-numeric target cannot be regressed. */
  g_assert_null (csv_open ("cat2.csv", text, ":task=regress", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);

  /* A quote that never closes names the line where it opened. */
  g_assert_null (csv_open ("open.csv", "a,b\n1,2\n3,\"oops\n4,5\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_clear_error (&error);
}

static void
test_csv_missing (void)
{
  g_autoptr(GError) error = NULL;
  /* Line numbers: header 1; data rows on lines 2..11 (10 rows, last 2 are
   * the test split once nothing is dropped). Missing: line 4 col a (""),
   * line 6 col b (NA), line 7 target (?), line 8 col a (NaN) */
  const char *text =
    "a,b,y\n"
    "1,1,0.5\n"
    "3,2,1.5\n"
    ",3,2.5\n"
    "5,4,3.5\n"
    "7,NA,4.5\n"
    "9,6,?\n"
    "NaN,7,6.5\n"
    "11,8,7.5\n"
    "13,9,8.5\n"
    "15,10,9.5\n";
  int n_missing = -1;
  g_autofree char *path = write_text ("missing.csv", text);

  NnCsvOptions opt = { .target = "y", .missing = NN_MISSING_ERROR, .classify = FALSE };
  g_assert_null (nn_csv_load (path, &opt, &n_missing, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "line 4"));
  g_assert_nonnull (strstr (error->message, "“a”"));
  g_clear_error (&error);

  /* drop: 4 rows go, 6 remain (5 train, 1 test). */
  opt.missing = NN_MISSING_DROP;
  g_autoptr(NnDataset) d = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (d->n, ==, 6);
  g_assert_cmpuint (d->n_test, ==, 1);
  const float ya[6] = { 0.5f, 1.5f, 3.5f, 7.5f, 8.5f, 9.5f };
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (raw_f32 (d->targets[0], i, 0), ==, ya[i]);

  /* mean: the row without a target goes (9 rows: 7 train, 2 test); feature
   * gaps get the training mean of their column. Training rows of a:
   * 1, 3, -, 5, 7, -, 11 → mean 27/5; of b: 1, 2, 3, 4, -, 7, 8 → 25/6. */
  n_missing = -1;
  opt.missing = NN_MISSING_MEAN;
  g_autoptr(NnDataset) m = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (m->n, ==, 9);
  g_assert_cmpuint (m->n_train, ==, 7);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 2, 0), 27.0 / 5, 1e-5);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 5, 0), 27.0 / 5, 1e-5);
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 4, 1), 25.0 / 6, 1e-5);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 8, 0), ==, 15.f);

  /* zero */
  opt.missing = NN_MISSING_ZERO;
  g_autoptr(NnDataset) z = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (z->n, ==, 9);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 2, 0), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 4, 1), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 3, 1), ==, 4.f);

  /* The spec form, and a categorical column with a gap: mean takes the
   * most common training value, zero leaves all indicators at 0. */
  const char *cat = "c,y\nred,1.5\nblue,2.5\nred,3.5\n,4.5\nblue,5.5\n";
  g_autoptr(NnDataset) cm = csv_open ("catmiss.csv", cat, ":missing=mean:norm=none", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (raw_f32 (cm->inputs[0], 3, 0), ==, 0.f);  /* c=blue */
  g_assert_cmpfloat (raw_f32 (cm->inputs[0], 3, 1), ==, 1.f);  /* c=red */
  g_autoptr(NnDataset) cz = csv_open ("catmiss2.csv", cat, ":missing=zero", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (raw_f32 (cz->inputs[0], 3, 0), ==, 0.f);
  g_assert_cmpfloat (raw_f32 (cz->inputs[0], 3, 1), ==, 0.f);
  g_assert_null (csv_open ("catmiss3.csv", cat, "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "line 5"));
  g_clear_error (&error);

  /* Every row has a gap: nothing left. */
  g_assert_null (csv_open ("allgone.csv", "a,y\n1,\n,2\nNA,3\n", ":missing=drop", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "lines 2 to 4"));
  g_clear_error (&error);
}

static void
test_csv_errors (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (csv_open ("empty.csv", "", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (csv_open ("blank.csv", "\n\r\n  \n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (csv_open ("header.csv", "a,b,c\n\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "no data rows"));
  g_clear_error (&error);

  /* Ragged row: line 4 (a quoted line break on line 2 counts). */
  g_assert_null (csv_open ("ragged.csv", "a,b,c\n\"x\ny\",2,3\n4,5,6,7\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 4"));
  g_clear_error (&error);
  g_assert_null (csv_open ("short.csv", "a,b,c\n1,2,3\n1,2\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_clear_error (&error);

  g_assert_null (csv_open ("target.csv", "a,b,c\n1,2,3\n", ":target=price", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "a, b, c"));
  g_clear_error (&error);

  g_assert_null (csv_open ("one.csv", "a\n1\n2\n", "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);

  g_assert_null (csv_open ("opt.csv", "a,b\n1,2\n", ":separator=;", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);

  g_assert_null (csv_open ("opt2.csv", "a,b\n1,2\n", ":missing=guess", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);

  g_autofree char *none = g_build_filename (tmpdir, "absent.csv", NULL);
  g_assert_null (nn_dataset_open (none, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO);
  g_clear_error (&error);

  /* The public loader with NULL options: last column, task guessed. */
  g_autofree char *path = write_text ("nullopt.csv", "a,b\n1,x\n2,y\n3,x\n");
  g_autoptr(NnDataset) ds = nn_csv_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 2);

  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (nn_dataset_open (path, cancel, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED);
}

/* The note of ds that holds `needle`, or NULL. */
static const char *
find_note (const NnDataset *ds,
           const char      *needle)
{
  const char *const *notes = nn_dataset_get_notes (ds);
  g_assert_nonnull (notes);
  for (int i = 0; notes[i] != NULL; i++)
    if (strstr (notes[i], needle) != NULL)
      return notes[i];
  return NULL;
}

/* inf, -Infinity and -nan in a numeric column are missing values, handled
 * by the missing= policy; the column stays one numeric feature. In a column
 * of words "inf" is just another category. */
static void
test_csv_non_finite (void)
{
  g_autoptr(GError) error = NULL;
  const char *text =
    "a,b,y\n"
    "1,red,0.5\n"
    "inf,blue,1.5\n"
    "3,red,-Infinity\n"
    "-INF,inf,2.5\n"
    "5,blue,-nan\n"
    "7,red,3.5\n"
    "9,blue,4.5\n";
  g_autofree char *path = write_text ("nonfinite.csv", text);
  int n_missing = -1;

  NnCsvOptions opt = { .target = "y", .missing = NN_MISSING_ERROR, .classify = FALSE };
  g_assert_null (nn_csv_load (path, &opt, &n_missing, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column “a”"));
  g_assert_nonnull (strstr (error->message, "“inf” is not a finite number"));
  g_assert_nonnull (strstr (error->message, "missing=drop"));
  g_clear_error (&error);

  /* drop: lines 3 to 6 go; a is one numeric feature, b two categories. */
  opt.missing = NN_MISSING_DROP;
  g_autoptr(NnDataset) d = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (d->n, ==, 3);
  g_assert_cmpint (d->n_classes, ==, 0);
  g_assert_cmpuint (d->inputs[0]->sample_size, ==, 3);
  g_assert_cmpstr (d->inputs[0]->feature_names[0], ==, "a");
  const float da[3] = { 1.f, 7.f, 9.f }, dy[3] = { 0.5f, 3.5f, 4.5f };
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (raw_f32 (d->inputs[0], i, 0), ==, da[i]);
      g_assert_cmpfloat (raw_f32 (d->targets[0], i, 0), ==, dy[i]);
    }

  /* mean: rows without a target go (lines 4 and 6); a's gaps on lines 3
   * and 5 get the mean of its training rows (1, -, -, 7: 4); b keeps
   * "inf" as a category. */
  opt.missing = NN_MISSING_MEAN;
  g_autoptr(NnDataset) m = nn_csv_load (path, &opt, &n_missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_missing, ==, 4);
  g_assert_cmpuint (m->n, ==, 5);
  g_assert_cmpuint (m->n_train, ==, 4);
  g_assert_cmpuint (m->inputs[0]->sample_size, ==, 4);
  g_assert_cmpstr (m->inputs[0]->feature_names[0], ==, "a");
  g_assert_cmpstr (m->inputs[0]->feature_names[2], ==, "b=inf");
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 1, 0), ==, 4.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 2, 0), ==, 4.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 2, 2), ==, 1.f);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 4, 0), ==, 9.f);
  for (size_t i = 0; i < m->n * m->inputs[0]->sample_size; i++)
    g_assert_true (isfinite (((const float *) m->inputs[0]->data)[i]));
  /* The notes name the non-finite cells of each numeric column. */
  const char *note = find_note (m, "column “a”: 2 cells not finite "
                                   "(line 3: “inf”; line 5: “-INF”)");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "missing=mean"));
  g_assert_nonnull (find_note (m, "column “y”: 2 cells not finite (line 4: “-Infinity”; "
                                  "line 6: “-nan”), treated as missing; their rows are left out"));
  g_assert_nonnull (find_note (m, "column “b” treated as categorical"));

  /* The spec form with zero. */
  g_autoptr(NnDataset) z = csv_open ("nonfinite2.csv", text, ":target=y:missing=zero:task=regress",
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (z->n, ==, 5);
  g_assert_cmpfloat (raw_f32 (z->inputs[0], 1, 0), ==, 0.f);
}

/* One word among the numbers of a column (11 of 12 cells are numbers): the
 * column stays one numeric feature and the word is an invalid cell handled
 * like a missing value, refused by missing=error with its line, column and
 * text. Before, the column became 12 categories. */
static void
test_csv_bad_cell (void)
{
  g_autoptr(GError) error = NULL;
  /* Data rows on lines 2..13; "abc" on line 5. 12 rows: 10 train, 2 test. */
  const char *text =
    "weight,y\n"
    "1,0.5\n2,1.5\n3,2.5\nabc,3.5\n5,4.5\n6,5.5\n"
    "7,6.5\n8,7.5\n9,8.5\n10,9.5\n11,10.5\n12,11.5\n";

  g_assert_null (csv_open ("badcell.csv", text, "", &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_MISSING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 5, column “weight”"));
  g_assert_nonnull (strstr (error->message, "“abc” is not a number"));
  g_assert_nonnull (strstr (error->message, "missing=drop"));
  g_clear_error (&error);

  /* mean: one feature, the gap filled with the mean of the training rows
   * (1, 2, 3, 5, .., 10: 51 / 9). */
  g_autoptr(NnDataset) m = csv_open ("badcell-mean.csv", text, ":missing=mean:norm=none",
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->n, ==, 12);
  g_assert_cmpint (m->inputs[0]->shape[0], ==, 1);
  g_assert_cmpstr (m->inputs[0]->feature_names[0], ==, "weight");
  g_assert_cmpfloat_with_epsilon (raw_f32 (m->inputs[0], 3, 0), 51.0 / 9, 1e-5);
  g_assert_cmpfloat (raw_f32 (m->inputs[0], 4, 0), ==, 5.f);
  const char *note = find_note (m, "column “weight”");
  g_assert_nonnull (note);
  g_test_message ("%s", note);
  g_assert_nonnull (strstr (note, "1 cell not a number (line 5: “abc”), treated as missing"));
  g_assert_nonnull (strstr (note, "missing=mean"));

  /* drop: the row goes. */
  g_autoptr(NnDataset) d = csv_open ("badcell-drop.csv", text, ":missing=drop", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->n, ==, 11);
  g_assert_cmpint (d->inputs[0]->shape[0], ==, 1);
  note = find_note (d, "column “weight”");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "missing=drop"));

  /* A word in a numeric target: its row goes, under every policy but
   * error, like a missing target. */
  const char *target =
    "x,y\n"
    "1,0.5\n2,1.5\n3,2.5\n4,n/a\n5,4.5\n6,5.5\n"
    "7,6.5\n8,7.5\n9,8.5\n10,9.5\n11,10.5\n12,11.5\n";
  g_autoptr(NnDataset) t = csv_open ("badtarget.csv", target, ":missing=zero", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n, ==, 11);
  g_assert_cmpint (t->n_classes, ==, 0);
  g_assert_cmpfloat (raw_f32 (t->targets[0], 3, 0), ==, 4.5f);
  note = find_note (t, "column “y”");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "line 5: “n/a”"));
}

/* The rule's edge: a column is numeric when at least 90 % of its filled
 * cells are numbers. 9 numbers and a word: numeric; 8 and a word:
 * categorical, and the notes say which columns are categorical and why. */
static void
test_csv_numeric_threshold (void)
{
  g_autoptr(GError) error = NULL;
  /* a: 9 of 10 numbers (90 %); b: 8 of 9 filled (89 %), one empty; city:
   * words. Data rows on lines 2..11. */
  const char *text =
    "a,b,city,y\n"
    "1,1,paris,0.5\n2,2,rome,1.5\n3,x,oslo,2.5\n4,4,paris,3.5\nw,5,rome,4.5\n"
    "6,6,oslo,5.5\n7,7,paris,6.5\n8,8,rome,7.5\n9,,oslo,8.5\n10,10,paris,9.5\n";
  g_autoptr(NnDataset) ds = csv_open ("edge.csv", text, ":missing=zero:norm=none", &error);
  g_assert_no_error (error);
  NnArray *x = ds->inputs[0];
  /* a (1) + b's 9 distinct values (1, 10, 2, 4, .., 8, x) + 3 cities */
  g_assert_cmpint (x->shape[0], ==, 1 + 9 + 3);
  g_assert_cmpstr (x->feature_names[0], ==, "a");
  g_assert_cmpstr (x->feature_names[1], ==, "b=1");
  g_assert_cmpstr (x->feature_names[10], ==, "city=oslo");
  g_assert_cmpfloat (raw_f32 (x, 4, 0), ==, 0.f);   /* "w" under missing=zero */

  const char *na = find_note (ds, "column “a”");
  g_assert_nonnull (na);
  g_test_message ("%s", na);
  g_assert_nonnull (strstr (na, "1 cell not a number (line 6: “w”)"));
  const char *nb = find_note (ds, "column “b” treated as categorical");
  g_assert_nonnull (nb);
  g_test_message ("%s", nb);
  g_assert_nonnull (strstr (nb, "9 distinct values"));
  g_assert_nonnull (strstr (nb, "8 of its 9 filled cells are numbers"));
  g_assert_nonnull (strstr (nb, "90 %"));
  g_assert_nonnull (strstr (nb, "line 4: “x”"));
  const char *nc = find_note (ds, "column “city” treated as categorical");
  g_assert_nonnull (nc);
  g_test_message ("%s", nc);
  g_assert_nonnull (strstr (nc, "3 distinct values"));
  g_assert_nonnull (strstr (nc, "no cell is a number"));
  /* a numeric column with nothing wrong has no note */
  g_autoptr(NnDataset) clean = csv_open ("clean.csv", "p,q\n1,2\n3,4\n5,6\n", "", &error);
  g_assert_no_error (error);
  g_assert_null (find_note (clean, "column “p”"));
  /* the target's task is told */
  g_assert_nonnull (find_note (clean, "target “q”"));

  /* Datasets that are not tables have nothing to say. */
  g_autoptr(NnDataset) toy = nn_dataset_open ("moons:n=20", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (nn_dataset_get_notes (toy));
  g_assert_null (nn_dataset_get_notes (toy)[0]);
}

/* Fields and lines have a length limit (1 MiB, 16 MiB): a field one byte
 * longer stops the load with its line and column. */
#define TEST_CSV_MAX_FIELD ((size_t) 1 << 20)

static void
test_csv_long_fields (void)
{
  g_autoptr(GError) error = NULL;
  GString *s = g_string_new ("a,y\nshort,1\n");

  /* Exactly the limit loads. */
  g_string_append_c (s, '"');
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD - 1; k++)
    g_string_append_c (s, k % 1000 == 999 ? '\n' : 'x');
  g_string_append (s, "\"\"\",2\n");     /* with one quote: 1 MiB of text */
  g_autofree char *at = write_file ("field-at-limit.csv", s->str, s->len);
  g_autoptr(NnDataset) ok = nn_dataset_open (at, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->n, ==, 2);

  /* One byte more, quoted: the error names the line the field starts on. */
  g_string_truncate (s, strlen ("a,y\nshort,1\n"));
  g_string_append (s, "\"\"\"");
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD; k++)
    g_string_append_c (s, k % 1000 == 999 ? '\n' : 'x');
  g_string_append (s, "\",2\n");
  g_autofree char *quoted = write_file ("field-quoted.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (quoted, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column 1"));
  g_assert_nonnull (strstr (error->message, "1 MiB"));
  g_clear_error (&error);

  /* One byte more, unquoted, in the second column. */
  g_string_assign (s, "a,y\n1,2\n3,");
  for (size_t k = 0; k < TEST_CSV_MAX_FIELD + 1; k++)
    g_string_append_c (s, '7');
  g_string_append (s, "\n");
  g_autofree char *plain = write_file ("field-plain.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (plain, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3, column 2"));
  g_assert_nonnull (strstr (error->message, "1 MiB"));
  g_clear_error (&error);

  /* Seventeen fields of 1 MiB: the line is too long. */
  g_string_assign (s, "a,y\n1,2\n");
  for (int f = 0; f < 17; f++)
    {
      for (size_t k = 0; k < TEST_CSV_MAX_FIELD; k++)
        g_string_append_c (s, 'z');
      g_string_append_c (s, ',');
    }
  g_string_append (s, "3\n");
  g_autofree char *line = write_file ("line-long.csv", s->str, s->len);
  g_assert_null (nn_dataset_open (line, NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "line 3:"));
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  g_clear_error (&error);

  g_string_free (s, TRUE);
  g_remove (at);
  g_remove (quoted);
  g_remove (plain);
  g_remove (line);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp ("deepscope-data-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/data/csv/numeric", test_csv_numeric);
  g_test_add_func ("/engine/data/csv/categorical-quoted", test_csv_categorical_quoted);
  g_test_add_func ("/engine/data/csv/missing", test_csv_missing);
  g_test_add_func ("/engine/data/csv/errors", test_csv_errors);
  g_test_add_func ("/engine/data/csv/non-finite", test_csv_non_finite);
  g_test_add_func ("/engine/data/csv/long-fields", test_csv_long_fields);
  g_test_add_func ("/engine/data/csv/bad-cell", test_csv_bad_cell);
  g_test_add_func ("/engine/data/csv/numeric-threshold", test_csv_numeric_threshold);

  int ret = g_test_run ();
  test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
