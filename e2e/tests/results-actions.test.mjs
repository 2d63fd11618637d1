// What the shopper can do with a result, in headless Chromium against a real sandbox
// gateway: download it, share it through the device's share sheet where the browser
// can share files (Linux Chromium cannot: the Web Share API is given to the page
// here, as on a phone, to see what the widget hands it), fall back to the download
// where it cannot, and "Add to cart" (an event and the merchant's onAddToCart; the
// widget never touches the cart). Each says so to the merchant (tryon:share,
// tryon:add-to-cart); axe and a screenshot of the result's buttons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { newPage, openWidget, sendPhoto, resultShown, assertClean, SCREENS } from '../lib/harness.mjs';
import { sandboxSuite } from '../lib/suite.mjs';
import { AXE_SOURCE, axeInPage, judgeAxe } from '../lib/axe.mjs';

const suite = sandboxSuite();
const OPTIONS = {
  garmentImage: '/fixtures/garments/solidus_tshirt.png',
  productName: 'Solidus T-shirt',
  persistResults: false,
};

/** A page with the widget mounted by TryOn.mount(options), recording its events. */
async function widgetPage(options, { share, cart } = {}) {
  const page = await newPage(await suite.browser.newContext({ acceptDownloads: true }));
  await page.addInitScript((share) => {
    window.__events = [];
    for (const name of ['share', 'add-to-cart', 'complete']) {
      document.addEventListener(`tryon:${name}`, (e) => window.__events.push({ name, detail: e.detail }));
    }
    if (share) {
      // The Web Share API of a phone: what it was given is kept for the test.
      window.__shared = [];
      navigator.canShare = (data) => share === 'files' && Boolean(data && data.files && data.files.length);
      navigator.share = async (data) => {
        const file = data.files[0];
        window.__shared.push({ name: file.name, type: file.type, size: file.size, title: data.title });
      };
    }
  }, share);
  await page.goto(`${suite.shop.url}/pages/blank.html`);
  await page.waitForFunction(() => window.TryOn && window.TryOn.version);
  await page.evaluate((o) => {
    window.__carted = [];
    TryOn.mount('#host', o.cart ? { ...o.options, onAddToCart: (detail) => window.__carted.push(detail) } : o.options);
  }, { options, cart });
  await openWidget(page);
  await sendPhoto(page);
  await resultShown(page);
  return page;
}

const events = (page, name) => page.evaluate((n) => window.__events.filter((e) => e.name === n).map((e) => e.detail), name);
const jobOf = async (page) => (await events(page, 'complete'))[0].jobId;

test('where the browser can share files, Share hands the result picture to the share sheet', async () => {
  const page = await widgetPage(OPTIONS, { share: 'files' });
  const job = await jobOf(page);
  await page.getByTestId('tryon-share').click();
  await page.waitForFunction(() => window.__shared.length === 1);
  const [shared] = await page.evaluate(() => window.__shared);
  assert.equal(shared.title, 'Solidus T-shirt');
  assert.match(shared.type, /^image\//);
  assert.ok(shared.size > 10000, `the picture itself: ${shared.size} bytes`);
  assert.match(shared.name, /^try-on\.(png|jpg|webp)$/);
  assert.deepEqual(await events(page, 'share'), [{ method: 'share', jobId: job }]);
  assertClean(page);
  await page.context().close();
});

test('where it cannot share files, Share downloads the picture instead', async () => {
  const page = await widgetPage(OPTIONS, { share: 'no-files' });
  const job = await jobOf(page);
  const download = page.waitForEvent('download');
  await page.getByTestId('tryon-share').click();
  assert.match((await download).suggestedFilename(), /^try-on\.(png|jpg|webp)$/);
  assert.deepEqual(await events(page, 'share'), [{ method: 'download', jobId: job }]);
  assertClean(page);
  await page.context().close();
});

test('without the Web Share API there is no Share button; Download says so too', async () => {
  const page = await widgetPage(OPTIONS);
  const job = await jobOf(page);
  assert.equal(await page.getByTestId('tryon-share').count(), 0);
  assert.equal(await page.getByTestId('tryon-add-to-cart').count(), 0, 'no cart button unless the merchant asks');
  const download = page.waitForEvent('download');
  await page.getByTestId('tryon-download').click();
  await download;
  assert.deepEqual(await events(page, 'share'), [{ method: 'download', jobId: job }]);
  assertClean(page);
  await page.context().close();
});

test('Add to cart: the event and the merchant’s onAddToCart, with the product and the try-on', async () => {
  const page = await widgetPage(OPTIONS, { share: 'files', cart: true });
  const job = await jobOf(page);
  const button = page.getByTestId('tryon-add-to-cart');
  assert.equal(await button.textContent(), 'Add to cart');
  await page.getByTestId('tryon-results').screenshot({ path: path.join(SCREENS, 'results-share-cart.png') });
  await page.addScriptTag({ content: AXE_SOURCE() });
  judgeAxe(await page.evaluate(axeInPage), 'results with share and add to cart');
  await button.click();
  const detail = { product: 'Solidus T-shirt', variant: null, jobId: job };
  assert.deepEqual(await events(page, 'add-to-cart'), [detail]);
  assert.deepEqual(await page.evaluate(() => window.__carted), [detail]);
  // Gone with the widget: no call after destroy.
  await page.evaluate(() => TryOn.destroy('#host'));
  await page.evaluate(() => document.querySelector('#host').dispatchEvent(new CustomEvent('tryon:add-to-cart', { detail: {} })));
  assert.equal((await page.evaluate(() => window.__carted)).length, 1);
  assertClean(page);
  await page.context().close();
});

test('a wrong onAddToCart is a clear error at mount', async () => {
  const page = await newPage(await suite.browser.newContext());
  await page.goto(`${suite.shop.url}/pages/blank.html`);
  await page.waitForFunction(() => window.TryOn && window.TryOn.version);
  await page.evaluate((o) => TryOn.mount('#host', { ...o, onAddToCart: 'addItem' }), OPTIONS);
  await page.getByTestId('tryon-open').click();
  for (let i = 0; i < 100 && !page.consoleErrors.length; i++) await page.waitForTimeout(100);
  assert.match(page.consoleErrors.join('\n'), /onAddToCart.*`addItem` is not accepted: give a function/);
  await page.context().close();
});
