// Takes a headless-Chromium screenshot of a page: node e2e/screenshot.mjs URL OUT.png [WIDTH] [HEIGHT] [CLICK_SELECTOR]
import { chromium } from 'playwright-core';
import { launchOptions } from './browser.mjs';

const [url, out, width = '1280', height = '800', click] = process.argv.slice(2);
const browser = await chromium.launch(launchOptions());
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(url, { waitUntil: 'networkidle' });
  if (click) {
    await page.click(click);
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: out, fullPage: true });
} finally {
  await browser.close();
}
