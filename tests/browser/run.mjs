// Runs the browser tests (node --test) against a real phonelogin server.
//
//   node tests/browser/run.mjs                       uses PHONELOGIN_URL (a running `serve --demo --dev`
//                                                    whose database has tests/browser/fixtures.json)
//   node tests/browser/run.mjs --server PATH         imports fixtures.json into a fresh SQLite database,
//                                                    starts PATH serve --demo --dev on a port it binds,
//                                                    and stops it afterwards
// Extra arguments after `--` go to node --test (e.g. -- --test-name-pattern=consent).

import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, waitHealthy } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dashdash = args.indexOf('--');
const testArgs = dashdash === -1 ? [] : args.slice(dashdash + 1);
const own = dashdash === -1 ? args : args.slice(0, dashdash);

async function main() {
  let base = process.env.PHONELOGIN_URL;
  let stop = async () => {};

  if (own.includes('--server')) {
    const bin = own[own.indexOf('--server') + 1];
    if (!bin) throw new Error('--server needs the path of the phonelogin binary');
    ({ base, stop } = await startServer(bin));
    // Files that restart a server start their own, from the same binary.
    process.env.PHONELOGIN_BIN = path.resolve(bin);
  }

  if (!base) {
    console.error('Set PHONELOGIN_URL to a server started with `phonelogin serve --demo --dev` (with '
      + 'tests/browser/fixtures.json imported), or pass --server PATH_TO_PHONELOGIN. See tests/browser/README.md.');
    process.exit(2);
  }
  await waitHealthy(base, null, 10);

  const only = process.env.BROWSER_TESTS;
  const files = (await readdir(HERE)).filter((f) => f.endsWith(".test.mjs") && (!only || only.split(",").includes(f))).map((f) => path.join(HERE, f));
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
