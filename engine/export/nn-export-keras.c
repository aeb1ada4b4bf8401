/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keras script export: DIR/model.py, Keras functional-API code that
 * rebuilds the model (every layer with its name and every setting, from
 * the same mapping as the TF.js export), compiles it as here, loads
 * DIR/weights.npz and trains it as here, with a USE_DISTRIBUTED switch. */
#include <string.h>

#include "nn-export-private.h"

/* ---- Python values ------------------------------------------------------ */

static void py_value (GString *s, const char *key, JsonNode *v);

/* key=value, ... of cfg, joined by sep (", ", or one per line). */
static void
py_kwargs (GString *s, JsonObject *cfg, gboolean skip_dtype, const char *sep)
{
  gboolean first = TRUE;
  g_autoptr (GList) keys = json_object_get_members (cfg);
  for (GList *k = keys; k; k = k->next)
    {
      const char *key = k->data;
      if (skip_dtype && g_str_equal (key, "dtype"))
        continue;
      g_string_append_printf (s, "%s%s=", first ? "" : sep, key);
      py_value (s, key, json_object_get_member (cfg, key));
      first = FALSE;
    }
}

/* {"class_name": C, "config": {...}}: keras.initializers.C(...),
 * keras.regularizers.C(...) or layers.C(...) by the key it stands under. */
static void
py_object (GString *s, const char *key, JsonObject *o)
{
  const char *ns = g_str_has_suffix (key, "_initializer") ? "keras.initializers"
                   : g_str_has_suffix (key, "_regularizer") ? "keras.regularizers" : "layers";
  g_string_append_printf (s, "%s.%s(", ns, nn_json_string (o, "class_name", "?"));
  JsonObject *cfg = nn_json_object (o, "config");
  if (cfg)
    py_kwargs (s, cfg, TRUE, ", ");
  g_string_append (s, ")");
}

static void
py_value (GString *s, const char *key, JsonNode *v)
{
  if (JSON_NODE_HOLDS_NULL (v))
    g_string_append (s, "None");
  else if (JSON_NODE_HOLDS_ARRAY (v))
    {
      JsonArray *a = json_node_get_array (v);
      g_string_append (s, "(");
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          py_value (s, key, json_array_get_element (a, i));
          g_string_append (s, json_array_get_length (a) == 1 ? "," : i + 1 < json_array_get_length (a) ? ", " : "");
        }
      g_string_append (s, ")");
    }
  else if (JSON_NODE_HOLDS_OBJECT (v))
    py_object (s, key, json_node_get_object (v));
  else if (json_node_get_value_type (v) == G_TYPE_BOOLEAN)
    g_string_append (s, json_node_get_boolean (v) ? "True" : "False");
  else if (json_node_get_value_type (v) == G_TYPE_INT64)
    g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (v));
  else if (json_node_get_value_type (v) == G_TYPE_DOUBLE)
    {
      /* the shortest text that reads back to the same double */
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      double d = json_node_get_double (v);
      for (int digits = 15; digits <= 17; digits++)
        if (g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, digits == 15 ? "%.15g"
                                             : digits == 16 ? "%.16g" : "%.17g", d), NULL) == d)
          break;
      g_string_append (s, buf);
      if (!strpbrk (buf, ".eEn"))
        g_string_append (s, ".0");
    }
  else
    g_string_append_printf (s, "\"%s\"", json_node_get_string (v));
}

/* Python's keywords and the script's own module names. */
static const char *const py_reserved[] = {
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
  "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
  "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
  "while", "with", "yield", "np", "tf", "keras", "layers", "model", "strategy", NULL
};

/* A Python name for a layer's output: letters, digits and _ only, never a
 * keyword or one of the script's own names. */
static char *
py_name (const char *name, int call)
{
  char *p = call ? g_strdup_printf ("%s_%d", name, call) : g_strdup (name);
  for (char *c = p; *c; c++)
    if (!g_ascii_isalnum (*c))
      *c = '_';
  if (g_ascii_isdigit (*p) || g_strv_contains (py_reserved, p))
    {
      char *q = g_strconcat ("t_", p, NULL);
      g_free (p);
      return q;
    }
  return p;
}

/* ---- the model ---------------------------------------------------------- */

static gboolean emit_model (GString *s, NnModel *m, const char *fn, const char *name,
                            GError **error);

/* `VAR_layer = layers.Class(...)` from {"class_name", "config"}. */
static void
emit_object (GString *s, const char *var, JsonObject *o)
{
  const char *cls = nn_json_string (o, "class_name", "");
  g_string_append_printf (s, "    %s_layer = %s%s(\n        ", var,
                          g_str_equal (cls, "Sampling") ? "" : "layers.", cls);
  py_kwargs (s, nn_json_object (o, "config"), TRUE, ",\n        ");
  g_string_append (s, ",\n    )\n");
}

/* `var = layers.Class(...)` for layer l (a nested model: its build function;
 * a leaky_relu activation: the LeakyReLU layer after it too). */
static gboolean
emit_layer_object (GString *s, NnModel *m, int l, GError **error)
{
  g_autofree char *var = py_name (nn_model_layer_get_name (m, l), 0);
  if (nn_model_layer_get_submodel (m, l))
    {
      g_string_append_printf (s, "    %s_layer = build_%s()\n", var, var);
      return TRUE;
    }
  g_autoptr (JsonNode) n = nn_keras_layer_config (m, l, error);
  if (n == NULL)
    return FALSE;
  if (g_str_equal (nn_json_string (json_node_get_object (n), "class_name", ""), "InputLayer"))
    return TRUE;
  emit_object (s, var, json_node_get_object (n));
  g_autoptr (JsonNode) leaky = nn_keras_leaky_config (m, l);
  if (leaky)
    {
      g_autofree char *name = nn_keras_leaky_name (m, l);
      g_autofree char *lvar = py_name (name, 0);
      emit_object (s, lvar, json_node_get_object (leaky));
    }
  return TRUE;
}

static gboolean
is_recurrent (NnModel *m, int l)
{
  static const char *const rnn[] = { "SimpleRNN", "LSTM", "GRU", "Bidirectional", NULL };
  return g_strv_contains (rnn, nn_layer_type_get_name (nn_model_layer_get_type (m, l)));
}

/* The Python name of tensor r: the call's output, or its state r.out
 * (NAME_h, NAME_c; NAME_forward_h, ... for a Bidirectional). */
static char *
py_tensor (NnModel *m, NnRef r)
{
  g_autofree char *base = py_name (nn_model_layer_get_name (m, r.layer), r.call);
  if (r.out == 0)
    return g_steal_pointer (&base);
  const char *type = nn_layer_type_get_name (nn_model_layer_get_type (m, r.layer));
  g_autofree char *cell = g_str_equal (type, "Bidirectional")
                          ? nn_model_layer_dup_param_text (m, r.layer, "layer") : g_strdup (type);
  int per_dir = g_str_equal (cell, "LSTM") ? 2 : 1, k = r.out - 1;
  return g_strdup_printf ("%s%s_%s", base,
                          g_str_equal (type, "Bidirectional")
                          ? (k < per_dir ? "_forward" : "_backward") : "",
                          k % per_dir ? "c" : "h");
}

/* The inputs of call c of layer l as call arguments ("x", "[a, b]", or
 * "x, initial_state=[h, c]" for a recurrent layer's states), or NULL when
 * one of them is not computed yet. */
static char *
call_args (NnModel *m, int l, int c, GHashTable *done)
{
  int k = nn_model_call_get_n_inputs (m, l, c);
  gboolean rnn = is_recurrent (m, l);
  gboolean list = !rnn && nn_layer_type_get_max_inputs (nn_model_layer_get_type (m, l)) != 1;
  g_autoptr (GString) args = g_string_new (list ? "[" : "");
  for (int j = 0; j < k; j++)
    {
      g_autofree char *in = py_tensor (m, nn_model_call_get_input (m, l, c, j));
      if (!g_hash_table_contains (done, in))
        return NULL;
      g_string_append_printf (args, "%s%s", j == 0 ? "" : rnn && j == 1 ? ", initial_state=["
                                                                    : ", ", in);
    }
  g_string_append (args, list || (rnn && k > 1) ? "]" : "");
  return g_string_free (g_steal_pointer (&args), FALSE);
}

/* `out = layer(inputs)` for call c of layer l (`out, out_h, out_c = ...`
 * with return_state); marks its tensors done. */
static void
emit_call (GString *s, NnModel *m, int l, int c, const char *args, GHashTable *done)
{
  g_autofree char *var = py_name (nn_model_layer_get_name (m, l), 0);
  g_string_append (s, "    ");
  for (int o = 0; o < nn_model_layer_get_n_outputs (m, l); o++)
    {
      char *out = py_tensor (m, (NnRef) { l, c, o });
      g_string_append_printf (s, "%s%s", o ? ", " : "", out);
      g_hash_table_add (done, out);
    }
  g_string_append_printf (s, " = %s_layer(%s)\n", var, args);
  if (nn_keras_leaky_after (m, l))
    {
      g_autofree char *name = nn_keras_leaky_name (m, l);
      g_autofree char *lvar = py_name (name, 0);
      g_autofree char *out = py_tensor (m, (NnRef) { l, c, 0 });
      g_string_append_printf (s, "    %s = %s_layer(%s)\n", out, lvar, out);
    }
}

/* `out = layer(inputs)` for every call, in an order where inputs come first. */
static void
emit_calls (GString *s, NnModel *m)
{
  int n = nn_model_get_n_layers (m);
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < nn_model_get_n_inputs (m); i++)
    {
      int l = nn_model_get_input_layer (m, i);
      g_autofree char *var = py_name (nn_model_layer_get_name (m, l), 0);
      const NnValue *sh = nn_model_layer_get_param (m, l, "shape");
      g_string_append_printf (s, "    %s = keras.Input(shape=(", var);
      for (int d = 0; d < sh->n; d++)
        g_string_append_printf (s, "%d%s", sh->shape[d], sh->n == 1 ? "," : d + 1 < sh->n ? ", " : "");
      g_string_append_printf (s, "), name=\"%s\")\n", nn_model_layer_get_name (m, l));
      g_hash_table_add (done, g_steal_pointer (&var));
    }
  for (gboolean progress = TRUE; progress;)
    {
      progress = FALSE;
      for (int l = 0; l < n; l++)
        for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
          {
            g_autofree char *out = py_name (nn_model_layer_get_name (m, l), c);
            if (nn_model_call_get_n_inputs (m, l, c) == 0 || g_hash_table_contains (done, out))
              continue;
            g_autofree char *args = call_args (m, l, c, done);
            if (args == NULL)
              continue;
            emit_call (s, m, l, c, args, done);
            progress = TRUE;
          }
    }
}

/* def build_FN(): its layers, calls and keras.Model named `name`. */
static gboolean
emit_model (GString *s, NnModel *m, const char *fn, const char *name, GError **error)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      g_autofree char *var = py_name (nn_model_layer_get_name (m, l), 0);
      if (inner && !emit_model (s, inner, var, nn_model_layer_get_name (m, l), error))
        return FALSE;
    }
  g_string_append_printf (s, "def build_%s():\n", fn);
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (!emit_layer_object (s, m, l, error))
      return FALSE;
  emit_calls (s, m);
  g_string_append (s, "    return keras.Model(inputs=[");
  for (int i = 0; i < nn_model_get_n_inputs (m); i++)
    {
      g_autofree char *v = py_name (nn_model_layer_get_name (m, nn_model_get_input_layer (m, i)), 0);
      g_string_append_printf (s, "%s%s", i ? ", " : "", v);
    }
  g_string_append (s, "], outputs=[");
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    {
      g_autofree char *v = py_tensor (m, nn_model_get_output (m, i));
      g_string_append_printf (s, "%s%s", i ? ", " : "", v);
    }
  g_string_append_printf (s, "], name=\"%s\")\n\n\n", name);
  return TRUE;
}

/* ---- the script ---------------------------------------------------------- */

static const char script_head[] =
  "# Generated by Deepscope: the model %s with the Keras functional API, its\n"
  "# weights (weights.npz, beside this file), compile settings and training.\n"
  "# Run: pip install tensorflow numpy; python3 model.py\n"
  "import numpy as np\n"
  "import tensorflow as tf\n"
  "from tensorflow import keras\n"
  "from tensorflow.keras import layers\n\n"
  "# ---- USE_DISTRIBUTED: where to train ----------------------------------------\n"
  "# None: one device. \"mirrored\": every GPU of this machine\n"
  "# (tf.distribute.MirroredStrategy). \"multi_worker\": several machines\n"
  "# (tf.distribute.MultiWorkerMirroredStrategy): start this same script on each\n"
  "# machine with TF_CONFIG naming the cluster and this machine's place in it, e.g.\n"
  "#   TF_CONFIG='{\"cluster\": {\"worker\": [\"host1:12345\", \"host2:12345\"]},\n"
  "#              \"task\": {\"type\": \"worker\", \"index\": 0}}' python3 model.py\n"
  "# (index 1 on host2), and scale the batch size with the number of replicas.\n"
  "USE_DISTRIBUTED = None\n\n\n"
  "class Sampling(layers.Layer):\n"
  "    \"\"\"Deepscope's VAE sampling: mean + exp(log_var / 2) * eps while training,\n"
  "    the mean at inference; adds beta * KL to the loss.\"\"\"\n\n"
  "    def __init__(self, beta=1.0, **kwargs):\n"
  "        super().__init__(**kwargs)\n"
  "        self.beta = beta\n\n"
  "    def call(self, inputs, training=None):\n"
  "        mean, log_var = inputs\n"
  "        kl = -0.5 * tf.reduce_mean(tf.reduce_sum(\n"
  "            1 + log_var - tf.square(mean) - tf.exp(log_var), axis=-1))\n"
  "        self.add_loss(self.beta * kl)\n"
  "        if not training:\n"
  "            return mean\n"
  "        return mean + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mean))\n\n"
  "    def get_config(self):\n"
  "        return {**super().get_config(), \"beta\": self.beta}\n\n\n";

static void
emit_weights (GString *s, GPtrArray *names)
{
  g_string_append (s,
    "def find_layer(model, name):\n"
    "    for layer in model.layers:\n"
    "        if layer.name == name:\n"
    "            return layer\n"
    "        if isinstance(layer, keras.Model):\n"
    "            found = find_layer(layer, name)\n"
    "            if found is not None:\n"
    "                return found\n"
    "    return None\n\n\n"
    "# Each layer's weights in weights.npz, in Keras's order.\n"
    "WEIGHTS = {\n");
  for (guint i = 0; i < names->len;)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *layer = g_strndup (n, strchr (n, '/') - n);
      g_string_append_printf (s, "    \"%s\": [", layer);
      for (gboolean first = TRUE; i < names->len
           && g_str_has_prefix (g_ptr_array_index (names, i), layer)
           && ((char *) g_ptr_array_index (names, i))[strlen (layer)] == '/'; i++, first = FALSE)
        g_string_append_printf (s, "%s\"%s\"", first ? "" : ", ",
                                (char *) g_ptr_array_index (names, i));
      g_string_append (s, "],\n");
    }
  g_string_append (s,
    "}\n\n\n"
    "def load_weights(model, path=\"weights.npz\"):\n"
    "    arrays = np.load(path)\n"
    "    for name, keys in WEIGHTS.items():\n"
    "        find_layer(model, name).set_weights([arrays[k] for k in keys])\n\n\n");
}

/* The text model's vocabulary, vocab.json beside the script. */
static void
emit_vocab (GString *s, NnModel *m)
{
  if (nn_model_get_vocab (m) == NULL)
    return;
  g_string_append (s,
    "def load_vocabulary(path=\"" NN_VOCAB_FILE "\"):\n"
    "    \"\"\"The vocabulary the text was encoded with: \"index\" lists the tokens by\n"
    "    id (0 padding, 1 out of vocabulary); \"tokens\", \"lower\", \"strip\",\n"
    "    \"length\" ... how text is split and encoded.\"\"\"\n"
    "    import json\n"
    "    with open(path, encoding=\"utf-8\") as f:\n"
    "        return json.load(f)\n\n\n"
    "def encode_texts(texts, vocab):\n"
    "    \"\"\"Token ids (len(texts), length) of raw texts, as Deepscope encodes them\n"
    "    in mode \"int\": word or character tokens, lower-cased and without\n"
    "    punctuation as the vocabulary says, 1 for a token out of vocabulary, 0\n"
    "    padding. (Deepscope also keeps grapheme clusters whole.)\"\"\"\n"
    "    import re\n"
    "    if vocab[\"mode\"] != \"int\" or vocab.get(\"ngrams\", 1) > 1 or vocab.get(\"hash\", 0):\n"
    "        raise ValueError(\"encode these texts in Deepscope (mode %s, n-grams or hashing)\"\n"
    "                         % vocab[\"mode\"])\n"
    "    ids = {t: i for i, t in enumerate(vocab[\"index\"]) if i > 1}\n"
    "    seqs = []\n"
    "    for text in texts:\n"
    "        text = str(text).lower() if vocab[\"lower\"] else str(text)\n"
    "        if vocab[\"tokens\"] == \"chars\":\n"
    "            toks = [c for c in text if c != \"\\0\"]\n"
    "        else:\n"
    "            toks = re.findall(r\"[^\\W_]+(?:'[^\\W_]+)*|[^\\s\\w]|_\", text)\n"
    "        if vocab[\"strip\"]:\n"
    "            toks = [t.replace(\"'\", \"\") for t in toks if not re.fullmatch(r\"[^\\w\\s]|_\", t)]\n"
    "        seqs.append([ids.get(t, 1) for t in toks])\n"
    "    n = vocab[\"length\"] or max([len(q) for q in seqs] + [1])\n"
    "    out = np.zeros((len(seqs), n), dtype=\"int32\")\n"
    "    for r, q in enumerate(seqs):\n"
    "        q = (q[-n:] if vocab[\"trunc\"] == \"pre\" else q[:n]) if len(q) > n else q\n"
    "        if vocab[\"pad\"] == \"pre\":\n"
    "            out[r, n - len(q):] = q\n"
    "        else:\n"
    "            out[r, :len(q)] = q\n"
    "    return out\n\n\n");
}

static void
emit_compile (GString *s, NnModel *m)
{
  NnOptimizerConfig *o = nn_model_get_optimizer (m);
  g_string_append (s, "def compile_model(model):\n");
  if (o->schedule == NN_SCHEDULE_CONSTANT)
    g_string_append_printf (s, "    lr = %g\n", o->learning_rate);
  else
    g_string_append_printf (s, "    lr = keras.optimizers.schedules.ExponentialDecay(\n"
                            "        %g, decay_steps=%d, decay_rate=%g, staircase=%s)\n",
                            o->learning_rate, MAX (o->decay_steps, 1), o->decay_rate,
                            o->schedule == NN_SCHEDULE_STEP ? "True" : "False");
  if (o->kind == NN_OPT_SGD)
    g_string_append_printf (s, "    optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=%g, "
                            "nesterov=%s)\n", o->momentum, o->nesterov ? "True" : "False");
  else if (o->kind == NN_OPT_RMSPROP)
    g_string_append_printf (s, "    optimizer = keras.optimizers.RMSprop(learning_rate=lr, rho=%g, "
                            "epsilon=%g)\n", o->rho, o->epsilon);
  else
    g_string_append_printf (s, "    optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=%g, "
                            "beta_2=%g, epsilon=%g)\n", o->beta_1, o->beta_2, o->epsilon);
  GString *loss = g_string_new (NULL), *w = g_string_new (NULL), *met = g_string_new (NULL);
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    {
      NnLoss l = nn_model_output_get_loss (m, i);
      g_string_append_printf (loss, "%s%s%s%s", i ? ", " : "", l == NN_LOSS_NONE ? "" : "\"",
                              l == NN_LOSS_NONE ? "None" : nn_loss_name (l),
                              l == NN_LOSS_NONE ? "" : "\"");
      g_string_append_printf (w, "%s%g", i ? ", " : "", nn_model_output_get_loss_weight (m, i));
      g_string_append_printf (met, "%s[", i ? ", " : "");
      for (int k = 0; k < nn_model_output_get_n_metrics (m, i); k++)
        g_string_append_printf (met, "%s\"%s\"", k ? ", " : "",
                                nn_metric_name (nn_model_output_get_metric (m, i, k)));
      g_string_append (met, "]");
    }
  g_string_append_printf (s, "    model.compile(optimizer=optimizer, loss=[%s],\n"
                          "                  loss_weights=[%s], metrics=[%s])\n\n\n",
                          loss->str, w->str, met->str);
  g_string_free (loss, TRUE);
  g_string_free (w, TRUE);
  g_string_free (met, TRUE);
}

static void
emit_main (GString *s, NnModel *m)
{
  NnTrainDefaults *d = nn_model_get_defaults (m);
  const char *spec = nn_model_get_dataset (m) ? nn_model_get_dataset (m) : "";
  g_string_append_printf (s,
    "def load_dataset():\n"
    "    \"\"\"The dataset the model was made for: %s%s.\"\"\"\n", spec,
    nn_model_get_dataset_flags (m) & NN_DATASET_ONE_HOT ? " (targets one-hot)" : "");
  if (strstr (spec, "normalize=") && !strstr (spec, "normalize=none"))
    g_string_append (s, "    # Not repeated here: the spec's normalization; apply it to the arrays below.\n");
  if (g_str_has_prefix (spec, "fashion-mnist"))
    g_string_append_printf (s,
      "    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()\n"
      "    shape = (-1,) + tuple(build_model().input_shape[1:])\n"
      "    x_train = (x_train / 255.0).astype(\"float32\").reshape(shape)\n"
      "    x_test = (x_test / 255.0).astype(\"float32\").reshape(shape)\n"
      "%s"
      "    return (x_train, y_train), (x_test, y_test)\n\n\n",
      nn_model_get_dataset_flags (m) & NN_DATASET_ONE_HOT
      ? "    y_train, y_test = keras.utils.to_categorical(y_train), keras.utils.to_categorical(y_test)\n"
      : "");
  else if (nn_model_get_vocab (m))
    g_string_append (s,
      "    # Deepscope reads these texts itself; put its arrays in data.npz\n"
      "    # (x_train, y_train, x_test, y_test) beside this script: x as token ids,\n"
      "    # or as the raw texts (strings), encoded here with the model's vocabulary.\n"
      "    data = np.load(\"data.npz\")\n"
      "    vocab = load_vocabulary()\n"
      "    x_train, x_test = data[\"x_train\"], data[\"x_test\"]\n"
      "    if x_train.dtype.kind in \"US\":\n"
      "        x_train, x_test = encode_texts(x_train, vocab), encode_texts(x_test, vocab)\n"
      "    return (x_train, data[\"y_train\"]), (x_test, data[\"y_test\"])\n\n\n");
  else
    g_string_append (s,
      "    # Deepscope generates or reads this dataset itself; put its arrays in\n"
      "    # data.npz (x_train, y_train, x_test, y_test) beside this script.\n"
      "    data = np.load(\"data.npz\")\n"
      "    return (data[\"x_train\"], data[\"y_train\"]), (data[\"x_test\"], data[\"y_test\"])\n\n\n");
  g_autofree char *callbacks = d->early_stopping_patience > 0
    ? g_strdup_printf ("keras.callbacks.EarlyStopping(monitor=\"val_loss\", patience=%d)",
                       d->early_stopping_patience)
    : g_strdup ("");
  int batch = d->batch_size > 0 ? d->batch_size : 32;
  g_string_append_printf (s,
    "def main():\n"
    "    keras.utils.set_random_seed(%" G_GUINT64_FORMAT ")\n"
    "    if USE_DISTRIBUTED == \"mirrored\":\n"
    "        strategy = tf.distribute.MirroredStrategy()\n"
    "    elif USE_DISTRIBUTED == \"multi_worker\":\n"
    "        strategy = tf.distribute.MultiWorkerMirroredStrategy()\n"
    "    else:\n"
    "        strategy = tf.distribute.get_strategy()\n"
    "    with strategy.scope():\n"
    "        model = build_model()\n"
    "        load_weights(model)\n"
    "        compile_model(model)\n"
    "    model.summary()\n"
    "    (x_train, y_train), (x_test, y_test) = load_dataset()\n"
    "    callbacks = [%s]\n"
    "    model.fit(x_train, y_train, epochs=%d, batch_size=%d, validation_split=%g,\n"
    "              callbacks=callbacks)\n"
    "    print(model.evaluate(x_test, y_test, batch_size=%d))\n\n\n"
    "if __name__ == \"__main__\":\n"
    "    main()\n",
    d->seed, callbacks, MAX (d->epochs, 1), batch, d->validation_split, batch);
}

gboolean
nn_export_keras (NnModel *model, const char *dir, GError **error)
{
  if (!nn_export_prepare (model, dir, error))
    return FALSE;
  g_autoptr (NnModel) m = nn_model_copy (model);
  nn_keras_unique_names (m);
  g_autoptr (GString) s = g_string_new (NULL);
  g_string_append_printf (s, script_head, nn_model_get_name (m));
  if (!emit_model (s, m, "model", nn_model_get_name (m), error))
    return FALSE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (NnTensor));
  nn_keras_model_weights (m, names, views);
  emit_weights (s, names);
  emit_vocab (s, m);
  emit_compile (s, m);
  emit_main (s, m);
  g_autofree char *py = g_build_filename (dir, "model.py", NULL);
  g_autofree char *npz = g_build_filename (dir, "weights.npz", NULL);
  g_autofree char *vocab = g_build_filename (dir, NN_VOCAB_FILE, NULL);
  return nn_npz_write (npz, names, views, error) && g_file_set_contents (py, s->str, -1, error)
         && nn_model_write_vocab (m, vocab, error);
}
