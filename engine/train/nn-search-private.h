/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What nn-search.c and nn-search-io.c (JSON) share. */
#pragma once

#include "nn-search.h"

struct _NnSearch {
  NnSearchSpec spec;
  int        epochs;        /* the fit's epochs for trials that do not search them */
  GPtrArray *trials;        /* NnTrial */
  GArray    *jobs;          /* NnSearchJob */
  int        jobs_done;
  int        n_rungs;
};

NnSearch *nn_search_alloc        (void);
void      nn_search_param_free   (NnSearchParam *p);
NnSearchParam *nn_search_param_copy (const NnSearchParam *p);
NnTrial  *nn_trial_new           (int index, int n_params);
void      nn_trial_free          (NnTrial *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnSearchParam, nn_search_param_free)
