// Starts a real phonelogin server for the browser tests and the tour: `PATH serve --demo --dev`
// on a free port with a fresh SQLite database, after importing fixtures.json (a test user and a
// test client) into that database with `PATH import`.

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

function run(bin, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')}: exit ${code}\n${out}`))));
  });
}

/** Start `bin serve --demo --dev --self-registration` on a fresh database; resolves to { base, stop }. */
export async function startServer(bin, { log = !!process.env.TEST_LOG } = {}) {
  const exe = path.resolve(bin);
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phonelogin-browser-'));
  const db = ['--database-url', `sqlite://${path.join(dir, 'test.db')}`, '--secret-file', path.join(dir, 'secret')];
  await run(exe, ['import', FIXTURES_FILE, ...db], dir);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(exe, ['serve', '--demo', '--dev', '--self-registration', '--listen', `127.0.0.1:${port}`, ...db],
    { cwd: dir, stdio: ['ignore', 'ignore', log ? 'inherit' : 'ignore'] });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(base, child);
  } catch (e) {
    await stop();
    throw e;
  }
  return { base, stop };
}
