// The TAP-like reporting shared by the interop scripts: `ok - <name>` / `not ok - <name>: <why>`
// per check, then a summary line; the exit code says whether anything failed.
import * as client from 'openid-client';

const counts = { passed: 0, failed: 0 };

export async function check(name, fn) {
  try {
    await fn();
    counts.passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    counts.failed++;
    console.log(`not ok - ${name}: ${describe(err)}`);
  }
}

export function describe(err) {
  if (err instanceof client.ResponseBodyError) return `server error ${err.status} ${err.error}: ${err.error_description ?? ''}`;
  if (err instanceof client.WWWAuthenticateChallengeError) return `server challenge ${err.status} ${JSON.stringify(err.cause)}`;
  const code = err?.code ? ` [${err.code}]` : '';
  return `${err?.message ?? String(err)}${code}`;
}

export function assert(cond, why) { if (!cond) throw new Error(why); }

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Prints `<label>: N passed, M failed` and exits 1 when anything failed.
export function finish(label) {
  console.log(`${label}: ${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed > 0 ? 1 : 0);
}
