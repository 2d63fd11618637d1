// The usual set-up of a test file: a sandbox gateway, the test shop in front of it and
// Chromium, started before the file's tests and stopped after them.
import fs from 'node:fs';
import { before, after } from 'node:test';
import { sandboxGateway } from './gateway.mjs';
import { startShop, launch, SCREENS } from './harness.mjs';

/** `{ gateway, shop, browser }`, filled in before the first test. */
export function sandboxSuite() {
  const suite = {};
  before(async () => {
    suite.gateway = await sandboxGateway();
    suite.shop = await startShop(suite.gateway);
    suite.browser = await launch();
    fs.mkdirSync(SCREENS, { recursive: true });
  });
  after(async () => {
    await suite.browser?.close();
    await suite.shop?.close();
    await suite.gateway?.stop();
  });
  return suite;
}
