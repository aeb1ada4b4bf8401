/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli style: neural style transfer between two PNG files. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* `deepscope-cli style ...` (argv[1] is "style"): parses its own options,
 * runs the transfer, writes --out. Returns 0, 1 (a failure: a file, a
 * model) or 2 (a usage error), the message printed on stderr. */
int cli_style_main (int argc, char **argv);

G_END_DECLS
