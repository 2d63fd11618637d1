// What every end-to-end test needs: Debian's Chromium, a real gateway, and the
// pages served beside the embed bundle (target/embed, scripts/build-embed.sh).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { launchOptions } from '../browser.mjs';
import { serve } from './serve.mjs';
import { PRODUCT_PAGES } from './pages.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = process.env.TRYON_FIXTURES || path.join(ROOT, 'fixtures');
export const SCREENS = path.join(ROOT, 'target/e2e-screens');

/** The policy a careful merchant sends; the README's CSP note lists what the widget needs. */
export const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the test pages (`/pages/…`: the product pages of pages.mjs and the files
 * in e2e/pages/; the same pages under `/strict/…` with
 * STRICT_CSP), the embed bundle (`/tryon/…`) and the fixtures (`/fixtures/…`),
 * forwarding the API to `gateway.url` (`shop.gateway` may be swapped).
 */
export async function startShop(gateway, extraMounts = {}) {
  const shop = { gateway };
  const pages = path.join(ROOT, 'e2e/pages');
  const server = await serve({
    mounts: {
      '/pages/': pages,
      '/strict/': pages,
      '/tryon/': path.join(ROOT, 'target/embed'),
      '/fixtures/': FIXTURES,
      ...extraMounts,
    },
    generated: { '/pages/': PRODUCT_PAGES, '/strict/': PRODUCT_PAGES },
    gateway: () => shop.gateway.url,
    headers: (p) => (p.startsWith('/strict/') ? { 'content-security-policy': STRICT_CSP } : {}),
  });
  shop.url = server.url;
  shop.close = server.close;
  return shop;
}

export async function launch(extraArgs) {
  return chromium.launch(launchOptions(extraArgs));
}

/**
 * A page that records console errors, uncaught exceptions and CSP violations,
 * so a test can say none happened.
 */
export async function newPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && page.consoleErrors.push(m.text()));
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return page;
}

/** Mounts a widget on the test page `blank.html` through `TryOn.mount(options)`. */
export async function mountOnBlankPage(page, shopUrl, options) {
  await page.goto(`${shopUrl}/pages/blank.html`);
  await page.waitForFunction(() => window.TryOn && window.TryOn.version);
  await page.evaluate((o) => TryOn.mount('#host', o), options);
  await page.getByTestId('tryon-open').waitFor();
}

/** Waits until the widget itself (not the loader's placeholder) is mounted. */
export async function widgetLoaded(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#host, [data-tryon]')].some((h) => h.shadowRoot?.querySelector('[data-testid=tryon-root]'))
  );
}

/** Opens the panel of the (first) widget. */
export async function openWidget(page) {
  await page.getByTestId('tryon-open').first().click();
  await page.getByTestId('tryon-start').waitFor();
}

/** Picks a fixture photo in the open panel and sends it. */
export async function sendPhoto(page, { photo = 'people/model.webp', remember = false } = {}) {
  if (remember) await page.getByTestId('tryon-remember').check();
  await page.getByTestId('tryon-file').setInputFiles(path.join(FIXTURES, photo));
  await page.getByTestId('tryon-use-photo').click();
}

/** Waits until the first result image has loaded and returns its natural size. */
export async function resultShown(page, timeout = 60000) {
  const image = page.getByTestId('tryon-result-image').first();
  try {
    await image.waitFor({ timeout });
    await page.waitForFunction(
      (el) => el.complete && el.naturalWidth > 0,
      await image.elementHandle(),
      { timeout }
    );
  } catch (e) {
    // Say what the shopper saw instead, so a failure can be understood from the log.
    const panel = await page.getByTestId('tryon-panel').allInnerTexts().catch(() => '(page gone)');
    e.message += `\nthe panel read: ${JSON.stringify(panel)}\npage errors: ${JSON.stringify([...page.problems, ...page.consoleErrors])}`;
    throw e;
  }
  return image.evaluate((el) => ({ width: el.naturalWidth, height: el.naturalHeight, src: el.src }));
}

/** Fails the test when the page logged an error, threw, or broke its CSP. */
export function assertClean(page, allowed = []) {
  const errors = page.consoleErrors.filter((e) => !allowed.some((a) => e.includes(a)));
  assert.deepEqual([...page.problems, ...errors], []);
}

/**
 * Clicks "Use this photo" in the widget inside `hostSelector` and records the
 * progress bar's value every animation frame from that click until the results show,
 * in `window.progress` (sampled in the page, so no frame is missed).
 */
export async function useThePhotoAndSampleProgress(page, hostSelector) {
  await page.evaluate((selector) => {
    const root = document.querySelector(selector).shadowRoot;
    window.progress = [];
    const sample = () => {
      const bar = root.querySelector('[role=progressbar]');
      if (bar) window.progress.push(Number(bar.getAttribute('aria-valuenow')));
      if (!root.querySelector('[data-testid=tryon-results]')) requestAnimationFrame(sample);
    };
    root.querySelector('[data-testid=tryon-use-photo]').click();
    requestAnimationFrame(sample);
  }, hostSelector);
}
