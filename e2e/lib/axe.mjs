// One axe-core scan of the widget, the same in every engine: `axeInPage` runs in the
// page (Playwright's evaluate or WebDriver's execute/async), `judgeAxe` fails the
// test on serious or critical violations and prints the rest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';

/** axe-core's browser build, to be injected into a page. */
export const AXE_SOURCE = () => fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * Runs in the page: axe on the widget's host (axe walks open shadow roots), WCAG 2.2
 * AA and best practices. Returns what the judge needs and proof that axe looked
 * inside the shadow root.
 */
export async function axeInPage() {
  const host = document.querySelector('#host, [data-tryon]');
  const r = await window.axe.run(host, {
    resultTypes: ['violations', 'incomplete'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  });
  const nodes = (list) =>
    list.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 160), summary: n.failureSummary })),
    }));
  // Shadow nodes have nested targets.
  const all = [...r.passes, ...r.violations, ...r.incomplete].flatMap((v) => v.nodes);
  return {
    violations: nodes(r.violations),
    incomplete: nodes(r.incomplete).map(({ id, impact, help, nodes }) => ({ id, impact, help, count: nodes.length, targets: nodes.map((n) => n.target) })),
    shadowNodes: all.filter((n) => Array.isArray(n.target[0])).length,
    rulesPassed: r.passes.length,
  };
}

/** Fails on serious or critical violations (or a scan that saw nothing inside the widget). */
export function judgeAxe(result, state) {
  const minor = result.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  for (const v of minor) {
    console.log(`[axe ${state}] ${v.impact}: ${v.id} (${v.help}) ×${v.nodes.length}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }
  if (result.incomplete.length) {
    console.log(`[axe ${state}] needs review: ${result.incomplete.map((v) => `${v.id} ${JSON.stringify(v.targets)}`).join(', ')}`);
  }
  assert.ok(result.shadowNodes > 0, `${state}: axe checked nothing inside the shadow root`);
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.summary}`).join(' | ')}`),
    [],
    `${state}: serious or critical axe violations`
  );
  return result;
}
