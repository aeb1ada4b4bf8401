/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-view-follow.h: which model a view that looks inside models shows (the
 * Inspect and Generate views), and when it looks again. The rule: the
 * document's current run (a live run's latest snapshot, taken at most every
 * few seconds so the view's recomputations never crowd the trainer; an
 * ended run's result), else the document's model when it has weights, else
 * a reason in words. The follower also asks the document's dataset store
 * for the dataset a model names, once. It lives inside the view's instance
 * and calls the view's `follow` function whenever the answer may have
 * changed; the view then calls ds_view_follow_begin () and the pickers. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

typedef void (*DsViewFollowFunc) (gpointer view);

typedef struct
{
  GtkWidget        *view;                /* unowned: the view it belongs to */
  DsViewFollowFunc  follow;
  int               seconds;             /* between two models of a live run */
  DsTrainingRun    *run;                 /* the run watched, or NULL */
  guint             follow_id;           /* a pending follow of the live run */
  gint64            last_follow;         /* when the model last changed (µs) */
  gboolean          stale;               /* something changed while unmapped */
  GCancellable     *ensure_cancellable;  /* the dataset asked for, once */
} DsViewFollow;

/* The reason shown when the model has no weights to look at (untranslated:
 * show it through _()). */
extern const char *const ds_view_follow_untrained_text;

void       ds_view_follow_init           (DsViewFollow     *f,
                                          GtkWidget        *view,
                                          int               seconds,
                                          DsViewFollowFunc  follow);
/* The document went (or the view goes): stop watching its run, cancel the
 * dataset asked for, drop a pending follow. */
void       ds_view_follow_reset          (DsViewFollow     *f);
/* At the start of the view's follow: FALSE (and the follower marked stale)
 * while the view is not shown, so it follows once shown. */
gboolean   ds_view_follow_begin          (DsViewFollow     *f);
/* The model to show now (borrowed) and the words for where it comes from
 * (*text, to free), or NULL with the reason in *text. Starts watching the
 * current run. */
NnModel   *ds_view_follow_pick_model     (DsViewFollow     *f,
                                          char            **text);
/* The dataset to use: the current run's, else the one the Data view shows;
 * when there is none, the one `model` names is asked for (the view follows
 * again when it arrives). */
DsDataset *ds_view_follow_pick_dataset   (DsViewFollow     *f,
                                          NnModel          *model);
/* At the end of the view's follow: the live run's next snapshot waits. */
void       ds_view_follow_done           (DsViewFollow     *f);

G_END_DECLS
