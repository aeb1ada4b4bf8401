// SPDX-License-Identifier: GPL-3.0-or-later
// Runs an exported model.onnx in ONNX Runtime Web (WebAssembly, under
// Node.js) on inputs given as raw little-endian float32 files, and writes
// each graph output beside them as OUT_DIR/output<k>.bin (float32), its
// shape on one JSON line of standard output.
//
//   node onnx-predict.mjs MODEL.onnx OUT_DIR NAME=FILE:D0,D1,... [...]
//
// Exits 77 (skipped) when onnxruntime-web is not installed in
// tests/js/node_modules, 1 on any other failure.
import { readFileSync, writeFileSync } from 'node:fs';

let ort;
try {
  ort = await import('onnxruntime-web');
} catch (e) {
  console.error(`onnxruntime-web is not installed in tests/js/node_modules: ${e.message}`);
  process.exit(77);
}

async function main () {
  const [modelPath, outDir, ...specs] = process.argv.slice(2);
  if (!modelPath || !outDir || specs.length === 0) {
    console.error('usage: onnx-predict.mjs MODEL.onnx OUT_DIR NAME=FILE:D0,D1,...');
    process.exit(1);
  }
  // One thread, the wasm from node_modules itself (no fetch).
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(modelPath),
                                                    { executionProviders: ['wasm'] });
  const feeds = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const colon = spec.lastIndexOf(':');
    const name = spec.slice(0, eq);
    const file = spec.slice(eq + 1, colon);
    const dims = spec.slice(colon + 1).split(',').map(Number);
    const bytes = readFileSync(file);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    feeds[name] = new ort.Tensor('float32', Float32Array.from(data), dims);
  }
  const results = await session.run(feeds);
  const shapes = [];
  session.outputNames.forEach((name, k) => {
    const t = results[name];
    writeFileSync(`${outDir}/output${k}.bin`, Buffer.from(t.data.buffer, t.data.byteOffset,
                                                          t.data.byteLength));
    shapes.push({ name, dims: t.dims });
  });
  console.log(JSON.stringify(shapes));
}

main ().catch((e) => {
  console.error(`onnx-predict: ${e.message ?? e}`);
  process.exit(1);
});
