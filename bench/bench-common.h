/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The harness the engine-against-PyTorch benchmarks share (bench-mlp,
 * bench-convnet): the clock and the statistics over rounds, the engine's
 * training step through the private API and through the public trainer, and
 * the PyTorch side as one child process driven over a pipe.
 *
 * The machine is shared and noisy, so every benchmark runs both sides
 * alternately in one process, reports medians over rounds and takes ratios
 * per round before their median; the helpers here exist so that each
 * benchmark does this in exactly the same way. */
#pragma once

#include "nn.h"
#include "nn-model-private.h"

G_BEGIN_DECLS

/* ---- clock and statistics ------------------------------------------------- */

/* Monotonic time in seconds. */
double    bench_now_s           (void);
/* Median of the finite values; NAN when there are none. */
double    bench_median          (const double *v,
                                 int           n);
/* The largest finite value; NAN when there is none. */
double    bench_best            (const double *v,
                                 int           n);
/* Sum of the n values. */
double    bench_sum             (const double *v,
                                 int           n);
/* This process's maximum resident set so far, in bytes. */
double    bench_peak_rss_bytes  (void);

/* Whether the engine takes turn `turn` (0 or 1) of alternation `k`: who goes
 * first alternates, so neither side always runs in the calmer moment after
 * the other's BLAS threads went to sleep. */
gboolean  bench_engine_turn     (int turn,
                                 int k);

/* ---- options ---------------------------------------------------------------- */

/* The options every engine-against-PyTorch benchmark takes; each program
 * lists them in its own GOptionEntry table (its defaults in the help). */
typedef struct {
  int       steps;      /* timed training steps per round */
  int       warmup;     /* untimed steps before them */
  int       rounds;
  gboolean  quick;      /* a smoke run: quick_steps steps, one round */
  gboolean  no_torch;
  gboolean  no_fit;
  gboolean  ops;
  char     *python;     /* NULL: /usr/bin/python3 */
  char     *script;     /* NULL: the program's own PyTorch side */
  char     *data;       /* NULL: fashion-mnist */
} BenchOptions;

/* Applies --quick and brings the counts into range, after parsing. */
void      bench_options_settle  (BenchOptions *o,
                                 int           quick_steps);
/* Opens the dataset o->data names; *seconds gets the time it took. */
NnDataset *bench_dataset_open   (const BenchOptions *o,
                                 double             *seconds,
                                 GError            **error);
/* The "data:" line: the training images and the plan of the run. */
void      bench_print_plan      (const BenchOptions *o,
                                 const NnDataset    *ds,
                                 double              load_s);

/* ---- the engine's training step through the private API ------------------- */

typedef struct {
  NnCompiled  *c;
  NnOptimizer *opt;
  NnDataset   *ds;        /* borrowed */
  NnRng        rng;
  guint32     *order;     /* the training rows, reshuffled every epoch */
  size_t       n, pos;
  int          batch;
  double       lr;
  float        loss;      /* of the last step */
} BenchStepper;

/* Compiles m for training at `batch` and shuffles ds's training rows. */
gboolean  bench_stepper_init    (BenchStepper *s,
                                 NnModel      *m,
                                 NnDataset    *ds,
                                 int           batch,
                                 guint64       seed,
                                 GError      **error);
void      bench_stepper_clear   (BenchStepper *s);
/* Gathers and converts the next batch into the graph's inputs and targets. */
void      bench_stepper_feed    (BenchStepper *s);
/* One training step as the trainer makes it, minus metrics and events. */
void      bench_stepper_step    (BenchStepper *s);
/* Runs n steps; dt (if not NULL) gets each one's duration in seconds. */
void      bench_stepper_chunk   (BenchStepper *s,
                                 int           n,
                                 double       *dt);

/* ---- the engine through the public trainer -------------------------------- */

/* Trains m for warmup + steps batches on the trainer's worker thread and
 * returns samples/s, NAN on failure. */
double    bench_fit_rate        (NnModel   *m,
                                 NnDataset *ds,
                                 int        batch,
                                 int        steps,
                                 int        warmup,
                                 guint64    seed,
                                 GError   **error);

/* ---- PyTorch in a child process ------------------------------------------- */

typedef struct {
  GSubprocess      *proc;
  GOutputStream    *in;     /* borrowed from proc */
  GDataInputStream *out;
  char             *info;   /* what the script said of itself on start */
} BenchTorch;

/* Starts `python script --dir D --batch B --threads T` with the engine's
 * OpenBLAS kernel and thread count, and waits for its "ready" line. python
 * NULL: /usr/bin/python3. */
gboolean  bench_torch_start     (BenchTorch  *t,
                                 const char  *python,
                                 const char  *script,
                                 int          batch,
                                 GError     **error);
/* Starts the PyTorch side unless o->no_torch and prints the "torch:" line
 * (what the script says of itself, or why it is unavailable). Returns
 * whether it runs; t can be stopped either way. */
gboolean  bench_torch_launch    (BenchTorch         *t,
                                 const BenchOptions *o,
                                 const char         *default_script,
                                 int                 batch);
/* Asks the script to quit and waits for it; harmless on a stopped one. */
void      bench_torch_stop      (BenchTorch  *t);
/* Sends one command line (with its newline) and parses the answer, which
 * must be "result V1 ... Vn", into v. */
gboolean  bench_torch_ask       (BenchTorch  *t,
                                 const char  *cmd,
                                 double      *v,
                                 int          n,
                                 GError     **error);

/* ---- the summary table ---------------------------------------------------- */

/* One row "what  engine  torch  unit  ratio  goal: met" of a summary table;
 * the ratio is engine / torch. */
void      bench_ratio_line      (const char *what,
                                 double      engine,
                                 double      torch,
                                 const char *unit,
                                 double      goal,
                                 gboolean    higher_is_better);

G_END_DECLS
