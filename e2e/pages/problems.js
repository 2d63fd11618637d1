// Records what went wrong on a test page, for engines whose driver cannot report the
// console (WebKitWebDriver, geckodriver without BiDi): uncaught errors, rejected
// promises, console.error and CSP violations, in window.__problems. Loaded first,
// before the widget's loader; a file, not inline, so the strict-CSP pages take it.
window.__problems = [];
addEventListener('error', (e) => window.__problems.push(`uncaught: ${e.message}`));
addEventListener('unhandledrejection', (e) => window.__problems.push(`rejected: ${(e.reason && e.reason.message) || e.reason}`));
document.addEventListener('securitypolicyviolation', (e) => window.__problems.push(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
const consoleError = console.error.bind(console);
console.error = (...args) => {
  window.__problems.push(args.map(String).join(' '));
  consoleError(...args);
};
