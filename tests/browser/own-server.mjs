// For test files that restart the server under the app: a server of their own, from the binary
// run.mjs --server names (PHONELOGIN_BIN), with the helpers pointed at it. Without
// PHONELOGIN_BIN the file's tests are skipped (and say why).

import { startServer } from './server.mjs';

const BIN = process.env.PHONELOGIN_BIN;

/** Resolves to { server, skip, helpers }: `helpers` is helpers.mjs, talking to `server`. */
export async function ownServer() {
  const server = BIN ? await startServer(BIN) : null;
  if (server) process.env.PHONELOGIN_URL = server.base;
  const helpers = await import('./helpers.mjs');
  if (server) {
    const { after } = await import('node:test');
    after(() => server.stop());
  }
  const skip = BIN ? false : 'needs PHONELOGIN_BIN (run.mjs --server) to restart a server';
  return { server, skip, helpers };
}
