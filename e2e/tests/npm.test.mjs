// The npm package as a merchant's app uses it: `npm pack` the package in npm/,
// install the tarball into a fresh Vite app, build it with Vite, serve the build
// beside a real gateway, and complete a try-on in Chromium. Also: importing the
// package where there is no DOM (server-side rendering) is safe, and its types ship.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxGateway } from '../lib/gateway.mjs';
import {
  ROOT, FIXTURES, startShop, launch, newPage, openWidget, sendPhoto, resultShown, assertClean,
} from '../lib/harness.mjs';

const run = promisify(execFile);
const PKG = path.join(ROOT, 'npm');
const VITE = path.join(ROOT, 'node_modules/.bin/vite');
const EVENTS = ['open', 'photo-ready', 'advice', 'submit', 'complete', 'error', 'close'];

let tmp, tarball, packed, app, dist, buildLog;
let gateway, shop, browser;

/** Runs a command; on failure the error carries its output. */
async function sh(cmd, args, opts = {}) {
  try {
    return await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts });
  } catch (e) {
    e.message += `\n--- stdout ---\n${e.stdout}\n--- stderr ---\n${e.stderr}`;
    throw e;
  }
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

before(async () => {
  assert.ok(
    fs.existsSync(path.join(PKG, 'dist/tryon-widget.js')) && fs.existsSync(path.join(PKG, 'dist/tryon-widget_bg.wasm')),
    'npm/dist/ is missing: run scripts/build-embed.sh first'
  );
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tryon-npm-'));

  // 1. The tarball, exactly as `npm publish` would upload it.
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG });
  [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = path.join(tmp, packed.filename);
  assert.ok(fs.existsSync(tarball), `npm pack wrote ${tarball}`);

  // 2. A fresh Vite app that depends on it.
  app = path.join(tmp, 'app');
  dist = path.join(app, 'dist');
  write(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'shop-app', private: true, type: 'module', dependencies: { '@tryon/widget': `file:${tarball}` } }, null, 2)
  );
  write(
    path.join(app, 'index.html'),
    `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Shop app (Vite)</title>
  </head>
  <body>
    <main>
      <h1>Solidus T-shirt</h1>
      <div id="tryon-here"></div>
    </main>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`
  );
  write(
    path.join(app, 'main.js'),
    `import { mount, load, preparePhoto } from '@tryon/widget';

window.events = [];
for (const name of ${JSON.stringify(EVENTS)}) {
  document.addEventListener('tryon:' + name, (e) => window.events.push({ type: e.type, detail: e.detail }));
}
// For the test's own checks.
window.tryon = { mount, load, preparePhoto };
// One page per product: ?garment=<file> picks it.
const garment = new URLSearchParams(location.search).get('garment') || 'solidus_tshirt.png';
window.mounted = mount(document.getElementById('tryon-here'), {
  garmentImage: '/fixtures/garments/' + garment,
  productName: 'the Solidus T-shirt',
  samplePhoto: '/fixtures/people/model.webp',
}).then((widget) => {
  window.widget = widget;
  return true;
});
`
  );

  // 3. Installed as a merchant would (the tarball has no dependencies).
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-package-lock'];
  try {
    await sh('npm', [...npmArgs, '--offline'], { cwd: app });
  } catch {
    await sh('npm', npmArgs, { cwd: app });
  }
  assert.ok(fs.existsSync(path.join(app, 'node_modules/@tryon/widget/index.js')), 'the package is installed');

  // 4. Built with the repository's Vite, which resolves the package from the app's node_modules.
  const built = await sh(VITE, ['build', app, '--base', '/app/', '--outDir', dist, '--emptyOutDir'], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1' },
  });
  buildLog = built.stdout + built.stderr;

  gateway = await sandboxGateway();
  shop = await startShop(gateway, { '/app/': dist });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await shop?.close();
  await gateway?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the module, its types, the glue, the wasm and the language packs, and nothing else', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'README.md',
    ...['ar', 'de', 'es', 'fr', 'he', 'it', 'ja', 'nl', 'pl', 'pt-PT', 'pt', 'sv', 'tr'].map((l) => `dist/locales/${l}.js`),
    'dist/tryon-widget.js', 'dist/tryon-widget_bg.wasm', 'dist/tryon-widget_nosimd_bg.wasm', 'index.d.ts',
    'index.js', 'package.json',
  ]);
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/@tryon/widget/package.json'), 'utf8'));
  assert.equal(manifest.name, '@tryon/widget');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.dependencies, undefined, 'no dependencies');
  assert.equal(manifest.exports['.'].types, './index.d.ts');
  assert.equal(manifest.exports['.'].import, './index.js');
  assert.equal(Object.keys(manifest.exports['.'])[0], 'types', '"types" must come first among the conditions');
});

test('the types cover every option, string key and event of the widget', async () => {
  const dts = fs.readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');
  const options = fs.readFileSync(path.join(ROOT, 'src/options.rs'), 'utf8');
  const names = [.../OPTION_NAMES[^=]*=\s*&\[([^\]]*)\]/.exec(options)[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(names.length >= 17, `OPTION_NAMES read from src/options.rs: ${names}`);
  const body = /export interface TryOnOptions \{([\s\S]*?)\n\}/.exec(dts)[1];
  const declared = [...body.matchAll(/^\s+(\w+)\?:/gm)].map((m) => m[1]);
  assert.deepEqual(declared.sort(), [...names, 'strings'].sort(), 'TryOnOptions names exactly the widget options');
  const i18n = fs.readFileSync(path.join(ROOT, 'src/i18n.rs'), 'utf8');
  const keys = [...i18n.matchAll(/^\s+[A-Z]\w* = "(\w+)"$/gm)].map((m) => m[1]);
  assert.ok(keys.length >= 50, `string keys read from src/i18n.rs: ${keys}`);
  // Comments out first: a `;` in a key's doc comment must not end the type.
  const uncommented = dts.replace(/\/\*[\s\S]*?\*\//g, '');
  const typed = [.../export type TryOnStringKey =([\s\S]*?);/.exec(uncommented)[1].matchAll(/'(\w+)'/g)].map((m) => m[1]);
  assert.deepEqual(typed.sort(), keys.sort(), 'TryOnStringKey names exactly the i18n keys');
  // Every event the widget dispatches (src/events.rs), typed.
  const dispatched = [...fs.readFileSync(path.join(ROOT, 'src/events.rs'), 'utf8').matchAll(/=> "tryon:([\w-]+)"/g)].map((m) => m[1]);
  assert.ok(dispatched.length >= 11 && EVENTS.every((e) => dispatched.includes(e)), `events read from src/events.rs: ${dispatched}`);
  for (const name of dispatched) assert.match(dts, new RegExp(`'tryon:${name}': CustomEvent<`), `event tryon:${name}`);
  assert.match(dts, /interface HTMLElementEventMap extends TryOnEventMap/);
  assert.match(dts, /export function mount\(element: HTMLElement \| string, options\?: TryOnOptions\): Promise<TryOnWidget>;/);
  assert.match(dts, /export function preparePhoto\(blob: Blob\): Promise<string>;/);
  assert.match(dts, /export function load\(\): Promise<void>;/);
  // A real type check, strict, with the pinned TypeScript (package.json).
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  await sh(tsc, ['--noEmit', '--strict', '--lib', 'es2022,dom', path.join(app, 'node_modules/@tryon/widget/index.d.ts')]);
});

test('vite build: the glue is a lazy chunk and the wasm an emitted asset, without warnings about them', () => {
  const assets = filesUnder(dist);
  // Two wasm assets: the SIMD build, and the one for browsers without SIMD.
  const wasm = assets.filter((f) => f.endsWith('.wasm')).sort();
  assert.equal(wasm.length, 2, `two wasm assets in ${assets}`);
  for (const [asset, name] of [[wasm.find((f) => !f.includes('nosimd')), 'tryon-widget_bg.wasm'], [wasm.find((f) => f.includes('nosimd')), 'tryon-widget_nosimd_bg.wasm']]) {
    assert.ok(asset, `${name} is emitted: ${wasm}`);
    assert.ok(
      fs.readFileSync(path.join(dist, asset)).equals(fs.readFileSync(path.join(PKG, 'dist', name))),
      `the emitted ${asset} is the package's ${name}`
    );
  }
  assert.ok(assets.filter((f) => f.endsWith('.js')).length >= 2, `the glue is a separate chunk: ${assets}`);
  // Vite says "(!)", "warning" or "doesn't exist at build time" when it cannot follow new URL(…, import.meta.url).
  assert.doesNotMatch(buildLog, /\(!\)|warn|error|doesn't exist at build time/i, buildLog);
});

test('a Vite app that installed the tarball completes a try-on in Chromium', async () => {
  const page = await newPage(await browser.newContext());
  const failed = [];
  const wasmResponses = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), type: r.headers()['content-type'] });
  });
  await page.goto(`${shop.url}/app/`);
  assert.equal(await page.evaluate(() => window.mounted), true, 'mount() resolved');
  await openWidget(page);
  await sendPhoto(page, { remember: true });
  const shown = await resultShown(page);
  assert.equal(shown.width, 864);
  assert.equal(shown.height, 1296);

  const events = await page.evaluate(() => window.events);
  assert.deepEqual(events.map((e) => e.type), ['tryon:open', 'tryon:photo-ready', 'tryon:submit', 'tryon:complete']);
  // model.webp is 832×1248 (2:3): framed whole, never upscaled.
  assert.deepEqual(events[1].detail, { width: 832, height: 1248 });
  const jobId = events[2].detail.jobId;
  assert.ok(jobId, 'the submit event names the job');
  assert.equal(events[3].detail.jobId, jobId);
  assert.equal(events[3].detail.output.length, 1);
  assert.equal(new URL(events[3].detail.output[0], shop.url).href, shown.src);

  // The wasm came from the app's own build, once, as application/wasm.
  assert.equal(wasmResponses.length, 1, JSON.stringify(wasmResponses));
  assert.match(wasmResponses[0].url, /\/app\/assets\/[^/]+\.wasm$/);
  assert.equal(wasmResponses[0].type, 'application/wasm');
  assert.deepEqual(failed, []);
  assertClean(page);

  // The handle: close, open, destroy (twice is fine; open after destroy is an Error).
  await page.evaluate(() => window.widget.close());
  await page.getByTestId('tryon-panel').waitFor({ state: 'detached' });
  await page.evaluate(() => window.widget.open());
  // Opened again, it shows the try-on this tab kept (no new job: restore.test.mjs).
  await page.getByTestId('tryon-results').waitFor();
  const afterDestroy = await page.evaluate(() => {
    window.widget.destroy();
    window.widget.destroy();
    try {
      window.widget.open();
      return 'no error';
    } catch (e) {
      return e.message;
    }
  });
  assert.match(afterDestroy, /destroyed/);
  assert.equal(await page.getByTestId('tryon-open').count(), 0, 'destroy() removed the widget');
  assert.deepEqual((await page.evaluate(() => window.events)).slice(4).map((e) => e.type), ['tryon:close', 'tryon:open']);

  // The next product's page reuses the photo the shopper asked to remember.
  await page.goto(`${shop.url}/app/?garment=solidus_dark_tee.png`);
  assert.equal(await page.evaluate(() => window.mounted), true);
  await openWidget(page);
  await page.getByTestId('tryon-use-saved').click();
  await page.getByTestId('tryon-use-photo').click();
  assert.equal((await resultShown(page)).width, 864);

  // Mounting again on the same element replaces the widget rather than adding one.
  await page.evaluate(async () => {
    const host = document.getElementById('tryon-here');
    const options = { garmentImage: '/fixtures/garments/solidus_tshirt.png', locale: 'de' };
    await Promise.all([window.tryon.mount(host, options), window.tryon.mount(host, options)]);
  });
  await page.getByRole('button', { name: 'Anprobieren' }).waitFor();
  assert.equal(await page.getByTestId('tryon-open').count(), 1);
  assertClean(page);

  // Portugal's Portuguese through the package's own pack map (`pt_PT` → its
  // dist/locales/pt-PT.js, not Brazil's pt.js): "fotografia" is in neither Brazil's
  // words nor English.
  await page.evaluate(async () => {
    const widget = await window.tryon.mount(document.getElementById('tryon-here'), {
      garmentImage: '/fixtures/garments/solidus_tshirt.png',
      locale: 'pt_PT',
    });
    // open(), not a click: a panel this tab left open on this product opens by itself.
    widget.open();
  });
  await page.waitForFunction(() => document.getElementById('tryon-here').shadowRoot.textContent.includes('fotografia'));

  // Wrong calls reject with Errors that say what was wrong.
  const rejections = await page.evaluate(async () => {
    const why = (p) => p.then(() => 'resolved', (e) => [e instanceof Error, e.message]);
    const el = document.createElement('div');
    document.body.append(el);
    return {
      wrongOption: await why(window.tryon.mount(el, { garmentImage: 'x.png', mode: 'fastest' })),
      noGarment: await why(window.tryon.mount(el, {})),
      nullElement: await why(window.tryon.mount(null, { garmentImage: 'x.png' })),
      noMatch: await why(window.tryon.mount('#nowhere', { garmentImage: 'x.png' })),
      notABlob: await why(window.tryon.preparePhoto('photo.jpg')),
    };
  });
  assert.equal(rejections.wrongOption[0], true);
  assert.match(rejections.wrongOption[1], /option `mode`: `fastest` is not accepted: use one of performance, balanced, quality/);
  assert.match(rejections.noGarment[1], /option `garmentImage`: is required/);
  assert.deepEqual(rejections.nullElement[0], true);
  assert.match(rejections.nullElement[1], /mount\(\) needs an HTML element .* but got null/);
  assert.match(rejections.noMatch[1], /no element on this page matches "#nowhere"/);
  assert.match(rejections.notABlob[1], /preparePhoto\(\) needs a Blob .* but got "photo.jpg"/);

  // preparePhoto through the package: the 832×1248 fixture → a JPEG data URL of that size (never upscaled).
  const photo = fs.readFileSync(path.join(FIXTURES, 'people/model.webp')).toString('base64');
  const prepared = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const url = await window.tryon.preparePhoto(new Blob([bytes], { type: 'image/webp' }));
    const img = new Image();
    img.src = url;
    await img.decode();
    return { prefix: url.slice(0, 23), width: img.naturalWidth, height: img.naturalHeight };
  }, photo);
  assert.deepEqual(prepared, { prefix: 'data:image/jpeg;base64,', width: 832, height: 1248 });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the Vite app in a browser without WebAssembly SIMD loads the no-SIMD asset and completes a try-on', async () => {
  const plain = await launch(['--js-flags=--no-enable-sse4-1']);
  try {
    const page = await newPage(await plain.newContext());
    const wasm = [];
    page.on('response', (r) => r.url().endsWith('.wasm') && wasm.push(path.basename(new URL(r.url()).pathname)));
    await page.goto(`${shop.url}/app/`);
    assert.equal(await page.evaluate(() => window.mounted), true, 'mount() resolved');
    await openWidget(page);
    await sendPhoto(page);
    assert.equal((await resultShown(page)).width, 864);
    assert.equal(wasm.length, 1, `one wasm fetched: ${wasm}`);
    assert.match(wasm[0], /^tryon-widget_nosimd_bg-[\w-]+\.wasm$/);
    assertClean(page);
  } finally {
    await plain.close();
  }
});

test('importing the package without a DOM (server-side rendering) is safe; mount rejects clearly', async () => {
  const script = `
    const before = Object.keys(globalThis).sort();
    const m = await import('@tryon/widget');
    const out = { exports: Object.keys(m).sort(), window: typeof window, document: typeof document };
    out.newGlobals = Object.keys(globalThis).sort().filter((k) => !before.includes(k));
    out.load = await m.load().then((v) => ['resolved', v === undefined], (e) => ['rejected', e.message]);
    for (const [name, call] of [['mount', () => m.mount({}, { garmentImage: 'x.png' })], ['preparePhoto', () => m.preparePhoto(null)]]) {
      let p;
      try { p = call(); } catch (e) { out[name] = ['threw synchronously', e.message]; continue; }
      out[name] = await p.then(() => ['resolved'], (e) => ['rejected', e instanceof Error, e.message]);
    }
    console.log(JSON.stringify(out));
  `;
  const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
  const out = JSON.parse(stdout.trim().split('\n').pop());
  assert.deepEqual(out.exports, ['load', 'mount', 'preparePhoto']);
  assert.equal(out.window, 'undefined');
  assert.equal(out.document, 'undefined');
  assert.deepEqual(out.newGlobals, [], 'importing defines no globals');
  assert.deepEqual(out.load, ['resolved', true], 'load() on the server does nothing');
  assert.equal(out.mount[0], 'rejected');
  assert.equal(out.mount[1], true, 'an Error');
  assert.match(out.mount[2], /mount\(\) must run in the browser/);
  assert.match(out.mount[2], /useEffect/);
  assert.match(out.mount[2], /onMounted/);
  assert.equal(out.preparePhoto[0], 'rejected');
  assert.match(out.preparePhoto[2], /preparePhoto\(\) must run in the browser/);
});
