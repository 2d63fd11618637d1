// Screenshots of the camera step (Chromium's fake camera) and a failed try-on
// (the sandbox's PoseError seed, set on the page before the widget mounts):
// node e2e/screens-more.mjs http://127.0.0.1:8080/ OUT_DIR
import { chromium } from 'playwright-core';
import { launchOptions } from './browser.mjs';

const [url, out = 'screens'] = process.argv.slice(2);
const browser = await chromium.launch(launchOptions(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']));
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.getByTestId('tryon-open').click();
  await page.getByTestId('tryon-camera').click();
  await page.getByTestId('tryon-video').waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/desktop-camera.png`, fullPage: true });
  await page.close();

  const failing = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The sandbox answers seed 4000000001 with a PoseError (README, "The sandbox engine").
  await failing.addInitScript(() => {
    new MutationObserver(() => {
      const host = document.querySelector('[data-tryon]');
      if (host && !host.dataset.seed) host.dataset.seed = '4000000001';
    }).observe(document, { childList: true, subtree: true });
  });
  await failing.goto(url, { waitUntil: 'networkidle' });
  await failing.getByTestId('tryon-open').click();
  await failing.getByTestId('tryon-sample').click();
  await failing.getByTestId('tryon-use-photo').click();
  await failing.getByTestId('tryon-failed').waitFor({ timeout: 60000 });
  await failing.screenshot({ path: `${out}/desktop-failed-pose.png`, fullPage: true });
} finally {
  await browser.close();
}
