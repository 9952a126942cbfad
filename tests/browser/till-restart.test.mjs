// Frances: the demo till finishes its login across a server restart and a reload of its page;
// the merchant's welcome page survives a reload and sends nobody to the till.
// This file starts its own server (PHONELOGIN_BIN, set by run.mjs --server), since it restarts it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownServer } from './own-server.mjs';

const { server, skip, helpers } = await ownServer();
const {
  phoneAndTill, confirmWithPin, startLogin, posStatus, waitScreen, waitText, screenshot,
  startClean, streamUp, assertNoPageErrors, WAIT, USERS,
} = helpers;

const user = USERS.frances;
const PIN = '1470';
const ctx = phoneAndTill(user, PIN, { pos: true, skip });

test('the till finishes its login after a server restart and after a reload of its page', { skip, timeout: 90_000 }, async () => {
  const { phone, pos } = ctx;
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { binding: 'RST-777' });
  await waitScreen(phone, 'confirm');

  await server.kill();
  await server.start();
  await pos.reload(); // and the till's page is reloaded too
  await posStatus(pos, 'waiting');
  await waitText(pos, 'pos-code', 'RST-777');
  await streamUp(phone).catch(() => {}); // the confirm screen stays; the stream is back underneath
  await confirmWithPin(phone, 'RST-777', PIN);
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  await waitText(pos, 'pos-profile-phone', '+47 900 00 015');
  assert.equal(await pos.getByTestId('pos-error').isVisible(), false, 'no "not_found; still trying"');
  await screenshot(pos, 'pos-approved-after-restart');
  assertNoPageErrors([pos], assert);
});

test('the welcome page keeps the customer logged in on reload and has no link to the till', { skip, timeout: 90_000 }, async () => {
  const { phone, pos } = ctx;
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { binding: 'WEB-777', flow: 'webpage' });
  await confirmWithPin(phone, 'WEB-777', PIN);
  await phone.waitForURL((url) => url.pathname === '/demo/welcome', { timeout: WAIT });
  await waitText(phone, 'welcome-name', user.given);
  await posStatus(pos, 'approved');
  await phone.reload();
  await waitText(phone, 'welcome-name', user.given);
  assert.equal(await phone.locator('a[href*="/demo/pos"]').count(), 0, 'no link to the till on the customer\'s phone');
  await screenshot(phone, 'merchant-welcome-reloaded');
});
