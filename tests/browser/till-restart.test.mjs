// Frances: the demo till finishes its login across a server restart and a reload of its page;
// the merchant's welcome page survives a reload and sends nobody to the till.
// This file starts its own server (PHONELOGIN_BIN, set by run.mjs --server), since it restarts it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';

const BIN = process.env.PHONELOGIN_BIN;
const server = BIN ? await startServer(BIN) : null;
if (server) process.env.PHONELOGIN_URL = server.base;
const {
  launch, openPhone, openPos, enroll, startLogin, posStatus, waitScreen, waitText, screenshot,
  startClean, streamUp, assertNoPageErrors, WAIT, USERS,
} = await import('./helpers.mjs');

const user = USERS.frances;
const PIN = '1470';
const skip = BIN ? false : 'needs PHONELOGIN_BIN (run.mjs --server) to restart a server';
let browser;
let phone;
let pos;

before(async () => {
  if (skip) return;
  browser = await launch();
  phone = await openPhone(browser);
  pos = await openPos(browser);
  await enroll(phone, user, PIN);
  await startClean(phone);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function approveOnPhone(binding) {
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', binding);
  await phone.getByTestId('confirm-button').click();
  if (await phone.getByTestId('screen-consent').isVisible()) await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
}

test('the till finishes its login after a server restart and after a reload of its page', { skip, timeout: 90_000 }, async () => {
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
  await approveOnPhone('RST-777');
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  await waitText(pos, 'pos-profile-phone', '+47 900 00 015');
  assert.equal(await pos.getByTestId('pos-error').isVisible(), false, 'no "not_found; still trying"');
  await screenshot(pos, 'pos-approved-after-restart');
  assertNoPageErrors([pos], assert);
});

test('the welcome page keeps the customer logged in on reload and has no link to the till', { skip, timeout: 90_000 }, async () => {
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { binding: 'WEB-777', flow: 'webpage' });
  await approveOnPhone('WEB-777');
  await phone.waitForURL((url) => url.pathname === '/demo/welcome', { timeout: WAIT });
  await waitText(phone, 'welcome-name', user.given);
  await posStatus(pos, 'approved');
  await phone.reload();
  await waitText(phone, 'welcome-name', user.given);
  assert.equal(await phone.locator('a[href*="/demo/pos"]').count(), 0, 'no link to the till on the customer\'s phone');
  await screenshot(phone, 'merchant-welcome-reloaded');
});
