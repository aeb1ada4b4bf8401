/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-inspect-subject.h"

struct _DsInspectSubject
{
  GObject    parent_instance;

  /* Owned */
  NnModel   *model;          /* a private copy, or NULL */
  char      *model_text;
  guint      generation;
  DsDataset *dataset;
  NnTensor  *input;          /* (1, input shape...), or NULL */
  char      *input_label;
  gssize     input_index;
  int        class_index;
};

G_DEFINE_FINAL_TYPE (DsInspectSubject, ds_inspect_subject, G_TYPE_OBJECT)

enum {
  MODEL_CHANGED,
  DATASET_CHANGED,
  INPUT_CHANGED,
  CLASS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ds_inspect_subject_finalize (GObject *object)
{
  DsInspectSubject *self = DS_INSPECT_SUBJECT (object);

  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->model_text, g_free);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->input, nn_tensor_free);
  g_clear_pointer (&self->input_label, g_free);
  G_OBJECT_CLASS (ds_inspect_subject_parent_class)->finalize (object);
}

static void
ds_inspect_subject_class_init (DsInspectSubjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ds_inspect_subject_finalize;

  /* No arguments: a page reads what it needs from the subject. */
  signals[MODEL_CHANGED] =
    g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DATASET_CHANGED] =
    g_signal_new ("dataset-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[INPUT_CHANGED] =
    g_signal_new ("input-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CLASS_CHANGED] =
    g_signal_new ("class-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ds_inspect_subject_init (DsInspectSubject *self)
{
  self->input_index = -1;
  self->class_index = -1;
}

/**
 * ds_inspect_subject_new:
 *
 * An empty subject: no model, dataset or input; the predicted class.
 */
DsInspectSubject *
ds_inspect_subject_new (void)
{
  return g_object_new (DS_TYPE_INSPECT_SUBJECT, NULL);
}

NnModel *
ds_inspect_subject_get_model (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  return self->model;
}

/**
 * ds_inspect_subject_set_model:
 * @model: (nullable): copied; NULL clears
 * @why: (nullable): where it comes from, or why there is none
 *
 * Always emits ::model-changed and advances the generation, also for the
 * same model: a live run's new snapshot has the same structure and new
 * weights.
 */
void
ds_inspect_subject_set_model (DsInspectSubject *self,
                              const NnModel    *model,
                              const char       *why)
{
  g_return_if_fail (DS_IS_INSPECT_SUBJECT (self));

  g_clear_pointer (&self->model, nn_model_free);
  if (model)
    self->model = nn_model_copy (model);
  g_free (self->model_text);
  self->model_text = g_strdup (why);
  self->generation++;
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

const char *
ds_inspect_subject_get_model_text (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  return self->model_text;
}

guint
ds_inspect_subject_get_generation (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), 0);
  return self->generation;
}

/**
 * ds_inspect_subject_new_inspector:
 *
 * Returns: (transfer full): an inspector on a copy of the model, for one
 * worker thread, or NULL with the reason there is nothing to inspect.
 */
NnInspector *
ds_inspect_subject_new_inspector (DsInspectSubject  *self,
                                  GError           **error)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->model == NULL)
    {
      g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                           self->model_text ? self->model_text
                           : _("There is no trained model to inspect: train one in the Train view, "
                             "or open a model file with weights"));
      return NULL;
    }
  return nn_inspector_new (self->model, error);
}

DsDataset *
ds_inspect_subject_get_dataset (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  return self->dataset;
}

void
ds_inspect_subject_set_dataset (DsInspectSubject *self,
                                DsDataset        *dataset)
{
  g_return_if_fail (DS_IS_INSPECT_SUBJECT (self));

  if (self->dataset == dataset)
    return;
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  if (dataset)
    self->dataset = ds_dataset_ref (dataset);
  g_signal_emit (self, signals[DATASET_CHANGED], 0);
}

const NnTensor *
ds_inspect_subject_get_input (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  return self->input;
}

const char *
ds_inspect_subject_get_input_label (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  return self->input_label;
}

gssize
ds_inspect_subject_get_input_index (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), -1);
  return self->input_index;
}

/**
 * ds_inspect_subject_set_input:
 * @input: (nullable): one sample (1, ...), copied; NULL clears
 * @label: (nullable): what it is, in words
 * @index: its position in the test split, or -1
 */
void
ds_inspect_subject_set_input (DsInspectSubject *self,
                              const NnTensor   *input,
                              const char       *label,
                              gssize            index)
{
  g_return_if_fail (DS_IS_INSPECT_SUBJECT (self));
  g_return_if_fail (input == NULL || (input->ndim >= 1 && input->shape[0] == 1));

  gboolean other = g_strcmp0 (label, self->input_label) != 0;

  g_clear_pointer (&self->input, nn_tensor_free);
  if (input)
    self->input = nn_tensor_copy (input);
  g_free (self->input_label);
  self->input_label = g_strdup (label);
  self->input_index = input ? index : -1;
  g_signal_emit (self, signals[INPUT_CHANGED], 0);
  /* Another picture is explained for its own predicted class (a chosen
   * "Pullover" on a shoe explained nothing); strokes of one drawing keep
   * the class chosen. */
  if (other && self->class_index != -1)
    ds_inspect_subject_set_class (self, -1);
}

/**
 * ds_inspect_subject_open_test_sample:
 * @index: a position in the dataset's test split, [0, n_test)
 *
 * Makes test-split sample @index the input, labelled with its position and
 * true class ("Test image 17: Sneaker").
 *
 * Returns: FALSE when there is no dataset or no such sample
 */
gboolean
ds_inspect_subject_open_test_sample (DsInspectSubject *self,
                                     gsize             index)
{
  NnDataset *ds;
  const NnArray *x;
  g_autofree char *label = NULL;
  NnTensor *t;
  int shape[NN_MAX_DIMS];
  guint32 sample;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), FALSE);

  if (self->dataset == NULL)
    return FALSE;
  ds = ds_dataset_get (self->dataset);
  if (ds == NULL || ds->n_inputs < 1 || index >= ds->n_test
      || ds->inputs[0]->ndim + 1 > NN_MAX_DIMS)
    return FALSE;

  x = ds->inputs[0];
  sample = ds->test_idx[index];
  shape[0] = 1;
  for (int d = 0; d < x->ndim; d++)
    shape[d + 1] = x->shape[d];
  t = nn_tensor_new (x->ndim + 1, shape);
  nn_array_gather (x, &sample, 1, t->data);

  label = g_strdup_printf (_("Test %s %zu"),
                           ds->vocab && nn_vocab_is_chars (ds->vocab) ? "window" : ds->vocab ? "text" : ds->series ? "window"
                           : x->ndim == 3 ? "image" : "sample", index);
  if (ds->n_targets > 0 && ds->n_classes > 0)
    {
      const NnArray *y = ds->targets[0];
      int truth = -1;

      if (y->sample_size == 1)
        truth = (int) nn_array_get (y, sample, 0);
      else if ((int) y->sample_size == ds->n_classes)
        {
          float best = -G_MAXFLOAT;

          for (size_t c = 0; c < y->sample_size; c++)
            if (nn_array_get (y, sample, c) > best)
              {
                best = nn_array_get (y, sample, c);
                truth = (int) c;
              }
        }
      if (truth >= 0 && truth < ds->n_classes)
        {
          g_autofree char *name = ds_inspect_subject_dup_class_name (self, truth);
          g_autofree char *plain = g_steal_pointer (&label);

          if (ds->vocab && nn_vocab_is_chars (ds->vocab))
            label = g_strdup_printf (_("%s → next character ‘%s’"), plain, name);
          else
            label = g_strdup_printf ("%s: %s", plain, name);
        }
    }
  ds_inspect_subject_set_input (self, t, label, (gssize) index);
  nn_tensor_free (t);
  return TRUE;
}

int
ds_inspect_subject_get_class (DsInspectSubject *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), -1);
  return self->class_index;
}

void
ds_inspect_subject_set_class (DsInspectSubject *self,
                              int               class_index)
{
  g_return_if_fail (DS_IS_INSPECT_SUBJECT (self));

  if (class_index < 0)
    class_index = -1;
  if (self->class_index == class_index)
    return;
  self->class_index = class_index;
  g_signal_emit (self, signals[CLASS_CHANGED], 0);
}

/* The text of token ids (padding left out, [UNK] for unknown words): words
 * joined by spaces, characters as they are; stops past max_chars. */
static void
append_decoded (GString       *text,
                const NnVocab *v,
                const float   *ids,
                size_t         n,
                glong          max_chars)
{
  gboolean chars = nn_vocab_is_chars (v);

  for (size_t i = 0; i < n && g_utf8_strlen (text->str, -1) <= max_chars; i++)
    {
      int id = (int) lroundf (ids[i]);
      const char *token = id == 1 ? "[UNK]" : nn_vocab_token (v, id);

      if (id > 0 && token)
        g_string_append_printf (text, "%s%s", text->len && !chars ? " " : "", token);
    }
}

char *
ds_inspect_subject_dup_sample_text (DsInspectSubject *self,
                                    guint32           sample,
                                    glong             max_chars)
{
  NnDataset *ds;
  const NnArray *x;
  GString *text;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);
  ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  if (ds == NULL || ds->vocab == NULL || ds->n_inputs < 1 || sample >= ds->n)
    return NULL;
  if (max_chars < 0)
    max_chars = G_MAXLONG - 1;
  x = ds->inputs[0];
  text = g_string_new (NULL);
  if (ds->texts)
    g_string_append (text, ds->texts[sample]);
  else if (nn_vocab_get_options (ds->vocab)->mode == NN_TEXT_INT)
    {
      g_autofree float *ids = g_new (float, x->sample_size);

      nn_array_gather (x, &sample, 1, ids);
      append_decoded (text, ds->vocab, ids, x->sample_size, max_chars);
    }
  if (g_utf8_strlen (text->str, -1) > max_chars)
    {
      g_string_truncate (text, g_utf8_offset_to_pointer (text->str, max_chars) - text->str);
      g_string_append (text, "…");
    }
  return g_string_free (text, FALSE);
}

/**
 * ds_inspect_subject_dup_class_name:
 *
 * Returns: (transfer full): the dataset's name of class @c, else "Class c"
 */
char *
ds_inspect_subject_dup_class_name (DsInspectSubject *self,
                                   int               c)
{
  NnDataset *ds;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (self), NULL);

  ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  if (ds && ds->class_names && c >= 0 && c < ds->n_classes && ds->class_names[c])
    return ds_inspect_visible_char (ds->class_names[c]);
  return g_strdup_printf (_("Class %d"), c);
}

char *
ds_inspect_visible_char (const char *name)
{
  static const char *const glyphs[][2] = {
    { " ", "␣" }, { "\n", "↵" }, { "\t", "⇥" }, { "\r", "␍" },
    /* the dataset's own names for them */
    { "\\n", "↵" }, { "\\t", "⇥" }, { "\\r", "␍" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (glyphs); i++)
    if (g_str_equal (name, glyphs[i][0]))
      return g_strdup (glyphs[i][1]);
  return g_strdup (name);
}
