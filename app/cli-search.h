/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli search: a hyperparameter search (nn-search.h) on a model
 * file's dataset, printing a results table. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* `deepscope-cli search MODEL.json --param PATH=VALUES ...` (argv[1] is
 * "search"): parses its own options, runs every trial, prints the table.
 * Returns 0, 1 (a failure: a file, a fit) or 2 (a usage error), the
 * message printed on stderr. */
int cli_search_main (int argc, char **argv);

G_END_DECLS
