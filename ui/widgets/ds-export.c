/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>

#include "ds-export.h"
#include "ds-training-run.h"

gboolean
ds_export_format_parse (const char     *text,
                        DsExportFormat *format)
{
  static const char *const names[] = { "png", "svg", "pdf" };

  for (guint i = 0; text && i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i]) == 0)
      {
        *format = (DsExportFormat) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ds_export_format_extension (DsExportFormat format)
{
  switch (format)
    {
    case DS_EXPORT_SVG:
      return "svg";
    case DS_EXPORT_PDF:
      return "pdf";
    case DS_EXPORT_PNG:
    default:
      return "png";
    }
}

typedef struct
{
  GOutputStream *stream;
  GError        *error;
} Sink;

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  Sink *sink = closure;

  if (sink->error)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (sink->stream, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

typedef struct
{
  GPtrArray *plots;
  int        columns;
  int        width;
  int        height;
} Grid;

static void
draw_grid (cairo_t  *cr,
           int       total_w,
           int       total_h,
           gpointer  data)
{
  Grid *g = data;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  for (guint i = 0; i < g->plots->len; i++)
    {
      cairo_save (cr);
      cairo_translate (cr, (i % g->columns) * g->width, (i / g->columns) * g->height);
      cairo_rectangle (cr, 0, 0, g->width, g->height);
      cairo_clip (cr);
      ds_plot_render (g->plots->pdata[i], cr, g->width, g->height);
      cairo_restore (cr);
    }
}

gboolean
ds_export_plots (GPtrArray       *plots,
                 int              columns,
                 int              width,
                 int              height,
                 DsExportFormat   format,
                 const char      *path,
                 GError         **error)
{
  Grid grid = { plots, columns, width, height };
  int rows;

  g_return_val_if_fail (plots != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (plots->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("There is no plot to export"));
      return FALSE;
    }
  grid.columns = CLAMP (columns, 1, (int) plots->len);
  rows = ((int) plots->len + grid.columns - 1) / grid.columns;
  return ds_export_drawing (draw_grid, &grid, grid.columns * width, rows * height, format, path,
                            error);
}

gboolean
ds_export_drawing (DsExportDrawFunc   draw,
                   gpointer           user_data,
                   int                width,
                   int                height,
                   DsExportFormat     format,
                   const char        *path,
                   GError           **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  Sink sink = { 0 };
  cairo_t *cr;

  g_return_val_if_fail (draw != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (width < 1 || height < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A picture of %d × %d points cannot be exported: it needs at least 1 × 1"),
                   width, height);
      return FALSE;
    }
  /* Written to a temporary file renamed over the target when complete, so
   * a failed export never leaves half a picture behind. */
  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, error);
  if (out == NULL)
    return FALSE;
  sink.stream = G_OUTPUT_STREAM (out);

  switch (format)
    {
    case DS_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_cb, &sink, width, height);
      break;
    case DS_EXPORT_PDF:
      surface = cairo_pdf_surface_create_for_stream (write_cb, &sink, width, height);
      break;
    case DS_EXPORT_PNG:
    default:
      /* Twice the pixels: pictures are read on high-density screens and
       * in print. */
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * 2, height * 2);
      break;
    }
  cr = cairo_create (surface);
  if (format == DS_EXPORT_PNG)
    cairo_scale (cr, 2, 2);
  draw (cr, width, height, user_data);
  cairo_destroy (cr);

  if (format == DS_EXPORT_PNG)
    status = cairo_surface_write_to_png_stream (surface, write_cb, &sink);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);

  if (sink.error == NULL && status != CAIRO_STATUS_SUCCESS)
    g_set_error (&sink.error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot draw the picture: %s"),
                 cairo_status_to_string (status));
  if (sink.error)
    {
      g_propagate_error (error, sink.error);
      /* Closing with a cancelled operation would rename; abandon instead. */
      {
        g_autoptr(GCancellable) cancel = g_cancellable_new ();
        g_cancellable_cancel (cancel);
        g_output_stream_close (G_OUTPUT_STREAM (out), cancel, NULL);
      }
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

char *
ds_export_history_to_csv (GListModel *runs)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GString *csv = g_string_new ("run,epoch");
  guint n_runs;

  g_return_val_if_fail (G_IS_LIST_MODEL (runs), NULL);

  n_runs = g_list_model_get_n_items (runs);
  for (guint r = 0; r < n_runs; r++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, r);
      const char * const *run_keys = ds_training_run_get_keys (run);

      for (guint k = 0; run_keys[k]; k++)
        {
          gboolean have = FALSE;

          if (g_str_has_prefix (run_keys[k], "batch/"))
            continue;
          for (guint j = 0; j < keys->len && !have; j++)
            have = g_str_equal (keys->pdata[j], run_keys[k]);
          if (!have)
            g_ptr_array_add (keys, g_strdup (run_keys[k]));
        }
    }
  for (guint j = 0; j < keys->len; j++)
    g_string_append_printf (csv, ",%s", (char *) keys->pdata[j]);
  g_string_append_c (csv, '\n');

  for (guint r = 0; r < n_runs; r++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, r);
      guint n_rows = 0;

      /* Rows follow the epochs of the first per-epoch series. */
      for (guint j = 0; j < keys->len; j++)
        {
          DsMetricSeries *s = ds_training_run_get_series (run, keys->pdata[j]);
          if (s)
            n_rows = MAX (n_rows, ds_metric_series_get_n_points (s));
        }
      for (guint i = 0; i < n_rows; i++)
        {
          double x = NAN;
          g_autofree char *name = g_strdup (ds_training_run_get_name (run));

          /* The name is a label the person sees; keep the CSV one field. */
          g_strdelimit (name, ",\"\n", ' ');
          for (guint j = 0; j < keys->len && isnan (x); j++)
            {
              DsMetricSeries *s = ds_training_run_get_series (run, keys->pdata[j]);
              guint n;
              const DsPoint *p = s ? ds_metric_series_get_points (s, &n) : NULL;

              if (p && i < n)
                x = p[i].x;
            }
          g_string_append_printf (csv, "%s,%.0f", name, x);
          for (guint j = 0; j < keys->len; j++)
            {
              DsMetricSeries *s = ds_training_run_get_series (run, keys->pdata[j]);
              guint n = 0;
              const DsPoint *p = s ? ds_metric_series_get_points (s, &n) : NULL;
              char buf[G_ASCII_DTOSTR_BUF_SIZE];

              g_string_append_c (csv, ',');
              if (p && i < n && isfinite (p[i].y))
                g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.8g", p[i].y));
            }
          g_string_append_c (csv, '\n');
        }
    }
  return g_string_free (csv, FALSE);
}

gboolean
ds_export_history (GListModel  *runs,
                   const char  *path,
                   GError     **error)
{
  g_autofree char *csv = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (runs), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  csv = ds_export_history_to_csv (runs);
  /* g_file_set_contents writes a temporary file and renames it. */
  return g_file_set_contents (path, csv, -1, error);
}
