/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <string.h>

#include "ds-undo-stack.h"

typedef struct
{
  char   *state;
  char   *label;     /* the edit that led to this state */
  guint64 serial;
  gsize   size;      /* strlen (state) */
} Entry;

struct _DsUndoStack
{
  GObject  parent_instance;

  GArray  *entries;      /* Entry; [0] is the oldest */
  guint    current;      /* index of the state shown */
  guint    max_states;
  guint64  next_serial;
  char    *merge_key;    /* key of the last push, while it is on top */
  gsize    bytes;        /* total size of the states */
};

/* Snapshots of a trained model carry its weights (megabytes each): past this
 * total the oldest states go, however few remain above two. */
#define MAX_BYTES (64 * 1024 * 1024)

G_DEFINE_FINAL_TYPE (DsUndoStack, ds_undo_stack, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_free (e->state);
  g_free (e->label);
}

static void
recount (DsUndoStack *self)
{
  self->bytes = 0;
  for (guint i = 0; i < self->entries->len; i++)
    self->bytes += g_array_index (self->entries, Entry, i).size;
}

static void
trim (DsUndoStack *self)
{
  recount (self);
  while ((self->entries->len > self->max_states || self->bytes > MAX_BYTES)
         && self->entries->len > 2 && self->current > 0)
    {
      self->bytes -= g_array_index (self->entries, Entry, 0).size;
      g_array_remove_index (self->entries, 0);
      self->current--;
    }
}

static void
notify_all (DsUndoStack *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

static void
ds_undo_stack_finalize (GObject *object)
{
  DsUndoStack *self = DS_UNDO_STACK (object);

  g_array_unref (self->entries);
  g_free (self->merge_key);
  G_OBJECT_CLASS (ds_undo_stack_parent_class)->finalize (object);
}

static void
ds_undo_stack_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  DsUndoStack *self = DS_UNDO_STACK (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, ds_undo_stack_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, ds_undo_stack_can_redo (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_undo_stack_class_init (DsUndoStackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ds_undo_stack_finalize;
  object_class->get_property = ds_undo_stack_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ds_undo_stack_init (DsUndoStack *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->max_states = 200;
  self->next_serial = 1;
}

DsUndoStack *
ds_undo_stack_new (guint max_states)
{
  DsUndoStack *self = g_object_new (DS_TYPE_UNDO_STACK, NULL);

  self->max_states = MAX (max_states, 2);
  return self;
}

void
ds_undo_stack_reset (DsUndoStack *self,
                     const char  *state)
{
  Entry e = { g_strdup (state), NULL, 0, strlen (state) };

  g_return_if_fail (DS_IS_UNDO_STACK (self));

  g_array_set_size (self->entries, 0);
  e.serial = self->next_serial++;
  g_array_append_val (self->entries, e);
  self->current = 0;
  g_clear_pointer (&self->merge_key, g_free);
  notify_all (self);
}

gboolean
ds_undo_stack_push (DsUndoStack *self,
                    const char  *state,
                    const char  *label,
                    const char  *merge_key)
{
  Entry e;

  g_return_val_if_fail (DS_IS_UNDO_STACK (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (self->entries->len > 0
      && g_strcmp0 (g_array_index (self->entries, Entry, self->current).state, state) == 0)
    return FALSE;

  /* Anything after the current state can no longer be redone. */
  if (self->current + 1 < self->entries->len)
    {
      g_array_set_size (self->entries, self->current + 1);
      g_clear_pointer (&self->merge_key, g_free);
    }

  if (merge_key != NULL && self->current > 0
      && self->current + 1 == self->entries->len
      && g_strcmp0 (merge_key, self->merge_key) == 0)
    {
      Entry *top = &g_array_index (self->entries, Entry, self->current);

      g_free (top->state);
      top->state = g_strdup (state);
      top->size = strlen (state);
      top->serial = self->next_serial++;
      notify_all (self);
      return TRUE;
    }

  e.state = g_strdup (state);
  e.label = g_strdup (label);
  e.serial = self->next_serial++;
  e.size = strlen (state);
  g_array_append_val (self->entries, e);
  self->current = self->entries->len - 1;
  trim (self);
  g_free (self->merge_key);
  self->merge_key = g_strdup (merge_key);
  notify_all (self);
  return TRUE;
}

const char *
ds_undo_stack_get_current (DsUndoStack *self)
{
  g_return_val_if_fail (DS_IS_UNDO_STACK (self), NULL);
  if (self->entries->len == 0)
    return NULL;
  return g_array_index (self->entries, Entry, self->current).state;
}

gboolean
ds_undo_stack_can_undo (DsUndoStack *self)
{
  return self->entries->len > 0 && self->current > 0;
}

gboolean
ds_undo_stack_can_redo (DsUndoStack *self)
{
  return self->current + 1 < self->entries->len;
}

const char *
ds_undo_stack_get_undo_label (DsUndoStack *self)
{
  if (!ds_undo_stack_can_undo (self))
    return NULL;
  return g_array_index (self->entries, Entry, self->current).label;
}

const char *
ds_undo_stack_get_redo_label (DsUndoStack *self)
{
  if (!ds_undo_stack_can_redo (self))
    return NULL;
  return g_array_index (self->entries, Entry, self->current + 1).label;
}

const char *
ds_undo_stack_undo (DsUndoStack *self)
{
  g_return_val_if_fail (DS_IS_UNDO_STACK (self), NULL);
  if (!ds_undo_stack_can_undo (self))
    return NULL;
  self->current--;
  g_clear_pointer (&self->merge_key, g_free);
  notify_all (self);
  return g_array_index (self->entries, Entry, self->current).state;
}

const char *
ds_undo_stack_redo (DsUndoStack *self)
{
  g_return_val_if_fail (DS_IS_UNDO_STACK (self), NULL);
  if (!ds_undo_stack_can_redo (self))
    return NULL;
  self->current++;
  g_clear_pointer (&self->merge_key, g_free);
  notify_all (self);
  return g_array_index (self->entries, Entry, self->current).state;
}

guint64
ds_undo_stack_get_serial (DsUndoStack *self)
{
  g_return_val_if_fail (DS_IS_UNDO_STACK (self), 0);
  if (self->entries->len == 0)
    return 0;
  return g_array_index (self->entries, Entry, self->current).serial;
}

gboolean
ds_undo_stack_amend (DsUndoStack *self,
                     const char  *state)
{
  Entry *top;

  g_return_val_if_fail (DS_IS_UNDO_STACK (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);
  if (self->entries->len == 0)
    return FALSE;
  top = &g_array_index (self->entries, Entry, self->current);
  g_free (top->state);
  top->state = g_strdup (state);
  top->size = strlen (state);
  top->serial = self->next_serial++;
  notify_all (self);
  return TRUE;
}
