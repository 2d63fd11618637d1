// The one-line embed: the loader, the placeholder, the custom element, the global
// API and its queue, isolation from the page's CSS, and a strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { sandboxGateway } from '../lib/gateway.mjs';
import {
  startShop, launch, newPage, widgetLoaded, openWidget, sendPhoto, resultShown, assertClean, SCREENS,
} from '../lib/harness.mjs';

let gateway, shop, browser;
before(async () => {
  gateway = await sandboxGateway();
  shop = await startShop(gateway);
  browser = await launch();
  fs.mkdirSync(SCREENS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await shop?.close();
  await gateway?.stop();
});

/** The wasm and glue requests a page made. */
function widgetRequests(page) {
  const seen = [];
  page.on('request', (r) => /tryon-widget(_nosimd)?(_bg\.wasm|\.js)/.test(r.url()) && seen.push(r.url()));
  return seen;
}

test('script tag: upload a photo, the result shows inline beside the product', async () => {
  const context = await browser.newContext();
  const page = await newPage(context);
  const completed = [];
  await page.exposeFunction('completed', (d) => completed.push(d));
  await page.addInitScript(() => document.addEventListener('tryon:complete', (e) => window.completed(e.detail)));
  await page.goto(`${shop.url}/pages/tee.html`);
  await openWidget(page);
  await sendPhoto(page);
  const shown = await resultShown(page);
  assert.equal(shown.width, 864);
  assert.equal(shown.height, 1296);
  assert.equal(completed.length, 1);
  assert.ok(completed[0].jobId, 'the complete event names the job');
  // Inline: the panel sits in the page's flow, below the button, inside the product column.
  const panel = await page.getByTestId('tryon-panel').boundingBox();
  const heading = await page.locator('h1').boundingBox();
  assert.ok(panel.y > heading.y && panel.x >= heading.x - 1, 'the panel is in the product column');
  assertClean(page);
  await context.close();
});

test('a browser without WebAssembly SIMD gets the build without it and completes a try-on', async () => {
  // V8 has no wasm SIMD on x86 without SSE4.1: a real browser that cannot compile the
  // SIMD build (as Safari before 16.4 cannot).
  const plain = await launch(['--js-flags=--no-enable-sse4-1']);
  try {
    const page = await newPage(await plain.newContext());
    const fetched = widgetRequests(page);
    await page.goto(`${shop.url}/pages/tee.html`);
    assert.equal(
      await page.evaluate(() => WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123]))),
      false,
      'this browser has no SIMD'
    );
    await openWidget(page);
    await sendPhoto(page);
    const shown = await resultShown(page);
    assert.equal(shown.width, 864, 'the photo was prepared (the resize runs without SIMD)');
    const wasm = fetched.filter((u) => u.includes('.wasm')).map((u) => path.basename(new URL(u).pathname));
    assert.deepEqual(wasm, ['tryon-widget_nosimd_bg.wasm']);
    assertClean(page);
  } finally {
    await plain.close();
  }
  // And a browser with SIMD fetches only the SIMD build.
  const page = await newPage(await browser.newContext());
  const fetched = widgetRequests(page);
  await page.goto(`${shop.url}/pages/tee.html`);
  await openWidget(page);
  const wasm = fetched.filter((u) => u.includes('.wasm')).map((u) => path.basename(new URL(u).pathname));
  assert.deepEqual(wasm, ['tryon-widget_bg.wasm']);
  await page.context().close();
});

test('script tag: a second product reuses the remembered photo when the shopper opted in', async () => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await page.goto(`${shop.url}/pages/tee.html`);
  await openWidget(page);
  await sendPhoto(page, { remember: true });
  await resultShown(page);
  await page.goto(`${shop.url}/pages/dark-tee.html`);
  await openWidget(page);
  await page.getByTestId('tryon-use-saved').click();
  await page.getByTestId('tryon-use-photo').click();
  const shown = await resultShown(page);
  assert.equal(shown.width, 864);
  // And without the opt-in, nothing is kept.
  const other = await newPage(await browser.newContext());
  await other.goto(`${shop.url}/pages/tee.html`);
  await openWidget(other);
  await sendPhoto(other);
  await resultShown(other);
  await other.goto(`${shop.url}/pages/dark-tee.html`);
  await openWidget(other);
  assert.equal(await other.getByTestId('tryon-use-saved').count(), 0);
  assertClean(page);
  await context.close();
  await other.context().close();
});

test('the custom element <tryon-widget> completes a try-on; the next product reuses the remembered photo', async () => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await page.goto(`${shop.url}/pages/element.html`);
  await openWidget(page);
  await sendPhoto(page, { remember: true });
  assert.equal((await resultShown(page)).width, 864);
  // The page's own attributes (class, style) leave the open panel alone…
  await page.evaluate(() => {
    const el = document.querySelector('tryon-widget');
    el.className = 'is-visible';
    el.style.outline = '1px solid red';
  });
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('tryon-results').count(), 1, 'the results stay on screen');
  // …while a single-page shop changing the options restarts the widget with them.
  await page.evaluate(() => document.querySelector('tryon-widget').setAttribute('locale', 'fr'));
  // Exactly the open button: the restarted widget opens again on the kept result,
  // whose "Essayer une autre photo" would match too.
  await page.getByRole('button', { name: 'Essayer', exact: true }).waitFor();
  // The next product's page, embedded with the element too.
  await page.goto(`${shop.url}/pages/element-dark.html`);
  await openWidget(page);
  await page.getByTestId('tryon-use-saved').click();
  await page.getByTestId('tryon-use-photo').click();
  assert.equal((await resultShown(page)).width, 864);
  // Removing the element removes its widget: no errors, and a new one mounts.
  await page.evaluate(() => document.querySelector('tryon-widget').remove());
  await page.evaluate(() => {
    const el = document.createElement('tryon-widget');
    el.setAttribute('garment-image', '/fixtures/garments/solidus_tshirt.png');
    el.setAttribute('locale', 'de');
    document.querySelector('section').append(el);
  });
  await page.getByRole('button', { name: 'Anprobieren', exact: true }).waitFor();
  assertClean(page);
  await context.close();
});

test('the loader draws the button at once and fetches the widget only on intent', async () => {
  const page = await newPage(await browser.newContext());
  const requests = widgetRequests(page);
  await page.goto(`${shop.url}/pages/intent.html`, { waitUntil: 'load' });
  const button = page.getByTestId('tryon-open');
  await button.waitFor();
  assert.equal(await button.textContent(), 'Try it on');
  await page.waitForTimeout(1500);
  assert.deepEqual(requests, [], 'nothing fetched before intent');
  await button.hover();
  await widgetLoaded(page);
  assert.equal(requests.length, 2, `the glue and the wasm, once: ${requests}`);
  assertClean(page);
  await page.context().close();
});

test('the loader loads the widget when the page is idle, and finds placeholders added later', async () => {
  const page = await newPage(await browser.newContext());
  const requests = widgetRequests(page);
  await page.goto(`${shop.url}/pages/tee.html`, { waitUntil: 'load' });
  await widgetLoaded(page);
  assert.equal(requests.length, 2);
  await page.evaluate(() => {
    const el = document.createElement('div');
    el.id = 'later';
    el.dataset.tryon = '';
    el.dataset.garmentImage = '/fixtures/garments/solidus_dark_tee.png';
    el.dataset.locale = 'fr';
    document.body.append(el);
  });
  await page.locator('#later').getByRole('button', { name: 'Essayer' }).click();
  await page.locator('#later').getByTestId('tryon-start').waitFor();
  assertClean(page);
  await page.context().close();
});

test('TryOn: calls queued before the script arrived run in order, events reach listeners', async () => {
  const page = await newPage(await browser.newContext());
  await page.goto(`${shop.url}/pages/api.html`);
  // mount + open were queued: the panel opens without a click.
  await page.getByTestId('tryon-start').waitFor();
  await sendPhoto(page);
  await resultShown(page);
  assert.deepEqual(await page.evaluate(() => window.seen), ['open', 'complete:1']);
  await page.evaluate(() => TryOn.close('#tryon-here'));
  await page.getByTestId('tryon-panel').waitFor({ state: 'detached' });
  await page.evaluate(() => TryOn.destroy('#tryon-here'));
  assert.equal(await page.getByTestId('tryon-open').count(), 0);
  assertClean(page);
  await page.context().close();
});

test('TryOn: a missing element, mounting twice, a wrong option and loading twice are console errors, not a broken page', async () => {
  const page = await newPage(await browser.newContext());
  await page.goto(`${shop.url}/pages/blank.html`);
  await page.waitForFunction(() => window.TryOn && window.TryOn.version);
  await page.evaluate(() => {
    TryOn.mount('#nowhere', {});
    TryOn.mount('#host', { garmentImage: '/fixtures/garments/solidus_tshirt.png' });
    TryOn.mount('#host', { garmentImage: '/fixtures/garments/solidus_tshirt.png' });
    TryOn.open(document.querySelector('main'));
    TryOn.on('finished', () => {});
    const again = document.createElement('script');
    again.src = '/tryon/tryon.js';
    document.head.append(again);
  });
  await page.waitForFunction(() => document.querySelectorAll('script[src="/tryon/tryon.js"]').length === 2);
  await page.waitForTimeout(300);
  const errors = page.consoleErrors.join('\n');
  assert.match(errors, /mount: no element on this page matches "#nowhere"/);
  assert.match(errors, /mount: this element already has a try-on widget; call TryOn\.destroy/);
  assert.match(errors, /open: this element has no try-on widget; call TryOn\.mount/);
  assert.match(errors, /there is no event "finished"; the events are open, photo-ready/);
  assert.match(errors, /tryon\.js is loaded twice/);
  // The one good widget still works.
  await openWidget(page);
  // A wrong option: named, with the accepted values; the element stays empty.
  await page.evaluate(() => {
    const el = document.createElement('div');
    el.id = 'wrong';
    document.body.append(el);
    TryOn.mount(el, { garmentImage: 'x.png', mode: 'fastest' });
  });
  await page.evaluate(() => TryOn.open('#wrong'));
  await page.waitForFunction(() => !document.querySelector('#wrong').shadowRoot.querySelector('button'));
  assert.match(page.consoleErrors.join('\n'), /option `mode`: `fastest` is not accepted: use one of/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('theming: custom properties and ::part reach inside, before and after the widget loads', async () => {
  const page = await newPage(await browser.newContext());
  await page.goto(`${shop.url}/pages/intent.html`);
  await page.addStyleTag({
    content: `[data-tryon] { --tryon-accent: rgb(0, 90, 60); --tryon-radius: 0px }
      [data-tryon]::part(open-button) { text-transform: uppercase }
      [data-tryon]::part(heading) { font-style: italic }`,
  });
  const look = () =>
    page.getByTestId('tryon-open').evaluate((b) => {
      const s = getComputedStyle(b);
      return [s.backgroundColor, s.textTransform, s.borderTopLeftRadius];
    });
  // The loader's placeholder button…
  assert.deepEqual(await look(), ['rgb(0, 90, 60)', 'uppercase', '0px']);
  await openWidget(page);
  // …and the widget's.
  assert.deepEqual(await look(), ['rgb(0, 90, 60)', 'uppercase', '0px']);
  const heading = await page.locator('[data-tryon]').evaluate((h) => getComputedStyle(h.shadowRoot.querySelector('h2')).fontStyle);
  assert.equal(heading, 'italic');
  assertClean(page);
  await page.context().close();
});

test('a strict Content-Security-Policy: the try-on works and nothing is blocked', async () => {
  const page = await newPage(await browser.newContext());
  await page.goto(`${shop.url}/strict/tee.html`);
  await openWidget(page);
  await sendPhoto(page);
  assert.equal((await resultShown(page)).width, 864);
  // The results step draws its before/after split through the CSSOM: no violation.
  await page.getByTestId('tryon-results').waitFor();
  assertClean(page);
  await page.context().close();
});

test('a hostile page stylesheet cannot break the widget, and the widget styles nothing outside', async () => {
  const page = await newPage(await browser.newContext({ viewport: { width: 1100, height: 900 } }));
  const sizes = {};
  for (const name of ['tee', 'hostile']) {
    await page.goto(`${shop.url}/pages/${name}.html`);
    await openWidget(page);
    const open = await page.getByTestId('tryon-open').boundingBox();
    const panel = await page.getByTestId('tryon-panel').boundingBox();
    const host = await page.locator('[data-tryon]').boundingBox();
    // The text inside: size, spacing, case, boxes.
    const font = await page.getByTestId('tryon-panel').evaluate((panel) =>
      ['h2', 'p', 'li', 'button', 'label'].map((tag) => {
        const s = getComputedStyle(panel.querySelector(tag));
        return [tag, s.fontSize, s.letterSpacing, s.lineHeight, s.textTransform, s.fontFamily, s.margin, s.padding, s.display].join(' ');
      })
    );
    sizes[name] = { open: [Math.round(open.width), Math.round(open.height)], fillsHost: Math.abs(panel.width - Math.min(host.width, 640)) < 1, font };
    if (name === 'hostile') {
      await page.getByTestId('tryon-panel').screenshot({ path: path.join(SCREENS, 'hostile-panel.png') });
      await page.screenshot({ path: path.join(SCREENS, 'hostile-page.png'), fullPage: true });
    }
    // Closed before the next page of the same product, which would open it again.
    await page.getByTestId('tryon-close').click();
  }
  assert.deepEqual(sizes.hostile, sizes.tee);
  // The page's own buttons and headings keep the page's styles.
  const h1 = await page.locator('h1').evaluate((h) => getComputedStyle(h).fontFamily);
  assert.match(h1, /Georgia/);
  assertClean(page);
  await page.context().close();
});
