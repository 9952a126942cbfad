// Barbara: each screen is a browser-history entry (Back goes back one screen, not out of the
// app), a reload in the middle of a login returns to it, and an app opened offline says that it
// cannot know whether logins are waiting. Revoking a consent says so (no "null").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  phoneAndTill, freshHome, confirmWithPin, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, startClean, assertNoPageErrors, streamUp, USERS,
} from './helpers.mjs';

const user = USERS.barbara;
const PIN = '8642';
const ctx = phoneAndTill(user, PIN);

test('browser Back goes back one screen of a login, then home; the app is never left', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
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
  await confirmWithPin(phone, 'BCK-001', PIN);
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
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
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
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
  // A login that leaves a consent for the demo shop (asked now unless given before).
  await startLogin(pos, user, { binding: 'CNS-001' });
  await confirmWithPin(phone, 'CNS-001', PIN);
  await waitScreen(phone, 'complete');
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  await phone.getByTestId('consents-link').click();
  await waitScreen(phone, 'consents');
  await phone.getByTestId('consent-revoke').first().click();
  await phone.getByTestId('consent-revoke-confirm').click();
  await waitText(phone, 'toast-text', 'Consent revoked.');
  assert.doesNotMatch(await phone.getByTestId('toast').textContent(), /null/);
});

test('opened offline, the app says it cannot know whether logins are waiting', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
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
