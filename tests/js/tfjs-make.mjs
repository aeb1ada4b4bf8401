// SPDX-License-Identifier: GPL-3.0-or-later
// Builds a Keras functional model with TensorFlow.js itself, random weights
// (batch-norm statistics included), and saves it as a TF.js Layers folder:
//   node tfjs-make.mjs DIR [sequential]
// writes DIR/model.json and DIR/group1-shard1of1.bin from model.toJSON()
// and the weights (the file:// handler would need tfjs-node). Two inputs:
// an image (12x12x2) through Conv2D, MaxPooling2D, BatchNormalization and
// Flatten, and a vector (5) through Dense and Dropout; concatenated, two
// Dense outputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [dir, kind] = process.argv.slice(2);
await tf.setBackend('cpu');
tf.util.seedrandom?.(7);

const image = tf.input({ shape: [12, 12, 2], name: 'image' });
const extra = tf.input({ shape: [5], name: 'extra' });
let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(image);
x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x);
x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
x = tf.layers.flatten({ name: 'flat' }).apply(x);
let y = tf.layers.dense({ units: 6, activation: 'tanh', name: 'side' }).apply(extra);
y = tf.layers.dropout({ rate: 0.25, name: 'drop' }).apply(y);
const joined = tf.layers.concatenate({ name: 'join' }).apply([x, y]);
const hidden = tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }).apply(joined);
const classes = tf.layers.dense({ units: 3, activation: 'softmax', name: 'classes' }).apply(hidden);
const score = tf.layers.dense({ units: 1, name: 'score' }).apply(hidden);
// With "sequential": a tf.sequential stack (Keras's Sequential) instead.
const model = kind === 'sequential'
  ? tf.sequential({ name: 'stack', layers: [
    tf.layers.dense({ inputShape: [7], units: 5, activation: 'relu', name: 'first' }),
    tf.layers.batchNormalization({ name: 'norm' }),
    tf.layers.dropout({ rate: 0.5, name: 'drop_s' }),
    tf.layers.dense({ units: 3, activation: 'softmax', name: 'last' }),
  ] })
  : tf.model({ inputs: [image, extra], outputs: [classes, score], name: 'made_by_tfjs' });

// Random weights everywhere, moving variances positive.
model.weights.forEach((w) => {
  const v = w.originalName.endsWith('moving_variance')
    ? tf.randomUniform(w.shape, 0.5, 1.5) : tf.randomUniform(w.shape, -0.5, 0.5);
  w.write(v);
});

const specs = [];
const parts = [];
for (const w of model.weights) {
  specs.push({ name: w.originalName, shape: w.shape, dtype: 'float32' });
  parts.push(Buffer.from(w.read().dataSync().buffer));
}
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.concat(parts));
fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
  format: 'layers-model',
  generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
  convertedBy: null,
  modelTopology: model.toJSON(null, false),
  weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }],
}, null, 1));
