/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView's tokenization preview (ds-data-view-text.c): for a text
 * dataset, one sample's text, its tokens and their indices, the vocabulary
 * and its coverage of the training tokens, and the histogram of sequence
 * lengths with the cut-off (:length=) marked. */
#pragma once

#include "ds-data-view-private.h"

/* Whether ds is a text dataset (it has a vocabulary). */
gboolean    _ds_data_view_is_text      (NnDataset  *ds);
/* Sets the samples panel up for a text dataset (title, Shuffle shows
 * another text, height). */
void        _ds_data_view_show_text    (DsDataView *self,
                                        NnDataset  *ds);
/* Draws the preview of sample order[0] into the samples area. */
void        _ds_data_view_draw_text    (DsDataView *self,
                                        GtkWidget  *widget,
                                        cairo_t    *cr,
                                        int         width,
                                        int         height,
                                        NnDataset  *ds);

/* For the tests: the vocabulary line of the last drawing ("Vocabulary:
 * 42 tokens … covering 97.5 % of the 1,234 training tokens"), and the
 * sample's tokens with their indices as drawn ("good:2 film:4 …"); NULL
 * before a text dataset was drawn. */
const char *ds_data_view_get_text_vocab_line (DsDataView *self);
const char *ds_data_view_get_text_tokens     (DsDataView *self);
/* Labels of the last histogram drawn over one another (title, cut-off,
 * axes); 0 when each has its own place. */
guint       ds_data_view_get_text_overlaps   (DsDataView *self);
/* The height in pixels of the last histogram's bars; 0 when none was
 * drawn (no room left below the text and its tokens). */
int         ds_data_view_get_text_histogram_height (DsDataView *self);
