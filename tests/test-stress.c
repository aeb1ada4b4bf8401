/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Trainer stress: hundreds of random start / pause / step / resume /
 * learning-rate / runtime-parameter / stop / free cycles on a tiny model.
 * Every cycle must end with a model or an error, and within a time limit:
 * a watchdog thread aborts the test (naming the cycle and the seed) when a
 * cycle hangs, rather than letting the test hang until its timeout.
 *
 * DEEPSCOPE_STRESS_CYCLES sets the number of cycles (default 500),
 * DEEPSCOPE_STRESS_SEED the seed of the random sequence (default: random,
 * printed, so a failure can be replayed). */
#include <stdlib.h>

#include "nn.h"

/* No cycle of this tiny model takes more than a fraction of a second; the
 * limit is generous for sanitizer builds on busy machines. */
#define CYCLE_LIMIT_S 60

typedef struct {
  GMutex  lock;
  GCond   cond;
  gint64  deadline;   /* monotonic µs; 0: no cycle running */
  int     cycle;
  guint32 seed;
  gboolean done;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;
  g_mutex_lock (&w->lock);
  while (!w->done)
    {
      gint64 now = g_get_monotonic_time ();
      if (w->deadline && now > w->deadline)
        g_error ("cycle %d has not ended after %d s: a deadlock? (replay with "
                 "DEEPSCOPE_STRESS_SEED=%u)", w->cycle, CYCLE_LIMIT_S, w->seed);
      g_cond_wait_until (&w->cond, &w->lock, now + 100 * G_TIME_SPAN_MILLISECOND);
    }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
watchdog_arm (Watchdog *w, int cycle)
{
  g_mutex_lock (&w->lock);
  w->cycle = cycle;
  w->deadline = g_get_monotonic_time () + CYCLE_LIMIT_S * G_TIME_SPAN_SECOND;
  g_mutex_unlock (&w->lock);
}

/* Input(2) -> Dense(8, relu) -> Dropout -> Dense(2, softmax), Adam. */
static NnModel *
tiny_model (void)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("tiny");
  int in = nn_model_add_layer (m, "Input", "points", &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", &error));
  int h = nn_model_add_layer (m, "Dense", "hidden", &error);
  g_assert_true (nn_model_layer_set_param (m, h, "units", "8", &error));
  g_assert_true (nn_model_layer_set_param (m, h, "activation", "relu", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, h, 0, &error));
  int d = nn_model_add_layer (m, "Dropout", "drop", &error);
  g_assert_true (nn_model_connect (m, (NnRef) { h, 0 }, d, 0, &error));
  int out = nn_model_add_layer (m, "Dense", "out", &error);
  g_assert_true (nn_model_layer_set_param (m, out, "units", "2", &error));
  g_assert_true (nn_model_layer_set_param (m, out, "activation", "softmax", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { d, 0 }, out, 0, &error));
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { out, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, &acc, 1);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

typedef struct {
  int finished;       /* FINISHED events seen */
  gboolean finished_error;
} Drained;

static void
drain (NnTrainer *t, Drained *d)
{
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_FINISHED)
        {
          d->finished++;
          d->finished_error = e->error != NULL;
        }
      nn_event_free (e);
    }
}

typedef struct {
  int joined_model, joined_error, freed_running, running_at_end;
  int actions[8];
} Tally;

enum { ACT_PAUSE, ACT_STEP, ACT_RESUME, ACT_LR, ACT_RATE, ACT_L2, ACT_SLEEP, ACT_POP };

static void
one_cycle (GRand *r, NnModel *m, NnDataset *ds, Tally *tally)
{
  g_autoptr (GError) error = NULL;
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = g_rand_int_range (r, 1, 60);
  cfg.batch_size = g_rand_int_range (r, 2, 40);
  cfg.seed = g_rand_int (r);
  if (g_rand_int_range (r, 0, 4) == 0)
    cfg.kfold = g_rand_int_range (r, 2, 5);
  else if (g_rand_boolean (r))
    cfg.validation_split = 0.25;
  cfg.snapshot_every = g_rand_int_range (r, -1, 3);
  cfg.histograms = g_rand_int_range (r, 0, 4) == 0;
  NnTrainer *t = nn_trainer_new ();
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);

  Drained d = { 0 };
  int n_actions = g_rand_int_range (r, 0, 12);
  for (int a = 0; a < n_actions; a++)
    {
      int act = g_rand_int_range (r, 0, 8);
      tally->actions[act]++;
      switch (act)
        {
        case ACT_PAUSE:
          nn_trainer_pause (t);
          break;
        case ACT_STEP:
          nn_trainer_step (t);
          break;
        case ACT_RESUME:
          nn_trainer_resume (t);
          break;
        case ACT_LR:
          nn_trainer_set_lr (t, g_rand_double_range (r, 1e-4, 0.1));
          break;
        case ACT_RATE:
        case ACT_L2:
          {
            char text[G_ASCII_DTOSTR_BUF_SIZE];
            g_ascii_formatd (text, sizeof text, "%.3f", g_rand_double_range (r, 0, 0.9));
            const char *layer = act == ACT_RATE ? "drop" : "out";
            const char *param = act == ACT_RATE ? "rate" : "kernel_l2";
            /* The run may already be over: the call still answers. */
            g_assert_true (nn_trainer_set_param (t, layer, param, text, &error));
            g_assert_no_error (error);
            break;
          }
        case ACT_SLEEP:
          g_usleep (g_rand_int_range (r, 0, 3000));
          break;
        default:
          drain (t, &d);
          break;
        }
    }

  tally->running_at_end += nn_trainer_is_running (t);
  int ending = g_rand_int_range (r, 0, 3);
  if (ending == 2)
    {
      /* Freed while it may still run: free stops and joins. */
      nn_trainer_free (t);
      tally->freed_running++;
      return;
    }
  if (ending == 0)
    nn_trainer_request_stop (t);
  else
    nn_trainer_resume (t);   /* run to the end */
  gboolean ok = nn_trainer_join (t, &error);
  drain (t, &d);
  g_assert_cmpint (d.finished, ==, 1);
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  if (ok)
    {
      g_assert_no_error (error);
      g_assert_false (d.finished_error);
      g_assert_nonnull (trained);
      g_assert_true (nn_model_has_weights (trained));
      tally->joined_model++;
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_true (d.finished_error);
      tally->joined_error++;
    }
  g_assert_false (nn_trainer_is_running (t));
  nn_trainer_free (t);
}

static void
test_stress_cycles (void)
{
  const char *env = g_getenv ("DEEPSCOPE_STRESS_CYCLES");
  int cycles = env ? atoi (env) : 500;
  g_assert_cmpint (cycles, >, 0);
  env = g_getenv ("DEEPSCOPE_STRESS_SEED");
  guint32 seed = env ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_test_rand_int ();
  g_test_message ("%d cycles, DEEPSCOPE_STRESS_SEED=%u", cycles, seed);

  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("moons:n=400:seed=2", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) m = tiny_model ();
  g_autoptr (GRand) r = g_rand_new_with_seed (seed);

  Watchdog w = { .seed = seed };
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  GThread *dog = g_thread_new ("stress-watchdog", watchdog_thread, &w);

  Tally tally = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  for (int k = 0; k < cycles; k++)
    {
      watchdog_arm (&w, k);
      one_cycle (r, m, ds, &tally);
    }
  double secs = (g_get_monotonic_time () - t0) / 1e6;

  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (dog);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);

  g_test_message ("%d cycles in %.1f s: %d still running when the cycle ended it; %d joined "
                  "with a model, %d with an error, %d freed; actions: %d pause, %d step, %d resume, %d lr, %d rate, %d l2, "
                  "%d sleep, %d pop", cycles, secs, tally.running_at_end, tally.joined_model, tally.joined_error,
                  tally.freed_running, tally.actions[ACT_PAUSE], tally.actions[ACT_STEP],
                  tally.actions[ACT_RESUME], tally.actions[ACT_LR], tally.actions[ACT_RATE],
                  tally.actions[ACT_L2], tally.actions[ACT_SLEEP], tally.actions[ACT_POP]);
  g_assert_cmpint (tally.joined_model + tally.joined_error + tally.freed_running, ==, cycles);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stress/trainer-cycles", test_stress_cycles);
  return g_test_run ();
}
