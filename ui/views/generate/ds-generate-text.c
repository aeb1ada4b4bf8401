/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Text page: a character model writes text after a seed text, at the
 * slider's temperature or at several temperatures side by side, the
 * characters streamed into one text view per temperature while
 * nn_textgen_run works on a background job; Stop ends it before the next
 * character.
 *
 * The worker appends each character to its column's pending text under a
 * lock and schedules one idle when none is scheduled (the training run's
 * pattern); the idle moves everything pending into the text views. The
 * page's state hangs on the view (g_object_set_data_full), so the view's
 * struct does not grow for it. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-generate-text.h"
#include "ds-generate-view-private.h"
#include "ds-jobs.h"

#define PAGE_KEY "ds-generate-text-page"
#define DEFAULT_SEED_TEXT "The "
#define DEFAULT_LENGTH 300
#define MAX_LENGTH 20000
#define MAX_TEMPERATURE 10.0

/* ---- the job, shared by the worker and the main loop -------------------------- */

typedef struct
{
  gint            ref;
  NnModel        *model;
  NnVocab        *vocab;      /* or NULL: the model's own */
  char           *seed_text;
  double          temps[NN_TEXTGEN_MAX_STREAMS];
  int             k;
  int             length;
  guint64         seed;
  gboolean        stateful;
  GCancellable   *cancellable;
  DsGenerateView *view;       /* a reference, for the posted characters */
  GMutex          lock;
  GString        *pending[NN_TEXTGEN_MAX_STREAMS];   /* written, not shown yet */
  char           *note;       /* what became of the seed text, once */
  int             steps;      /* characters per column so far */
  gint            posted;     /* atomic: a drain is scheduled */
} TextJob;

static TextJob *
text_job_ref (TextJob *job)
{
  g_atomic_int_inc (&job->ref);
  return job;
}

static void
text_job_unref (TextJob *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref))
    return;
  nn_model_free (job->model);
  g_clear_pointer (&job->vocab, nn_vocab_free);
  g_free (job->seed_text);
  g_object_unref (job->cancellable);
  g_object_unref (job->view);
  g_mutex_clear (&job->lock);
  for (int j = 0; j < job->k; j++)
    g_string_free (job->pending[j], TRUE);
  g_free (job->note);
  g_free (job);
}

/* ---- the page ----------------------------------------------------------------- */

typedef struct
{
  DsGenerateView *view;       /* borrowed: the page lives on it */
  gboolean        disposed;

  /* Widgets */
  GtkLabel       *why;
  GtkWidget      *form;
  GtkEntry       *seed_entry;
  GtkSpinButton  *length;
  GtkSpinButton  *seed;
  GtkRange       *temperature;
  GtkCheckButton *side_by_side;
  GtkEntry       *temps_entry;
  GtkCheckButton *stateful;
  GtkButton      *generate_button;
  GtkButton      *stop_button;
  GtkLabel       *status;
  GtkBox         *columns_box;
  GtkWidget      *column[DS_GENERATE_TEXT_MAX_COLUMNS];
  GtkLabel       *heading[DS_GENERATE_TEXT_MAX_COLUMNS];
  GtkTextView    *text[DS_GENERATE_TEXT_MAX_COLUMNS];
  int             n_columns;

  /* Owned */
  NnVocab        *vocab;      /* set by the tests, else NULL */
  char           *reason;
  TextJob        *job;        /* the running job, or NULL */
  GString        *generated[DS_GENERATE_TEXT_MAX_COLUMNS];
} TextPage;

static void
text_page_free (TextPage *p)
{
  if (p->job)
    {
      g_cancellable_cancel (p->job->cancellable);
      text_job_unref (p->job);
    }
  g_free (p->reason);
  g_clear_pointer (&p->vocab, nn_vocab_free);
  for (int i = 0; i < DS_GENERATE_TEXT_MAX_COLUMNS; i++)
    if (p->generated[i])
      g_string_free (p->generated[i], TRUE);
  g_free (p);
}

static TextPage *
get_page (DsGenerateView *self)
{
  TextPage *p = g_object_get_data (G_OBJECT (self), PAGE_KEY);

  return p && !p->disposed ? p : NULL;
}

static void
set_generating (TextPage *p,
                gboolean  generating)
{
  gtk_widget_set_sensitive (GTK_WIDGET (p->generate_button),
                            !generating && p->reason == NULL && p->view->model != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (p->stop_button), generating);
}

/* Columns for temps[0..k), emptied, the seed text in grey at the top of
 * each. */
static void
set_columns (TextPage     *p,
             const double *temps,
             int           k,
             const char   *seed_text)
{
  for (int i = 0; i < DS_GENERATE_TEXT_MAX_COLUMNS; i++)
    {
      GtkTextBuffer *buf = gtk_text_view_get_buffer (p->text[i]);
      GtkTextIter end;

      gtk_widget_set_visible (p->column[i], i < k);
      gtk_text_buffer_set_text (buf, "", -1);
      if (p->generated[i])
        g_string_truncate (p->generated[i], 0);
      if (i >= k)
        continue;
      {
        g_autofree char *h = temps[i] == 0
                             ? g_strdup (_("Temperature 0 (the likeliest character)"))
                             : g_strdup_printf (_("Temperature %g"), temps[i]);
        gtk_label_set_text (p->heading[i], h);
      }
      gtk_text_buffer_get_end_iter (buf, &end);
      gtk_text_buffer_insert_with_tags_by_name (buf, &end, seed_text, -1, "seed", NULL);
    }
  p->n_columns = k;
}

/* Moves what the worker wrote into the text views. */
static void
drain (TextPage *p,
       TextJob  *job)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *note = NULL;
  int steps;

  g_mutex_lock (&job->lock);
  g_atomic_int_set (&job->posted, 0);
  for (int j = 0; j < job->k; j++)
    {
      g_ptr_array_add (texts, g_strdup (job->pending[j]->str));
      g_string_truncate (job->pending[j], 0);
    }
  note = g_steal_pointer (&job->note);
  steps = job->steps;
  g_mutex_unlock (&job->lock);

  for (int j = 0; j < job->k && j < p->n_columns; j++)
    {
      const char *t = texts->pdata[j];
      GtkTextBuffer *buf = gtk_text_view_get_buffer (p->text[j]);
      GtkTextIter end;

      if (*t == '\0')
        continue;
      g_string_append (p->generated[j], t);
      gtk_text_buffer_get_end_iter (buf, &end);
      gtk_text_buffer_insert_with_tags_by_name (buf, &end, t, -1, "generated", NULL);
      gtk_text_view_scroll_mark_onscreen (p->text[j], gtk_text_buffer_get_insert (buf));
    }
  if (note)
    gtk_widget_set_tooltip_text (GTK_WIDGET (p->status), note);
  if (p->job == job && !g_cancellable_is_cancelled (job->cancellable))
    {
      g_autofree char *s = g_strdup_printf (_("Writing: %d of %d characters%s%s"), steps,
                                            job->length, note ? ". " : "", note ? note : "");
      gtk_label_set_text (p->status, s);
    }
}

static gboolean
drain_cb (gpointer data)
{
  TextJob *job = data;
  TextPage *p = get_page (job->view);

  if (p && p->job == job)
    drain (p, job);
  else
    g_atomic_int_set (&job->posted, 0);
  return G_SOURCE_REMOVE;
}

/* Worker thread: one call per column per character. */
static gboolean
char_cb (int         stream,
         int         step,
         const char *token,
         gpointer    user_data)
{
  TextJob *job = user_data;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  g_mutex_lock (&job->lock);
  g_string_append (job->pending[stream], token);
  if (stream == job->k - 1)
    job->steps = step + 1;
  g_mutex_unlock (&job->lock);
  if (stream == job->k - 1 && g_atomic_int_compare_and_exchange (&job->posted, 0, 1))
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, drain_cb, text_job_ref (job),
                     (GDestroyNotify) text_job_unref);
  return TRUE;
}

static void
text_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  TextJob *job = data;
  GError *error = NULL;
  g_autoptr(NnTextGen) g = nn_textgen_new_or_vocab (job->model, job->vocab, &error);
  char *note = NULL;

  if (g == NULL || (job->stateful && !nn_textgen_set_stateful (g, TRUE, &error))
      || !nn_textgen_start (g, job->seed_text, job->temps, job->k, job->seed, &note, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_mutex_lock (&job->lock);
  job->note = note;
  g_mutex_unlock (&job->lock);
  if (g_cancellable_is_cancelled (job->cancellable))
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Stopped before the first character"));
  else
    nn_textgen_run (g, job->length, char_cb, job, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
text_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  DsGenerateView *self = DS_GENERATE_VIEW (source);
  TextJob *job = g_task_get_task_data (G_TASK (result));
  TextPage *p = get_page (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (p == NULL || p->job != job)
    return;
  drain (p, job);
  if (error == NULL)
    text = g_strdup_printf (ngettext ("Wrote %d character", "Wrote %d characters", job->steps), job->steps);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup_printf (ngettext ("Stopped after %d character", "Stopped after %d characters", job->steps),
                            job->steps);
  else
    text = g_strdup (error->message);
  gtk_label_set_text (p->status, text);
  g_clear_pointer (&p->job, text_job_unref);
  set_generating (p, FALSE);
}

/* The temperatures the form asks for, or 0 with the reason in the status
 * line. */
static int
form_temperatures (TextPage *p,
                   double   *temps)
{
  g_auto(GStrv) items = NULL;
  int n = 0;

  if (!gtk_check_button_get_active (p->side_by_side))
    {
      temps[0] = gtk_range_get_value (p->temperature);
      return 1;
    }
  items = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (p->temps_entry)), ", ;", -1);
  for (int i = 0; items[i]; i++)
    {
      char *end = NULL;
      double v;

      if (*items[i] == '\0')
        continue;
      v = g_ascii_strtod (items[i], &end);
      if (*end || !isfinite (v) || v < 0 || v > MAX_TEMPERATURE
          || n == DS_GENERATE_TEXT_MAX_COLUMNS)
        {
          gtk_label_set_text (p->status, _("Write up to 6 temperatures from 0 to 10 separated "
                                         "by commas, such as 0.2, 0.5, 1.0, 1.2"));
          return 0;
        }
      temps[n++] = v;
    }
  if (n == 0)
    gtk_label_set_text (p->status, _("Write the temperatures to compare, such as 0.2, 0.5, 1.0"));
  return n;
}

/* The vocabulary to read the model's ids with when the model carries none
 * (nn_textgen_new_or_vocab: the one saved with the model comes first, since
 * the open dataset may be read with other options, another case or cap):
 * the tests', else the dataset's (a character dataset's). */
static const NnVocab *
page_vocab (TextPage *p)
{
  NnDataset *ds = p->view->dataset ? ds_dataset_get (p->view->dataset) : NULL;

  if (p->vocab)
    return p->vocab;
  return ds ? ds->vocab : NULL;
}

static void
generate (TextPage *p)
{
  DsGenerateView *self = p->view;
  g_autoptr(GTask) task = NULL;
  double temps[DS_GENERATE_TEXT_MAX_COLUMNS];
  int k;
  TextJob *job;

  if (self->model == NULL || p->reason || p->job)
    return;
  k = form_temperatures (p, temps);
  if (k == 0)
    return;
  job = g_new0 (TextJob, 1);
  job->ref = 1;
  job->model = nn_model_copy (self->model);
  if (page_vocab (p))
    job->vocab = nn_vocab_copy (page_vocab (p));
  job->seed_text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (p->seed_entry)));
  memcpy (job->temps, temps, sizeof (double) * (size_t) k);
  job->k = k;
  job->length = gtk_spin_button_get_value_as_int (p->length);
  job->seed = (guint64) gtk_spin_button_get_value (p->seed);
  job->stateful = gtk_widget_get_sensitive (GTK_WIDGET (p->stateful))
                  && gtk_check_button_get_active (p->stateful);
  job->cancellable = g_cancellable_new ();
  job->view = g_object_ref (self);
  g_mutex_init (&job->lock);
  for (int j = 0; j < k; j++)
    job->pending[j] = g_string_new (NULL);
  p->job = text_job_ref (job);

  set_columns (p, temps, k, job->seed_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->status), NULL);
  gtk_label_set_text (p->status, _("Writing…"));
  set_generating (p, TRUE);

  task = g_task_new (self, job->cancellable, text_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) text_job_unref);
  ds_jobs_run_in_background (task, text_thread);
}

static void
generate_clicked_cb (TextPage *p)
{
  generate (p);
}

static void
stop_clicked_cb (TextPage *p)
{
  if (p->job)
    g_cancellable_cancel (p->job->cancellable);
}

static void
side_by_side_cb (TextPage *p)
{
  gboolean on = gtk_check_button_get_active (p->side_by_side);

  gtk_widget_set_sensitive (GTK_WIDGET (p->temps_entry), on);
  gtk_widget_set_sensitive (GTK_WIDGET (p->temperature), !on);
}

/* ---- layout ------------------------------------------------------------------- */

static GtkWidget *
field_label (const char *text)
{
  GtkWidget *l = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (l), 0);
  return l;
}

static void
build_column (TextPage *p,
              int       i)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *scroll = gtk_scrolled_window_new ();
  GtkWidget *tv = gtk_text_view_new ();
  GtkTextBuffer *buf = gtk_text_view_get_buffer (GTK_TEXT_VIEW (tv));

  p->heading[i] = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (p->heading[i]), "heading");
  gtk_label_set_xalign (p->heading[i], 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (p->heading[i]));
  gtk_text_view_set_editable (GTK_TEXT_VIEW (tv), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (tv), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (tv), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (tv), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (tv), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (tv), 6);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (tv), 6);
  /* A hyphen at a line break would read as a generated character. */
  gtk_text_buffer_create_tag (buf, "seed", "foreground", "#888888", "insert-hyphens", FALSE,
                              NULL);
  gtk_text_buffer_create_tag (buf, "generated", "insert-hyphens", FALSE, NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), tv);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_widget_add_css_class (scroll, "card");
  gtk_box_append (GTK_BOX (box), scroll);
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_set_visible (box, i == 0);
  p->text[i] = GTK_TEXT_VIEW (tv);
  p->column[i] = box;
  p->generated[i] = g_string_new (NULL);
  gtk_box_append (p->columns_box, box);
}

GtkWidget *
_ds_generate_text_build (DsGenerateView *self)
{
  TextPage *p = g_new0 (TextPage, 1);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scale;
  const double marks[] = { 0.2, 0.5, 1.0, 1.2, 2.0 };

  p->view = self;
  g_object_set_data_full (G_OBJECT (self), PAGE_KEY, p, (GDestroyNotify) text_page_free);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_bottom (page, 12);

  p->why = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (p->why, TRUE);
  gtk_label_set_xalign (p->why, 0);
  gtk_widget_set_visible (GTK_WIDGET (p->why), FALSE);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (p->why));

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  p->seed_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (p->seed_entry), DEFAULT_SEED_TEXT);
  gtk_entry_set_placeholder_text (p->seed_entry, _("The text the model continues"));
  gtk_widget_set_hexpand (GTK_WIDGET (p->seed_entry), TRUE);
  gtk_grid_attach (GTK_GRID (grid), field_label (_("Seed text")), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->seed_entry), 1, 0, 3, 1);

  p->length = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, MAX_LENGTH, 50));
  gtk_spin_button_set_value (p->length, DEFAULT_LENGTH);
  gtk_grid_attach (GTK_GRID (grid), field_label (_("Characters")), 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->length), 1, 1, 1, 1);
  p->seed = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 1e9, 1));
  gtk_spin_button_set_value (p->seed, 1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->seed),
                               _("The same seed writes the same text again"));
  gtk_grid_attach (GTK_GRID (grid), field_label (_("Random seed")), 2, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->seed), 3, 1, 1, 1);

  scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 2, 0.05);
  p->temperature = GTK_RANGE (scale);
  gtk_range_set_value (p->temperature, 0.5);
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      g_autofree char *m = g_strdup_printf ("%g", marks[i]);
      gtk_scale_add_mark (GTK_SCALE (scale), marks[i], GTK_POS_BOTTOM, m);
    }
  gtk_widget_set_tooltip_text (scale, _("Low: the likeliest characters, safe and repetitive; "
                                      "high: surprising, then nonsense"));
  gtk_grid_attach (GTK_GRID (grid), field_label (_("Temperature")), 0, 2, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), scale, 1, 2, 3, 1);

  p->side_by_side = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (
    _("Several temperatures side by side")));
  p->temps_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (p->temps_entry), DS_GENERATE_TEXT_TEMPERATURES);
  gtk_widget_set_sensitive (GTK_WIDGET (p->temps_entry), FALSE);
  g_signal_connect_swapped (p->side_by_side, "toggled", G_CALLBACK (side_by_side_cb), p);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->side_by_side), 0, 3, 2, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->temps_entry), 2, 3, 2, 1);

  p->stateful = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (
    _("Carry the LSTM's state from one character to the next (fast)")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->stateful),
                               _("Off: each character re-reads the last window of characters "
                               "from a fresh state, as the model was trained. On: one step "
                               "per character, the model reading everything since the seed"));
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (p->stateful), 0, 4, 4, 1);

  p->generate_button = GTK_BUTTON (gtk_button_new_with_label (_("Generate")));
  gtk_widget_add_css_class (GTK_WIDGET (p->generate_button), "suggested-action");
  p->stop_button = GTK_BUTTON (gtk_button_new_with_label (_("Stop")));
  g_signal_connect_swapped (p->generate_button, "clicked", G_CALLBACK (generate_clicked_cb), p);
  g_signal_connect_swapped (p->stop_button, "clicked", G_CALLBACK (stop_clicked_cb), p);
  p->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (p->status, 0);
  gtk_label_set_wrap (p->status, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (p->status), TRUE);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (p->generate_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (p->stop_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (p->status));
  gtk_grid_attach (GTK_GRID (grid), buttons, 0, 5, 4, 1);

  p->columns_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12));
  gtk_box_set_homogeneous (p->columns_box, TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (p->columns_box), TRUE);
  for (int i = 0; i < DS_GENERATE_TEXT_MAX_COLUMNS; i++)
    build_column (p, i);
  p->n_columns = 1;
  gtk_label_set_text (p->heading[0], _("Temperature 0.5"));

  p->form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_box_append (GTK_BOX (p->form), grid);
  gtk_box_append (GTK_BOX (p->form), GTK_WIDGET (p->columns_box));
  gtk_widget_set_vexpand (p->form, TRUE);
  gtk_box_append (GTK_BOX (page), p->form);
  set_generating (p, FALSE);
  return page;
}

void
_ds_generate_text_model_changed (DsGenerateView *self)
{
  TextPage *p = get_page (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTextGen) g = NULL;

  if (p == NULL)
    return;
  g_clear_pointer (&p->reason, g_free);
  if (self->model)
    {
      g = nn_textgen_new_or_vocab (self->model, page_vocab (p), &error);
      if (g == NULL)
        p->reason = g_strdup_printf (_("This model cannot write text. %s."), error->message);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (p->stateful),
                            g != NULL && nn_textgen_set_stateful (g, TRUE, NULL));
  gtk_label_set_text (p->why, p->reason ? p->reason : "");
  gtk_widget_set_visible (GTK_WIDGET (p->why), p->reason != NULL);
  gtk_widget_set_visible (p->form, p->reason == NULL);
  set_generating (p, p->job != NULL);
}

void
_ds_generate_text_dispose (DsGenerateView *self)
{
  TextPage *p = g_object_get_data (G_OBJECT (self), PAGE_KEY);

  if (p == NULL)
    return;
  if (p->job)
    g_cancellable_cancel (p->job->cancellable);
  p->disposed = TRUE;
}

/* ---- for the tests ------------------------------------------------------------ */

void
ds_generate_view_set_text_vocab (DsGenerateView *self,
                                 const NnVocab  *vocab)
{
  TextPage *p = get_page (self);

  g_return_if_fail (p != NULL);
  g_clear_pointer (&p->vocab, nn_vocab_free);
  if (vocab)
    p->vocab = nn_vocab_copy (vocab);
  _ds_generate_text_model_changed (self);
}

const char *
ds_generate_view_get_text_reason (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_val_if_fail (p != NULL, NULL);
  return p->reason;
}

void
ds_generate_view_set_text_settings (DsGenerateView *self,
                                    const char     *seed_text,
                                    int             length,
                                    guint64         seed,
                                    const double   *temperatures,
                                    int             n)
{
  TextPage *p = get_page (self);
  g_autoptr(GString) list = g_string_new (NULL);

  g_return_if_fail (p != NULL && n >= 1 && n <= DS_GENERATE_TEXT_MAX_COLUMNS);
  gtk_editable_set_text (GTK_EDITABLE (p->seed_entry), seed_text);
  gtk_spin_button_set_value (p->length, length);
  gtk_spin_button_set_value (p->seed, (double) seed);
  gtk_check_button_set_active (p->side_by_side, n > 1);
  if (n == 1)
    gtk_range_set_value (p->temperature, temperatures[0]);
  for (int i = 0; i < n; i++)
    g_string_append_printf (list, "%s%g", i ? ", " : "", temperatures[i]);
  if (n > 1)
    gtk_editable_set_text (GTK_EDITABLE (p->temps_entry), list->str);
}

void
ds_generate_view_generate_text (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_if_fail (p != NULL);
  /* As a click does (an activation would click 250 ms later). */
  if (gtk_widget_is_sensitive (GTK_WIDGET (p->generate_button)))
    g_signal_emit_by_name (p->generate_button, "clicked");
}

void
ds_generate_view_stop_text (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_if_fail (p != NULL);
  /* As a click does (an activation would click 250 ms later). */
  if (gtk_widget_is_sensitive (GTK_WIDGET (p->stop_button)))
    g_signal_emit_by_name (p->stop_button, "clicked");
}

gboolean
ds_generate_view_is_generating_text (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_val_if_fail (p != NULL, FALSE);
  return p->job != NULL;
}

int
ds_generate_view_get_n_text_columns (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_val_if_fail (p != NULL, 0);
  return p->n_columns;
}

char *
ds_generate_view_dup_generated (DsGenerateView *self,
                                int             column)
{
  TextPage *p = get_page (self);

  g_return_val_if_fail (p != NULL && column >= 0 && column < p->n_columns, NULL);
  return g_strdup (p->generated[column]->str);
}

const char *
ds_generate_view_get_text_status (DsGenerateView *self)
{
  TextPage *p = get_page (self);

  g_return_val_if_fail (p != NULL, NULL);
  return gtk_label_get_text (p->status);
}
