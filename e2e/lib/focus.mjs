// Where keyboard focus is, looking through shadow roots: run in the page by
// Playwright (`page.evaluate`) and by the WebDriver client (`session.run`) alike.

/** The focused element's test id, text and focus ring (null when nothing has focus). */
export function focusedInPage() {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  return {
    tag: el.localName,
    testid: el.dataset.testid ?? null,
    heading: el.hasAttribute('data-step-heading'),
    text: el.textContent.trim().slice(0, 80),
    inPanel: Boolean(el.closest('[data-testid=tryon-panel]')),
    visible: el.matches(':focus-visible'),
    outline: getComputedStyle(el).outlineStyle,
  };
}
