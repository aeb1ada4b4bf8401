/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-lesson-panel.h"
#include "ds-metric-series.h"

struct _DsLessonPanel
{
  GtkBox       parent_instance;

  /* Widgets */
  GtkLabel    *chapter_label;
  GtkLabel    *title_label;
  GtkLabel    *progress_label;
  GtkBox      *steps_box;
  GPtrArray   *ticks;            /* GtkCheckButton, one per step */

  /* Owned */
  DsLesson    *lesson;
  char        *view;
  char        *page;             /* the view's visible page, or NULL */
  gboolean    *done;
  GHashTable  *runs_seen;        /* DsTrainingRun* whose signals we follow */

  /* Borrowed (a weak reference: the window owns it) */
  DsDocument  *document;
};

G_DEFINE_FINAL_TYPE (DsLessonPanel, ds_lesson_panel, GTK_TYPE_BOX)

enum { SHOW_ME, CLOSE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The best value of key over the document's runs ("epochs": the most
 * epochs finished; "runs": how many there are). */
static gboolean
runs_metric (const char *key,
             double     *best,
             gpointer    data)
{
  GListModel *runs = ds_document_get_runs (data);
  gboolean epochs = g_str_equal (key, "epochs");
  gboolean maximize = epochs || ds_metric_key_maximizes (key);
  gboolean found = FALSE;

  if (g_str_equal (key, "runs"))
    {
      *best = g_list_model_get_n_items (runs);
      return *best > 0;
    }
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);
      double v;

      if (epochs)
        v = ds_training_run_get_epochs_done (run);
      else if (ds_training_run_get_best_epoch (run, key, &v) <= 0)
        continue;
      if (!found || (maximize ? v > *best : v < *best))
        *best = v;
      found = TRUE;
    }
  return found;
}

static void
update_progress (DsLessonPanel *self)
{
  guint n = self->lesson ? ds_lesson_get_n_steps (self->lesson) : 0, k = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    k += self->done[i] ? 1 : 0;
  text = k == n && n ? g_strdup (_("Every step done: well done!"))
                     : g_strdup_printf (ngettext ("%u of %u step done", "%u of %u steps done", n), k, n);
  gtk_label_set_label (self->progress_label, text);
}

void
ds_lesson_panel_update (DsLessonPanel *self)
{
  DsLessonState state = { 0 };

  g_return_if_fail (DS_IS_LESSON_PANEL (self));
  if (!self->lesson || !self->document)
    return;
  state.model = ds_document_get_model (self->document);
  state.view = self->view;
  state.page = self->page;
  state.metric = runs_metric;
  state.metric_data = self->document;
  /* In order: a step is checked once the steps before it are done, so
   * that a state the lesson starts in (the Build view shown) does not tick
   * a later step ahead of time. */
  for (guint i = 0; i < ds_lesson_get_n_steps (self->lesson); i++)
    {
      const DsLessonStep *step = ds_lesson_get_step (self->lesson, i);

      if (self->done[i])
        continue;
      if (!step->check || !ds_lesson_check_holds (step->check, &state))
        break;
      self->done[i] = TRUE;
      gtk_check_button_set_active (self->ticks->pdata[i], TRUE);
    }
  update_progress (self);
}

static void
run_changed_cb (DsLessonPanel *self)
{
  ds_lesson_panel_update (self);
}

/* Follows every run's epochs (a metric check may hold mid-run). */
static void
runs_changed_cb (DsLessonPanel *self)
{
  GListModel *runs = ds_document_get_runs (self->document);

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);

      if (g_hash_table_contains (self->runs_seen, run))
        continue;
      g_hash_table_add (self->runs_seen, g_object_ref (run));
      g_signal_connect_object (run, "epoch-ended", G_CALLBACK (run_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (run, "ended", G_CALLBACK (run_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  ds_lesson_panel_update (self);
}

static void
tick_toggled_cb (GtkCheckButton *tick,
                 DsLessonPanel  *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (tick), "step"));

  if (self->done && i < self->ticks->len)
    {
      self->done[i] = gtk_check_button_get_active (tick);
      ds_lesson_panel_update (self);
    }
}

static void
show_me_cb (GtkButton     *button,
            DsLessonPanel *self)
{
  g_signal_emit (self, signals[SHOW_ME], 0, g_object_get_data (G_OBJECT (button), "target"));
}

static GtkWidget *
text_label (const char *prefix,
            const char *text,
            const char *css)
{
  g_autofree char *markup = NULL;
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  GtkWidget *label;

  markup = prefix ? g_strdup_printf ("<b>%s</b> %s", prefix, escaped) : g_steal_pointer (&escaped);
  label = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* Wrapped labels ask for their whole text's width otherwise: the panel
   * would fill the window when the flap overlays the views. */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  gtk_label_set_width_chars (GTK_LABEL (label), 20);
  if (css)
    gtk_widget_add_css_class (label, css);
  return label;
}

/* One step: its tick (set by the check, or by the person when it has
 * none), what to do, what to watch, why, and "Show me". */
static GtkWidget *
step_row (DsLessonPanel      *self,
          const DsLessonStep *step,
          guint               i)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *tick = gtk_check_button_new ();
  g_autofree char *number = g_strdup_printf ("%u.", i + 1);

  gtk_widget_add_css_class (row, "card");
  gtk_widget_add_css_class (row, "lesson-step");
  gtk_widget_set_valign (tick, GTK_ALIGN_START);
  gtk_widget_set_sensitive (tick, step->check == NULL);
  gtk_widget_set_tooltip_text (tick, step->check ? _("Ticks by itself when the step is done")
                                                 : _("Tick when done"));
  g_object_set_data (G_OBJECT (tick), "step", GUINT_TO_POINTER (i));
  g_signal_connect (tick, "toggled", G_CALLBACK (tick_toggled_cb), self);
  g_ptr_array_add (self->ticks, tick);
  gtk_box_append (GTK_BOX (row), tick);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), text_label (number, step->todo, NULL));
  if (step->watch)
    gtk_box_append (GTK_BOX (texts), text_label (_("Watch:"), step->watch, NULL));
  if (step->why)
    gtk_box_append (GTK_BOX (texts), text_label (_("Why:"), step->why, "dim-label"));
  if (step->show_me)
    {
      GtkWidget *button = gtk_button_new_with_label (_("Show Me"));

      gtk_widget_set_halign (button, GTK_ALIGN_START);
      g_object_set_data_full (G_OBJECT (button), "target", g_strdup (step->show_me), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (show_me_cb), self);
      gtk_box_append (GTK_BOX (texts), button);
    }
  gtk_box_append (GTK_BOX (row), texts);
  return row;
}

static void
close_cb (DsLessonPanel *self)
{
  g_signal_emit (self, signals[CLOSE], 0);
}

static void
ds_lesson_panel_dispose (GObject *object)
{
  DsLessonPanel *self = DS_LESSON_PANEL (object);

  g_clear_pointer (&self->runs_seen, g_hash_table_unref);
  g_clear_weak_pointer (&self->document);
  G_OBJECT_CLASS (ds_lesson_panel_parent_class)->dispose (object);
}

static void
ds_lesson_panel_finalize (GObject *object)
{
  DsLessonPanel *self = DS_LESSON_PANEL (object);

  g_clear_pointer (&self->lesson, ds_lesson_free);
  g_clear_pointer (&self->ticks, g_ptr_array_unref);
  g_free (self->view);
  g_free (self->page);
  g_free (self->done);
  G_OBJECT_CLASS (ds_lesson_panel_parent_class)->finalize (object);
}

static void
ds_lesson_panel_class_init (DsLessonPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ds_lesson_panel_dispose;
  object_class->finalize = ds_lesson_panel_finalize;
  /* target ("view:control") */
  signals[SHOW_ME] = g_signal_new ("show-me", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* Chapter, title and close button; progress; the steps in a scrolled list. */
static void
ds_lesson_panel_init (DsLessonPanel *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");
  GtkWidget *scroller = gtk_scrolled_window_new ();

  self->ticks = g_ptr_array_new ();
  self->runs_seen = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self), "lesson-panel");
  gtk_widget_add_css_class (GTK_WIDGET (self), "background");
  gtk_widget_set_size_request (GTK_WIDGET (self), 340, -1);
  gtk_widget_set_hexpand (GTK_WIDGET (self), FALSE);

  self->chapter_label = GTK_LABEL (text_label (NULL, "", "caption"));
  gtk_widget_add_css_class (GTK_WIDGET (self->chapter_label), "dim-label");
  self->title_label = GTK_LABEL (text_label (NULL, "", "title-4"));
  gtk_box_append (GTK_BOX (titles), GTK_WIDGET (self->chapter_label));
  gtk_box_append (GTK_BOX (titles), GTK_WIDGET (self->title_label));
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_box_append (GTK_BOX (header), titles);
  gtk_widget_set_valign (close, GTK_ALIGN_START);
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_set_tooltip_text (close, _("Close the Lesson"));
  g_signal_connect_swapped (close, "clicked", G_CALLBACK (close_cb), self);
  gtk_box_append (GTK_BOX (header), close);
  gtk_box_append (GTK_BOX (self), header);

  self->progress_label = GTK_LABEL (text_label (NULL, "", "dim-label"));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->progress_label));

  self->steps_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 8));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->steps_box));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self), scroller);
}

GtkWidget *
ds_lesson_panel_new (DsDocument *document)
{
  DsLessonPanel *self = g_object_new (DS_TYPE_LESSON_PANEL, NULL);

  g_return_val_if_fail (DS_IS_DOCUMENT (document), NULL);
  g_set_weak_pointer (&self->document, document);
  g_signal_connect_object (document, "changed", G_CALLBACK (ds_lesson_panel_update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (ds_document_get_runs (document), "items-changed",
                           G_CALLBACK (runs_changed_cb), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

void
ds_lesson_panel_take_lesson (DsLessonPanel *self,
                             DsLesson      *lesson)
{
  GtkWidget *child;
  guint n = lesson ? ds_lesson_get_n_steps (lesson) : 0;

  g_return_if_fail (DS_IS_LESSON_PANEL (self));
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->steps_box))))
    gtk_box_remove (self->steps_box, child);
  g_ptr_array_set_size (self->ticks, 0);
  g_clear_pointer (&self->lesson, ds_lesson_free);
  g_free (self->done);
  self->lesson = lesson;
  self->done = g_new0 (gboolean, MAX (n, 1));
  gtk_label_set_label (self->chapter_label, lesson ? ds_lesson_get_chapter (lesson) : "");
  gtk_label_set_label (self->title_label, lesson ? ds_lesson_get_title (lesson) : "");
  for (guint i = 0; i < n; i++)
    gtk_box_append (self->steps_box, step_row (self, ds_lesson_get_step (lesson, i), i));
  if (self->document)
    runs_changed_cb (self);
}

DsLesson *
ds_lesson_panel_get_lesson (DsLessonPanel *self)
{
  g_return_val_if_fail (DS_IS_LESSON_PANEL (self), NULL);
  return self->lesson;
}

void
ds_lesson_panel_set_view (DsLessonPanel *self,
                          const char    *view,
                          const char    *page)
{
  g_return_if_fail (DS_IS_LESSON_PANEL (self));
  g_free (self->view);
  g_free (self->page);
  self->view = g_strdup (view);
  self->page = g_strdup (page);
  ds_lesson_panel_update (self);
}

gboolean
ds_lesson_panel_get_step_done (DsLessonPanel *self,
                               guint          i)
{
  g_return_val_if_fail (DS_IS_LESSON_PANEL (self), FALSE);
  g_return_val_if_fail (self->lesson && i < ds_lesson_get_n_steps (self->lesson), FALSE);
  return self->done[i];
}

void
ds_lesson_panel_tick_step (DsLessonPanel *self,
                           guint          i)
{
  g_return_if_fail (DS_IS_LESSON_PANEL (self));
  g_return_if_fail (i < self->ticks->len);
  gtk_check_button_set_active (self->ticks->pdata[i], TRUE);
}
