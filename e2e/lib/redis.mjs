// A redis-server of the test's own (from apt, installed by scripts/setup.sh): a free
// loopback port, its own temporary directory, killed with the test process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const running = new Set();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

async function freePort() {
  const server = net.createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

async function answers(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((done) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); done(true); });
      socket.on('error', () => done(false));
    });
    if (ok) return;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error(`redis-server did not start on ${port}`);
}

/** Starts one; `kill()` ends it as a crash would, `restart()` brings it back empty on the same port. */
export async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tryon-e2e-redis-'));
  let child = null;
  const start = async () => {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    running.add(child);
    await answers(port);
  };
  const kill = async () => {
    if (!child) return;
    const exited = new Promise((ok) => child.on('exit', ok));
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
    child = null;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    restart: start,
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
