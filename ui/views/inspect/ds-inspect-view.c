/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsInspectView: the GObject, its layout, and which model it inspects
 * (DsViewFollow's rule: the current run, else the document's model with
 * weights, else a reason in words). */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-chart-help.h"
#include "ds-file-chooser.h"
#include "ds-inspect-errors.h"
#include "ds-inspect-filters.h"
#include "ds-inspect-heatmaps.h"
#include "ds-inspect-view-private.h"

G_DEFINE_FINAL_TYPE (DsInspectView, ds_inspect_view, DS_TYPE_VIEW)

void
_ds_inspect_view_toast (DsInspectView *self,
                        const char    *text)
{
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text))
    g_message ("%s", text);
}

/* ---- which model ---------------------------------------------------------- */

static void
follow (DsInspectView *self)
{
  g_autofree char *text = NULL;
  NnModel *model;
  DsDataset *dataset;

  if (!ds_view_follow_begin (&self->follow))
    return;
  model = ds_view_follow_pick_model (&self->follow, &text);
  dataset = ds_view_follow_pick_dataset (&self->follow, model);
  if (dataset != ds_inspect_subject_get_dataset (self->subject))
    ds_inspect_subject_set_dataset (self->subject, dataset);
  ds_view_follow_done (&self->follow);
  ds_inspect_subject_set_model (self->subject, model, text);
  /* A sample another view asked for, once its dataset is here. */
  if (self->pending_sample >= 0 && dataset != NULL
      && ds_inspect_subject_open_test_sample (self->subject, (gsize) self->pending_sample))
    self->pending_sample = -1;
}

/* Another view (the projector) asks for a test sample: opened now when
 * shown, else when the window shows this view. */
static void
inspect_sample_cb (DsInspectView *self,
                   guint          index)
{
  self->pending_sample = index;
  follow (self);
}

void
ds_inspect_view_refresh (DsInspectView *self)
{
  g_return_if_fail (DS_IS_INSPECT_VIEW (self));
  follow (self);
}

static void
document_changed_cb (DsInspectView *self,
                     guint          what)
{
  /* Moving boxes on the canvas changes nothing here. */
  if (what == DS_CHANGE_POSITIONS)
    return;
  if (self->follow.run == NULL)
    follow (self);
}

static void
ds_inspect_view_document_changed (DsView     *view,
                                  DsDocument *old_document)
{
  DsInspectView *self = DS_INSPECT_VIEW (view);
  DsDocument *doc = ds_view_get_document (view);

  ds_view_follow_reset (&self->follow);
  if (doc)
    {
      g_signal_connect_swapped (doc, "changed", G_CALLBACK (document_changed_cb), self);
      g_signal_connect_swapped (doc, "notify::current-run", G_CALLBACK (follow), self);
      g_signal_connect_swapped (doc, "inspect-sample", G_CALLBACK (inspect_sample_cb), self);
      g_signal_connect_swapped (ds_document_get_dataset_store (doc), "notify::dataset",
                                G_CALLBACK (follow), self);
    }
  follow (self);
}

/* ---- the subject's signals ------------------------------------------------ */

/* The header: which model, on which data, and where its weights come
 * from ("fashion_small on fashion-mnist · Run 2, epoch 3 (live)"). */
static void
update_header (DsInspectView *self)
{
  NnModel *model = ds_inspect_subject_get_model (self->subject);
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  const char *text = ds_inspect_subject_get_model_text (self->subject);
  const char *name = model ? nn_model_get_name (model) : NULL;
  g_autoptr(GString) header = g_string_new (NULL);

  if (name && *name)
    {
      g_string_append (header, name);
      if (dataset && ds_dataset_get (dataset)->name)
        g_string_append_printf (header, _(" on %s"), ds_dataset_get (dataset)->name);
    }
  if (text && *text)
    g_string_append_printf (header, "%s%s", header->len ? " · " : "", text);
  gtk_label_set_text (self->model_label, header->str);
}

const char *
ds_inspect_view_get_header (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return gtk_label_get_text (self->model_label);
}

static void
subject_model_changed_cb (DsInspectView *self)
{
  NnModel *model = ds_inspect_subject_get_model (self->subject);
  const char *text = ds_inspect_subject_get_model_text (self->subject);

  update_header (self);
  if (model == NULL)
    {
      adw_status_page_set_description (self->empty_page, text ? text : _(ds_view_follow_untrained_text));
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, "content");
  _ds_inspect_view_model_shape (self);
  _ds_inspect_view_model_changed_jobs (self);
}

static void
map_cb (DsInspectView *self)
{
  /* What happened while hidden is caught up with now. */
  if (self->follow.stale || self->pending_sample >= 0
      || ds_inspect_subject_get_generation (self->subject) == 0)
    follow (self);
}

/* ---- layout --------------------------------------------------------------- */

/* A page that scrolls when the window is smaller than it. */
static GtkWidget *
scrolled (GtkWidget *page)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), page);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), FALSE);
  return scroller;
}

static GtkWidget *
build_pages (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *switcher = gtk_stack_switcher_new ();

  self->pages = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->pages), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->pages), TRUE);
  self->activations = DS_INSPECT_ACTIVATIONS (ds_inspect_activations_new ());
  /* Each page with its "how to read this" line and the lesson using it. */
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (GTK_WIDGET (self->activations),
                                            _("How to read this: each tile is one channel's output for "
                                              "this input, bright where it fires; early layers answer "
                                              "edges and textures, later ones fewer, coarser parts."),
                                            _("What convnets learn lesson"),
                                            "05-4-what-convnets-learn.json"),
                        "activations", _("Activations"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (scrolled (ds_inspect_filters_new (self->subject)),
                                            _("How to read this: each tile is the input pattern that "
                                              "excites one filter most; stripes and blobs early, "
                                              "larger motifs deeper. A flat grey tile is a filter "
                                              "that learned little."),
                                            _("What convnets learn lesson"),
                                            "05-4-what-convnets-learn.json"),
                        "filters", _("Filters"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (scrolled (ds_inspect_heatmaps_new (self->subject)),
                                            _("How to read this: Grad-CAM colours the parts of the "
                                              "image that raised the chosen class's score most; "
                                              "warm on the object means the model looks at the "
                                              "right thing."),
                                            _("What convnets learn lesson"),
                                            "05-4-what-convnets-learn.json"),
                        "heatmaps", _("Heat maps"));
  gtk_stack_add_titled (self->pages,
                        ds_chart_help_wrap (scrolled (ds_inspect_errors_new (self->subject)),
                                            _("How to read this: in the confusion matrix each row is "
                                              "a true class and each column a prediction, so the "
                                              "diagonal is right and a bright cell off it is a "
                                              "common mix-up; the worst mistakes are the wrong "
                                              "answers given with most confidence."),
                                            _("Multi-class lesson"),
                                            "03-2-multiclass.json"),
                        "errors", _("Errors"));
  /* Each page as wide as it needs: the widest page must not widen the
   * activations beyond what the window shows. */
  gtk_stack_set_hhomogeneous (self->pages, FALSE);
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->pages);
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 6);
  gtk_box_append (GTK_BOX (box), switcher);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pages));
  return box;
}

static void
build (DsInspectView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *left = gtk_scrolled_window_new ();
  /* The pages first: the input panel listens to the activations page. */
  GtkWidget *pages = build_pages (self);

  self->model_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->model_label), "heading");
  gtk_label_set_xalign (self->model_label, 0);
  gtk_label_set_wrap (self->model_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->model_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->model_label), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->model_label), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->model_label), 8);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->model_label));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->main_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->main_stack), TRUE);
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
  adw_status_page_set_title (self->empty_page, _("Nothing to Inspect"));
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->empty_page), "empty");

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (left), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (left), _ds_inspect_view_build_input (self));
  gtk_widget_set_size_request (left, 380, -1);
  gtk_paned_set_start_child (GTK_PANED (paned), left);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_end_child (GTK_PANED (paned), pages);
  gtk_stack_add_named (self->main_stack, paned, "content");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->main_stack));

  self->root = box;
  gtk_widget_set_parent (box, GTK_WIDGET (self));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_inspect_view_dispose (GObject *object)
{
  DsInspectView *self = DS_INSPECT_VIEW (object);

  /* Stop listening before the widgets go. */
  ds_view_set_document (DS_VIEW (self), NULL);
  ds_view_follow_reset (&self->follow);
  g_cancellable_cancel (self->cancellable);
  ds_file_chooser_clear (&self->chooser);
  if (self->subject)
    g_signal_handlers_disconnect_by_data (self->subject, self);
  g_clear_pointer (&self->root, gtk_widget_unparent);
  G_OBJECT_CLASS (ds_inspect_view_parent_class)->dispose (object);
}

static void
ds_inspect_view_finalize (GObject *object)
{
  DsInspectView *self = DS_INSPECT_VIEW (object);

  g_clear_object (&self->subject);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->inspector, nn_inspector_free);
  g_clear_pointer (&self->pred, g_free);
  g_clear_pointer (&self->truth, g_free);
  g_clear_pointer (&self->shown, g_array_unref);
  g_free (self->canvas_reason);
  g_free (self->series_values);
  G_OBJECT_CLASS (ds_inspect_view_parent_class)->finalize (object);
}

static void
ds_inspect_view_class_init (DsInspectViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  DsViewClass *view_class = DS_VIEW_CLASS (klass);

  object_class->dispose = ds_inspect_view_dispose;
  object_class->finalize = ds_inspect_view_finalize;
  view_class->document_changed = ds_inspect_view_document_changed;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspectview");
}

static void
ds_inspect_view_init (DsInspectView *self)
{
  self->shown_layer = -1;
  self->subject = ds_inspect_subject_new ();
  self->cancellable = g_cancellable_new ();
  self->shown = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->pending_sample = -1;
  ds_view_follow_init (&self->follow, GTK_WIDGET (self), DS_INSPECT_FOLLOW_SECONDS,
                       (DsViewFollowFunc) follow);
  build (self);
  g_signal_connect_swapped (self->subject, "model-changed",
                            G_CALLBACK (subject_model_changed_cb), self);
  g_signal_connect_swapped (self->subject, "dataset-changed",
                            G_CALLBACK (_ds_inspect_view_dataset_changed), self);
  g_signal_connect_swapped (self->subject, "dataset-changed", G_CALLBACK (update_header), self);
  g_signal_connect_swapped (self->subject, "input-changed",
                            G_CALLBACK (_ds_inspect_view_input_changed), self);
  g_signal_connect_swapped (self, "map", G_CALLBACK (map_cb), self);
  subject_model_changed_cb (self);
}

/* ---- for the tests -------------------------------------------------------- */

DsInspectSubject *
ds_inspect_view_get_subject (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->subject;
}

DsInspectActivations *
ds_inspect_view_get_activations (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->activations;
}

DsInspectBars *
ds_inspect_view_get_bars (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->bars;
}

DsInspectCanvas *
ds_inspect_view_get_canvas (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->canvas;
}

DsInspectPicture *
ds_inspect_view_get_channel_picture (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->channel_picture;
}

guint
ds_inspect_view_get_n_computed (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), 0);
  return self->n_computed;
}

GtkStack *
ds_inspect_view_get_pages (DsInspectView *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_VIEW (self), NULL);
  return self->pages;
}

void
ds_inspect_view_show_page (DsInspectView *self,
                           const char    *name)
{
  g_return_if_fail (DS_IS_INSPECT_VIEW (self));
  gtk_stack_set_visible_child_name (self->pages, name);
}
