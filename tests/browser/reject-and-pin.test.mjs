// Alan: rejecting a login tells the POS "rejected"; a wrong PIN shows an error with the attempts
// left and leaves the request pending, and the right PIN then completes it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, startClean, homeClean, assertNoPageErrors, streamUp, USERS,
} from './helpers.mjs';

const user = USERS.alan;
const PIN = '1357';
const WRONG_PIN = '8642';
let browser;
let phone;
let pos;

before(async () => {
  browser = await launch();
  phone = await openPhone(browser);
  pos = await openPos(browser);
  await enroll(phone, user, PIN);
  await startClean(phone);
});

after(async () => {
  await browser?.close();
});

test('rejecting on the phone: "Login rejected", and the POS shows rejected', { timeout: 60_000 }, async () => {
  await startLogin(pos, user, { binding: 'REJ-42' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'REJ-42');
  await phone.getByTestId('reject-button').click();

  await waitScreen(phone, 'rejected');
  await waitText(phone, 'screen-rejected', 'Login rejected');
  await screenshot(phone, 'rejected');

  await posStatus(pos, 'rejected');
  await screenshot(pos, 'pos-rejected');
  const pending = await appApi(phone, 'GET', '/login-requests');
  assert.equal(pending.status, 200);
  assert.equal(pending.body.login_requests.length, 0, 'nothing is pending after the reject');
  assertNoPageErrors([phone, pos], assert);
});

test('a wrong PIN shows the attempts left and the request stays pending; the right PIN completes it', { timeout: 90_000 }, async () => {
  await homeClean(phone);
  await startLogin(pos, user);

  await waitScreen(phone, 'confirm');
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  assert.ok(id, 'confirm screen carries the request id');
  // No binding message requested: none shown.
  assert.equal(await phone.getByTestId('binding-message').count(), 0);
  await phone.getByTestId('confirm-button').click();
  // Alan has not consented yet (each test starts without the consent).
  await waitScreen(phone, 'consent');
  await phone.getByTestId('consent-accept').click();

  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(WRONG_PIN);
  await phone.getByTestId('pin-submit').click();
  await waitText(phone, 'pin-error', /wrong pin/i);
  const message = await phone.getByTestId('pin-error').innerText();
  assert.match(message, /\b4 attempts left\b/, `attempts left in "${message}"`);
  await screenshot(phone, 'pin-wrong');

  // Still on the PIN screen, still pending for the server and the POS.
  await waitScreen(phone, 'pin');
  const pending = await appApi(phone, 'GET', '/login-requests');
  assert.ok(pending.body.login_requests.some((r) => r.id === id), 'request is still pending after a wrong PIN');
  await posStatus(pos, 'waiting');

  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  assertNoPageErrors([phone, pos], assert);
});

test('without the push stream, Refresh on the home screen shows the waiting login', { timeout: 60_000 }, async () => {
  await homeClean(phone);
  await phone.route('**/app-api/v1/events', (route) => route.abort());
  await phone.reload();
  await waitScreen(phone, 'home');
  await phone.locator('[data-testid="stream-status"][data-up="false"]').waitFor();

  await startLogin(pos, user, { binding: 'PULL-1' });
  await phone.waitForTimeout(1500); // no push can arrive: the phone stays on the home screen
  assert.equal(await phone.getByTestId('main').getAttribute('data-screen'), 'home');
  assert.equal(await phone.getByTestId('request-item').count(), 0);

  await phone.getByTestId('refresh').click();
  await waitText(phone, 'request-item', 'PULL-1');
  await phone.getByTestId('request-item').first().click();
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('reject-button').click();
  await waitScreen(phone, 'rejected');
  await posStatus(pos, 'rejected');
  await phone.unroute('**/app-api/v1/events');
});

test('rejecting in the web-page flow opens the merchant page saying so; the POS shows rejected', { timeout: 60_000 }, async () => {
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { flow: 'webpage' });
  await waitScreen(phone, 'confirm');
  await Promise.all([
    phone.waitForURL((url) => url.pathname.startsWith('/demo/welcome') && url.searchParams.get('error') === 'access_denied'),
    phone.getByTestId('reject-button').click(),
  ]);
  await phone.getByTestId('welcome-rejected').waitFor();
  await posStatus(pos, 'rejected');
});
