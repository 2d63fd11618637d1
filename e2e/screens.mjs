// Screenshots of every state of the widget on the demo page (for people to look at):
// node e2e/screens.mjs http://127.0.0.1:8080/ OUT_DIR
import { chromium } from 'playwright-core';
import { launchOptions } from './browser.mjs';

const [url, out = 'screens'] = process.argv.slice(2);
const browser = await chromium.launch(launchOptions());
try {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 780 }]]) {
    const page = await browser.newPage({ viewport });
    await page.goto(url, { waitUntil: 'networkidle' });
    await page.getByTestId('tryon-open').waitFor();
    await page.screenshot({ path: `${out}/${name}-1-page.png` });
    await page.getByTestId('tryon-open').click();
    await page.getByTestId('tryon-start').waitFor();
    await page.screenshot({ path: `${out}/${name}-2-start.png`, fullPage: true });
    await page.getByTestId('tryon-sample').click();
    await page.getByTestId('tryon-frame-step').waitFor();
    await page.screenshot({ path: `${out}/${name}-3-frame.png`, fullPage: true });
    await page.getByTestId('tryon-use-photo').click();
    await page.getByTestId('tryon-working').waitFor();
    await page.waitForTimeout(700);
    await page.screenshot({ path: `${out}/${name}-4-working.png`, fullPage: true });
    await page.getByTestId('tryon-result-image').waitFor({ timeout: 60000 });
    await page.waitForFunction(() => {
      const host = document.querySelector('[data-tryon]');
      const img = host.shadowRoot.querySelector('[data-testid=tryon-result-image]');
      return img && img.complete && img.naturalWidth > 0;
    });
    await page.screenshot({ path: `${out}/${name}-5-results.png`, fullPage: true });
    await page.close();
  }
} finally {
  await browser.close();
}
