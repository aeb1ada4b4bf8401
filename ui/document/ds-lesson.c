/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <string.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n.h>

#include "ds-lesson.h"

G_DEFINE_QUARK (ds-lesson-error-quark, ds_lesson_error)

struct _DsLesson
{
  char      *path;
  char      *title;
  char      *chapter;
  char      *summary;
  char      *model_path;
  char      *dataset;
  GPtrArray *steps;              /* DsLessonStep */
  DsLessonLock *lock;            /* NULL: nothing locked */
};

static const char *const view_names[] = { "data", "build", "train", "inspect", "generate", NULL };
/* The pages a page check may name, "view:page". */
static const char *const page_names[] = { "inspect:activations", "inspect:filters",
                                          "inspect:heatmaps", "inspect:errors", "generate:dream",
                                          "generate:projector", "generate:latent", "generate:text",
                                          "generate:gan", NULL };
static const char *const lockable_settings[] = { "learning_rate", "epochs", "batch_size",
                                                 "validation_split", "schedule", "early_stopping",
                                                 NULL };

/* While a file is read: where each object starts, for errors with lines. */
typedef struct
{
  const char *path;
  GArray     *open_lines;        /* lines of the objects not closed yet */
  GHashTable *object_lines;      /* JsonObject* -> line of its "{" */
  const NnModel *model;          /* NULL until the model has loaded */
} Reader;

static void
object_start_cb (JsonParser *parser,
                 Reader     *r)
{
  guint line = json_parser_get_current_line (parser);

  g_array_append_val (r->open_lines, line);
}

static void
object_end_cb (JsonParser *parser,
               JsonObject *object,
               Reader     *r)
{
  guint line;

  g_assert (r->open_lines->len > 0);
  line = g_array_index (r->open_lines, guint, r->open_lines->len - 1);
  g_array_set_size (r->open_lines, r->open_lines->len - 1);
  g_hash_table_insert (r->object_lines, json_object_ref (object), GUINT_TO_POINTER (line));
}

static guint
line_of (Reader     *r,
         JsonObject *o)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (r->object_lines, o));
}

static gboolean G_GNUC_PRINTF (5, 6)
fail (Reader        *r,
      JsonObject    *o,
      DsLessonError  code,
      GError       **error,
      const char    *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DS_LESSON_ERROR, code, "%s:%u: %s", r->path, line_of (r, o), what);
  return FALSE;
}

/* Member `key` of o as a string: NULL (no error) when absent and optional. */
static gboolean
get_string (Reader      *r,
            JsonObject  *o,
            const char  *key,
            gboolean     required,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (o, key);

  *out = NULL;
  if (!node)
    {
      if (required)
        return fail (r, o, DS_LESSON_ERROR_MISSING, error, _("\"%s\" is missing"), key);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, _("\"%s\" must be a text"), key);
  if (required && !*json_node_get_string (node))
    return fail (r, o, DS_LESSON_ERROR_MISSING, error, _("\"%s\" is empty"), key);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* A text people read (title, step texts): get_string, then its translation
 * from the catalogue, which holds every shipped lesson's texts (po/). */
static gboolean
get_text (Reader      *r,
          JsonObject  *o,
          const char  *key,
          gboolean     required,
          char       **out,
          GError     **error)
{
  if (!get_string (r, o, key, required, out, error))
    return FALSE;
  if (*out && **out)
    {
      char *translated = g_strdup (gettext (*out));

      g_free (*out);
      *out = translated;
    }
  return TRUE;
}

static gboolean
get_number (Reader     *r,
            JsonObject *o,
            const char *key,
            gboolean   *has,
            double     *out,
            GError    **error)
{
  JsonNode *node = json_object_get_member (o, key);
  GType t;

  *has = FALSE;
  if (!node)
    return TRUE;
  t = json_node_get_value_type (node);
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, _("\"%s\" must be a number"), key);
  *has = TRUE;
  *out = json_node_get_double (node);
  return TRUE;
}

/* Members of o other than those in `known` are a mistake (a misspelt key
 * would otherwise be a check that never runs). */
static gboolean
check_members (Reader            *r,
               JsonObject        *o,
               const char *const *known,
               const char        *where,
               GError           **error)
{
  g_autoptr(GList) members = json_object_get_members (o);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (known, l->data))
      return fail (r, o, DS_LESSON_ERROR_INVALID, error, _("%s has an unknown field \"%s\""),
                   where, (const char *) l->data);
  return TRUE;
}

static void
check_free (DsLessonCheck *c)
{
  if (!c)
    return;
  g_free (c->type);
  g_free (c->layer);
  g_free (c->name);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLessonCheck, check_free)

static void
step_free (gpointer data)
{
  DsLessonStep *s = data;

  g_free (s->todo);
  g_free (s->watch);
  g_free (s->why);
  g_free (s->show_me);
  check_free (s->check);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLessonStep, step_free)

static gboolean
layer_exists (Reader     *r,
              JsonObject *o,
              const char *layer,
              GError    **error)
{
  if (nn_model_find_layer (r->model, layer) < 0)
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 _("the model has no layer \"%s\""), layer);
  return TRUE;
}

static gboolean
read_has_layer (Reader        *r,
                JsonObject    *o,
                DsLessonCheck *c,
                GError       **error)
{
  static const char *const known[] = { "type", "after", NULL };

  if (!check_members (r, o, known, "model_has_layer", error)
      || !get_string (r, o, "type", TRUE, &c->type, error)
      || !get_string (r, o, "after", FALSE, &c->layer, error))
    return FALSE;
  if (!nn_layer_type_lookup (c->type))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error, _("there is no layer type \"%s\""), c->type);
  return !c->layer || layer_exists (r, o, c->layer, error);
}

static gboolean
has_param (const NnLayerType *t,
           const char        *name)
{
  for (guint i = 0; i < nn_layer_type_get_n_params (t); i++)
    if (g_str_equal (nn_layer_type_get_param (t, i)->name, name))
      return TRUE;
  return FALSE;
}

/* at_least and/or at_most: at least one of them. */
static gboolean
read_bounds (Reader        *r,
             JsonObject    *o,
             DsLessonCheck *c,
             const char    *where,
             GError       **error)
{
  if (!get_number (r, o, "at_least", &c->has_at_least, &c->at_least, error)
      || !get_number (r, o, "at_most", &c->has_at_most, &c->at_most, error))
    return FALSE;
  if (!c->has_at_least && !c->has_at_most)
    return fail (r, o, DS_LESSON_ERROR_MISSING, error,
                 _("%s needs \"at_least\" or \"at_most\""), where);
  return TRUE;
}

static gboolean
read_layer_param (Reader        *r,
                  JsonObject    *o,
                  DsLessonCheck *c,
                  GError       **error)
{
  static const char *const known[] = { "layer", "param", "at_least", "at_most", NULL };
  int layer;

  if (!check_members (r, o, known, "layer_param", error)
      || !get_string (r, o, "layer", TRUE, &c->layer, error)
      || !get_string (r, o, "param", TRUE, &c->name, error)
      || !read_bounds (r, o, c, "layer_param", error)
      || !layer_exists (r, o, c->layer, error))
    return FALSE;
  layer = nn_model_find_layer (r->model, c->layer);
  if (!has_param (nn_model_layer_get_type (r->model, layer), c->name))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error, _("layer \"%s\" has no parameter \"%s\""),
                 c->layer, c->name);
  return TRUE;
}

/* "loss", "accuracy", "mae", … with or without "val_". */
static gboolean
is_metric_key (const char *key)
{
  NnMetric m;

  if (g_str_has_prefix (key, "val_"))
    key += 4;
  return g_str_equal (key, "loss") || nn_metric_parse (key, &m);
}

static gboolean
read_run_metric (Reader        *r,
                 JsonObject    *o,
                 DsLessonCheck *c,
                 GError       **error)
{
  static const char *const known[] = { "name", "at_least", "at_most", NULL };

  if (!check_members (r, o, known, "run_metric", error)
      || !get_string (r, o, "name", TRUE, &c->name, error)
      || !read_bounds (r, o, c, "run_metric", error))
    return FALSE;
  if (!is_metric_key (c->name))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 _("\"%s\" is not a metric a run records (loss, accuracy, mae, mse, "
                 "or one of them after val_)"), c->name);
  return TRUE;
}

/* run_epochs and run_count: {"at_least": N}. */
static gboolean
read_run_count_or_epochs (Reader        *r,
                 JsonObject    *o,
                 DsLessonCheck *c,
                 GError       **error)
{
  static const char *const known[] = { "at_least", NULL };
  const char *where = c->kind == DS_CHECK_RUN_EPOCHS ? "run_epochs" : "run_count";

  if (!check_members (r, o, known, where, error)
      || !get_number (r, o, "at_least", &c->has_at_least, &c->at_least, error))
    return FALSE;
  if (!c->has_at_least)
    return fail (r, o, DS_LESSON_ERROR_MISSING, error, _("%s needs \"at_least\""), where);
  return TRUE;
}

static gboolean
read_view (Reader        *r,
           JsonObject    *o,
           JsonNode      *node,
           DsLessonCheck *c,
           GError       **error)
{
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, _("\"view\" must be a view's name"));
  c->name = g_strdup (json_node_get_string (node));
  if (!ds_lesson_is_view_name (c->name))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 _("there is no view \"%s\" (data, build, train, inspect, generate)"), c->name);
  return TRUE;
}

static const char *const train_settings[] = { "epochs", "batch_size", "validation_split", "kfold",
                                              "kfold_iterations", "early_stopping_patience", NULL };

static gboolean
read_train_setting (Reader        *r,
                    JsonObject    *o,
                    DsLessonCheck *c,
                    GError       **error)
{
  static const char *const known[] = { "name", "at_least", "at_most", NULL };

  if (!check_members (r, o, known, "train_setting", error)
      || !get_string (r, o, "name", TRUE, &c->name, error)
      || !read_bounds (r, o, c, "train_setting", error))
    return FALSE;
  if (!g_strv_contains (train_settings, c->name))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 "there is no training setting \"%s\" (epochs, batch_size, validation_split, "
                 "kfold, kfold_iterations, early_stopping_patience)", c->name);
  return TRUE;
}

static gboolean
read_layer_trainable (Reader        *r,
                      JsonObject    *o,
                      DsLessonCheck *c,
                      GError       **error)
{
  static const char *const known[] = { "layer", "trainable", NULL };
  JsonNode *node;

  if (!check_members (r, o, known, "layer_trainable", error)
      || !get_string (r, o, "layer", TRUE, &c->layer, error))
    return FALSE;
  node = json_object_get_member (o, "trainable");
  if (!node)
    return fail (r, o, DS_LESSON_ERROR_MISSING, error, "layer_trainable needs \"trainable\"");
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, "\"trainable\" must be true or false");
  c->flag = json_node_get_boolean (node);
  return layer_exists (r, o, c->layer, error);
}

/* {"layer_weights": {"layer": "conv_base"}}: the layer has weights. */
static gboolean
read_layer_weights (Reader        *r,
                    JsonObject    *o,
                    DsLessonCheck *c,
                    GError       **error)
{
  static const char *const known[] = { "layer", NULL };

  if (!check_members (r, o, known, "layer_weights", error)
      || !get_string (r, o, "layer", TRUE, &c->layer, error))
    return FALSE;
  return layer_exists (r, o, c->layer, error);
}

/* {"page": "inspect:heatmaps"}: the view and its page. */
static gboolean
read_page (Reader        *r,
           JsonObject    *o,
           JsonNode      *node,
           DsLessonCheck *c,
           GError       **error)
{
  const char *target = json_node_get_value_type (node) == G_TYPE_STRING
                       ? json_node_get_string (node) : NULL;
  const char *colon = target ? strchr (target, ':') : NULL;

  if (!target)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, "\"page\" must be \"VIEW:PAGE\"");
  if (!colon || !g_strv_contains (page_names, target))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 "there is no page \"%s\" (inspect:activations, inspect:filters, "
                 "inspect:heatmaps, inspect:errors, generate:dream, generate:projector, "
                 "generate:latent, generate:text, generate:gan)", target);
  c->layer = g_strndup (target, colon - target);
  c->name = g_strdup (colon + 1);
  return TRUE;
}

/* A check object holds exactly one condition. */
static DsLessonCheck *
read_check (Reader     *r,
            JsonObject *o,
            GError    **error)
{
  g_autoptr(DsLessonCheck) c = g_new0 (DsLessonCheck, 1);
  g_autoptr(GList) members = json_object_get_members (o);
  const char *cond;
  JsonNode *node;
  JsonObject *args;
  gboolean ok;

  if (g_list_length (members) != 1)
    {
      fail (r, o, DS_LESSON_ERROR_INVALID, error, _("a check holds exactly one condition"));
      return NULL;
    }
  cond = members->data;
  node = json_object_get_member (o, cond);
  if (g_str_equal (cond, "view"))
    {
      c->kind = DS_CHECK_VIEW;
      return read_view (r, o, node, c, error) ? g_steal_pointer (&c) : NULL;
    }
  if (g_str_equal (cond, "page"))
    {
      c->kind = DS_CHECK_PAGE;
      return read_page (r, o, node, c, error) ? g_steal_pointer (&c) : NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node)
      && (g_str_equal (cond, "model_has_layer") || g_str_equal (cond, "layer_param")
          || g_str_equal (cond, "run_metric") || g_str_equal (cond, "run_epochs")
          || g_str_equal (cond, "run_count") || g_str_equal (cond, "train_setting")
          || g_str_equal (cond, "layer_trainable") || g_str_equal (cond, "layer_weights")))
    {
      fail (r, o, DS_LESSON_ERROR_INVALID, error, _("\"%s\" must be an object"), cond);
      return NULL;
    }
  args = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  if (g_str_equal (cond, "model_has_layer"))
    c->kind = DS_CHECK_MODEL_HAS_LAYER, ok = read_has_layer (r, args, c, error);
  else if (g_str_equal (cond, "layer_param"))
    c->kind = DS_CHECK_LAYER_PARAM, ok = read_layer_param (r, args, c, error);
  else if (g_str_equal (cond, "run_metric"))
    c->kind = DS_CHECK_RUN_METRIC, ok = read_run_metric (r, args, c, error);
  else if (g_str_equal (cond, "run_epochs"))
    c->kind = DS_CHECK_RUN_EPOCHS, ok = read_run_count_or_epochs (r, args, c, error);
  else if (g_str_equal (cond, "run_count"))
    c->kind = DS_CHECK_RUN_COUNT, ok = read_run_count_or_epochs (r, args, c, error);
  else if (g_str_equal (cond, "train_setting"))
    c->kind = DS_CHECK_TRAIN_SETTING, ok = read_train_setting (r, args, c, error);
  else if (g_str_equal (cond, "layer_trainable"))
    c->kind = DS_CHECK_LAYER_TRAINABLE, ok = read_layer_trainable (r, args, c, error);
  else if (g_str_equal (cond, "layer_weights"))
    c->kind = DS_CHECK_LAYER_WEIGHTS, ok = read_layer_weights (r, args, c, error);
  else
    ok = fail (r, o, DS_LESSON_ERROR_CONDITION, error,
               _("unknown condition \"%s\" (model_has_layer, layer_param, run_metric, "
               "run_epochs, run_count, view, page, train_setting, layer_trainable, layer_weights)"),
               cond);
  return ok ? g_steal_pointer (&c) : NULL;
}

/* "view:control": the view must exist; the control is looked up by the
 * window when the person asks. */
static gboolean
check_show_me (Reader     *r,
               JsonObject *o,
               const char *target,
               GError    **error)
{
  const char *colon = strchr (target, ':');
  g_autofree char *view = colon ? g_strndup (target, colon - target) : NULL;

  if (!colon || !colon[1] || !ds_lesson_is_view_name (view))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 _("\"show_me\" must be \"VIEW:CONTROL\" with a view among data, build, train, "
                 "inspect, generate (not \"%s\")"), target);
  return TRUE;
}

static DsLessonStep *
read_step (Reader     *r,
           JsonNode   *node,
           guint       i,
           GError    **error)
{
  static const char *const known[] = { "do", "watch", "why", "check", "show_me", NULL };
  g_autoptr(DsLessonStep) s = g_new0 (DsLessonStep, 1);
  g_autofree char *where = g_strdup_printf (_("step %u"), i + 1);
  JsonObject *o;
  JsonNode *check;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, DS_LESSON_ERROR, DS_LESSON_ERROR_INVALID,
                   _("%s: step %u is not an object"), r->path, i + 1);
      return NULL;
    }
  o = json_node_get_object (node);
  if (!check_members (r, o, known, where, error)
      || !get_text (r, o, "do", TRUE, &s->todo, error)
      || !get_text (r, o, "watch", FALSE, &s->watch, error)
      || !get_text (r, o, "why", FALSE, &s->why, error)
      || !get_string (r, o, "show_me", FALSE, &s->show_me, error)
      || (s->show_me && !check_show_me (r, o, s->show_me, error)))
    return NULL;
  check = json_object_get_member (o, "check");
  if (check && !JSON_NODE_HOLDS_OBJECT (check))
    {
      fail (r, o, DS_LESSON_ERROR_INVALID, error, _("the \"check\" of %s must be an object"), where);
      return NULL;
    }
  if (check && !(s->check = read_check (r, json_node_get_object (check), error)))
    return NULL;
  return g_steal_pointer (&s);
}

static gboolean
read_model (Reader     *r,
            JsonObject *root,
            DsLesson   *lesson,
            NnModel   **model,
            GError    **error)
{
  g_autofree char *rel = NULL;
  g_autofree char *dir = g_path_get_dirname (r->path);
  g_autoptr(GError) local = NULL;

  if (!get_string (r, root, "model", TRUE, &rel, error))
    return FALSE;
  lesson->model_path = g_path_is_absolute (rel) ? g_strdup (rel)
                                                : g_canonicalize_filename (rel, dir);
  *model = nn_model_load (lesson->model_path, &local);
  if (!*model)
    return fail (r, root, DS_LESSON_ERROR_REFERENCE, error, _("its model %s does not load: %s"),
                 rel, local->message);
  r->model = *model;
  return TRUE;
}

static void
lock_free (DsLessonLock *lock)
{
  if (!lock)
    return;
  g_strfreev (lock->palette);
  g_strfreev (lock->settings);
  g_free (lock);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLessonLock, lock_free)

/* A non-empty list of texts, each accepted by valid (what names what it
 * must be in the error, hint lists the choices or is ""). */
static gboolean
read_name_list (Reader      *r,
                JsonObject  *o,
                const char  *key,
                gboolean   (*valid) (const char *),
                const char  *what,
                const char  *hint,
                char      ***out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (o, key);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  JsonArray *a;

  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    return fail (r, o, DS_LESSON_ERROR_INVALID, error, "\"%s\" must be a non-empty list", key);
  a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      const char *name = json_node_get_value_type (e) == G_TYPE_STRING
                         ? json_node_get_string (e) : NULL;

      if (!name)
        return fail (r, o, DS_LESSON_ERROR_INVALID, error, "\"%s\" must list texts", key);
      if (!valid (name))
        return fail (r, o, DS_LESSON_ERROR_REFERENCE, error, "there is no %s \"%s\"%s", what, name,
                     hint);
      g_strv_builder_add (names, name);
    }
  *out = g_strv_builder_end (names);
  return TRUE;
}

static gboolean
is_layer_type (const char *name)
{
  return nn_layer_type_lookup (name) != NULL;
}

/* "lock": {"palette": [types], "optimizer": name, "settings": [names]}. */
static gboolean
read_lock (Reader     *r,
           JsonObject *root,
           DsLesson   *lesson,
           GError    **error)
{
  static const char *const known[] = { "palette", "optimizer", "settings", NULL };
  JsonNode *node = json_object_get_member (root, "lock");
  g_autoptr(DsLessonLock) lock = g_new0 (DsLessonLock, 1);
  g_autofree char *optimizer = NULL;
  JsonObject *o;

  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (r, root, DS_LESSON_ERROR_INVALID, error, "\"lock\" must be an object");
  o = json_node_get_object (node);
  if (!check_members (r, o, known, "lock", error)
      || !read_name_list (r, o, "palette", is_layer_type, "layer type", "", &lock->palette, error)
      || !read_name_list (r, o, "settings", ds_lesson_is_lockable_setting, "setting to lock",
                          " (learning_rate, epochs, batch_size, validation_split, schedule, "
                          "early_stopping)", &lock->settings, error)
      || !get_string (r, o, "optimizer", FALSE, &optimizer, error))
    return FALSE;
  if (optimizer && !nn_optimizer_parse (optimizer, &lock->optimizer))
    return fail (r, o, DS_LESSON_ERROR_REFERENCE, error,
                 "there is no optimizer \"%s\" (SGD, RMSprop, Adam)", optimizer);
  lock->has_optimizer = optimizer != NULL;
  lesson->lock = g_steal_pointer (&lock);
  return TRUE;
}

static gboolean
read_lesson (Reader     *r,
             JsonNode   *root_node,
             DsLesson   *lesson,
             GError    **error)
{
  static const char *const known[] = { "format", "title", "chapter", "summary", "model",
                                       "dataset", "steps", "lock", NULL };
  g_autoptr(NnModel) model = NULL;
  g_autofree char *format = NULL;
  JsonObject *root;
  JsonNode *steps;

  if (!JSON_NODE_HOLDS_OBJECT (root_node))
    {
      g_set_error (error, DS_LESSON_ERROR, DS_LESSON_ERROR_PARSE,
                   _("%s:1: a lesson is a JSON object"), r->path);
      return FALSE;
    }
  root = json_node_get_object (root_node);
  if (!check_members (r, root, known, _("the lesson"), error)
      || !get_string (r, root, "format", TRUE, &format, error))
    return FALSE;
  if (!g_str_equal (format, "deepscope-lesson"))
    return fail (r, root, DS_LESSON_ERROR_PARSE, error,
                 _("\"format\" is \"%s\", not \"deepscope-lesson\""), format);
  if (!get_text (r, root, "title", TRUE, &lesson->title, error)
      || !get_text (r, root, "chapter", TRUE, &lesson->chapter, error)
      || !get_text (r, root, "summary", FALSE, &lesson->summary, error)
      || !get_string (r, root, "dataset", FALSE, &lesson->dataset, error)
      || !read_model (r, root, lesson, &model, error)
      || !read_lock (r, root, lesson, error))
    return FALSE;
  steps = json_object_get_member (root, "steps");
  if (!steps || !JSON_NODE_HOLDS_ARRAY (steps)
      || json_array_get_length (json_node_get_array (steps)) == 0)
    return fail (r, root, DS_LESSON_ERROR_MISSING, error, _("\"steps\" must be a non-empty list"));
  for (guint i = 0; i < json_array_get_length (json_node_get_array (steps)); i++)
    {
      DsLessonStep *s = read_step (r, json_array_get_element (json_node_get_array (steps), i),
                                   i, error);
      if (!s)
        return FALSE;
      g_ptr_array_add (lesson->steps, s);
    }
  return TRUE;
}

DsLesson *
ds_lesson_load (const char *path,
                GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(DsLesson) lesson = g_new0 (DsLesson, 1);
  g_autoptr(GError) local = NULL;
  Reader r = { path, g_array_new (FALSE, FALSE, sizeof (guint)),
               g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_object_unref, NULL),
               NULL };
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);

  lesson->path = g_strdup (path);
  lesson->steps = g_ptr_array_new_with_free_func (step_free);
  g_signal_connect (parser, "object-start", G_CALLBACK (object_start_cb), &r);
  g_signal_connect (parser, "object-end", G_CALLBACK (object_end_cb), &r);
  if (!json_parser_load_from_file (parser, path, &local))
    {
      /* json-glib names the file and line ("FILE:3:14: …") when it can. */
      if (g_str_has_prefix (local->message, path))
        g_set_error_literal (error, DS_LESSON_ERROR, DS_LESSON_ERROR_PARSE, local->message);
      else
        g_set_error (error, DS_LESSON_ERROR, DS_LESSON_ERROR_PARSE, "%s:1: %s", path,
                     local->message);
      ok = FALSE;
    }
  else if (!json_parser_get_root (parser))
    {
      g_set_error (error, DS_LESSON_ERROR, DS_LESSON_ERROR_PARSE, _("%s:1: the file is empty"), path);
      ok = FALSE;
    }
  else
    ok = read_lesson (&r, json_parser_get_root (parser), lesson, error);
  g_array_unref (r.open_lines);
  g_hash_table_unref (r.object_lines);
  return ok ? g_steal_pointer (&lesson) : NULL;
}

gboolean
ds_lesson_file_is_lesson (GFile *file)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = g_file_get_path (file);
  JsonNode *root;

  if (!path || !g_str_has_suffix (path, ".json") || !json_parser_load_from_file (parser, path, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root)
         && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                   "format", ""),
                       "deepscope-lesson") == 0;
}

void
ds_lesson_free (DsLesson *self)
{
  if (!self)
    return;
  g_free (self->path);
  g_free (self->title);
  g_free (self->chapter);
  g_free (self->summary);
  g_free (self->model_path);
  g_free (self->dataset);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  lock_free (self->lock);
  g_free (self);
}

const char *ds_lesson_get_path (DsLesson *self) { return self->path; }
const char *ds_lesson_get_title (DsLesson *self) { return self->title; }
const char *ds_lesson_get_chapter (DsLesson *self) { return self->chapter; }
const char *ds_lesson_get_summary (DsLesson *self) { return self->summary; }
const char *ds_lesson_get_model_path (DsLesson *self) { return self->model_path; }
const char *ds_lesson_get_dataset (DsLesson *self) { return self->dataset; }
guint ds_lesson_get_n_steps (DsLesson *self) { return self->steps->len; }
const DsLessonLock *ds_lesson_get_lock (DsLesson *self) { return self->lock; }

const DsLessonStep *
ds_lesson_get_step (DsLesson *self,
                    guint     i)
{
  g_return_val_if_fail (i < self->steps->len, NULL);
  return g_ptr_array_index (self->steps, i);
}

static int
lesson_compare (gconstpointer a,
                gconstpointer b)
{
  DsLesson *x = *(DsLesson **) a, *y = *(DsLesson **) b;
  int c = g_strcmp0 (x->chapter, y->chapter);

  return c ? c : g_strcmp0 (x->path, y->path);
}

GPtrArray *
ds_lesson_load_dir (const char *dir,
                    GPtrArray  *errors)
{
  GPtrArray *lessons = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_lesson_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      DsLesson *lesson;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      lesson = ds_lesson_load (path, &error);
      if (lesson)
        g_ptr_array_add (lessons, lesson);
      else if (errors)
        g_ptr_array_add (errors, g_strdup (error->message));
    }
  g_ptr_array_sort (lessons, lesson_compare);
  return lessons;
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */
/* ------------------------------------------------------------------------ */

static gboolean
in_bounds (const DsLessonCheck *c,
           double               v)
{
  return (!c->has_at_least || v >= c->at_least) && (!c->has_at_most || v <= c->at_most);
}

/* A layer of c->type, fed (first input of its first call) by c->layer
 * when that is set. */
static gboolean
model_has_layer (const DsLessonCheck *c,
                 const NnModel       *m)
{
  int after = c->layer ? nn_model_find_layer (m, c->layer) : -1;

  if (c->layer && after < 0)
    return FALSE;
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    {
      if (!g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, i)), c->type))
        continue;
      if (!c->layer)
        return TRUE;
      if (nn_model_layer_get_n_calls (m, i) > 0 && nn_model_call_get_n_inputs (m, i, 0) > 0
          && nn_model_call_get_input (m, i, 0, 0).layer == after)
        return TRUE;
    }
  return FALSE;
}

static gboolean
layer_param_holds (const DsLessonCheck *c,
                   const NnModel       *m)
{
  int layer = nn_model_find_layer (m, c->layer);
  const NnValue *v = layer >= 0 ? nn_model_layer_get_param (m, layer, c->name) : NULL;

  if (!v)
    return FALSE;
  switch (v->type)
    {
    case NN_PARAM_INT:
    case NN_PARAM_BOOL:
      return in_bounds (c, v->i);
    case NN_PARAM_FLOAT:
      return in_bounds (c, v->f);
    default:
      return FALSE;
    }
}

gboolean
ds_lesson_check_holds (const DsLessonCheck *check,
                       const DsLessonState *state)
{
  double best;

  g_return_val_if_fail (check != NULL && state != NULL, FALSE);

  switch (check->kind)
    {
    case DS_CHECK_MODEL_HAS_LAYER:
      return state->model && model_has_layer (check, state->model);
    case DS_CHECK_LAYER_PARAM:
      return state->model && layer_param_holds (check, state->model);
    case DS_CHECK_RUN_METRIC:
      return state->metric && state->metric (check->name, &best, state->metric_data)
             && in_bounds (check, best);
    case DS_CHECK_RUN_EPOCHS:
      return state->metric && state->metric ("epochs", &best, state->metric_data)
             && in_bounds (check, best);
    case DS_CHECK_RUN_COUNT:
      return state->metric && state->metric ("runs", &best, state->metric_data)
             && in_bounds (check, best);
    case DS_CHECK_VIEW:
      return g_strcmp0 (state->view, check->name) == 0;
    case DS_CHECK_PAGE:
      return g_strcmp0 (state->view, check->layer) == 0 && g_strcmp0 (state->page, check->name) == 0;
    case DS_CHECK_TRAIN_SETTING:
      return state->model && ds_lesson_train_setting ((NnModel *) state->model, check->name, &best)
             && in_bounds (check, best);
    case DS_CHECK_LAYER_TRAINABLE:
      {
        int layer = state->model ? nn_model_find_layer (state->model, check->layer) : -1;

        return layer >= 0 && !nn_model_layer_get_trainable (state->model, layer) == !check->flag;
      }
    case DS_CHECK_LAYER_WEIGHTS:
      {
        int layer = state->model ? nn_model_find_layer (state->model, check->layer) : -1;
        NnModel *sub = layer >= 0 ? nn_model_layer_get_submodel (state->model, layer) : NULL;

        /* A Model layer keeps its own weights; any other layer, the model's. */
        return layer >= 0 && nn_model_has_weights (sub ? sub : state->model);
      }
    default:
      g_assert_not_reached ();
    }
}

gboolean
ds_lesson_is_view_name (const char *name)
{
  return name && g_strv_contains (view_names, name);
}

gboolean
ds_lesson_train_setting (NnModel    *model,
                         const char *name,
                         double     *value)
{
  NnTrainDefaults *d = nn_model_get_defaults (model);

  if (g_str_equal (name, "epochs"))
    *value = d->epochs;
  else if (g_str_equal (name, "batch_size"))
    *value = d->batch_size;
  else if (g_str_equal (name, "validation_split"))
    *value = d->validation_split;
  else if (g_str_equal (name, "kfold"))
    *value = d->kfold;
  else if (g_str_equal (name, "kfold_iterations"))
    *value = d->kfold_iterations;
  else if (g_str_equal (name, "early_stopping_patience"))
    *value = d->early_stopping_patience;
  else
    return FALSE;
  return TRUE;
}

gboolean
ds_lesson_is_lockable_setting (const char *name)
{
  return name && g_strv_contains (lockable_settings, name);
}
