// Kari (the test user of fixtures.json), all against the real server: the club-consents form
// from the POS, a login decided elsewhere (closed by push), five wrong PINs locking a phone,
// `request_closed` on approve, a countdown running out, the Norwegian texts; and the app's
// manifest, icons, service worker and offline shell.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, startLogin, posStatus, demoLogin, backchannel, waitScreen, waitText,
  screenshot, appApi, deviceToken, startClean, streamUp, blockEvents, unblockEvents, assertNoPageErrors, BASE, FIXTURES, USERS,
} from './helpers.mjs';

const user = USERS.kari;
const PIN = '4321'; // the first phone ("Web browser")
const PIN2 = '8080'; // a second phone of Kari's ("Android phone")
const PIN_NO = '1928'; // a third, in Norwegian ("iPhone")
const WRONG_PIN = '0000';
let browser;
let phone;
let phone2;
let pos;

before(async () => {
  // The App API does not tell whether a number has an account (spec §10); a merchant learns it.
  await backchannel(user).catch((e) => {
    throw new Error(`${user.phone} is not a user of the server under test (${e.message}): import `
      + 'tests/browser/fixtures.json into its database (`phonelogin import tests/browser/fixtures.json`) or use `run.mjs --server`');
  });
  browser = await launch();
  phone = await openPhone(browser);
  pos = await openPos(browser);
  await enroll(phone, user, PIN);
  await startClean(phone);
});

after(async () => {
  await browser?.close();
});

/** The home screen, freshly loaded, with the push stream connected. */
async function home(page) {
  await page.goto('/app/');
  await waitScreen(page, 'home');
  await streamUp(page);
}

let second = null;
/** Kari's second phone ("Android phone"), enrolled by the first test that needs it. */
const secondPhone = () => (second ??= (async () => {
  phone2 = await openPhone(browser, { device: 'android' });
  await enroll(phone2, user, PIN2);
})());

/** Confirms the open login, accepting the consent if it is asked: each test may run on its own. */
async function confirmToPin(page) {
  await page.getByTestId('confirm-button').click();
  await page.locator('[data-testid="screen-consent"], [data-testid="screen-pin"]').first().waitFor();
  if (await page.getByTestId('main').getAttribute('data-screen') === 'consent') await page.getByTestId('consent-accept').click();
  await waitScreen(page, 'pin');
}

const box = (page, id) => page.locator(`[data-testid="delegated-checkbox"][data-id="${id}"]`);

test('club consents from the POS: the real form, a required tick gates confirming, the answers reach userinfo', { timeout: 90_000 }, async () => {
  const id = await startLogin(pos, user, { club: true, binding: 'CLUB-7' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'CLUB-7');
  await waitText(phone, 'scope-list', 'Marketing consents');
  const requestId = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'consent'); // startClean revoked the consent
  await waitText(phone, 'consent-question', 'Share name, email address, phone number, address, date of birth and marketing consents with Demo Store?');
  await phone.getByTestId('consent-accept').click();

  // The form as the demo client is configured: heading, text, three consents, the merchant's links.
  await waitScreen(phone, 'delegated');
  await waitText(phone, 'delegated-heading', 'Join Demo Store Club');
  await waitText(phone, 'delegated-text', 'Members get offers and bonus points.');
  assert.deepEqual(await phone.getByTestId('delegated-checkbox').evaluateAll((els) => els.map((e) => e.dataset.id)),
    ['email', 'sms', 'personal']);
  const items = phone.getByTestId('delegated-consent');
  assert.match(await items.nth(0).textContent(), /Receive offers via email\s*Required/);
  assert.match(await items.nth(1).textContent(), /Receive offers via SMS\s*Optional/);
  assert.match(await items.nth(2).textContent(), /Get customized offers\s*Optional/);
  await waitText(phone, 'delegated-bottom', 'By confirming you accept Demo Store’s terms and privacy statement.');
  assert.equal(await phone.getByTestId('terms-link').getAttribute('href'), 'https://demo.example/terms');
  assert.equal(await phone.getByTestId('privacy-link').getAttribute('href'), 'https://demo.example/privacy');
  for (const c of ['email', 'sms', 'personal']) await box(phone, c).setChecked(false); // an earlier run's answers
  assert.equal(await phone.getByTestId('delegated-confirm').isDisabled(), true, 'the required email consent is unticked');
  await screenshot(phone, 'delegated-consents');

  // The server enforces it too: approving without the required consent is refused and changes nothing.
  const refused = await appApi(phone, 'POST', `/login-requests/${requestId}/approve`,
    { pin: PIN, consent: true, delegated_consents: { email: false, sms: true }, language: 'EN' });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, 'required_consent_missing');

  await box(phone, 'personal').check();
  assert.equal(await phone.getByTestId('delegated-confirm').isDisabled(), true, 'an optional tick is not enough');
  await box(phone, 'email').check();
  assert.equal(await phone.getByTestId('delegated-confirm').isEnabled(), true);
  await screenshot(phone, 'delegated-consents-ticked');
  await phone.getByTestId('delegated-confirm').click();

  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');

  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-name', user.name);
  await waitText(pos, 'pos-profile-consents', 'Receive offers via email ✓, Receive offers via SMS ✗, Get customized offers ✓');
  // The POS shows the userinfo answer; its delegatedConsents as in spec §5.
  const dc = (await demoLogin(id)).profile.delegatedConsents;
  assert.equal(dc.language, 'EN');
  assert.equal(dc.heading, 'Join Demo Store Club');
  assert.equal(dc.text, 'Members get offers and bonus points.');
  assert.equal(dc.links.termsLinkUrl, 'https://demo.example/terms');
  assert.equal(dc.links.privacyStatementLinkUrl, 'https://demo.example/privacy');
  assert.ok(Math.abs(Date.parse(dc.timeOfConsent) - Date.now()) < 60_000, `timeOfConsent ${dc.timeOfConsent} is now`);
  assert.deepEqual(dc.consents, [
    { id: 'email', accepted: true, required: true, textDisplayedToUser: 'Receive offers via email' },
    { id: 'sms', accepted: false, required: false, textDisplayedToUser: 'Receive offers via SMS' },
    { id: 'personal', accepted: true, required: false, textDisplayedToUser: 'Get customized offers' },
  ]);
  assertNoPageErrors([phone, pos], assert);
});

test('a login decided elsewhere ends the open confirm screen (login_request_closed by push)', { timeout: 90_000 }, async () => {
  await home(phone);
  await startLogin(pos, user, { binding: 'PUSH-1' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'PUSH-1');
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');

  // Approved through the App API with this phone's own device token, as another app would.
  const approved = await appApi(phone, 'POST', `/login-requests/${id}/approve`, { pin: PIN, consent: true });
  assert.equal(approved.status, 200);
  assert.deepEqual(approved.body, { result: 'completed' });
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'This login has ended');
  await waitText(phone, 'screen-closed', 'It was confirmed on another device.');
  await screenshot(phone, 'closed-approved');
  await posStatus(pos, 'approved');

  // A second phone of Kari's rejects the next login: the first phone's confirm screen ends too.
  await secondPhone();
  await startLogin(pos, user, { binding: 'PUSH-2' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'PUSH-2');
  await waitScreen(phone2, 'confirm');
  await waitText(phone2, 'binding-message', 'PUSH-2');
  await phone2.getByTestId('reject-button').click();
  await waitScreen(phone2, 'rejected');
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'It was rejected.');
  await posStatus(pos, 'rejected');
  assertNoPageErrors([phone, phone2, pos], assert);
});

test('five wrong PINs on the real server lock the phone: the locked screen, then "set up again"', { timeout: 90_000 }, async () => {
  await secondPhone();
  await home(phone);
  await home(phone2);
  await startLogin(pos, user, { binding: 'LOCK-1' });
  await waitScreen(phone2, 'confirm');
  const id = await phone2.getByTestId('screen-confirm').getAttribute('data-id');
  const lockedToken = await deviceToken(phone2); // the app forgets it once locked
  await confirmToPin(phone2);

  for (const message of ['4 attempts left', '3 attempts left', '2 attempts left', '1 attempt left']) {
    await phone2.getByTestId('pin-input').fill(WRONG_PIN);
    await phone2.getByTestId('pin-submit').click();
    // The last attempt says what one more wrong PIN does.
    await waitText(phone2, 'pin-error', message === '1 attempt left'
      ? 'Wrong PIN. 1 attempt left: one more wrong PIN locks this phone, and it must then be set up again.'
      : `Wrong PIN. ${message}.`);
  }
  await phone2.getByTestId('pin-input').fill(WRONG_PIN);
  await phone2.getByTestId('pin-submit').click();
  await waitScreen(phone2, 'locked');
  await waitText(phone2, 'screen-locked', 'This phone is locked');
  await screenshot(phone2, 'locked');

  // Locked for the server: even the right PIN is refused. Only this phone: the first one still decides.
  const res = await fetch(`${BASE}/app-api/v1/login-requests/${id}/approve`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${lockedToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ pin: PIN2, consent: true }),
  });
  const retry = { status: res.status, body: await res.json() };
  assert.equal(retry.status, 401);
  assert.equal(retry.body.error, 'device_locked');
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'LOCK-1');
  await phone.getByTestId('reject-button').click();
  await waitScreen(phone, 'rejected');
  await posStatus(pos, 'rejected');

  // "Set up again" forgets the token and starts the enrollment: the phone enrolls as a new
  // device (the locked one stays locked), under a name that does not replace another device.
  await phone2.getByTestId('set-up-again').click();
  await waitScreen(phone2, 'enroll-phone');
  assert.equal(await phone2.evaluate(() => localStorage.getItem('phonelogin.device_token')), null);
  await enroll(phone2, user, PIN2);
  const me = await appApi(phone2, 'GET', '/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.device_name, 'Android phone (2)');
  assertNoPageErrors([phone, phone2, pos], assert);
  await phone2.context().close();
});

test('approving a login that has meanwhile ended: request_closed shows "this login has ended"', { timeout: 90_000 }, async () => {
  // No push, so that only the approve answer can tell the app.
  await blockEvents(phone);
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await phone.locator('[data-testid="stream-status"][data-up="false"]').waitFor();
  await startLogin(pos, user, { binding: 'LATE-1' });
  await phone.getByTestId('refresh').click();
  await phone.getByTestId('request-item').filter({ hasText: 'LATE-1' }).click();
  await waitScreen(phone, 'confirm');
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  await confirmToPin(phone);

  const approved = await appApi(phone, 'POST', `/login-requests/${id}/approve`, { pin: PIN, consent: true });
  assert.equal(approved.status, 200);
  await phone.getByTestId('pin-input').fill(PIN);
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'This login has ended');
  await waitText(phone, 'screen-closed', 'It can no longer be confirmed.');
  await posStatus(pos, 'approved');
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  assertNoPageErrors([phone, pos], assert);
});

test('the countdown runs out: the login shows as expired and cannot be confirmed; with the push the server ends it', { timeout: 90_000 }, async () => {
  // The demo POS cannot ask for a short expiry; the test client of fixtures.json asks for 4 s.
  // The push is cut: the login comes from the list, the countdown ends it.
  await blockEvents(phone);
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  const client = FIXTURES.clients[0];
  const started = await backchannel(user, { requested_expiry: '4', binding_message: 'QUICK-1' });
  assert.equal(started.expires_in, 4);
  await phone.getByTestId('refresh').click();
  await phone.getByTestId('request-item').filter({ hasText: 'QUICK-1' }).click();
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'merchant-name', client.name);
  const id = await phone.getByTestId('screen-confirm').getAttribute('data-id');
  await waitText(phone, 'countdown', 'This login has expired');
  await phone.getByTestId('confirm-button').waitFor({ state: 'hidden' });
  await phone.getByTestId('reject-button').waitFor({ state: 'hidden' });
  await screenshot(phone, 'confirm-expired');

  // The server agrees: approving is refused, the merchant's poll gets expired_token.
  const late = await appApi(phone, 'POST', `/login-requests/${id}/approve`, { pin: PIN, consent: true });
  assert.equal(late.status, 409);
  assert.equal(late.body.error, 'request_closed');
  const poll = await fetch(`${BASE}/access-management-1.0/access/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: started.auth_req_id }),
  });
  assert.equal(poll.status, 400);
  assert.equal((await poll.json()).error, 'expired_token');
  await phone.getByTestId('expired-back').click();
  await waitScreen(phone, 'home');
  assert.equal(await phone.getByTestId('request-item').filter({ hasText: 'QUICK-1' }).count(), 0);

  // With the push stream up, the server's login_request_closed ("expired") ends the screen.
  await unblockEvents(phone);
  await home(phone);
  await backchannel(user, { requested_expiry: '4', binding_message: 'QUICK-2' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'QUICK-2');
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'The time ran out.');
  assertNoPageErrors([phone], assert);
});

test('Norwegian follows the browser language and the switch changes it; a club login in Norwegian', { timeout: 90_000 }, async () => {
  const no = await openPhone(browser, { locale: 'nb-NO', device: 'iphone' });
  await no.goto('/app/');
  await waitScreen(no, 'enroll-phone');
  await waitText(no, 'screen-enroll-phone', 'Sett opp phonelogin');
  await waitText(no, 'lang-switch', 'English');
  await screenshot(no, 'enroll-phone-no');
  await no.getByTestId('lang-switch').click();
  await waitText(no, 'screen-enroll-phone', 'Set up phonelogin');
  await waitText(no, 'lang-switch', 'Norsk');
  await no.getByTestId('lang-switch').click();
  await waitText(no, 'screen-enroll-phone', 'Sett opp phonelogin');

  await enroll(no, USERS.kariNo, PIN_NO);
  await waitText(no, 'home-greeting', 'Hei, Kari');
  await appApi(no, 'DELETE', '/consents/demo-pos'); // so that the consent question comes again
  const id = await startLogin(pos, USERS.kariNo, { club: true, binding: 'NORSK-1' });
  await waitScreen(no, 'confirm');
  await waitText(no, 'screen-confirm', 'Logge inn hos Demo Store?');
  await waitText(no, 'scope-list', 'Markedsføringssamtykker');
  await screenshot(no, 'confirm-no');
  await no.getByTestId('confirm-button').click();
  await waitText(no, 'consent-question',
    'Dele navn, e-postadresse, telefonnummer, adresse, fødselsdato og markedsføringssamtykker med Demo Store?');
  await screenshot(no, 'consent-no');
  await no.getByTestId('consent-accept').click();

  await waitScreen(no, 'delegated');
  await waitText(no, 'delegated-heading', 'Bli medlem i Demo Store-klubben');
  await waitText(no, 'delegated-text', 'Medlemmer får tilbud og bonuspoeng.');
  assert.match(await no.getByTestId('delegated-consent').nth(0).textContent(), /Motta tilbud på e-post\s*Påkrevd/);
  await waitText(no, 'delegated-bottom', 'Ved å bekrefte godtar du Demo Store sine vilkår og personvernerklæring.');
  await box(no, 'email').check();
  await box(no, 'sms').setChecked(false);
  await box(no, 'personal').check();
  await screenshot(no, 'delegated-consents-no');
  await no.getByTestId('delegated-confirm').click();
  await waitScreen(no, 'pin');
  await no.getByTestId('pin-input').fill(PIN_NO);
  await no.getByTestId('pin-submit').click();
  await waitText(no, 'screen-complete', 'Innlogging fullført');

  // The answers are reported in the language the form was shown in.
  await posStatus(pos, 'approved');
  const dc = (await demoLogin(id)).profile.delegatedConsents;
  assert.equal(dc.language, 'NO');
  assert.equal(dc.heading, 'Bli medlem i Demo Store-klubben');
  assert.deepEqual(dc.consents.map((c) => [c.id, c.accepted, c.textDisplayedToUser]), [
    ['email', true, 'Motta tilbud på e-post'],
    ['sms', false, 'Motta tilbud på SMS'],
    ['personal', true, 'Få tilpassede tilbud'],
  ]);
  assertNoPageErrors([no, pos], assert);
  await no.context().close();
});

test('installable: manifest, icons, a service worker scoped to /app/ that serves the shell offline', { timeout: 60_000 }, async () => {
  const page = await openPhone(browser);
  await page.goto('/app/');
  await waitScreen(page, 'enroll-phone');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), href);
  assert.equal(manifest.name, 'phonelogin');
  assert.equal(manifest.start_url, '/app/');
  assert.equal(manifest.display, 'standalone');
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
    assert.ok(icon, `a ${size} PNG icon`);
    const res = await page.request.get(icon.src);
    assert.equal(res.status(), 200, `${icon.src} is served`);
    assert.match(res.headers()['content-type'], /^image\/png/);
  }
  const sw = await page.evaluate(async () => {
    const reg = await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker after 8 s')), 8000)),
    ]);
    return { scope: reg.scope, script: reg.active?.scriptURL };
  });
  assert.match(sw.scope, /\/app\/$/);
  assert.match(sw.script, /\/app\/sw\.js$/);

  // The app shell comes from the cache when the network is gone.
  await page.context().setOffline(true);
  await page.reload();
  await waitScreen(page, 'enroll-phone');
  await page.context().close();
});
