// Results that survive a reload, in headless Chromium against real sandbox gateways:
// after the result and in the middle of a job a reload shows the pictures again (or
// the same job, still running) with no new job (the gateway's own count of submitted
// jobs proves it); the back button brings the product's result back; pictures the
// service let expire say so; `persistResults: false` keeps nothing. Screenshots of a
// restored result on a desktop and a 360 px phone go to target/e2e-screens/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sandboxGateway, startGateway, jobsSubmitted } from '../lib/gateway.mjs';
import { startShop, launch, newPage, openWidget, sendPhoto, resultShown, assertClean, mountOnBlankPage, SCREENS } from '../lib/harness.mjs';

let gateway, shop, slow, slowShop, brief, briefShop, browser;
before(async () => {
  gateway = await sandboxGateway();
  shop = await startShop(gateway);
  // Jobs of several seconds: a reload lands in the middle of one.
  slow = await startGateway({ args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.8', '--allow-private-image-urls'] });
  slowShop = await startShop(slow);
  // Results that live two seconds.
  brief = await sandboxGateway([], { TRYON_SANDBOX_RESULT_TTL_SECONDS: '2' });
  briefShop = await startShop(brief);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const s of [shop, slowShop, briefShop]) await s?.close();
  for (const g of [gateway, slow, brief]) await g?.stop();
});

/** A page that records the widget's events in `window.__events` (kept across reloads as each load records its own). */
async function recordingPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await newPage(context);
  await page.addInitScript(() => {
    window.__events = [];
    for (const name of ['open', 'submit', 'complete', 'error', 'restore']) {
      document.addEventListener(`tryon:${name}`, (e) => window.__events.push({ name, detail: e.detail }));
    }
  });
  return page;
}

const events = (page) => page.evaluate(() => window.__events);

test('a reload after the result shows the same pictures at once, with no new job', async () => {
  const page = await recordingPage();
  // data-load="intent": after the reload the loader fetches the widget at once all
  // the same, because its panel was open.
  await page.goto(`${shop.url}/pages/intent.html`);
  await openWidget(page);
  await sendPhoto(page);
  const first = await resultShown(page);
  const jobs = await jobsSubmitted(gateway);
  const [complete] = (await events(page)).filter((e) => e.name === 'complete');

  await page.reload();
  // The panel opens again by itself, on the result.
  const again = await resultShown(page);
  assert.equal(again.src, first.src, 'the same picture');
  assert.equal(await jobsSubmitted(gateway), jobs, 'no new job');
  assert.deepEqual(
    (await events(page)).filter((e) => e.name === 'restore').map((e) => e.detail),
    [{ jobId: complete.detail.jobId, status: 'completed' }]
  );
  assert.equal(await page.getByTestId('tryon-compare').count(), 0, 'no comparison without the photo');
  await page.screenshot({ path: path.join(SCREENS, 'restore-desktop-result.png') });
  // What is kept: handles and URLs, never image bytes.
  const kept = await page.evaluate(() => sessionStorage.getItem('tryon.v2.tryons'));
  assert.ok(kept.includes(complete.detail.jobId) && !kept.includes('data:'), kept);

  // "Try another photo" goes on as usual, to the start.
  await page.getByTestId('tryon-another').click();
  await page.getByTestId('tryon-start').waitFor();
  assertClean(page);
  await page.context().close();
});

test('a reload in the middle of a job waits for the same job and shows its result', async () => {
  const page = await recordingPage({ width: 360, height: 740 });
  await page.goto(`${slowShop.url}/pages/tee.html`);
  await openWidget(page);
  await sendPhoto(page);
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'submit'));
  const [submit] = (await events(page)).filter((e) => e.name === 'submit');
  const jobs = await jobsSubmitted(slow);

  await page.reload();
  await page.getByTestId('tryon-working').waitFor({ timeout: 15000 });
  await resultShown(page);
  assert.equal(await jobsSubmitted(slow), jobs, 'no second job');
  const seen = await events(page);
  assert.deepEqual(seen.filter((e) => e.name === 'restore').map((e) => e.detail), [{ jobId: submit.detail.jobId, status: 'running' }]);
  assert.deepEqual(seen.filter((e) => e.name === 'complete').map((e) => e.detail.jobId), [submit.detail.jobId]);
  assert.equal(seen.filter((e) => e.name === 'submit').length, 0, 'nothing submitted after the reload');
  await page.screenshot({ path: path.join(SCREENS, 'restore-phone-result.png') });
  assertClean(page);
  await page.context().close();
});

test('back from another product brings the first product’s result back', async () => {
  const page = await recordingPage();
  await page.goto(`${shop.url}/pages/tee.html`);
  await openWidget(page);
  await sendPhoto(page);
  const first = await resultShown(page);
  const jobs = await jobsSubmitted(gateway);

  // Another product: its own widget, at the start.
  await page.goto(`${shop.url}/pages/dark-tee.html`);
  await openWidget(page);
  assert.equal(await page.getByTestId('tryon-result-image').count(), 0, 'the other product shows no result of the first');
  await page.getByTestId('tryon-close').click();

  await page.goBack();
  const again = await resultShown(page);
  assert.equal(again.src, first.src);
  assert.equal(await jobsSubmitted(gateway), jobs, 'no new job');
  assertClean(page);
  await page.context().close();
});

test('pictures the service let expire say so, and the shopper starts again', async () => {
  const page = await recordingPage();
  await page.goto(`${briefShop.url}/pages/tee.html`);
  await openWidget(page);
  await sendPhoto(page);
  await resultShown(page);
  // The sandbox keeps results two seconds here.
  await page.waitForTimeout(3000);
  await page.reload();
  await page.getByTestId('tryon-failed').waitFor({ timeout: 15000 });
  assert.equal(await page.getByTestId('tryon-failed').getAttribute('data-error'), 'Expired');
  assert.match(await page.getByTestId('tryon-error-message').textContent(), /no longer available/);
  const kept = await page.evaluate(() => sessionStorage.getItem('tryon.v2.tryons'));
  assert.ok(!kept.includes('"output"'), `the expired try-on is no longer kept: ${kept}`);
  // Trying again without the photo goes to the start for one.
  await page.getByTestId('tryon-retry').click();
  await page.getByTestId('tryon-start').waitFor();
  // The expired picture's 404 is what the browser logs; nothing else.
  assertClean(page, ['Failed to load resource']);
  await page.context().close();
});

test('persistResults: false keeps nothing in the tab', async () => {
  const page = await recordingPage();
  const options = {
    garmentImage: '/fixtures/garments/solidus_tshirt.png',
    productName: 'Solidus T-shirt',
    persistResults: false,
  };
  await mountOnBlankPage(page, shop.url, options);
  await openWidget(page);
  await sendPhoto(page);
  await resultShown(page);
  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), []);
  await page.reload();
  await page.waitForFunction(() => window.TryOn && window.TryOn.version);
  await page.evaluate((o) => TryOn.mount('#host', o), options);
  await openWidget(page);
  assert.equal(await page.getByTestId('tryon-result-image').count(), 0, 'nothing restored');
  assertClean(page);
  await page.context().close();
});
