// Runs the browser tests (node --test) against a phonelogin server.
//
//   node tests/browser/run.mjs                       uses PHONELOGIN_URL (a running `serve --demo --dev`)
//   node tests/browser/run.mjs --server PATH         starts PATH serve --demo --dev on a free port
//                                                    with a fresh SQLite database, then stops it
//   node tests/browser/run.mjs --fake                the in-memory stand-in (fake-server.mjs), for
//                                                    front-end work without the Rust server
// Extra arguments after `--` go to node --test (e.g. -- --test-name-pattern=consent).

import { spawn } from 'node:child_process';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dashdash = args.indexOf('--');
const testArgs = dashdash === -1 ? [] : args.slice(dashdash + 1);
const own = dashdash === -1 ? args : args.slice(0, dashdash);

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

async function waitHealthy(base, child, seconds = 30) {
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

async function main() {
  let base = process.env.PHONELOGIN_URL;
  let stop = async () => {};

  if (own.includes('--fake')) {
    const { createFakeServer } = await import('./fake-server.mjs');
    const server = createFakeServer();
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}`;
    stop = async () => { server.closeAllConnections?.(); server.close(); };
  } else if (own.includes('--server')) {
    const bin = path.resolve(own[own.indexOf('--server') + 1] || '');
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonelogin-browser-'));
    base = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ['serve', '--demo', '--dev', '--listen', `127.0.0.1:${port}`,
      '--database-url', `sqlite://${path.join(dir, 'test.db')}`, '--secret-file', path.join(dir, 'secret')],
    { cwd: dir, stdio: ['ignore', 'ignore', process.env.TEST_LOG ? 'inherit' : 'ignore'] });
    stop = async () => {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    };
    await waitHealthy(base, child);
  }

  if (!base) {
    console.error('Set PHONELOGIN_URL to a server started with `phonelogin serve --demo --dev`, '
      + 'or pass --server PATH_TO_PHONELOGIN, or --fake. See tests/browser/README.md.');
    process.exit(2);
  }
  await waitHealthy(base, null, 10).catch(() => {}); // a fake or a server without /healthz: just go on

  const files = (await readdir(HERE)).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(HERE, f));
  const code = await new Promise((resolve) => {
    const test = spawn(process.execPath, ['--test', '--test-concurrency=1', ...testArgs, ...files], {
      stdio: 'inherit',
      env: { ...process.env, PHONELOGIN_URL: base },
    });
    test.on('exit', (c) => resolve(c ?? 1));
  });
  await stop();
  process.exit(code);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
