// The widget's languages, in headless Chromium: each language's pack reaches the
// widget through the loader (no English left on the start step), Arabic and Hebrew
// are laid out right to left (the close button, the thumbnail and the before/after
// comparison mirrored), a missing pack falls back to English with a warning, and
// screenshots of the Arabic and Japanese panels on a desktop and a 360 px phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mountOnBlankPage, newPage, resultShown, assertClean, ROOT, SCREENS } from '../lib/harness.mjs';
import { sandboxSuite } from '../lib/suite.mjs';

const OPTIONS = {
  garmentImage: '/fixtures/garments/solidus_tshirt.png',
  productName: 'Solidus T-shirt',
  samplePhoto: '/fixtures/people/model.webp',
};
const PACKS = fs
  .readdirSync(path.join(ROOT, 'target/embed'))
  .filter((f) => /^tryon-locale-[\w-]+\.json$/.test(f))
  .map((f) => f.slice('tryon-locale-'.length, -'.json'.length));

const suite = sandboxSuite();

const pack = (lang) => JSON.parse(fs.readFileSync(path.join(ROOT, `target/embed/tryon-locale-${lang}.json`), 'utf8'));

async function widgetIn(locale, viewport = { width: 1280, height: 900 }) {
  const page = await newPage(await suite.browser.newContext({ viewport }));
  await mountOnBlankPage(page, suite.shop.url, { ...OPTIONS, locale });
  return page;
}

test('every language but English comes as a pack, and the start step speaks it', async () => {
  assert.deepEqual(PACKS.sort(), ['ar', 'de', 'es', 'fr', 'he', 'it', 'ja', 'nl', 'pl', 'pt', 'pt-PT', 'sv', 'tr']);
  for (const lang of PACKS) {
    const words = pack(lang);
    const page = await widgetIn(lang === 'pt' ? 'pt-BR' : lang);
    await page.getByTestId('tryon-open').click();
    await page.getByTestId('tryon-start').waitFor();
    const seen = await page.evaluate(() => {
      const root = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-root]');
      return { lang: root.lang, dir: root.dir, text: root.textContent };
    });
    assert.equal(seen.dir, lang === 'ar' || lang === 'he' ? 'rtl' : 'ltr', lang);
    for (const key of ['openButton', 'startTitle', 'choosePhoto', 'useSamplePhoto', 'privacy']) {
      assert.ok(seen.text.includes(words[key]), `${lang}: ${key} "${words[key]}" is shown`);
    }
    for (const english of ['See it on you', 'Choose a photo', 'Use a sample photo']) {
      assert.ok(!seen.text.includes(english), `${lang}: no English ("${english}") left`);
    }
    assertClean(page);
    await page.context().close();
  }
});

test('Arabic is laid out right to left, the comparison included; numbers are written for the region and isolated', async () => {
  const page = await widgetIn('ar-SA', { width: 360, height: 780 });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-sample').click();
  await page.getByTestId('tryon-frame-step').waitFor();
  await page.screenshot({ path: path.join(SCREENS, 'lang-ar-phone-frame.png'), fullPage: true });
  await page.getByTestId('tryon-use-photo').click();
  await resultShown(page);
  const layout = await page.evaluate(() => {
    const root = document.querySelector('#host').shadowRoot;
    const panel = root.querySelector('[data-testid=tryon-panel]').getBoundingClientRect();
    const close = root.querySelector('[data-testid=tryon-close]').getBoundingClientRect();
    const before = root.querySelector('.tryon__before');
    const alt = root.querySelector('[data-testid=tryon-result-image]').alt;
    return { closeLeft: close.left - panel.left, panelWidth: panel.width, clip: before && getComputedStyle(before).clipPath, alt };
  });
  assert.ok(layout.closeLeft < layout.panelWidth / 2, `the close button is on the left: ${JSON.stringify(layout)}`);
  assert.match(layout.clip ?? '', /^inset\(0px 0px 0px /, 'your photo is shown from the right, where the slider starts');
  assert.ok(layout.alt.includes('\u2068Solidus T-shirt\u2069'), `the Latin product name is isolated in the Arabic text: ${layout.alt}`);
  // Numbers as Saudi Arabia writes them (Intl: Arabic-Indic digits for `ar-SA`, where
  // plain `ar` has Latin ones in CLDR 48), isolated: "picture ⁨١⁩ of ⁨١⁩".
  const one = await page.evaluate(() => new Intl.NumberFormat('ar-SA').format(1));
  assert.equal(one, '\u0661', 'this browser writes ar-SA numbers in Arabic-Indic digits');
  assert.ok(layout.alt.includes(`\u2068${one}\u2069`), `the picture's number as Intl writes it (${one}): ${layout.alt}`);
  await page.screenshot({ path: path.join(SCREENS, 'lang-ar-phone-result.png'), fullPage: true });
  assertClean(page);
  await page.context().close();
});

test('screenshots: the Arabic and Japanese panels, desktop and phone', async () => {
  for (const lang of ['ar', 'ja', 'he']) {
    for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 780 }]]) {
      const page = await widgetIn(lang, viewport);
      await page.getByTestId('tryon-open').click();
      await page.getByTestId('tryon-start').waitFor();
      await page.screenshot({ path: path.join(SCREENS, `lang-${lang}-${name}-start.png`), fullPage: true });
      assertClean(page);
      await page.context().close();
    }
  }
});

test("Portuguese by region: Portugal's norm for pt-PT and pt-AO, Brazil's for pt-BR and plain pt", async () => {
  const [portugal, brazil] = [pack('pt-PT'), pack('pt')];
  assert.notEqual(portugal.choosePhoto, brazil.choosePhoto, 'the two packs differ where the norms do');
  for (const [locale, words, other, file] of [
    ['pt-AO', portugal, brazil, 'tryon-locale-pt-PT.json'],
    ['pt', brazil, portugal, 'tryon-locale-pt.json'],
  ]) {
    const page = await newPage(await suite.browser.newContext());
    const packs = [];
    page.on('request', (r) => /tryon-locale-/.test(r.url()) && packs.push(new URL(r.url()).pathname.split('/').pop()));
    await mountOnBlankPage(page, suite.shop.url, { ...OPTIONS, locale });
    await page.getByTestId('tryon-open').click();
    await page.getByTestId('tryon-start').waitFor();
    const text = await page.getByTestId('tryon-start').innerText();
    assert.ok(text.includes(words.choosePhoto) && text.includes(words.startTitle), `${locale}: its pack is shown: ${text}`);
    assert.ok(!text.includes(other.startTitle), `${locale}: not the other norm's "${other.startTitle}"`);
    assert.deepEqual(packs, [file], `${locale}: only its own pack is fetched`);
    await page.screenshot({ path: path.join(SCREENS, `lang-${locale}-start.png`) });
    assertClean(page);
    await page.context().close();
  }
});

test('a pack that cannot be fetched leaves the widget in English, with a warning', async () => {
  const page = await newPage(await suite.browser.newContext());
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.route('**/tryon-locale-sv.json*', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await mountOnBlankPage(page, suite.shop.url, { ...OPTIONS, locale: 'sv' });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-start').waitFor();
  assert.match(await page.getByTestId('tryon-start').innerText(), /See it on you/);
  assert.ok(warnings.some((w) => /sv strings are not loaded/.test(w)), `warned: ${warnings}`);
  // The browser's own line about the 404 is the only error.
  assertClean(page, ['status of 404']);
  await page.context().close();
});

test('a pack that failed is asked for again by the next widget; `iw` is Hebrew', async () => {
  const page = await newPage(await suite.browser.newContext());
  let asked = 0;
  let failing = true;
  await page.route('**/tryon-locale-sv.json*', (route) => {
    asked++;
    return failing ? route.fulfill({ status: 503, body: 'busy' }) : route.continue();
  });
  await mountOnBlankPage(page, suite.shop.url, { ...OPTIONS, locale: 'sv' });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-start').waitFor();
  assert.match(await page.getByTestId('tryon-start').innerText(), /See it on you/, 'English while the pack is missing');
  const failed = asked;
  failing = false;
  await page.evaluate((o) => {
    // Closed first: a product's panel left open would open again in the next widget
    // of the same product (restore.test.mjs).
    TryOn.close('#host');
    TryOn.destroy('#host');
    const again = document.createElement('div');
    again.id = 'again';
    document.querySelector('main').append(again);
    TryOn.mount(again, o);
  }, { ...OPTIONS, locale: 'sv' });
  const sv = pack('sv');
  await page.locator('#again').getByTestId('tryon-open').click();
  await page.locator('#again').getByText(sv.startTitle).waitFor();
  assert.ok(failed >= 1 && asked > failed, `the pack was asked for again (${failed} failed, ${asked} in all)`);

  const he = await newPage(await suite.browser.newContext());
  await mountOnBlankPage(he, suite.shop.url, { ...OPTIONS, locale: 'iw' });
  const placeholder = await he.evaluate(() => {
    const root = document.querySelector('#host').shadowRoot.querySelector('[part=root]');
    return { dir: root.dir, lang: root.lang, label: root.textContent };
  });
  assert.deepEqual(placeholder, { dir: 'rtl', lang: 'he', label: pack('he').openButton });
  await he.getByTestId('tryon-open').click();
  await he.getByText(pack('he').startTitle).waitFor();
  assertClean(page, ['status of 503']);
  assertClean(he);
  await page.context().close();
  await he.context().close();
});

test("the widget that cannot load says so in the page's language", async () => {
  const page = await newPage(await suite.browser.newContext());
  await page.route('**/tryon-widget.js*', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await mountOnBlankPage(page, suite.shop.url, { ...OPTIONS, locale: 'ja' });
  await page.getByTestId('tryon-open').click();
  const note = page.locator('#host').getByRole('alert');
  await note.waitFor();
  assert.equal(await note.innerText(), pack('ja').loadFailed);
  await page.context().close();
});

test('right to left, a photo size reads as it does left to right (400×600)', async () => {
  for (const lang of ['he', 'ar']) {
    const page = await widgetIn(lang, { width: 360, height: 740 });
    await page.getByTestId('tryon-open').click();
    await page.getByTestId('tryon-start').waitFor();
    // A 400×600 photo (under 512 px: the warning), drawn and given to the file input as a shopper's pick would be.
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 600;
      canvas.getContext('2d').fillRect(0, 0, 400, 600);
      const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg'));
      const input = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-file]');
      const files = new DataTransfer();
      files.items.add(new File([blob], 'small.jpg', { type: 'image/jpeg' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.getByTestId('tryon-small-warning').waitFor();
    // Where each number is drawn: 400 must be left of 600, as in "400×600".
    const at = await page.evaluate(() => {
      const p = document.querySelector('#host').shadowRoot.querySelector('[data-testid=tryon-small-warning]');
      const text = p.firstChild;
      const left = (digits) => {
        const range = document.createRange();
        const from = text.data.indexOf(digits);
        range.setStart(text, from);
        range.setEnd(text, from + digits.length);
        return range.getBoundingClientRect().left;
      };
      return { width: left('400'), height: left('600'), text: text.data };
    });
    assert.ok(at.width < at.height, `${lang}: 400 is drawn left of 600 in ${JSON.stringify(at)}`);
    if (lang === 'he') fs.writeFileSync(path.join(SCREENS, 'lang-he-phone-small-photo.png'), await page.screenshot());
    assertClean(page);
    await page.context().close();
  }
});
