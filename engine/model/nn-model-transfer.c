/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Transfer learning: a trained base's weights copied into a Model layer of
 * another model, layer by layer, by name and shape. */
#include <string.h>

#include "nn-model-private.h"

/* The layers to copy from: src's Model layer named like dst's, or src's own
 * layers when it has none (a base saved on its own). */
static const NnModel *
source_for (const NnModel *src,
            const char    *name)
{
  int i = nn_model_find_layer (src, name);

  if (i >= 0 && is_model_layer (nn_model_layer (src, i)))
    return nn_model_layer (src, i)->sub;
  return src;
}

/* Pass 0 checks every layer of dst that src names, pass 1 copies. Counts
 * the layers whose weights match (nested Model layers by their own
 * layers). */
static gboolean
copy_layers (NnModel       *dst,
             const NnModel *src,
             const char    *path,
             int            pass,
             int           *n_copied,
             GError       **error)
{
  for (int i = 0; i < dst->n_layers; i++)
    {
      NnLayer *d = dst->layers[i];
      int j = nn_model_find_layer (src, d->name);
      NnLayer *s = j >= 0 ? src->layers[j] : NULL;
      g_autofree char *where = g_strdup_printf ("%s/%s", path, d->name);

      if (s == NULL)
        continue;
      if (d->sub)
        {
          if (!s->sub)
            {
              g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                           "“%s” is a Model layer here but a %s layer in the source", where,
                           s->type->name);
              return FALSE;
            }
          if (!copy_layers (d->sub, s->sub, where, pass, n_copied, error))
            return FALSE;
          continue;
        }
      if (d->n_weights == 0 && s->n_weights == 0)
        continue;
      if (d->n_weights != s->n_weights)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                       "“%s” has %d weight arrays here and %d in the source (%s, %s)", where,
                       d->n_weights, s->n_weights, d->type->name, s->type->name);
          return FALSE;
        }
      for (int k = 0; k < d->n_weights; k++)
        if (!nn_shape_equal (d->wspec[k].ndim, d->wspec[k].shape, s->wspec[k].ndim,
                             s->wspec[k].shape))
          {
            g_autofree char *here = nn_shape_to_string (d->wspec[k].ndim, d->wspec[k].shape, 0);
            g_autofree char *there = nn_shape_to_string (s->wspec[k].ndim, s->wspec[k].shape, 0);

            g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                         "“%s”: its %s is %s here but %s in the source", where,
                         d->wspec[k].name, here, there);
            return FALSE;
          }
      if (pass == 1)
        for (int k = 0; k < d->n_weights; k++)
          memcpy (dst->params + d->woff[k], src->params + s->woff[k],
                  nn_shape_size (d->wspec[k].ndim, d->wspec[k].shape) * sizeof (float));
      (*n_copied)++;
    }
  return TRUE;
}

int
nn_model_copy_weights_into (NnModel       *dst,
                            int            layer,
                            NnModel       *src,
                            guint64        seed,
                            GError       **error)
{
  NnLayer *l;
  const NnModel *from;
  int n = 0;

  g_return_val_if_fail (dst != NULL && src != NULL, -1);
  g_return_val_if_fail (layer >= 0 && layer < dst->n_layers, -1);
  l = dst->layers[layer];
  if (!is_model_layer (l))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "“%s” is not a Model layer: only a Model layer takes a base's weights",
                   l->name);
      return -1;
    }
  if (!nn_model_infer (dst, error) || !nn_model_infer (src, error))
    return -1;
  if (!nn_model_has_weights (src))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "The model “%s” has no weights: train it and save it with its weights first",
                   src->name);
      return -1;
    }
  from = source_for (src, l->name);
  if (!copy_layers (l->sub, from, l->name, 0, &n, error))
    return -1;
  if (n == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "No layer of “%s” has a namesake with weights in “%s”", l->name, src->name);
      return -1;
    }
  if (!nn_model_has_weights (dst) && !nn_model_init_weights (dst, seed, error))
    return -1;
  n = 0;
  copy_layers (l->sub, from, l->name, 1, &n, NULL);
  return n;
}
