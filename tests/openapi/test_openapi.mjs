// The OpenAPI document (static/openapi.json, served at /openapi.json) checked
// twice: by a real validator (@apidevtools/swagger-parser), and against the
// running server: requests provoke every status the document lists for
// every route and method, and each answer must be documented, match its
// schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses) and carry the
// headers documented as required. A status the server gives that the
// document lacks, or one the document lists that no request reached, fails.
// The servers serve MobileNet v1 and a small YOLO detector (random weights,
// make_random_weights), for POST /detect.
// usage: node test_openapi.mjs LOOKSLIKE STATIC_DIR PHOTO.jpg MODEL_DIR MAKE_RANDOM_WEIGHTS
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [LOOKSLIKE, STATIC_DIR, PHOTO, MODEL_DIR, MAKE_RANDOM_WEIGHTS] = process.argv.slice(2);
const WORK = mkdtempSync(path.join(tmpdir(), 'lookslike-openapi-'));
const DETECTOR = 'tinydet';

// MobileNet v1 (the default) and a small detector in one model directory.
function modelDir() {
  const dir = path.join(WORK, 'models');
  mkdirSync(dir, { recursive: true });
  for (const ext of ['cfg', 'weights', 'labels'])
    symlinkSync(path.join(MODEL_DIR, `mobilenet_v1.${ext}`), path.join(dir, `mobilenet_v1.${ext}`));
  writeFileSync(path.join(dir, `${DETECTOR}.cfg`), ['[net]', 'width=64', 'height=64', 'channels=3',
    '[convolutional]', 'filters=8', 'size=3', 'stride=2', 'pad=1', 'activation=leaky',
    '[convolutional]', 'filters=24', 'size=1', 'activation=linear',
    '[yolo]', 'mask=0,1,2', 'anchors=10,14,23,27,37,58', 'classes=3', 'num=3', ''].join('\n'));
  writeFileSync(path.join(dir, `${DETECTOR}.names`), 'cat\ndog\nkite\n');
  execFileSync(MAKE_RANDOM_WEIGHTS, [path.join(dir, `${DETECTOR}.cfg`), path.join(dir, `${DETECTOR}.weights`), '3']);
  return ['--model-dir', dir, '--model', `mobilenet_v1,${DETECTOR}`];
}
let MODELS = [];
const KEY = 'openapi-test-key-0123456789';
const ORIGIN = 'https://app.example.com';
let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
  return ok;
}

// ---- the server, and raw HTTP/1.1 on sockets (GET with a body, %00, long targets, kept-alive connections)

function startServer(...args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(LOOKSLIKE, ['--bind', '127.0.0.1', '--port', '0', '--static-dir', STATIC_DIR, '--access-log', '0',
      ...MODELS, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

// One request on a socket; resolves with the response once its body is complete.
function exchange(socket, { method, target, headers = {}, body = null }) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body) lines.push(`Content-Length: ${body.length}`);
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(head[0].split(' ')[1]);
      const h = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        h[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(h['content-length'] || 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ status, headers: h, body: buf.subarray(end + 4, end + 4 + length) });
    };
    // The server may answer before reading a body it refuses, and close: writing then fails (EPIPE), the answer counts.
    const onClose = () => reject(new Error(`connection closed before a whole answer to ${method} ${target.slice(0, 60)}`));
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', () => {});
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    // A body goes out only if the server has not answered the headers alone (as a careful client does:
    // writing into a connection the server closes makes it reset, and the answer is lost).
    if (body) setTimeout(() => { if (!buf.length) socket.write(body); }, 100);
  });
}

async function send(port, req) {
  const s = await connect(port);
  try {
    return await exchange(s, req);
  } finally {
    s.destroy();
  }
}

// ---- what the requests carry

const photo = readFileSync(PHOTO);
function multipart(files, type = 'image/jpeg') {
  const parts = files.map((f, i) => Buffer.concat([Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="f${i}"; filename="f${i}"\r\nContent-Type: ${type}\r\n\r\n`), f, Buffer.from('\r\n')]));
  return Buffer.concat([...parts, Buffer.from('--XyZ--\r\n')]);
}
const MULTIPART = 'multipart/form-data; boundary=XyZ';
function png(width, height) { // grey, 8-bit, unfiltered
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])) >>> 0);
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8;
  const rows = Buffer.alloc((width + 1) * height, 0);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
const auth = { Authorization: `Bearer ${KEY}` };
const jpeg = { 'Content-Type': 'image/jpeg', ...auth };

// ---- checking one answer against the document

function responseSpec(api, docPath, method, status) {
  const op = api.paths[docPath]?.[method];
  return op?.responses?.[String(status)];
}

// The keys of a path item that are operations (the others: parameters, summary, ...).
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function validateAnswer(api, ajv, docPath, method, res, what) {
  const spec = responseSpec(api, docPath, method, res.status);
  if (!check(spec, `${what}: ${res.status} is documented for ${method.toUpperCase()} ${docPath}`)) return;
  for (const [name, h] of Object.entries(spec.headers || {})) {
    const value = res.headers[name.toLowerCase()];
    if (h.required) check(value !== undefined, `${what}: header ${name} present`);
    if (value !== undefined && h.schema)
      check(ajv.validate(h.schema, value), `${what}: header ${name} matches its schema (${value.slice(0, 60)})`);
  }
  if (!spec.content) {
    check(res.body.length === 0, `${what}: no body, as documented`);
    return;
  }
  const type = (res.headers['content-type'] || '').split(';')[0].trim();
  const media = spec.content[type] || spec.content['*/*'];
  if (!check(media, `${what}: media type ${type} documented`)) return;
  if (type !== 'application/json') return;
  let doc;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    check(false, `${what}: body is JSON (${e.message})`);
    return;
  }
  const validate = ajv.compile(media.schema);
  check(validate(doc), `${what}: body matches the schema${validate.errors ? ` ${JSON.stringify(validate.errors).slice(0, 300)}` : ''}`);
  const bodyId = doc?.error?.request_id ?? (doc?.error !== undefined ? doc.request_id : undefined);
  if (bodyId !== undefined)
    check(bodyId === res.headers['x-request-id'], `${what}: the error's request_id is the X-Request-ID header's`);
}

// ---- the requests

const MODEL = 'mobilenet_v1';
const ROUTES = { '/healthz': '/healthz', '/readyz': '/readyz', '/v1/models': '/v1/models', '/metrics': '/metrics',
  '/openapi.json': '/openapi.json', '/{file}': '/index.html', '/v2': '/v2', '/v2/health/live': '/v2/health/live',
  '/v2/health/ready': '/v2/health/ready', '/v2/models/{model}': `/v2/models/${MODEL}`,
  '/v2/models/{model}/ready': `/v2/models/${MODEL}/ready` };
const INFER = `/v2/models/${MODEL}/infer`;
function inferBody(input, outputs) {
  return Buffer.from(JSON.stringify({ inputs: [input], ...(outputs ? { outputs } : {}) }));
}
const imageInput = (images) => ({ name: 'image', datatype: 'BYTES', shape: [images.length], data: images.map((b) => b.toString('base64')) });

function commonCases(port) { // on a server without keys: the errors every route shares
  const cases = [];
  for (const [docPath, target] of Object.entries(ROUTES)) {
    cases.push({ port, docPath, method: 'get', req: { method: 'GET', target } });
    cases.push({ port, docPath, method: 'get', req: { method: 'GET', target: `${target}?x=%00` } });
    cases.push({ port, docPath, method: 'get', req: { method: 'POST', target } });
    cases.push({ port, docPath, method: 'get', req: { method: 'GET', target, body: Buffer.from('x') } });
    cases.push({ port, docPath, method: 'get', req: { method: 'GET', target: `${target}?q=${'a'.repeat(8200)}` } });
  }
  cases.push({ port, docPath: '/{file}', method: 'get', req: { method: 'GET', target: '/' } });
  cases.push({ port, docPath: '/{file}', method: 'get', req: { method: 'GET', target: '/no-such-file.txt' } });
  for (const upload of ['/predict', '/detect']) {
    cases.push({ port, docPath: upload, method: 'post', req: { method: 'GET', target: upload } });
    cases.push({ port, docPath: upload, method: 'post', req: { method: 'POST', target: `${upload}?x=%00` } });
    cases.push({ port, docPath: upload, method: 'post', req: { method: 'POST', target: `${upload}?q=${'a'.repeat(8200)}` } });
  }
  for (const docPath of ['/predict', '/detect', '/v1/models'])
    cases.push({ port, docPath, method: 'options', req: { method: 'OPTIONS', target: docPath, headers: { Origin: ORIGIN } } });
  for (const docPath of ['/v2/models/{model}', '/v2/models/{model}/ready'])
    cases.push({ port, docPath, method: 'get', req: { method: 'GET', target: docPath.replace('{model}', 'nope') } });
  const infer = (req) => ({ port, docPath: '/v2/models/{model}/infer', method: 'post', req });
  cases.push(infer({ method: 'GET', target: INFER }));
  cases.push(infer({ method: 'POST', target: `${INFER}?x=%00` }));
  cases.push(infer({ method: 'POST', target: `${INFER}?q=${'a'.repeat(8200)}` }));
  // base64 of 1.2 kB decodes to 0.9 kB more than the 2 kB budget holds: 503 busy
  cases.push(infer({ method: 'POST', target: INFER, headers: { 'Content-Type': 'application/json' }, body: inferBody(imageInput([Buffer.alloc(900)])) }));
  // the body budget (--max-body-total) cannot hold a multipart parser: 503 busy
  cases.push({ port, docPath: '/predict', method: 'post', req: { method: 'POST', target: '/predict', headers: { 'Content-Type': MULTIPART }, body: multipart([Buffer.from('x')]) } });
  cases.push({ port, docPath: '/detect', method: 'post', req: { method: 'POST', target: `/detect?model=${DETECTOR}`, headers: { 'Content-Type': MULTIPART }, body: multipart([Buffer.from('x')]) } });
  return cases;
}

function keyedCases(port) { // --api-key-file, --metrics-need-key, --cors-origin, --max-batch 4
  const post = (target, headers, body) => ({ port, docPath: '/predict', method: 'post', req: { method: 'POST', target, headers, body } });
  const pre = (docPath, origin) => ({ port, docPath, method: 'options', req: { method: 'OPTIONS', target: docPath,
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } } });
  return [
    post('/predict', jpeg, photo),
    post('/predict?k=5&crop=full', { 'Content-Type': MULTIPART, ...auth }, multipart([photo, Buffer.from('not an image')])),
    post('/predict?explain=1&k=2', jpeg, photo), // each prediction's heatmap
    post('/predict?explain=1', { 'Content-Type': MULTIPART, ...auth }, multipart([photo, photo])),
    post('/predict?explain=2', jpeg, photo),
    post('/predict', { 'Content-Type': 'application/json', ...auth }, Buffer.from(JSON.stringify({ images: [photo.toString('base64')] }))),
    post('/predict', jpeg, Buffer.from('not an image')),
    post('/predict?k=0', jpeg, photo),
    post('/predict', { 'Content-Type': 'image/jpeg' }, photo),
    post('/predict', { 'Content-Type': 'image/jpeg', Authorization: 'Bearer wrong-key-0123456789' }, photo),
    post('/predict?model=nope', jpeg, photo),
    post('/predict', { 'Content-Type': MULTIPART, ...auth }, multipart([photo, photo, photo, photo, photo])),
    post('/predict', { 'Content-Type': 'image/tiff', ...auth }, photo),
    post('/predict', { 'Content-Type': 'image/png', ...auth }, png(8, 8)),
    post('/predict', { 'Content-Type': 'image/png', ...auth }, png(3000, 2000)),
    { port, docPath: '/metrics', method: 'get', req: { method: 'GET', target: '/metrics' } },
    { port, docPath: '/metrics', method: 'get', req: { method: 'GET', target: '/metrics', headers: auth } },
    { port, docPath: '/v1/models', method: 'get', req: { method: 'GET', target: '/v1/models', headers: { Origin: ORIGIN } } },
    pre('/predict', ORIGIN), pre('/predict', 'https://evil.example'), pre('/v1/models', ORIGIN), pre('/v1/models', 'https://evil.example'),
    pre('/detect', ORIGIN), pre('/detect', 'https://evil.example'),
    ...[[`/detect?model=${DETECTOR}`, jpeg, photo],
      [`/detect?model=${DETECTOR}&max=3&threshold=0.3&nms=0.5&classes=cat,kite`, { 'Content-Type': MULTIPART, ...auth }, multipart([photo, Buffer.from('not an image')])],
      [`/detect?model=${DETECTOR}`, { 'Content-Type': 'application/json', ...auth }, Buffer.from(JSON.stringify({ images: [photo.toString('base64')] }))],
      [`/detect?model=${DETECTOR}`, jpeg, Buffer.from('not an image')],
      [`/detect?model=${DETECTOR}&threshold=0`, jpeg, photo],
      [`/detect?model=${DETECTOR}&classes=unicorn`, jpeg, photo],
      ['/detect', jpeg, photo], // the default model is a classifier: wrong_task
      [`/detect?model=${DETECTOR}`, { 'Content-Type': 'image/jpeg' }, photo],
      ['/detect?model=nope', jpeg, photo],
      [`/detect?model=${DETECTOR}`, { 'Content-Type': MULTIPART, ...auth }, multipart([photo, photo, photo, photo, photo])],
      [`/detect?model=${DETECTOR}`, { 'Content-Type': 'image/tiff', ...auth }, photo],
      [`/detect?model=${DETECTOR}`, { 'Content-Type': 'image/png', ...auth }, png(8, 8)],
      [`/detect?model=${DETECTOR}`, { 'Content-Type': 'image/png', ...auth }, png(3000, 2000)],
    ].map(([target, headers, body]) => ({ port, docPath: '/detect', method: 'post', req: { method: 'POST', target, headers, body } })),
    post(`/predict?model=${DETECTOR}`, jpeg, photo), // a detector asked to classify: wrong_task
    ...[[inferBody(imageInput([photo]), [{ name: 'probabilities', parameters: { classification: 3 } }]), auth],
      [inferBody(imageInput([photo]), [{ name: 'probabilities', parameters: { binary_data: true } }]), auth],
      [inferBody(imageInput([photo, photo]), [{ name: 'heatmap', parameters: { classification: 2 } }, { name: 'heatmap_classes' },
        { name: 'heatmap_boxes' }, { name: 'heatmap_regions' }, { name: 'probabilities' }, { name: 'features' }]), auth],
      [inferBody(imageInput([photo])), {}],
      [Buffer.from('{'), auth],
      [inferBody(imageInput([photo, photo, photo, photo, photo])), auth],
      [inferBody(imageInput([Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(64)])])), auth],
      [inferBody({ name: 'pixels', datatype: 'UINT8', shape: [1, 8, 8, 3], data: new Array(192).fill(0) }), auth],
    ].map(([body, h]) => ({ port, docPath: '/v2/models/{model}/infer', method: 'post',
      req: { method: 'POST', target: INFER, headers: { 'Content-Type': 'application/json', ...h }, body } })),
    { port, docPath: '/v2/models/{model}/infer', method: 'post',
      req: { method: 'POST', target: '/v2/models/nope/infer', headers: { 'Content-Type': 'application/json', ...auth }, body: inferBody(imageInput([photo])) } },
    // the detector on the Open Inference Protocol: its metadata, its outputs (JSON, binary), its parameters
    { port, docPath: '/v2/models/{model}', method: 'get', req: { method: 'GET', target: `/v2/models/${DETECTOR}`, headers: auth } },
    ...[inferBody(imageInput([photo, photo])),
      Buffer.from(JSON.stringify({ inputs: [imageInput([photo])], parameters: { threshold: 0.3, max: 5, classes: 'cat,kite' },
        outputs: [{ name: 'boxes', parameters: { binary_data: true } }, { name: 'labels' }, { name: 'count' }] })),
      Buffer.from(JSON.stringify({ inputs: [imageInput([photo])], parameters: { threshold: 0 } })),
      Buffer.from(JSON.stringify({ inputs: [imageInput([photo])], parameters: { crop: 'full' } })),
    ].map((body) => ({ port, docPath: '/v2/models/{model}/infer', method: 'post',
      req: { method: 'POST', target: `/v2/models/${DETECTOR}/infer`, headers: { 'Content-Type': 'application/json', ...auth }, body } })),
  ];
}

// Every route on a kept-alive connection after SIGTERM: 503 shutting_down.
async function shutdownCases(api, ajv) {
  const s = await startServer('--shutdown-grace', '10');
  const routes = [...Object.entries(ROUTES).map(([docPath, target]) => ({ docPath, method: 'get', req: { method: 'GET', target } })),
    { docPath: '/predict', method: 'post', req: { method: 'POST', target: '/predict', headers: { 'Content-Type': 'image/jpeg' }, body: photo } },
    { docPath: '/detect', method: 'post', req: { method: 'POST', target: `/detect?model=${DETECTOR}`, headers: { 'Content-Type': 'image/jpeg' }, body: photo } },
    { docPath: '/v2/models/{model}/infer', method: 'post', req: { method: 'POST', target: INFER, headers: { 'Content-Type': 'application/json' }, body: inferBody(imageInput([photo])) } }];
  const sockets = [];
  for (const r of routes) {
    const sock = await connect(s.port);
    await exchange(sock, { method: 'GET', target: '/healthz' }); // kept alive
    sockets.push(sock);
  }
  const holder = await connect(s.port); // an upload in flight keeps the server draining
  holder.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n');
  await new Promise((r) => setTimeout(r, 200));
  s.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  const seen = [];
  for (let i = 0; i < routes.length; i++) {
    const res = await exchange(sockets[i], routes[i].req);
    validateAnswer(api, ajv, routes[i].docPath, routes[i].method, res, `after SIGTERM ${routes[i].req.method} ${routes[i].req.target}`);
    seen.push([routes[i].docPath, routes[i].method, res.status]);
    sockets[i].destroy();
  }
  holder.destroy();
  s.proc.kill('SIGKILL');
  return seen;
}

async function main() {
  const api = await SwaggerParser.validate(path.join(STATIC_DIR, 'openapi.json'));
  check(api.openapi === '3.1.0', `the document validates as OpenAPI ${api.openapi} (swagger-parser): ${Object.keys(api.paths).length} paths`);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  MODELS = modelDir();
  const keyFile = path.join(WORK, 'keys');
  writeFileSync(keyFile, `${KEY}\n`);
  const plain = await startServer('--max-body', '2048', '--max-body-total', '2048');
  const keyed = await startServer('--api-key-file', keyFile, '--metrics-need-key', '1', '--cors-origin', ORIGIN,
    '--max-batch', '4', '--max-pixels', '4000000');
  const seen = [];
  try {
    const served = await send(plain.port, { method: 'GET', target: '/openapi.json' });
    check(served.status === 200 && served.body.equals(readFileSync(path.join(STATIC_DIR, 'openapi.json'))),
      'GET /openapi.json serves the document');
    for (const c of [...commonCases(plain.port), ...keyedCases(keyed.port)]) {
      const res = await send(c.port, c.req);
      validateAnswer(api, ajv, c.docPath, c.method, res, `${c.req.method} ${c.req.target.slice(0, 60)}`);
      seen.push([c.docPath, c.method, res.status]);
    }
    seen.push(...await shutdownCases(api, ajv));
  } finally {
    plain.proc.kill('SIGTERM');
    keyed.proc.kill('SIGTERM');
    rmSync(WORK, { recursive: true, force: true });
  }
  // every documented status reached
  const reached = new Set(seen.map(([p, m, s]) => `${p} ${m} ${s}`));
  for (const [p, item] of Object.entries(api.paths))
    for (const [m, op] of Object.entries(item).filter(([k]) => HTTP_METHODS.includes(k)))
      for (const s of Object.keys(op.responses))
        check(reached.has(`${p} ${m} ${s}`), `documented ${m.toUpperCase()} ${p} ${s} was reached by a real request`);
  console.log(`# ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
