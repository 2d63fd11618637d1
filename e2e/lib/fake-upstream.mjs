// The fakes of the hosted try-on APIs (FASHN, TryItOn): the real `tryon-fake-upstream`
// binary (fakes/, built by scripts/test.sh), written from the providers' published
// facts (fakes/README.md), on a free loopback port. It exits when its stdin closes, so
// it never outlives the test process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GATEWAY_BIN } from './gateway.mjs';

const FAKE_BIN = process.env.TRYON_FAKE_BIN || path.join(path.dirname(GATEWAY_BIN), 'tryon-fake-upstream');

/** The key the fakes accept. */
export const FAKE_KEY = 'fake-upstream-key';

/**
 * Starts a fake speaking `dialect` (`fashn` or `tryiton`), its every duration times
 * `scale` (9 s jobs; FASHN's limits with their windows scaled); `extra` are its flags.
 */
export async function startHostedFake({ dialect = 'fashn', scale = 0.1, extra = [] } = {}) {
  const child = spawn(FAKE_BIN, ['--dialect', dialect, '--time-scale', String(scale), ...extra], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((ok) => child.on('exit', ok));
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the fake did not start: ${out}`)), 20000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n');
      if (line.length > 1) {
        clearTimeout(timer);
        ok(line[0].trim());
      }
    });
    child.on('exit', (code) => fail(new Error(`the fake exited (${code}): ${out}`)));
  });
  return {
    url,
    /** Its counters: submits, jobs, status_reads, too_many_requests, webhooks, … */
    stats: async () => (await fetch(`${url}/__fake/stats`)).json(),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
