/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Optimizers against hand-computed Keras updates, learning-rate schedules,
 * and frozen weights staying put. */
#include <math.h>

#include "nn.h"
#include "nn-model-private.h"

/* One Dense(1, linear, no bias) on one input feature: loss = mean((w x - t)^2)
 * so the gradient is known in closed form: g = 2 x (w x - t). */
static NnModel *
one_weight_model (NnOptimizerKind kind)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("w");
  int in = nn_model_add_layer (m, "Input", NULL, &error);
  nn_model_layer_set_param (m, in, "shape", "1", &error);
  int d = nn_model_add_layer (m, "Dense", "d", &error);
  nn_model_layer_set_param (m, d, "units", "1", &error);
  nn_model_layer_set_param (m, d, "use_bias", "false", &error);
  nn_model_layer_set_param (m, d, "activation", "linear", &error);
  nn_model_connect (m, (NnRef) { in, 0 }, d, 0, &error);
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  nn_optimizer_config_init (nn_model_get_optimizer (m), kind);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

/* Runs `steps` updates with x = 2, t = 1 and returns the weight after each. */
static void
run_steps (NnModel *m, int steps, double *w_out)
{
  g_autoptr (GError) error = NULL;
  NnCompiled *c = nn_compile (m, 1, NN_COMPILE_TRAIN, NULL, &error);
  g_assert_no_error (error);
  NnOptimizer *o = nn_optimizer_new (&m->opt, c->n_grads);
  for (int s = 0; s < steps; s++)
    {
      c->g->nodes[c->input_nodes[0]].value[0] = 2.0f;
      c->g->nodes[c->target_nodes[0]].value[0] = 1.0f;
      nn_graph_forward (c->g);
      memset (c->grads, 0, c->n_grads * sizeof (float));
      nn_graph_backward (c->g, c->loss_node);
      nn_optimizer_step (o, c, nn_optimizer_lr_at (&m->opt, s));
      w_out[s] = m->params[0];
    }
  g_assert_cmpint (nn_optimizer_get_steps (o), ==, steps);
  nn_optimizer_free (o);
  nn_compiled_free (c);
}

static double
grad_at (double w)
{
  return 2 * 2.0 * (w * 2.0 - 1.0);
}

static void
test_sgd_momentum_nesterov (void)
{
  for (int nesterov = 0; nesterov < 2; nesterov++)
    {
      g_autoptr (NnModel) m = one_weight_model (NN_OPT_SGD);
      m->opt.learning_rate = 0.05;
      m->opt.momentum = 0.9;
      m->opt.nesterov = nesterov;
      double w = m->params[0], v = 0, got[4];
      run_steps (m, 4, got);
      for (int s = 0; s < 4; s++)
        {
          double g = grad_at (w);
          v = 0.9 * v - 0.05 * g;
          w += nesterov ? 0.9 * v - 0.05 * g : v;
          g_assert_cmpfloat_with_epsilon (got[s], w, 1e-5);
        }
    }
}

static void
test_rmsprop (void)
{
  g_autoptr (NnModel) m = one_weight_model (NN_OPT_RMSPROP);
  double w = m->params[0], ms = 0, got[5];
  run_steps (m, 5, got);
  for (int s = 0; s < 5; s++)
    {
      double g = grad_at (w);
      ms = 0.9 * ms + 0.1 * g * g;
      w -= 0.001 * g / (sqrt (ms) + 1e-7);
      g_assert_cmpfloat_with_epsilon (got[s], w, 1e-5);
    }
}

static void
test_adam (void)
{
  g_autoptr (NnModel) m = one_weight_model (NN_OPT_ADAM);
  m->opt.learning_rate = 0.1;
  double w = m->params[0], m1 = 0, m2 = 0, got[5];
  run_steps (m, 5, got);
  for (int s = 1; s <= 5; s++)
    {
      double g = grad_at (w);
      m1 = 0.9 * m1 + 0.1 * g;
      m2 = 0.999 * m2 + 0.001 * g * g;
      double lr_t = 0.1 * sqrt (1 - pow (0.999, s)) / (1 - pow (0.9, s));
      w -= lr_t * m1 / (sqrt (m2) + 1e-7);
      g_assert_cmpfloat_with_epsilon (got[s - 1], w, 1e-5);
    }
}

static void
test_schedules (void)
{
  NnOptimizerConfig c;
  nn_optimizer_config_init (&c, NN_OPT_SGD);
  c.learning_rate = 0.1;
  g_assert_cmpfloat (nn_optimizer_lr_at (&c, 1000), ==, 0.1);
  c.schedule = NN_SCHEDULE_STEP;
  c.decay_steps = 10;
  c.decay_rate = 0.5;
  g_assert_cmpfloat_with_epsilon (nn_optimizer_lr_at (&c, 9), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (nn_optimizer_lr_at (&c, 10), 0.05, 1e-12);
  g_assert_cmpfloat_with_epsilon (nn_optimizer_lr_at (&c, 25), 0.025, 1e-12);
  c.schedule = NN_SCHEDULE_EXPONENTIAL;
  g_assert_cmpfloat_with_epsilon (nn_optimizer_lr_at (&c, 5), 0.1 * pow (0.5, 0.5), 1e-12);
  g_assert_cmpfloat_with_epsilon (nn_optimizer_lr_at (&c, 20), 0.025, 1e-12);
}

static void
test_frozen_layer_not_updated (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("frozen");
  int in = nn_model_add_layer (m, "Input", NULL, &error);
  nn_model_layer_set_param (m, in, "shape", "4", &error);
  int a = nn_model_add_layer (m, "Dense", "a", &error);
  int b = nn_model_add_layer (m, "Dense", "b", &error);
  nn_model_layer_set_param (m, b, "units", "1", &error);
  nn_model_connect (m, (NnRef) { in, 0 }, a, 0, &error);
  nn_model_connect (m, (NnRef) { a, 0 }, b, 0, &error);
  nn_model_add_output (m, (NnRef) { b, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  nn_model_layer_set_trainable (m, a, FALSE);
  g_assert_true (nn_model_init_weights (m, 2, &error));
  NnTensor wa, wb;
  nn_model_layer_get_weight (m, a, 0, &wa);
  nn_model_layer_get_weight (m, b, 0, &wb);
  g_autoptr (NnTensor) a0 = nn_tensor_copy (&wa);
  g_autoptr (NnTensor) b0 = nn_tensor_copy (&wb);
  g_autoptr (NnDataset) ds = nn_dataset_open ("regression:n=64:features=4", NULL, &error);
  g_assert_no_error (error);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 2;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_true (nn_trainer_join (t, &error));
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  nn_model_infer (trained, NULL);
  nn_model_layer_get_weight (trained, a, 0, &wa);
  nn_model_layer_get_weight (trained, b, 0, &wb);
  g_assert_cmpmem (wa.data, wa.size * 4, a0->data, a0->size * 4);
  gboolean moved = FALSE;
  for (size_t i = 0; i < wb.size; i++)
    moved |= wb.data[i] != b0->data[i];
  g_assert_true (moved);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/optim/sgd-momentum-nesterov", test_sgd_momentum_nesterov);
  g_test_add_func ("/optim/rmsprop", test_rmsprop);
  g_test_add_func ("/optim/adam", test_adam);
  g_test_add_func ("/optim/schedules", test_schedules);
  g_test_add_func ("/optim/frozen-layer-not-updated", test_frozen_layer_not_updated);
  return g_test_run ();
}
