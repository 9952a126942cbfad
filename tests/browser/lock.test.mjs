// Edsger: the last PIN attempt says that the phone will then lock; when it locks on a login,
// the till is told at once (the login ends) instead of waiting without a word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  phoneAndTill, freshHome, startLogin, posStatus, waitScreen, waitText, screenshot,
  startClean, assertNoPageErrors, USERS,
} from './helpers.mjs';

const user = USERS.edsger;
const PIN = '1357';
const WRONG_PIN = '9999';
const ctx = phoneAndTill(user, PIN);

test('"1 attempt left" says the phone will lock; the lock ends the login and the till says so', { timeout: 90_000 }, async () => {
  const { phone, pos } = ctx;
  await startLogin(pos, user, { binding: 'PIN-404' });
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  if (await phone.getByTestId('screen-consent').isVisible()) await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  for (const left of [4, 3, 2]) {
    await phone.getByTestId('pin-input').fill(WRONG_PIN);
    await phone.getByTestId('pin-submit').click();
    await waitText(phone, 'pin-error', `Wrong PIN. ${left} attempts left.`);
  }
  await phone.getByTestId('pin-input').fill(WRONG_PIN);
  await phone.getByTestId('pin-submit').click();
  const last = await waitText(phone, 'pin-error', '1 attempt left');
  assert.match(await last.textContent(), /one more wrong PIN locks this phone, and it must then be set up again/);
  await screenshot(phone, 'pin-last-attempt');

  await phone.getByTestId('pin-input').fill(WRONG_PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'locked');
  // Edsger has no other phone: the till hears it at once.
  await posStatus(pos, 'rejected');
  await waitText(pos, 'pos-status-text', 'locked after too many wrong PINs');
  await screenshot(pos, 'pos-after-lock');
  assertNoPageErrors([phone, pos], assert);
});
