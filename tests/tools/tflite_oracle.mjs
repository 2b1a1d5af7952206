// A real TFLite runtime as the test oracle: TFLite's C++ interpreter compiled
// to WebAssembly (npm @tensorflow/tfjs-tflite 0.0.1-alpha.4, its
// TFLiteWebModelRunner), run in Debian's Chromium, fed input tensors as they
// are and its output tensor written as it is. Nothing of lookslike is in the
// inference path.
//
// usage: node tflite_oracle.mjs MODEL.tflite INPUTS OUTPUT
//   INPUTS: N input tensors one after the other (uint8, the model's input
//   shape each); OUTPUT: the N output tensors, uint8, one after the other
//   (an int8 output as lookslike holds int8 values: v + 128).
//
// Builtin kernels only: a runtime that makes its XNNPACK delegate logs
// "Created TensorFlow Lite XNNPACK delegate for CPU." (0.0.1-alpha.10 does,
// in this very harness, and its int8 bytes differ); 0.0.1-alpha.4 logs no
// delegate. The console is read and the run refused if a line names one, so
// the bytes written are TFLite's own integer kernels'. TFLITE_DIST: another
// build's wasm directory (to see that check fail). The runtime's log lines go
// to stderr.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const [MODEL, INPUTS, OUTPUT] = process.argv.slice(2);
if (!OUTPUT) {
  console.error('usage: node tflite_oracle.mjs MODEL.tflite INPUTS OUTPUT');
  process.exit(2);
}
const DIST = process.env.TFLITE_DIST || path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-tflite/dist/tflite_web_api_client.js'));
const files = {
  '/': ['text/html', Buffer.from('<!doctype html><title>tflite oracle</title>')],
  '/model.tflite': ['application/octet-stream', readFileSync(MODEL)],
  '/inputs': ['application/octet-stream', readFileSync(INPUTS)],
};

const server = http.createServer((req, res) => {
  let [type, body] = files[req.url] || [];
  if (!body && /^\/tflite\/[\w.]+$/.test(req.url)) {
    try {
      body = readFileSync(path.join(DIST, path.basename(req.url)));
      type = req.url.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    } catch { /* 404 below */ }
  }
  res.writeHead(body ? 200 : 404, { 'Content-Type': type || 'text/plain' });
  res.end(body || 'not found');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const log = [];
try {
  const page = await browser.newPage();
  page.on('console', (m) => log.push(m.text()));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  await page.goto(`${base}/`);
  await page.addScriptTag({ url: `${base}/tflite/tflite_web_api_client.js` });
  const result = await page.evaluate(async () => {
    tfweb.tflite_web_api.setWasmPath('/tflite/');
    const [model, inputs] = await Promise.all(['/model.tflite', '/inputs'].map(
      (u) => fetch(u).then((r) => r.arrayBuffer())));
    const runner = await tfweb.TFLiteWebModelRunner.create(new Uint8Array(model), { numThreads: 1 });
    const [input] = runner.getInputs();
    const [output] = runner.getOutputs();
    const inBuf = input.data(), all = new Uint8Array(inputs);
    const int8 = output.dataType === 'int8'; /* written as lookslike holds int8: v + 128 */
    if (input.dataType !== 'uint8' || !(int8 || output.dataType === 'uint8') || all.length % inBuf.length)
      return { error: `input ${input.dataType} [${input.shape}] (${inBuf.length} bytes), output ${output.dataType}; ` +
                      `${all.length} input bytes` };
    const n = all.length / inBuf.length, out = [];
    for (let i = 0; i < n; i++) {
      input.data().set(all.subarray(i * inBuf.length, (i + 1) * inBuf.length));
      if (!runner.infer()) return { error: `inference ${i} failed` };
      for (const v of output.data()) out.push(int8 ? v + 128 : v);
    }
    return { out, inputShape: input.shape, outputShape: output.shape,
             features: await tfweb.tflite_web_api.getWasmFeatures() };
  });
  for (const line of log) console.error(`tflite: ${line}`);
  if (result.error) throw new Error(result.error);
  if (log.some((l) => /Created TensorFlow Lite .*delegate|with delegate/.test(l)))
    throw new Error('the runtime made a delegate: these would not be the builtin kernels\' bytes');
  writeFileSync(OUTPUT, Buffer.from(result.out));
  console.error(`tflite_oracle: ${path.basename(MODEL)}: input [${result.inputShape}], output [${result.outputShape}], ` +
                `${result.out.length} bytes; wasm features ${JSON.stringify(result.features)}; no delegate`);
} finally {
  await browser.close();
  server.close();
}
