// The shopper's journeys in the engines besides Chromium, through W3C WebDriver:
// WebKit (Debian's WebKitGTK: every iPhone browser is WebKit) and Firefox ESR. The
// same gateway (sandbox) and test shop as the Chromium suites; each journey ends
// with no page or console error. TRYON_ENGINES picks them (default: webkit,firefox);
// WebKit needs a display: scripts/test.sh runs this under xvfb-run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sandboxGateway } from '../lib/gateway.mjs';
import { startShop, FIXTURES, SCREENS } from '../lib/harness.mjs';
import { startSession } from './webdriver.mjs';

const ENGINES = (process.env.TRYON_ENGINES || 'webkit,firefox').split(',').filter(Boolean);
const GARMENT = '/fixtures/garments/solidus_tshirt.png';

let gateway, shop;
before(async () => {
  gateway = await sandboxGateway();
  shop = await startShop(gateway);
  fs.mkdirSync(SCREENS, { recursive: true });
});
after(async () => {
  await shop?.close();
  await gateway?.stop();
});

/** What the page recorded as going wrong (e2e/pages/problems.js). */
const problems = (s) => s.run(() => window.__problems || ['problems.js did not load']);

/** Mounts a widget on the blank test page through TryOn.mount(options). */
async function mountBlank(s, options = {}) {
  await s.go(`${shop.url}/pages/blank.html`);
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

for (const engine of ENGINES) {
  describe(engine, () => {
    let s;
    before(async () => {
      s = await startSession(engine);
      console.log(`# ${engine}: ${s.browser}`);
    });
    after(() => s?.quit());

    test('the script-tag embed: the sample photo is tried on and the result shown', async () => {
      await s.go(`${shop.url}/pages/tee.html`);
      const host = '[data-tryon]';
      await trySample(s, host);
      const size = await resultShown(s, host);
      assert.ok(size.width > 0 && size.height > 0, JSON.stringify(size));
      fs.writeFileSync(path.join(SCREENS, `engine-${engine}-result.png`), await s.screenshot());
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
  });
}
