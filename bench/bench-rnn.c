/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-rnn: training speed of recurrent text classifiers, engine against
 * PyTorch, in the same run.
 *
 * Models (batch 128, sequences of 500 token ids, one sigmoid output, binary
 * cross-entropy, RMSprop lr 0.001):
 *   lstm     Embedding (10000, 32) → LSTM (32) → Dense (1, sigmoid)
 *   gru      Embedding (10000, 32) → GRU (32) → Dense (1, sigmoid)
 *   conv1d   Embedding (10000, 128) → Conv1D (32, 7, relu) → MaxPooling1D (5)
 *            → Conv1D (32, 7, relu) → GlobalMaxPooling1D → Dense (1, sigmoid)
 *   lstm-x   (500, 32) floats → LSTM (32) → Dense (1, sigmoid): the recurrent
 *            op without the embedding
 * The data are random token ids (1..9999) and labels, a pool of a few
 * batches generated alike on both sides: the speed does not depend on them.
 * The engine runs its training step through the private API (as bench-mlp's
 * engine-step); PyTorch (bench/torch_rnn.py, the same models with
 * nn.Embedding, nn.LSTM / nn.GRU with batch_first, nn.Conv1d) runs in one
 * child process with the engine's OpenBLAS kernel and thread count, and the
 * two take turns in chunks of steps, round after round, so both see the same
 * machine load; ratios are taken per round before their median.
 *
 * Beside the clock, each side's CPU time over its own steps is read (the
 * engine's process with getrusage, all its threads; the PyTorch child's
 * from /proc/PID/stat): on a machine shared with other work a side's wall
 * time depends on what else ran, its CPU time much less, so the ratio of
 * CPU time per step is printed too. It counts every thread's busy time,
 * waiting spins included, on both sides.
 *
 * Character generation ("generate"), batch 1: Embedding (60, 32) → LSTM
 * (128) → Dense (60, softmax) over a window of 60 ids, temperature 0.5,
 * through nn_textgen (one compiled graph; each character runs the window
 * through it), against torch_rnn.py's loop as the Keras book writes it
 * (the window through the model under no_grad, numpy's reweighting and
 * multinomial draw): characters/s, goal >= 3x; and the engine's stateful
 * route (nn_textgen_set_stateful: the LSTM state carried, one step per
 * character) against the same PyTorch loop. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-common.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_rnn.py"
#endif

#define BATCH  128
#define STEPS  500
#define VOCAB  10000
#define POOL   4      /* batches of data, used in turn */

static BenchOptions opt = { .steps = 20, .warmup = 3, .rounds = 3 };
static int opt_chunk = 5;
static char *opt_models = NULL;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Timed training steps per round and model (20)", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup, "Untimed steps before each round (3)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (3)", "N" },
  { "chunk", 'c', 0, G_OPTION_ARG_INT, &opt_chunk, "Steps per turn, the sides alternating (5)", "N" },
  { "models", 'm', 0, G_OPTION_ARG_STRING, &opt_models, "Comma-separated: lstm,gru,conv1d,lstm-x,generate (all)", "LIST" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "A few steps and one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "ops", 0, 0, G_OPTION_ARG_NONE, &opt.ops, "Also time every op of the step (engine)", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_rnn.py)", "PATH" },
  { NULL }
};

/* The order torch_rnn.py numbers them in. */
static const char *const model_names[] = { "lstm", "gru", "conv1d", "lstm-x" };
#define N_MODELS 4

/* ---- the models --------------------------------------------------------------- */

static int
add (NnModel *m, const char *cls, int from, const char *const *kv, GError **error)
{
  int l = nn_model_add_layer (m, cls, NULL, error);
  if (l < 0)
    return -1;
  for (int k = 0; kv && kv[k]; k += 2)
    if (!nn_model_layer_set_param (m, l, kv[k], kv[k + 1], error))
      return -1;
  if (from >= 0 && !nn_model_connect (m, (NnRef) { from, 0 }, l, 0, error))
    return -1;
  return l;
}

static NnModel *
build_model (int which, guint64 seed, GError **error)
{
  g_autoptr (NnModel) m = nn_model_new (model_names[which]);
  g_autofree char *steps = g_strdup_printf ("%d", STEPS);
  g_autofree char *seq_shape = g_strdup_printf ("%d, 32", STEPS);
  const char *in_kv[] = { "shape", which == 3 ? seq_shape : steps, NULL };
  int x = add (m, "Input", -1, in_kv, error);
  if (x < 0)
    return NULL;
  if (which != 3)
    {
      const char *kv[] = { "input_dim", "10000", "output_dim", which == 2 ? "128" : "32", NULL };
      x = add (m, "Embedding", x, kv, error);
    }
  if (x >= 0 && (which == 0 || which == 3))
    {
      const char *kv[] = { "units", "32", NULL };
      x = add (m, "LSTM", x, kv, error);
    }
  else if (x >= 0 && which == 1)
    {
      const char *kv[] = { "units", "32", NULL };
      x = add (m, "GRU", x, kv, error);
    }
  else if (x >= 0)
    {
      const char *conv[] = { "filters", "32", "kernel_size", "7", "activation", "relu", NULL };
      const char *pool[] = { "pool_size", "5", NULL };
      x = add (m, "Conv1D", x, conv, error);
      if (x >= 0)
        x = add (m, "MaxPooling1D", x, pool, error);
      if (x >= 0)
        x = add (m, "Conv1D", x, conv, error);
      if (x >= 0)
        x = add (m, "GlobalMaxPooling1D", x, NULL, error);
    }
  const char *dense[] = { "units", "1", "activation", "sigmoid", NULL };
  if (x >= 0)
    x = add (m, "Dense", x, dense, error);
  if (x < 0)
    return NULL;
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { x, 0 }, NN_LOSS_BINARY_CROSSENTROPY, 1.0, &acc, 1);
  NnOptimizerConfig *o = nn_model_get_optimizer (m);
  nn_optimizer_config_init (o, NN_OPT_RMSPROP);
  o->learning_rate = 0.001;
  if (!nn_model_infer (m, error) || !nn_model_init_weights (m, seed, error))
    return NULL;
  return g_steal_pointer (&m);
}

/* ---- CPU time ----------------------------------------------------------------- */

/* Seconds of CPU (user + system, all threads) this process has used. */
static double
cpu_self_s (void)
{
  struct rusage u;
  getrusage (RUSAGE_SELF, &u);
  return (double) u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6
         + (double) u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

/* Seconds of CPU the process pid has used (fields 14 and 15 of
 * /proc/PID/stat), NAN when unreadable. */
static double
cpu_pid_s (const char *pid)
{
  if (!pid)
    return NAN;
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NAN;
  const char *p = strrchr (text, ')');   /* the name may hold spaces */
  if (!p)
    return NAN;
  g_auto (GStrv) f = g_strsplit (p + 2, " ", -1);
  /* f[0] is field 3 (state): utime is f[11], stime f[12] */
  if (g_strv_length (f) < 13)
    return NAN;
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL))
         / (double) sysconf (_SC_CLK_TCK);
}

/* ---- the engine's step through the private API ------------------------------ */

typedef struct {
  NnModel     *model;
  NnCompiled  *c;
  NnOptimizer *opt;
  double       lr;
  float       *x, *y;    /* POOL batches of inputs and targets */
  size_t       x_size;   /* floats of one batch's input */
  int          next;
  float        loss;
} Stepper;

static gboolean
stepper_init (Stepper *s, int which, guint64 seed, GError **error)
{
  memset (s, 0, sizeof *s);
  s->model = build_model (which, seed, error);
  if (!s->model)
    return FALSE;
  NnRng rng;
  nn_rng_seed (&rng, seed);
  s->c = nn_compile (s->model, BATCH, NN_COMPILE_TRAIN, &rng, error);
  if (!s->c)
    return FALSE;
  s->opt = nn_optimizer_new (nn_model_get_optimizer (s->model), s->c->n_grads);
  s->lr = nn_model_get_optimizer (s->model)->learning_rate;
  nn_graph_set_batch (s->c->g, BATCH);
  s->x_size = s->c->g->nodes[s->c->input_nodes[0]].size;
  s->x = g_new (float, s->x_size * POOL);
  s->y = g_new (float, (size_t) BATCH * POOL);
  for (size_t i = 0; i < s->x_size * POOL; i++)
    s->x[i] = which == 3 ? nn_rng_uniform (&rng) * 2 - 1 : (float) (1 + nn_rng_below (&rng, VOCAB - 1));
  for (size_t i = 0; i < (size_t) BATCH * POOL; i++)
    s->y[i] = (float) nn_rng_below (&rng, 2);
  return TRUE;
}

static void
stepper_clear (Stepper *s)
{
  g_clear_pointer (&s->opt, nn_optimizer_free);
  g_clear_pointer (&s->c, nn_compiled_free);
  g_clear_pointer (&s->model, nn_model_free);
  g_clear_pointer (&s->x, g_free);
  g_clear_pointer (&s->y, g_free);
}

static void
stepper_step (Stepper *s)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  int k = s->next++ % POOL;
  memcpy (g->nodes[c->input_nodes[0]].value, s->x + (size_t) k * s->x_size,
          s->x_size * sizeof (float));
  memcpy (g->nodes[c->target_nodes[0]].value, s->y + (size_t) k * BATCH, BATCH * sizeof (float));
  nn_graph_forward_to (g, c->loss_node);
  s->loss = g->nodes[c->loss_node].value[0];
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_backward (g, c->loss_node);
  nn_optimizer_step (s->opt, c, s->lr);
}

static void
stepper_chunk (Stepper *s, int n, double *dt)
{
  double t = bench_now_s ();
  for (int i = 0; i < n; i++)
    {
      stepper_step (s);
      double t1 = bench_now_s ();
      if (dt)
        dt[i] = t1 - t;
      t = t1;
    }
}

/* Where a step's time goes, per op (the graph's own op clock). */
static void
stepper_profile (Stepper *s, const char *name, int steps)
{
  NnGraph *g = s->c->g;
  g->op_seconds = g_new0 (double, 2 * (size_t) g->n_nodes);
  double t0 = bench_now_s (), c0 = cpu_self_s ();
  stepper_chunk (s, steps, NULL);
  double total = bench_now_s () - t0, cpu = cpu_self_s () - c0;
  printf ("\n%s: one step's time by op (ms per step, mean of %d steps):\n", name, steps);
  double k = 1e3 / steps;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->op_seconds[2 * i] > 0 || g->op_seconds[2 * i + 1] > 0)
      printf ("  %-4d %-22s %-28s forward %8.3f  backward %8.3f\n", i,
              nn_op_info (g->nodes[i].op)->name, g->nodes[i].label ? g->nodes[i].label : "",
              g->op_seconds[2 * i] * k, g->op_seconds[2 * i + 1] * k);
  printf ("  total %.3f ms per step (%.0f samples/s); CPU %.3f ms per step (%.0f samples per "
          "CPU-second)\n", total * k, steps * BATCH / total, cpu * k, steps * BATCH / cpu);
  g_clear_pointer (&g->op_seconds, g_free);
}

/* ---- PyTorch ------------------------------------------------------------------ */

/* "steps MODEL N" -> "result T1 ... TN LOSS" */
static gboolean
torch_chunk (BenchTorch *t, int which, int n, double *dt, double *loss, GError **error)
{
  g_autofree char *cmd = g_strdup_printf ("steps %d %d\n", which, n);
  g_autofree double *v = g_new (double, (size_t) n + 1);
  if (!bench_torch_ask (t, cmd, v, n + 1, error))
    return FALSE;
  if (dt)
    memcpy (dt, v, (size_t) n * sizeof *dt);
  *loss = v[n];
  return TRUE;
}


/* ---- the same numbers as PyTorch ------------------------------------------------ */

/* Weights and inputs both sides compute alike, in Keras's layouts: value k
 * of array `which` (0 kernel, 1 recurrent kernel, 2 bias, 3 input). */
static float
check_value (int which, int k)
{
  return (float) (0.5 * sin (0.37 * k + 1.3 * which + 0.2));
}

#define CHECK_B 3
#define CHECK_T 6
#define CHECK_F 5
#define CHECK_U 4

/* One LSTM (cell 0), GRU (1) and GRU without reset_after (2) with the
 * formula's weights over the formula's input, return_sequences: the
 * engine's output against PyTorch's nn.LSTM / nn.GRU given the same
 * weights converted from Keras's layout (torch_rnn.py "check CELL").
 * PyTorch has no GRU with the reset gate before the product, so cell 2
 * runs the engine only, against the formulas on the PyTorch side. Returns
 * the largest difference, NAN on failure. */
static double
check_against_torch (BenchTorch *t, int cell, GError **error)
{
  g_autoptr (NnModel) m = nn_model_new ("check");
  const char *in_kv[] = { "shape", G_STRINGIFY (CHECK_T) ", " G_STRINGIFY (CHECK_F), NULL };
  const char *kv[] = { "units", G_STRINGIFY (CHECK_U), "return_sequences", "true",
                       cell ? "reset_after" : NULL, cell == 2 ? "false" : "true", NULL };
  int x = add (m, "Input", -1, in_kv, error);
  int l = x >= 0 ? add (m, cell == 0 ? "LSTM" : "GRU", x, kv, error) : -1;
  if (l < 0)
    return NAN;
  nn_model_add_output (m, (NnRef) { l, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  if (!nn_model_init_weights (m, 1, error))
    return NAN;
  for (int w = 0; w < nn_model_layer_get_n_weights (m, l); w++)
    {
      NnTensor v;
      nn_model_layer_get_weight (m, l, w, &v);
      for (size_t k = 0; k < v.size; k++)
        v.data[k] = check_value (w, (int) k);
    }
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = nn_compile (m, CHECK_B, 0, &rng, error);
  if (!c)
    return NAN;
  NnNode *xn = &c->g->nodes[c->input_nodes[0]];
  for (size_t k = 0; k < xn->size; k++)
    xn->value[k] = check_value (3, (int) k);
  nn_graph_forward (c->g);
  NnNode *y = &c->g->nodes[c->call_nodes[l][0]];
  int n = CHECK_B * CHECK_T * CHECK_U;
  g_autofree double *v = g_new (double, n);
  g_autofree char *cmd = g_strdup_printf ("check %d\n", cell);
  double worst = NAN;
  if (bench_torch_ask (t, cmd, v, n, error))
    {
      worst = 0;
      for (int k = 0; k < n; k++)
        worst = MAX (worst, fabs (v[k] - y->value[k]));
    }
  nn_compiled_free (c);
  return worst;
}

/* ---- character generation -------------------------------------------------------- */

#define GEN_VOCAB  60
#define GEN_WINDOW 60
#define GEN_TEMPERATURE 0.5

/* Input (60 ids) → Embedding (60, 32) → LSTM (128) → Dense (60, softmax), and
 * its generator over a vocabulary of padding, unknown and 58 characters. */
static NnTextGen *
gen_new (guint64 seed, GError **error)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;!?\n";
  g_autoptr (NnModel) m = nn_model_new ("chars");
  g_autofree char *window = g_strdup_printf ("%d", GEN_WINDOW);
  g_autofree char *vocab = g_strdup_printf ("%d", GEN_VOCAB);
  const char *in_kv[] = { "shape", window, NULL };
  const char *emb_kv[] = { "input_dim", vocab, "output_dim", "32", NULL };
  const char *lstm_kv[] = { "units", "128", NULL };
  const char *out_kv[] = { "units", vocab, "activation", "softmax", NULL };
  int l = add (m, "Input", -1, in_kv, error);
  if (l < 0 || (l = add (m, "Embedding", l, emb_kv, error)) < 0
      || (l = add (m, "LSTM", l, lstm_kv, error)) < 0
      || (l = add (m, "Dense", l, out_kv, error)) < 0 || !nn_model_init_weights (m, seed, error))
    return NULL;
  const char *tokens[GEN_VOCAB] = { "", "[UNK]" };
  char one[GEN_VOCAB][2];
  for (int i = 2; i < GEN_VOCAB; i++)
    {
      one[i][0] = chars[i - 2];
      one[i][1] = 0;
      tokens[i] = one[i];
    }
  return nn_textgen_new_with_tokens (m, tokens, GEN_VOCAB, error);
}

/* n characters on the engine's side: seconds. */
static double
gen_chars (NnTextGen *g, int n, GError **error)
{
  const double t = GEN_TEMPERATURE;
  if (!nn_textgen_start (g, "the ", &t, 1, 1, NULL, error))
    return NAN;
  double t0 = bench_now_s ();
  if (!nn_textgen_run (g, n, NULL, NULL, error))
    return NAN;
  return bench_now_s () - t0;
}

/* "generate N" -> "result SECONDS" */
static double
torch_gen_chars (BenchTorch *t, int n, GError **error)
{
  g_autofree char *cmd = g_strdup_printf ("generate %d\n", n);
  double v = NAN;
  if (!bench_torch_ask (t, cmd, &v, 1, error))
    return NAN;
  return v;
}

/* Rounds of n characters on each side, taking turns; the medians of
 * characters/s and of the rounds' ratios. */
static void
bench_generation (BenchTorch *torch, gboolean *have_torch, double *med, double *med_torch,
                  double *ratio, double *med_state, double *ratio_state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTextGen) g = gen_new (1, &error);
  g_autoptr (NnTextGen) gs = g ? gen_new (1, &error) : NULL;
  *med = *med_torch = *ratio = *med_state = *ratio_state = NAN;
  if (!g || !gs || !nn_textgen_set_stateful (gs, TRUE, &error))
    {
      g_printerr ("bench-rnn: generate: %s\n", error->message);
      return;
    }
  int n = opt.quick ? 5 : 200;
  g_autofree double *r_eng = g_new (double, opt.rounds);
  g_autofree double *r_torch = g_new (double, opt.rounds);
  g_autofree double *q = g_new (double, opt.rounds);
  g_autofree double *r_state = g_new (double, opt.rounds);
  g_autofree double *q_state = g_new (double, opt.rounds);
  gen_chars (g, opt.quick ? 1 : 20, NULL);
  gen_chars (gs, opt.quick ? 1 : 20, NULL);
  if (*have_torch && !isfinite (torch_gen_chars (torch, opt.quick ? 1 : 20, &error)))
    {
      printf ("torch: failed: %s\n", error ? error->message : "no time");
      g_clear_error (&error);
      *have_torch = FALSE;
    }
  for (int r = 0; r < opt.rounds; r++)
    {
      double de = NAN, dt = NAN;
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            {
              de = gen_chars (g, n, &error);
              if (!isfinite (de))
                {
                  g_printerr ("bench-rnn: generate: %s\n", error ? error->message : "failed");
                  return;
                }
            }
          else if (*have_torch)
            {
              dt = torch_gen_chars (torch, n, &error);
              if (!isfinite (dt))
                {
                  printf ("torch: failed: %s\n", error ? error->message : "no time");
                  g_clear_error (&error);
                  *have_torch = FALSE;
                }
            }
        }
      /* The stateful route writes 10 times as many: it is that much faster. */
      double ds = gen_chars (gs, 10 * n, &error);
      r_eng[r] = n / de;
      r_torch[r] = *have_torch ? n / dt : NAN;
      q[r] = r_eng[r] / r_torch[r];
      r_state[r] = 10 * n / ds;
      q_state[r] = r_state[r] / r_torch[r];
      printf ("%-8s round %d: engine %7.0f  stateful %7.0f  torch %7.0f characters/s "
              "(batch 1, window %d)\n", "generate", r + 1, r_eng[r], r_state[r], r_torch[r],
              GEN_WINDOW);
      fflush (stdout);
    }
  *med = bench_median (r_eng, opt.rounds);
  *med_torch = bench_median (r_torch, opt.rounds);
  *ratio = bench_median (q, opt.rounds);
  *med_state = bench_median (r_state, opt.rounds);
  *ratio_state = bench_median (q_state, opt.rounds);
}

/* ---- main ---------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("— recurrent text classifiers: engine vs PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-rnn: %s\n", error->message);
      return 2;
    }
  bench_options_settle (&opt, 2);
  if (opt.quick)
    opt.warmup = 1;
  opt_chunk = MAX (opt_chunk, 1);
  const guint64 seed = 1;

  gboolean wanted[N_MODELS], wanted_gen = opt_models == NULL;
  for (int k = 0; k < N_MODELS; k++)
    wanted[k] = opt_models == NULL;
  if (opt_models)
    {
      g_auto (GStrv) names = g_strsplit (opt_models, ",", -1);
      for (int i = 0; names[i]; i++)
        {
          int k = 0;
          if (g_str_equal (g_strstrip (names[i]), "generate"))
            {
              wanted_gen = TRUE;
              continue;
            }
          while (k < N_MODELS && !g_str_equal (g_strstrip (names[i]), model_names[k]))
            k++;
          if (k == N_MODELS)
            {
              g_printerr ("bench-rnn: no model “%s”; choose among lstm, gru, conv1d, lstm-x, "
                          "generate\n",
                          names[i]);
              return 2;
            }
          wanted[k] = TRUE;
        }
    }

  printf ("recurrent text classifiers, batch %d, %d steps per sequence, RMSprop, "
          "binary cross-entropy\n", BATCH, STEPS);
  printf ("engine: OpenBLAS core %s, %d threads\n", nn_blas_core_name (), nn_blas_threads ());
  BenchTorch torch;
  gboolean have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, BATCH);
  const char *torch_pid = have_torch ? g_subprocess_get_identifier (torch.proc) : NULL;

  int rc = 0;
  if (have_torch)
    for (int cell = 0; cell < 3; cell++)
      {
        static const char *const names[] = { "LSTM", "GRU", "GRU reset_after=false" };
        double d = check_against_torch (&torch, cell, &error);
        printf ("same numbers: %-22s largest difference from PyTorch %.2e%s\n", names[cell], d,
                cell == 2 ? " (the formulas in numpy)" : "");
        if (!(d < 1e-5))
          {
            g_printerr ("bench-rnn: %s differs from PyTorch by %g%s%s\n", names[cell], d,
                        error ? ": " : "", error ? error->message : "");
            g_clear_error (&error);
            rc = 1;
          }
      }
  double med[N_MODELS], med_torch[N_MODELS], ratio[N_MODELS];
  double cmed[N_MODELS], cmed_torch[N_MODELS], cratio[N_MODELS];
  double *dt = g_new (double, opt.steps), *dt_torch = g_new (double, opt.steps);
  double *r_eng = g_new (double, opt.rounds), *r_torch = g_new (double, opt.rounds);
  double *q = g_new (double, opt.rounds);
  double *c_eng = g_new (double, opt.rounds), *c_torch = g_new (double, opt.rounds);
  double *cq = g_new (double, opt.rounds);
  for (int which = 0; which < N_MODELS; which++)
    {
      med[which] = med_torch[which] = ratio[which] = NAN;
      cmed[which] = cmed_torch[which] = cratio[which] = NAN;
      if (!wanted[which])
        continue;
      Stepper st;
      if (!stepper_init (&st, which, seed, &error))
        {
          g_printerr ("bench-rnn: %s: %s\n", model_names[which], error->message);
          g_clear_error (&error);
          stepper_clear (&st);
          rc = 1;
          continue;
        }
      if (opt.ops)
        stepper_profile (&st, model_names[which], opt.steps);
      int chunk = MIN (opt_chunk, opt.steps);
      for (int r = 0; r < opt.rounds; r++)
        {
          double torch_loss = NAN;
          r_eng[r] = r_torch[r] = q[r] = NAN;
          double cpu_eng = 0, cpu_torch = 0;
          stepper_chunk (&st, opt.warmup, NULL);
          if (have_torch && !torch_chunk (&torch, which, opt.warmup, NULL, &torch_loss, &error))
            {
              printf ("torch: failed: %s\n", error->message);
              g_clear_error (&error);
              have_torch = FALSE;
            }
          for (int done = 0, k = 0; done < opt.steps; done += chunk, k++)
            {
              int n = MIN (chunk, opt.steps - done);
              for (int turn = 0; turn < 2; turn++)
                {
                  if (bench_engine_turn (turn, k + r))
                    {
                      double c0 = cpu_self_s ();
                      stepper_chunk (&st, n, dt + done);
                      cpu_eng += cpu_self_s () - c0;
                    }
                  else if (have_torch)
                    {
                      double c0 = cpu_pid_s (torch_pid);
                      if (!torch_chunk (&torch, which, n, dt_torch + done, &torch_loss, &error))
                        {
                          printf ("torch: failed: %s\n", error->message);
                          g_clear_error (&error);
                          have_torch = FALSE;
                        }
                      cpu_torch += cpu_pid_s (torch_pid) - c0;
                    }
                  g_usleep (opt.quick ? 1000 : 50000);
                }
            }
          r_eng[r] = opt.steps * (double) BATCH / bench_sum (dt, opt.steps);
          if (have_torch)
            r_torch[r] = opt.steps * (double) BATCH / bench_sum (dt_torch, opt.steps);
          q[r] = r_eng[r] / r_torch[r];
          c_eng[r] = opt.steps * (double) BATCH / cpu_eng;
          c_torch[r] = have_torch ? opt.steps * (double) BATCH / cpu_torch : NAN;
          cq[r] = c_eng[r] / c_torch[r];
          printf ("%-7s round %d: engine %7.0f  torch %7.0f samples/s;  losses %.4f / %.4f\n",
                  model_names[which], r + 1, r_eng[r], r_torch[r], st.loss, torch_loss);
          printf ("%-7s         CPU: engine %7.1f  torch %7.1f ms per step (ratio %.2f)\n",
                  "", cpu_eng * 1e3 / opt.steps, cpu_torch * 1e3 / opt.steps, cq[r]);
          fflush (stdout);
        }
      if (!isfinite (st.loss))
        {
          g_printerr ("bench-rnn: %s: the engine's loss is not finite\n", model_names[which]);
          rc = 1;
        }
      med[which] = bench_median (r_eng, opt.rounds);
      med_torch[which] = bench_median (r_torch, opt.rounds);
      ratio[which] = bench_median (q, opt.rounds);
      cmed[which] = bench_median (c_eng, opt.rounds);
      cmed_torch[which] = bench_median (c_torch, opt.rounds);
      cratio[which] = bench_median (cq, opt.rounds);
      stepper_clear (&st);
    }

  double gen = NAN, gen_torch = NAN, gen_ratio = NAN, gen_state = NAN, gen_state_ratio = NAN;
  if (wanted_gen)
    {
      bench_generation (&torch, &have_torch, &gen, &gen_torch, &gen_ratio, &gen_state,
                        &gen_state_ratio);
      if (!isfinite (gen))
        rc = 1;
    }

  printf ("\nmedians over %d round%s (a ratio is the median of the rounds' engine/torch):\n",
          opt.rounds, opt.rounds == 1 ? "" : "s");
  printf ("  %-22s %12s %12s  %-10s %7s\n", "", "engine", "torch", "unit", "ratio");
  for (int which = 0; which < N_MODELS; which++)
    if (wanted[which])
      {
        g_autofree char *what = g_strdup_printf ("%s training", model_names[which]);
        bench_ratio_line (what, med[which], med_torch[which], "samples/s", 3.0, TRUE);
        if (isfinite (ratio[which]))
          printf ("  %-22s per-round ratio %.2f\n", "", ratio[which]);
        g_autofree char *cwhat = g_strdup_printf ("%s by CPU time", model_names[which]);
        bench_ratio_line (cwhat, cmed[which], cmed_torch[which], "samples/CPU-s", 3.0, TRUE);
        if (isfinite (cratio[which]))
          printf ("  %-22s per-round ratio %.2f\n", "", cratio[which]);
      }
  if (wanted_gen)
    {
      bench_ratio_line ("generation, batch 1", gen, gen_torch, "chars/s", 3.0, TRUE);
      if (isfinite (gen_ratio))
        printf ("  %-22s per-round ratio %.2f\n", "", gen_ratio);
      bench_ratio_line ("generation, stateful", gen_state, gen_torch, "chars/s", 3.0, TRUE);
      if (isfinite (gen_state_ratio))
        printf ("  %-22s per-round ratio %.2f\n", "", gen_state_ratio);
    }
  g_free (dt);
  g_free (dt_torch);
  g_free (r_eng);
  g_free (r_torch);
  g_free (q);
  g_free (c_eng);
  g_free (c_torch);
  g_free (cq);
  bench_torch_stop (&torch);
  return rc;
}
