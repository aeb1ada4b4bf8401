/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Projections of points (n, d) to 2 or 3 dimensions for the embedding
 * projector: PCA and t-SNE.
 *
 * PCA: the points centred, their covariance (d, d) by one sgemm, its top
 * eigenvectors by LAPACK's dsyevr (asked for those alone), the points
 * projected on them by another sgemm.
 *
 * t-SNE is Barnes-Hut t-SNE (van der Maaten, JMLR 2014): the input
 * affinities kept only between each point and its 3 × perplexity nearest
 * neighbours (exact neighbours, the distances by sgemm a block of rows at
 * a time), each row's Gaussian calibrated to the perplexity by binary
 * search on its precision, symmetrized; the map's repulsion summed over a
 * quadtree (octree in 3-D) whose cells far enough from a point (side /
 * distance < theta) count as one body at their centre of mass. Exact
 * O(n²) repulsion on 5,000 points is 25 million pairs an iteration, a
 * thousand iterations: minutes, where the tree takes seconds. Early
 * exaggeration 12 and momentum 0.5 for the first 250 iterations (a
 * quarter of them when fewer than 1,000), then momentum 0.8; per-coordinate
 * gains (+0.2 when the gradient changes sign, × 0.8 otherwise, at least
 * 0.01). The map starts from N(0, 1e-4²) drawn from the seed, and every
 * sum whose order could vary with the threads is taken per point, then
 * added in point order: the same seed gives the same map. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"
#include "nn-parallel-private.h"

/* LAPACK's symmetric eigensolver (in OpenBLAS; engine/meson.build checks
 * that it is there), Fortran convention: everything by address,
 * column-major, the lengths of the character arguments at the end. */
extern void dsyevr_ (const char *jobz, const char *range, const char *uplo, const int *n,
                     double *a, const int *lda, const double *vl, const double *vu,
                     const int *il, const int *iu, const double *abstol, int *m, double *w,
                     double *z, const int *ldz, int *isuppz, double *work, const int *lwork,
                     int *iwork, const int *liwork, int *info, size_t jobz_len,
                     size_t range_len, size_t uplo_len);

#define TSNE_EXAGGERATION 12.0
#define TSNE_EARLY_ITERATIONS 250
#define TSNE_MOMENTUM_EARLY 0.5
#define TSNE_MOMENTUM 0.8
#define TSNE_MIN_GAIN 0.01
#define TSNE_INIT_SD 1e-4
/* Barnes-Hut's accuracy: a cell counts as one body when its side is below
 * this fraction of its distance (0.5, as in the paper and scikit-learn). */
#define TSNE_THETA 0.5
/* The perplexity's binary search: entropy within this of log (perplexity),
 * or this many steps. */
#define TSNE_ENTROPY_TOL 1e-5
#define TSNE_SEARCH_STEPS 200
/* Tree cells split no deeper than this: points closer than the root's side
 * / 2^40 share a leaf (and its centre of mass). */
#define TREE_MAX_DEPTH 40
/* Rows of the distance matrix computed per sgemm. */
#define KNN_BLOCK 256

void
nn_project_config_init (NnProjectConfig *c)
{
  g_return_if_fail (c != NULL);
  memset (c, 0, sizeof *c);
  c->method = NN_PROJECT_PCA;
  c->dims = 2;
  c->perplexity = 30;
  c->iterations = 1000;
  c->learning_rate = 200;
  c->seed = 0;
}

/* ---- checks --------------------------------------------------------------- */

static gboolean
check_config (const NnTensor *points, const NnProjectConfig *cfg, GError **error)
{
  if (!points || !points->data || points->ndim != 2 || points->shape[1] < 1
      || points->size != (size_t) points->shape[0] * (size_t) points->shape[1])
    {
      g_autofree char *got = points ? nn_shape_to_string (points->ndim, points->shape, 0)
                                    : g_strdup ("nothing");
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The points to project have shape %s: give a matrix (n, features), one "
                   "row per point"),
                   got);
      return FALSE;
    }
  int n = points->shape[0], d = points->shape[1];
  if (n < 2)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("A projection needs at least 2 points, not %d: give more inputs"), n);
      return FALSE;
    }
  if (cfg->dims != 2 && cfg->dims != 3)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("A projection has 2 or 3 dimensions, not %d"), cfg->dims);
      return FALSE;
    }
  for (size_t i = 0; i < points->size; i++)
    if (!isfinite (points->data[i]))
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("Point %zu has a value that is not a number (NaN or infinite) in feature "
                     "%zu: remove that point or fix what produced it"),
                     i / (size_t) d, i % (size_t) d);
        return FALSE;
      }
  if (cfg->method == NN_PROJECT_PCA)
    return TRUE;
  if (cfg->method != NN_PROJECT_TSNE)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There is no projection method %d: choose PCA or t-SNE"), (int) cfg->method);
      return FALSE;
    }
  if (!(cfg->perplexity > 0 && cfg->perplexity <= n - 1))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The perplexity %g is out of range for %d points: it must be above 0 and at "
                   "most %d (the points less one); 5 to 50 suits most data"),
                   cfg->perplexity, n, n - 1);
      return FALSE;
    }
  if (cfg->iterations < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("t-SNE needs at least 1 iteration, not %d (1000 is usual)"), cfg->iterations);
      return FALSE;
    }
  if (!(cfg->learning_rate > 0 && isfinite (cfg->learning_rate)))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The t-SNE learning rate %g must be a positive number (10 to 1000; 200 is "
                   "usual)"),
                   cfg->learning_rate);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cancelled (GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The projection was cancelled"));
  return FALSE;
}

/* The points less their mean, (n, d), the mean taken in double. */
static float *
centred (const NnTensor *points)
{
  int n = points->shape[0], d = points->shape[1];
  double *mean = g_new0 (double, (size_t) d);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      mean[j] += points->data[(size_t) i * (size_t) d + (size_t) j];
  float *x = g_new (float, points->size);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      x[(size_t) i * (size_t) d + (size_t) j]
        = (float) (points->data[(size_t) i * (size_t) d + (size_t) j] - mean[j] / n);
  g_free (mean);
  return x;
}

/* ---- PCA ------------------------------------------------------------------ */

/* The top k eigenpairs of the symmetric matrix a (s, s), ascending: w (k)
 * and z (s, k). FALSE when LAPACK fails. */
static gboolean
top_eigen (double *a, int s, int k, double *w, double *z, int *info)
{
  int il = s - k + 1, iu = s, m = 0, lwork = -1, liwork = -1, iquery = 0;
  double vl = 0, vu = 0, abstol = 0, query = 0;
  g_autofree int *isuppz = g_new0 (int, 2 * (size_t) k);

  *info = 0;
  dsyevr_ ("V", "I", "U", &s, a, &s, &vl, &vu, &il, &iu, &abstol, &m, w, z, &s, isuppz, &query,
           &lwork, &iquery, &liwork, info, 1, 1, 1);
  lwork = MAX ((int) query, 26 * s);
  liwork = MAX (iquery, 10 * s);
  g_autofree double *work = g_new (double, (size_t) lwork);
  g_autofree int *iwork = g_new (int, (size_t) liwork);
  dsyevr_ ("V", "I", "U", &s, a, &s, &vl, &vu, &il, &iu, &abstol, &m, w, z, &s, isuppz, work,
           &lwork, iwork, &liwork, info, 1, 1, 1);
  return *info == 0 && m == k;
}

static NnTensor *
project_pca (const NnTensor *points, int dims, double *explained, GError **error)
{
  int n = points->shape[0], d = points->shape[1], k = MIN (dims, MIN (d, n));
  g_autofree float *x = centred (points);
  double total = 0;
  for (size_t i = 0; i < points->size; i++)
    total += (double) x[i] * x[i];
  total /= n - 1;

  double w[3] = { 0 };
  g_autofree double *z = g_new0 (double, (size_t) d * (size_t) MAX (k, 1));
  int info = 0;
  if (d <= n)
    {
      /* covariance (d, d) = xᵀ x / (n - 1) */
      g_autofree float *cov = g_new (float, (size_t) d * (size_t) d);
      nn_sgemm (CblasTrans, CblasNoTrans, d, d, n, 1.0f / (float) (n - 1), x, d, x, d, 0.0f, cov,
                d);
      g_autofree double *a = g_new (double, (size_t) d * (size_t) d);
      for (size_t i = 0; i < (size_t) d * (size_t) d; i++)
        a[i] = cov[i];
      if (!top_eigen (a, d, k, w, z, &info))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The eigen-decomposition of the points' covariance (%d × %d) failed "
                       "(LAPACK dsyevr: info %d): check the points for huge values"),
                       d, d, info);
          return NULL;
        }
    }
  else
    {
      /* More features than points (a flattened convolution's output): the
       * Gram matrix (n, n) = x xᵀ / (n - 1) has the same nonzero
       * eigenvalues, and xᵀ u, normalized, is the covariance's
       * eigenvector; a (d, d) covariance would not fit. */
      g_autofree float *gram = g_new (float, (size_t) n * (size_t) n);
      nn_sgemm (CblasNoTrans, CblasTrans, n, n, d, 1.0f / (float) (n - 1), x, d, x, d, 0.0f, gram,
                n);
      g_autofree double *a = g_new (double, (size_t) n * (size_t) n);
      for (size_t i = 0; i < (size_t) n * (size_t) n; i++)
        a[i] = gram[i];
      g_autofree double *u = g_new0 (double, (size_t) n * (size_t) k);
      if (!top_eigen (a, n, k, w, u, &info))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The eigen-decomposition of the points' Gram matrix (%d × %d) failed "
                       "(LAPACK dsyevr: info %d): check the points for huge values"),
                       n, n, info);
          return NULL;
        }
      for (int c = 0; c < k; c++)
        {
          double *e = z + (size_t) c * (size_t) d, norm = 0;
          for (int i = 0; i < n; i++)
            {
              double ui = u[(size_t) c * (size_t) n + (size_t) i];
              const float *row = x + (size_t) i * (size_t) d;
              for (int j = 0; j < d; j++)
                e[j] += ui * row[j];
            }
          for (int j = 0; j < d; j++)
            norm += e[j] * e[j];
          norm = sqrt (norm);
          for (int j = 0; j < d && norm > 0; j++)
            e[j] /= norm;
        }
    }

  /* v (d, dims): component c is eigenvector k - 1 - c, its largest
   * coordinate made positive; columns past d stay zero */
  g_autofree float *v = g_new0 (float, (size_t) d * (size_t) dims);
  for (int c = 0; c < dims; c++)
    {
      if (explained)
        explained[c] = 0;
      if (c >= k)
        continue;
      const double *e = z + (size_t) (k - 1 - c) * (size_t) d;
      int big = 0;
      for (int j = 1; j < d; j++)
        if (fabs (e[j]) > fabs (e[big]))
          big = j;
      double s = e[big] < 0 ? -1 : 1;
      for (int j = 0; j < d; j++)
        v[(size_t) j * (size_t) dims + (size_t) c] = (float) (s * e[j]);
      if (explained && total > 0)
        explained[c] = MAX (w[k - 1 - c], 0) / total;
    }
  int shape[2] = { n, dims };
  NnTensor *y = nn_tensor_new (2, shape);
  nn_sgemm (CblasNoTrans, CblasNoTrans, n, dims, d, 1.0f, x, d, v, dims, 0.0f, y->data, dims);
  return y;
}

/* ---- t-SNE: input affinities ---------------------------------------------- */

typedef struct {
  double dist;
  int index;
} Neighbour;

/* A max-heap on (dist, index) of the k nearest so far. */
static gboolean
further (const Neighbour *a, const Neighbour *b)
{
  return a->dist > b->dist || (a->dist == b->dist && a->index > b->index);
}

static void
heap_sift_down (Neighbour *h, int k, int at)
{
  for (;;)
    {
      int l = 2 * at + 1, r = l + 1, top = at;
      if (l < k && further (&h[l], &h[top]))
        top = l;
      if (r < k && further (&h[r], &h[top]))
        top = r;
      if (top == at)
        return;
      Neighbour t = h[at];
      h[at] = h[top];
      h[top] = t;
      at = top;
    }
}

static int
neighbour_cmp (const void *pa, const void *pb)
{
  const Neighbour *a = pa, *b = pb;
  return further (a, b) ? 1 : further (b, a) ? -1 : 0;
}

/* nb (n, k): each point's k nearest other points by squared distance,
 * nearest first, |xi|² + |xj|² - 2 xi·xj with the products by sgemm. */
static void
nearest (const float *x, int n, int d, int k, Neighbour *nb)
{
  double *norm = g_new (double, (size_t) n);
  for (int i = 0; i < n; i++)
    {
      double s = 0;
      for (int j = 0; j < d; j++)
        s += (double) x[(size_t) i * (size_t) d + (size_t) j] * x[(size_t) i * (size_t) d + (size_t) j];
      norm[i] = s;
    }
  int block = MIN (KNN_BLOCK, n);
  float *g = g_new (float, (size_t) block * (size_t) n);
  for (int i0 = 0; i0 < n; i0 += block)
    {
      int b = MIN (block, n - i0);
      nn_sgemm (CblasNoTrans, CblasTrans, b, n, d, 1.0f, x + (size_t) i0 * (size_t) d, d, x, d,
                0.0f, g, n);
      for (int r = 0; r < b; r++)
        {
          int i = i0 + r, have = 0;
          Neighbour *h = nb + (size_t) i * (size_t) k;
          for (int j = 0; j < n; j++)
            {
              if (j == i)
                continue;
              Neighbour c = { MAX (norm[i] + norm[j] - 2.0 * g[(size_t) r * (size_t) n + (size_t) j], 0), j };
              if (have < k)
                {
                  /* fill, then heapify once full */
                  h[have++] = c;
                  if (have == k)
                    for (int at = k / 2 - 1; at >= 0; at--)
                      heap_sift_down (h, k, at);
                }
              else if (further (&h[0], &c))
                {
                  h[0] = c;
                  heap_sift_down (h, k, 0);
                }
            }
          qsort (h, (size_t) k, sizeof *h, neighbour_cmp);
        }
    }
  g_free (g);
  g_free (norm);
}

/* p (k): row i's conditional affinities p_j|i ∝ exp (-beta d_j) over its
 * neighbours (nearest first), beta found by binary search so that the
 * entropy is log (perplexity). */
static void
calibrate_row (const Neighbour *nb, int k, double perplexity, double *p)
{
  double target = log (perplexity), beta = 1, lo = -INFINITY, hi = INFINITY;
  double dmin = nb[0].dist;
  for (int step = 0; step < TSNE_SEARCH_STEPS; step++)
    {
      /* exp (-beta (d - dmin)): the nearest gets 1, so the sum is >= 1 */
      double sum = 0, dsum = 0;
      for (int j = 0; j < k; j++)
        {
          p[j] = exp (-beta * (nb[j].dist - dmin));
          sum += p[j];
          dsum += (nb[j].dist - dmin) * p[j];
        }
      double h = log (sum) + beta * dsum / sum;
      if (fabs (h - target) < TSNE_ENTROPY_TOL)
        break;
      if (h > target)
        {
          lo = beta;
          beta = isinf (hi) ? beta * 2 : (beta + hi) / 2;
        }
      else
        {
          hi = beta;
          beta = isinf (lo) ? beta / 2 : (beta + lo) / 2;
        }
    }
  double sum = 0;
  for (int j = 0; j < k; j++)
    {
      p[j] = exp (-beta * (nb[j].dist - dmin));
      sum += p[j];
    }
  for (int j = 0; j < k; j++)
    p[j] /= sum;
}

/* The symmetric affinities P (sums to 1) in compressed rows. */
typedef struct {
  int *row; /* n + 1 */
  int *col;
  double *val;
} Sparse;

typedef struct {
  int i, j;
  double v;
} Entry;

static int
entry_cmp (const void *pa, const void *pb)
{
  const Entry *a = pa, *b = pb;
  if (a->i != b->i)
    return a->i < b->i ? -1 : 1;
  return a->j < b->j ? -1 : a->j > b->j ? 1 : 0;
}

/* P_ij = (p_j|i + p_i|j) / 2n over the union of the neighbour lists. */
static void
affinities (const float *x, int n, int d, double perplexity, Sparse *s)
{
  int k = CLAMP ((int) (3 * perplexity), 1, n - 1);
  Neighbour *nb = g_new (Neighbour, (size_t) n * (size_t) k);
  nearest (x, n, d, k, nb);
  double *p = g_new (double, (size_t) k);
  Entry *e = g_new (Entry, 2 * (size_t) n * (size_t) k);
  size_t ne = 0;
  for (int i = 0; i < n; i++)
    {
      calibrate_row (nb + (size_t) i * (size_t) k, k, perplexity, p);
      for (int j = 0; j < k; j++)
        {
          int o = nb[(size_t) i * (size_t) k + (size_t) j].index;
          e[ne++] = (Entry) { i, o, p[j] };
          e[ne++] = (Entry) { o, i, p[j] };
        }
    }
  g_free (p);
  g_free (nb);
  /* sorted by (i, j), duplicates (a pair in both lists) added: the two
   * terms are the same numbers whatever the sort's order */
  qsort (e, ne, sizeof *e, entry_cmp);
  s->row = g_new0 (int, (size_t) n + 1);
  s->col = g_new (int, ne);
  s->val = g_new (double, ne);
  size_t nz = 0;
  for (size_t a = 0; a < ne; a++)
    {
      if (nz > 0 && a > 0 && e[a].i == e[a - 1].i && e[a].j == e[a - 1].j)
        {
          s->val[nz - 1] += e[a].v / (2.0 * n);
          continue;
        }
      s->col[nz] = e[a].j;
      s->val[nz] = e[a].v / (2.0 * n);
      s->row[e[a].i + 1]++;
      nz++;
    }
  for (int i = 0; i < n; i++)
    s->row[i + 1] += s->row[i];
  g_free (e);
}

static void
sparse_clear (Sparse *s)
{
  g_clear_pointer (&s->row, g_free);
  g_clear_pointer (&s->col, g_free);
  g_clear_pointer (&s->val, g_free);
}

/* ---- t-SNE: the space-partitioning tree ----------------------------------- */

typedef struct {
  double centre[3];
  double half;    /* half the side: cells are squares (cubes) */
  double com[3];  /* centre of mass (a sum while building) */
  int count;      /* points in the cell */
  int point;      /* a leaf's point (its position), -1 when empty or split */
  int child;      /* the first of 2^dims children, -1 for a leaf */
} Cell;

typedef struct {
  Cell *cells;
  int n_cells, cap;
  int dims, n_children;
  const double *y; /* (n, dims) */
} Tree;

static int
tree_new_cell (Tree *t, const double *centre, double half)
{
  if (t->n_cells == t->cap)
    {
      t->cap = MAX (2 * t->cap, 64);
      t->cells = g_renew (Cell, t->cells, (size_t) t->cap);
    }
  Cell *c = &t->cells[t->n_cells];
  memset (c, 0, sizeof *c);
  memcpy (c->centre, centre, sizeof (double) * (size_t) t->dims);
  c->half = half;
  c->point = -1;
  c->child = -1;
  return t->n_cells++;
}

static int
tree_child_of (const Tree *t, int cell, const double *y)
{
  const Cell *c = &t->cells[cell];
  int bits = 0;
  for (int k = 0; k < t->dims; k++)
    if (y[k] > c->centre[k])
      bits |= 1 << k;
  return c->child + bits;
}

static void
tree_split (Tree *t, int cell)
{
  double centre[3], half = t->cells[cell].half / 2;
  int first = t->n_cells;
  for (int b = 0; b < t->n_children; b++)
    {
      for (int k = 0; k < t->dims; k++)
        centre[k] = t->cells[cell].centre[k] + ((b >> k) & 1 ? half : -half);
      tree_new_cell (t, centre, half);
    }
  t->cells[cell].child = first;
}

/* Adds `mult` points at y (point index idx) to the cell and below. */
static void
tree_insert (Tree *t, int cell, const double *y, int idx, int mult, int depth)
{
  for (;;)
    {
      Cell *c = &t->cells[cell];
      for (int k = 0; k < t->dims; k++)
        c->com[k] += mult * y[k];
      c->count += mult;
      if (c->child < 0)
        {
          if (c->point < 0)
            {
              c->point = idx;
              return;
            }
          const double *p = t->y + (size_t) c->point * (size_t) t->dims;
          if (memcmp (p, y, sizeof (double) * (size_t) t->dims) == 0 || depth >= TREE_MAX_DEPTH)
            return; /* one leaf for points at one place */
          int old = c->point, old_mult = c->count - mult;
          c->point = -1;
          tree_split (t, cell);
          tree_insert (t, tree_child_of (t, cell, p), p, old, old_mult, depth + 1);
        }
      cell = tree_child_of (t, cell, y);
      depth++;
    }
}

static void
tree_build (Tree *t, const double *y, int n, int dims)
{
  t->n_cells = 0;
  t->dims = dims;
  t->n_children = 1 << dims;
  t->y = y;
  double lo[3], hi[3], centre[3], half = 0;
  for (int k = 0; k < dims; k++)
    lo[k] = hi[k] = y[k];
  for (int i = 1; i < n; i++)
    for (int k = 0; k < dims; k++)
      {
        lo[k] = MIN (lo[k], y[(size_t) i * (size_t) dims + (size_t) k]);
        hi[k] = MAX (hi[k], y[(size_t) i * (size_t) dims + (size_t) k]);
      }
  for (int k = 0; k < dims; k++)
    {
      centre[k] = (lo[k] + hi[k]) / 2;
      half = MAX (half, (hi[k] - lo[k]) / 2);
    }
  /* a little room so that no point sits on the border */
  half = half * (1 + 1e-5) + 1e-12;
  tree_new_cell (t, centre, half);
  for (int i = 0; i < n; i++)
    tree_insert (t, 0, y + (size_t) i * (size_t) dims, i, 1, 0);
  for (int c = 0; c < t->n_cells; c++)
    for (int k = 0; k < dims && t->cells[c].count > 0; k++)
      t->cells[c].com[k] /= t->cells[c].count;
}

/* Σ over the other points of q̃ = 1 / (1 + |yi - yj|²) into *sum_q, and of
 * q̃² (yi - yj) into neg; far cells as one body. Counts the point itself
 * too (q̃ = 1, no force): the caller takes 1 off. */
static void
tree_repulse (const Tree *t, int cell, const double *yi, double *neg, double *sum_q)
{
  const Cell *c = &t->cells[cell];
  if (c->count == 0)
    return;
  double diff[3], dist = 0;
  for (int k = 0; k < t->dims; k++)
    {
      diff[k] = yi[k] - c->com[k];
      dist += diff[k] * diff[k];
    }
  double side = 2 * c->half;
  if (c->child < 0 || side * side < TSNE_THETA * TSNE_THETA * dist)
    {
      double q = 1 / (1 + dist), mq = c->count * q;
      *sum_q += mq;
      for (int k = 0; k < t->dims; k++)
        neg[k] += mq * q * diff[k];
      return;
    }
  for (int b = 0; b < t->n_children; b++)
    tree_repulse (t, c->child + b, yi, neg, sum_q);
}

/* ---- t-SNE: the descent --------------------------------------------------- */

typedef struct {
  const Tree *tree;
  const Sparse *p;
  const double *y;
  double *pos, *neg, *sum_q; /* per point */
  int dims;
} Forces;

static void
forces_range (void *data, size_t lo, size_t hi)
{
  Forces *f = data;
  int dims = f->dims;
  for (size_t i = lo; i < hi; i++)
    {
      const double *yi = f->y + i * (size_t) dims;
      double *pos = f->pos + i * (size_t) dims, *neg = f->neg + i * (size_t) dims;
      for (int k = 0; k < dims; k++)
        pos[k] = neg[k] = 0;
      for (int a = f->p->row[i]; a < f->p->row[i + 1]; a++)
        {
          const double *yj = f->y + (size_t) f->p->col[a] * (size_t) dims;
          double dist = 0;
          for (int k = 0; k < dims; k++)
            dist += (yi[k] - yj[k]) * (yi[k] - yj[k]);
          double m = f->p->val[a] / (1 + dist);
          for (int k = 0; k < dims; k++)
            pos[k] += m * (yi[k] - yj[k]);
        }
      double s = 0;
      tree_repulse (f->tree, 0, yi, neg, &s);
      f->sum_q[i] = s - 1;
    }
}

static NnTensor *
project_tsne (const NnTensor *points, const NnProjectConfig *cfg, NnProjectProgress progress,
              gpointer user_data, GError **error)
{
  int n = points->shape[0], d = points->shape[1], dims = cfg->dims;
  size_t nd = (size_t) n * (size_t) dims;
  Sparse p = { 0 };
  {
    g_autofree float *x = centred (points);
    affinities (x, n, d, cfg->perplexity, &p);
  }
  g_autofree double *y = g_new (double, nd);
  g_autofree double *grad = g_new (double, nd);
  g_autofree double *update = g_new0 (double, nd);
  g_autofree double *gains = g_new (double, nd);
  g_autofree double *pos = g_new (double, nd);
  g_autofree double *neg = g_new (double, nd);
  g_autofree double *sum_q = g_new (double, (size_t) n);
  NnRng rng;
  nn_rng_seed (&rng, cfg->seed);
  for (size_t i = 0; i < nd; i++)
    {
      y[i] = TSNE_INIT_SD * nn_rng_normal (&rng);
      gains[i] = 1;
    }
  Tree tree = { 0 };
  int early = MIN (TSNE_EARLY_ITERATIONS, cfg->iterations / 4);
  gboolean ok = TRUE;
  for (int it = 0; it < cfg->iterations; it++)
    {
      double exaggeration = it < early ? TSNE_EXAGGERATION : 1;
      double momentum = it < early ? TSNE_MOMENTUM_EARLY : TSNE_MOMENTUM;
      tree_build (&tree, y, n, dims);
      Forces f = { &tree, &p, y, pos, neg, sum_q, dims };
      nn_parallel_range ((size_t) n, 64, forces_range, &f);
      double z = 0;
      for (int i = 0; i < n; i++)
        z += sum_q[i];
      z = MAX (z, DBL_MIN);
      /* dC/dy_i = 4 (Σ_j P_ij q̃_ij (y_i - y_j) - Σ_j q̃_ij² (y_i - y_j) / Z) */
      for (size_t i = 0; i < nd; i++)
        grad[i] = 4 * (exaggeration * pos[i] - neg[i] / z);
      for (size_t i = 0; i < nd; i++)
        {
          gains[i] = (grad[i] > 0) != (update[i] > 0) ? gains[i] + 0.2 : gains[i] * 0.8;
          gains[i] = MAX (gains[i], TSNE_MIN_GAIN);
          update[i] = momentum * update[i] - cfg->learning_rate * gains[i] * grad[i];
          y[i] += update[i];
        }
      /* the map stays centred at 0 */
      for (int k = 0; k < dims; k++)
        {
          double mean = 0;
          for (int i = 0; i < n; i++)
            mean += y[(size_t) i * (size_t) dims + (size_t) k];
          mean /= n;
          for (int i = 0; i < n; i++)
            y[(size_t) i * (size_t) dims + (size_t) k] -= mean;
        }
      if (progress && !progress (it + 1, cfg->iterations, user_data))
        {
          ok = cancelled (error);
          break;
        }
    }
  g_free (tree.cells);
  sparse_clear (&p);
  if (!ok)
    return NULL;
  int shape[2] = { n, dims };
  NnTensor *out = nn_tensor_new (2, shape);
  for (size_t i = 0; i < nd; i++)
    out->data[i] = (float) y[i];
  return out;
}

/* ---- entry point ---------------------------------------------------------- */

NnTensor *
nn_project (const NnTensor *points, const NnProjectConfig *cfg, NnProjectProgress progress,
            gpointer user_data, double *explained, GError **error)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  if (!check_config (points, cfg, error))
    return NULL;
  if (cfg->method == NN_PROJECT_TSNE)
    {
      /* t-SNE's axes carry no share of the variance */
      for (int c = 0; explained && c < cfg->dims; c++)
        explained[c] = NAN;
      return project_tsne (points, cfg, progress, user_data, error);
    }
  NnTensor *y = project_pca (points, cfg->dims, explained, error);
  if (y && progress && !progress (1, 1, user_data))
    {
      nn_tensor_free (y);
      cancelled (error);
      return NULL;
    }
  return y;
}
