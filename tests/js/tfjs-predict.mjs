// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a TensorFlow.js Layers model (DIR/model.json and its shards) on
// inputs given as raw float32 files and writes each output as raw float32.
//   node tfjs-predict.mjs DIR N IN0.bin[,IN1.bin...] OUT_PREFIX
// writes OUT_PREFIX0.bin, OUT_PREFIX1.bin, ... (one per model output).
// Pure JavaScript CPU backend. Deepscope's Sampling layer (variational
// autoencoders) is registered here as a custom class: at inference it gives
// its first input, the mean.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerSampling, loadLayersModelFromDir } from './tfjs-util.mjs';

const [dir, nText, inList, outPrefix] = process.argv.slice(2);
const n = parseInt(nText, 10);
await tf.setBackend('cpu');
registerSampling(tf);
const model = await loadLayersModelFromDir(tf, dir);
const files = inList.split(',');
if (files.length !== model.inputs.length)
  throw new Error(`the model has ${model.inputs.length} inputs, ${files.length} files given`);
const inputs = model.inputs.map((inp, i) => {
  const buf = fs.readFileSync(files[i]);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return tf.tensor(data, [n, ...inp.shape.slice(1)]);
});
let outs = model.predict(inputs.length === 1 ? inputs[0] : inputs);
if (!Array.isArray(outs))
  outs = [outs];
outs.forEach((o, i) => {
  const v = o.dataSync();
  fs.writeFileSync(`${outPrefix}${i}.bin`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
});
