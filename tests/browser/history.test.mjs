// Barbara: each screen is a browser-history entry (Back goes back one screen, not out of the
// app), a reload in the middle of a login returns to it, and an app opened offline says that it
// cannot know whether logins are waiting. Revoking a consent says so (no "null").

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, startClean, assertNoPageErrors, streamUp, USERS,
} from './helpers.mjs';

const user = USERS.barbara;
const PIN = '8642';
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

async function home() {
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
}

test('browser Back goes back one screen of a login, then home; the app is never left', { timeout: 60_000 }, async () => {
  await startClean(phone);
  await home();
  await startLogin(pos, user, { binding: 'BCK-001' });
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'consent'); // Barbara has not consented to the demo shop
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');

  await phone.goBack();
  await waitScreen(phone, 'consent');
  await phone.goBack();
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'BCK-001');
  await phone.goBack();
  await waitScreen(phone, 'home');
  assert.match(new URL(phone.url()).pathname, /^\/app\/$/);

  // Forward again, then finish: "Done" leads home, and Back from there does not reopen the login.
  await phone.getByTestId('request-item').filter({ hasText: 'BCK-001' }).click();
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  await phone.getByTestId('consents-link').click();
  await waitScreen(phone, 'consents');
  await phone.goBack();
  await waitScreen(phone, 'home');
  assertNoPageErrors([phone, pos], assert);
});

test('a reload in the middle of a login returns to that login', { timeout: 60_000 }, async () => {
  await startClean(phone);
  await home();
  await startLogin(pos, user, { binding: 'RLD-001' });
  await waitScreen(phone, 'confirm');
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  await phone.getByTestId('confirm-button').click();
  await phone.locator('[data-testid="screen-consent"], [data-testid="screen-pin"]').first().waitFor();
  await phone.reload();
  await waitScreen(phone, 'confirm');
  assert.equal(await phone.getByTestId('screen-confirm').getAttribute('data-id'), id);
  await waitText(phone, 'binding-message', 'RLD-001');
  await phone.getByTestId('reject-button').click();
  await waitScreen(phone, 'rejected');
  await posStatus(pos, 'rejected');
});

test('revoking a consent says so', { timeout: 60_000 }, async () => {
  await home();
  const consents = await appApi(phone, 'GET', '/consents');
  if (!consents.body.consents?.some((c) => c.client_id === 'demo-pos')) return; // the first test gives it
  await phone.getByTestId('consents-link').click();
  await waitScreen(phone, 'consents');
  await phone.getByTestId('consent-revoke').first().click();
  await phone.getByTestId('consent-revoke-confirm').click();
  await waitText(phone, 'toast-text', 'Consent revoked.');
  assert.doesNotMatch(await phone.getByTestId('toast').textContent(), /null/);
});

test('opened offline, the app says it cannot know whether logins are waiting', { timeout: 60_000 }, async () => {
  await startClean(phone);
  await home();
  // The service worker has the shell: the app opens without the network.
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await phone.context().setOffline(true);
  try {
    await phone.reload();
    await waitScreen(phone, 'home');
    await waitText(phone, 'stream-status', 'No network');
    await phone.getByTestId('unknown-state').waitFor();
    assert.equal(await phone.getByTestId('empty-state').isVisible(), false, 'no "No logins are waiting"');
    await screenshot(phone, 'home-offline');
  } finally {
    await phone.context().setOffline(false);
  }
  // Back online: it reconnects by itself and knows again.
  await streamUp(phone);
  await phone.getByTestId('empty-state').waitFor();
});
