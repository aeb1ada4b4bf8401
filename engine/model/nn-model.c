/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model: a DAG of layers and their calls (Keras functional-API
 * semantics), editing, shape inference, parameter counts, summary and
 * weight initialisation. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "nn-model-private.h"

extern const NnLayerType nn_model_layer_type;

static gboolean
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
                   "There is no layer type “%s”", class_name);
      return -1;
    }
  if (t == &nn_model_layer_type)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "A Model layer is made from an existing model (nn_model_add_submodel)");
      return -1;
    }
  if (name && !valid_name (name))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "“%s” is not a valid layer name: use letters, digits, _ - and .", name);
      return -1;
    }
  if (name && nn_model_find_layer (m, name) >= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "There is already a layer named “%s”", name);
      return -1;
    }
  return append_layer (m, layer_new (t, name ? g_strdup (name) : default_name (m, class_name)));
}

int
nn_model_add_submodel (NnModel *m, const NnModel *inner, const char *name, GError **error)
{
  if (name && (!valid_name (name) || nn_model_find_layer (m, name) >= 0))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "“%s” is not a free, valid layer name", name);
      return -1;
    }
  if (nn_model_get_n_inputs (inner) == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "Model “%s” has no Input layer, so it cannot be used as a layer", inner->name);
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
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, "No layer number %d", layer);
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
                   "“%s” is not a valid layer name: use letters, digits, _ - and .", name ? name : "");
      return FALSE;
    }
  if (other >= 0 && other != i)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   "There is already a layer named “%s”", name);
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
                   "%s layers have no parameter “%s”", l->type->name, pname);
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

static gboolean
check_ref (const NnModel *m, NnRef r, GError **error)
{
  if (r.layer < 0 || r.layer >= m->n_layers || r.call < 0
      || r.call >= m->layers[r.layer]->n_calls)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "There is no output %d of layer %d", r.call, r.layer);
      return FALSE;
    }
  return TRUE;
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
                   "%s is an Input layer: nothing can connect into it", l->name);
      return FALSE;
    }
  if (l->type->max_inputs > 0 && n > l->type->max_inputs)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s (%s) takes %d input%s", l->name, l->type->name, l->type->max_inputs,
                   l->type->max_inputs == 1 ? "" : "s");
      return FALSE;
    }
  for (int s = 0; s < n; s++)
    {
      if (!check_ref (m, inputs[s], error))
        return FALSE;
      if (reaches (m, inputs[s], layer))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       "Connecting %s to %s would make a cycle",
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
                       "%s (%s) already has its %d input%s; remove an edge first", l->name,
                       l->type->name, l->type->max_inputs, l->type->max_inputs == 1 ? "" : "s");
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
static gboolean
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
                 "The output layer %s has one unit under softmax, which always gives 1: "
                 "give it one unit per class, or use sigmoid for a yes-or-no output", l->name);
  else
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                 "The output layer %s ends in %s, which suits no loss: set its activation to "
                 "softmax (one class of several), sigmoid (yes or no) or linear (a number), "
                 "or choose its loss by hand", l->name, act);
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

/* ---- shape inference ----------------------------------------------------- */

typedef struct {
  NnModel *m;
  guint8 **state;   /* per layer, per call: 0 new, 1 visiting, 2 done */
  GError  *first;
  int      first_layer;
} InferCtx;

static void
layer_fail (InferCtx *ctx, int layer, GError *err)
{
  NnLayer *l = ctx->m->layers[layer];
  if (!l->error)
    l->error = g_strdup (err->message);
  if (!ctx->first)
    {
      ctx->first = g_error_new (err->domain, err->code, "%s: %s", l->name, err->message);
      ctx->first_layer = layer;
    }
  g_error_free (err);
}

gboolean nn_model_infer_submodel (NnLayer *l, const NnShape *in, int n_in, NnShape *out,
                                  GError **error);

/* Whether an output of shape s (per sample) fits what the kernel of its
 * loss (nn-op-loss.c) reads of the target, given that a dataset gives one
 * target per sample. The losses see the output as rows, every axis but the
 * last, of `last axis` values each:
 *   - sparse categorical cross-entropy reads one class number per row from a
 *     target of one number per sample, so a row must be a sample: the output
 *     must be (batch, classes) (a (batch, 26, 26, 10) output would read 676
 *     labels per sample from a target that holds one);
 *   - categorical cross-entropy reads a one-hot row per row, binary
 *     cross-entropy, MSE and MAE one value per output value: their target
 *     node has the output's shape, and the trainer checks that the dataset
 *     gives that many values per sample; categorical cross-entropy still
 *     needs a class axis. */
static gboolean
check_loss_shape (const NnShape *s, NnLoss loss, GError **error)
{
  g_autofree char *shape = nn_shape_text (s);
  switch (loss)
    {
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      if (s->ndim == 1)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   "sparse categorical cross-entropy needs an output of shape (batch, classes) "
                   "but this output is %s; %s", shape,
                   s->ndim == 0 ? "add a Dense layer with one unit per class after it"
                   : s->ndim == 3 ? "add Flatten and Dense before it, or GlobalAveragePooling2D"
                   : "add Flatten and Dense before it");
      return FALSE;
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
      if (s->ndim >= 1)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   "categorical cross-entropy needs an output with a class axis, "
                   "(batch, classes), but this output is %s; add a Dense layer with one unit "
                   "per class after it", shape);
      return FALSE;
    default:
      return TRUE;
    }
}

/* Checks every output's loss against its shape (the outputs that
 * nn_model_auto_outputs would make, with their guessed losses, when none is
 * set), so that the editor shows the error on the output layer. */
static void
check_losses (InferCtx *ctx)
{
  NnModel *m = ctx->m;
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      {
        NnRef r = { i, c };
        NnCall *call = &m->layers[i]->calls[c];
        NnLoss loss = NN_LOSS_NONE;
        NnMetric metric;
        if (!call->shape_ok)
          continue;
        if (m->n_outputs == 0 && is_auto_output (m, r))
          loss = nn_model_suggest_loss (m, r, &metric, NULL);
        for (int o = 0; o < m->n_outputs; o++)
          if (m->outputs[o].ref.layer == i && m->outputs[o].ref.call == c
              && m->outputs[o].loss != NN_LOSS_NONE)
            loss = m->outputs[o].loss;
        GError *err = NULL;
        if (!check_loss_shape (&call->shape, loss, &err))
          layer_fail (ctx, i, err);
      }
}

static void
infer_call (InferCtx *ctx, int li, int ci)
{
  NnModel *m = ctx->m;
  NnLayer *l = m->layers[li];
  NnCall *c = &l->calls[ci];
  if (ctx->state[li][ci] == 2)
    return;
  if (ctx->state[li][ci] == 1)
    {
      layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                        "is part of a cycle"));
      return;
    }
  ctx->state[li][ci] = 1;
  NnShape in[64];
  int n_in = MIN (c->n_in, 64);
  gboolean inputs_ok = TRUE;
  for (int s = 0; s < n_in; s++)
    {
      NnRef r = c->in[s];
      infer_call (ctx, r.layer, r.call);
      NnCall *src = &m->layers[r.layer]->calls[r.call];
      inputs_ok &= src->shape_ok;
      in[s] = src->shape;
    }
  ctx->state[li][ci] = 2;
  c->shape_ok = FALSE;
  if (!inputs_ok)
    return;
  if (n_in < l->type->min_inputs)
    {
      if (n_in == 0)
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                          "%s is not connected: connect a layer's output to it",
                                          l->type->name));
      else
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                          "%s needs at least %d inputs but has %d",
                                          l->type->name, l->type->min_inputs, n_in));
      return;
    }
  GError *err = NULL;
  gboolean ok;
  if (is_model_layer (l))
    ok = nn_model_infer_submodel (l, in, n_in, &c->shape, &err);
  else
    ok = l->type->infer (l, in, n_in, &c->shape, &err);
  if (!ok)
    {
      layer_fail (ctx, li, err);
      return;
    }
  for (int d = 0; d < c->shape.ndim; d++)
    if (c->shape.d[d] <= 0)
      {
        g_autofree char *s = nn_shape_text (&c->shape);
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                          "%s would output %s: every size must be positive",
                                          l->type->name, s));
        return;
      }
  /* Kernels index a sample's values with int: one sample holds at most
   * G_MAXINT of them (8 GiB of floats). */
  size_t values = 1;
  for (int d = 0; d < c->shape.ndim; d++)
    if (!g_size_checked_mul (&values, values, (size_t) c->shape.d[d]) || values > G_MAXINT)
      {
        g_autofree char *s = nn_shape_text (&c->shape);
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                          "%s would output %s, more than %d values per sample; "
                                          "%s", l->type->name, s, G_MAXINT,
                                          nn_layer_smaller_hint (l)));
        return;
      }
  /* Weights come from the first call; later calls (shared layers) must
   * need the same weights. */
  NnWeightSpec w[NN_MAX_WEIGHTS];
  int nw = l->type->weights && !is_model_layer (l) ? l->type->weights (l, in, n_in, w) : 0;
  for (int k = 0; k < nw; k++)
    {
      size_t n = 1;
      gboolean fits = TRUE;
      for (int d = 0; d < w[k].ndim && fits; d++)
        fits = w[k].shape[d] > 0 && g_size_checked_mul (&n, n, (size_t) w[k].shape[d])
               && n <= G_MAXSIZE / sizeof (float);
      if (!fits)
        {
          g_autofree char *s = nn_shape_to_string (w[k].ndim, w[k].shape, 0);
          layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                            "its %s %s has more values than memory can address; "
                                            "%s", w[k].name, s, nn_layer_smaller_hint (l)));
          return;
        }
    }
  if (ci == 0 || !l->calls[0].shape_ok)
    {
      l->n_weights = nw;
      memcpy (l->wspec, w, sizeof (NnWeightSpec) * (size_t) nw);
    }
  else
    for (int k = 0; k < nw; k++)
      if (!nn_shape_equal (w[k].ndim, w[k].shape, l->wspec[k].ndim, l->wspec[k].shape))
        {
          layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                            "shared layer is called on inputs of different shapes, "
                                            "so its weights cannot be shared (call %d)", ci + 1));
          return;
        }
  c->shape_ok = TRUE;
}

static void
layout_weights (NnModel *m)
{
  size_t off = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int k = 0; k < l->n_weights; k++)
        {
          l->woff[k] = off;
          off += nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
        }
    }
  if (off != m->n_params)
    {
      /* The layout changed: old weights no longer fit. */
      g_clear_pointer (&m->params, g_free);
      m->has_weights = FALSE;
      m->n_params = off;
    }
}

/* Floats of a layer's weights (a Model layer: its inner model's), counted
 * after inference checked that each weight's size fits a size_t. */
static guint64
layer_weight_floats (const NnLayer *l)
{
  if (l->sub)
    return (guint64) nn_model_count_params (l->sub, NULL, NULL);
  guint64 n = 0;
  for (int k = 0; k < l->n_weights; k++)
    n += nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
  return n;
}

/* The weights that nn_model_init_weights allocates, layer by layer in the
 * order of the flat array, against the memory limit: the error goes on the
 * layer that takes them over it. */
static void
check_weight_memory (InferCtx *ctx)
{
  const char *source;
  guint64 limit = nn_memory_limit (&source), total = 0;
  for (int i = 0; i < ctx->m->n_layers; i++)
    {
      NnLayer *l = ctx->m->layers[i];
      guint64 floats = layer_weight_floats (l);
      guint64 bytes = floats > G_MAXUINT64 / 4 ? G_MAXUINT64 : floats * 4;
      guint64 before = total;
      total = total > G_MAXUINT64 - bytes ? G_MAXUINT64 : total + bytes;
      if (total <= limit)
        continue;
      g_autofree char *lim = nn_format_bytes (limit);
      g_autofree char *own = nn_format_bytes (bytes);
      g_autofree char *all = nn_format_bytes (total);
      if (before == 0 || bytes > limit)
        layer_fail (ctx, i, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                         "its weights need %s; the limit is %s (%s); %s",
                                         own, lim, source, nn_layer_smaller_hint (l)));
      else
        layer_fail (ctx, i, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                         "its weights (%s) bring the model's to %s; the limit "
                                         "is %s (%s); %s", own, all, lim, source,
                                         nn_layer_smaller_hint (l)));
      return;
    }
}

/* top: m is the model being trained, not one used as a layer (whose
 * outputs have no loss). */
static gboolean
infer_model (NnModel *m, gboolean top, GError **error)
{
  InferCtx ctx = { m, g_new0 (guint8 *, MAX (m->n_layers, 1)), NULL, -1 };
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      g_clear_pointer (&l->error, g_free);
      l->n_weights = 0;
      ctx.state[i] = g_new0 (guint8, MAX (l->n_calls, 1));
      for (int c = 0; c < l->n_calls; c++)
        l->calls[c].shape_ok = FALSE;
    }
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      infer_call (&ctx, i, c);
  for (int i = 0; i < m->n_layers; i++)
    g_free (ctx.state[i]);
  g_free (ctx.state);

  if (!ctx.first && nn_model_get_n_inputs (m) == 0)
    ctx.first = g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                             "The model has no Input layer: add one from the palette");
  for (int o = 0; !ctx.first && o < m->n_outputs; o++)
    if (!check_ref (m, m->outputs[o].ref, &ctx.first))
      break;
  if (top && !ctx.first)
    check_losses (&ctx);
  if (top && !ctx.first)
    check_weight_memory (&ctx);
  layout_weights (m);
  m->inferred = ctx.first == NULL;
  if (ctx.first)
    {
      g_propagate_error (error, ctx.first);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_model_infer (NnModel *m, GError **error)
{
  return infer_model (m, TRUE, error);
}

gboolean
nn_model_infer_submodel (NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  NnModel *sub = l->sub;
  g_autoptr (GError) err = NULL;
  if (!infer_model (sub, FALSE, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE, "its inner model is invalid: %s",
                   err->message);
      return FALSE;
    }
  if (n_in != nn_model_get_n_inputs (sub))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "the inner model takes %d inputs but gets %d", nn_model_get_n_inputs (sub), n_in);
      return FALSE;
    }
  for (int k = 0; k < n_in; k++)
    {
      NnCall *c = &sub->layers[nn_model_get_input_layer (sub, k)]->calls[0];
      if (!nn_shape_equal (c->shape.ndim, c->shape.d, in[k].ndim, in[k].d))
        {
          g_autofree char *want = nn_shape_text (&c->shape);
          nn_layer_shape_error (error, l, want, &in[k], NULL);
          return FALSE;
        }
    }
  nn_model_auto_outputs (sub);
  if (sub->n_outputs < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, "the inner model has no output");
      return FALSE;
    }
  NnRef r = sub->outputs[0].ref;
  *out = sub->layers[r.layer]->calls[r.call].shape;
  return TRUE;
}

gboolean
nn_model_get_shape (const NnModel *m, NnRef r, int *ndim, int *shape)
{
  if (r.layer < 0 || r.layer >= m->n_layers || r.call < 0 || r.call >= m->layers[r.layer]->n_calls)
    return FALSE;
  NnCall *c = &m->layers[r.layer]->calls[r.call];
  if (!c->shape_ok)
    return FALSE;
  *ndim = c->shape.ndim;
  memcpy (shape, c->shape.d, sizeof (int) * (size_t) c->shape.ndim);
  return TRUE;
}

/* ---- parameter counts and summary ---------------------------------------- */

gint64
nn_model_layer_count_params (const NnModel *m, int i)
{
  NnLayer *l = nn_model_layer (m, i);
  if (l->sub)
    return nn_model_count_params (l->sub, NULL, NULL);
  gint64 n = 0;
  for (int k = 0; k < l->n_weights; k++)
    n += (gint64) nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
  return n;
}

gint64
nn_model_count_params (const NnModel *m, gint64 *trainable, gint64 *non_trainable)
{
  gint64 tr = 0, fixed = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      if (l->sub)
        {
          gint64 st = 0, sn = 0;
          nn_model_count_params (l->sub, &st, &sn);
          tr += l->trainable ? st : 0;
          fixed += l->trainable ? sn : st + sn;
          continue;
        }
      for (int k = 0; k < l->n_weights; k++)
        {
          gint64 n = (gint64) nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
          if (l->trainable && l->wspec[k].trainable)
            tr += n;
          else
            fixed += n;
        }
    }
  if (trainable)
    *trainable = tr;
  if (non_trainable)
    *non_trainable = fixed;
  return tr + fixed;
}

static char *
thousands (gint64 n)
{
  g_autofree char *raw = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *s = g_string_new (NULL);
  int len = (int) strlen (raw);
  for (int k = 0; k < len; k++)
    {
      if (k && (len - k) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, raw[k]);
    }
  return g_string_free (s, FALSE);
}

static char *
keras_shape (const NnShape *s)
{
  GString *str = g_string_new ("(None");
  for (int k = 0; k < s->ndim; k++)
    g_string_append_printf (str, ", %d", s->d[k]);
  g_string_append_c (str, ')');
  return g_string_free (str, FALSE);
}

char *
nn_model_summary (NnModel *m, GError **error)
{
  if (!nn_model_infer (m, error))
    return NULL;
  gboolean graph = FALSE;
  for (int i = 0; i < m->n_layers; i++)
    graph |= m->layers[i]->n_calls > 1 || m->layers[i]->calls[0].n_in > 1
             || (m->layers[i]->type->max_inputs == 0 && i > 0);
  /* Keras's column widths, widened to the longest entry plus a space so
   * that "max_pooling2d_1 (MaxPooling2D)" never runs into its shape. */
  int w_name = 29, w_shape = 26, w_params = 11;
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      {
        g_autofree char *shape = keras_shape (&m->layers[i]->calls[c].shape);
        w_name = MAX (w_name, (int) (strlen (m->layers[i]->name) + strlen (m->layers[i]->type->name) + 5));
        w_shape = MAX (w_shape, (int) strlen (shape) + 1);
      }
  int width = w_name + w_shape + w_params + (graph ? 24 : 0);
  g_autofree char *rule = g_strnfill (width, '_');
  g_autofree char *dbl = g_strnfill (width, '=');
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "Model: \"%s\"\n%s\n", m->name, rule);
  g_string_append_printf (s, " %-*s%-*s%-*s%s\n%s\n", w_name - 1, "Layer (type)", w_shape,
                          "Output Shape", w_params, "Param #", graph ? "Connected to" : "", dbl);
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int c = 0; c < l->n_calls; c++)
        {
          g_autofree char *name = g_strdup_printf ("%s (%s)", l->name, l->type->name);
          g_autofree char *shape = keras_shape (&l->calls[c].shape);
          g_autofree char *params = thousands (c == 0 ? nn_model_layer_count_params (m, i) : 0);
          GString *conn = g_string_new (NULL);
          for (int k = 0; graph && k < l->calls[c].n_in; k++)
            {
              NnRef r = l->calls[c].in[k];
              g_string_append_printf (conn, "%s%s[%d][0]", k ? ", " : "",
                                      m->layers[r.layer]->name, r.call);
            }
          g_string_append_printf (s, " %-*s%-*s%-*s%s\n", w_name - 1, name, w_shape, shape,
                                  w_params, params, conn->str);
          g_string_free (conn, TRUE);
        }
      if (i + 1 < m->n_layers)
        g_string_append_c (s, '\n');
    }
  gint64 tr, fixed, total = nn_model_count_params (m, &tr, &fixed);
  g_autofree char *t1 = thousands (total), *t2 = thousands (tr), *t3 = thousands (fixed);
  g_string_append_printf (s, "%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n%s\n",
                          dbl, t1, t2, t3, rule);
  return g_string_free (s, FALSE);
}

/* ---- weights --------------------------------------------------------------- */

/* LAPACK's QR (in OpenBLAS; engine/meson.build checks that it is there),
 * Fortran calling convention: everything by address, column-major. */
extern void dgeqrf_ (const int *m, const int *n, double *a, const int *lda, double *tau,
                     double *work, const int *lwork, int *info);
extern void dorgqr_ (const int *m, const int *n, const int *k, double *a, const int *lda,
                     const double *tau, double *work, const int *lwork, int *info);

/* Keras's variance-scaling normals draw from a normal of stddev
 * sqrt (scale / fan) / 0.8796..., redrawing values beyond two of those
 * stddevs: 0.8796... is the stddev of a unit normal truncated at +-2, so
 * the values' own stddev is sqrt (scale / fan). */
#define NN_TRUNCATED_STDDEV 0.87962566103423978

static void
init_truncated_normal (float *w, size_t n, double sd, NnRng *rng)
{
  double s = sd / NN_TRUNCATED_STDDEV;
  for (size_t i = 0; i < n; i++)
    {
      float z;
      do
        z = nn_rng_normal (rng);
      while (fabsf (z) > 2.0f);
      w[i] = (float) (z * s);
    }
}

/* Keras's Orthogonal (gain 1): w seen as a (rows, cols) matrix, rows the
 * product of all axes but the last, cols the last (units, filters); a
 * (max, min) normal matrix A = QR, Q's columns times the signs of R's
 * diagonal (so that Q is uniformly distributed), transposed when rows <
 * cols. Orthonormal columns (rows >= cols) or rows (rows < cols), to
 * float rounding: computed in double. */
static void
init_orthogonal (float *w, const NnWeightSpec *spec, size_t n, NnRng *rng)
{
  int cols = spec->ndim >= 1 ? spec->shape[spec->ndim - 1] : 1;
  if (n == 0 || cols <= 0)
    return;
  int rows = (int) (n / (size_t) cols);
  int m = MAX (rows, cols), k = MIN (rows, cols), info = 0, lwork = -1;
  double *a = g_new (double, (size_t) m * (size_t) k), *tau = g_new (double, (size_t) k);
  double *sign = g_new (double, (size_t) k), query = 0;
  for (size_t i = 0; i < (size_t) m * (size_t) k; i++)
    a[i] = nn_rng_normal (rng);
  dgeqrf_ (&m, &k, a, &m, tau, &query, &lwork, &info);
  lwork = MAX ((int) query, k);
  double *work = g_new (double, (size_t) lwork);
  dgeqrf_ (&m, &k, a, &m, tau, work, &lwork, &info);
  g_assert (info == 0);
  /* R's diagonal, before Q overwrites it */
  for (int j = 0; j < k; j++)
    sign[j] = a[(size_t) j * (size_t) m + (size_t) j] < 0 ? -1.0 : 1.0;
  int qwork = -1;
  dorgqr_ (&m, &k, &k, a, &m, tau, &query, &qwork, &info);
  if ((int) query > lwork)
    {
      lwork = (int) query;
      g_free (work);
      work = g_new (double, (size_t) lwork);
    }
  dorgqr_ (&m, &k, &k, a, &m, tau, work, &lwork, &info);
  g_assert (info == 0);
  /* Q (m, k) is column-major: Q[i, j] at a[i + j m] */
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        int i = rows >= cols ? r : c, j = rows >= cols ? c : r;
        w[(size_t) r * (size_t) cols + (size_t) c]
          = (float) (a[(size_t) j * (size_t) m + (size_t) i] * sign[j]);
      }
  g_free (work);
  g_free (sign);
  g_free (tau);
  g_free (a);
}

/* Each initializer as Keras defines it: fans over the receptive field
 * (all axes but the last two) times the input or output channels. */
static void
init_weight (float *w, const NnWeightSpec *spec, NnRng *rng)
{
  size_t n = nn_shape_size (spec->ndim, spec->shape);
  int fan_in = spec->fan_in, fan_out = spec->fan_out;
  if (!fan_in || !fan_out)
    {
      /* Keras: receptive field times the last two axes. */
      size_t rf = 1;
      for (int k = 0; k + 2 < spec->ndim; k++)
        rf *= (size_t) spec->shape[k];
      fan_in = spec->ndim >= 2 ? (int) (rf * (size_t) spec->shape[spec->ndim - 2]) : (int) n;
      fan_out = spec->ndim >= 2 ? (int) (rf * (size_t) spec->shape[spec->ndim - 1]) : (int) n;
    }
  double lim;
  switch (spec->init)
    {
    case NN_INIT_ZEROS:
      memset (w, 0, n * sizeof (float));
      break;
    case NN_INIT_ONES:
      for (size_t i = 0; i < n; i++)
        w[i] = 1.0f;
      break;
    case NN_INIT_GLOROT_UNIFORM:
      lim = sqrt (6.0 / (fan_in + fan_out));
      for (size_t i = 0; i < n; i++)
        w[i] = (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * lim);
      break;
    case NN_INIT_HE_UNIFORM:
      lim = sqrt (6.0 / fan_in);
      for (size_t i = 0; i < n; i++)
        w[i] = (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * lim);
      break;
    case NN_INIT_GLOROT_NORMAL:
      init_truncated_normal (w, n, sqrt (2.0 / (fan_in + fan_out)), rng);
      break;
    case NN_INIT_HE_NORMAL:
      init_truncated_normal (w, n, sqrt (2.0 / fan_in), rng);
      break;
    case NN_INIT_LECUN_NORMAL:
      init_truncated_normal (w, n, sqrt (1.0 / fan_in), rng);
      break;
    case NN_INIT_RANDOM_NORMAL:
      /* Keras's RandomNormal: mean 0, stddev 0.05, not truncated */
      for (size_t i = 0; i < n; i++)
        w[i] = (float) (0.05 * nn_rng_normal (rng));
      break;
    case NN_INIT_ORTHOGONAL:
      init_orthogonal (w, spec, n, rng);
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
init_weights_rng (NnModel *m, NnRng *rng, GError **error)
{
  g_clear_pointer (&m->params, g_free);
  m->has_weights = FALSE;
  m->params = g_try_new0 (float, MAX (m->n_params, 1));
  if (!m->params)
    {
      g_autofree char *need = nn_format_bytes ((guint64) m->n_params * sizeof (float));
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   "Not enough memory for the %s of weights of “%s”: close other programs or "
                   "make the model smaller", need, m->name);
      return FALSE;
    }
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      if (l->sub && !init_weights_rng (l->sub, rng, error))
        return FALSE;
      for (int k = 0; k < l->n_weights; k++)
        init_weight (m->params + l->woff[k], &l->wspec[k], rng);
    }
  m->has_weights = TRUE;
  return TRUE;
}

gboolean
nn_model_init_weights (NnModel *m, guint64 seed, GError **error)
{
  if (!nn_model_infer (m, error))
    return FALSE;
  NnRng rng;
  nn_rng_seed (&rng, seed);
  return init_weights_rng (m, &rng, error);
}

gboolean
nn_model_has_weights (const NnModel *m)
{
  if (!m->has_weights)
    return FALSE;
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i]->sub && !nn_model_has_weights (m->layers[i]->sub))
      return FALSE;
  return TRUE;
}

int
nn_model_layer_get_n_weights (const NnModel *m, int i)
{
  return nn_model_layer (m, i)->n_weights;
}

const char *
nn_model_layer_get_weight (const NnModel *m, int i, int k, NnTensor *view)
{
  NnLayer *l = nn_model_layer (m, i);
  g_return_val_if_fail (k >= 0 && k < l->n_weights, NULL);
  if (view)
    {
      memset (view, 0, sizeof *view);
      view->ndim = l->wspec[k].ndim;
      memcpy (view->shape, l->wspec[k].shape, sizeof view->shape);
      view->size = nn_shape_size (view->ndim, view->shape);
      view->data = m->params ? m->params + l->woff[k] : NULL;
    }
  return l->wspec[k].name;
}
