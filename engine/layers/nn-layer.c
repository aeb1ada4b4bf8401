/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table's lookups (the table itself is nn-layers.c), parameter
 * values and shared lowering helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-layer-private.h"

const char *const nn_init_names[] = {
  "zeros", "ones", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
  "lecun_normal", "random_normal", "orthogonal", "uniform", NULL
};

const char *const nn_activation_names[] = {
  "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu", "gelu",
  "swish", "silu", "softplus", "hard_sigmoid", "exponential", NULL
};

/* A test's own table (nn_layer_table_replace), or NULL: nn_layer_table. */
static const NnLayerType *const *test_table;
static guint test_table_size;

void
nn_layer_table_replace (const NnLayerType *const *table, guint n)
{
  test_table = table;
  test_table_size = table ? n : 0;
}

guint
nn_layer_types_count (void)
{
  return test_table ? test_table_size : nn_layer_table_size;
}

const NnLayerType *
nn_layer_types_get (guint i)
{
  if (test_table)
    return i < test_table_size ? test_table[i] : NULL;
  return i < nn_layer_table_size ? nn_layer_table[i] : NULL;
}

const NnLayerType *
nn_layer_type_lookup (const char *class_name)
{
  guint n = nn_layer_types_count ();
  for (guint i = 0; i < n; i++)
    if (g_str_equal (nn_layer_types_get (i)->name, class_name))
      return nn_layer_types_get (i);
  return NULL;
}

const char *nn_layer_type_get_name (const NnLayerType *t) { return t->name; }
const char *nn_layer_type_get_help (const NnLayerType *t) { return t->help && *t->help ? _(t->help) : t->help; }
NnLayerGroup nn_layer_type_get_group (const NnLayerType *t) { return t->group; }
int nn_layer_type_get_min_inputs (const NnLayerType *t) { return t->min_inputs; }
int nn_layer_type_get_max_inputs (const NnLayerType *t) { return t->max_inputs; }
guint nn_layer_type_get_n_params (const NnLayerType *t) { return (guint) t->n_params; }

const NnParamSpec *
nn_layer_type_get_param (const NnLayerType *t, guint i)
{
  return i < (guint) t->n_params ? &t->params[i] : NULL;
}

const char *
nn_layer_group_name (NnLayerGroup g)
{
  static const char *const names[] = {
    N_ ("Input"), N_ ("Core"), N_ ("Convolution"), N_ ("Pooling"), N_ ("Normalization"),
    N_ ("Regularization"), N_ ("Sequence"), N_ ("Merge"), N_ ("Generative"), N_ ("Model")
  };
  return g < NN_N_GROUPS ? _(names[g]) : _("Other");
}

/* ---- values ------------------------------------------------------------ */

void
nn_value_clear (NnValue *v)
{
  g_clear_pointer (&v->s, g_free);
}

static gboolean
value_bad_number (const NnParamSpec *spec, const char *t, GError **error)
{
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
               _("%s must be a %s, not “%s”"), spec->name,
               spec->type == NN_PARAM_INT ? "whole number" : "number", t);
  return FALSE;
}

static gboolean
value_out_of_range (const NnParamSpec *spec, const char *t, GError **error)
{
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
               _("%s must be between %g and %g, not %s"), spec->name, spec->min, spec->max, t);
  return FALSE;
}

static gboolean
value_parse_int (const NnParamSpec *spec, const char *t, NnValue *v, GError **error)
{
  char *end = NULL;
  gint64 x = g_ascii_strtoll (t, &end, 10);
  if (!*t || *end)
    return value_bad_number (spec, t, error);
  if (x < spec->min || x > spec->max)
    return value_out_of_range (spec, t, error);
  v->i = (int) x;
  return TRUE;
}

static gboolean
value_parse_float (const NnParamSpec *spec, const char *t, NnValue *v, GError **error)
{
  char *end = NULL;
  double x = g_ascii_strtod (t, &end);
  if (!*t || *end || !isfinite (x))
    return value_bad_number (spec, t, error);
  if (x < spec->min || x > spec->max)
    return value_out_of_range (spec, t, error);
  v->f = x;
  return TRUE;
}

static gboolean
value_parse_bool (const NnParamSpec *spec, const char *t, NnValue *v, GError **error)
{
  if (!g_ascii_strcasecmp (t, "true") || g_str_equal (t, "1"))
    v->i = 1;
  else if (!g_ascii_strcasecmp (t, "false") || g_str_equal (t, "0"))
    v->i = 0;
  else
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s must be true or false, not “%s”"), spec->name, t);
      return FALSE;
    }
  return TRUE;
}

static gboolean
value_parse_enum (const NnParamSpec *spec, const char *t, NnValue *v, GError **error)
{
  int k;
  for (k = 0; spec->choices[k]; k++)
    if (!g_ascii_strcasecmp (spec->choices[k], t))
      break;
  if (!spec->choices[k])
    {
      g_autofree char *list = g_strjoinv (", ", (char **) spec->choices);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s cannot be “%s”; choose one of: %s"), spec->name, t, list);
      return FALSE;
    }
  v->i = k;
  return TRUE;
}

/* Accepts "3,3", "(3, 3)", "[3, 3]" and "" for an empty tuple; t is
 * changed (its closing bracket cut), text is what the user wrote. */
static gboolean
value_parse_shape (const NnParamSpec *spec, char *t, const char *text, NnValue *v,
                   GError **error)
{
  g_auto (GStrv) parts = NULL;
  char *p = t, *end = NULL;
  if (*p == '(' || *p == '[')
    p++;
  size_t len = strlen (p);
  if (len && (p[len - 1] == ')' || p[len - 1] == ']'))
    p[len - 1] = 0;
  parts = g_strsplit (p, ",", -1);
  v->n = 0;
  for (int k = 0; parts[k]; k++)
    {
      char *s = g_strstrip (parts[k]);
      if (!*s && !parts[k + 1])
        break;              /* trailing comma: "(5,)" */
      if (v->n >= NN_MAX_DIMS)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       _("%s has more than %d entries"), spec->name, NN_MAX_DIMS);
          return FALSE;
        }
      gint64 x = g_ascii_strtoll (s, &end, 10);
      if (!*s || *end)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       _("%s must be whole numbers separated by commas, like “3, 3”, not “%s”"),
                       spec->name, text);
          return FALSE;
        }
      if (x < spec->min || x > spec->max)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       "each entry of %s must be between %g and %g, not %" G_GINT64_FORMAT,
                       spec->name, spec->min, spec->max, x);
          return FALSE;
        }
      v->shape[v->n++] = (int) x;
    }
  if (v->n < spec->min_len || (spec->max_len && v->n > spec->max_len))
    {
      if (spec->min_len == spec->max_len)
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                     _("%s needs %d entries, not %d"), spec->name, spec->min_len, v->n);
      else
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                     _("%s needs %d to %d entries, not %d"), spec->name, spec->min_len,
                     spec->max_len, v->n);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_value_parse (const NnParamSpec *spec, const char *text, NnValue *out, GError **error)
{
  NnValue v = { .type = spec->type };
  g_autofree char *t = g_strstrip (g_strdup (text ? text : ""));
  gboolean ok = TRUE;

  switch (spec->type)
    {
    case NN_PARAM_INT:
      ok = value_parse_int (spec, t, &v, error);
      break;
    case NN_PARAM_FLOAT:
      ok = value_parse_float (spec, t, &v, error);
      break;
    case NN_PARAM_BOOL:
      ok = value_parse_bool (spec, t, &v, error);
      break;
    case NN_PARAM_ENUM:
      ok = value_parse_enum (spec, t, &v, error);
      break;
    case NN_PARAM_SHAPE:
      ok = value_parse_shape (spec, t, text, &v, error);
      break;
    case NN_PARAM_STRING:
      v.s = g_strdup (t);
      break;
    }
  if (!ok)
    return FALSE;
  nn_value_clear (out);
  *out = v;
  return TRUE;
}

char *
nn_value_to_text (const NnParamSpec *spec, const NnValue *v)
{
  switch (spec->type)
    {
    case NN_PARAM_INT:
      return g_strdup_printf ("%d", v->i);
    case NN_PARAM_FLOAT:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", v->f));
      }
    case NN_PARAM_BOOL:
      return g_strdup (v->i ? "true" : "false");
    case NN_PARAM_ENUM:
      return g_strdup (spec->choices[v->i]);
    case NN_PARAM_SHAPE:
      {
        GString *s = g_string_new (NULL);
        for (int k = 0; k < v->n; k++)
          g_string_append_printf (s, "%s%d", k ? ", " : "", v->shape[k]);
        return g_string_free (s, FALSE);
      }
    case NN_PARAM_STRING:
      return g_strdup (v->s ? v->s : "");
    }
  return NULL;
}

/* ---- config access for layer implementations -------------------------- */

static const NnValue *
cfg (const NnLayer *l, const char *pname)
{
  for (int k = 0; k < l->type->n_params; k++)
    if (g_str_equal (l->type->params[k].name, pname))
      return &l->cfg[k];
  g_error ("layer type %s has no parameter %s", l->type->name, pname);
  return NULL;
}

int nn_layer_int (const NnLayer *l, const char *p) { return cfg (l, p)->i; }
double nn_layer_float (const NnLayer *l, const char *p) { return cfg (l, p)->f; }
gboolean nn_layer_bool (const NnLayer *l, const char *p) { return cfg (l, p)->i != 0; }
const char *nn_layer_name (const NnLayer *l) { return l->name; }
const NnLayerType *nn_layer_type (const NnLayer *l) { return l->type; }
NnModel *nn_layer_submodel (const NnLayer *l) { return l->sub; }

const char *
nn_layer_enum (const NnLayer *l, const char *p)
{
  for (int k = 0; k < l->type->n_params; k++)
    if (g_str_equal (l->type->params[k].name, p))
      return l->type->params[k].choices[l->cfg[k].i];
  g_error ("layer type %s has no parameter %s", l->type->name, p);
  return NULL;
}

int
nn_layer_shape (const NnLayer *l, const char *p, int *dims)
{
  const NnValue *v = cfg (l, p);
  memcpy (dims, v->shape, sizeof (int) * (size_t) v->n);
  return v->n;
}

const char *
nn_layer_string (const NnLayer *l, const char *p)
{
  const NnValue *v = cfg (l, p);
  return v->s ? v->s : "";
}

char *
nn_shape_text (const NnShape *s)
{
  return nn_shape_to_string (s->ndim, s->d, 1);
}

void
nn_layer_shape_error (GError **error, const NnLayer *l, const char *expects,
                      const NnShape *got, const char *fix)
{
  g_autofree char *gs = got ? nn_shape_text (got) : g_strdup ("nothing");
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE, _("%s expects %s but gets %s%s%s"),
               l->type->name, expects, gs, fix ? "; " : "", fix ? fix : "");
}

NnInit
nn_init_parse (const char *s)
{
  for (int k = 0; nn_init_names[k]; k++)
    if (g_str_equal (nn_init_names[k], s))
      return (NnInit) k;
  return NN_INIT_GLOROT_UNIFORM;
}

int
nn_lower_activation (NnLowerCtx *ctx, int node, const char *act)
{
  static const struct { const char *name; NnOpType op; } map[] = {
    { "relu", NN_OP_RELU }, { "sigmoid", NN_OP_SIGMOID },
    { "tanh", NN_OP_TANH }, { "softmax", NN_OP_SOFTMAX },
    { "leaky_relu", NN_OP_LEAKY_RELU }, { "elu", NN_OP_ELU }, { "selu", NN_OP_SELU },
    { "gelu", NN_OP_GELU }, { "swish", NN_OP_SWISH }, { "silu", NN_OP_SWISH },
    { "softplus", NN_OP_SOFTPLUS }, { "hard_sigmoid", NN_OP_HARD_SIGMOID },
    { "exponential", NN_OP_EXPONENTIAL },
  };
  if (!act || g_str_equal (act, "linear"))
    return node;
  for (guint k = 0; k < G_N_ELEMENTS (map); k++)
    if (g_str_equal (map[k].name, act))
      return nn_graph_add (ctx->g, map[k].op, &node, 1);
  g_assert_not_reached ();
  return node;
}
