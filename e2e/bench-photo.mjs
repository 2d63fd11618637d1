// Photo preparation benchmark, in each shopper's engine, in one run: the widget's
// pipeline (`preparePhoto`: for this JPEG, where WebCodecs' ImageDecoder exists, it
// decodes to YCbCr planes and wasm crops, filters with Lanczos3 and turns upright;
// elsewhere the canvas path; the browser's JPEG encoder) against pica (npm) and a
// plain canvas drawImage doing the same crop and resize, in the same engine.
// Prints median ms, payload bytes, and PSNR against a reference Lanczos3 resize of the
// same crop (the `image` crate's, computed natively).
// Engines: headless Chromium (Playwright), WebKitGTK and Firefox ESR (W3C WebDriver,
// e2e/engines/webdriver.mjs; WebKit needs a display: run under xvfb-run).
// TRYON_BENCH_ENGINES picks them (default chromium,webkit,firefox).
// Needs scripts/build-embed.sh (target/embed/) first; scripts/bench.sh does it all.
import { chromium } from 'playwright-core';
import { startSession } from './engines/webdriver.mjs';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launchOptions } from './browser.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const fixtures = process.env.TRYON_FIXTURES || path.join(root, 'fixtures');
const photo = path.join(fixtures, 'bad/Xiaomi_Mi_9T_KeyError.jpg');
const RUNS = 7;
// The largest centred 2:3 frame of the upright 3000×4000 photo, rounded as the widget does.
const CROP = { x: 167, y: 0, w: 2667, h: 4000 };
const OUT = { w: 864, h: 1296 };

const reference = path.join(root, 'target/bench-reference.rgba');
execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'tryon-resize', '--example', 'reference', '--',
  photo, reference, CROP.x, CROP.y, CROP.w, CROP.h, OUT.w, OUT.h].map(String), { cwd: root, stdio: 'inherit' });

// The shipped build, as the script tag and the npm package load it.
const dist = path.join(root, 'target/embed');
const glue = 'tryon-widget.js';
const wasm = 'tryon-widget_bg.wasm';

const page = `<!doctype html><meta charset="utf-8"><script src="/pica.js"></script>
<script>addEventListener('error', (e) => { window.__results = { error: String(e.message) }; });
addEventListener('unhandledrejection', (e) => { window.__results = { error: String(e.reason && e.reason.stack || e.reason) }; });</script>
<script type="module">
import init, { preparePhoto } from '/dist/${glue}';
await init({ module_or_path: '/dist/${wasm}' });
const blob = await (await fetch('/photo.jpg')).blob();
const ref = new Uint8Array(await (await fetch('/reference.rgba')).arrayBuffer());
const C = ${JSON.stringify(CROP)}, O = ${JSON.stringify(OUT)};
const toDataUrl = (b) => new Promise((ok, no) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = no; r.readAsDataURL(b); });
const jpeg = (canvas) => new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.9));
const canvasOf = (w, h) => Object.assign(document.createElement('canvas'), { width: w, height: h });
const resizer = window.pica({ features: ['js', 'wasm', 'ww'] });
// The planes path needs ImageDecoder and the frame's rotation (Firefox 153 has only the first).
const planes = Boolean(window.ImageDecoder && window.VideoFrame && 'rotation' in VideoFrame.prototype);
const methods = {
  [planes ? 'widget (JPEG planes + wasm Lanczos3)' : 'widget (no planes here: the canvas path)']: (b) => preparePhoto(b),
  // What browsers without WebCodecs' ImageDecoder (Safari), and photos other than
  // JPEG, get: the browser decodes upright, wasm reads the crop back in strips and filters.
  ...(planes ? { 'widget, canvas path (browser decode + wasm Lanczos3 over strips)': async (b) => {
    const decoder = window.ImageDecoder;
    delete window.ImageDecoder;
    try { return await preparePhoto(b); } finally { window.ImageDecoder = decoder; }
  } } : {}),
  'pica 10 (lanczos3, js+wasm+workers)': async (b) => {
    const bitmap = await createImageBitmap(b);
    const from = canvasOf(C.w, C.h);
    from.getContext('2d').drawImage(bitmap, C.x, C.y, C.w, C.h, 0, 0, C.w, C.h);
    bitmap.close();
    const to = canvasOf(O.w, O.h);
    await resizer.resize(from, to, { filter: 'lanczos3' });
    from.width = from.height = 0;
    return toDataUrl(await jpeg(to));
  },
  'canvas drawImage (smoothing high)': async (b) => {
    const bitmap = await createImageBitmap(b);
    const to = canvasOf(O.w, O.h);
    const ctx = to.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, C.x, C.y, C.w, C.h, 0, 0, O.w, O.h);
    bitmap.close();
    return toDataUrl(await jpeg(to));
  },
};
async function psnr(dataUrl) {
  const bitmap = await createImageBitmap(await (await fetch(dataUrl)).blob());
  const c = canvasOf(bitmap.width, bitmap.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  if (c.width !== O.w || c.height !== O.h) return { size: c.width + 'x' + c.height, psnr: NaN };
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) for (let k = 0; k < 3; k++) { const d = px[i + k] - ref[i + k]; sum += d * d; }
  const mse = sum / (O.w * O.h * 3);
  return { size: c.width + 'x' + c.height, psnr: 10 * Math.log10(255 * 255 / mse) };
}
const times = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
const outputs = {};
for (const [name, run] of Object.entries(methods)) await run(blob); // warm-up (wasm compile, workers)
for (let i = 0; i < ${RUNS}; i++) {
  for (const [name, run] of Object.entries(methods)) {
    const t = performance.now();
    outputs[name] = await run(blob);
    times[name].push(performance.now() - t);
  }
}
const results = [];
for (const name of Object.keys(methods)) {
  const sorted = times[name].sort((a, b) => a - b);
  results.push({ name, median: sorted[Math.floor(sorted.length / 2)], bytes: outputs[name].length, ...(await psnr(outputs[name])) });
}
window.__results = { planes, results };
</script>`;

const files = {
  '/bench.html': ['text/html', page],
  '/pica.js': ['text/javascript', fs.readFileSync(path.join(root, 'node_modules/pica/dist/pica.min.js'))],
  '/photo.jpg': ['image/jpeg', fs.readFileSync(photo)],
  '/reference.rgba': ['application/octet-stream', fs.readFileSync(reference)],
};
const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  let entry = files[url];
  if (!entry && url.startsWith('/dist/')) {
    const file = path.join(dist, path.basename(url));
    if (fs.existsSync(file)) entry = [file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', fs.readFileSync(file)];
  }
  if (!entry) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': entry[0] });
  res.end(entry[1]);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/bench.html`;

/** Runs the page in headless Chromium (Playwright): its results. */
async function inChromium() {
  const browser = await chromium.launch(launchOptions());
  try {
    const tab = await browser.newPage();
    tab.on('pageerror', (e) => console.error('page error:', e.message));
    await tab.goto(url);
    await tab.waitForFunction(() => window.__results, null, { timeout: 300000 });
    return { browser: `Chromium ${browser.version()}`, ...(await tab.evaluate(() => window.__results)) };
  } finally {
    await browser.close();
  }
}

/** Runs the page in `engine` through WebDriver: its results. */
async function overWebDriver(engine) {
  const s = await startSession(engine);
  try {
    await s.go(url);
    // Wrapped: `until` reads a bare { error } as "not yet", and would wait it out.
    const found = await s.until(() => (window.__results ? { value: window.__results } : null), 'the results', { timeout: 300000 });
    return { browser: s.browser, ...found.value };
  } finally {
    await s.quit();
  }
}

const engines = (process.env.TRYON_BENCH_ENGINES || 'chromium,webkit,firefox').split(',').filter(Boolean);
try {
  console.log(`\nPhoto preparation: ${path.basename(photo)} (12 MP, EXIF orientation 6) → ${OUT.w}×${OUT.h} JPEG data URL; median of ${RUNS}, each engine in one run`);
  console.log('| engine | method | median ms | payload | output | PSNR vs Lanczos3 reference |');
  console.log('|---|---|---|---|---|---|');
  const summary = [];
  for (const engine of engines) {
    const found = engine === 'chromium' ? await inChromium() : await overWebDriver(engine);
    if (found.error) throw new Error(`${engine}: the bench page failed: ${found.error}`);
    for (const r of found.results) {
      console.log(`| ${found.browser} | ${r.name} | ${r.median.toFixed(0)} | ${(r.bytes / 1024).toFixed(0)} KB | ${r.size} | ${r.psnr.toFixed(3)} dB |`);
    }
    const ours = found.results[0];
    const pica = found.results.find((r) => r.name.startsWith('pica'));
    summary.push(`${found.browser}: widget ${(pica.median / ours.median).toFixed(1)}× faster than pica; ` +
      `quality ${(ours.psnr - pica.psnr >= 0 ? '+' : '') + (ours.psnr - pica.psnr).toFixed(3)} dB against pica's (${ours.psnr >= pica.psnr ? 'at least' : 'below'})`);
  }
  console.log('');
  for (const line of summary) console.log(line);
  console.log('targets: ≤ 150 ms (Chromium), ≤ 400 KB, at least pica\'s quality, ≥ 3× faster than pica');
} finally {
  server.close();
}
