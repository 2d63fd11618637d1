// The merchant's money as the shopper meets it: "N try-ons left", the quota reached
// (said plainly, with when to go on, never waited out), try-on paused for the day,
// and a submit delivered twice making one job upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startGateway } from '../lib/gateway.mjs';
import { startHostedFake, FAKE_KEY } from '../lib/fake-upstream.mjs';
import {
  startShop, launch, newPage, mountOnBlankPage, openWidget, sendPhoto, resultShown, assertClean, SCREENS,
} from '../lib/harness.mjs';

const GARMENT = '/fixtures/garments/solidus_tshirt.png';
const PHONE = { width: 360, height: 740 };
// The browser logs the 429 / 503 answers the widget reads and explains.
const REFUSALS_LOGGED = ['Failed to load resource'];
let browser;
before(async () => {
  browser = await launch();
  fs.mkdirSync(SCREENS, { recursive: true });
});
after(async () => browser?.close());

/** A sandbox gateway with these limits, and a shop in front of it. */
async function shopWith(env) {
  const gateway = await startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.05', '--allow-private-image-urls'],
    env,
  });
  const shop = await startShop(gateway);
  return {
    shop,
    close: async () => {
      await shop.close();
      await gateway.stop();
    },
  };
}

async function widgetPage(shop, { viewport, ...options } = {}) {
  const page = await newPage(await browser.newContext(viewport ? { viewport } : {}));
  await mountOnBlankPage(page, shop.url, { productName: 'the Solidus T-shirt', garmentImage: GARMENT, ...options });
  return page;
}

test('few try-ons left are counted down, and at none the shopper reads when to go on', async () => {
  const { shop, close } = await shopWith({ TRYON_SESSION_IMAGES_PER_HOUR: '3', TRYON_ADDRESS_IMAGES_PER_HOUR: '3' });
  try {
    // Not kept in the tab, so that opening again comes to the start step (a kept
    // result would be shown again instead: restore.test.mjs).
    const page = await widgetPage(shop, { persistResults: false });
    await openWidget(page);
    await sendPhoto(page);
    await resultShown(page);
    assert.equal(await page.getByTestId('tryon-tries-left').textContent(), '2 try-ons left for now');
    await page.getByTestId('tryon-again').click();
    await page.getByTestId('tryon-tries-left').filter({ hasText: '1 try-on left for now' }).waitFor();
    await resultShown(page);
    await page.getByTestId('tryon-again').click();
    const none = page.getByTestId('tryon-tries-left').filter({ hasText: /last try-on for now/ });
    await none.waitFor({ timeout: 30000 });
    assert.match(await none.textContent(), /try on more in about (59|60) min/);
    assert.equal(await page.getByTestId('tryon-again').count(), 0, 'no button that would fail');
    assert.equal(await page.getByTestId('tryon-another').count(), 0);
    await page.screenshot({ path: path.join(SCREENS, 'desktop-tries-none-left.png'), fullPage: true });
    // Closed and opened again: the start says it before a photo is picked for nothing.
    await page.getByTestId('tryon-close').click();
    await openWidget(page);
    assert.match(await page.getByTestId('tryon-tries-left').textContent(), /last try-on for now/);
    assertClean(page);

    // Another tab of the same household: the address's images are spent. The widget
    // says so at once; it does not wait the hour out.
    for (const [viewport, locale, screen, message] of [
      [undefined, 'en', 'desktop-quota-exceeded.png', /^You've tried on a lot in a short time\. You can try on more in about (59|60) min\.$/],
      [PHONE, 'de', 'phone-quota-exceeded.png', /^Du hast in kurzer Zeit viel anprobiert\. In etwa (59|60) Min\. kannst du weiter anprobieren\.$/],
    ]) {
      const other = await widgetPage(shop, { viewport, locale });
      const errors = [];
      await other.exposeFunction('failed', (d) => errors.push(d));
      await other.evaluate(() => document.addEventListener('tryon:error', (e) => window.failed(e.detail)));
      await openWidget(other);
      const started = Date.now();
      await sendPhoto(other);
      const failed = other.getByTestId('tryon-failed');
      await failed.waitFor({ timeout: 15000 });
      assert.ok(Date.now() - started < 10000, 'refused at once, not waited out');
      assert.equal(await failed.getAttribute('data-error'), 'QuotaExceeded');
      assert.match(await other.getByTestId('tryon-error-message').textContent(), message);
      assert.equal(errors[0].name, 'QuotaExceeded');
      assert.equal(await other.getByTestId('tryon-retry').count(), 0);
      assert.equal(await other.getByTestId('tryon-another').count(), 0);
      await other.getByTestId('tryon-done').waitFor();
      await other.screenshot({ path: path.join(SCREENS, screen) });
      assertClean(other, REFUSALS_LOGGED);
      await other.getByTestId('tryon-done').click();
      await other.getByTestId('tryon-open').waitFor();
      await other.context().close();
    }
    await page.context().close();
  } finally {
    await close();
  }
});

test('the daily budget spent: try-on is paused for today, the product page untouched', async () => {
  const { shop, close } = await shopWith({ TRYON_DAILY_IMAGE_BUDGET: '1' });
  try {
    const first = await widgetPage(shop);
    await openWidget(first);
    await sendPhoto(first);
    await resultShown(first);
    await first.context().close();
    for (const [viewport, screen] of [[undefined, 'desktop-spending-limit.png'], [PHONE, 'phone-spending-limit.png']]) {
      const page = await widgetPage(shop, { viewport });
      await openWidget(page);
      await sendPhoto(page);
      const failed = page.getByTestId('tryon-failed');
      await failed.waitFor({ timeout: 15000 });
      assert.equal(await failed.getAttribute('data-error'), 'SpendingLimitReached');
      assert.match(await page.getByTestId('tryon-error-message').textContent(), /^Try-on is paused for today\./);
      assert.equal(await page.getByTestId('tryon-retry').count(), 0);
      // The page around the widget is as it was.
      assert.ok(await page.locator('#host').isVisible());
      await page.screenshot({ path: path.join(SCREENS, screen) });
      assertClean(page, REFUSALS_LOGGED);
      await page.context().close();
    }
  } finally {
    await close();
  }
});

test('a submit delivered twice (a network retry) makes one job upstream', async () => {
  const upstream = await startHostedFake({ dialect: 'fashn', scale: 0.1 });
  const gateway = await startGateway({
    args: ['--engine', 'upstream', '--upstream', 'fashn', '--upstream-url', upstream.url, '--upstream-api-key', FAKE_KEY,
      '--upstream-poll-seconds', '0.2'],
  });
  const shop = await startShop(gateway);
  try {
    const page = await widgetPage(shop);
    const keys = [];
    // The network delivers the widget's submit twice; the widget reads the second answer.
    await page.route('**/api/v1/tryon/clothes', async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      await route.fetch();
      await route.fulfill({ response: await route.fetch() });
    });
    await openWidget(page);
    await sendPhoto(page);
    await resultShown(page);
    assert.equal(keys.length, 1);
    assert.match(keys[0], /^"[0-9a-f]{24}-[0-9a-f]+"$/);
    assert.equal((await upstream.stats()).jobs, 1, 'one job reached FASHN');
    // "Try again" is a new try-on: a new key, a new job.
    await page.getByTestId('tryon-again').click();
    await page.getByTestId('tryon-working').waitFor();
    await resultShown(page);
    assert.equal(keys.length, 2);
    assert.notEqual(keys[1], keys[0]);
    assert.equal((await upstream.stats()).jobs, 2);
    assertClean(page);
    await page.context().close();
  } finally {
    await shop.close();
    await gateway.stop();
    await upstream.close();
  }
});
