/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-subject.h: what the Inspect view's pages look at together:
 * one model with weights (the document's, a finished run's result, or a
 * live run's latest snapshot), the dataset it was trained on, and the one
 * input being examined. The view owns it and changes it; every page (the
 * activations, filters, heat maps, errors) listens and recomputes off the
 * main loop. */
#pragma once

#include <gtk/gtk.h>

#include "ds-dataset-store.h"
#include "nn.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_SUBJECT (ds_inspect_subject_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectSubject, ds_inspect_subject, DS, INSPECT_SUBJECT, GObject)

DsInspectSubject *ds_inspect_subject_new          (void);

/* The model inspected (borrowed; a private copy the subject owns, never
 * the document's own), or NULL when there is none with weights. Setting
 * copies `model` (NULL clears) and emits ::model-changed. `why` (may be
 * NULL) says in words where it comes from ("Run 2, epoch 5 of 10 (live)",
 * "The model as opened") or, with model NULL, why there is nothing to
 * inspect ("The model has not been trained yet: train it in the Train
 * view, or open a model file with weights"). */
NnModel          *ds_inspect_subject_get_model    (DsInspectSubject *self);
void              ds_inspect_subject_set_model    (DsInspectSubject *self,
                                                   const NnModel    *model,
                                                   const char       *why);
const char       *ds_inspect_subject_get_model_text (DsInspectSubject *self);
/* Counts ::model-changed emissions: a page's job started on model
 * generation g drops its result when the generation has moved on. */
guint             ds_inspect_subject_get_generation (DsInspectSubject *self);
/* A new NnInspector on a copy of the model (for a worker thread; the
 * caller frees it), or NULL with the reason. */
NnInspector      *ds_inspect_subject_new_inspector (DsInspectSubject *self,
                                                    GError          **error);

/* The dataset (borrowed, may be NULL). Emits ::dataset-changed. */
DsDataset        *ds_inspect_subject_get_dataset  (DsInspectSubject *self);
void              ds_inspect_subject_set_dataset  (DsInspectSubject *self,
                                                   DsDataset        *dataset);

/* The input examined: one sample of the model's input shape, (1, ...)
 * (borrowed, may be NULL); `label` names it ("Test image 17: Sneaker",
 * "Drawn", "shoe.png"); `index` is its index in the dataset's test split,
 * or -1 when it comes from elsewhere. Setting copies the tensor and emits
 * ::input-changed. */
const NnTensor   *ds_inspect_subject_get_input    (DsInspectSubject *self);
const char       *ds_inspect_subject_get_input_label (DsInspectSubject *self);
gssize            ds_inspect_subject_get_input_index (DsInspectSubject *self);
void              ds_inspect_subject_set_input    (DsInspectSubject *self,
                                                   const NnTensor   *input,
                                                   const char       *label,
                                                   gssize            index);
/* Sets the input to test-split sample `index` of the dataset (a page's
 * "open this example": a confusion cell, the most-wrong gallery). FALSE
 * when there is no dataset or no such sample. */
gboolean          ds_inspect_subject_open_test_sample (DsInspectSubject *self,
                                                       gsize             index);

/* The class the heat maps explain: -1 for the predicted one. Emits
 * ::class-changed. An input with another label (another picture, not
 * another stroke of the same drawing) sets it back to -1. */
int               ds_inspect_subject_get_class    (DsInspectSubject *self);
void              ds_inspect_subject_set_class    (DsInspectSubject *self,
                                                   int               class_index);
/* The text of dataset sample `sample` (an index into its arrays, not a
 * split position) when the dataset is text: the record's own text, else
 * its token ids decoded through the vocabulary (words joined by spaces,
 * padding left out, [UNK] for unknown words), cut after max_chars
 * characters with "…" (-1: whole). NULL for data that is not text. Free
 * it. */
char             *ds_inspect_subject_dup_sample_text (DsInspectSubject *self,
                                                      guint32           sample,
                                                      glong             max_chars);
/* A character class's name as shown: a space as ␣, a newline as ↵, a tab
 * as ⇥, a carriage return as ␍ (also when written "\\n", "\\t", "\\r", as the
 * dataset names them); any other name as it is. Free it. */
char             *ds_inspect_visible_char (const char *name);
/* The name of class c (the dataset's class name, a blank character shown
 * as ds_inspect_visible_char() does, else "Class c"); free it. */
char             *ds_inspect_subject_dup_class_name (DsInspectSubject *self,
                                                     int               c);

G_END_DECLS
