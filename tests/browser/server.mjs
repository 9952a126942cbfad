// Starts a real phonelogin server for the browser tests and the tour: `PATH serve --demo --dev`
// on a port it binds itself (`--listen 127.0.0.1:0`, the port read from its first line) with a fresh SQLite database and fixtures.json (a test user and a test client)
// imported on start (`serve --fixtures`).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import readline from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES_FILE = path.join(HERE, 'fixtures.json');

// Resolves to the URL in the server's first line (`phonelogin listening on URL`), printed once
// it listens and is ready; rejects if it exits first. Its output goes on to `log` or nowhere.
function listeningUrl(child, log) {
  return new Promise((resolve, reject) => {
    let found = false;
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (log) process.stderr.write(`${line}\n`);
      const m = !found && line.match(/^phonelogin listening on (\S+)/);
      if (m) { found = true; resolve(m[1]); }
    });
    child.once('exit', (code) => { if (!found) reject(new Error(`server exited with code ${code} before listening`)); });
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
 * { base, stop, restart, kill }. The first start binds port 0 (the server picks a free port and
 * keeps it); `restart()` stops the server (SIGTERM) and starts it again on that port and
 * database, as the page expects; `kill()` stops it with SIGKILL and `start()` brings it back.
 */
export async function startServer(bin, { log = !!process.env.TEST_LOG } = {}) {
  const exe = path.resolve(bin);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phonelogin-browser-'));
  const db = ['--database-url', `sqlite://${path.join(dir, 'test.db')}`, '--secret-file', path.join(dir, 'secret')];
  let base = null;
  let child = null;
  const start = async () => {
    const listen = base ? new URL(base).host : '127.0.0.1:0';
    child = spawn(exe, ['serve', '--demo', '--dev', '--self-registration', '--listen', listen, '--fixtures', FIXTURES_FILE, ...db],
      { cwd: dir, stdio: ['ignore', 'pipe', log ? 'inherit' : 'ignore'] });
    base = await listeningUrl(child, log);
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
