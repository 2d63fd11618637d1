// Could the photo check run on the shopper's device? Loads BlazePose's person
// detector compiled to WebAssembly (vision/wasm-detector: tract, NNEF only) in
// headless Chromium and prints the chunk's sizes (raw, gzip, brotli: wasm, glue and
// the model archive) and the detector's time on the widget's prepared photo (864×1296,
// letterboxed to 224×224 as the gateway does). The bar (issue #11): ≤ 1.5 MB brotli
// and ≤ 300 ms. Run by scripts/bench-vision-wasm.sh, which builds the chunk first.
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { launchOptions } from './browser.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'target/vision-wasm');
const fixtures = process.env.TRYON_FIXTURES || path.join(root, 'fixtures');
const RUNS = 15;
const files = {
  '/detector.js': ['tryon_vision_wasm.js', 'text/javascript'],
  '/detector.wasm': ['tryon_vision_wasm_bg.wasm', 'application/wasm'],
  '/detector.tar': ['pose_detection.nnef.tar', 'application/x-tar'],
};

const kb = (n) => (n / 1024).toFixed(0) + ' KB';
console.log('| file | raw | gzip -9 | brotli 11 |\n|---|---|---|---|');
let brotliTotal = 0;
for (const [, [name]] of Object.entries(files)) {
  const bytes = fs.readFileSync(path.join(dir, name));
  const br = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  brotliTotal += br;
  console.log(`| ${name} | ${kb(bytes.length)} | ${kb(zlib.gzipSync(bytes, { level: 9 }).length)} | ${kb(br)} |`);
}
console.log(`| **the chunk (all three)** | | | **${kb(brotliTotal)}** (bar: 1536 KB) |\n`);

const page = `<!doctype html><meta charset="utf-8"><script type="module">
import init, { Detector } from '/detector.js';
const t0 = performance.now();
await init({ module_or_path: '/detector.wasm' });
const archive = new Uint8Array(await (await fetch('/detector.tar')).arrayBuffer());
const detector = new Detector(archive);
const loaded = performance.now() - t0;
// The widget's prepared photo: the fixture's centre 2:3, 864×1296.
const bitmap = await createImageBitmap(await (await fetch('/photo.webp')).blob());
const c = Object.assign(document.createElement('canvas'), { width: 864, height: 1296 });
const ctx = c.getContext('2d');
const s = Math.max(864 / bitmap.width, 1296 / bitmap.height);
ctx.drawImage(bitmap, (864 - bitmap.width * s) / 2, (1296 - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
const rgba = new Uint8Array(ctx.getImageData(0, 0, 864, 1296).data.buffer);
const score = detector.best_score(rgba, 864, 1296); // warm-up
const times = [];
for (let i = 0; i < ${RUNS}; i++) {
  const t = performance.now();
  detector.best_score(rgba, 864, 1296);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
window.result = { loaded, score, p50: times[Math.floor(times.length / 2)], p90: times[Math.floor(times.length * 0.9)] };
</script>`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x').pathname;
  if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }), res.end(page);
  if (url === '/photo.webp') return res.writeHead(200, { 'content-type': 'image/webp' }), res.end(fs.readFileSync(path.join(fixtures, 'people/model.webp')));
  const file = files[url];
  if (!file) return res.writeHead(404), res.end();
  res.writeHead(200, { 'content-type': file[1] });
  res.end(fs.readFileSync(path.join(dir, file[0])));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await chromium.launch(launchOptions());
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => console.error('page error:', e.message));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.result, null, { timeout: 120000 });
  const r = await tab.evaluate(() => window.result);
  console.log('| figure (headless Chromium, this machine) | value |\n|---|---|');
  console.log(`| wasm compile + model load and optimise | ${r.loaded.toFixed(0)} ms |`);
  console.log(`| detector on the prepared photo, p50 / p90 (${RUNS} runs) | ${r.p50.toFixed(0)} / ${r.p90.toFixed(0)} ms (bar: 300 ms; the landmark model would come on top) |`);
  console.log(`| best person score (the gateway's detector on the same photo: 0.97) | ${r.score.toFixed(3)} |`);
} finally {
  await browser.close();
  server.close();
}
