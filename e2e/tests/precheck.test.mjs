// The photo check before a try-on (POST /v1/precheck): a photo the gateway finds a
// problem with gets advice instead of a job, and the shopper chooses another photo or
// tries it on anyway; a fine photo goes straight to its result; a check that fails in
// any way (404, 500, no answer in time) never stops a try-on, and a newer gateway's
// problems this widget does not know are left out. Also: the advice in the
// shopper's language, the progress across the advice, leaving while the photo is
// checked, and screenshots of the advice at desktop and phone widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sandboxGateway } from '../lib/gateway.mjs';
import {
  startShop, launch, newPage, mountOnBlankPage, openWidget, sendPhoto, resultShown, assertClean, FIXTURES, SCREENS,
  useThePhotoAndSampleProgress,
} from '../lib/harness.mjs';

const GARMENT = '/fixtures/garments/solidus_tshirt.png';
const NOBODY = 'bad/coffee.png';
const PERSON = 'people/model.webp';
const SUBMIT = '/api/v1/tryon/clothes';
const PRECHECK = '/v1/precheck';

let gateway, shop, browser;
before(async () => {
  // The gateway's default mode: the check on, and a job with nobody in it refused.
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

/**
 * A page with one widget for a top (TryOn.mount), counting the photo checks and
 * the submits it sends and recording its events.
 */
async function widgetPage(options = {}, viewport = { width: 1280, height: 900 }) {
  const page = await newPage(await browser.newContext({ viewport }));
  page.prechecks = [];
  page.submits = [];
  page.on('request', (r) => {
    const { pathname } = new URL(r.url());
    if (r.method() === 'POST' && pathname === PRECHECK) page.prechecks.push(r);
    if (r.method() === 'POST' && pathname === SUBMIT) page.submits.push(r);
  });
  page.events = [];
  await page.exposeFunction('heard', (type, detail) => page.events.push({ type, detail }));
  await page.addInitScript(() => {
    for (const name of ['advice', 'submit', 'complete', 'error']) {
      document.addEventListener(`tryon:${name}`, (e) => window.heard(e.type, e.detail));
    }
  });
  await mountOnBlankPage(page, shop.url, { productName: 'the Solidus T-shirt', garmentImage: GARMENT, category: 'tops', ...options });
  return page;
}

/** The data-testid of the element with focus, looking through shadow roots. */
function focusedTestId(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.dataset?.testid ?? null;
  });
}

/** Waits until the element with `testid` has focus (the widget moves it after a frame). */
async function focusOn(page, testid) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await focusedTestId(page);
    if (last === testid) return;
    await page.waitForTimeout(50);
  }
  assert.fail(`focus should be on ${testid}, is on ${last}`);
}

/** Sends a photo of nobody and waits for the advice. */
async function adviceForNobody(page) {
  await openWidget(page);
  await sendPhoto(page, { photo: NOBODY });
  await page.getByTestId('tryon-advice').waitFor({ timeout: 15000 });
}

/** Answers the page's photo checks with `answer` (after `delay` ms) instead of the gateway. */
function answerChecks(page, answer, { status = 200, delay = 0 } = {}) {
  return page.route(`**${PRECHECK}`, async (route) => {
    if (delay) await new Promise((ok) => setTimeout(ok, delay));
    await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(answer) }).catch(() => {});
  });
}

test('a photo of nobody: advice instead of a job; "Try it on anyway" ends on the PoseError message', async () => {
  const page = await widgetPage();
  await adviceForNobody(page);
  const advice = page.getByTestId('tryon-advice');
  assert.match(await advice.getAttribute('data-problems'), /\bno_person\b/);
  const message = page.getByTestId('tryon-advice-message');
  assert.equal(await message.getAttribute('role'), 'alert', 'the advice is announced');
  assert.match(await message.textContent(), /We can't see anybody in this photo/);
  assert.equal(await page.getByTestId('tryon-advice-heading').textContent(), 'Check your photo');
  await focusOn(page, 'tryon-advice-heading');
  // The shopper's own photo is shown, from the prepared upload.
  assert.match(await advice.getByRole('img', { name: 'Your photo' }).getAttribute('src'), /^blob:/);

  // The check was asked once, with the session token and exactly what submit sends;
  // no job was submitted.
  assert.equal(page.prechecks.length, 1);
  assert.match(page.prechecks[0].headers().authorization ?? '', /^Bearer \S+/);
  const asked = page.prechecks[0].postDataJSON();
  assert.equal(asked.category, 'tops');
  assert.match(asked.model_image, /^data:image\/jpeg;base64,/);
  assert.equal(page.submits.length, 0, 'no job before the shopper decides');
  const [event] = page.events;
  assert.equal(event?.type, 'tryon:advice');
  assert.ok(event.detail.problems.some((p) => p.reason === 'no_person'), JSON.stringify(event.detail));
  await page.screenshot({ path: path.join(SCREENS, 'desktop-photo-advice.png'), fullPage: true });

  // Anyway: the same photo is submitted without a second check, and the gateway refuses it.
  await page.getByTestId('tryon-anyway').click();
  const failed = page.getByTestId('tryon-failed');
  await failed.waitFor({ timeout: 30000 });
  assert.equal(await failed.getAttribute('data-error'), 'PoseError');
  assert.match(await page.getByTestId('tryon-error-message').textContent(), /couldn't find you in the photo/);
  assert.equal(page.submits.length, 1);
  assert.equal(page.submits[0].postDataJSON().model_image, asked.model_image, 'the photo checked is the photo tried on');
  assert.equal(page.prechecks.length, 1, 'not checked again');
  // Refused when submitted (no job id, no tryon:submit) or failed as a job: either way
  // the shopper reads the PoseError message, and the event says so.
  const types = page.events.map((e) => e.type);
  assert.equal(types[0], 'tryon:advice');
  assert.equal(types.at(-1), 'tryon:error', types.join());
  assert.equal(page.events.at(-1).detail.name, 'PoseError');
  assertClean(page);
  await page.context().close();
});

test('"Choose another photo" (by keyboard) goes back to the start, and nothing is submitted', async () => {
  const page = await widgetPage();
  await adviceForNobody(page);
  await focusOn(page, 'tryon-advice-heading');
  // The two choices are the next tab stops, in reading order, with a focus ring.
  await page.keyboard.press('Tab');
  await focusOn(page, 'tryon-another');
  assert.equal(await page.getByTestId('tryon-another').evaluate((el) => el.localName), 'button');
  assert.ok(await page.getByTestId('tryon-another').evaluate((el) => el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none'));
  assert.equal(await page.getByTestId('tryon-another').textContent(), 'Choose another photo');
  await page.keyboard.press('Tab');
  await focusOn(page, 'tryon-anyway');
  assert.equal(await page.getByTestId('tryon-anyway').textContent(), 'Try it on anyway');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.getByTestId('tryon-start').waitFor();
  assert.equal(await page.getByTestId('tryon-advice').count(), 0);
  assert.equal(await page.getByTestId('tryon-notice').count(), 0, 'no notice: the shopper chose to');
  await page.waitForTimeout(500);
  assert.equal(page.submits.length, 0);
  // And the next photo is checked afresh and tried on.
  await sendPhoto(page, { photo: PERSON });
  await resultShown(page);
  assert.equal(page.prechecks.length, 2);
  assert.equal(page.submits.length, 1);
  assertClean(page);
  await page.context().close();
});

test('a photo of one person facing the camera goes straight to the result', async () => {
  const page = await widgetPage();
  const verdicts = [];
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname === PRECHECK) verdicts.push({ status: r.status(), body: await r.json().catch(() => null) });
  });
  await openWidget(page);
  await sendPhoto(page, { photo: PERSON });
  await resultShown(page);
  assert.equal(page.prechecks.length, 1, 'the photo was checked');
  assert.equal(verdicts[0]?.status, 200);
  assert.deepEqual(verdicts[0].body?.problems, [], `the check found nothing: ${JSON.stringify(verdicts[0])}`);
  assert.equal(page.submits.length, 1);
  assert.deepEqual(page.events.map((e) => e.type), ['tryon:submit', 'tryon:complete'], 'no advice');
  assertClean(page);
  await page.context().close();
});

/** The check answered `answer` (with `status`): the try-on goes straight on, one check and one job, no advice. */
async function goesStraightOn(answer, status = 200) {
  const page = await widgetPage();
  await answerChecks(page, answer, { status });
  await openWidget(page);
  await sendPhoto(page, { photo: PERSON });
  await resultShown(page);
  assert.equal(page.prechecks.length, 1);
  assert.equal(page.submits.length, 1);
  assert.equal(page.events.some((e) => e.type === 'tryon:advice'), false);
  // The browser reports a refused check itself; the widget adds nothing.
  assertClean(page, status === 200 ? [] : [`status of ${status}`]);
  await page.context().close();
}

for (const status of [404, 500]) {
  test(`a photo check answered ${status}: the try-on goes on to the result`, () =>
    goesStraightOn({ error: { name: status === 404 ? 'NotFound' : 'PipelineError', message: 'forced by the test' } }, status));
}

test('a photo check that does not answer within 4 s is given up on, and the try-on goes on', async () => {
  const page = await widgetPage();
  const failed = [];
  page.on('requestfailed', (r) => new URL(r.url()).pathname === PRECHECK && failed.push(r.failure()?.errorText));
  // Never answered.
  await page.route(`**${PRECHECK}`, () => {});
  await openWidget(page);
  const checked = page.waitForRequest((r) => new URL(r.url()).pathname === PRECHECK);
  const submitted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === SUBMIT, { timeout: 15000 });
  await sendPhoto(page, { photo: PERSON });
  await checked;
  const asked = Date.now();
  await submitted;
  const waited = Date.now() - asked;
  assert.ok(waited >= 3000 && waited < 8000, `submitted ${waited} ms after the check was asked`);
  await resultShown(page);
  assert.ok(failed.some((e) => /ABORTED/.test(e ?? '')), `the check was aborted, not left open: ${failed}`);
  assertClean(page);
  await page.context().close();
});

test('the advice in German, with several problems, named in the event as the gateway named them', async () => {
  const page = await widgetPage({ locale: 'de' }, { width: 360, height: 780 });
  const problems = [
    { reason: 'several_people', count: 3 },
    { reason: 'not_in_frame', parts: ['shoulders', 'hips'] },
    { reason: 'not_facing' },
  ];
  await answerChecks(page, { checked: true, people: 3, problems });
  await openWidget(page);
  await sendPhoto(page, { photo: PERSON });
  await page.getByTestId('tryon-advice').waitFor({ timeout: 15000 });
  assert.equal(await page.getByTestId('tryon-advice-heading').textContent(), 'Prüfe dein Foto');
  const items = await page.getByTestId('tryon-advice-message').locator('li').allTextContents();
  assert.equal(items.length, 3);
  assert.match(items[0], /Wir sehen 3 Personen/);
  assert.match(items[1], /deine Schultern und Hüften/);
  assert.match(items[2], /Kamera/);
  assert.equal(await page.getByTestId('tryon-another').textContent(), 'Anderes Foto wählen');
  assert.equal(await page.getByTestId('tryon-anyway').textContent(), 'Trotzdem anprobieren');
  assert.deepEqual(page.events[0], { type: 'tryon:advice', detail: { problems } });
  assert.equal(await page.getByTestId('tryon-advice').getAttribute('data-problems'), 'several_people not_in_frame not_facing');
  // Nothing runs off a 360 px phone's screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  await page.screenshot({ path: path.join(SCREENS, 'phone-photo-advice-de.png'), fullPage: true });
  assertClean(page);
  await page.context().close();
});

test('an answer from a newer gateway: problems this widget does not know are left out, the known ones shown', async () => {
  const page = await widgetPage();
  await answerChecks(page, {
    checked: true,
    people: 1,
    problems: [{ reason: 'too_dark', level: 0.1 }, { reason: 'not_in_frame', parts: ['feet', 'knees'] }],
  });
  await openWidget(page);
  await sendPhoto(page, { photo: PERSON });
  await page.getByTestId('tryon-advice').waitFor({ timeout: 15000 });
  assert.equal(await page.getByTestId('tryon-advice').getAttribute('data-problems'), 'not_in_frame');
  const items = await page.getByTestId('tryon-advice-message').locator('li').allTextContents();
  assert.equal(items.length, 1);
  assert.match(items[0], /knees/);
  assert.doesNotMatch(items[0], /feet/);
  assert.equal(page.submits.length, 0);
  assertClean(page);
  await page.context().close();
});

test('an answer with only problems this widget does not know: the try-on goes on to the result', () =>
  goesStraightOn({ checked: true, people: 1, problems: [{ reason: 'too_dark' }] }));

test('the advice at 360 px: the photo, the advice and both choices fit the phone', async () => {
  const page = await widgetPage({}, { width: 360, height: 780 });
  await adviceForNobody(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  for (const id of ['tryon-another', 'tryon-anyway']) {
    const box = await page.getByTestId(id).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `${id} is on screen: ${JSON.stringify(box)}`);
    assert.ok(box.height >= 44, `${id} is a 44 px target: ${box.height}`);
  }
  await page.screenshot({ path: path.join(SCREENS, 'phone-photo-advice.png'), fullPage: true });
  assertClean(page);
  await page.context().close();
});

test('the progress picks up after the advice where it was, never lower', async () => {
  const page = await widgetPage();
  // A slow check, so the bar has moved by the time the advice comes.
  await answerChecks(page, { checked: true, people: 1, problems: [{ reason: 'not_facing' }] }, { delay: 1500 });
  await openWidget(page);
  await page.getByTestId('tryon-file').setInputFiles(path.join(FIXTURES, PERSON));
  await page.getByTestId('tryon-use-photo').waitFor();
  // Sampled every animation frame from the click on, across the advice.
  await useThePhotoAndSampleProgress(page, '#host');
  await page.getByTestId('tryon-advice').waitFor({ timeout: 15000 });
  const before = await page.evaluate(() => window.progress.length);
  // The shopper reads for a while: that time is not counted as progress either.
  await page.waitForTimeout(1500);
  await page.getByTestId('tryon-anyway').click();
  await resultShown(page);
  const progress = await page.evaluate(() => window.progress);
  assert.ok(before > 5 && progress.length > before, `samples: ${before} before the advice, ${progress.length} in all`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i] >= progress[i - 1], `the bar went back from ${progress[i - 1]} to ${progress[i]} % (sample ${i})`);
  }
  const resumed = progress[before];
  assert.ok(resumed - progress[before - 1] <= 10, `the bar jumped from ${progress[before - 1]} to ${resumed} % across the advice`);
  assertClean(page);
  await page.context().close();
});

// Each way the shopper or the shop leaves while the photo is being checked.
const LEAVINGS = {
  Cancel: (page) => page.getByTestId('tryon-cancel').click(),
  '×': (page) => page.getByTestId('tryon-close').click(),
  'TryOn.destroy()': (page) => page.evaluate(() => TryOn.destroy('#host')),
};
for (const [how, leave] of Object.entries(LEAVINGS)) {
  test(`leaving by ${how} while the photo is checked: the check is aborted, no advice, no job, no error`, async () => {
    const page = await widgetPage();
    const failed = [];
    page.on('requestfailed', (r) => new URL(r.url()).pathname === PRECHECK && failed.push(r.failure()?.errorText));
    let held;
    const asked = new Promise((ok) => (held = ok));
    // Answered (with advice) only after the shopper has left.
    await page.route(`**${PRECHECK}`, async (route) => {
      held();
      await new Promise((ok) => setTimeout(ok, 1500));
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ checked: true, people: 0, problems: [{ reason: 'no_person' }] }) }).catch(() => {});
    });
    await openWidget(page);
    await sendPhoto(page, { photo: PERSON });
    await asked;
    await leave(page);
    await page.waitForTimeout(2500);
    assert.equal(await page.getByTestId('tryon-advice').count(), 0);
    assert.equal(page.submits.length, 0);
    assert.equal(page.events.length, 0, `no event: ${JSON.stringify(page.events)}`);
    assert.ok(failed.some((e) => /ABORTED/.test(e ?? '')), `the check in flight was aborted: ${failed}`);
    assertClean(page);
    await page.context().close();
  });
}
