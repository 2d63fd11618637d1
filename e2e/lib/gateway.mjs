// Starts the real gateway binary (target/debug/tryon-gateway, built by
// scripts/test.sh) on a free loopback port, and stops it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATEWAY_BIN = process.env.TRYON_GATEWAY_BIN || path.join(ROOT, 'target/debug/tryon-gateway');

// Gateways stop with the process that started them, also when it is interrupted
// or killed by a time limit (SIGTERM), not only through stop().
const running = new Set();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

/**
 * `args` are command-line flags; `env` is added to a clean set of TRYON_ settings.
 * `listen` picks the address (a restarted gateway takes the same one).
 */
export async function startGateway({ args = [], env = {}, listen = '127.0.0.1:0' } = {}) {
  const child = spawn(GATEWAY_BIN, ['--listen', listen, ...args], {
    env: {
      PATH: process.env.PATH,
      RUST_LOG: 'warn',
      TRYON_ALLOWED_ORIGINS: '*',
      TRYON_MINT_RATE_PER_MINUTE: '0',
      // The suites run many try-ons from 127.0.0.1; the quota tests set their own.
      TRYON_SESSION_IMAGES_PER_HOUR: '0',
      TRYON_ADDRESS_IMAGES_PER_HOUR: '0',
      TRYON_DAILY_IMAGE_BUDGET: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the gateway did not start: ${out}`)), 20000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`the gateway exited (${code}): ${out}`)));
  });
  const exited = new Promise((ok) => child.on('exit', ok));
  return {
    url,
    address: url.replace('http://', ''),
    /** Stops it the hard way (SIGKILL), as a crash would. */
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    /** Stops it gracefully. */
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A sandbox gateway as the tests use it: fast, and allowed to fetch loopback images. */
export function sandboxGateway(extra = [], env = {}) {
  return startGateway({
    args: ['--engine', 'sandbox', '--sandbox-latency-scale', '0.05', '--allow-private-image-urls', ...extra],
    env,
  });
}

/** How many jobs gateway `g` has accepted, by its own /metrics. */
export async function jobsSubmitted(g) {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  return [...text.matchAll(/^tryon_jobs_submitted_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}
