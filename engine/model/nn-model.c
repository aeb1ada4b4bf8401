/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model: a DAG of layers and their calls (Keras functional-API
 * semantics) and its editing; shape inference is in nn-model-infer.c,
 * weight initialisation in nn-model-init.c. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "nn-model-private.h"

extern const NnLayerType nn_model_layer_type;

gboolean
is_model_layer (const NnLayer *l)
{
  return l->type == &nn_model_layer_type;
}

NnLayer *
nn_model_layer (const NnModel *m, int i)
{
  g_return_val_if_fail (i >= 0 && i < m->n_layers, NULL);
  return m->layers[i];
}

/* ---- memory limit ------------------------------------------------------------ */

G_LOCK_DEFINE_STATIC (memory_limit);
static guint64 memory_limit_set;   /* 0: the default */

void
nn_set_memory_limit (guint64 bytes)
{
  G_LOCK (memory_limit);
  memory_limit_set = bytes;
  G_UNLOCK (memory_limit);
}

gboolean
nn_parse_bytes (const char *text, guint64 *out)
{
  g_return_val_if_fail (out, FALSE);
  if (!text)
    return FALSE;
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  if (end == text || !(v > 0))
    return FALSE;
  while (*end == ' ')
    end++;
  double unit = 1;
  /* binary units: k, m, g, t, optionally followed by "i" and "b" */
  const char *units = "kmgt", *u = *end ? strchr (units, g_ascii_tolower (*end)) : NULL;
  if (u)
    {
      for (const char *k = units; k <= u; k++)
        unit *= 1024.0;
      end++;
    }
  if (unit > 1 && g_ascii_tolower (*end) == 'i')
    end++;
  if (g_ascii_tolower (*end) == 'b')
    end++;
  if (*end || v * unit >= 18446744073709551615.0 || v * unit < 1)
    return FALSE;
  *out = (guint64) (v * unit);
  return TRUE;
}

guint64
nn_memory_limit (const char **source)
{
  G_LOCK (memory_limit);
  guint64 set = memory_limit_set;
  G_UNLOCK (memory_limit);
  if (set)
    {
      if (source)
        *source = "set by nn_set_memory_limit";
      return set;
    }
  const char *env = g_getenv ("DEEPSCOPE_MEMORY_LIMIT");
  guint64 v;
  if (env && *env && nn_parse_bytes (env, &v))
    {
      if (source)
        *source = "DEEPSCOPE_MEMORY_LIMIT";
      return v;
    }
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGE_SIZE);
  if (source)
    *source = env && *env ? "half of this machine's memory; DEEPSCOPE_MEMORY_LIMIT is not a "
                            "size such as 2G or 512M"
                          : "half of this machine's memory";
  if (pages <= 0 || page <= 0)
    return G_MAXUINT64;
  return (guint64) pages * (guint64) page / 2;
}

guint64
nn_get_memory_limit (void)
{
  return nn_memory_limit (NULL);
}

char *
nn_format_bytes (guint64 bytes)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
  double v = (double) bytes / 1024.0;
  guint u = 0;
  while (v >= 1024.0 && u + 1 < G_N_ELEMENTS (units))
    {
      v /= 1024.0;
      u++;
    }
  return g_strdup_printf ("%.1f %s", v, units[u]);
}

const char *
nn_layer_smaller_hint (const NnLayer *l)
{
  if (is_model_layer (l))
    return "use a smaller inner model";
  for (int k = 0; k < l->type->n_params; k++)
    {
      if (g_str_equal (l->type->params[k].name, "units"))
        return "use fewer units";
      if (g_str_equal (l->type->params[k].name, "filters"))
        return "use fewer filters or a smaller kernel";
    }
  return "use smaller sizes before it";
}

/* ---- losses, metrics, optimizers: names ---------------------------------- */

static const char *const loss_names[] = {
  "none", "binary_crossentropy", "categorical_crossentropy",
  "sparse_categorical_crossentropy", "mse", "mae"
};
static const char *const metric_names[] = {
  "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
  "mae", "mse"
};
static const char *const optimizer_names[] = { "SGD", "RMSprop", "Adam" };

const char *nn_loss_name (NnLoss l) { return l < NN_N_LOSSES ? loss_names[l] : "none"; }
const char *nn_metric_name (NnMetric k) { return k < NN_N_METRICS ? metric_names[k] : "?"; }
const char *nn_optimizer_name (NnOptimizerKind k) { return k < NN_N_OPTIMIZERS ? optimizer_names[k] : "?"; }

gboolean
nn_loss_parse (const char *s, NnLoss *out)
{
  static const struct { const char *alias; NnLoss l; } aliases[] = {
    { "mean_squared_error", NN_LOSS_MSE }, { "mean_absolute_error", NN_LOSS_MAE },
  };
  for (int k = 0; k < NN_N_LOSSES; k++)
    if (!g_ascii_strcasecmp (s, loss_names[k]))
      return *out = (NnLoss) k, TRUE;
  for (guint k = 0; k < G_N_ELEMENTS (aliases); k++)
    if (!g_ascii_strcasecmp (s, aliases[k].alias))
      return *out = aliases[k].l, TRUE;
  return FALSE;
}

gboolean
nn_metric_parse (const char *s, NnMetric *out)
{
  for (int k = 0; k < NN_N_METRICS; k++)
    if (!g_ascii_strcasecmp (s, metric_names[k]))
      return *out = (NnMetric) k, TRUE;
  if (!g_ascii_strcasecmp (s, "acc"))
    return *out = NN_METRIC_ACCURACY, TRUE;
  return FALSE;
}

gboolean
nn_optimizer_parse (const char *s, NnOptimizerKind *out)
{
  for (int k = 0; k < NN_N_OPTIMIZERS; k++)
    if (!g_ascii_strcasecmp (s, optimizer_names[k]))
      return *out = (NnOptimizerKind) k, TRUE;
  return FALSE;
}

void
nn_optimizer_config_init (NnOptimizerConfig *c, NnOptimizerKind kind)
{
  /* Keras defaults. */
  *c = (NnOptimizerConfig) {
    .kind = kind, .learning_rate = kind == NN_OPT_SGD ? 0.01 : 0.001,
    .momentum = 0, .nesterov = FALSE, .rho = 0.9, .beta_1 = 0.9, .beta_2 = 0.999,
    .epsilon = 1e-7, .schedule = NN_SCHEDULE_CONSTANT, .decay_steps = 0, .decay_rate = 1.0,
  };
}

double
nn_optimizer_lr_at (const NnOptimizerConfig *c, long step)
{
  if (c->decay_steps <= 0 || c->schedule == NN_SCHEDULE_CONSTANT)
    return c->learning_rate;
  if (c->schedule == NN_SCHEDULE_STEP)
    return c->learning_rate * pow (c->decay_rate, (double) (step / c->decay_steps));
  return c->learning_rate * pow (c->decay_rate, (double) step / c->decay_steps);
}

/* ---- life cycle ---------------------------------------------------------- */

NnModel *
nn_model_new (const char *name)
{
  NnModel *m = g_new0 (NnModel, 1);
  m->name = g_strdup (name ? name : "model");
  nn_optimizer_config_init (&m->opt, NN_OPT_RMSPROP);
  return m;
}

static void
call_clear (NnCall *c)
{
  g_clear_pointer (&c->in, g_free);
  c->n_in = 0;
}

static void
layer_free (NnLayer *l)
{
  for (int k = 0; k < l->type->n_params; k++)
    nn_value_clear (&l->cfg[k]);
  g_free (l->cfg);
  for (int c = 0; c < l->n_calls; c++)
    call_clear (&l->calls[c]);
  g_free (l->calls);
  g_free (l->name);
  g_free (l->error);
  g_clear_pointer (&l->sub, nn_model_free);
  g_free (l);
}

void
nn_model_free (NnModel *m)
{
  if (!m)
    return;
  for (int i = 0; i < m->n_layers; i++)
    layer_free (m->layers[i]);
  g_free (m->layers);
  g_free (m->outputs);
  g_free (m->name);
  g_free (m->dataset);
  g_free (m->defaults.description);
  g_free (m->defaults.title);
  g_free (m->params);
  nn_vocab_free (m->vocab);
  g_free (m);
}

static NnLayer *
layer_copy (const NnLayer *src)
{
  NnLayer *l = g_memdup2 (src, sizeof *src);
  l->name = g_strdup (src->name);
  l->error = g_strdup (src->error);
  l->cfg = g_new0 (NnValue, MAX (src->type->n_params, 1));
  for (int k = 0; k < src->type->n_params; k++)
    {
      l->cfg[k] = src->cfg[k];
      l->cfg[k].s = g_strdup (src->cfg[k].s);
    }
  l->calls = g_new0 (NnCall, MAX (src->n_calls, 1));
  for (int c = 0; c < src->n_calls; c++)
    {
      l->calls[c] = src->calls[c];
      l->calls[c].in = g_memdup2 (src->calls[c].in, sizeof (NnRef) * (size_t) src->calls[c].n_in);
    }
  l->sub = src->sub ? nn_model_copy (src->sub) : NULL;
  return l;
}

NnModel *
nn_model_copy (const NnModel *src)
{
  NnModel *m = g_memdup2 (src, sizeof *src);
  m->name = g_strdup (src->name);
  m->dataset = g_strdup (src->dataset);
  m->defaults.description = g_strdup (src->defaults.description);
  m->defaults.title = g_strdup (src->defaults.title);
  m->layers = g_new0 (NnLayer *, MAX (src->cap_layers, 1));
  for (int i = 0; i < src->n_layers; i++)
    m->layers[i] = layer_copy (src->layers[i]);
  m->outputs = g_memdup2 (src->outputs, sizeof (NnOutput) * (size_t) src->n_outputs);
  m->params = src->params ? g_memdup2 (src->params, sizeof (float) * src->n_params) : NULL;
  m->vocab = src->vocab ? nn_vocab_copy (src->vocab) : NULL;
  return m;
}

const char *nn_model_get_name (const NnModel *m) { return m->name; }

void
nn_model_set_name (NnModel *m, const char *name)
{
  g_free (m->name);
  m->name = g_strdup (name);
}

NnOptimizerConfig *nn_model_get_optimizer (NnModel *m) { return &m->opt; }
const char *nn_model_get_dataset (const NnModel *m) { return m->dataset; }
NnTrainDefaults *nn_model_get_defaults (NnModel *m) { return &m->defaults; }

void
nn_model_set_dataset (NnModel *m, const char *spec)
{
  g_free (m->dataset);
  m->dataset = g_strdup (spec);
}

NnDatasetFlags nn_model_get_dataset_flags (const NnModel *m) { return m->dataset_flags; }

const NnVocab *nn_model_get_vocab (const NnModel *m) { return m->vocab; }

void
nn_model_set_vocab (NnModel *m, const NnVocab *vocab)
{
  NnVocab *copy = vocab ? nn_vocab_copy (vocab) : NULL;
  nn_vocab_free (m->vocab);
  m->vocab = copy;
}

void
nn_model_set_dataset_flags (NnModel *m, NnDatasetFlags flags)
{
  m->dataset_flags = flags & (NN_DATASET_ONE_HOT | NN_DATASET_SKIP_BAD);
}

void
nn_model_invalidate (NnModel *m)
{
  m->inferred = FALSE;
}

/* ---- layers -------------------------------------------------------------- */

int nn_model_get_n_layers (const NnModel *m) { return m->n_layers; }

int
nn_model_find_layer (const NnModel *m, const char *name)
{
  for (int i = 0; i < m->n_layers; i++)
    if (g_str_equal (m->layers[i]->name, name))
      return i;
  return -1;
}

int
nn_model_find_layer_path (NnModel *m, const char *path, NnModel **owner)
{
  g_return_val_if_fail (m != NULL && path != NULL && owner != NULL, -1);
  *owner = NULL;
  const char *slash = strchr (path, '/');
  if (slash == NULL)
    {
      int li = nn_model_find_layer (m, path);
      if (li >= 0)
        *owner = m;
      return li;
    }
  g_autofree char *outer = g_strndup (path, (gsize) (slash - path));
  int li = nn_model_find_layer (m, outer);
  NnModel *sub = li >= 0 ? nn_model_layer_get_submodel (m, li) : NULL;
  return sub ? nn_model_find_layer_path (sub, slash + 1, owner) : -1;
}

static gboolean
valid_name (const char *name)
{
  if (!name || !*name || strlen (name) > 128)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static char *
default_name (const NnModel *m, const char *class_name)
{
  /* "Conv2D" -> "conv2d", "MaxPooling2D" -> "max_pooling2d" as Keras does. */
  GString *base = g_string_new (NULL);
  for (const char *p = class_name; *p; p++)
    {
      if (g_ascii_isupper (*p) && p != class_name && g_ascii_islower (p[-1]))
        g_string_append_c (base, '_');
      g_string_append_c (base, g_ascii_tolower (*p));
    }
  for (int k = 1;; k++)
    {
      char *name = g_strdup_printf ("%s_%d", base->str, k);
      if (nn_model_find_layer (m, name) < 0)
        {
          g_string_free (base, TRUE);
          return name;
        }
      g_free (name);
    }
}

static int
append_layer (NnModel *m, NnLayer *l)
{
  if (m->n_layers == m->cap_layers)
    {
      m->cap_layers = m->cap_layers ? 2 * m->cap_layers : 16;
      m->layers = g_renew (NnLayer *, m->layers, m->cap_layers);
    }
  m->layers[m->n_layers] = l;
  nn_model_invalidate (m);
  return m->n_layers++;
}

static NnLayer *
layer_new (const NnLayerType *t, char *name)
{
  NnLayer *l = g_new0 (NnLayer, 1);
  l->type = t;
  l->name = name;
  l->trainable = TRUE;
  l->cfg = g_new0 (NnValue, MAX (t->n_params, 1));
  for (int k = 0; k < t->n_params; k++)
    {
      g_autoptr (GError) err = NULL;
      if (!nn_value_parse (&t->params[k], t->params[k].def, &l->cfg[k], &err))
        g_error ("bad default for %s.%s: %s", t->name, t->params[k].name, err->message);
    }
  /* Every layer has call 0; Input layers' call has no inputs. */
  l->calls = g_new0 (NnCall, 1);
  l->n_calls = 1;
  return l;
}

int
nn_model_add_layer (NnModel *m, const char *class_name, const char *name, GError **error)
{
  g_return_val_if_fail (class_name, -1);
  const NnLayerType *t = nn_layer_type_lookup (class_name);
  if (!t)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER,
                   _("There is no layer type “%s”"), class_name);
      return -1;
    }
  if (t == &nn_model_layer_type)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("A Model layer is made from an existing model (nn_model_add_submodel)"));
      return -1;
    }
  if (name && !valid_name (name))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("“%s” is not a valid layer name: use letters, digits, _ - and ."), name);
      return -1;
    }
  if (name && nn_model_find_layer (m, name) >= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("There is already a layer named “%s”"), name);
      return -1;
    }
  return append_layer (m, layer_new (t, name ? g_strdup (name) : default_name (m, class_name)));
}

int
nn_model_add_time_distributed (NnModel *m, const NnModel *inner, const char *name,
                               GError **error)
{
  if (nn_model_get_n_inputs (inner) != 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("TimeDistributed applies a model with one input to every step, but “%s” "
                   "has %d"), inner->name, nn_model_get_n_inputs (inner));
      return -1;
    }
  int li = nn_model_add_layer (m, "TimeDistributed", name, error);
  if (li < 0)
    return -1;
  if (!nn_model_layer_set_param (m, li, "layer", "Model", error))
    {
      nn_model_remove_layer (m, li, NULL);
      return -1;
    }
  m->layers[li]->sub = nn_model_copy (inner);
  nn_model_invalidate (m);
  return li;
}

int
nn_model_add_submodel (NnModel *m, const NnModel *inner, const char *name, GError **error)
{
  if (name && (!valid_name (name) || nn_model_find_layer (m, name) >= 0))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("“%s” is not a free, valid layer name"), name);
      return -1;
    }
  if (nn_model_get_n_inputs (inner) == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("Model “%s” has no Input layer, so it cannot be used as a layer"), inner->name);
      return -1;
    }
  NnLayer *l = layer_new (&nn_model_layer_type,
                          name ? g_strdup (name) : g_strdup (inner->name));
  if (nn_model_find_layer (m, l->name) >= 0)
    {
      g_free (l->name);
      l->name = default_name (m, "Model");
    }
  l->sub = nn_model_copy (inner);
  return append_layer (m, l);
}

static void
ref_renumber_after_remove (NnModel *m, int removed)
{
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int c = 0; c < l->n_calls; c++)
        {
          NnCall *call = &l->calls[c];
          int w = 0;
          for (int s = 0; s < call->n_in; s++)
            {
              if (call->in[s].layer == removed)
                continue;
              NnRef r = call->in[s];
              if (r.layer > removed)
                r.layer--;
              call->in[w++] = r;
            }
          call->n_in = w;
        }
    }
  int w = 0;
  for (int o = 0; o < m->n_outputs; o++)
    {
      if (m->outputs[o].ref.layer == removed)
        continue;
      NnOutput out = m->outputs[o];
      if (out.ref.layer > removed)
        out.ref.layer--;
      m->outputs[w++] = out;
    }
  m->n_outputs = w;
}

gboolean
nn_model_remove_layer (NnModel *m, int layer, GError **error)
{
  if (layer < 0 || layer >= m->n_layers)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, _("No layer number %d"), layer);
      return FALSE;
    }
  layer_free (m->layers[layer]);
  memmove (&m->layers[layer], &m->layers[layer + 1],
           sizeof (NnLayer *) * (size_t) (m->n_layers - layer - 1));
  m->n_layers--;
  ref_renumber_after_remove (m, layer);
  nn_model_invalidate (m);
  return TRUE;
}

const char *nn_model_layer_get_name (const NnModel *m, int i) { return nn_model_layer (m, i)->name; }
const NnLayerType *nn_model_layer_get_type (const NnModel *m, int i) { return nn_model_layer (m, i)->type; }
gboolean nn_model_layer_get_trainable (const NnModel *m, int i) { return nn_model_layer (m, i)->trainable; }
NnModel *nn_model_layer_get_submodel (const NnModel *m, int i) { return nn_model_layer (m, i)->sub; }
const char *nn_model_layer_get_error (const NnModel *m, int i) { return nn_model_layer (m, i)->error; }

void
nn_model_layer_set_trainable (NnModel *m, int i, gboolean trainable)
{
  nn_model_layer (m, i)->trainable = trainable;
  m->inferred = FALSE;
}

void
nn_model_layer_get_position (const NnModel *m, int i, double *x, double *y)
{
  NnLayer *l = nn_model_layer (m, i);
  if (x)
    *x = l->x;
  if (y)
    *y = l->y;
}

void
nn_model_layer_set_position (NnModel *m, int i, double x, double y)
{
  NnLayer *l = nn_model_layer (m, i);
  l->x = x;
  l->y = y;
}

gboolean
nn_model_layer_set_name (NnModel *m, int i, const char *name, GError **error)
{
  NnLayer *l = nn_model_layer (m, i);
  int other = name ? nn_model_find_layer (m, name) : -1;
  if (!valid_name (name))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("“%s” is not a valid layer name: use letters, digits, _ - and ."), name ? name : "");
      return FALSE;
    }
  if (other >= 0 && other != i)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("There is already a layer named “%s”"), name);
      return FALSE;
    }
  g_free (l->name);
  l->name = g_strdup (name);
  return TRUE;
}

static int
param_index (const NnLayer *l, const char *pname)
{
  for (int k = 0; k < l->type->n_params; k++)
    if (g_str_equal (l->type->params[k].name, pname))
      return k;
  return -1;
}

const NnValue *
nn_model_layer_get_param (const NnModel *m, int i, const char *pname)
{
  NnLayer *l = nn_model_layer (m, i);
  int k = param_index (l, pname);
  return k < 0 ? NULL : &l->cfg[k];
}

gboolean
nn_model_layer_set_param (NnModel *m, int i, const char *pname, const char *text, GError **error)
{
  NnLayer *l = nn_model_layer (m, i);
  int k = param_index (l, pname);
  if (k < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s layers have no parameter “%s”"), l->type->name, pname);
      return FALSE;
    }
  g_autoptr (GError) err = NULL;
  if (!nn_value_parse (&l->type->params[k], text, &l->cfg[k], &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG, "%s: %s", l->name, err->message);
      return FALSE;
    }
  nn_model_invalidate (m);
  return TRUE;
}

char *
nn_model_layer_dup_param_text (const NnModel *m, int i, const char *pname)
{
  NnLayer *l = nn_model_layer (m, i);
  int k = param_index (l, pname);
  return k < 0 ? NULL : nn_value_to_text (&l->type->params[k], &l->cfg[k]);
}

/* ---- calls and edges ----------------------------------------------------- */

int nn_model_layer_get_n_calls (const NnModel *m, int i) { return nn_model_layer (m, i)->n_calls; }

int
nn_model_call_get_n_inputs (const NnModel *m, int i, int call)
{
  NnLayer *l = nn_model_layer (m, i);
  return call >= 0 && call < l->n_calls ? l->calls[call].n_in : 0;
}

NnRef
nn_model_call_get_input (const NnModel *m, int i, int call, int slot)
{
  NnLayer *l = nn_model_layer (m, i);
  g_return_val_if_fail (call >= 0 && call < l->n_calls, ((NnRef) { -1, -1 }));
  g_return_val_if_fail (slot >= 0 && slot < l->calls[call].n_in, ((NnRef) { -1, -1 }));
  return l->calls[call].in[slot];
}

gboolean
check_ref (const NnModel *m, NnRef r, GError **error)
{
  if (r.layer < 0 || r.layer >= m->n_layers || r.call < 0
      || r.call >= m->layers[r.layer]->n_calls)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("There is no output %d of layer %d"), r.call, r.layer);
      return FALSE;
    }
  int n_out = nn_model_layer_get_n_outputs (m, r.layer);
  if (r.out < 0 || r.out >= n_out)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   g_dngettext (GETTEXT_PACKAGE, "%s has %d output per call, so it has no output %d%s",
                                "%s has %d outputs per call, so it has no output %d%s", n_out),
                   m->layers[r.layer]->name, n_out, r.out,
                   n_out == 1 ? " (a recurrent layer has its states as outputs 1 and on "
                                "with return_state on)" : "");
      return FALSE;
    }
  return TRUE;
}

int
nn_model_layer_get_n_outputs (const NnModel *m, int layer)
{
  g_return_val_if_fail (m != NULL && layer >= 0 && layer < m->n_layers, 1);
  const NnLayer *l = m->layers[layer];
  return l->type->n_outputs ? l->type->n_outputs (l) : 1;
}

const char *
nn_model_layer_get_state_name (const NnModel *m, int layer, int k)
{
  g_return_val_if_fail (m != NULL && layer >= 0 && layer < m->n_layers, NULL);
  const NnLayer *l = m->layers[layer];
  return l->type->state_name ? l->type->state_name (l, k) : NULL;
}

const char *
nn_model_find_state_layer (NnModel *m)
{
  static const char *const recurrent[] = { "SimpleRNN", "LSTM", "GRU", "Bidirectional", NULL };

  g_return_val_if_fail (m != NULL, NULL);
  for (int l = 0; l < m->n_layers; l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      const char *found = inner ? nn_model_find_state_layer (inner) : NULL;
      gboolean rnn = g_strv_contains (recurrent, nn_layer_type_get_name (m->layers[l]->type));

      if (found)
        return found;
      if (nn_model_layer_get_n_outputs (m, l) > 1)
        return nn_model_layer_get_name (m, l);
      for (int c = 0; rnn && c < nn_model_layer_get_n_calls (m, l); c++)
        if (nn_model_call_get_n_inputs (m, l, c) > 1)
          return nn_model_layer_get_name (m, l);
    }
  return NULL;
}

/* TRUE if `target` is reachable walking inputs upwards from (layer, call).
 * Each layer call is visited once, so stacked residual blocks stay linear. */
static gboolean
reaches (const NnModel *m, NnRef from, int target)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (NnRef));
  g_array_append_val (stack, from);
  while (stack->len)
    {
      NnRef r = g_array_index (stack, NnRef, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      if (r.layer == target)
        return TRUE;
      gpointer key = GINT_TO_POINTER ((r.layer << 12) + r.call + 1);
      if (!g_hash_table_add (seen, key))
        continue;
      const NnCall *c = &m->layers[r.layer]->calls[r.call];
      for (int s = 0; s < c->n_in; s++)
        g_array_append_val (stack, c->in[s]);
    }
  return FALSE;
}

static gboolean
check_inputs (const NnModel *m, int layer, const NnRef *inputs, int n, GError **error)
{
  const NnLayer *l = m->layers[layer];
  if (l->type->max_inputs == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("%s is an Input layer: nothing can connect into it"), l->name);
      return FALSE;
    }
  if (l->type->max_inputs > 0 && n > l->type->max_inputs)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   g_dngettext (GETTEXT_PACKAGE, "%s (%s) takes %d input",
                                "%s (%s) takes %d inputs", l->type->max_inputs), l->name, l->type->name, l->type->max_inputs);
      return FALSE;
    }
  for (int s = 0; s < n; s++)
    {
      if (!check_ref (m, inputs[s], error))
        return FALSE;
      if (reaches (m, inputs[s], layer))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       _("Connecting %s to %s would make a cycle"),
                       m->layers[inputs[s].layer]->name, l->name);
          return FALSE;
        }
    }
  return TRUE;
}

int
nn_model_call (NnModel *m, int layer, const NnRef *inputs, int n_inputs, GError **error)
{
  g_return_val_if_fail (layer >= 0 && layer < m->n_layers, -1);
  if (!check_inputs (m, layer, inputs, n_inputs, error))
    return -1;
  NnLayer *l = m->layers[layer];
  int c;
  if (l->n_calls == 1 && l->calls[0].n_in == 0)
    c = 0;
  else
    {
      l->calls = g_renew (NnCall, l->calls, l->n_calls + 1);
      c = l->n_calls++;
      memset (&l->calls[c], 0, sizeof (NnCall));
    }
  l->calls[c].in = g_memdup2 (inputs, sizeof (NnRef) * (size_t) n_inputs);
  l->calls[c].n_in = n_inputs;
  nn_model_invalidate (m);
  return c;
}

gboolean
nn_model_connect (NnModel *m, NnRef src, int dst, int slot, GError **error)
{
  g_return_val_if_fail (dst >= 0 && dst < m->n_layers, FALSE);
  if (!check_inputs (m, dst, &src, 1, error))
    return FALSE;
  NnLayer *l = m->layers[dst];
  NnCall *c = &l->calls[0];
  if (slot < 0 || slot > c->n_in)
    slot = c->n_in;
  if (slot == c->n_in)
    {
      if (l->type->max_inputs > 0 && c->n_in >= l->type->max_inputs)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       g_dngettext (GETTEXT_PACKAGE, "%s (%s) already has its %d input; remove an edge first",
                                    "%s (%s) already has its %d inputs; remove an edge first", l->type->max_inputs), l->name,
                       l->type->name, l->type->max_inputs);
          return FALSE;
        }
      c->in = g_renew (NnRef, c->in, c->n_in + 1);
      c->n_in++;
    }
  c->in[slot] = src;
  nn_model_invalidate (m);
  return TRUE;
}

gboolean
nn_model_disconnect (NnModel *m, int dst, int call, int slot)
{
  g_return_val_if_fail (dst >= 0 && dst < m->n_layers, FALSE);
  NnLayer *l = m->layers[dst];
  if (call < 0 || call >= l->n_calls || slot < 0 || slot >= l->calls[call].n_in)
    return FALSE;
  NnCall *c = &l->calls[call];
  memmove (&c->in[slot], &c->in[slot + 1], sizeof (NnRef) * (size_t) (c->n_in - slot - 1));
  c->n_in--;
  nn_model_invalidate (m);
  return TRUE;
}

/* ---- inputs and outputs -------------------------------------------------- */

int
nn_model_get_n_inputs (const NnModel *m)
{
  int n = 0;
  for (int i = 0; i < m->n_layers; i++)
    n += m->layers[i]->type->max_inputs == 0;
  return n;
}

int
nn_model_get_input_layer (const NnModel *m, int k)
{
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i]->type->max_inputs == 0 && k-- == 0)
      return i;
  return -1;
}

int nn_model_get_n_outputs (const NnModel *m) { return m->n_outputs; }

NnRef
nn_model_get_output (const NnModel *m, int i)
{
  g_return_val_if_fail (i >= 0 && i < m->n_outputs, ((NnRef) { -1, -1 }));
  return m->outputs[i].ref;
}

int
nn_model_add_output (NnModel *m, NnRef ref, NnLoss loss, double loss_weight,
                     const NnMetric *metrics, int n_metrics)
{
  m->outputs = g_renew (NnOutput, m->outputs, m->n_outputs + 1);
  NnOutput *o = &m->outputs[m->n_outputs];
  memset (o, 0, sizeof *o);
  o->ref = ref;
  o->loss = loss;
  o->loss_weight = loss_weight;
  o->n_metrics = MIN (n_metrics, (int) G_N_ELEMENTS (o->metrics));
  if (o->n_metrics)
    memcpy (o->metrics, metrics, sizeof (NnMetric) * (size_t) o->n_metrics);
  nn_model_invalidate (m);
  return m->n_outputs++;
}

void
nn_model_clear_outputs (NnModel *m)
{
  g_clear_pointer (&m->outputs, g_free);
  m->n_outputs = 0;
  nn_model_invalidate (m);
}

NnLoss nn_model_output_get_loss (const NnModel *m, int i) { return m->outputs[i].loss; }
double nn_model_output_get_loss_weight (const NnModel *m, int i) { return m->outputs[i].loss_weight; }
int nn_model_output_get_n_metrics (const NnModel *m, int i) { return m->outputs[i].n_metrics; }
NnMetric nn_model_output_get_metric (const NnModel *m, int i, int k) { return m->outputs[i].metrics[k]; }

void
nn_model_output_set_loss (NnModel *m, int i, NnLoss loss, double weight)
{
  m->outputs[i].loss = loss;
  m->outputs[i].loss_weight = weight;
}

void
nn_model_output_set_metrics (NnModel *m, int i, const NnMetric *metrics, int n)
{
  NnOutput *o = &m->outputs[i];
  o->n_metrics = MIN (n, (int) G_N_ELEMENTS (o->metrics));
  if (o->n_metrics)
    memcpy (o->metrics, metrics, sizeof (NnMetric) * (size_t) o->n_metrics);
}

static gboolean
is_consumed (const NnModel *m, NnRef r)
{
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      for (int s = 0; s < m->layers[i]->calls[c].n_in; s++)
        if (m->layers[i]->calls[c].in[s].layer == r.layer
            && m->layers[i]->calls[c].in[s].call == r.call)
          return TRUE;
  return FALSE;
}

/* Calls that nn_model_auto_outputs makes outputs: unconsumed calls of
 * layers that take inputs. */
gboolean
is_auto_output (const NnModel *m, NnRef r)
{
  const NnLayer *l = m->layers[r.layer];
  return l->type->max_inputs != 0 && l->calls[r.call].n_in > 0 && !is_consumed (m, r);
}

NnLoss
nn_model_suggest_loss (const NnModel *m, NnRef output, NnMetric *metric, GError **error)
{
  g_return_val_if_fail (m != NULL, NN_LOSS_NONE);
  g_return_val_if_fail (output.layer >= 0 && output.layer < m->n_layers, NN_LOSS_NONE);
  const NnLayer *l = m->layers[output.layer];
  int k = param_index (l, "activation");
  const char *act = k >= 0 ? l->type->params[k].choices[l->cfg[k].i] : "linear";
  const NnCall *c = output.call >= 0 && output.call < l->n_calls ? &l->calls[output.call] : NULL;
  /* Units: the last axis of the inferred shape, 0 when not known yet. */
  int units = c && c->shape_ok && c->shape.ndim > 0 ? c->shape.d[c->shape.ndim - 1] : 0;
  NnMetric dummy;

  if (metric == NULL)
    metric = &dummy;
  if (g_str_equal (act, "softmax") && units != 1)
    {
      *metric = NN_METRIC_ACCURACY;
      return NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
    }
  if (g_str_equal (act, "sigmoid"))
    {
      /* One unit: yes or no; several: one yes or no per unit. */
      *metric = NN_METRIC_ACCURACY;
      return NN_LOSS_BINARY_CROSSENTROPY;
    }
  if (g_str_equal (act, "linear"))
    {
      *metric = NN_METRIC_MAE;
      return NN_LOSS_MSE;
    }
  if (g_str_equal (act, "softmax"))
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                 _("The output layer %s has one unit under softmax, which always gives 1: "
                 "give it one unit per class, or use sigmoid for a yes-or-no output"), l->name);
  else
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                 _("The output layer %s ends in %s, which suits no loss: set its activation to "
                 "softmax (one class of several), sigmoid (yes or no) or linear (a number), "
                 "or choose its loss by hand"), l->name, act);
  *metric = 0;
  return NN_LOSS_NONE;
}

int
nn_model_auto_outputs (NnModel *m)
{
  if (m->n_outputs)
    return m->n_outputs;
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      {
        NnRef r = { i, c };
        if (!is_auto_output (m, r))
          continue;
        NnMetric metric;
        NnLoss loss = nn_model_suggest_loss (m, r, &metric, NULL);
        nn_model_add_output (m, r, loss, 1.0, &metric, loss == NN_LOSS_NONE ? 0 : 1);
      }
  return m->n_outputs;
}

