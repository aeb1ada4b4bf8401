/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli ensemble: several trained models of one task evaluated
 * beside the weighted mean of their predictions. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* `deepscope-cli ensemble A.json B.json ... [--weights W1,W2,...]
 * [--data SPEC] [--json] [--quiet]` (argv[1] is "ensemble"): parses its own
 * options, prints one row per member and one for the ensemble. Returns 0,
 * 1 (a failure: a file, a model of another task) or 2 (a usage error), the
 * message printed on stderr. */
int cli_ensemble_main (int argc, char **argv);

G_END_DECLS
