// Margaret: the server restarts under the app. The app shows the true connection state (never
// "Ready for logins" while the server cannot be reached), reconnects within a second of the
// server being back, and the next login arrives by push at once.
// This file starts its own server (PHONELOGIN_BIN, set by run.mjs --server), since it restarts it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

const { server, skip, helpers } = await ownServer();
const {
  phoneAndTill, waitScreen, waitText, backchannel, startClean, streamUp, screenshot, USERS,
} = helpers;

const user = USERS.margaret;
const PIN = '7531';
const ctx = phoneAndTill(user, PIN, { pos: false, skip });

/** The status line while the server is away: not "Ready", and no second message beside it. */
async function showsServerAway() {
  const { phone } = ctx;
  await phone.locator('[data-testid="stream-status"][data-up="false"]').waitFor();
  await waitText(phone, 'stream-status', 'Cannot reach the server');
  assert.equal(await phone.getByText('Ready for logins').count(), 0);
  assert.equal(await phone.getByTestId('home-error').isVisible(), false, 'one message about the connection, not two');
}

/** Milliseconds from the server answering /healthz until the app's stream is up again. */
async function timeToReconnect() {
  const { phone } = ctx;
  const back = Date.now();
  await streamUp(phone);
  return Date.now() - back;
}

/** A login started now reaches the phone by push within a second; resolves to the milliseconds. */
async function pushArrives(binding) {
  const { phone } = ctx;
  await backchannel(user, { binding_message: binding });
  const started = Date.now();
  await waitText(phone, 'binding-message', binding);
  const ms = Date.now() - started;
  assert.ok(ms <= 1000, `the push took ${ms} ms`);
  await startClean(phone);
  await waitScreen(phone, 'closed'); // the push ends the confirm screen
  return ms;
}

for (const how of ['terminate', 'kill']) {
  test(`after a ${how === 'kill' ? 'hard kill' : 'SIGTERM'} the app says the server is away, then reconnects within 1 s`, { skip, timeout: 60_000 }, async (t) => {
    const { phone } = ctx;
    await phone.goto('/app/');
    await waitScreen(phone, 'home');
    await streamUp(phone);
    // SIGTERM: the server closes the event streams and exits at once (else the new one could
    // not listen on the port); SIGKILL: the streams just break.
    if (how === 'terminate') await server.terminate();
    else await server.kill();
    await showsServerAway();
    // The refresh button too: it fails without a second, contradicting message.
    await phone.getByTestId('refresh').click();
    await showsServerAway();
    await screenshot(phone, `home-server-away-${how}`);

    await server.start();
    const ms = await timeToReconnect();
    t.diagnostic(`reconnected ${ms} ms after the server answered /healthz`);
    assert.ok(ms <= 1000, `reconnected ${ms} ms after the server was back`);
    await waitText(phone, 'stream-status', 'Ready for logins');
    const push = await pushArrives(`RST-${how === 'kill' ? 'K' : 'T'}1`);
    t.diagnostic(`the next login arrived by push in ${push} ms`);
  });
}
