// Grace: consent is asked once per merchant. A second login skips the consent screen; revoking
// the consent on the consents page brings it back on the next login.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, startClean, assertNoPageErrors, streamUp, USERS,
} from './helpers.mjs';

const user = USERS.grace;
const PIN = '97531';
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

/** One login from the POS to "Login complete", checking whether the consent screen comes. */
async function login({ expectConsent }) {
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user);
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await phone.locator('[data-testid="screen-consent"], [data-testid="screen-pin"]').first().waitFor();
  const next = await phone.getByTestId('main').getAttribute('data-screen');
  assert.equal(next, expectConsent ? 'consent' : 'pin', 'screen after "Confirm"');
  if (expectConsent) await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await phone.getByTestId('done-button').click();
}

test('consent is asked on the first login only, and again after revoking it', { timeout: 120_000 }, async () => {
  await login({ expectConsent: true });

  // Second login: confirm leads straight to the PIN screen.
  await login({ expectConsent: false });

  // The consents page lists Demo Store with what is shared.
  await waitScreen(phone, 'home');
  await phone.getByTestId('consents-link').click();
  await waitScreen(phone, 'consents');
  const item = phone.locator('[data-testid="consent-item"][data-client-id="demo-pos"]');
  await item.waitFor();
  assert.match(await item.getByTestId('consent-merchant').innerText(), /Demo Store/);
  assert.match(await item.getByTestId('consent-scopes').innerText(), /Name/);
  await screenshot(phone, 'consents');

  await item.getByTestId('consent-revoke').click();
  await item.getByTestId('consent-revoke-confirm').waitFor();
  await screenshot(phone, 'consents-revoke');
  await item.getByTestId('consent-revoke-confirm').click();
  await item.waitFor({ state: 'detached' });
  await phone.getByTestId('consents-empty').waitFor();
  const left = await appApi(phone, 'GET', '/consents');
  assert.equal(left.body.consents.some((c) => c.client_id === 'demo-pos'), false, 'consent is gone on the server');
  await screenshot(phone, 'consents-empty');

  await phone.getByTestId('back').click();
  // Third login: the consent screen is back.
  await login({ expectConsent: true });
  assertNoPageErrors([phone, pos], assert);
});
