// The shopper's journeys in the engines besides Chromium, through W3C WebDriver:
// WebKit (Debian's WebKitGTK: every iPhone browser is WebKit) and Firefox ESR. The
// same gateway (sandbox) and test shop as the Chromium suites; each journey ends
// with no page or console error (e2e/pages/problems.js records them: neither driver
// reports the console over classic WebDriver). TRYON_ENGINES picks the engines
// (default: webkit,firefox); WebKit needs a display: scripts/test.sh runs this under
// xvfb-run. Screenshots of the states go to target/e2e-screens/engine-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sandboxGateway, startGateway, jobsSubmitted } from '../lib/gateway.mjs';
import { AXE_SOURCE, axeInPage, judgeAxe } from '../lib/axe.mjs';
import { focusedInPage } from '../lib/focus.mjs';
import { startShop, FIXTURES, SCREENS, ROOT } from '../lib/harness.mjs';
import { startSession } from './webdriver.mjs';

const ENGINES = (process.env.TRYON_ENGINES || 'webkit,firefox').split(',').filter(Boolean);
const GARMENT = '/fixtures/garments/solidus_tshirt.png';

let gateway, shop, slow, slowShop;
before(async () => {
  gateway = await sandboxGateway();
  shop = await startShop(gateway);
  // Jobs of a few seconds and tokens of 2 s: the waiting step stays up long enough to
  // be scanned, and the token expires in the middle of the job.
  slow = await startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.8', '--allow-private-image-urls', '--token-ttl-seconds', '2'],
  });
  slowShop = await startShop(slow);
  fs.mkdirSync(SCREENS, { recursive: true });
});
after(async () => {
  await shop?.close();
  await slowShop?.close();
  await gateway?.stop();
  await slow?.stop();
});

/** What the page recorded as going wrong (e2e/pages/problems.js). */
const problems = (s) => s.run(() => window.__problems || ['problems.js did not load']);

/** Mounts a widget on the blank test page (of `at`, a shop) through TryOn.mount(options). */
/**
 * Goes to `page` of the shop `at` in a tab as good as fresh: the journeys share one
 * tab, and a try-on one kept would open again in the next (kept results are tested
 * in Chromium, e2e/tests/restore.test.mjs).
 */
async function goFresh(s, page, at = shop) {
  await s.go(`${at.url}/pages/blank.html`);
  await s.run(() => sessionStorage.clear());
  if (page !== 'blank.html') await s.go(`${at.url}/pages/${page}`);
}

async function mountBlank(s, options = {}, at = shop) {
  await goFresh(s, 'blank.html', at);
  await s.until(() => window.TryOn && window.TryOn.version, 'the loader');
  await s.run((o) => TryOn.mount('#host', o), {
    productName: 'the Solidus T-shirt',
    garmentImage: GARMENT,
    samplePhoto: '/fixtures/people/model.webp',
    ...options,
  });
}

/** Opens the widget in `host`, picks the sample photo and sends it, as a pointer would. */
async function trySample(s, host) {
  for (const step of ['tryon-open', 'tryon-sample', 'tryon-use-photo']) {
    await s.click(await s.widgetElement(host, `[data-testid=${step}]`));
  }
}

/** Waits until the first result picture has loaded; its natural size. */
function resultShown(s, host) {
  return s.until(
    (h) => {
      const img = document.querySelector(h)?.shadowRoot?.querySelector('[data-testid=tryon-result-image]');
      return img && img.complete && img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : null;
    },
    'the result picture',
    { args: [host] }
  );
}

/** Waits until focus satisfies `check` (the widget moves focus after a frame). */
async function focusSettles(s, check, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await s.run(focusedInPage);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${s.engine}: focus should be ${what}, is ${JSON.stringify(last)}`);
}

/** Presses Tab until the element with `testid` has focus; the stops passed. */
async function tabTo(s, testid, max = 12) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await s.press('Tab');
    const f = await s.run(focusedInPage);
    stops.push(f?.testid ?? null);
    if (f?.testid === testid) return stops;
  }
  assert.fail(`${s.engine}: Tab never reached ${testid}; stops: ${stops.join(', ')}`);
}

/** The crop frame's place, in % of the photo. */
const frameBox = (s) =>
  s.run(() => {
    const el = document.querySelector('#host, [data-tryon]').shadowRoot.querySelector('[data-testid=tryon-frame]');
    return { left: parseFloat(el.style.left), top: parseFloat(el.style.top), width: parseFloat(el.style.width) };
  });

/** axe-core on the widget in its present state (e2e/lib/axe.mjs). */
async function scan(s, state) {
  if (!(await s.run(() => Boolean(window.axe)))) await s.inject(AXE_SOURCE());
  return judgeAxe(await s.runAsync(axeInPage), `${s.engine} ${state}`);
}

/** Waits for the widget's element `testid` (its step, say) in `host`. */
const shown = (s, testid, host = '#host') => s.widgetElement(host, `[data-testid=${testid}]`);

for (const engine of ENGINES) {
  describe(engine, () => {
    let s;
    before(async () => {
      s = await startSession(engine);
      console.log(`# ${engine}: ${s.browser}`);
    });
    after(() => s?.quit());

    test('the script-tag embed: the sample photo is tried on and the result shown', async () => {
      await goFresh(s, 'tee.html');
      const host = '[data-tryon]';
      await trySample(s, host);
      const size = await resultShown(s, host);
      assert.ok(size.width > 0 && size.height > 0, JSON.stringify(size));
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-result.png`), await s.screenshot());
      assert.deepEqual(await problems(s), []);
    });

    test('another colour with the same photo, then the first back from "Your try-ons"', async () => {
      await goFresh(s, 'hoodie.html');
      const host = '[data-tryon]';
      await trySample(s, host);
      await resultShown(s, host);
      const picture = () =>
        s.run((h) => document.querySelector(h).shadowRoot.querySelector('[data-testid=tryon-result-image]')?.src ?? null, host);
      const black = await picture();
      await s.click(await s.widgetElement(host, '[data-testid=tryon-variant][aria-pressed=false]'));
      await s.until(
        (h, before) => {
          const img = document.querySelector(h).shadowRoot.querySelector('[data-testid=tryon-result-image]');
          return img && img.src !== before && img.complete && img.naturalWidth > 0;
        },
        'the red result',
        { args: [host, black] }
      );
      const pressed = await s.run((h) => document.querySelector(h).shadowRoot.querySelector('[aria-pressed=true]')?.textContent, host);
      assert.equal(pressed, 'Red');
      await scan(s, 'results with colours and your try-ons');
      // The black one, kept in the tab: shown again with no new job.
      const jobs = await jobsSubmitted(gateway);
      await s.click(await shown(s, 'tryon-tryon', host));
      await s.until((h, src) => document.querySelector(h).shadowRoot.querySelector('[data-testid=tryon-result-image]')?.src === src, 'the black result again', {
        args: [host, black],
      });
      assert.equal(await jobsSubmitted(gateway), jobs);
      // The strip sits under the result: bring it into the viewport the screenshot shows.
      await s.run((h) => document.querySelector(h).shadowRoot.querySelector('[data-testid=tryon-tryons]').scrollIntoView({ block: 'end' }), host);
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-tryons.png`), await s.screenshot());
      assert.deepEqual(await problems(s), []);
    });

    test('a phone photo with EXIF orientation 6 is turned upright, framed 2:3 and tried on', async () => {
      await mountBlank(s);
      await s.click(await s.widgetElement('#host', '[data-testid=tryon-open]'));
      await s.pickFile(await s.widgetElement('#host', '[data-testid=tryon-file]'), path.join(FIXTURES, 'bad/portrait-orientation-6.jpg'));
      const shown = await s.until(() => {
        const img = document.querySelector('#host').shadowRoot.querySelector('.tryon__source');
        return img && img.complete && img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : null;
      }, 'the photo in the frame step');
      // Stored 700×840 on its side; upright (its EXIF orientation 6 applied) it is 840×700.
      assert.deepEqual(shown, { width: 840, height: 700 });
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-exif-frame.png`), await s.screenshot());
      await s.click(await s.widgetElement('#host', '[data-testid=tryon-use-photo]'));
      // The sandbox tries the garment on the body its pose model finds: a photo sent
      // on its side would have nobody standing in it, and be refused.
      await resultShown(s, '#host');
      assert.deepEqual(await problems(s), []);
    });

    test('a HEIC photo gets the message that says what to choose instead', async () => {
      await mountBlank(s);
      await s.click(await s.widgetElement('#host', '[data-testid=tryon-open]'));
      await s.pickFile(await s.widgetElement('#host', '[data-testid=tryon-file]'), path.join(FIXTURES, 'bad/IMG_2682.heic'));
      const notice = await s.until(() => {
        const p = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-notice]');
        return p && p.textContent.trim();
      }, 'the notice');
      assert.match(notice, /HEIC photos can't be read here\. Choose a JPEG, PNG or WebP photo/);
      assert.deepEqual(await problems(s), []);
    });

    test('a refusal from the API is shown with its message', async () => {
      // The sandbox fails this seed with PoseError (its documented triggers).
      await mountBlank(s, { seed: 4000000001 });
      await trySample(s, '#host');
      const failed = await s.until(() => {
        const f = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-failed]');
        return f && { name: f.getAttribute('data-error'), text: f.textContent };
      }, 'the failure');
      assert.equal(failed.name, 'PoseError');
      assert.ok(failed.text.trim().length > 20, failed.text);
      assert.deepEqual(await problems(s), []);
    });

    test('the widget destroyed in the middle of a job leaves no error behind', async () => {
      await mountBlank(s);
      await trySample(s, '#host');
      await s.widgetElement('#host', '[data-testid=tryon-working]');
      await s.run(() => TryOn.destroy());
      // Long enough for the job's long-poll and the sandbox's render to have ended.
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await s.run(() => document.querySelector('#host').shadowRoot?.childElementCount ?? 0), 0);
      assert.deepEqual(await problems(s), []);
    });

    test('a token that expires in the middle of a job is renewed and the job completes', async () => {
      await mountBlank(s, {}, slowShop);
      // The widget's token requests, as the page sends them (with the old token or not).
      await s.run(() => {
        window.__mints = [];
        const send = window.fetch;
        window.fetch = function (input, init) {
          const request = input instanceof Request ? input : null;
          const method = request ? request.method : (init && init.method) || 'GET';
          const url = request ? request.url : String(input);
          if (method === 'POST' && url.endsWith('/v1/sessions')) {
            window.__mints.push((request ? request.headers : new Headers(init && init.headers)).has('authorization'));
          }
          return send.call(window, input, init);
        };
      });
      await trySample(s, '#host');
      await resultShown(s, '#host');
      const mints = await s.run(() => window.__mints);
      assert.equal(mints[0], false, `the first token is minted without one: ${mints}`);
      assert.ok(mints.slice(1).includes(true), `renewed with the old token during the job: ${mints}`);
      assert.deepEqual(await problems(s), []);
    });

    test('keyboard only: open, the sample photo, move the frame, the result, Escape', async () => {
      await goFresh(s, 'tee.html');
      await s.run(() => {
        window.pointerUse = 0;
        for (const type of ['pointerdown', 'mousedown', 'touchstart']) document.addEventListener(type, () => window.pointerUse++, true);
      });
      await shown(s, 'tryon-open', '[data-tryon]');
      // "Try it on" is the page's first tab stop; focusing it loads the widget.
      await s.press('Tab');
      await focusSettles(s, (f) => f.testid === 'tryon-open', 'on "Try it on"');
      await s.until(() => document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-root]'), 'the widget loaded');
      const open = await focusSettles(s, (f) => f.testid === 'tryon-open', 'still on "Try it on" once the widget loaded');
      assert.ok(open.visible, 'the focused button shows a focus ring');

      await s.press('Enter');
      const heading = await focusSettles(s, (f) => f.heading, 'on the start heading');
      assert.equal(heading.text, 'See it on you');
      assert.ok(heading.inPanel);
      assert.deepEqual(await tabTo(s, 'tryon-sample'), ['tryon-choose', 'tryon-sample'], 'the photo choices, in reading order');

      await s.press('Space');
      await focusSettles(s, (f) => f.heading && f.text === 'Adjust the frame', 'on the frame heading');
      await s.press('Tab');
      const frame = await s.run(focusedInPage);
      assert.equal(frame.testid, 'tryon-frame');
      assert.ok(frame.visible, 'the crop frame shows a focus ring');
      const full = await frameBox(s);
      await s.press('Minus', 'Minus');
      const smaller = await frameBox(s);
      assert.ok(smaller.width < full.width - 1, `"-" shrinks the frame (${full.width} → ${smaller.width})`);
      await s.press('ArrowLeft', 'ArrowDown');
      const moved = await frameBox(s);
      assert.ok(moved.left < smaller.left - 0.5 && moved.top > smaller.top + 0.5, `the arrows move it: ${JSON.stringify([smaller, moved])}`);
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-frame-keyboard.png`), await s.screenshot());

      await tabTo(s, 'tryon-use-photo', 3);
      await s.press('Enter');
      await resultShown(s, '[data-tryon]');
      await focusSettles(s, (f) => f.heading && f.text === "Here's how it looks on you", 'on the results heading');
      await tabTo(s, 'tryon-compare', 3);
      const compare = () => s.run(() => Number(document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-compare]').value));
      const before = await compare();
      await s.press('ArrowRight', 'ArrowRight');
      assert.ok((await compare()) > before, 'the before/after slider moves with the arrows');

      await s.press('Escape');
      await s.until(() => !document.querySelector('[data-tryon]').shadowRoot.querySelector('[data-testid=tryon-panel]'), 'the panel closed');
      await focusSettles(s, (f) => f.testid === 'tryon-open', 'back on "Try it on"');
      assert.equal(await s.run(() => window.pointerUse), 0, 'no pointer was used');
      assert.deepEqual(await problems(s), []);
    });

    test('an Arabic widget: its pack arrives and the panel is laid out right to left', async () => {
      const words = JSON.parse(fs.readFileSync(path.join(ROOT, 'target/embed/tryon-locale-ar.json'), 'utf8'));
      await mountBlank(s, { locale: 'ar' });
      await s.click(await shown(s, 'tryon-open'));
      const seen = await s.until((title) => {
        const root = document.querySelector('#host').shadowRoot;
        const start = root.querySelector('[data-testid=tryon-start]');
        if (!start || !start.textContent.includes(title)) return null;
        const panel = root.querySelector('[data-testid=tryon-panel]').getBoundingClientRect();
        const close = root.querySelector('[data-testid=tryon-close]').getBoundingClientRect();
        return { dir: root.querySelector('[data-testid=tryon-root]').dir, closeLeft: close.left - panel.left, width: panel.width };
      }, 'the Arabic start step', { args: [words.startTitle] });
      assert.equal(seen.dir, 'rtl');
      assert.ok(seen.closeLeft < seen.width / 2, `the close button is on the left: ${JSON.stringify(seen)}`);
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-arabic.png`), await s.screenshot());
      assert.deepEqual(await problems(s), []);
    });

    test('axe: every state of a try-on (the camera too), the advice, then a failed one', async () => {
      await mountBlank(s, {}, slowShop);
      await s.click(await shown(s, 'tryon-open'));
      await shown(s, 'tryon-start');
      await scan(s, 'start');
      // The camera step, with the engine's fake camera playing.
      await s.click(await shown(s, 'tryon-camera'));
      await shown(s, 'tryon-camera-step');
      await s.until(() => {
        const root = document.querySelector('#host').shadowRoot;
        const video = root.querySelector('[data-testid=tryon-video]');
        const problem = root.querySelector('[data-testid=tryon-camera-problem]');
        return problem ? `problem: ${problem.textContent}` : video && video.readyState >= 2 && video.videoWidth > 0;
      }, 'the fake camera playing').then((seen) => assert.equal(seen, true, `${engine}: the fake camera works`));
      await scan(s, 'camera');
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-camera.png`), await s.screenshot());
      await s.click(await shown(s, 'tryon-camera-back'));
      await s.click(await shown(s, 'tryon-sample'));
      await s.until(() => {
        const img = document.querySelector('#host').shadowRoot.querySelector('.tryon__source');
        return img && img.complete && img.naturalWidth > 0;
      }, 'the photo in the frame step');
      await scan(s, 'frame');
      await s.click(await shown(s, 'tryon-use-photo'));
      await shown(s, 'tryon-working');
      await scan(s, 'working');
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-working.png`), await s.screenshot());
      assert.ok(await s.run(() => Boolean(document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-working]'))), 'still waiting after the scan');
      await resultShown(s, '#host');
      await scan(s, 'results');

      // The advice about a photo with nobody in it.
      await mountBlank(s);
      await s.click(await shown(s, 'tryon-open'));
      await s.pickFile(await shown(s, 'tryon-file'), path.join(FIXTURES, 'bad/coffee.png'));
      await s.click(await shown(s, 'tryon-use-photo'));
      await shown(s, 'tryon-advice');
      await scan(s, 'advice');

      await mountBlank(s, { seed: 4000000001 });
      await trySample(s, '#host');
      await shown(s, 'tryon-failed');
      await scan(s, 'failed');
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-failed.png`), await s.screenshot());
      assert.deepEqual(await problems(s), []);
    });
  });
}
