/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ensembles (nn-ensemble.h): the members compiled for inference side by
 * side, each slice of samples gathered from the dataset into each member
 * in turn (the dataset itself is shared, never copied), their outputs
 * averaged with the weights. Members and the ensemble are scored by one
 * small graph of their own: an Input holding the predictions, the target
 * and the members' loss, so every row of the table is measured alike. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-ensemble.h"
#include "nn-train-private.h"

typedef struct {
  NnModel *model;
  char    *name;
  double   weight;   /* as given; normalized when read */
} NnMember;

struct _NnEnsemble {
  GPtrArray *members;   /* NnMember */
};

static void
member_free (NnMember *m)
{
  nn_model_free (m->model);
  g_free (m->name);
  g_free (m);
}

NnEnsemble *
nn_ensemble_new (void)
{
  NnEnsemble *e = g_new0 (NnEnsemble, 1);
  e->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  return e;
}

void
nn_ensemble_free (NnEnsemble *e)
{
  if (e == NULL)
    return;
  g_ptr_array_unref (e->members);
  g_free (e);
}

static NnMember *
member_at (const NnEnsemble *e, int k)
{
  return g_ptr_array_index (e->members, k);
}

int
nn_ensemble_get_n_members (const NnEnsemble *e)
{
  g_return_val_if_fail (e, 0);
  return (int) e->members->len;
}

const char *
nn_ensemble_get_name (const NnEnsemble *e, int k)
{
  g_return_val_if_fail (e && k >= 0 && k < (int) e->members->len, NULL);
  return member_at (e, k)->name;
}

NnModel *
nn_ensemble_get_model (const NnEnsemble *e, int k)
{
  g_return_val_if_fail (e && k >= 0 && k < (int) e->members->len, NULL);
  return member_at (e, k)->model;
}

double
nn_ensemble_get_weight (const NnEnsemble *e, int k)
{
  g_return_val_if_fail (e && k >= 0 && k < (int) e->members->len, 0);
  double sum = 0;
  for (guint i = 0; i < e->members->len; i++)
    sum += member_at (e, (int) i)->weight;
  return sum > 0 ? member_at (e, k)->weight / sum : 0;
}

gboolean
nn_ensemble_set_weights (NnEnsemble *e, const double *weights, int n, GError **error)
{
  g_return_val_if_fail (e && (weights || n == 0), FALSE);
  if (n != (int) e->members->len)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The ensemble has %u members but %d weights were given: give one per member"),
                   e->members->len, n);
      return FALSE;
    }
  double sum = 0;
  for (int k = 0; k < n; k++)
    {
      if (!isfinite (weights[k]) || weights[k] < 0)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The weight of “%s” is %g: weights must be zero or positive"),
                       member_at (e, k)->name, weights[k]);
          return FALSE;
        }
      sum += weights[k];
    }
  if (n > 0 && sum <= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("All the weights are zero: give at least one member a positive weight"));
      return FALSE;
    }
  for (int k = 0; k < n; k++)
    member_at (e, k)->weight = weights[k];
  return TRUE;
}

/* ---- adding members ------------------------------------------------------- */

/* The shape of ref in m (inferred) as text, "(batch, 10)"; NULL if unknown. */
static char *
shape_text (const NnModel *m, NnRef ref)
{
  int nd = 0, shape[NN_MAX_DIMS];
  if (!nn_model_get_shape (m, ref, &nd, shape))
    return NULL;
  return nn_shape_to_string (nd, shape, 1);
}

/* Checks that m alone can be a member: weights, one output, a loss. */
static gboolean
check_alone (NnModel *m, const char *name, GError **error)
{
  if (!nn_model_infer (m, error))
    {
      g_prefix_error (error, "“%s”: ", name);
      return FALSE;
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” has no weights: train it (or open a model file saved with weights)"),
                   name);
      return FALSE;
    }
  if (nn_model_get_n_outputs (m) != 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” has %d outputs: an ensemble averages models with one output"),
                   name, nn_model_get_n_outputs (m));
      return FALSE;
    }
  if (nn_model_output_get_loss (m, 0) == NN_LOSS_NONE)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” has no loss: choose one for its output"), name);
      return FALSE;
    }
  return TRUE;
}

/* Compares shapes of a and b at refs ra, rb; sets error naming b. */
static gboolean
same_shape (const NnModel *a, NnRef ra, const NnModel *b, NnRef rb, const char *what,
            const char *a_name, const char *b_name, GError **error)
{
  g_autofree char *sa = shape_text (a, ra);
  g_autofree char *sb = shape_text (b, rb);
  if (sa && sb && g_str_equal (sa, sb))
    return TRUE;
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               _("“%s” differs from “%s”: its %s is %s, not %s"), b_name, a_name, what,
               sb ? sb : "unknown", sa ? sa : "unknown");
  return FALSE;
}

/* Checks that m (named name) does the task of the first member. */
static gboolean
check_same_task (const NnMember *first, NnModel *m, const char *name, GError **error)
{
  NnModel *f = first->model;
  int n_in = nn_model_get_n_inputs (f);
  if (nn_model_get_n_inputs (m) != n_in)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” differs from “%s”: it takes %d inputs, not %d"), name, first->name,
                   nn_model_get_n_inputs (m), n_in);
      return FALSE;
    }
  for (int k = 0; k < n_in; k++)
    {
      NnRef rf = { nn_model_get_input_layer (f, k), 0, 0 };
      NnRef rm = { nn_model_get_input_layer (m, k), 0, 0 };
      g_autofree char *what = n_in > 1 ? g_strdup_printf ("input %d", k + 1) : g_strdup ("input");
      if (!same_shape (f, rf, m, rm, what, first->name, name, error))
        return FALSE;
    }
  if (!same_shape (f, nn_model_get_output (f, 0), m, nn_model_get_output (m, 0), "output",
                   first->name, name, error))
    return FALSE;
  NnLoss lf = nn_model_output_get_loss (f, 0), lm = nn_model_output_get_loss (m, 0);
  if (lf != lm)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” differs from “%s”: its loss is %s, not %s"), name, first->name,
                   nn_loss_name (lm), nn_loss_name (lf));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_ensemble_add (NnEnsemble *e, const NnModel *m, const char *name, GError **error)
{
  g_return_val_if_fail (e && m, FALSE);
  if (name == NULL)
    name = nn_model_get_name (m);
  g_autoptr (NnModel) copy = nn_model_copy (m);
  if (!check_alone (copy, name, error))
    return FALSE;
  if (e->members->len > 0 && !check_same_task (member_at (e, 0), copy, name, error))
    return FALSE;
  NnMember *mem = g_new0 (NnMember, 1);
  mem->model = g_steal_pointer (&copy);
  mem->name = g_strdup (name);
  mem->weight = 1;
  g_ptr_array_add (e->members, mem);
  return TRUE;
}

void
nn_ensemble_scores_clear (NnEnsembleScores *s)
{
  for (int k = 0; k < s->n_members; k++)
    nn_scores_clear (&s->members[k]);
  g_clear_pointer (&s->members, g_free);
  s->n_members = 0;
  nn_scores_clear (&s->ensemble);
}

/* ---- running the members ---------------------------------------------------- */

/* The members compiled side by side for one pass, and the scoring graph. */
typedef struct {
  int          n;          /* members */
  NnCompiled **c;          /* one per member, for inference */
  double      *w;          /* normalized weights */
  NnModel     *scorer_model;
  NnCompiled  *scorer;     /* NULL when only predicting */
  NnEvalAcc   *acc;        /* n + 1: the members', then the ensemble's */
  size_t       per;        /* output values per sample */
  int          batch;      /* samples per slice */
  double      *mean;       /* (batch, per): the weighted sum of one slice */
} NnEnsembleRun;

static void
run_free (NnEnsembleRun *r)
{
  for (int k = 0; k < r->n && r->c; k++)
    g_clear_pointer (&r->c[k], nn_compiled_free);
  g_free (r->c);
  g_free (r->w);
  g_clear_pointer (&r->scorer, nn_compiled_free);
  g_clear_pointer (&r->scorer_model, nn_model_free);
  g_free (r->acc);
  g_free (r->mean);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnEnsembleRun, run_free)

/* The metric every row of the table shows: accuracy for a classifier,
 * mean absolute error for a regression. */
static NnMetric
main_metric (NnLoss loss)
{
  return loss == NN_LOSS_MSE || loss == NN_LOSS_MAE ? NN_METRIC_MAE : NN_METRIC_ACCURACY;
}

/* A model of one Input of the members' output shape whose output is that
 * Input, with the members' loss: it scores predictions written into it. */
static NnModel *
scorer_new (NnModel *first, GError **error)
{
  NnRef out = nn_model_get_output (first, 0);
  int nd = 0, shape[NN_MAX_DIMS];
  if (!nn_model_get_shape (first, out, &nd, shape))
    g_assert_not_reached ();   /* inferred when added */
  GString *text = g_string_new (NULL);
  for (int k = 0; k < nd; k++)
    g_string_append_printf (text, k ? ",%d" : "%d", shape[k]);
  g_autoptr (NnModel) s = nn_model_new ("ensemble-scores");
  int in = nn_model_add_layer (s, "Input", "predictions", error);
  gboolean ok = in >= 0 && nn_model_layer_set_param (s, in, "shape", text->str, error);
  g_string_free (text, TRUE);
  if (!ok)
    return NULL;
  NnLoss loss = nn_model_output_get_loss (first, 0);
  NnMetric metrics[8] = { main_metric (loss) };
  int n_metrics = 1;
  for (int k = 0; k < nn_model_output_get_n_metrics (first, 0) && n_metrics < 8; k++)
    {
      NnMetric mk = nn_model_output_get_metric (first, 0, k);
      gboolean seen = FALSE;
      for (int j = 0; j < n_metrics; j++)
        seen |= g_str_equal (nn_metric_name (metrics[j]), nn_metric_name (mk));
      if (!seen)
        metrics[n_metrics++] = mk;
    }
  nn_model_add_output (s, (NnRef) { in, 0, 0 }, loss, 1.0, metrics, n_metrics);
  if (!nn_model_infer (s, error))
    return NULL;
  return g_steal_pointer (&s);
}

/* Compiles member k for slices of r->batch samples and checks ds. */
static NnCompiled *
compile_member (NnEnsemble *e, int k, NnDataset *ds, int batch, gboolean targets,
                GError **error)
{
  NnMember *mem = member_at (e, k);
  NnCompiled *c = nn_compile (mem->model, batch, 0, NULL, error);
  if (c && !nn_eval_check_data (c, ds, targets, error))
    g_clear_pointer (&c, nn_compiled_free);
  if (c && c->g->nodes[c->output_nodes[0]].mask >= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” gives a masked sequence: ensembles average one prediction per "
                   "sample or per step without padding"), mem->name);
      g_clear_pointer (&c, nn_compiled_free);
    }
  if (c == NULL)
    g_prefix_error (error, "“%s”: ", mem->name);
  return c;
}

static NnEnsembleRun *
run_new (NnEnsemble *e, NnDataset *ds, size_t n, gboolean score, GError **error)
{
  if (e->members->len == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The ensemble has no members: add trained models"));
      return NULL;
    }
  g_autoptr (NnEnsembleRun) r = g_new0 (NnEnsembleRun, 1);
  r->n = (int) e->members->len;
  r->batch = (int) MIN (n, (size_t) 128);
  r->c = g_new0 (NnCompiled *, r->n);
  r->w = g_new0 (double, r->n);
  for (int k = 0; k < r->n; k++)
    {
      r->w[k] = nn_ensemble_get_weight (e, k);
      r->c[k] = compile_member (e, k, ds, r->batch, score, error);
      if (r->c[k] == NULL)
        return NULL;
    }
  NnNode *p = &r->c[0]->g->nodes[r->c[0]->output_nodes[0]];
  r->per = p->size / (size_t) MAX (p->shape[0], 1);
  r->mean = g_try_new0 (double, r->per * (size_t) r->batch);
  if (r->mean == NULL)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Not enough memory for the ensemble's predictions"));
      return NULL;
    }
  if (!score)
    return g_steal_pointer (&r);
  r->scorer_model = scorer_new (member_at (e, 0)->model, error);
  if (r->scorer_model)
    r->scorer = nn_compile (r->scorer_model, r->batch, 0, NULL, error);
  if (r->scorer == NULL)
    return NULL;
  r->acc = g_new0 (NnEvalAcc, r->n + 1);
  return g_steal_pointer (&r);
}

/* Scores the (b, per) predictions in the scoring graph's input into acc;
 * its targets are already there. */
static void
score_slice (NnEnsembleRun *r, NnEvalAcc *acc, int b)
{
  nn_graph_forward (r->scorer->g);
  nn_eval_accumulate (r->scorer, acc, b);
}

/* Runs every member on samples idx[0..b), scoring each when r scores, and
 * leaves the weighted mean in r->mean. */
static void
run_slice (NnEnsembleRun *r, NnDataset *ds, const guint32 *idx, int b)
{
  size_t count = (size_t) b * r->per;
  float *pred = NULL;
  if (r->scorer)
    {
      NnGraph *sg = r->scorer->g;
      nn_graph_set_batch (sg, b);
      nn_array_gather (ds->targets[0], idx, (size_t) b, sg->nodes[r->scorer->target_nodes[0]].value);
      pred = sg->nodes[r->scorer->input_nodes[0]].value;
    }
  memset (r->mean, 0, count * sizeof (double));
  for (int k = 0; k < r->n; k++)
    {
      NnCompiled *c = r->c[k];
      nn_eval_feed (c, ds, idx, b, FALSE);
      nn_graph_forward_to (c->g, c->output_nodes[0]);
      const float *p = c->g->nodes[c->output_nodes[0]].value;
      for (size_t i = 0; i < count; i++)
        r->mean[i] += r->w[k] * p[i];
      if (pred)
        {
          memcpy (pred, p, count * sizeof (float));
          score_slice (r, &r->acc[k], b);
        }
    }
  if (pred)
    {
      for (size_t i = 0; i < count; i++)
        pred[i] = (float) r->mean[i];
      score_slice (r, &r->acc[r->n], b);
    }
}

gboolean
nn_ensemble_evaluate (NnEnsemble *e, NnDataset *ds, const guint32 *idx, size_t n,
                      NnEnsembleScores *out, NnEnsembleProgress progress,
                      gpointer progress_data, GCancellable *cancel, GError **error)
{
  g_return_val_if_fail (e && ds && out, FALSE);
  if (!nn_eval_samples (ds, &idx, &n, error))
    return FALSE;
  g_autoptr (NnEnsembleRun) r = run_new (e, ds, n, TRUE, error);
  if (r == NULL)
    return FALSE;
  for (size_t i = 0; i < n; i += (size_t) r->batch)
    {
      if (g_cancellable_set_error_if_cancelled (cancel, error))
        return FALSE;
      int b = (int) MIN ((size_t) r->batch, n - i);
      run_slice (r, ds, idx + i, b);
      if (progress)
        progress ((double) (i + (size_t) b) / (double) n, progress_data);
    }
  out->n_members = r->n;
  out->members = g_new0 (NnScores, r->n);
  for (int k = 0; k < r->n; k++)
    nn_eval_acc_to_scores (r->scorer, &r->acc[k], "", &out->members[k]);
  nn_eval_acc_to_scores (r->scorer, &r->acc[r->n], "", &out->ensemble);
  return TRUE;
}

NnTensor *
nn_ensemble_predict (NnEnsemble *e, NnDataset *ds, const guint32 *idx, size_t n,
                     GError **error)
{
  g_return_val_if_fail (e && ds && idx, NULL);
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("No samples to predict"));
      return NULL;
    }
  g_autoptr (NnEnsembleRun) r = run_new (e, ds, n, FALSE, error);
  if (r == NULL)
    return NULL;
  NnNode *p = &r->c[0]->g->nodes[r->c[0]->output_nodes[0]];
  int shape[NN_MAX_DIMS] = { (int) n };
  memcpy (shape + 1, p->shape + 1, sizeof (int) * (size_t) (p->ndim - 1));
  NnTensor *t = nn_tensor_new (p->ndim, shape);
  for (size_t i = 0; i < n; i += (size_t) r->batch)
    {
      int b = (int) MIN ((size_t) r->batch, n - i);
      run_slice (r, ds, idx + i, b);
      for (size_t j = 0; j < (size_t) b * r->per; j++)
        t->data[i * r->per + j] = (float) r->mean[j];
    }
  return t;
}
