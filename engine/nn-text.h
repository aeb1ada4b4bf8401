/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-text.h: text vectorization (engine/data/nn-text.c): tokenizers on
 * UTF-8 text, the vocabulary, integer sequences, bag-of-words encodings,
 * n-grams and the hashing trick; GloVe word vectors. Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-errors.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

/* How a text becomes a tensor. */
typedef enum {
  NN_TEXT_INT,        /* token ids, padded or truncated to `length` (I32 (T)) */
  NN_TEXT_MULTI_HOT,  /* 1 where the token occurs (F32 (V)): the bag of words */
  NN_TEXT_COUNT,      /* how often each token occurs (F32 (V)) */
  NN_TEXT_TFIDF,      /* count × idf (F32 (V)), idf = ln (1 + N / (1 + df)) */
  NN_TEXT_N_MODES
} NnTextMode;

typedef enum { NN_TEXT_POST, NN_TEXT_PRE } NnTextSide;

typedef struct {
  gboolean    chars;         /* characters (graphemes) instead of words */
  gboolean    lower;         /* lower-case first (Unicode-aware) */
  gboolean    strip;         /* drop punctuation */
  int         ngrams;        /* words only: 1, 2 or 3 (all n-grams up to it) */
  int         hash_buckets;  /* > 0: the hashing trick, FNV-1a into this many buckets */
  NnTextMode  mode;
  int         length;        /* NN_TEXT_INT: the sequence length T */
  NnTextSide  pad;           /* where padding goes (post: after the tokens) */
  NnTextSide  trunc;         /* where a long sequence is cut (post: its end) */
} NnTextOptions;

/* Words, lower-cased, punctuation stripped, unigrams, no hashing, int mode,
 * length 200, padding and truncation post (as Keras's TextVectorization). */
void        nn_text_options_init     (NnTextOptions *opt);
/* "int", "multi_hot", "count", "tfidf"; NULL for an unknown mode. */
const char *nn_text_mode_name        (NnTextMode mode);
gboolean    nn_text_mode_parse       (const char *name, NnTextMode *out);

/* ------------------------------------------------------------------------ */
/* Tokenizers                                                               */
/* ------------------------------------------------------------------------ */

/* Splits UTF-8 text (len -1: NUL-terminated) into tokens, as opt says:
 * characters are graphemes (a base character with the combining marks that
 * follow it, and emoji joined by ZWJ or skin-tone modifiers), spaces and
 * newlines included; words are runs of letters, digits and marks (an
 * apostrophe between letters stays inside: "don't"), every other
 * non-space grapheme is a token of its own unless strip drops it
 * (punctuation and the symbols + < = > ^ ` | ~ $; emoji stay). With
 * ngrams > 1, the word n-grams follow the words, joined by a space.
 * Invalid UTF-8 is an NN_DATA_ERROR_FORMAT naming `what` (a file name) and
 * the byte offset. Returns a GPtrArray of owned strings. */
GPtrArray  *nn_text_tokenize         (const NnTextOptions *opt, const char *text, gssize len,
                                      const char *what, GError **error);
/* Checks that text is UTF-8, else the error above; TRUE when it is. */
gboolean    nn_text_validate         (const char *text, gssize len, const char *what,
                                      GError **error);
/* The hashing trick's bucket of a token: FNV-1a (32-bit) of its bytes,
 * modulo n_buckets; stable across runs and machines. */
guint32     nn_text_hash             (const char *token, guint32 n_buckets);

/* ------------------------------------------------------------------------ */
/* Vocabulary                                                               */
/* ------------------------------------------------------------------------ */

typedef struct _NnVocab NnVocab;   /* index 0 = padding "", 1 = out-of-vocabulary */

/* An empty vocabulary (padding and out-of-vocabulary only) with these
 * options; with opt->hash_buckets, its tokens are the buckets "#0".. */
NnVocab    *nn_vocab_new             (const NnTextOptions *opt);
void        nn_vocab_free            (NnVocab *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnVocab, nn_vocab_free)
NnVocab    *nn_vocab_copy            (const NnVocab *v);

/* Tokens, padding and out-of-vocabulary included. */
int         nn_vocab_size            (const NnVocab *v);
/* "" for 0 (padding), "[UNK]" for 1, "#k" for a hashing bucket; NULL when
 * index is out of range. */
const char *nn_vocab_token           (const NnVocab *v, int index);
/* The index of token, 1 when unknown (and 0 for ""). */
int         nn_vocab_lookup          (const NnVocab *v, const char *token);
gboolean    nn_vocab_is_chars        (const NnVocab *v);
const NnTextOptions *nn_vocab_get_options (const NnVocab *v);
/* Changes the encoding of a built vocabulary (mode, length, pad, trunc);
 * its tokenizer options stay. */
void        nn_vocab_set_encoding    (NnVocab *v, NnTextMode mode, int length, NnTextSide pad,
                                      NnTextSide trunc);
/* Appends a token (no-op when present); returns its index. */
int         nn_vocab_add             (NnVocab *v, const char *token);
/* Inverse document frequencies, nn_vocab_size values (for TF-IDF), or NULL
 * when none were counted; set copies. */
const float *nn_vocab_get_idf        (const NnVocab *v);
void        nn_vocab_set_idf         (NnVocab *v, const float *idf);
/* The number of values one text becomes: length for NN_TEXT_INT, else the
 * vocabulary size. */
int         nn_vocab_output_size     (const NnVocab *v);

/* The class names of the data the vocabulary was built for (a text
 * classifier's labels), NULL-terminated, or NULL; set copies. */
const char *const *nn_vocab_get_labels (const NnVocab *v);
void        nn_vocab_set_labels      (NnVocab *v, const char *const *labels);

/* Counting tokens to build a vocabulary. */
typedef struct _NnVocabCounter NnVocabCounter;
NnVocabCounter *nn_vocab_counter_new (void);
void        nn_vocab_counter_free    (NnVocabCounter *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnVocabCounter, nn_vocab_counter_free)
/* Counts the tokens of one document (its distinct tokens for the document
 * frequencies). */
void        nn_vocab_counter_add     (NnVocabCounter *c, const GPtrArray *tokens);
/* Tokens counted so far (all occurrences), and distinct tokens. */
guint64     nn_vocab_counter_total   (const NnVocabCounter *c);
guint       nn_vocab_counter_distinct (const NnVocabCounter *c);
/* The vocabulary of the max_size - 2 most frequent tokens (max_size counts
 * padding and out-of-vocabulary; 0: no cap), ties broken by first
 * appearance; the idf of every token from the documents counted. With
 * opt->hash_buckets the buckets are the tokens and only the idf comes from
 * the counts. */
NnVocab    *nn_vocab_counter_build   (const NnVocabCounter *c, const NnTextOptions *opt,
                                      int max_size);

/* ------------------------------------------------------------------------ */
/* Encodings                                                                */
/* ------------------------------------------------------------------------ */

/* Token ids of tokens into out (length values), padded with 0 and cut as
 * the options say; returns the number of real tokens (before the cut). */
int         nn_vocab_encode_ids      (const NnVocab *v, const GPtrArray *tokens, int length,
                                      gint32 *out);
/* The bag-of-words of tokens into out (nn_vocab_size values) in mode
 * (NN_TEXT_MULTI_HOT, _COUNT or _TFIDF; TF-IDF without idf counts). */
void        nn_vocab_encode_bag      (const NnVocab *v, const GPtrArray *tokens, NnTextMode mode,
                                      float *out);
/* One-hot rows of ids: out (n, depth), 1 at each id (ids outside 0..depth-1
 * give a row of zeros). */
void        nn_text_one_hot          (const gint32 *ids, int n, int depth, float *out);
/* Tokenizes and encodes text as the vocabulary's options say into out
 * (nn_vocab_output_size floats); FALSE on invalid UTF-8. *n_tokens (may
 * be NULL) gets the number of tokens. */
gboolean    nn_vocab_vectorize       (const NnVocab *v, const char *text, gssize len,
                                      const char *what, float *out, int *n_tokens,
                                      GError **error);

/* ------------------------------------------------------------------------ */
/* GloVe word vectors                                                       */
/* ------------------------------------------------------------------------ */

/* Reads a GloVe text file (a word then dim numbers per line) and fills the
 * rows (vocabulary size, dim) of `weights` of the vocabulary's words that
 * it holds; other rows are left as they were. dim must match the file's;
 * ragged rows, non-numbers, an empty file give NN_DATA_ERROR_FORMAT and
 * leave weights untouched. *n_found (may be NULL) gets the rows filled. */
gboolean    nn_glove_load            (const char *path, const NnVocab *v, int dim, float *weights,
                                      int *n_found, GError **error);
/* Writes rows 2.. of weights (vocabulary size, dim) as a GloVe text file,
 * one word per line (padding and out-of-vocabulary left out), atomically. */
gboolean    nn_glove_save            (const char *path, const NnVocab *v, int dim,
                                      const float *weights, GError **error);

G_END_DECLS
