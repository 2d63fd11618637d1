/*! Virtual try-on widget loader. https://github.com/ (MIT OR Apache-2.0) */
// The one-line embed: `<script async src=".../tryon.js"></script>`.
//
// Plain, small and quick on purpose: it draws the "Try it on" button on every
// `[data-tryon]` element and `<tryon-widget>` (also ones added later) and loads the
// widget itself (WebAssembly, ~170 KB brotli) only on intent: hover, focus, touch, click,
// or when the page is idle (`data-load="intent"` on the script tag skips the idle
// load). Until then it costs the page one small script and no long task.
//
// scripts/build-embed.sh minifies this file and fills in the __PLACEHOLDERS__.
(() => {
  var win = window;
  var doc = document;
  var VERSION = '__VERSION__';
  var BUILD = '__BUILD__';
  // The widget stylesheet's button rules (from src/ui/widget.css), so that the
  // placeholder button looks exactly like the widget's own.
  var BUTTON_CSS = '__BUTTON_CSS__';
  // The button's label and the load failure by language, from src/i18n/ (both are
  // shown before the widget, or instead of it). The widget's other strings come in a
  // language pack (tryon-locale-<language>.json), fetched with the widget.
  var LABELS = '__LABELS__';
  var LOAD_FAILED = '__LOAD_FAILED__';
  // language → the pack's promise.
  var packs = {};
  // Languages handed to the widget.
  var added = { en: 1 };
  var EVENTS = ['open', 'photo-ready', 'advice', 'submit', 'complete', 'error', 'close', 'restore', 'share', 'add-to-cart'];

  function fail(message) {
    console.error('TryOn: ' + message);
  }

  // The stub snippet (README) leaves `{q: [[verb, args], …]}`; anything else is
  // either this loader loaded twice or someone else's global.
  var before = win.TryOn;
  if (before && before.version) {
    fail('tryon.js is loaded twice: remove one <script> tag.');
    return;
  }
  if (before && !Array.isArray(before.q)) {
    fail('window.TryOn is taken by another script: the widget did not load.');
    return;
  }

  var script = doc.currentScript;
  var base = script && script.src ? script.src.replace(/[^/]*$/, '') : '';
  var loadOnIdle = !script || script.getAttribute('data-load') !== 'intent';

  // element → { options, widget, open (wanted), button }
  var hosts = new Map();
  // `[data-tryon]` elements the merchant destroyed: the scan leaves them alone.
  var released = new WeakSet();
  var loading = null;
  var sheet = null;

  function value(options, name) {
    var camel = name.replace(/-([a-z])/g, (_, c) => {
      return c.toUpperCase();
    });
    var v = options[name] != null ? options[name] : options[camel];
    return v == null ? '' : String(v);
  }

  function language(options) {
    // `iw`: Hebrew's old code, still sent by some Android browsers. Portuguese has two
    // packs: Portugal's (and the countries that follow its norm), and Brazil's.
    var tag = value(options, 'locale').toLowerCase().replace(/^iw/, 'he');
    tag = /^pt[-_](pt|ao|mz|cv|gw|st|tl|mo|ch|lu|gq)/.test(tag) ? 'pt-PT' : tag.slice(0, 2);
    return LABELS[tag] ? tag : 'en';
  }

  // Options from attributes: `data-*` on a placeholder; on `<tryon-widget>` the
  // plain attribute names too, except the HTML ones every element has.
  function attributeOptions(el, custom) {
    var options = {};
    for (var i = 0; i < el.attributes.length; i++) {
      var name = el.attributes[i].name;
      var bare = name.indexOf('data-') === 0 ? name.slice(5) : null;
      if (bare === null && (!custom || /^(class|id|style|part|slot|hidden|title|lang|dir|tabindex|aria-.*)$/.test(name))) {
        continue;
      }
      options[bare === null ? name : bare] = el.attributes[i].value;
    }
    return options;
  }

  function adopt(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(BUTTON_CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      var style = doc.createElement('style');
      style.textContent = BUTTON_CSS;
      root.appendChild(style);
    }
  }

  // The placeholder: the widget's own button, drawn before the widget has loaded.
  function draw(el, record) {
    var root = el.shadowRoot || el.attachShadow({ mode: 'open' });
    root.innerHTML = '';
    adopt(root);
    var options = record.options;
    var theme = value(options, 'theme');
    var box = doc.createElement('div');
    box.className = 'tryon' + (theme === 'dark' || theme === 'light' ? ' tryon--' + theme : '');
    box.setAttribute('part', 'root');
    box.lang = language(options);
    box.dir = box.lang == 'ar' || box.lang == 'he' ? 'rtl' : 'ltr';
    var button = doc.createElement('button');
    button.type = 'button';
    button.className = 'tryon__open';
    button.setAttribute('part', 'open-button');
    button.setAttribute('data-testid', 'tryon-open');
    button.setAttribute('aria-expanded', 'false');
    var strings = options.strings || {};
    button.textContent = strings.openButton || value(options, 'string-open-button') || LABELS[box.lang];
    ['pointerenter', 'focus', 'touchstart'].forEach((type) => {
      button.addEventListener(type, load, { passive: true });
    });
    button.addEventListener('click', () => {
      record.open = true;
      button.setAttribute('aria-busy', 'true');
      load();
    });
    box.appendChild(button);
    record.button = button;
    record.box = box;
    root.appendChild(box);
  }

  // `custom` is set for elements whose options are their attributes (a placeholder
  // or <tryon-widget>): when those change (a single-page shop switching products),
  // the widget starts again with the new ones.
  function register(el, options, custom) {
    var record = { options: options, widget: null, open: false };
    hosts.set(el, record);
    released.delete(el);
    draw(el, record);
    if (custom != null) {
      record.watch = new MutationObserver(() => {
        // Only a change of the options: a class or style set by the page is none.
        var next = attributeOptions(el, custom);
        if (JSON.stringify(next) === JSON.stringify(record.options)) return;
        destroy(el);
        register(el, next, custom);
      });
      record.watch.observe(el, { attributes: true });
    }
    if (loading) {
      loading.then((mod) => {
        if (mod) start(el, record, mod);
      });
    }
  }

  // The pack of `lang`: null for English, and when it could not be fetched within 4 s
  // (the widget then speaks English, and a later start asks again).
  function pack(lang) {
    if (lang == 'en') return Promise.resolve(null);
    if (!packs[lang]) {
      packs[lang] = fetch(base + 'tryon-locale-' + lang + '.json?v=' + BUILD)
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null)
        .then((texts) => {
          if (!texts) delete packs[lang];
          return texts;
        });
    }
    return Promise.race([packs[lang], new Promise((done) => setTimeout(done, 4000, null))]);
  }

  // Replaces the placeholder with the widget, its language's pack handed over first
  // (once per language; the `tried` mark lets a start without it go on). A wrong
  // option is reported (console, naming the option and the accepted values) and
  // leaves the element empty rather than with a button that does nothing.
  function start(el, record, mod, tried) {
    var lang = language(record.options);
    if (!added[lang] && !tried) {
      pack(lang).then((texts) => {
        if (texts && !added[lang]) {
          try {
            mod.addLanguage(lang, texts);
            added[lang] = 1;
          } catch (error) {
            fail(String(error));
          }
        }
        start(el, record, mod, 1);
      });
      return;
    }
    if (record.widget || hosts.get(el) !== record) return;
    var focused = el.shadowRoot.activeElement === record.button;
    try {
      record.widget = mod.mount(el, record.options);
    } catch (error) {
      fail(String(error));
      hosts.delete(el);
      el.shadowRoot.innerHTML = '';
      return;
    }
    if (focused) {
      var button = el.shadowRoot.querySelector('[part~="open-button"]');
      if (button) button.focus();
    }
    if (record.open) {
      record.open = false;
      record.widget.open();
    }
  }

  function load() {
    if (loading) return loading;
    hosts.forEach((record) => {
      pack(language(record.options));
    });
    loading = import(base + 'tryon-widget.js?v=' + BUILD)
      .then((mod) => {
        // Browsers without WebAssembly SIMD (iOS before 16.4) cannot compile the
        // SIMD build: they get the same widget built without it. The probe is a type
        // section whose function returns a v128.
        var simd = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123]));
        return mod.default({ module_or_path: base + 'tryon-widget' + (simd ? '' : '_nosimd') + '_bg.wasm?v=' + BUILD }).then(() => mod);
      })
      .then(
        (mod) => {
          hosts.forEach((record, el) => {
            start(el, record, mod);
          });
          return mod;
        },
        (error) => {
          fail('could not load the widget from ' + base + ' (' + error + '): are its files beside tryon.js and allowed by the CSP?');
          // Let a later click try again; tell the shopper who clicked.
          loading = null;
          hosts.forEach((record) => {
            if (!record.open || !record.button) return;
            record.open = false;
            record.button.removeAttribute('aria-busy');
            var note = record.box.querySelector('p') || doc.createElement('p');
            note.setAttribute('role', 'alert');
            note.className = 'tryon__error';
            note.textContent = LOAD_FAILED[record.box.lang];
            record.box.appendChild(note);
          });
          return null;
        }
      );
    return loading;
  }

  function scan() {
    var found = doc.querySelectorAll('[data-tryon]');
    for (var i = 0; i < found.length; i++) {
      if (!hosts.has(found[i]) && !released.has(found[i])) register(found[i], attributeOptions(found[i], false), false);
    }
    // Elements taken out of the page take their widget with them.
    hosts.forEach((record, el) => {
      if (!el.isConnected) destroy(el);
    });
  }

  function element(target, verb) {
    var el = typeof target === 'string' ? doc.querySelector(target) : target;
    if (el && el.nodeType === 1) return el;
    fail(
      verb +
        ': ' +
        (typeof target === 'string' ? 'no element on this page matches "' + target + '"' : 'expected an element or a CSS selector, got ' + target) +
        '.'
    );
    return null;
  }

  // A widget already on the page: the element given, or the first one.
  function find(target, verb) {
    if (target == null) {
      var first = hosts.keys().next().value;
      if (!first) fail(verb + ': no try-on widget on this page yet; call TryOn.mount(element, options) first.');
      return first || null;
    }
    var el = element(target, verb);
    if (el && !hosts.has(el)) {
      fail(verb + ': this element has no try-on widget; call TryOn.mount(element, options) first.');
      return null;
    }
    return el;
  }

  function destroy(el) {
    var record = hosts.get(el);
    if (!record) return;
    hosts.delete(el);
    released.add(el);
    if (record.watch) record.watch.disconnect();
    if (record.widget) record.widget.destroy();
    if (el.shadowRoot) el.shadowRoot.innerHTML = '';
  }

  function eventName(name, verb) {
    var bare = String(name).replace(/^tryon:/, '');
    if (EVENTS.indexOf(bare) >= 0) return 'tryon:' + bare;
    fail(verb + ': there is no event "' + name + '"; the events are ' + EVENTS.join(', ') + '.');
    return null;
  }

  var api = {
    version: VERSION,
    /** Mounts a widget on an element (or a CSS selector); options as in the README. */
    mount: (target, options) => {
      var el = element(target, 'mount');
      if (!el) return;
      if (hosts.has(el)) {
        fail('mount: this element already has a try-on widget; call TryOn.destroy(element) first.');
        return;
      }
      register(el, options || attributeOptions(el, el.localName === 'tryon-widget'));
    },
    /** Opens the panel (loading the widget first if needed). */
    open: (target) => {
      var el = find(target, 'open');
      if (!el) return;
      var record = hosts.get(el);
      if (record.widget) record.widget.open();
      else {
        record.open = true;
        load();
      }
    },
    /** Closes the panel. */
    close: (target) => {
      var el = find(target, 'close');
      if (!el) return;
      var record = hosts.get(el);
      if (record.widget) record.widget.close();
      else record.open = false;
    },
    /** Removes the widget from the element. */
    destroy: (target) => {
      var el = find(target, 'destroy');
      if (el) destroy(el);
    },
    /** Calls `handler(event)` for an event (`complete` or `tryon:complete`…) of any widget; returns a function that stops it. */
    on: (name, handler) => {
      var type = eventName(name, 'on');
      if (!type) return () => {};
      if (typeof handler !== 'function') {
        fail('on: the handler for "' + name + '" is not a function.');
        return () => {};
      }
      doc.addEventListener(type, handler);
      return () => {
        doc.removeEventListener(type, handler);
      };
    },
    /** Stops a handler given to `on`. */
    off: (name, handler) => {
      var type = eventName(name, 'off');
      if (type) doc.removeEventListener(type, handler);
    },
  };
  win.TryOn = api;

  if (win.customElements && !customElements.get('tryon-widget')) {
    customElements.define(
      'tryon-widget',
      class extends HTMLElement {
        connectedCallback() {
          if (!hosts.has(this) && !released.has(this)) register(this, attributeOptions(this, true), true);
        }
        disconnectedCallback() {
          var el = this;
          // A move within the page reconnects at once; only a removal destroys.
          Promise.resolve().then(() => {
            if (!el.isConnected) destroy(el);
          });
        }
      }
    );
  }

  // Calls made through the stub before this script arrived, in their order.
  (before ? before.q : []).forEach((call) => {
    if (typeof api[call[0]] == 'function') api[call[0]].apply(api, call[1]);
  });

  scan();
  var pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    // One scan per burst of changes.
    Promise.resolve().then(() => {
      pending = false;
      scan();
    });
  }).observe(doc.documentElement, { childList: true, subtree: true });

  // A panel was open as this tab left the page (a reload, the back button; the widget
  // keeps this in sessionStorage): the widget comes at the load event, not at idle
  // time or on intent, so the shopper's result is back at once.
  var wasOpen = false;
  try {
    // Its products, a line each; empty once every panel closed.
    wasOpen = !!win.sessionStorage.getItem('tryon.v1.open');
  } catch (e) {}
  if (loadOnIdle || wasOpen) {
    var idle = () => {
      // Without requestIdleCallback (Safari), a little after the load event instead
      // of at once (setTimeout would read the options object as a delay of 0).
      (wasOpen ? (f) => f() : win.requestIdleCallback || ((f) => setTimeout(f, 2000)))(
        () => {
          if (hosts.size) load();
        },
        { timeout: 4000 }
      );
    };
    if (doc.readyState === 'complete') idle();
    else win.addEventListener('load', idle);
  }
})();
