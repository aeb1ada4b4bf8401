// SPDX-License-Identifier: GPL-3.0-or-later
// What the TensorFlow.js test scripts share: Deepscope's Sampling layer as
// a custom class, and loading a Layers model from a folder without
// tfjs-node (whose file:// handler needs native code).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function registerSampling(tf) {
  class Sampling extends tf.layers.Layer {
    static className = 'Sampling';
    constructor(config) {
      super(config);
      this.beta = config.beta ?? 1;
    }
    computeOutputShape(shapes) { return shapes[0]; }
    // Inference: the mean (training would add exp(log_var / 2) * eps).
    call(inputs) { return Array.isArray(inputs) ? inputs[0] : inputs; }
    getConfig() { return { ...super.getConfig(), beta: this.beta }; }
  }
  tf.serialization.registerClass(Sampling);
}

export async function loadLayersModelFromDir(tf, dir) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = [];
  const parts = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths)
      parts.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(parts);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: specs, weightData,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
  }));
}
