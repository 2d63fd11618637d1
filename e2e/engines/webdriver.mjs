// A small W3C WebDriver client for the engines Playwright's own builds cannot bring
// here: Debian's WebKitGTK (WebKitWebDriver driving MiniBrowser, as every iPhone's
// browser is WebKit) and Firefox ESR (geckodriver). Only what the journeys use:
// sessions, navigation, scripts, clicks, keys, files, screenshots.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** How each engine is started: its driver, and the browser it drives (headless). */
export const ENGINES = {
  webkit: {
    driver: process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver',
    args: (port) => [`--port=${port}`, '--host=127.0.0.1'],
    capabilities: {
      'webkitgtk:browserOptions': {
        binary: process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
        // Automation mode; MiniBrowser needs a display (the test runs under xvfb-run).
        // WebKit's mock camera stands in for one (the camera step is scanned too).
        args: ['--automation', '--enable-media-stream=true', '--enable-mock-capture-devices=true'],
      },
    },
  },
  firefox: {
    driver: process.env.GECKODRIVER || 'geckodriver',
    args: (port) => ['--port', String(port), '--host', '127.0.0.1', '--log', 'error'],
    capabilities: {
      'moz:firefoxOptions': {
        binary: process.env.FIREFOX || '/usr/bin/firefox-esr',
        args: ['-headless', '-width', '1280', '-height', '900'],
        // No update checks, telemetry or other connections beyond loopback.
        prefs: {
          'app.update.enabled': false,
          'datareporting.policy.dataSubmissionEnabled': false,
          'toolkit.telemetry.enabled': false,
          'network.captive-portal-service.enabled': false,
          'browser.safebrowsing.malware.enabled': false,
          'browser.safebrowsing.phishing.enabled': false,
          'app.normandy.enabled': false,
          'extensions.update.enabled': false,
          'network.connectivity-service.enabled': false,
          'network.dns.disablePrefetch': true,
          'network.prefetch-next': false,
          'browser.region.network.url': '',
          'services.settings.server': 'http://127.0.0.1:9/',
          // Firefox's fake camera, granted without a prompt (the camera step is scanned too).
          'media.navigator.streams.fake': true,
          'media.navigator.permission.disabled': true,
        },
      },
    },
  },
};

/** The W3C key of an element reference in answers. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** WebDriver's codes for the keys the journeys press (W3C WebDriver, "keyboard actions"). */
const KEYS = {
  Tab: '\uE004',
  Enter: '\uE007',
  Shift: '\uE008',
  Escape: '\uE00C',
  Space: '\uE00D',
  ArrowLeft: '\uE012',
  ArrowUp: '\uE013',
  ArrowRight: '\uE014',
  ArrowDown: '\uE015',
  Minus: '-',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `engine`'s driver on a free loopback port and opens a session in it. */
export async function startSession(engine) {
  const spec = ENGINES[engine];
  if (!spec) throw new Error(`unknown engine ${engine} (${Object.keys(ENGINES).join(', ')})`);
  const port = await freePort();
  const driver = spawn(spec.driver, spec.args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  driver.stderr.on('data', (d) => (stderr += d));
  const started = new Promise((_, reject) => driver.on('error', (e) => reject(new Error(`${spec.driver}: ${e.message} (run scripts/setup.sh)`))));
  const base = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/status`)).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${spec.driver} did not start: ${stderr}`);
  })();
  try {
    await Promise.race([ready, started]);
    const created = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: spec.capabilities } });
    return new Session(engine, base, created.sessionId, driver, created.capabilities);
  } catch (e) {
    // No session, so no quit() will come: the driver must not outlive the test.
    driver.kill();
    throw e;
  }
}

async function call(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) {
    const v = answer.value || {};
    throw new Error(`${method} ${path}: ${v.error || r.status}: ${v.message || JSON.stringify(answer)}`);
  }
  return answer.value;
}

/** One browser session. */
export class Session {
  constructor(engine, base, id, driver, capabilities) {
    Object.assign(this, { engine, base, id, driver, capabilities });
  }

  /** The browser's name and version, as its driver reports them. */
  get browser() {
    return `${this.capabilities.browserName} ${this.capabilities.browserVersion}`;
  }

  send(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  go(url) {
    return this.send('POST', '/url', { url });
  }

  /** Runs `fn` (its source) in the page with `args`; what it returns. */
  run(fn, ...args) {
    return this.send('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments)`, args });
  }

  /** Like `run`, awaiting the promise `fn` returns. */
  runAsync(fn, ...args) {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve((${fn}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
        .then((v) => done({ ok: v }), (e) => done({ error: String(e && e.stack || e) }));`;
    return this.send('POST', '/execute/async', { script, args }).then((r) => {
      if (r && r.error) throw new Error(r.error);
      return r && r.ok;
    });
  }

  /** Waits until `fn` returns something truthy in the page; that value. */
  async until(fn, what, { timeout = 60000, args = [] } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      last = await this.run(fn, ...args).catch((e) => ({ error: e.message }));
      if (last && !last.error) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.engine}: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
  }

  /** The element `selector` finds in the widget's shadow root inside `host`. */
  async widgetElement(host, selector) {
    const found = await this.until(
      (h, s) => document.querySelector(h)?.shadowRoot?.querySelector(s) || null,
      `${selector} in ${host}`,
      { args: [host, selector] }
    );
    return found[ELEMENT];
  }

  /** Clicks as a pointer would (the driver scrolls it into view and checks nothing covers it). */
  click(element) {
    return this.send('POST', `/element/${element}/click`, {});
  }

  /** Gives a file input the file at `file` (an absolute path), as a shopper's pick would. */
  pickFile(element, file) {
    return this.send('POST', `/element/${element}/value`, { text: file });
  }

  /**
   * Presses keys as a keyboard would, one after the other; "Shift+Tab" holds Shift
   * for the Tab. Names as in KEYS.
   */
  press(...names) {
    const actions = [];
    for (const name of names) {
      const chord = name.split('+').map((k) => {
        if (!(k in KEYS)) throw new Error(`press: no key named ${k}`);
        return KEYS[k];
      });
      for (const k of chord) actions.push({ type: 'keyDown', value: k });
      for (const k of chord.reverse()) actions.push({ type: 'keyUp', value: k });
    }
    return this.send('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  }

  /** Runs `source` (a whole script, e.g. a library's browser build) in the page. */
  inject(source) {
    return this.send('POST', '/execute/sync', { script: `${source}\n;return true;`, args: [] });
  }

  /** A PNG of the viewport. */
  async screenshot() {
    return Buffer.from(await this.send('GET', '/screenshot'), 'base64');
  }

  async quit() {
    await this.send('DELETE', '').catch(() => {});
    this.driver.kill();
  }
}
