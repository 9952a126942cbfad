// Ola: the device key and the Devices screen (spec §10). The app creates a non-extractable
// ECDSA P-256 key at enrollment and signs every decision with it, so the device token alone
// decides nothing; a second phone is announced on the first; removing it ends its token.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, deviceToken, assertNoPageErrors, BASE, USERS,
} from './helpers.mjs';

const user = USERS.ola;
const PIN = '2580';
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** The app's stored key pair, as the page sees it. */
function storedKey(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('phonelogin', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('keys').objectStore('keys').get('device');
      get.onsuccess = async () => {
        const pair = get.result;
        let exported = 'refused';
        try { await crypto.subtle.exportKey('jwk', pair.privateKey); exported = 'exported'; } catch { /* expected */ }
        resolve({
          algorithm: pair.privateKey.algorithm,
          extractable: pair.privateKey.extractable,
          usages: pair.privateKey.usages,
          exported,
        });
      };
    };
  }));
}

test('the app signs decisions with its own non-extractable key; the token alone decides nothing', { timeout: 90_000 }, async () => {
  const phone = await openPhone(browser);
  const pos = await openPos(browser);
  await enroll(phone, user, PIN);
  const key = await storedKey(phone);
  assert.deepEqual(key.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  assert.equal(key.extractable, false);
  assert.deepEqual(key.usages, ['sign']);
  assert.equal(key.exported, 'refused', 'not even the app can read the private key');

  // Someone with the device token but not the key cannot approve.
  await startLogin(pos, user, { binding: 'KEY-123' });
  await waitScreen(phone, 'confirm');
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  const token = await deviceToken(phone);
  const stolen = await fetch(`${BASE}/app-api/v1/login-requests/${id}/approve`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ pin: PIN, consent: true }),
  });
  assert.equal(stolen.status, 401);
  assert.equal((await stolen.json()).error, 'invalid_signature');

  // The app, with its key, approves: the server checked the signature Chromium made.
  await phone.getByTestId('confirm-button').click();
  if (await phone.getByTestId('screen-consent').isVisible().catch(() => false)) {
    await phone.getByTestId('consent-accept').click();
  }
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  assertNoPageErrors([phone, pos], assert);
  await phone.context().close();
  await pos.context().close();
});

test('Devices: a second phone is announced, listed, and removing it ends its token', { timeout: 90_000 }, async () => {
  const first = await openPhone(browser);
  await enroll(first, user, PIN);
  const second = await openPhone(browser, { device: 'android' });
  await enroll(second, user, '1470');

  // The first phone hears of the new device at once.
  await waitText(first, 'toast', /A new device was set up for your number: Android phone/);

  await first.getByTestId('devices-link').click();
  await waitScreen(first, 'devices');
  await first.locator('[data-testid="device-list"][data-loaded="true"]').waitFor();
  const names = await first.getByTestId('device-name').allTextContents();
  assert.ok(names.includes('Android phone'), names.join(', '));
  const mine = first.locator('[data-testid="device-item"][data-current="true"]');
  await mine.getByTestId('device-current').waitFor();
  await screenshot(first, 'devices');

  const android = first.locator('[data-testid="device-item"]').filter({ hasText: 'Android phone' });
  await android.getByTestId('device-remove').click();
  await android.getByTestId('device-remove-confirm').click();
  await waitText(first, 'toast', 'Android phone was removed.');
  assert.ok(!(await first.getByTestId('device-name').allTextContents()).includes('Android phone'));

  // The removed phone's token is refused; the app goes back to setup.
  const me = await appApi(second, 'GET', '/me');
  assert.equal(me.status, 401);
  await second.reload();
  await waitScreen(second, 'enroll-phone');
  assertNoPageErrors([first], assert);
  await first.context().close();
  await second.context().close();
});
