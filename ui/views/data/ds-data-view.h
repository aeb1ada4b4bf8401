/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-data-view.h: the Data view: choose a dataset (Fashion-MNIST, points in
 * the plane, a CSV file, a folder of images, or any engine spec), its
 * preprocessing and splits, and see it: sample images or a scatter plot,
 * samples per class, and the tensor shapes the model will receive. Loading
 * runs on a worker thread with a cancel button; a file that cannot be
 * loaded shows which file and what is wrong, under the source chooser. */
#pragma once

#include <adwaita.h>

#include "ds-dataset-store.h"
#include "ds-document.h"
#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_DATA_VIEW (ds_data_view_get_type ())
G_DECLARE_FINAL_TYPE (DsDataView, ds_data_view, DS, DATA_VIEW, DsView)

/* The spec the current options describe (NULL when incomplete). */
char           *ds_data_view_dup_spec        (DsDataView *self);

G_END_DECLS
