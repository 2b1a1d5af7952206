// The web UI in Debian's Chromium, driven by playwright-core, against the real
// lookslike server on loopback. Screenshots go to the artifacts directory.
// usage: node ui_test.mjs LOOKSLIKE STATIC_DIR ARTIFACTS_DIR MODEL_DIR MAKE_RANDOM_WEIGHTS
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [LOOKSLIKE, STATIC_DIR, ARTIFACTS, MODEL_DIR, MAKE_RANDOM_WEIGHTS] = process.argv.slice(2);
const GREEN = 'rgb(143, 214, 148)'; // --p50
const YELLOW = 'rgb(255, 232, 102)'; // --p25
const WORK = mkdtempSync(path.join(tmpdir(), 'lookslike-ui-'));
const FAKE_CAMERA = path.join(WORK, 'camera.y4m');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser;
const servers = [];

function startServer(...args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(LOOKSLIKE, ['--bind', '127.0.0.1', '--port', '0', '--static-dir', STATIC_DIR, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    servers.push(proc);
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30000);
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ proc, base: `http://127.0.0.1:${m[1]}/` });
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
}

async function newPage(base, viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport, permissions: ['camera'] });
  const page = await context.newPage();
  page.on('pageerror', (e) => { throw e; });
  const predicts = [];
  page.on('request', (r) => { if (r.url().includes('/predict')) predicts.push(Date.now()); });
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById('slide').naturalWidth > 0);
  return { page, predicts };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function rows(page) {
  return page.$$eval('#predictions li', (lis) => lis.map((li) => ({
    label: li.querySelector('.label').textContent,
    probability: Number(li.dataset.probability),
    background: getComputedStyle(li).backgroundColor,
  })));
}

async function predictAndWait(page, predicts) {
  const before = predicts.length;
  const response = page.waitForResponse((r) => r.url().includes('/predict'));
  await page.click('#predict');
  await response;
  await page.waitForTimeout(100); // let the page render the answer
  assert.equal(predicts.length, before + 1, 'one request per Predict');
  return rows(page);
}

function colourRuleHolds(r) {
  if (r.probability >= 0.5) return r.background === GREEN;
  if (r.probability >= 0.25) return r.background === YELLOW;
  return r.background !== GREEN && r.background !== YELLOW;
}

let server;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Chromium's fake camera plays this file: a slide photo as 2 s of video.
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-loop', '1', '-i', path.join(STATIC_DIR, 'samples', 'parrot.jpg'),
    '-vf', 'scale=640:480', '-t', '2', '-r', '15', '-pix_fmt', 'yuv420p', FAKE_CAMERA]);
  server = await startServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${FAKE_CAMERA}`],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) s.kill('SIGTERM');
  rmSync(WORK, { recursive: true, force: true });
});

test('slides navigate with buttons and arrow keys', async () => {
  const { page } = await newPage(server.base);
  const src = () => page.$eval('#slide', (img) => img.getAttribute('src'));
  const first = await src();
  assert.match(await page.textContent('#slide-caption'), /^1\/\d+ · /);
  await page.click('#forward');
  const second = await src();
  assert.notEqual(second, first);
  assert.match(await page.textContent('#slide-caption'), /^2\//);
  await page.click('#back');
  assert.equal(await src(), first);
  await page.keyboard.press('ArrowRight');
  assert.equal(await src(), second);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft'); // wraps to the last slide
  assert.notEqual(await src(), first);
  await shot(page, 'slides');
  await page.context().close();
});

test('Predict shows the server\'s top 3 for each slide, coloured by probability', async () => {
  const { page, predicts } = await newPage(server.base);
  const count = await page.$eval('#slide-caption', (c) => Number(c.textContent.match(/^1\/(\d+)/)[1]));
  const seen = { green: 0, yellow: 0, plain: 0 };
  for (let i = 0; i < count; i++) {
    const shown = await predictAndWait(page, predicts);
    assert.equal(shown.length, 3, 'three rows');
    // The same file straight to the API must give the same labels.
    const src = await page.$eval('#slide', (img) => img.getAttribute('src'));
    const bytes = await (await fetch(new URL(src, server.base))).arrayBuffer();
    const api = await (await fetch(new URL('predict', server.base),
      { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: bytes })).json();
    assert.deepEqual(shown.map((r) => r.label), api.predictions.map((p) => p.label), `labels for ${src}`);
    for (const r of shown) {
      assert.ok(colourRuleHolds(r), `${r.label} at ${r.probability} has background ${r.background}`);
      if (r.background === GREEN) seen.green++;
      else if (r.background === YELLOW) seen.yellow++;
      else seen.plain++;
    }
    if (i === 0) await shot(page, 'predict-slide');
    await page.click('#forward');
  }
  console.log(`# rows seen: ${JSON.stringify(seen)}`);
  assert.ok(seen.green >= 1 && seen.plain >= 1, 'both highlighted and plain rows occurred');
  const latency = await page.textContent('#latency');
  assert.match(latency, /\d+ ms round trip, [\d.]+ ms inference/);
  await page.keyboard.press(' ');
  await page.waitForResponse((r) => r.url().includes('/predict'));
  await page.context().close();
});

// A small YOLO detector (random weights: make_random_weights) served beside the classifier: chosen in the
// picker, Predict asks /detect, and every box is drawn where the answer puts it, in the slide's pixels scaled
// to the picture shown; the list names each with its place; axe finds nothing to fault.
function detectorDir() {
  const dir = path.join(WORK, 'models');
  mkdirSync(dir, { recursive: true });
  for (const ext of ['cfg', 'weights', 'labels'])
    symlinkSync(path.join(MODEL_DIR, `mobilenet_v1.${ext}`), path.join(dir, `mobilenet_v1.${ext}`));
  writeFileSync(path.join(dir, 'tinydet.cfg'), ['[net]', 'width=64', 'height=64', 'channels=3',
    '[convolutional]', 'filters=8', 'size=3', 'stride=2', 'pad=1', 'activation=leaky',
    '[maxpool]', 'size=2', 'stride=2',
    '[convolutional]', 'filters=16', 'size=3', 'stride=2', 'pad=1', 'activation=leaky',
    '[convolutional]', 'filters=24', 'size=1', 'activation=linear',
    '[yolo]', 'mask=0,1,2', 'anchors=10,14,23,27,37,58', 'classes=3', 'num=3', ''].join('\n'));
  writeFileSync(path.join(dir, 'tinydet.names'), 'cat\ndog\nkite\n');
  execFileSync(MAKE_RANDOM_WEIGHTS, [path.join(dir, 'tinydet.cfg'), path.join(dir, 'tinydet.weights'), '3']);
  return dir;
}

test('a detector chosen in the picker draws its boxes where /detect puts them, and lists them', async () => {
  const det = await startServer('--model-dir', detectorDir(), '--model', 'mobilenet_v1,tinydet');
  for (const viewport of [{ width: 1200, height: 900 }, { width: 390, height: 844 }]) {
    const { page } = await newPage(det.base, viewport);
    await page.waitForFunction(() => document.getElementById('model').options.length === 2);
    assert.match(await page.textContent('#model option[value="tinydet"]'), /^tinydet \(detects 3 classes: cat, dog, kite, …\)$/);
    await page.selectOption('#model', 'tinydet');
    assert.equal(await page.textContent('#results-title'), 'Found');
    assert.ok(await page.isDisabled('#whole-frame'), 'no crop switch for a detector');
    const answer = page.waitForResponse((r) => r.url().includes('/detect'));
    await page.click('#predict');
    const body = await (await answer).json();
    await page.waitForTimeout(100);
    assert.ok(body.detections.length > 0, 'the random detector finds something to draw');
    const drawn = await page.evaluate(() => {
      const img = document.getElementById('slide').getBoundingClientRect();
      return [...document.querySelectorAll('#slide-view .box')].map((b) => {
        const r = b.getBoundingClientRect();
        return { x: r.left - img.left, y: r.top - img.top, w: r.width, h: r.height, img: img.width,
          style: getComputedStyle(b).borderTopStyle, text: b.textContent };
      });
    });
    assert.equal(drawn.length, body.detections.length, 'one box a detection');
    body.detections.forEach((d, i) => {
      const s = drawn[i].img / body.image.width;
      // (a box is never drawn thinner than its two 3-pixel borders)
      for (const [ours, theirs] of [[drawn[i].x, d.box.x * s], [drawn[i].y, d.box.y * s],
        [drawn[i].w, Math.max(d.box.width * s, 6)], [drawn[i].h, Math.max(d.box.height * s, 6)]])
        assert.ok(Math.abs(ours - theirs) <= 1, `box ${i} (${d.label}) at ${JSON.stringify(drawn[i])}, the answer's ${JSON.stringify(d.box)}`);
      assert.equal(drawn[i].style, d.confidence >= 0.5 ? 'solid' : 'dashed', 'solid from 50 %, dashed from 25 %');
      assert.equal(drawn[i].text, `${d.label} ${(100 * d.confidence).toFixed(0)} %`);
    });
    const listed = await page.$$eval('#predictions li .label', (ls) => ls.map((l) => l.textContent));
    assert.deepEqual(listed.map((t) => t.split(',')[0]), body.detections.map((d) => d.label));
    assert.ok(listed.every((t) => /, (centre|(top|middle|bottom) (left|centre|right))$/.test(t)), listed.join('; '));
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => (await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(violations, [], violations.join('\n'));
    await shot(page, `detector-${viewport.width}`);
    await page.click('#forward');
    assert.equal(await page.$$eval('#slide-view .box', (bs) => bs.length), 0, 'another slide clears the boxes');
    await page.context().close();
  }
  det.proc.kill('SIGTERM');
});

// Where?: /predict?explain=1, and the top class's map drawn over the slide where the JSON puts it: sampled
// on the canvas at the centres of the map's highest and lowest cells, outside the region it covers, and on the
// box's edge; a click on another class draws that one's; the words for a screen reader; axe; both widths.
test('Where? draws the class activation map where /predict?explain=1 puts it, and another class\'s on click', async () => {
  for (const viewport of [{ width: 1200, height: 900 }, { width: 390, height: 844 }]) {
    const { page } = await newPage(server.base, viewport);
    await page.waitForFunction(() => document.getElementById('model').options.length >= 1);
    assert.equal(await page.isDisabled('#where'), false, 'the default model has maps');
    const answer = page.waitForResponse((r) => r.url().includes('/predict'));
    await page.check('#where'); // predicts at once
    const response = await answer;
    assert.match(response.url(), /explain=1/);
    const body = await response.json();
    await page.waitForTimeout(150);
    const sample = (points) => page.evaluate((pts) => {
      const canvas = document.querySelector('#slide-view .heat');
      const img = document.getElementById('slide');
      const ratio = canvas.width / canvas.clientWidth, ctx = canvas.getContext('2d');
      return { hidden: canvas.hidden, scale: img.clientWidth, offset: [canvas.offsetLeft - img.offsetLeft, canvas.offsetTop - img.offsetTop],
        px: pts.map(([x, y]) => [...ctx.getImageData(Math.floor(x * ratio), Math.floor(y * ratio), 1, 1).data]) };
    }, points);
    for (const [i, p] of body.predictions.entries()) {
      if (i > 0) {
        await page.click(`#predictions li:nth-child(${i + 1}) button.label`);
        await page.waitForTimeout(50);
      }
      const m = p.heatmap, r = m.region, b = m.box;
      const width = await page.$eval('#slide', (img) => img.clientWidth);
      const s = width / body.image.width;
      const centre = (k) => [(r.x + ((k % m.width) + 0.5) * r.width / m.width) * s,
        (r.y + (Math.floor(k / m.width) + 0.5) * r.height / m.height) * s];
      const hi = m.values.indexOf(1), lo = m.values.indexOf(0);
      const outside = r.x > 4 ? [r.x * s / 2, (r.y + r.height / 2) * s] : null;
      const edge = [b.x * s, (b.y + b.height / 2) * s];
      const got = await sample([centre(hi), centre(lo), edge, ...(outside ? [outside] : [])]);
      assert.equal(got.hidden, false, 'the map is shown');
      assert.deepEqual(got.offset, [0, 0], 'the canvas lies over the picture');
      const [top, bottom, line, out] = got.px;
      const near = (a, e, tol) => a.every((v, k) => Math.abs(v - e[k]) <= tol);
      assert.ok(near(top, [253, 231, 37, 191], 30), `${p.label}: the highest cell is yellow, 75 % opaque: ${top}`);
      assert.ok(bottom[3] <= 25, `${p.label}: the lowest cell is nearly transparent: ${bottom}`);
      assert.ok(line[3] >= 200 && line[0] >= 150, `${p.label}: the box's edge is outlined: ${line}`);
      if (out) assert.equal(out[3], 0, `${p.label}: nothing drawn outside the crop: ${out}`);
      const pressed = await page.$$eval('#predictions button.label', (bs) => bs.map((x) => x.getAttribute('aria-pressed')));
      assert.deepEqual(pressed, body.predictions.map((_, k) => String(k === i)), 'the shown class is pressed');
      assert.match(await page.textContent('#where-text'),
        new RegExp(`^Where it saw “${p.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}”: mostly the (centre|(top|middle|bottom) (left|centre|right)) of the picture\\.$`));
      if (i === 0) { // docs/img/where-*.png are these
        await page.locator('#stage').screenshot({ path: path.join(ARTIFACTS, `where-${viewport.width}.png`) });
        await shot(page, `where-page-${viewport.width}`);
      }
    }
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => (await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(violations, [], violations.join('\n'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    await page.click('#forward');
    assert.equal(await page.$eval('#slide-view .heat', (c) => c.hidden), true, 'another slide hides the map');
    await page.uncheck('#where');
    await page.context().close();
  }
});

test('the model select names each served model with its label set, and the chosen one answers', async () => {
  const two = await startServer('--model', 'mobilenet_v1,inat_bird');
  const { page, predicts } = await newPage(two.base);
  await page.waitForFunction(() => document.getElementById('model').options.length === 2);
  const options = await page.$$eval('#model option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options.map(([value]) => value), ['mobilenet_v1', 'inat_bird']);
  assert.equal(options[0][1], 'mobilenet_v1 (1000 classes: tench, goldfish, great white shark, …)');
  assert.match(options[1][1], /^inat_bird \(964 classes: [A-Z][a-z]+ [a-z]+ \(.+\), …\)$/);
  assert.ok(!(await page.isDisabled('#model')));
  const urls = [];
  page.on('request', (r) => { if (r.url().includes('/predict')) urls.push(r.url()); });
  await page.selectOption('#model', 'inat_bird'); // the first slide is the parrot
  let shown = await predictAndWait(page, predicts);
  assert.equal(shown[0].label, 'Ara macao (Scarlet Macaw)');
  assert.match(urls.at(-1), /[?&]model=inat_bird(&|$)/);
  await shot(page, 'model-select');
  await page.selectOption('#model', 'mobilenet_v1');
  assert.equal((await rows(page)).length, 0, 'the other model\'s answer is cleared');
  shown = await predictAndWait(page, predicts);
  assert.equal(shown[0].label, 'macaw');
  assert.match(urls.at(-1), /[?&]model=mobilenet_v1(&|$)/);
  await page.context().close();
  two.proc.kill('SIGTERM');
});

test('added slides (file picker) are classified', async () => {
  const { page, predicts } = await newPage(server.base);
  const file = path.join(WORK, 'my photo.jpg');
  copyFileSync(path.join(STATIC_DIR, 'samples', 'owl.jpg'), file);
  const before = await page.textContent('#slide-caption');
  await page.setInputFiles('#add-slides', file);
  const caption = await page.textContent('#slide-caption');
  assert.notEqual(caption, before);
  assert.match(caption, /my photo\.jpg — your photo/);
  const shown = await predictAndWait(page, predicts);
  assert.equal(shown.length, 3);
  await page.context().close();
});

test('photos dropped on the picture become slides', async () => {
  const { page, predicts } = await newPage(server.base);
  // A real drop event carrying a File, as a desktop drag would deliver it.
  await page.evaluate(async () => {
    const bytes = await (await fetch('samples/cat.jpg')).arrayBuffer();
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped cat.jpg', { type: 'image/jpeg' }));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => document.getElementById('slide-caption').textContent.includes('dropped cat.jpg'));
  const shown = await predictAndWait(page, predicts);
  assert.equal(shown.length, 3);
  await page.context().close();
});

test('a PNG slide is sent as it is, as image/png, and classified', async () => {
  const { page, predicts } = await newPage(server.base);
  const types = [];
  page.on('request', (r) => { if (r.url().includes('/predict')) types.push(r.headers()['content-type']); });
  // The browser makes a PNG of the sample photo and asks the server about it directly; the page,
  // given the same file as a slide, must get the same answer (a JPEG of it would differ).
  const direct = await page.evaluate(async () => {
    const img = new Image();
    img.src = 'samples/cat.jpg';
    await img.decode();
    const c = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
    c.getContext('2d').drawImage(img, 0, 0);
    const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/png'));
    const answer = await (await fetch('predict?crop=center', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: blob })).json();
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'cat.png', { type: 'image/png' }));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return answer.predictions.map((p) => p.probability);
  });
  await page.waitForFunction(() => document.getElementById('slide-caption').textContent.includes('cat.png'));
  const shown = await predictAndWait(page, predicts);
  assert.equal(types.at(-1), 'image/png');
  assert.deepEqual(shown.map((r) => r.probability), direct);
  await page.context().close();
});

const API_KEY = 'browser-test-key-0123456789';

function keyFile() {
  const file = path.join(WORK, 'api-keys');
  writeFileSync(file, `${API_KEY}\n`);
  return file;
}

// Another origin: an empty page served from its own loopback port.
function startOtherSite() {
  return new Promise((resolve) => {
    const site = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><html lang="en"><title>another site</title></html>');
    });
    site.listen(0, '127.0.0.1', () => resolve({ site, origin: `http://127.0.0.1:${site.address().port}` }));
  });
}

test('a page on another origin calls the API where --cors-origin allows it, and only there', async () => {
  const { site, origin } = await startOtherSite();
  const allowed = await startServer('--cors-origin', origin, '--api-key-file', keyFile());
  const elsewhere = await startServer('--cors-origin', 'https://app.example.com');
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/`);
  const bytes = Array.from(readFileSync(path.join(STATIC_DIR, 'samples', 'cat.jpg')));
  // image/jpeg and Authorization make Chromium send a preflight first.
  const call = (base, key) => page.evaluate(async ({ base, key, bytes }) => {
    const headers = { 'Content-Type': 'image/jpeg' };
    if (key) headers.Authorization = `Bearer ${key}`;
    try {
      const res = await fetch(`${base}predict`, { method: 'POST', headers, body: new Uint8Array(bytes) });
      return { status: res.status, body: await res.json() };
    } catch (e) {
      return { blocked: e.name };
    }
  }, { base, key, bytes });
  const ok = await call(allowed.base, API_KEY);
  assert.equal(ok.status, 200, JSON.stringify(ok));
  assert.equal(ok.body.predictions.length, 3);
  const noKey = await call(allowed.base, null);
  assert.equal(noKey.status, 401, 'the error is readable from the allowed origin');
  assert.equal(noKey.body.error.code, 'unauthorized');
  const refused = await call(elsewhere.base, null);
  assert.equal(refused.blocked, 'TypeError', 'Chromium blocks a call the server does not allow');
  await page.context().close();
  site.close();
});

test('with API keys on, the UI asks for a key, keeps it for the tab and classifies', async () => {
  const keyed = await startServer('--api-key-file', keyFile());
  const { page, predicts } = await newPage(keyed.base);
  await page.click('#predict');
  await page.waitForSelector('#key-form', { state: 'visible' });
  assert.match(await page.textContent('#error'), /needs an API key/);
  await page.fill('#api-key', 'not-the-key-0123456789');
  await page.click('#key-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('did not accept'));
  await page.fill('#api-key', API_KEY);
  await page.click('#key-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#predictions li').length === 3);
  assert.equal(await page.isHidden('#key-form'), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lookslike-api-key')), API_KEY);
  const shown = await predictAndWait(page, predicts); // the kept key, no question
  assert.equal(shown.length, 3);
  await shot(page, 'api-key');
  await page.context().close();
});

test('Video plays the sample clip and Predict classifies a frame', async () => {
  const { page, predicts } = await newPage(server.base);
  await page.click('#mode');
  assert.equal(await page.textContent('#mode'), 'Slide');
  await page.waitForFunction(() => { const v = document.getElementById('video'); return !v.paused && v.currentTime > 0.5; });
  const shown = await predictAndWait(page, predicts);
  assert.equal(shown.length, 3);
  await shot(page, 'video');
  await page.context().close();
});

test('Auto at 25 % sends about one request a second and lights the indicator', async () => {
  const { page, predicts } = await newPage(server.base);
  await page.click('#mode');
  await page.waitForFunction(() => !document.getElementById('video').paused);
  await page.evaluate(() => {
    window.lit = 0;
    new MutationObserver(() => { if (document.getElementById('indicator').classList.contains('lit')) window.lit++; })
      .observe(document.getElementById('indicator'), { attributes: true, attributeFilter: ['class'] });
  });
  const answers = [];
  page.on('response', async (r) => { if (r.url().includes('/predict')) answers.push((await r.json()).predictions[0].probability); });
  await page.click('#auto');
  assert.equal(await page.textContent('#auto'), 'Auto: 25 %');
  const start = predicts.length;
  await page.waitForTimeout(5500);
  const sent = predicts.length - start;
  assert.ok(sent >= 4 && sent <= 7, `${sent} requests in 5.5 s`);
  const lit = await page.evaluate(() => window.lit);
  const over = answers.filter((p) => p >= 0.25).length;
  assert.ok(lit >= 1 && lit <= over, `indicator lit ${lit} times for ${over} answers at or over 25 %`);
  const top = await rows(page);
  assert.ok(top.length === 3 && top[0].probability >= 0.25, 'the list shows a prediction at or over 25 %');
  await shot(page, 'auto-25');
  await page.click('#auto');
  assert.equal(await page.textContent('#auto'), 'Auto: 50 %');
  await page.click('#auto');
  assert.equal(await page.textContent('#auto'), 'Auto: Off');
  await page.waitForTimeout(1200); // a request already in flight may still land
  const stopped = predicts.length;
  await page.waitForTimeout(2500);
  assert.equal(predicts.length, stopped, 'no requests once Auto is off');
  await page.context().close();
});

test('webcam mode shows Chromium\'s fake camera and classifies it', async () => {
  const { page, predicts } = await newPage(server.base);
  await page.click('#mode');
  await page.selectOption('#video-source', 'webcam');
  await page.waitForFunction(() => { const v = document.getElementById('video'); return v.srcObject && v.videoWidth > 0 && !v.paused; });
  const shown = await predictAndWait(page, predicts);
  assert.equal(shown.length, 3);
  assert.ok(await page.isHidden('#error'), 'no error');
  await shot(page, 'webcam');
  await page.context().close();
});

test('a server error is shown in words', async () => {
  const strict = await startServer('--max-pixels', '1000');
  const { page } = await newPage(strict.base);
  await page.click('#predict');
  await page.waitForSelector('#error:not([hidden])');
  const text = await page.textContent('#error');
  assert.match(text, /\(422\).*the limit is 1000/);
  await shot(page, 'server-error');
  await page.context().close();
});

test('works on a phone-sized screen', async () => {
  const { page, predicts } = await newPage(server.base, { width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
  await predictAndWait(page, predicts);
  await shot(page, 'phone');
  await page.context().close();
});

// axe-core, the common accessibility checker, on the page after a prediction,
// at a desktop and a phone width: no violation of WCAG 2 A/AA or of its
// best-practice rules.
for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  test(`axe finds no accessibility violations at ${viewport.width} px`, async () => {
    const { page, predicts } = await newPage(server.base, viewport);
    await predictAndWait(page, predicts);
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => (await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })).violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(violations, [], violations.join('\n'));
    await page.context().close();
  });
}

// Every control can be reached with Tab, shows where the focus is, and works
// from the keyboard (Enter and Space on buttons, Space on the checkbox).
test('every control is reachable and usable by keyboard, with a visible focus', async () => {
  const { page, predicts } = await newPage(server.base);
  const focusable = ['mode', 'back', 'forward', 'predict', 'whole-frame', 'where', 'add-slides'];
  const reached = new Set();
  const unseen = [];
  for (let i = 0; i < 40 && reached.size < focusable.length; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { id: el.id, visible: el.matches(':focus-visible') && (style.outlineStyle !== 'none' || style.boxShadow !== 'none') };
    });
    if (focusable.includes(f.id)) {
      reached.add(f.id);
      if (!f.visible) unseen.push(f.id);
    }
  }
  assert.deepEqual([...reached].sort(), [...focusable].sort(), 'Tab reaches every control');
  assert.deepEqual(unseen, [], 'the focus is visible on every control');

  const before = predicts.length;
  await page.focus('#predict');
  await page.keyboard.press('Enter');
  await page.waitForResponse((r) => r.url().includes('/predict'));
  assert.equal(predicts.length, before + 1, 'Enter on Predict predicts');
  await page.focus('#whole-frame');
  await page.keyboard.press(' ');
  assert.equal(await page.isChecked('#whole-frame'), true, 'Space toggles the checkbox');
  await page.focus('#mode');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#video-view:not([hidden])');
  await page.focus('#auto');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#auto'), /25/, 'Enter on Auto switches it on');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#auto'), /Off/, 'and round to Off');
  await page.context().close();
});
