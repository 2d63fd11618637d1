// Accessibility: an axe-core scan of every state of the widget (inside its shadow
// root), and a try-on done with the keyboard alone, checking where focus goes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { sandboxGateway, startGateway } from '../lib/gateway.mjs';
import { axeInPage, judgeAxe } from '../lib/axe.mjs';
import { focusedInPage } from '../lib/focus.mjs';
import { mountOnBlankPage, widgetLoaded, startShop, launch, newPage, resultShown, assertClean, ROOT, SCREENS, FIXTURES } from '../lib/harness.mjs';

const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');
const REPORT = path.join(SCREENS, 'a11y-axe.json');
const OPTIONS = {
  garmentImage: '/fixtures/garments/solidus_tshirt.png',
  productName: 'the Solidus T-shirt',
  samplePhoto: '/fixtures/people/model.webp',
};

let fast, slow, shop, slowShop, browser;
const findings = {};
before(async () => {
  fast = await sandboxGateway();
  // Slow enough that the waiting step stays up while axe looks at it.
  slow = await startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.6', '--allow-private-image-urls'],
  });
  shop = await startShop(fast);
  slowShop = await startShop(slow);
  browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  fs.mkdirSync(SCREENS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await shop?.close();
  await slowShop?.close();
  await fast?.stop();
  await slow?.stop();
  if (Object.keys(findings).length) fs.writeFileSync(REPORT, JSON.stringify(findings, null, 2));
});

/** blank.html with a widget mounted on #host (the placeholder button until intent). */
function mountBlank(page, url, extra = {}) {
  return mountOnBlankPage(page, url, { ...OPTIONS, ...extra });
}

/** axe-core on the widget in `page` (e2e/lib/axe.mjs), remembered for the report. */
async function scan(page, state) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(axeInPage);
  findings[state] = result;
  return judgeAxe(result, state);
}

/** The element that has focus, looking through shadow roots. */
function focused(page) {
  return page.evaluate(focusedInPage);
}

/** Waits until focus satisfies `check` (the widget moves focus after a frame). */
async function focusSettles(page, check, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await focused(page);
    if (last && check(last)) return last;
    await page.waitForTimeout(50);
  }
  assert.fail(`focus should be ${what}, is ${JSON.stringify(last)}`);
}

/** Presses Tab until the element with `testid` has focus; returns the stops passed. */
async function tabTo(page, testid, max = 12) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    stops.push(f?.testid ?? f?.tag ?? null);
    if (f?.testid === testid) return stops;
  }
  assert.fail(`Tab never reached ${testid}; stops: ${stops.join(', ')}`);
}

async function frameBox(page) {
  return page.getByTestId('tryon-frame').evaluate((el) => ({
    left: parseFloat(el.style.left),
    top: parseFloat(el.style.top),
    width: parseFloat(el.style.width),
    height: parseFloat(el.style.height),
  }));
}

/** Where the crop frame is drawn, and where it should be on the displayed photo. */
function framePlacement(page) {
  return page.getByTestId('tryon-frame').evaluate((el) => {
    const img = el.getRootNode().querySelector('.tryon__source');
    const p = img.getBoundingClientRect();
    const f = el.getBoundingClientRect();
    const pct = (side) => parseFloat(el.style[side]) / 100;
    const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
    return {
      naturalRatio: img.naturalWidth / img.naturalHeight,
      pictureRatio: p.width / p.height,
      frame: round({ left: f.left - p.left, top: f.top - p.top, width: f.width, height: f.height }),
      expected: round({ left: pct('left') * p.width, top: pct('top') * p.height, width: pct('width') * p.width, height: pct('height') * p.height }),
    };
  });
}

test('axe: the closed widget (placeholder and loaded button)', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, shop.url);
  // The loader's placeholder, before the widget has loaded (data-load="intent").
  assert.equal(await page.getByTestId('tryon-root').count(), 0, 'still the placeholder');
  await scan(page, 'closed (placeholder)');
  await page.getByTestId('tryon-open').hover();
  await widgetLoaded(page);
  assert.equal(await page.getByTestId('tryon-panel').count(), 0);
  assert.equal(await page.getByTestId('tryon-open').getAttribute('aria-expanded'), 'false');
  await scan(page, 'closed');
  assertClean(page);
  await page.context().close();
});

test('axe: start, camera and frame steps', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, shop.url);
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-start').waitFor();
  await scan(page, 'start');

  await page.getByTestId('tryon-camera').click();
  await page.getByTestId('tryon-camera-step').waitFor();
  await page.waitForFunction(
    (el) => el.readyState >= 2 && el.videoWidth > 0,
    await page.getByTestId('tryon-video').elementHandle(),
    { timeout: 15000 }
  );
  assert.equal(await page.getByTestId('tryon-camera-problem').count(), 0, 'the fake camera works');
  await scan(page, 'camera');

  await page.getByTestId('tryon-camera-step').getByRole('button', { name: 'Back' }).click();
  await page.getByTestId('tryon-sample').click();
  await page.getByTestId('tryon-frame-step').waitFor();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await page.locator('.tryon__source').elementHandle());
  await scan(page, 'frame');
  assertClean(page);
  await page.context().close();
});

test('axe: the waiting step and the results', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, slowShop.url);
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-sample').click();
  await page.getByTestId('tryon-use-photo').click();
  await page.getByTestId('tryon-working').waitFor();
  // Past the upload, so the thumbnail and the stage text are there.
  await page.waitForFunction(() => {
    const s = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-stage]');
    return s && !/Sending/.test(s.textContent);
  }, null, { timeout: 15000 });
  await scan(page, 'working');
  // The progress bar is named by the stage and tells the estimate as its value.
  const bar = await page.getByRole('progressbar').evaluate((el) => ({
    name: el.getRootNode().getElementById(el.getAttribute('aria-labelledby'))?.textContent,
    valuetext: el.getAttribute('aria-valuetext'),
  }));
  assert.match(bar.name ?? '', /Waiting|Putting/, 'named by the stage text');
  assert.match(bar.valuetext ?? '', /^About \d+ s left$/);
  assert.equal(await page.getByTestId('tryon-working').count(), 1, 'still waiting after the scan (the scan saw the waiting step)');
  await page.getByTestId('tryon-working').screenshot({ path: path.join(SCREENS, 'a11y-working.png') });

  await resultShown(page);
  await scan(page, 'results');
  assertClean(page);
  await page.context().close();
});

test('axe: a failed try-on (PoseError)', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, shop.url, { seed: 4000000001 });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-sample').click();
  await page.getByTestId('tryon-use-photo').click();
  await page.getByTestId('tryon-failed').waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId('tryon-failed').getAttribute('data-error'), 'PoseError');
  await scan(page, 'failed');
  assertClean(page);
  await page.context().close();
});

test('axe: the advice about a photo with nobody in it', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, shop.url);
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-file').setInputFiles(path.join(FIXTURES, 'bad/coffee.png'));
  await page.getByTestId('tryon-use-photo').click();
  await page.getByTestId('tryon-advice').waitFor({ timeout: 15000 });
  await focusSettles(page, (f) => f.heading && f.text === 'Check your photo', 'on the advice heading');
  await scan(page, 'advice');
  assertClean(page);
  await page.context().close();
});

test('keyboard only: open, pick the sample photo, move the frame, get the result, Escape', async () => {
  const page = await newPage(await browser.newContext());
  // Proof that no pointer was used.
  await page.addInitScript(() => {
    window.pointerUse = 0;
    for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
      document.addEventListener(type, () => window.pointerUse++, true);
    }
  });
  await page.goto(`${shop.url}/pages/tee.html`);
  await page.getByTestId('tryon-open').waitFor();

  // The "Try it on" button is the page's first tab stop; focusing it loads the
  // widget, which keeps focus on its own button.
  await page.keyboard.press('Tab');
  await focusSettles(page, (f) => f.testid === 'tryon-open', 'on "Try it on"');
  await widgetLoaded(page);
  const open = await focusSettles(page, (f) => f.testid === 'tryon-open', 'still on "Try it on" once the widget loaded');
  assert.ok(open.visible, 'the focused button shows a focus ring');
  assert.equal(await page.getByTestId('tryon-open').getAttribute('aria-expanded'), 'false');

  // Open: focus lands on the start step's heading, inside the panel.
  await page.keyboard.press('Enter');
  await page.getByTestId('tryon-start').waitFor();
  const heading = await focusSettles(page, (f) => f.heading, 'on the step heading');
  assert.equal(heading.text, 'See it on you');
  assert.ok(heading.inPanel);
  assert.equal(await page.getByTestId('tryon-open').getAttribute('aria-expanded'), 'true');

  // Shift+Tab reaches the close button; Tab then goes on into the step.
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focused(page)).testid, 'tryon-close');
  assert.equal(await page.getByRole('button', { name: 'Close', exact: true }).getAttribute('data-testid'), 'tryon-close');
  const stops = await tabTo(page, 'tryon-sample');
  assert.deepEqual(stops, ['tryon-choose', 'tryon-sample'], 'the photo choices, in reading order');

  // Space on "Use a sample photo": the frame step, focus on its heading.
  await page.keyboard.press('Space');
  await page.getByTestId('tryon-frame-step').waitFor();
  const cropHeading = await focusSettles(page, (f) => f.heading && f.text === 'Adjust the frame', 'on the frame heading');
  assert.ok(cropHeading.inPanel);

  // The crop frame is the next tab stop and shows that it has focus.
  await page.keyboard.press('Tab');
  const frame = await focused(page);
  assert.equal(frame.testid, 'tryon-frame');
  assert.ok(frame.visible && frame.outline !== 'none', `the crop frame shows a focus ring (${frame.outline})`);
  // The sample is exactly 2:3, so the frame fills it: shrink it, then move it.
  const full = await frameBox(page);
  await page.keyboard.press('Minus');
  await page.keyboard.press('Minus');
  const smaller = await frameBox(page);
  assert.ok(smaller.width < full.width - 1, `"-" shrinks the frame (${full.width} → ${smaller.width})`);
  await page.keyboard.press('ArrowLeft');
  const left = await frameBox(page);
  assert.ok(left.left < smaller.left - 0.5, `ArrowLeft moves it left (${smaller.left} → ${left.left})`);
  assert.equal(left.top, smaller.top);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowRight');
  const moved = await frameBox(page);
  assert.ok(moved.top > left.top + 0.5, 'ArrowDown moves it down');
  assert.ok(moved.left > left.left + 5, 'Shift+ArrowRight moves it a big step right');
  assert.equal(moved.width, smaller.width, 'moving keeps the size');
  // The frame is drawn on the picture itself: what the shopper sees is what is cropped.
  const drawn = await framePlacement(page);
  assert.ok(Math.abs(drawn.pictureRatio - drawn.naturalRatio) < 0.01, `the photo is shown without bars (${JSON.stringify(drawn)})`);
  for (const side of ['left', 'top', 'width', 'height']) {
    assert.ok(Math.abs(drawn.frame[side] - drawn.expected[side]) <= 2, `the frame's ${side} on the picture: ${JSON.stringify(drawn)}`);
  }
  await page.getByTestId('tryon-frame-step').screenshot({ path: path.join(SCREENS, 'a11y-frame-keyboard.png') });

  // On to "Use this photo" and Enter: the waiting step, then the results.
  await tabTo(page, 'tryon-use-photo', 3);
  await page.keyboard.press('Enter');
  await page.getByTestId('tryon-working').waitFor();
  await focusSettles(page, (f) => f.heading && f.inPanel, 'on the waiting heading');
  const shown = await resultShown(page);
  assert.equal(shown.width, 864);
  const resultsHeading = await focusSettles(page, (f) => f.heading && f.text === "Here's how it looks on you", 'on the results heading');
  assert.ok(resultsHeading.inPanel);

  // The before/after slider is reachable and moves with the arrow keys.
  await tabTo(page, 'tryon-compare', 3);
  const before = Number(await page.getByTestId('tryon-compare').inputValue());
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.ok(Number(await page.getByTestId('tryon-compare').inputValue()) > before, 'the slider moves');

  // Escape closes the panel and gives focus back to "Try it on".
  await page.keyboard.press('Escape');
  await page.getByTestId('tryon-panel').waitFor({ state: 'detached' });
  const back = await focusSettles(page, (f) => f.testid === 'tryon-open', 'back on "Try it on"');
  assert.ok(back.visible, 'with a visible focus ring');
  assert.equal(await page.getByTestId('tryon-open').getAttribute('aria-expanded'), 'false');

  assert.equal(await page.evaluate(() => window.pointerUse), 0, 'no pointer was used');
  assertClean(page);
  await page.context().close();
});

test('a German widget says nothing about the crop frame in English', async () => {
  const page = await newPage(await browser.newContext());
  await mountBlank(page, shop.url, { locale: 'de' });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-sample').click();
  await page.getByTestId('tryon-frame-step').waitFor();
  const frame = page.getByRole('group', { name: 'Fotorahmen' });
  assert.equal(await frame.getAttribute('data-testid'), 'tryon-frame');
  // A role description, if any, is in the widget's language too.
  const roledescription = await frame.getAttribute('aria-roledescription');
  assert.ok(roledescription === null || !/crop|frame/i.test(roledescription), `English role description: ${roledescription}`);
  assert.match(await page.getByTestId('tryon-frame').evaluate((el) => el.getRootNode().getElementById(el.getAttribute('aria-describedby')).textContent), /Pfeiltasten/);
  await scan(page, 'frame (de)');
  assertClean(page);
  await page.context().close();
});
