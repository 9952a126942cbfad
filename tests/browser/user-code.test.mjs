// Sigrid: the "My user code" screen. The code set there is what a merchant that requires user
// codes (fixtures.json's user-code-shop) must send with a login for Sigrid: the right one starts a
// login, a wrong one is invalid_user_code, none is missing_user_code.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, enroll, waitScreen, screenshot, appApi, startClean, assertNoPageErrors, FIXTURES, BASE, WAIT,
} from './helpers.mjs';

const user = { phone: '4792345678', given: 'Sigrid', name: 'Sigrid Undset' };
const PIN = '8642';
const CODE = `ola-${Math.floor(Math.random() * 1e6)}`; // 4 to 12 characters, new each run
let browser;
let phone;

before(async () => {
  browser = await launch();
  phone = await openPhone(browser);
  await enroll(phone, user, PIN);
  await startClean(phone);
});

after(async () => {
  await browser?.close();
});

/** A backchannel request of the user-code client for Sigrid; resolves to {status, body}. */
async function startWithUserCode(userCode) {
  const client = FIXTURES.clients.find((c) => c.client_id === 'user-code-shop');
  const params = { login_hint: `urn:msisdn:${user.phone}`, scope: 'openid name' };
  if (userCode !== undefined) params.user_code = userCode;
  const res = await fetch(`${BASE}/vipps-login-ciba/api/backchannel/authentication`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: await res.json() };
}

test('the user sets a user code in the app, and merchants that require one must send it', { timeout: 60_000 }, async () => {
  await waitScreen(phone, 'home');
  await phone.getByTestId('user-code-link').click();
  await waitScreen(phone, 'user-code');
  await screenshot(phone, 'user-code');

  // Too short, then two different codes: refused on the screen, nothing sent.
  await phone.getByTestId('user-code').fill('abc');
  await phone.getByTestId('user-code-repeat').fill('abc');
  await phone.getByTestId('user-code-save').click();
  await phone.getByTestId('user-code-error').filter({ hasText: '4 to 12' }).waitFor({ timeout: WAIT });
  await phone.getByTestId('user-code').fill(CODE);
  await phone.getByTestId('user-code-repeat').fill(`${CODE}x`);
  await phone.getByTestId('user-code-save').click();
  await phone.getByTestId('user-code-error').filter({ hasText: 'not the same' }).waitFor({ timeout: WAIT });
  await screenshot(phone, 'user-code-mismatch');

  await phone.getByTestId('user-code-repeat').fill(CODE);
  await phone.getByTestId('user-code-save').click();
  await waitScreen(phone, 'home');

  assert.equal((await startWithUserCode(undefined)).body.error, 'missing_user_code');
  assert.equal((await startWithUserCode('wrong-code')).body.error, 'invalid_user_code');
  const ok = await startWithUserCode(CODE);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));

  // Leave nothing pending for the next run.
  const { body } = await appApi(phone, 'GET', '/login-requests');
  for (const r of body?.login_requests || []) await appApi(phone, 'POST', `/login-requests/${r.id}/reject`);
  assertNoPageErrors([phone], assert);
});
