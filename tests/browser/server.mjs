// Starts a real phonelogin server for the browser tests and the tour: `PATH serve --demo --dev`
// on a free port with a fresh SQLite database and fixtures.json (a test user and a test client)
// imported on start (`serve --fixtures`).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES_FILE = path.join(HERE, 'fixtures.json');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitHealthy(base, child, seconds = 30) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server at ${base} did not become healthy in ${seconds}s`);
}

/**
 * Start `bin serve --demo --dev --self-registration --fixtures fixtures.json` on a fresh database; resolves to
 * { base, stop, restart, kill }. `restart()` stops the server (SIGTERM) and starts it again on the
 * same port and database; `kill()` stops it with SIGKILL and `start()` brings it back.
 */
export async function startServer(bin, { log = !!process.env.TEST_LOG, port } = {}) {
  const exe = path.resolve(bin);
  port ??= await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phonelogin-browser-'));
  const db = ['--database-url', `sqlite://${path.join(dir, 'test.db')}`, '--secret-file', path.join(dir, 'secret')];
  const base = `http://127.0.0.1:${port}`;
  let child = null;
  const start = async () => {
    child = spawn(exe, ['serve', '--demo', '--dev', '--self-registration', '--listen', `127.0.0.1:${port}`, '--fixtures', FIXTURES_FILE, ...db],
      { cwd: dir, stdio: ['ignore', 'ignore', log ? 'inherit' : 'ignore'] });
    await waitHealthy(base, child);
  };
  const halt = async (signal) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  };
  const stop = async () => {
    await halt('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    base,
    stop,
    start,
    kill: () => halt('SIGKILL'),
    terminate: () => halt('SIGTERM'),
    restart: async () => { await halt('SIGTERM'); await start(); },
  };
}
