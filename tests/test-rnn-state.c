/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Recurrent layers with several outputs and inputs, as in Keras:
 * return_state (the output, then the final h and c; Bidirectional's
 * forward states before its backward ones) and initial states given as
 * extra inputs (an encoder-decoder). The states' values against the
 * output they must equal, gradients through them against central
 * differences, a file round trip with ["layer", 0, k] references, the
 * errors of wrong references and wrong initial states, and the exports'
 * form of the states. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "nn-model-private.h"

#define GRAD_TOL 5e-3

static int
add_input (NnModel *m, const char *name, const char *shape)
{
  int l = test_add (m, "Input", name);
  test_set (m, l, "shape", shape);
  return l;
}

static void
connect_ref (NnModel *m, NnRef src, int dst)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_connect (m, src, dst, -1, &error));
  g_assert_no_error (error);
}

/* enc_in (5, 3) -> LSTM "encoder" (4, return_state); dec_in (4, 2) ->
 * LSTM "decoder" (4) from the encoder's h and c -> Dense (3, softmax):
 * Keras's sequence-to-sequence example in miniature. */
static NnModel *
encoder_decoder (const char *cell, int *enc, int *dec, int *dense)
{
  NnModel *m = nn_model_new ("seq2seq");
  int ein = add_input (m, "enc_in", "5, 3");
  int din = add_input (m, "dec_in", "4, 2");
  *enc = test_add (m, cell, "encoder");
  test_set (m, *enc, "units", "4");
  test_set (m, *enc, "return_state", "true");
  *dec = test_add (m, cell, "decoder");
  test_set (m, *dec, "units", "4");
  *dense = test_add (m, "Dense", "out");
  test_set (m, *dense, "units", "3");
  test_set (m, *dense, "activation", "softmax");
  test_connect (m, ein, *enc);
  test_connect (m, din, *dec);
  int states = nn_model_layer_get_n_outputs (m, *enc) - 1;
  for (int k = 1; k <= states; k++)
    connect_ref (m, (NnRef) { *enc, 0, k }, *dec);
  test_connect (m, *dec, *dense);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { *dense, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  return m;
}

static NnTensor *
random_tensor (NnRng *rng, int n, int d0, int d1)
{
  int shape[3] = { n, d0, d1 };
  NnTensor *t = nn_tensor_new (3, shape);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = nn_rng_uniform (rng) * 2 - 1;
  return t;
}

static NnTensor *
run_ref (NnModel *m, NnTensor **in, int n_in, NnRef r)
{
  g_autoptr (GError) error = NULL;
  NnTensor *t = nn_model_run (m, in, n_in, r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static void
test_shapes (void)
{
  int enc, dec, dense;
  g_autoptr (NnModel) m = encoder_decoder ("LSTM", &enc, &dec, &dense);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_layer_get_n_outputs (m, enc), ==, 3);
  g_assert_cmpint (nn_model_layer_get_n_outputs (m, dec), ==, 1);
  g_assert_cmpint (nn_model_call_get_n_inputs (m, dec, 0), ==, 3);
  for (int k = 0; k < 3; k++)
    {
      int ndim, shape[NN_MAX_DIMS];
      g_assert_true (nn_model_get_shape (m, (NnRef) { enc, 0, k }, &ndim, shape));
      g_assert_cmpint (ndim, ==, 1);
      g_assert_cmpint (shape[0], ==, 4);
    }
  int ndim, shape[NN_MAX_DIMS];
  g_assert_false (nn_model_get_shape (m, (NnRef) { enc, 0, 3 }, &ndim, shape));
  /* the summary names each state Keras's way */
  g_autofree char *summary = nn_model_summary (m, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (summary, "dec_in[0][0], encoder[0][1], encoder[0][2]"));
  /* every output's shape, the states named; the columns stay aligned
   * (the parameter count starts where it does on the other rows) */
  g_assert_nonnull (strstr (summary, "(None, 4) · h (None, 4) · c (None, 4)"));
  g_assert_cmpstr (nn_model_layer_get_state_name (m, enc, 1), ==, "c");
  g_assert_null (nn_model_layer_get_state_name (m, enc, 2));
  g_assert_null (nn_model_layer_get_state_name (m, dense, 0));
  {
    /* the encoder's parameter count starts under "Param #", counted in
     * characters (a "·" is two bytes) */
    g_auto (GStrv) lines = g_strsplit (summary, "\n", -1);
    glong header = -1, count = -1;
    for (int k = 0; lines[k]; k++)
      {
        const char *p = strstr (lines[k], "Param #");
        const char *shapes = strstr (lines[k], "c (None, 4)");
        if (p)
          header = g_utf8_pointer_to_offset (lines[k], p);
        if (shapes)
          {
            shapes += strlen ("c (None, 4)");
            while (*shapes == ' ')
              shapes++;
            count = g_utf8_pointer_to_offset (lines[k], shapes);
            g_assert_true (g_ascii_isdigit (*shapes));
          }
      }
    g_assert_cmpint (header, >, 0);
    g_assert_cmpint (count, ==, header);
  }
  /* a GRU and a SimpleRNN have one state; a Bidirectional LSTM four */
  g_autoptr (NnModel) g = encoder_decoder ("GRU", &enc, &dec, &dense);
  g_assert_true (nn_model_infer (g, &error));
  g_assert_cmpint (nn_model_layer_get_n_outputs (g, enc), ==, 2);
  int bi = test_add (g, "Bidirectional", NULL);
  test_set (g, bi, "return_state", "true");
  g_assert_cmpint (nn_model_layer_get_n_outputs (g, bi), ==, 5);
  /* named in Keras's order: each direction's h (and c), forward first */
  const char *bi_lstm[] = { "forward h", "forward c", "backward h", "backward c" };
  for (int k = 0; k < 4; k++)
    g_assert_cmpstr (nn_model_layer_get_state_name (g, bi, k), ==, bi_lstm[k]);
  g_assert_null (nn_model_layer_get_state_name (g, bi, 4));
  test_set (g, bi, "layer", "SimpleRNN");
  g_assert_cmpint (nn_model_layer_get_n_outputs (g, bi), ==, 3);
  g_assert_cmpstr (nn_model_layer_get_state_name (g, bi, 1), ==, "backward h");
  g_assert_cmpstr (nn_model_layer_get_state_name (g, enc, 0), ==, "h");
  g_assert_null (nn_model_layer_get_state_name (g, enc, 1));
}

/* Without return_sequences the output is the last state: output 0 equals
 * output 1; a Bidirectional's concatenated output is its forward h, then
 * its backward h. */
static void
test_state_values (void)
{
  NnRng rng;
  nn_rng_seed (&rng, 5);
  g_autoptr (NnTensor) x = random_tensor (&rng, 3, 5, 3);
  const char *cells[] = { "SimpleRNN", "LSTM", "GRU" };
  for (int c = 0; c < 3; c++)
    {
      g_autoptr (NnModel) m = nn_model_new ("states");
      int in = add_input (m, "x", "5, 3");
      int r = test_add (m, cells[c], NULL);
      test_set (m, r, "units", "4");
      test_set (m, r, "return_state", "true");
      test_connect (m, in, r);
      int bi = test_add (m, "Bidirectional", NULL);
      test_set (m, bi, "layer", cells[c]);
      test_set (m, bi, "units", "4");
      test_set (m, bi, "return_state", "true");
      test_connect (m, in, bi);
      g_autoptr (GError) error = NULL;
      g_assert_true (nn_model_init_weights (m, 9, &error));
      g_autoptr (NnTensor) y = run_ref (m, &x, 1, (NnRef) { r, 0, 0 });
      g_autoptr (NnTensor) h = run_ref (m, &x, 1, (NnRef) { r, 0, 1 });
      g_assert_cmpint (y->size, ==, h->size);
      for (size_t i = 0; i < y->size; i++)
        g_assert_cmpfloat (y->data[i], ==, h->data[i]);
      int ns = c == 1 ? 2 : 1;
      g_autoptr (NnTensor) both = run_ref (m, &x, 1, (NnRef) { bi, 0, 0 });
      g_autoptr (NnTensor) fh = run_ref (m, &x, 1, (NnRef) { bi, 0, 1 });
      g_autoptr (NnTensor) bh = run_ref (m, &x, 1, (NnRef) { bi, 0, 1 + ns });
      for (int b = 0; b < 3; b++)
        for (int j = 0; j < 4; j++)
          {
            g_assert_cmpfloat (both->data[b * 8 + j], ==, fh->data[b * 4 + j]);
            g_assert_cmpfloat (both->data[b * 8 + 4 + j], ==, bh->data[b * 4 + j]);
          }
      if (ns == 2)
        {
          /* the cell state is not the output: |c| is not bounded by 1 like h */
          g_autoptr (NnTensor) cs = run_ref (m, &x, 1, (NnRef) { r, 0, 2 });
          double diff = 0;
          for (size_t i = 0; i < cs->size; i++)
            diff += fabsf (cs->data[i] - h->data[i]);
          g_assert_cmpfloat (diff, >, 1e-3);
        }
    }
}

/* Zero initial states give what no initial state gives; other states
 * change the output. */
static void
test_initial_state_used (void)
{
  g_autoptr (NnModel) m = nn_model_new ("init");
  int in = add_input (m, "x", "5, 3");
  int h0 = add_input (m, "h0", "4");
  int plain = test_add (m, "GRU", "plain");
  test_set (m, plain, "units", "4");
  test_connect (m, in, plain);
  int fed = test_add (m, "GRU", "fed");
  test_set (m, fed, "units", "4");
  test_connect (m, in, fed);
  test_connect (m, h0, fed);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_no_error (error);
  /* the same weights in both */
  for (int k = 0; k < nn_model_layer_get_n_weights (m, plain); k++)
    {
      NnTensor a, b;
      nn_model_layer_get_weight (m, plain, k, &a);
      nn_model_layer_get_weight (m, fed, k, &b);
      memcpy (b.data, a.data, sizeof (float) * a.size);
    }
  NnRng rng;
  nn_rng_seed (&rng, 8);
  g_autoptr (NnTensor) x = random_tensor (&rng, 2, 5, 3);
  int hs[2] = { 2, 4 };
  g_autoptr (NnTensor) zero = nn_tensor_new (2, hs);
  memset (zero->data, 0, sizeof (float) * zero->size);
  NnTensor *ins[2] = { x, zero };
  g_autoptr (NnTensor) a = run_ref (m, ins, 2, (NnRef) { plain, 0 });
  g_autoptr (NnTensor) b = run_ref (m, ins, 2, (NnRef) { fed, 0 });
  for (size_t i = 0; i < a->size; i++)
    g_assert_cmpfloat (a->data[i], ==, b->data[i]);
  for (size_t i = 0; i < zero->size; i++)
    zero->data[i] = 0.5f;
  g_autoptr (NnTensor) c = run_ref (m, ins, 2, (NnRef) { fed, 0 });
  double diff = 0;
  for (size_t i = 0; i < a->size; i++)
    diff += fabsf (a->data[i] - c->data[i]);
  g_assert_cmpfloat (diff, >, 1e-3);
}

/* The model with weights from seed, compiled for batch, its inputs
 * filled with uniform values in [-1, 1) from rng (seeded with seed). */
static NnCompiled *
compile_random (NnModel *m, guint64 seed, int batch, int flags, NnRng *rng)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  nn_rng_seed (rng, seed);
  NnCompiled *c = nn_compile (m, batch, flags, rng, &error);
  g_assert_no_error (error);
  for (int k = 0; k < c->n_inputs; k++)
    {
      NnNode *x = &c->g->nodes[c->input_nodes[k]];
      for (size_t i = 0; i < x->size; i++)
        x->value[i] = nn_rng_uniform (rng) * 2 - 1;
    }
  return c;
}

/* Every weight's and input's gradient of the compiled encoder-decoder
 * (the decoder's loss reaches the encoder through its states only). */
static void
check_model_grads (const char *cell)
{
  int enc, dec, dense;
  g_autoptr (NnModel) m = encoder_decoder (cell, &enc, &dec, &dense);
  NnRng rng;
  NnCompiled *c = compile_random (m, 7, 3, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng);
  NnGraph *g = c->g;
  float *t = g->nodes[c->target_nodes[0]].value;
  for (int i = 0; i < 3; i++)
    t[i] = (float) i;
  int checked = 0;
  for (int n = 0; n < g->n_nodes; n++)
    if ((g->nodes[n].op == NN_OP_PARAM || g->nodes[n].op == NN_OP_INPUT) && g->nodes[n].grad)
      {
        memset (c->grads, 0, c->n_grads * sizeof (float));
        double err = test_check_grad (g, c->loss_node, n, 3e-3, 0);
        g_test_message ("%s %s: max relative error %.2e", cell,
                        g->nodes[n].label ? g->nodes[n].label : "input", err);
        g_assert_cmpfloat (err, <, GRAD_TOL);
        checked++;
      }
  /* two inputs; encoder and decoder 3 weights each; Dense 2 */
  g_assert_cmpint (checked, ==, 2 + 3 + 3 + 2);
  nn_compiled_free (c);
}

static void
test_model_gradients (void)
{
  check_model_grads ("LSTM");
  check_model_grads ("GRU");
  check_model_grads ("SimpleRNN");
}

/* A Bidirectional LSTM's four states start a Bidirectional decoder. */
static void
test_bidirectional_initial_state (void)
{
  g_autoptr (NnModel) m = nn_model_new ("bi");
  int ein = add_input (m, "enc_in", "4, 2");
  int din = add_input (m, "dec_in", "3, 2");
  int enc = test_add (m, "Bidirectional", "enc");
  test_set (m, enc, "units", "3");
  test_set (m, enc, "return_state", "true");
  int dec = test_add (m, "Bidirectional", "dec");
  test_set (m, dec, "units", "3");
  test_set (m, dec, "merge_mode", "sum");
  test_connect (m, ein, enc);
  test_connect (m, din, dec);
  for (int k = 1; k <= 4; k++)
    connect_ref (m, (NnRef) { enc, 0, k }, dec);
  nn_model_add_output (m, (NnRef) { dec, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  NnRng rng;
  NnCompiled *c = compile_random (m, 2, 2, NN_COMPILE_TRAIN, &rng);
  NnGraph *g = c->g;
  NnNode *t = &g->nodes[c->target_nodes[0]];
  for (size_t i = 0; i < t->size; i++)
    t->value[i] = 0.3f;
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == NN_OP_PARAM && g->nodes[n].grad
        && g_str_has_prefix (g->nodes[n].label, "enc/"))
      {
        memset (c->grads, 0, c->n_grads * sizeof (float));
        double err = test_check_grad (g, c->loss_node, n, 1e-2, 0);
        g_test_message ("%s: max relative error %.2e", g->nodes[n].label, err);
        g_assert_cmpfloat (err, <, GRAD_TOL);
      }
  nn_compiled_free (c);
}

/* A copy of text without its white space. */
static char *
strip_space (const char *text)
{
  char *flat = g_strdup (text), *w = flat;
  for (const char *q = text; *q; q++)
    if (!g_ascii_isspace (*q))
      *w++ = *q;
  *w = 0;
  return flat;
}

/* The encoder-decoder m and its copy `back` give the same output "out" on
 * random inputs from seed. */
static void
assert_same_predictions (NnModel *m, NnModel *back, guint64 seed)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  g_autoptr (NnTensor) x = random_tensor (&rng, 2, 5, 3);
  g_autoptr (NnTensor) y = random_tensor (&rng, 2, 4, 2);
  NnTensor *ins[2] = { x, y };
  g_autoptr (NnTensor) a = run_ref (m, ins, 2, (NnRef) { nn_model_find_layer (m, "out"), 0 });
  g_autoptr (NnTensor) b = run_ref (back, ins, 2, (NnRef) { nn_model_find_layer (back, "out"), 0 });
  for (size_t i = 0; i < a->size; i++)
    g_assert_cmpfloat (a->data[i], ==, b->data[i]);
}

/* The file names each state as Keras does, ["encoder", 0, k], and reads
 * back the same model. */
static void
test_file_round_trip (void)
{
  int enc, dec, dense;
  g_autoptr (NnModel) m = encoder_decoder ("LSTM", &enc, &dec, &dense);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 4, &error));
  g_autofree char *json = nn_model_to_json (m, TRUE, &error);
  g_assert_no_error (error);
  g_autofree char *flat = strip_space (json);
  g_assert_nonnull (strstr (flat, "[\"encoder\",0,1]"));
  g_assert_nonnull (strstr (flat, "[\"encoder\",0,2]"));
  g_autoptr (NnModel) back = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = nn_model_to_json (back, TRUE, &error);
  g_assert_cmpstr (json, ==, again);
  int d2 = nn_model_find_layer (back, "decoder");
  NnRef r = nn_model_call_get_input (back, d2, 0, 2);
  g_assert_cmpint (r.layer, ==, nn_model_find_layer (back, "encoder"));
  g_assert_cmpint (r.out, ==, 2);
  assert_same_predictions (m, back, 1);

  /* a tensor the encoder does not have */
  g_autoptr (GString) t7 = g_string_new (flat);
  g_assert_cmpint (g_string_replace (t7, "[\"encoder\",0,2]", "[\"encoder\",0,7]", 1), ==, 1);
  g_autoptr (NnModel) none = nn_model_load_from_data (t7->str, -1, &error);
  g_assert_null (none);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "tensor 7 of “encoder”"));
  g_assert_nonnull (strstr (error->message, "3 output tensors"));
  g_clear_error (&error);
  /* the states referred to once return_state is off */
  g_autoptr (GString) s = g_string_new (json);
  g_assert_cmpint (g_string_replace (s, "\"return_state\" : true", "\"return_state\" : false", 0),
                   ==, 1);
  g_autoptr (NnModel) off = nn_model_load_from_data (s->str, -1, &error);
  g_assert_null (off);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "return_state"));
}

/* Wrong references and wrong initial states: clear errors on the layer. */
static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("errors");
  int in = add_input (m, "x", "5, 3");
  int r = test_add (m, "LSTM", "enc");
  test_set (m, r, "units", "4");
  test_connect (m, in, r);
  int d = test_add (m, "Dense", NULL);
  /* output 1 without return_state */
  g_assert_false (nn_model_connect (m, (NnRef) { r, 0, 1 }, d, -1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_assert_nonnull (strstr (error->message, "return_state"));
  g_clear_error (&error);
  /* connected, then return_state turned off: inference names the fix */
  test_set (m, r, "return_state", "true");
  connect_ref (m, (NnRef) { r, 0, 2 }, d);
  test_set (m, r, "return_state", "false");
  g_assert_false (nn_model_infer (m, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, d), "output 2 of enc"));
  g_clear_error (&error);
  /* a decoder with one initial state of two, and one of the wrong size */
  int dec = test_add (m, "LSTM", "dec");
  test_connect (m, in, dec);
  test_connect (m, in, dec);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, dec), "initial state"));
  g_clear_error (&error);
  test_connect (m, in, dec);
  g_assert_false (nn_model_infer (m, &error));
  g_test_message ("%s", nn_model_layer_get_error (m, dec));
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, dec), "initial state (batch, 32)"));
}

/* Text of DIR/FILE without its white space. */
static char *
flat_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return strip_space (text);
}

/* The exports write the states as Keras does: return_state in the
 * encoder's config, the decoder called on its sequence then the encoder's
 * tensors 1 and 2 (TF.js), `initial_state=[...]` (the Keras script), and an
 * ONNX file; the TF.js file imports back to the same model. (Runtimes
 * check the predictions: tests/test-export-tfjs.c, tests/test-onnx.c.) */
static void
test_exports_write_states (void)
{
  int enc, dec, dense;
  g_autoptr (NnModel) m = encoder_decoder ("LSTM", &enc, &dec, &dense);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rnn-state-export-XXXXXX", NULL);
  g_assert_cmpstr (nn_model_find_state_layer (m), ==, "encoder");
  g_assert_true (nn_export_tfjs (m, dir, &error));
  g_assert_no_error (error);
  g_assert_true (nn_export_keras (m, dir, &error));
  g_assert_no_error (error);
  g_assert_true (nn_export_onnx (m, dir, &error));
  g_assert_no_error (error);
  g_autofree char *json = flat_file (dir, "model.json");
  g_assert_nonnull (strstr (json, "\"return_state\":true"));
  g_assert_nonnull (strstr (json, "[[\"dec_in\",0,0,{}],[\"encoder\",0,1,{}],"
                                  "[\"encoder\",0,2,{}]]"));
  g_autofree char *py = flat_file (dir, "model.py");
  g_assert_nonnull (strstr (py, "encoder,encoder_h,encoder_c=encoder_layer(enc_in)"));
  g_assert_nonnull (strstr (py, "decoder=decoder_layer(dec_in,initial_state=[encoder_h,"
                                "encoder_c])"));
  g_autofree char *onnx = g_build_filename (dir, "model.onnx", NULL);
  g_assert_true (g_file_test (onnx, G_FILE_TEST_IS_REGULAR));

  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  g_autoptr (NnModel) back = nn_import_keras (path, NULL, &error);
  g_assert_no_error (error);
  int d2 = nn_model_find_layer (back, "decoder");
  g_assert_cmpint (nn_model_call_get_n_inputs (back, d2, 0), ==, 3);
  g_assert_cmpint (nn_model_call_get_input (back, d2, 0, 2).out, ==, 2);
  assert_same_predictions (m, back, 2);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  gboolean selected = test_args_select (argc, argv);
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/rnn-state/shapes", test_shapes);
  g_test_add_func ("/engine/rnn-state/values", test_state_values);
  g_test_add_func ("/engine/rnn-state/initial-state", test_initial_state_used);
  g_test_add_func ("/engine/rnn-state/model-gradients", test_model_gradients);
  g_test_add_func ("/engine/rnn-state/bidirectional", test_bidirectional_initial_state);
  g_test_add_func ("/engine/rnn-state/file", test_file_round_trip);
  g_test_add_func ("/engine/rnn-state/errors", test_errors);
  g_test_add_func ("/engine/rnn-state/exports-write-states", test_exports_write_states);
  int ret = g_test_run ();
  if (!selected && ret == 0)
    test_assert_grad_checked (NN_OP_SLICE, NN_OP_SLICE + 1);
  return ret;
}
