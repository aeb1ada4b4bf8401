/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onnx-export MODEL.json DIR: writes DIR/model.onnx (nn_export_onnx), for
 * trying the exporter by hand until deepscope-cli export has it. A model
 * file without weights is exported with weights initialized from seed 0. */
#include <stdio.h>

#include "nn.h"

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s MODEL.json DIR\n", argv[0]);
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (argv[1], &error);
  if (!m || !nn_export_onnx (m, argv[2], &error))
    {
      fprintf (stderr, "%s: %s\n", argv[0], error->message);
      return 1;
    }
  printf ("%s/model.onnx\n", argv[2]);
  return 0;
}
