/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the model file writer (nn-model-io-write.c) and reader
 * (nn-model-io.c). */
#pragma once

#include <json-glib/json-glib.h>

#include "nn-model-private.h"

#define FORMAT_NAME     "deepscope-model"
#define FORMAT_VERSION  1
#define WEIGHT_ENCODING "float32-le-base64"
/* Models used as layers nest; a limit keeps a hostile file from exhausting
 * the stack. */
#define MAX_DEPTH       8

/* NnScheduleKind names in the file, NULL-terminated. */
extern const char *const nn_schedule_names[];
