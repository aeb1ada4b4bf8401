/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-application.h: the Deepscope application: windows, app-wide actions,
 * settings (window size, recent files) and crash recovery at start. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* How much nicer than the main loop the engine computes in the app
 * (nn_set_compute_nice): while training fills both cores, a frame still
 * gets one at once. With the Inspect view following a run, 10 kept the
 * worst frame gap at 21.7-28.9 ms in five quiet runs of ui-train-stalls
 * where 5 gave 29.2-45.6 ms, training at the same pace. */
#define DS_COMPUTE_NICE 10

#define DS_APP_ID "io.github.deepscope.Deepscope"

#define DS_TYPE_APPLICATION (ds_application_get_type ())
G_DECLARE_FINAL_TYPE (DsApplication, ds_application, DS, APPLICATION, AdwApplication)

DsApplication *ds_application_new          (void);
/* The app's settings, or NULL when the schema is not installed. */
GSettings     *ds_application_get_settings (DsApplication *self);
/* Recent model files, newest first (NULL-terminated, owned). */
char         **ds_application_dup_recent   (DsApplication *self);
void           ds_application_add_recent   (DsApplication *self, GFile *file);
/* Looks for autosaved work left by a crash and offers it back on `parent`. */
void           ds_application_offer_recovery (DsApplication *self, GtkWindow *parent);

/* Registers the UI's resources and types; call once before building any
 * widget when not running through DsApplication (tests, benchmarks). */
void           ds_ui_init                  (void);

G_END_DECLS
