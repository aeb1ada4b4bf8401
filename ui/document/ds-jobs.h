/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Background jobs the interface starts on worker threads (dataset loads,
 * test-split evaluations, the playground's maps), counted so that the
 * process never exits while one of them is still inside the engine. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* g_task_run_in_thread, counted: the job counts as running until func
 * returns. */
void     ds_jobs_run_in_thread (GTask *task, GTaskThreadFunc func);
/* The nice value of background jobs' threads. Training computes at
 * DS_COMPUTE_NICE (10): at 19 a background job gets about a seventh of
 * what a training thread gets when both want a core (it still moves on,
 * unlike under SCHED_IDLE, which starves it while training runs), and
 * everything when training does not run. */
#define DS_JOBS_BACKGROUND_NICE 19

/* ds_jobs_run_in_thread for work that looks on while something else
 * trains (the Inspect view's pages): on threads of its own, at
 * DS_JOBS_BACKGROUND_NICE, so that a live run keeps its speed. At most
 * two run at once (one a core); the rest wait their turn. */
void     ds_jobs_run_in_background (GTask *task, GTaskThreadFunc func);
/* Jobs whose func has not returned yet. */
int      ds_jobs_running       (void);
/* Blocks until no job runs or timeout_us passes (< 0: no limit); TRUE
 * when none runs. Does not iterate a main context. */
gboolean ds_jobs_wait          (gint64 timeout_us);
/* Makes the process wait (up to a minute) for running jobs when it
 * exits, before the libraries tear themselves down. Once per process. */
void     ds_jobs_wait_at_exit  (void);

G_END_DECLS
