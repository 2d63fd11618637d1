// The widget never breaks the page and never leaves the camera on, whatever the shopper
// or a single-page shop does in the middle of its work: closing (×, Back,
// TryOn.destroy(), removing the placeholder, changing the product) while the camera
// is still starting (a held getUserMedia stands for a permission prompt), during the
// countdown, while a job runs, or in the same tick as "Use this photo". Also: calls on
// a loaded widget act at once, the progress only moves forward, and a panic (a
// deliberate, test-only one) shows the shopper a message while another widget on the
// page still completes a try-on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sandboxGateway, startGateway } from '../lib/gateway.mjs';
import {
  startShop, launch, newPage, widgetLoaded, openWidget, sendPhoto, resultShown, assertClean, FIXTURES,
  useThePhotoAndSampleProgress,
} from '../lib/harness.mjs';

let gateway, slowGateway, shop, slowShop, browser;
before(async () => {
  gateway = await sandboxGateway();
  // Jobs of about 2.7 s (balanced 9 s × 0.3): long enough to act in the middle.
  slowGateway = await startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.3', '--allow-private-image-urls'],
  });
  shop = await startShop(gateway);
  slowShop = await startShop(slowGateway);
  browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
});
after(async () => {
  await browser?.close();
  await shop?.close();
  await slowShop?.close();
  await gateway?.stop();
  await slowGateway?.stop();
});

/**
 * Records every camera stream the page gets, and can hold getUserMedia unanswered
 * (as a permission prompt does) until the test releases it.
 */
function cameraRecorder() {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  window.cameraStreams = [];
  window.heldCameras = [];
  window.holdCamera = false;
  navigator.mediaDevices.getUserMedia = (constraints) => {
    const open = () =>
      real(constraints).then((stream) => {
        window.cameraStreams.push(stream);
        return stream;
      });
    if (!window.holdCamera) return open();
    return new Promise((ok, fail) => window.heldCameras.push(() => open().then(ok, fail)));
  };
  window.releaseCameras = () => window.heldCameras.splice(0).forEach((answer) => answer());
  window.liveTracks = () =>
    window.cameraStreams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length;
}

/** A product page (placeholder embed) with the widget loaded and the camera recorded. */
async function productPage(where = shop) {
  const page = await newPage(await browser.newContext());
  await page.addInitScript(cameraRecorder);
  await page.goto(`${where.url}/pages/tee.html`);
  await widgetLoaded(page);
  return page;
}

/** Requests to the gateway's API, so a test can say none came after a moment. */
function apiRequests(page) {
  const seen = [];
  page.on('request', (r) => {
    if (/\/(v1|api)\//.test(new URL(r.url()).pathname)) seen.push({ at: Date.now(), url: r.url() });
  });
  return seen;
}

const PERSON = path.join(FIXTURES, 'people/model.webp');
const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Each way a panel (or the whole widget) goes away, as a shopper or a shop does it.
const CLOSINGS = {
  '×': (page) => page.getByTestId('tryon-close').click(),
  Back: (page) => page.getByTestId('tryon-camera-back').click(),
  'TryOn.destroy()': (page) => page.evaluate(() => TryOn.destroy()),
  'removing the placeholder': (page) => page.evaluate(() => document.querySelector('[data-tryon]').remove()),
  'changing data-garment-image': (page) =>
    page.evaluate(() =>
      document.querySelector('[data-tryon]').setAttribute('data-garment-image', '/fixtures/garments/solidus_dark_tee.png')
    ),
};

for (const [how, close] of Object.entries(CLOSINGS)) {
  test(`camera still starting, closed by ${how}: no error, the camera goes off when it arrives`, async () => {
    const page = await productPage();
    await page.evaluate(() => (window.holdCamera = true));
    await openWidget(page);
    await page.getByTestId('tryon-camera').click();
    await page.getByTestId('tryon-camera-step').waitFor();
    await page.waitForFunction(() => window.heldCameras.length === 1);
    await close(page);
    // The permission is granted only now, after the step has gone.
    await page.evaluate(() => window.releaseCameras());
    await page.waitForFunction(() => window.cameraStreams.length === 1);
    await pause(300);
    assert.equal(await page.evaluate(() => window.liveTracks()), 0, 'a camera track is still live');
    assertClean(page);
    await page.context().close();
  });
}

test('switching camera twice quickly leaves exactly one camera live, and none after closing', async () => {
  const page = await productPage();
  await openWidget(page);
  await page.getByTestId('tryon-camera').click();
  await page.getByTestId('tryon-camera-step').waitFor();
  // The first camera is live before the switches are held (else it would be held too).
  await page.waitForFunction(() => window.liveTracks() === 1);
  await page.evaluate(() => (window.holdCamera = true));
  await page.getByTestId('tryon-switch').click();
  await page.getByTestId('tryon-switch').click();
  await page.waitForFunction(() => window.heldCameras.length === 2);
  await page.evaluate(() => window.releaseCameras());
  await page.waitForFunction(() => window.cameraStreams.length >= 3);
  await pause(300);
  assert.equal(await page.evaluate(() => window.liveTracks()), 1);
  await page.getByTestId('tryon-close').click();
  await pause(100);
  assert.equal(await page.evaluate(() => window.liveTracks()), 0);
  assertClean(page);
  await page.context().close();
});

test('closing during the countdown: the camera stops and nothing fails when it would have ended', async () => {
  const page = await productPage();
  const requests = apiRequests(page);
  await openWidget(page);
  await page.getByTestId('tryon-camera').click();
  await page.waitForFunction(() => window.liveTracks() === 1);
  await page.getByTestId('tryon-capture').click();
  await page.getByTestId('tryon-countdown').filter({ hasText: /^[123]$/ }).waitFor();
  await page.getByTestId('tryon-close').click();
  await pause(3500);
  assert.equal(await page.evaluate(() => window.liveTracks()), 0);
  assert.equal(await page.getByTestId('tryon-panel').count(), 0);
  assert.deepEqual(requests, []);
  assertClean(page);
  await page.context().close();
});

// Each way a running job's widget goes away.
const TEARDOWNS = {
  'TryOn.destroy()': (page) => page.evaluate(() => TryOn.destroy()),
  'changing the product': CLOSINGS['changing data-garment-image'],
  'removing the placeholder': CLOSINGS['removing the placeholder'],
  '×': CLOSINGS['×'],
};
for (const [how, teardown] of Object.entries(TEARDOWNS)) {
  test(`a job running when ${how}: its requests end, none follows, no error`, async () => {
    const page = await productPage(slowShop);
    const requests = apiRequests(page);
    const failed = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await openWidget(page);
    await sendPhoto(page);
    await page.getByTestId('tryon-working').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-tryon]')?.shadowRoot?.querySelector('[data-testid=tryon-stage]')?.textContent.length > 0);
    // Wait until the job is submitted and its status is being read.
    await new Promise((ok) => {
      const check = () => (requests.some((r) => r.url.includes('/status/')) ? ok() : setTimeout(check, 50));
      check();
    });
    await teardown(page);
    const after = Date.now();
    // Longer than the job itself: a dead widget would poll again and read its end.
    await pause(4000);
    assert.deepEqual(requests.filter((r) => r.at > after + 50).map((r) => r.url), []);
    // The long-poll in flight was aborted, not left to run out.
    assert.ok(failed.some((u) => u.includes('/status/')), 'the status read in flight was not aborted');
    assertClean(page);
    await page.context().close();
  });
}

test('destroyed in the same tick as "Use this photo": nothing is sent, no error', async () => {
  const page = await productPage();
  const requests = apiRequests(page);
  await openWidget(page);
  await page.getByTestId('tryon-file').setInputFiles(PERSON);
  await page.getByTestId('tryon-use-photo').waitFor();
  await page.evaluate(() => {
    document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-use-photo]').click();
    TryOn.destroy();
  });
  await pause(2000);
  assert.deepEqual(requests.map((r) => r.url), []);
  assertClean(page);
  await page.context().close();
});

test('open(); close(); open() in one tick ends open', async () => {
  const page = await productPage();
  await page.evaluate(() => {
    TryOn.open();
    TryOn.close();
    TryOn.open();
  });
  await page.getByTestId('tryon-start').waitFor();
  await pause(200);
  assert.equal(await page.getByTestId('tryon-panel').count(), 1);
  await page.evaluate(() => {
    TryOn.close();
    TryOn.open();
    TryOn.close();
  });
  await pause(200);
  assert.equal(await page.getByTestId('tryon-panel').count(), 0);
  assertClean(page);
  await page.context().close();
});

test("the progress bar of a widget's first job only moves forward", async () => {
  const page = await productPage(slowShop);
  await openWidget(page);
  await page.getByTestId('tryon-file').setInputFiles(PERSON);
  await page.getByTestId('tryon-use-photo').waitFor();
  // Sampled in the page every animation frame from the click on.
  await useThePhotoAndSampleProgress(page, '[data-tryon]');
  await resultShown(page);
  const progress = await page.evaluate(() => window.progress);
  assert.ok(progress.length > 10, `only ${progress.length} samples`);
  assert.ok(progress[0] <= 10, `the bar started at ${progress[0]} %`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i] >= progress[i - 1], `the bar went back from ${progress[i - 1]} to ${progress[i]} %`);
  }
  assert.ok(progress.at(-1) > progress[0], 'the bar never moved');
  assertClean(page);
  await page.context().close();
});

test('a panic shows the shopper a message, and another widget on the page still completes a try-on', async () => {
  const page = await newPage(await browser.newContext());
  await page.goto(`${shop.url}/pages/blank.html`);
  // Two widgets of one wasm instance, mounted through the module itself (the
  // loader keeps its widget handles to itself).
  await page.evaluate(async () => {
    const mod = await import('/tryon/tryon-widget.js');
    await mod.default({ module_or_path: '/tryon/tryon-widget_bg.wasm' });
    const main = document.querySelector('main');
    main.innerHTML = '<div id="a"></div><div id="b"></div>';
    // Not kept in the tab: A, opened again, starts afresh rather than showing B's
    // try-on of the same product (kept try-ons: restore.test.mjs).
    const options = { garmentImage: '/fixtures/garments/solidus_tshirt.png', productName: 'the Solidus T-shirt', persistResults: false };
    window.widgetA = mod.mount(document.querySelector('#a'), options);
    window.widgetB = mod.mount(document.querySelector('#b'), options);
    window.widgetErrors = [];
    document.addEventListener('tryon:error', (e) => window.widgetErrors.push([e.target.id, e.detail.name]));
    window.widgetA.open();
  });
  const a = page.locator('#a');
  const b = page.locator('#b');
  await a.getByTestId('tryon-start').waitFor();
  await page.evaluate(() => window.widgetA.__panicForTests());
  await a.getByTestId('tryon-crashed').waitFor();
  assert.match(await a.getByTestId('tryon-crashed').textContent(), /Something went wrong in the try-on/);
  assert.deepEqual(await page.evaluate(() => window.widgetErrors), [['a', 'WidgetError']]);
  // The panic is logged with its message (the hook is installed) and is the only problem.
  assert.ok(page.consoleErrors.some((e) => e.includes('a deliberate test panic')), page.consoleErrors.join('\n'));
  assert.equal(await b.getByTestId('tryon-crashed').count(), 0);
  // The other widget works: a full try-on.
  await b.getByTestId('tryon-open').click();
  await b.getByTestId('tryon-file').setInputFiles(PERSON);
  await b.getByTestId('tryon-use-photo').click();
  await b.getByTestId('tryon-result-image').waitFor({ timeout: 60000 });
  await page.waitForFunction(() => {
    const img = document.querySelector('#b').shadowRoot.querySelector('[data-testid=tryon-result-image]');
    return img.complete && img.naturalWidth === 864;
  });
  // And the one that failed opens afresh.
  await a.getByTestId('tryon-close').click();
  await a.getByTestId('tryon-open').click();
  await a.getByTestId('tryon-start').waitFor();
  assert.equal(await a.getByTestId('tryon-crashed').count(), 0);
  // One panic, one trap: closing the failed widget did not wake its dead task again.
  assert.equal(page.consoleErrors.filter((e) => e.includes('panicked at')).length, 1, page.consoleErrors.join('\n'));
  assert.equal(page.problems.length, 1, page.problems.join('\n'));
  assert.match(page.problems[0], /unreachable/);
  await page.context().close();
});
