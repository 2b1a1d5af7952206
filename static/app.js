// lookslike's page: slides and video in, the server's top-3 out, or a detector's boxes drawn over the picture;
// with Where?, the top class's class activation map (POST /predict?explain=1) drawn over it.
// Everything the network sees goes to POST /predict (a classifier) or POST /detect (a detector): a slide as
// its own file where the server reads its format, anything else (video frames, other formats) as a JPEG of
// the canvas.
'use strict';

const $ = (id) => document.getElementById(id);
const THRESHOLDS = [0, 0.25, 0.5]; // Auto: Off, 25 %, 50 %
const AUTO_INTERVAL_MS = 1000;
const SENT_AS_IS = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/gif']; // the server decodes these
const KEY_STORAGE = 'lookslike-api-key'; // a server started with --api-key-file asks for one (401)
const MAX_BOXES = 20; // a detector's most confident boxes drawn
// Viridis (perceptually uniform), 9 stops from 0 to 1; a cell's opacity grows with its value.
const VIRIDIS = [[68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140], [40, 174, 128],
  [94, 201, 98], [173, 220, 48], [253, 231, 37]];
const HEAT_OPACITY = 0.75; // of a cell of value 1; 0 is transparent

const state = {
  mode: 'slide',
  slides: [], // {src, title, credit, blob?}
  index: 0,
  autoLevel: 0,
  autoTimer: null,
  busy: false,
  stream: null, // webcam MediaStream
  videoUrl: null, // object URL of a local video file
  answer: null, // the last classification with maps, and what it was drawn over: {body, shown}
};

// ---- results ---------------------------------------------------------------

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function render(body, shown) {
  clearOverlays();
  const list = $('predictions');
  list.replaceChildren();
  const maps = body.predictions.length > 0 && Boolean(body.predictions[0].heatmap);
  body.predictions.forEach((p, i) => {
    const li = document.createElement('li');
    const label = document.createElement(maps ? 'button' : 'span');
    const prob = document.createElement('span');
    label.className = 'label';
    label.textContent = p.label;
    label.title = maps ? `${p.labels}: show where it was seen` : p.labels;
    if (maps) {
      label.type = 'button';
      label.setAttribute('aria-pressed', i === 0 ? 'true' : 'false');
      label.addEventListener('click', () => showMap(i));
    }
    prob.className = 'prob';
    prob.textContent = `${(100 * p.probability).toFixed(1)} %`;
    if (p.probability >= 0.5) li.className = 'p50';
    else if (p.probability >= 0.25) li.className = 'p25';
    li.dataset.probability = String(p.probability);
    li.append(label, prob);
    list.append(li);
  });
  state.answer = maps ? { body, shown } : null;
  if (maps) showMap(0);
}

// ---- where: class activation maps -------------------------------------------

function viridis(v) {
  const at = Math.min(Math.max(v, 0), 1) * (VIRIDIS.length - 1), i = Math.min(Math.floor(at), VIRIDIS.length - 2);
  const f = at - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}

// Prediction i's map over the picture: its grid covers the region of the image the network saw (the crop),
// upsampled smoothly by the canvas (bilinear between cell centres), the box outlined; in words for a screen
// reader below the list.
function showMap(i) {
  if (!state.answer) return;
  const { body, shown } = state.answer;
  const p = body.predictions[i], m = p.heatmap;
  for (const b of document.querySelectorAll('#predictions button.label'))
    b.setAttribute('aria-pressed', b === $('predictions').children[i].querySelector('.label') ? 'true' : 'false');
  const canvas = shown.parentElement.querySelector('.heat');
  placeLayer(canvas, shown);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(shown.clientWidth * ratio);
  canvas.height = Math.round(shown.clientHeight * ratio);
  canvas.hidden = false;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, shown.clientWidth, shown.clientHeight);
  const cells = document.createElement('canvas');
  cells.width = m.width;
  cells.height = m.height;
  const pixels = cells.getContext('2d').createImageData(m.width, m.height);
  m.values.forEach((v, k) => {
    pixels.data.set([...viridis(v), Math.round(255 * HEAT_OPACITY * v)], 4 * k);
  });
  cells.getContext('2d').putImageData(pixels, 0, 0);
  const s = shown.clientWidth / body.image.width, r = m.region, b = m.box;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(cells, r.x * s, r.y * s, r.width * s, r.height * s);
  for (const [colour, width] of [['rgba(0, 0, 0, 0.8)', 4], ['#fff', 2]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.strokeRect(b.x * s, b.y * s, b.width * s, b.height * s);
  }
  const text = $('where-text');
  text.textContent = `Where it saw “${p.label}”: mostly the ${where(b, body.image)} of the picture.`;
  text.hidden = false;
}

// A detector's answer: the list (what a screen reader reads) and the boxes over the picture (drawn for
// the eye only), each class in its own colour, a box solid from 50 % and dashed from 25 %.
function classColour(index) {
  return `hsl(${(index * 137.508) % 360}, 85%, 45%)`;
}

function clearOverlays() {
  for (const layer of document.querySelectorAll('.boxes')) layer.replaceChildren();
  for (const canvas of document.querySelectorAll('.heat')) canvas.hidden = true;
  $('where-text').hidden = true;
  state.answer = null;
}

// A layer over the element that shows the picture (img or video, laid out with object-fit: contain, so its
// box is the picture's).
function placeLayer(layer, shown) {
  layer.style.left = `${shown.offsetLeft}px`;
  layer.style.top = `${shown.offsetTop}px`;
  layer.style.width = `${shown.clientWidth}px`;
  layer.style.height = `${shown.clientHeight}px`;
}

// Where a box's centre is, in words: a third of the picture each way.
function where(box, image) {
  const x = (box.x + box.width / 2) / image.width, y = (box.y + box.height / 2) / image.height;
  const row = y < 1 / 3 ? 'top' : y < 2 / 3 ? 'middle' : 'bottom';
  const column = x < 1 / 3 ? 'left' : x < 2 / 3 ? 'centre' : 'right';
  return row === 'middle' && column === 'centre' ? 'centre' : `${row} ${column}`;
}

function renderDetections(body, shown) {
  const list = $('predictions');
  list.replaceChildren();
  for (const d of body.detections) {
    const li = document.createElement('li');
    const label = document.createElement('span');
    const prob = document.createElement('span');
    const b = d.box;
    label.className = 'label';
    label.textContent = `${d.label}, ${where(b, body.image)}`;
    label.title = `at ${b.x.toFixed(0)}, ${b.y.toFixed(0)}, ${b.width.toFixed(0)} × ${b.height.toFixed(0)} pixels`;
    prob.className = 'prob';
    prob.textContent = `${(100 * d.confidence).toFixed(1)} %`;
    li.className = `detected${d.confidence >= 0.5 ? ' p50' : d.confidence >= 0.25 ? ' p25' : ''}`;
    li.dataset.probability = String(d.confidence);
    li.style.setProperty('--class-colour', classColour(d.index));
    li.append(label, prob);
    list.append(li);
  }
  if (!body.detections.length) {
    const li = document.createElement('li');
    li.className = 'none';
    li.textContent = 'Nothing found over the threshold.';
    list.append(li);
  }
  drawBoxes(body, shown);
}

// Boxes in the picture's own pixels, scaled to the element that shows it.
function drawBoxes(body, shown) {
  clearOverlays();
  const layer = shown.parentElement.querySelector('.boxes');
  const scale = shown.clientWidth / body.image.width;
  placeLayer(layer, shown);
  for (const d of body.detections) {
    const box = document.createElement('div');
    box.className = `box${d.confidence >= 0.5 ? ' p50' : d.confidence >= 0.25 ? ' p25' : ''}`
      + `${d.box.y * scale < 20 ? ' label-inside' : ''}`; // no room above it in the frame
    box.style.left = `${d.box.x * scale}px`;
    box.style.top = `${d.box.y * scale}px`;
    box.style.width = `${d.box.width * scale}px`;
    box.style.height = `${d.box.height * scale}px`;
    box.style.setProperty('--class-colour', classColour(d.index));
    const tag = document.createElement('span');
    tag.textContent = `${d.label} ${(100 * d.confidence).toFixed(0)} %`;
    box.append(tag);
    layer.append(box);
  }
}

function isDetector() {
  const option = $('model').selectedOptions[0];
  return Boolean(option && option.dataset.task === 'detection');
}

function flashIndicator() {
  const dot = $('indicator');
  dot.classList.add('lit');
  dot.setAttribute('aria-label', 'New-prediction light: on');
  clearTimeout(flashIndicator.timer);
  flashIndicator.timer = setTimeout(() => {
    dot.classList.remove('lit');
    dot.setAttribute('aria-label', 'New-prediction light: off');
  }, 700);
}

// ---- what to send ----------------------------------------------------------

function canvasJpeg(source, width, height) {
  const canvas = $('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the frame'))), 'image/jpeg', 0.92));
}

async function currentImage() {
  if (state.mode === 'video') {
    const video = $('video');
    if (!video.videoWidth) throw new Error('the video has no picture yet');
    return canvasJpeg(video, video.videoWidth, video.videoHeight);
  }
  const slide = state.slides[state.index];
  if (!slide) throw new Error('there is no slide; add a photo first');
  // A slide the server decodes is sent as it is, so the answer is the server's answer for that file.
  const blob = slide.blob || (await (await fetch(slide.src)).blob());
  if (SENT_AS_IS.includes(blob.type)) return blob;
  const img = $('slide');
  return canvasJpeg(img, img.naturalWidth, img.naturalHeight);
}

// ---- predicting ------------------------------------------------------------

async function predict(fromAuto) {
  if (state.busy) return; // one request at a time; Auto skips a tick rather than queueing
  state.busy = true;
  try {
    const image = await currentImage();
    const detector = isDetector();
    const shown = state.mode === 'video' ? $('video') : $('slide'); // what the answer is drawn over
    const query = new URLSearchParams(detector ? { max: String(MAX_BOXES) }
      : { crop: $('whole-frame').checked ? 'full' : 'center' });
    if (!detector && $('where').checked && !$('where').disabled) query.set('explain', '1');
    if ($('model').value) query.set('model', $('model').value);
    const started = performance.now();
    const headers = { 'Content-Type': image.type || 'image/jpeg' };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = `Bearer ${key}`;
    const res = await fetch(`${detector ? 'detect' : 'predict'}?${query}`, { method: 'POST', headers, body: image });
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    const ms = performance.now() - started;
    if (!res.ok) {
      const why = body && body.error ? body.error.message : res.statusText;
      if (!fromAuto) { // the old answer was for a different picture
        $('predictions').replaceChildren();
        clearOverlays();
      }
      if (res.status === 401) {
        sessionStorage.removeItem(KEY_STORAGE);
        $('key-form').hidden = false;
        if (!fromAuto) $('api-key').focus();
        showError(key ? 'The server did not accept this API key; enter another.' : 'This server needs an API key: enter it below.');
        return;
      }
      showError(`The server could not classify this image (${res.status}): ${why}`);
      return;
    }
    clearError();
    $('latency').textContent = `${ms.toFixed(0)} ms round trip, ${body.timing_ms.inference.toFixed(1)} ms inference`;
    const threshold = THRESHOLDS[state.autoLevel];
    const best = detector ? (body.detections[0] ? body.detections[0].confidence : 0) : body.predictions[0].probability;
    if (fromAuto && best < threshold) return; // below the bar: keep the list
    if (detector) renderDetections(body, shown);
    else render(body, shown);
    if (fromAuto) flashIndicator();
  } catch (e) {
    showError(`Could not predict: ${e.message}`);
  } finally {
    state.busy = false;
  }
}

function setAuto(level) {
  state.autoLevel = level;
  clearInterval(state.autoTimer);
  state.autoTimer = null;
  $('auto').textContent = `Auto: ${level ? `${THRESHOLDS[level] * 100} %` : 'Off'}`;
  $('auto').setAttribute('aria-pressed', level ? 'true' : 'false');
  if (level) state.autoTimer = setInterval(() => predict(true), AUTO_INTERVAL_MS);
}

// ---- slides ----------------------------------------------------------------

function showSlide(i) {
  clearOverlays();
  if (!state.slides.length) {
    $('slide').removeAttribute('src');
    $('slide-caption').textContent = 'No slides: add photos with "Add slides" or drop them here.';
    return;
  }
  state.index = (i + state.slides.length) % state.slides.length;
  const s = state.slides[state.index];
  $('slide').src = s.src;
  $('slide').alt = s.title;
  $('slide-caption').textContent = `${state.index + 1}/${state.slides.length} · ${s.title}${s.credit ? ` — ${s.credit}` : ''}`;
}

function addFiles(files) {
  const images = [...files].filter((f) => f.type.startsWith('image/'));
  if (!images.length) {
    showError('Only image files can be added as slides.');
    return;
  }
  const first = state.slides.length;
  for (const f of images) state.slides.push({ src: URL.createObjectURL(f), title: f.name, credit: 'your photo', blob: f });
  showSlide(first);
}

async function loadSlides() {
  try {
    const res = await fetch('samples/slides.json');
    if (!res.ok) throw new Error(res.statusText);
    state.slides = await res.json();
  } catch (e) {
    state.slides = [];
  }
  showSlide(0);
}

// ---- models ----------------------------------------------------------------

// The served models (GET v1/models), the default first, each named with its label set: a photo of a
// bird means something else to an ImageNet model than to one of bird species.
async function loadModels() {
  const select = $('model');
  try {
    const res = await fetch('v1/models');
    if (!res.ok) throw new Error(res.statusText);
    const { models } = await res.json();
    select.replaceChildren(...models.map((m) => {
      const option = document.createElement('option');
      option.value = m.name;
      option.dataset.task = m.task || 'classification';
      option.dataset.maps = m.heatmap ? 'yes' : 'no';
      option.textContent = `${m.name} (${m.task === 'detection' ? 'detects ' : ''}${m.classes} classes: `
        + `${m.example_labels.join(', ')}, …)`;
      return option;
    }));
  } catch (e) {
    select.replaceChildren(); // the server's default model answers
  }
  select.disabled = select.options.length < 2;
  showTask();
}

// The results' heading and the crop switch follow the chosen model's task (a detector sees the whole
// picture, letterboxed).
function showTask() {
  const detector = isDetector();
  $('results-title').textContent = detector ? 'Found' : 'Top 3';
  $('results').setAttribute('aria-label', detector ? 'Objects found' : 'Top 3');
  $('whole-frame').disabled = detector;
  const option = $('model').selectedOptions[0];
  $('where').disabled = detector || Boolean(option && option.dataset.maps === 'no');
}

// ---- video -----------------------------------------------------------------

function stopVideoSource() {
  const video = $('video');
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
  if (state.videoUrl) URL.revokeObjectURL(state.videoUrl);
  state.videoUrl = null;
  video.srcObject = null;
  video.removeAttribute('src');
}

async function useVideoSource(kind) {
  const video = $('video');
  clearError();
  if (kind === 'file') {
    $('video-file').click();
    return;
  }
  stopVideoSource();
  try {
    if (kind === 'webcam') {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error('this browser has no camera access here');
      state.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      video.srcObject = state.stream;
    } else {
      video.src = 'samples/clip.webm';
    }
    await video.play();
  } catch (e) {
    showError(`Cannot start the ${kind === 'webcam' ? 'webcam' : 'video'}: ${e.message}`);
  }
}

function setMode(mode) {
  state.mode = mode;
  clearOverlays();
  const video = mode === 'video';
  $('slide-view').hidden = video;
  $('video-view').hidden = !video;
  $('mode').textContent = video ? 'Slide' : 'Video';
  $('back').disabled = video;
  $('forward').disabled = video;
  $('auto').disabled = !video;
  if (video) {
    useVideoSource($('video-source').value);
  } else {
    setAuto(0);
    stopVideoSource();
  }
}

// ---- wiring ----------------------------------------------------------------

function init() {
  $('mode').addEventListener('click', () => setMode(state.mode === 'slide' ? 'video' : 'slide'));
  $('back').addEventListener('click', () => showSlide(state.index - 1));
  $('forward').addEventListener('click', () => showSlide(state.index + 1));
  $('predict').addEventListener('click', () => predict(false));
  $('auto').addEventListener('click', () => setAuto((state.autoLevel + 1) % THRESHOLDS.length));
  $('video-source').addEventListener('change', (e) => useVideoSource(e.target.value));
  $('video-file').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (!f) return;
    stopVideoSource();
    state.videoUrl = URL.createObjectURL(f);
    $('video').src = state.videoUrl;
    $('video').play().catch((err) => showError(`Cannot play ${f.name}: ${err.message}`));
  });
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
    $('api-key').value = '';
    $('key-form').hidden = true;
    clearError();
    predict(false);
  });
  $('add-slides').addEventListener('change', (e) => addFiles(e.target.files));
  $('model').addEventListener('change', () => { // they were another model's
    $('predictions').replaceChildren();
    clearOverlays();
    showTask();
  });
  $('where').addEventListener('change', () => {
    if (!$('where').checked) clearOverlays(); // the list stays; the next prediction brings maps again
    else predict(false);
  });
  window.addEventListener('resize', () => { // the picture's size changed: the map again, at the new size
    const chosen = [...$('predictions').querySelectorAll('button.label')]
      .findIndex((b) => b.getAttribute('aria-pressed') === 'true');
    if (state.answer && chosen >= 0) showMap(chosen);
  });

  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    addFiles(e.dataTransfer.files);
  });

  document.addEventListener('keydown', (e) => {
    const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName);
    if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === ' ' || e.code === 'Space') {
      e.preventDefault();
      predict(false);
    } else if (state.mode === 'slide' && e.key === 'ArrowRight') {
      showSlide(state.index + 1);
    } else if (state.mode === 'slide' && e.key === 'ArrowLeft') {
      showSlide(state.index - 1);
    }
  });
  loadSlides();
  loadModels();
}

init();
