// The widget's flows end to end: the camera, every failure the API names, a token
// that expires in the middle of a job, the network dropping, and the gateway
// restarting in the middle of a job, Redis restarting, and FASHN's limits reached.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxGateway, startGateway } from '../lib/gateway.mjs';
import { startHostedFake, FAKE_KEY } from '../lib/fake-upstream.mjs';
import { startRedis } from '../lib/redis.mjs';
import {
  startShop, launch, newPage, mountOnBlankPage, openWidget, sendPhoto, resultShown, assertClean, FIXTURES, SCREENS,
} from '../lib/harness.mjs';

const GARMENT = '/fixtures/garments/solidus_tshirt.png';
let gateway, shop, browser, cameraDir;
before(async () => {
  gateway = await sandboxGateway();
  shop = await startShop(gateway);
  // The fake camera films a person (the model photo as a Y4M video): Chromium's own
  // test pattern has nobody in it, which the photo check advises against and the
  // gateway refuses, as it should.
  cameraDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tryon-camera-'));
  const film = path.join(cameraDir, 'person.y4m');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path.join(FIXTURES, 'people/model.webp'), '-pix_fmt', 'yuv420p', '-frames:v', '1', film]);
  browser = await launch([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${film}`,
  ]);
});
after(async () => {
  await browser?.close();
  await shop?.close();
  await gateway?.stop();
  if (cameraDir) fs.rmSync(cameraDir, { recursive: true, force: true });
});

/** A page of `shop` with one widget mounted through TryOn.mount(options). */
async function widgetPage(options = {}, where = shop) {
  const page = await newPage(await browser.newContext());
  await mountOnBlankPage(page, where.url, { productName: 'the Solidus T-shirt', garmentImage: GARMENT, ...options });
  return page;
}

test('camera: the fake device (filming a person) is captured, framed and tried on', async () => {
  const page = await widgetPage();
  await openWidget(page);
  await page.getByTestId('tryon-camera').click();
  await page.getByTestId('tryon-camera-step').waitFor();
  await page.waitForFunction(
    (v) => v.readyState >= 2 && v.videoWidth > 0,
    await page.getByTestId('tryon-video').elementHandle()
  );
  await page.getByTestId('tryon-video').evaluate((v) => (window.cameraStream = v.srcObject));
  assert.equal(await page.evaluate(() => cameraStream.getTracks()[0].readyState), 'live');
  // The countdown's live region is there, empty, before it counts (so it is announced).
  const countdown = page.getByTestId('tryon-countdown');
  assert.equal(await countdown.getAttribute('aria-live'), 'assertive');
  assert.equal(await countdown.textContent(), '');
  await page.getByTestId('tryon-capture').click();
  await countdown.filter({ hasText: /^[123]$/ }).waitFor();
  await page.getByTestId('tryon-use-photo').click();
  // The camera is off once the photo is taken.
  assert.equal(await page.evaluate(() => cameraStream.getTracks().every((t) => t.readyState === 'ended')), true);
  await resultShown(page);
  assertClean(page);
  await page.context().close();
});

// The sandbox fails a job on purpose for these seeds (README, "The sandbox").
const FAILURES = [
  [4000000001, 'PoseError', /couldn't find you in the photo/],
  [4000000002, 'ImageLoadError', /couldn't be loaded/],
  [4000000003, 'ContentModerationError', /can't be tried on here/],
  [4000000004, 'PipelineError', /went wrong on our side/],
  [4000000005, 'ThirdPartyError', /A service we rely on turned this photo down/],
  [4000000006, 'SandboxUnknownError', /didn't work\. If it keeps happening, tell the shop this reference: \S+/],
];
for (const [seed, name, message] of FAILURES) {
  test(`a job failing with ${name} shows its own message`, async () => {
    const page = await widgetPage({ seed });
    const errors = [];
    await page.exposeFunction('failed', (d) => errors.push(d));
    await page.evaluate(() => document.addEventListener('tryon:error', (e) => window.failed(e.detail)));
    await openWidget(page);
    await sendPhoto(page);
    const failed = page.getByTestId('tryon-failed');
    await failed.waitFor({ timeout: 30000 });
    assert.equal(await failed.getAttribute('data-error'), name);
    assert.match(await page.getByTestId('tryon-error-message').textContent(), message);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].name, name);
    assert.match(errors[0].message, message, 'the event carries what the shopper read');
    // The shopper is never left without a way on.
    assert.ok(await page.getByTestId('tryon-another').isVisible());
    await page.context().close();
  });
}

/** Runs `body(shop)` against a sandbox gateway with realistic-ish latency and `extra` flags. */
async function withSlowShop(extra, body) {
  const slow = await startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.8', '--allow-private-image-urls', ...extra],
  });
  const slowShop = await startShop(slow);
  try {
    await body(slowShop);
  } finally {
    await slowShop.close();
    await slow.stop();
  }
}

test('a token that expires in the middle of a job is renewed and the job completes', async () => {
  await withSlowShop(['--token-ttl-seconds', '2'], async (slowShop) => {
    const page = await widgetPage({}, slowShop);
    const mints = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v1/sessions')) mints.push(Boolean(r.headers().authorization));
    });
    await openWidget(page);
    await sendPhoto(page);
    await resultShown(page, 90000);
    assert.equal(mints[0], false, 'the first token is minted without one');
    assert.ok(mints.slice(1).includes(true), `renewed with the old token: ${mints}`);
    assertClean(page);
    await page.context().close();
  });
});

test('Redis killed and restarted in the middle of a job: token renewals wait it out and the job completes', async () => {
  const redis = await startRedis();
  // Tokens of 2 s (renewed during the job), the mint limit on (so minting needs Redis).
  const args = ['--engine', 'sandbox', '--sandbox-latency-scale', '0.8', '--allow-private-image-urls',
    '--token-ttl-seconds', '2', '--redis-url', redis.url];
  const live = await startGateway({ args, env: { TRYON_MINT_RATE_PER_MINUTE: '600' } });
  const redisShop = await startShop(live);
  try {
    const page = await widgetPage({}, redisShop);
    const mints = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST' && r.url().endsWith('/v1/sessions')) mints.push(r.status());
    });
    await openWidget(page);
    await sendPhoto(page);
    await page.getByTestId('tryon-working').waitFor();
    await redis.kill();
    await page.waitForTimeout(3500);
    await redis.restart();
    await resultShown(page, 60000);
    assert.ok(mints.includes(503), `a renewal met the outage and was answered 503: ${mints}`);
    assert.equal(mints.at(-1), 200, `and a later one succeeded: ${mints}`);
    // The 503s the browser logs are the ones the widget waited out.
    assertClean(page, ['Failed to load resource']);
    await page.context().close();
  } finally {
    await redisShop.close();
    await live.stop();
    await redis.stop();
  }
});

test('the network drops for a few seconds while waiting: the widget resumes and completes', async () => {
  await withSlowShop([], async (slowShop) => {
    const page = await widgetPage({}, slowShop);
    await openWidget(page);
    await sendPhoto(page);
    await page.getByTestId('tryon-working').waitFor();
    await page.context().setOffline(true);
    await page.waitForTimeout(3000);
    await page.context().setOffline(false);
    await resultShown(page, 90000);
    // Failed fetches while offline are expected console noise; nothing else.
    assertClean(page, ['Failed to fetch', 'ERR_INTERNET_DISCONNECTED', 'Failed to load resource']);
    await page.context().close();
  });
});

test('a result picture that fails to load (connection lost as the job ends) loads once it can', async () => {
  const page = await widgetPage();
  // The first two loads of every result picture fail as if the phone lost its signal.
  const failed = new Map();
  await page.route('**/v1/results/**', (route) => {
    const url = route.request().url();
    const n = failed.get(url) ?? 0;
    if (n < 2) {
      failed.set(url, n + 1);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  await openWidget(page);
  await sendPhoto(page);
  await page.getByTestId('tryon-results').waitFor();
  // Meanwhile the shopper is told why the picture is not there yet.
  await page.getByTestId('tryon-result-reloading').waitFor();
  const shown = await resultShown(page, 30000);
  assert.equal(shown.width, 864);
  assert.equal(failed.get(shown.src), 2, 'it failed twice, then loaded');
  assert.equal(await page.getByTestId('tryon-result-reloading').isVisible(), false, 'the notice goes once it loads');
  assertClean(page, ['Failed to load resource']);
  await page.context().close();
});

test('cancel while waiting ends the long-poll in flight and shows nothing of the job', async () => {
  await withSlowShop([], async (slowShop) => {
    const page = await widgetPage({}, slowShop);
    const statusReads = new Map();
    page.on('request', (r) => r.url().includes('/api/v1/status/') && statusReads.set(r, 'open'));
    page.on('requestfinished', (r) => statusReads.has(r) && statusReads.set(r, 'answered'));
    page.on('requestfailed', (r) => statusReads.has(r) && statusReads.set(r, r.failure().errorText));
    const events = [];
    await page.exposeFunction('seen', (t) => events.push(t));
    await page.evaluate(() => ['complete', 'error'].forEach((n) => document.addEventListener(`tryon:${n}`, (e) => window.seen(e.type))));
    await openWidget(page);
    await sendPhoto(page);
    // Wait until a long-poll is open (the job takes seconds at this latency).
    for (let i = 0; i < 100 && ![...statusReads.values()].includes('open'); i++) await page.waitForTimeout(100);
    assert.ok([...statusReads.values()].includes('open'), 'a status read is waiting');
    await page.waitForTimeout(300);
    await page.getByTestId('tryon-cancel').click();
    await page.getByTestId('tryon-start').waitFor();
    await page.waitForTimeout(500);
    const states = [...statusReads.values()];
    assert.ok(!states.includes('open'), `no status read left open: ${states}`);
    assert.ok(states.some((s) => /ABORTED/.test(s)), `the open one was aborted: ${states}`);
    // The job finishes on the gateway later; the widget says nothing of it.
    await page.waitForTimeout(6000);
    assert.deepEqual(events, []);
    await page.context().close();
  });
});

test('the gateway is killed and restarted in the middle of an upstream job: the widget resumes', async () => {
  // FASHN's fake with 6 s jobs.
  const upstream = await startHostedFake({ dialect: 'fashn', scale: 0.67 });
  // Tokens and job ids are signed: a restarted gateway with the same secret knows them.
  const env = { TRYON_TOKEN_SECRET: 'e2e-restart-secret-0123456789abcdef' };
  const args = ['--engine', 'upstream', '--upstream', 'fashn', '--upstream-url', upstream.url, '--upstream-api-key', FAKE_KEY, '--upstream-poll-seconds', '0.5'];
  let live = await startGateway({ args, env });
  const restartShop = await startShop(live);
  try {
    const page = await widgetPage({}, restartShop);
    await openWidget(page);
    await sendPhoto(page);
    await page.getByTestId('tryon-working').waitFor();
    // Killed once the job is with the upstream and the gateway has read it.
    for (let i = 0; i < 100 && (await upstream.stats()).status_reads === 0; i++) await page.waitForTimeout(100);
    assert.equal((await upstream.stats()).submits, 1);
    await live.kill();
    await page.waitForTimeout(2000);
    live = await startGateway({ args, env, listen: live.address });
    restartShop.gateway = live;
    const shown = await resultShown(page, 60000);
    assert.ok(shown.src.startsWith(`${upstream.url}/cdn/`), shown.src);
    assert.equal((await upstream.stats()).submits, 1, 'the job was not sent twice');
    assertClean(page, ['Failed to load resource']);
    await page.context().close();
  } finally {
    await restartShop.close();
    await live.stop();
    await upstream.close();
  }
});

test('FASHN at its submit limit: the next shopper waits for a free spot, then sees the result', async () => {
  const upstream = await startHostedFake({ dialect: 'fashn', scale: 0.1 });
  // One submit per 4 s, and a submit waits 0.5 s for its turn before it is told to
  // come back: the second shopper's first submit is answered 429 with Retry-After.
  const args = ['--engine', 'upstream', '--upstream', 'fashn', '--upstream-url', upstream.url, '--upstream-api-key', FAKE_KEY,
    '--upstream-submit-limit', '1/4', '--upstream-submit-wait-seconds', '0.5', '--upstream-poll-seconds', '0.2'];
  const busy = await startGateway({ args });
  const busyShop = await startShop(busy);
  try {
    const first = await widgetPage({}, busyShop);
    const second = await widgetPage({}, busyShop);
    const refused = [];
    second.on('response', (r) => {
      if (r.url().endsWith('/api/v1/tryon/clothes') && r.status() === 429) refused.push(r.headers()['retry-after']);
    });
    for (const page of [first, second]) await openWidget(page);
    await sendPhoto(first);
    await resultShown(first);
    // The estimate as drawn right after the service accepted the second job.
    await second.evaluate(() => document.addEventListener('tryon:submit', (e) => {
      const root = e.target.shadowRoot;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__estimateAccepted = root.querySelector('.tryon__hint')?.textContent ?? '(no estimate)';
      }));
    }));
    await sendPhoto(second);
    await second.getByText('Waiting for a free spot…').waitFor({ timeout: 10000 });
    // The estimate counts the wait it was told (Retry-After) before the mode's 9 s; the
    // bar holds still meanwhile, never moving back.
    const estimate = Number((await second.locator('.tryon__hint').textContent()).match(/\d+/)[0]);
    const before = Number(await second.getByRole('progressbar').getAttribute('aria-valuenow'));
    await second.waitForTimeout(1200);
    const after = Number(await second.getByRole('progressbar').getAttribute('aria-valuenow'));
    assert.ok(estimate >= 10, `the estimate includes the wait for a free spot: about ${estimate} s left`);
    assert.ok(after >= before, `the progress moved back while waiting: ${before} → ${after}`);
    fs.mkdirSync(SCREENS, { recursive: true });
    await second.screenshot({ path: path.join(SCREENS, 'desktop-waiting-free-spot.png') });
    const shown = await resultShown(second);
    assert.ok(shown.src.startsWith(`${upstream.url}/cdn/`), shown.src);
    // Once accepted, only the mode's typical time is left (9 s, and the clock's tick).
    const accepted = await second.evaluate(() => window.__estimateAccepted);
    const afterAcceptance = Number(accepted?.match(/\d+/)?.[0]);
    assert.ok(afterAcceptance >= 1 && afterAcceptance <= 10, `after acceptance: ${accepted}`);
    assert.ok(refused.length >= 1 && Number(refused[0]) >= 1, `429 with Retry-After: ${refused}`);
    const stats = await upstream.stats();
    assert.equal(stats.jobs, 2, 'each shopper one job');
    assert.deepEqual(stats.too_many_requests, { submit: 0, status: 0 }, 'FASHN never refused');
    assertClean(first);
    // The 429 the browser logs is the one the widget waited out.
    assertClean(second, ['Failed to load resource']);
    for (const page of [first, second]) await page.context().close();
  } finally {
    await busyShop.close();
    await busy.stop();
    await upstream.close();
  }
});
