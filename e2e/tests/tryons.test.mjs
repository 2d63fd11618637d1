// After the picture, in headless Chromium against a real sandbox gateway: another
// colour of the product (the merchant's `variants`) tries the same photo on again
// with no capture and no photo check, as exactly one new job (the gateway's own
// count proves it); "Your try-ons" shows this tab's results across two products, a
// tap shows one again with no request, × removes one and "Forget my photo" all.
// Events (tryon:variant, tryon:restore, tryon:add-to-cart with the colour), axe and
// the keyboard over the new controls; screenshots on a desktop and a 360 px phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { newPage, openWidget, sendPhoto, resultShown, assertClean, SCREENS } from '../lib/harness.mjs';
import { jobsSubmitted } from '../lib/gateway.mjs';
import { sandboxSuite } from '../lib/suite.mjs';
import { AXE_SOURCE, axeInPage, judgeAxe } from '../lib/axe.mjs';

const suite = sandboxSuite();

/** A fresh tab recording the widget's events and the requests it makes to the API. */
async function recordingPage(viewport = { width: 1280, height: 900 }) {
  const page = await newPage(await suite.browser.newContext({ viewport }));
  await page.addInitScript(() => {
    window.__events = [];
    for (const name of ['variant', 'restore', 'add-to-cart', 'complete']) {
      document.addEventListener(`tryon:${name}`, (e) => window.__events.push({ name, detail: e.detail }));
    }
  });
  page.apiCalls = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (/^\/(api\/)?v1\//.test(url.pathname) && !url.pathname.startsWith('/v1/results')) {
      page.apiCalls.push({ method: r.method(), path: url.pathname, body: r.postData() });
    }
  });
  return page;
}

const events = (page, name) => page.evaluate((n) => window.__events.filter((e) => e.name === n).map((e) => e.detail), name);
const pressed = (page) => page.locator('[data-testid=tryon-variant][aria-pressed=true]').allTextContents();

test('another colour tries the same photo on again: one new job, no capture, no photo check', async () => {
  const page = await recordingPage();
  await page.goto(`${suite.shop.url}/pages/hoodie.html`);
  await openWidget(page);
  await sendPhoto(page);
  const black = await resultShown(page);
  const colours = page.getByTestId('tryon-variant');
  assert.deepEqual(await colours.allTextContents(), ['Black', 'Red']);
  assert.deepEqual(await pressed(page), ['Black'], 'the colour of the page’s own picture is the one shown');
  const jobs = await jobsSubmitted(suite.gateway);
  const before = page.apiCalls.length;

  await colours.filter({ hasText: 'Red' }).click();
  await page.getByTestId('tryon-working').waitFor();
  assert.equal(await page.getByTestId('tryon-frame').count(), 0, 'no capture step');
  const red = await resultShown(page);
  assert.notEqual(red.src, black.src);
  assert.equal(await jobsSubmitted(suite.gateway), jobs + 1, 'exactly one new job');
  const calls = page.apiCalls.slice(before);
  const posts = calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/tryon/clothes');
  assert.equal(posts.length, 1, JSON.stringify(calls.map((c) => `${c.method} ${c.path}`)));
  assert.match(JSON.parse(posts[0].body).garment_image, /solidus_hoodie_red_1\.png$/);
  assert.equal(calls.filter((c) => c.path.includes('precheck')).length, 0, 'the photo is not checked again');
  assert.deepEqual(await events(page, 'variant'), [{ product: 'the Solidus hoodie', variant: 'Red' }]);
  assert.deepEqual(await pressed(page), ['Red']);

  // Add to cart names the colour tried on.
  const jobId = (await events(page, 'complete'))[1].jobId;
  await page.getByTestId('tryon-add-to-cart').click();
  assert.deepEqual(await events(page, 'add-to-cart'), [{ product: 'the Solidus hoodie', variant: 'Red', jobId }]);
  // The colour pressed again is the one shown: nothing happens.
  await colours.filter({ hasText: 'Red' }).click();
  assert.equal(await page.getByTestId('tryon-working').count(), 0);
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('tryon-results').count(), 1);
  assert.equal(await jobsSubmitted(suite.gateway), jobs + 1);

  await page.addScriptTag({ content: AXE_SOURCE() });
  judgeAxe(await page.evaluate(axeInPage), 'results with colours and your try-ons');
  // The first colour's result is kept under the hoodie's name and its colour.
  assert.match(await page.getByTestId('tryon-tryon').first().textContent(), /^the Solidus hoodie – Black/);
  await page.getByTestId('tryon-results').screenshot({ path: path.join(SCREENS, 'results-colours.png') });

  // The black result again, from the strip: its cart button names black, not the
  // colour picked last.
  const blackJob = (await events(page, 'complete'))[0].jobId;
  await page.getByTestId('tryon-tryon').first().click();
  await page.waitForFunction((src) => {
    const host = document.querySelector('[data-tryon]');
    return host.shadowRoot.querySelector('[data-testid=tryon-result-image]')?.src === src;
  }, black.src);
  await page.getByTestId('tryon-add-to-cart').click();
  assert.deepEqual((await events(page, 'add-to-cart')).at(-1), { product: 'the Solidus hoodie', variant: 'Black', jobId: blackJob });
  assertClean(page);
  await page.context().close();
});

test('your try-ons across two products: look again for nothing, remove one, forget all', async () => {
  const page = await recordingPage({ width: 360, height: 740 });
  await page.goto(`${suite.shop.url}/pages/tee.html`);
  await openWidget(page);
  assert.equal(await page.getByTestId('tryon-tryons').isVisible(), false, 'nothing to show yet');
  await sendPhoto(page);
  const tee = await resultShown(page);

  // Another product, with a cart button and colours of its own.
  await page.goto(`${suite.shop.url}/pages/hoodie.html`);
  await openWidget(page);
  // The other product's result, on this product's start.
  const strip = page.getByTestId('tryon-tryons');
  await strip.waitFor();
  const items = page.getByTestId('tryon-tryon');
  assert.equal(await items.count(), 1);
  assert.match(await items.first().textContent(), /^the Solidus T-shirt\d{1,2}:\d{2}/);
  await sendPhoto(page);
  const hoodie = await resultShown(page);
  assert.equal(await items.count(), 1, 'the strip leaves out the result on screen');
  await page.screenshot({ path: path.join(SCREENS, 'tryons-phone.png'), fullPage: true });
  const jobs = await jobsSubmitted(suite.gateway);
  const calls = page.apiCalls.length;

  // By keyboard: the T-shirt's result again, with no request.
  await items.first().focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((src) => {
    const host = document.querySelector('[data-tryon]');
    return host.shadowRoot.querySelector('[data-testid=tryon-result-image]')?.src === src;
  }, tee.src);
  assert.equal(await jobsSubmitted(suite.gateway), jobs, 'no new job');
  assert.deepEqual(page.apiCalls.slice(calls), [], 'no request to the API');
  // The T-shirt's picture on the hoodie's page: not the hoodie's cart or colours.
  assert.equal(await page.getByTestId('tryon-add-to-cart').count(), 0);
  assert.equal(await page.getByTestId('tryon-variants').count(), 0);
  assert.equal((await events(page, 'restore')).at(-1).status, 'completed');
  // Now the hoodie's is the other one.
  assert.equal(await items.count(), 1);
  assert.ok((await items.locator('img').getAttribute('src')).endsWith(new URL(hoodie.src).pathname));

  // Remove it: the strip goes, focus goes to the step's heading.
  const remove = page.getByTestId('tryon-tryon-remove');
  assert.match(await remove.getAttribute('aria-label'), /^Remove the Solidus hoodie – Black, /);
  await remove.click();
  await page.waitForFunction(() => !document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-tryon]'));
  assert.equal(await strip.isVisible(), false);
  assert.equal(
    await page.evaluate(() => document.querySelector('[data-tryon]').shadowRoot.activeElement?.hasAttribute('data-step-heading')),
    true
  );
  const kept = await page.evaluate(() => sessionStorage.getItem('tryon.v2.tryons'));
  assert.equal(kept.split('\n').filter(Boolean).length, 1, kept);

  // "Forget my photo" forgets them all, also with no photo remembered.
  await page.getByTestId('tryon-another').click();
  await strip.waitFor();
  await page.getByTestId('tryon-forget').click();
  await page.waitForFunction(() => !document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-tryon]'));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tryon.v2.tryons')), null);
  assert.equal(await page.getByTestId('tryon-forget').count(), 0);
  // Its button went with what it forgot: focus is on the step's heading, not lost.
  await page.waitForFunction(() => document.querySelector('[data-tryon]').shadowRoot.activeElement?.hasAttribute('data-step-heading'));
  assertClean(page);
  await page.context().close();
});
