// Happy path (Ada): the POS starts a login with a binding message, the phone gets it by push,
// shows the code, asks for consent and the PIN, ends with "Login complete"; the POS gets the
// profile. Then the "continue on web page" flow opens the merchant's page in the browser, and the
// club consents (delegated consents) reach the POS as userinfo's delegatedConsents.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, demoLogin, waitScreen, waitText, screenshot,
  markNoReload, assertNotReloaded, assertNoPageErrors, homeClean, streamUp, USERS, WAIT,
} from './helpers.mjs';

const user = USERS.ada;
const PIN = '2580';
let browser;
let phone;
let pos;

before(async () => {
  browser = await launch();
  phone = await openPhone(browser);
  pos = await openPos(browser);
});

after(async () => {
  await browser?.close();
});

let enrollment = null;
/** The phone is enrolled by the first test that runs: each test also runs on its own. */
const enrolled = (options) => (enrollment ??= enroll(phone, user, PIN, options));

test('enrollment through the app screens ends on the home screen', { timeout: 60_000 }, async () => {
  await enrolled({ shots: true });
  await homeClean(phone);
  await phone.getByTestId('empty-state').waitFor();
  await screenshot(phone, 'home-empty');
  await screenshot(pos, 'pos-start');
});

test('login with binding message: push, consent, PIN, complete; POS gets the profile', { timeout: 90_000 }, async () => {
  await enrolled();
  await homeClean(phone);
  await markNoReload(phone);
  await startLogin(pos, user, { binding: 'AB-123' });
  await screenshot(pos, 'pos-waiting');

  // The push: the confirm screen opens by itself, without a reload.
  await waitScreen(phone, 'confirm');
  await assertNotReloaded(phone, assert);
  await waitText(phone, 'binding-message', 'AB-123');
  await waitText(phone, 'merchant-name', 'Demo Store');
  const scopes = await phone.getByTestId('scope-list').innerText();
  for (const label of ['Name', 'Email address', 'Phone number', 'Address']) {
    assert.match(scopes, new RegExp(label, 'i'), `scope list shows ${label}`);
  }
  await waitText(phone, 'countdown', /\d+:\d\d/);
  await screenshot(phone, 'confirm');

  // Leaving to the home screen lists it as pending; opening it again shows the same request.
  await phone.getByTestId('back').click();
  await waitScreen(phone, 'home');
  await waitText(phone, 'request-item', 'AB-123');
  await screenshot(phone, 'home-pending');
  await phone.getByTestId('request-item').first().click();
  await waitScreen(phone, 'confirm');

  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'consent');
  await waitText(phone, 'consent-question', 'Demo Store');
  await screenshot(phone, 'consent');
  await phone.getByTestId('consent-accept').click();

  await waitScreen(phone, 'pin');
  await screenshot(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();

  await waitScreen(phone, 'complete');
  await waitText(phone, 'screen-complete', 'Login complete');
  await screenshot(phone, 'complete');

  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  await screenshot(pos, 'pos-approved');
  assertNoPageErrors([phone, pos], assert);
});

test('"continue on web page": after the PIN the browser opens the merchant page', { timeout: 90_000 }, async () => {
  await enrolled();
  await homeClean(phone);
  await startLogin(pos, user, { flow: 'webpage' });

  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  // Each test starts without the consent: consent, then the PIN.
  await waitScreen(phone, 'consent');
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await Promise.all([
    phone.waitForURL((url) => url.pathname.startsWith('/demo/welcome') && url.searchParams.has('code'), { timeout: WAIT }),
    phone.getByTestId('pin-submit').click(),
  ]);
  // The merchant's page exchanges the code and greets the user; the POS learns it too.
  await waitText(phone, 'welcome-name', user.given);
  await screenshot(phone, 'merchant-welcome');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  assertNoPageErrors([phone, pos], assert);
});

test('club consents (delegated consents): required ones must be ticked; the POS gets the answers', { timeout: 90_000 }, async () => {
  await enrolled();
  await homeClean(phone);
  const id = await startLogin(pos, user, { club: true });

  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  // Marketing consents are a new scope for this merchant: consent first, then the form.
  await waitScreen(phone, 'consent');
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'delegated');
  await waitText(phone, 'delegated-heading', /club/i);
  await waitText(phone, 'delegated-bottom', 'By confirming you accept Demo Store’s terms and privacy statement');
  const boxes = phone.getByTestId('delegated-checkbox');
  assert.ok(await boxes.count() >= 2, 'several consents are offered');
  const email = phone.locator('[data-testid="delegated-checkbox"][data-id="email"]');
  const sms = phone.locator('[data-testid="delegated-checkbox"][data-id="sms"]');
  const personal = phone.locator('[data-testid="delegated-checkbox"][data-id="personal"]');
  for (const box of [email, sms, personal]) await box.setChecked(false); // an earlier run may have ticked them
  assert.equal(await phone.getByTestId('delegated-confirm').isDisabled(), true, 'a required consent is unticked');
  await screenshot(phone, 'delegated-consents-demo');
  await sms.check();
  assert.equal(await phone.getByTestId('delegated-confirm').isDisabled(), true, 'the required one is still unticked');
  await email.check();
  assert.equal(await phone.getByTestId('delegated-confirm').isEnabled(), true);
  await phone.getByTestId('delegated-confirm').click();

  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-consents', /email ✓/i);
  await waitText(pos, 'pos-profile-consents', /sms ✓/i);
  await waitText(pos, 'pos-profile-consents', /customized offers ✗/i);
  await screenshot(pos, 'pos-approved-club');
  // What the POS shows is the userinfo answer: delegatedConsents.consents with the ticks.
  const { profile } = await demoLogin(id);
  assert.equal(profile.name, user.name);
  assert.deepEqual(profile.delegatedConsents.consents.map((c) => [c.id, c.required, c.accepted]),
    [['email', true, true], ['sms', false, true], ['personal', false, false]]);

  // Next time the form comes pre-ticked with those answers; cancelling there rejects the login.
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { club: true });
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'delegated');
  assert.equal(await email.isChecked(), true, 'email pre-ticked from the previous answer');
  assert.equal(await sms.isChecked(), true, 'sms pre-ticked from the previous answer');
  assert.equal(await personal.isChecked(), false, 'personal: declined last time');
  await phone.getByTestId('delegated-cancel').click();
  await waitScreen(phone, 'rejected');
  await posStatus(pos, 'rejected');
  assertNoPageErrors([phone, pos], assert);
});
