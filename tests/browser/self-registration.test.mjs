// A number without an account (serve --self-registration, PRODUCT §13): the app asks for the
// new user's name (and optionally email and birth date) between the code and the PIN, and the
// new user then logs in at the POS like any other. A fresh number each run, so it reruns.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, startLogin, waitScreen, waitText, screenshot, streamUp, assertNoPageErrors, WAIT,
} from './helpers.mjs';

const phone = `4795${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
const PIN = '1357';
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('a new number enrolls with a name and then logs in at the POS', async () => {
  const page = await openPhone(browser);
  const pos = await openPos(browser);
  await page.goto('/app/');
  await waitScreen(page, 'enroll-phone');
  await page.getByTestId('enroll-phone').fill(phone);
  await page.getByTestId('enroll-phone-submit').click();
  await waitScreen(page, 'enroll-code');
  // --dev shows the SMS code on the screen.
  const hint = page.getByTestId('dev-code');
  await hint.filter({ hasText: /\d{6}/ }).waitFor({ timeout: WAIT });
  const code = (await hint.textContent()).match(/\d{6}/)[0];
  await page.getByTestId('enroll-code').fill(code);
  await page.getByTestId('enroll-code-submit').click();

  await waitScreen(page, 'enroll-profile');
  await page.getByTestId('enroll-profile-submit').click();
  await waitText(page, 'enroll-error', 'first name');
  await page.getByTestId('enroll-given-name').fill('Grace');
  await page.getByTestId('enroll-family-name').fill('Hopper');
  await page.getByTestId('enroll-email').fill('grace@example.com');
  await page.getByTestId('enroll-birthdate').fill('1906-12-09');
  await screenshot(page, 'enroll-profile');
  await page.getByTestId('enroll-profile-submit').click();

  await waitScreen(page, 'enroll-pin');
  await page.getByTestId('enroll-pin').fill(PIN);
  await page.getByTestId('enroll-pin-repeat').fill(PIN);
  await page.getByTestId('enroll-pin-submit').click();
  // Notifications: "Not now" (push.test.mjs covers allowing them).
  await waitScreen(page, 'push-permission');
  await page.getByTestId('push-later').click();
  await page.getByTestId('push-continue').click();
  await waitScreen(page, 'home');
  await waitText(page, 'home-greeting', 'Grace');
  await streamUp(page);

  await startLogin(pos, { phone });
  await waitScreen(page, 'confirm');
  assert.ok(await page.getByTestId('confirm-button').isVisible(), 'the new user is asked to confirm the login');
  assertNoPageErrors([page], assert);
});
