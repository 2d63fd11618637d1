// @tryon/widget: the virtual try-on widget as an ES module, for bundlers (Vite,
// webpack, Next.js, Nuxt…) and plain `<script type="module">`.
//
// This file has no side effects and touches no browser global when it is
// imported, so it is safe to import during server-side rendering. The widget
// itself (the wasm-bindgen glue in ./dist/ and its WebAssembly) is loaded only
// when `mount`, `preparePhoto` or `load` is called, in the browser.

const PREFIX = '@tryon/widget';

/** The glue module, once its WebAssembly is instantiated (memoised; reset on failure). */
let ready = null;

/** element → the live widget mounted on it by this module (keeps it from garbage collection). */
let mounted = null;

function inBrowser() {
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

function notInBrowser(fn) {
  return new Error(
    `${PREFIX}: ${fn}() must run in the browser, but there is no window/document here ` +
      '(server-side rendering?). Call it once the page is on the client, e.g. in ' +
      "React's useEffect, Vue's onMounted or Svelte's onMount."
  );
}

/**
 * The wasm throws strings (an option error, a photo error) and sometimes DOM
 * exceptions; callers always get an Error. A string keeps its message as is.
 */
function asError(thrown, context) {
  if (typeof thrown === 'string') return new Error(context ? `${context}: ${thrown}` : thrown);
  if (thrown instanceof Error && !context) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new Error(context ? `${context}: ${message}` : message, { cause: thrown });
}

function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value.nodeType === 1) return `<${String(value.localName)}>`;
  if (typeof value === 'object' && typeof value.nodeType === 'number') return `a DOM node of type ${value.nodeType} (${value.nodeName})`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${typeof value} ${String(value)}`;
}

function glue() {
  if (!ready) {
    ready = import('./dist/tryon-widget.js').then(async (mod) => {
      try {
        // Browsers without WebAssembly SIMD (iOS before 16.4) get the build without it.
        // `new URL(…, import.meta.url)` lets bundlers ship both files beside the glue.
        const simd = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123]));
        await mod.default(
          simd ? undefined : { module_or_path: new URL('./dist/tryon-widget_nosimd_bg.wasm', import.meta.url) }
        );
      } catch (e) {
        const why = asError(e).message;
        // "expected magic word 00 61 73 6d, found 3c 21 …": an HTML page came back instead.
        const html = /magic word/.test(why)
          ? " The server answered with something else than the .wasm (an HTML page?): in Vite's dev server, add optimizeDeps: { exclude: ['@tryon/widget'] } to vite.config.js."
          : '';
        throw new Error(
          `${PREFIX}: could not load the widget's WebAssembly (${why}). ` +
            'Check that the bundle has tryon-widget_bg.wasm beside the widget script, that it is served as ' +
            "application/wasm, and that the page's Content-Security-Policy allows script-src 'wasm-unsafe-eval' " +
            'and connect-src to it.' +
            html,
          { cause: e }
        );
      }
      return mod;
    });
    // A failed load (offline, blocked) may be retried by the next call.
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

/**
 * Preloads the widget (its glue and WebAssembly), e.g. on hover over the button
 * that will mount it, so that `mount` is instant. Safe to call many times and
 * anywhere: without a DOM (server-side rendering) it does nothing.
 * @returns {Promise<void>}
 */
export async function load() {
  if (!inBrowser()) return;
  await glue();
}

function resolveElement(element) {
  if (typeof element === 'string') {
    let found = null;
    try {
      found = document.querySelector(element);
    } catch (e) {
      throw new Error(`${PREFIX}: mount(): ${JSON.stringify(element)} is not a valid CSS selector.`, { cause: e });
    }
    if (!found) throw new Error(`${PREFIX}: mount(): no element on this page matches ${JSON.stringify(element)}.`);
    element = found;
  }
  if (!element || typeof element !== 'object' || element.nodeType !== 1 || typeof element.attachShadow !== 'function') {
    throw new TypeError(
      `${PREFIX}: mount() needs an HTML element (or a CSS selector) to put the widget in, but got ${describe(element)}. ` +
        'With React pass ref.current from inside useEffect; with Vue pass the template ref inside onMounted.'
    );
  }
  return element;
}

/**
 * The language packs in ./dist/locales/ (English is built in), one static import
 * each: every bundler makes each a lazy chunk of its own (a template-literal import
 * inside node_modules is left alone by Vite, and would not be found at run time).
 */
const PACKS = {
  de: () => import('./dist/locales/de.js'),
  fr: () => import('./dist/locales/fr.js'),
  es: () => import('./dist/locales/es.js'),
  it: () => import('./dist/locales/it.js'),
  nl: () => import('./dist/locales/nl.js'),
  pt: () => import('./dist/locales/pt.js'),
  'pt-PT': () => import('./dist/locales/pt-PT.js'),
  pl: () => import('./dist/locales/pl.js'),
  sv: () => import('./dist/locales/sv.js'),
  tr: () => import('./dist/locales/tr.js'),
  ja: () => import('./dist/locales/ja.js'),
  ar: () => import('./dist/locales/ar.js'),
  he: () => import('./dist/locales/he.js'),
};
/** Languages handed to the widget. */
const added = new Set();

/**
 * Hands the widget the strings of `locale`'s language, from its pack (a module the
 * bundler splits off: only pages in that language load it). Without the pack the
 * widget speaks English and says so in the console; a wrong locale is left for
 * mount() to name.
 */
async function addLanguage(mod, locale) {
  // As the loader reads it: `iw` is Hebrew; Portugal's Portuguese (and that of the
  // countries following its norm) has a pack of its own.
  const tag = String(locale || '').toLowerCase().replace(/^iw/, 'he');
  const lang = /^pt[-_](pt|ao|mz|cv|gw|st|tl|mo|ch|lu|gq)/.test(tag) ? 'pt-PT' : tag.slice(0, 2);
  if (!Object.prototype.hasOwnProperty.call(PACKS, lang) || added.has(lang)) return;
  try {
    const pack = await PACKS[lang]();
    mod.addLanguage(lang, pack.default);
    added.add(lang);
  } catch (e) {
    console.warn(`${PREFIX}: the ${lang} strings could not be loaded (${asError(e).message}); the widget speaks English.`);
  }
}

/**
 * Mounts the try-on widget on `element` (in an open shadow root) and resolves to
 * a handle with `open()`, `close()` and `destroy()`. The WebAssembly is loaded
 * and initialised on the first call (once per page).
 *
 * `options` as in index.d.ts (TryOnOptions); without options the element's
 * `data-*` attributes are read. A wrong option rejects with an Error naming the
 * option and the accepted values. Mounting again on an element that already has
 * a widget replaces it.
 * @param {HTMLElement | string} element
 * @param {object} [options]
 */
export async function mount(element, options) {
  if (!inBrowser()) throw notInBrowser('mount');
  const host = resolveElement(element);
  if (options != null && typeof options !== 'object') {
    throw new TypeError(`${PREFIX}: mount(): options must be an object, but got ${describe(options)}.`);
  }
  const mod = await glue();
  // Without options the widget reads the element's data-* attributes: so does this.
  await addLanguage(mod, options == null ? host.getAttribute('data-locale') : options.locale);
  mounted = mounted || new WeakMap();
  // A second mount on the same element (React StrictMode runs effects twice)
  // replaces the first widget rather than stacking two.
  const previous = mounted.get(host);
  if (previous) previous.destroy();
  let inner;
  try {
    inner = mod.mount(host, options == null ? undefined : options);
  } catch (e) {
    throw asError(e, typeof e === 'string' ? '' : `${PREFIX}: mount() on ${describe(host)} failed`);
  }
  let destroyed = false;
  const alive = (verb) => {
    if (destroyed) throw new Error(`${PREFIX}: ${verb}() on a destroyed widget; mount it again first.`);
  };
  const widget = Object.freeze({
    /** Opens the panel. */
    open() {
      alive('open');
      inner.open();
    },
    /** Closes the panel. */
    close() {
      alive('close');
      inner.close();
    },
    /** Removes the widget from the element and frees it. Calling it again does nothing. */
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (mounted.get(host) === widget) mounted.delete(host);
      inner.destroy();
      inner.free();
      if (host.shadowRoot) host.shadowRoot.replaceChildren();
    },
  });
  mounted.set(host, widget);
  return widget;
}

/**
 * Prepares a photo for the try-on API without the widget's UI: orientation, the
 * largest centred 2:3 frame, 864×1296 (never upscaled), JPEG. Resolves to a
 * `data:image/jpeg;base64,…` URL.
 * @param {Blob} blob
 * @returns {Promise<string>}
 */
export async function preparePhoto(blob) {
  if (!inBrowser()) throw notInBrowser('preparePhoto');
  if (typeof Blob === 'undefined' || !(blob instanceof Blob)) {
    throw new TypeError(`${PREFIX}: preparePhoto() needs a Blob or File (e.g. from an <input type=file>), but got ${describe(blob)}.`);
  }
  const mod = await glue();
  try {
    return await mod.preparePhoto(blob);
  } catch (e) {
    throw asError(e, `${PREFIX}: preparePhoto()`);
  }
}
