// Screens the demo data cannot reach (delegated consents, a locked device, a login closed by
// push, a countdown running out) and the Norwegian texts. The app's static files come from the
// server under test; the App API answers are scripted with Playwright routes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPhone, waitScreen, waitText, screenshot, assertNoPageErrors } from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

const DELEGATED = {
  heading: { EN: 'Join Demo Club', NO: 'Bli med i Demo-klubben' },
  text: { EN: 'Members get offers before everyone else.', NO: 'Medlemmer får tilbud før alle andre.' },
  terms_url: 'https://merchant.example/terms',
  privacy_url: 'https://merchant.example/privacy',
  consents: [
    { id: 'email', required: true, text: { EN: 'Receive offers via email', NO: 'Motta tilbud på e-post' }, previous_answer: null },
    { id: 'sms', required: false, text: { EN: 'Receive offers via SMS', NO: 'Motta tilbud på SMS' }, previous_answer: true },
    { id: 'members-magazine', required: false, text: { EN: 'Receive the member magazine', NO: 'Motta medlemsbladet' }, previous_answer: false },
  ],
};

function loginRequest(overrides = {}) {
  const now = Date.now();
  return {
    id: 'req-1',
    client_id: 'club',
    merchant: { name: 'Demo Club', logo_url: null },
    scopes: [{ scope: 'name', label: { EN: 'Name', NO: 'Navn' } },
      { scope: 'delegatedConsents', label: { EN: 'Consents', NO: 'Samtykker' } }],
    binding_message: 'CLUB-7',
    needs_consent: false,
    flow: 'in_app',
    delegated_consents: null,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + 300_000).toISOString(),
    expires_in: 300,
    ...overrides,
  };
}

const sse = (...events) => events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');

/**
 * A phone whose App API is scripted: `api.list` is what GET /login-requests returns,
 * `api.events` a list of SSE bodies (one per connection, each may be a promise; after the
 * last, empty streams), `api.approve(body)` the approve answer [status, json]. Records calls.
 */
async function scriptedPhone(api, { locale = 'en-GB', token = 'scripted-token' } = {}) {
  const phone = await openPhone(browser, { locale, serviceWorkers: 'block' });
  if (token) await phone.context().addInitScript((t) => localStorage.setItem('phonelogin.device_token', t), token);
  api.calls = [];
  let connection = 0;
  await phone.route('**/app-api/v1/**', async (route) => {
    const req = route.request();
    const path = new URL(req.url()).pathname.replace('/app-api/v1', '');
    const body = req.postData() ? JSON.parse(req.postData()) : undefined;
    api.calls.push({ method: req.method(), path, body, auth: req.headers().authorization });
    const json = (status, data) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(data) });
    if (path === '/me') return json(200, { phone_number: '4790000000', given_name: 'Kari', family_name: 'Nordmann', device_name: 'Test' });
    if (path === '/login-requests') return json(200, { login_requests: api.list || [] });
    if (path === '/events') {
      const next = (api.events || [])[connection++];
      const text = next ? await next : '';
      return route.fulfill({ status: 200, contentType: 'text/event-stream', body: text });
    }
    if (path === '/consents') return json(200, { consents: [] });
    const m = path.match(/^\/login-requests\/([^/]+)(\/approve|\/reject)?$/);
    if (m && m[2] === '/approve') return json(...api.approve(body));
    if (m && m[2] === '/reject') return json(200, { result: 'rejected' });
    if (m) return json(200, (api.list || []).find((r) => r.id === m[1]) || {});
    return json(404, { error: 'not_found' });
  });
  await phone.goto('/app/');
  return phone;
}

test('delegated consents: pre-ticked answers, required ones gate the button, links, answers sent', { timeout: 60_000 }, async () => {
  const api = {
    list: [loginRequest({ delegated_consents: DELEGATED })],
    approve: () => [200, { result: 'completed' }],
  };
  const phone = await scriptedPhone(api);
  await waitScreen(phone, 'home');
  await waitText(phone, 'home-greeting', 'Kari');
  await phone.getByTestId('request-item').click();
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'CLUB-7');
  await phone.getByTestId('confirm-button').click();

  // needs_consent is false: the delegated consents screen comes straight after confirm.
  await waitScreen(phone, 'delegated');
  await waitText(phone, 'delegated-heading', 'Join Demo Club');
  await waitText(phone, 'delegated-text', 'Members get offers');
  const box = (id) => phone.locator(`[data-testid="delegated-checkbox"][data-id="${id}"]`);
  assert.equal(await box('email').isChecked(), false, 'email: no previous answer');
  assert.equal(await box('sms').isChecked(), true, 'sms: previously accepted');
  assert.equal(await box('members-magazine').isChecked(), false, 'magazine: previously declined');
  assert.equal(await phone.getByTestId('delegated-confirm').isDisabled(), true, 'disabled until email is ticked');
  await waitText(phone, 'delegated-bottom', "By confirming you accept Demo Club’s terms and privacy statement");
  assert.equal(await phone.getByTestId('terms-link').getAttribute('href'), DELEGATED.terms_url);
  assert.equal(await phone.getByTestId('privacy-link').getAttribute('href'), DELEGATED.privacy_url);
  await screenshot(phone, 'delegated-consents');

  await box('email').check();
  assert.equal(await phone.getByTestId('delegated-confirm').isEnabled(), true);
  await box('sms').uncheck();
  assert.equal(await phone.getByTestId('delegated-confirm').isEnabled(), true, 'sms is optional');
  await screenshot(phone, 'delegated-consents-ticked');
  await phone.getByTestId('delegated-confirm').click();

  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill('1234');
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  const approve = api.calls.find((c) => c.path === '/login-requests/req-1/approve');
  assert.deepEqual(approve.body, {
    pin: '1234', consent: false, delegated_consents: { email: true, sms: false, 'members-magazine': false }, language: 'EN',
  });
  assert.equal(approve.auth, 'Bearer scripted-token');
  assertNoPageErrors([phone], assert);
  await phone.context().close();
});

test('device_locked after a wrong PIN shows the locked screen; "set up again" goes to enrollment', { timeout: 60_000 }, async () => {
  const api = {
    list: [loginRequest({ needs_consent: true })],
    approve: () => [423, { error: 'device_locked', error_description: 'locked' }],
  };
  const phone = await scriptedPhone(api);
  await phone.getByTestId('request-item').click();
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'consent');
  await waitText(phone, 'consent-question', /Share name and consents with Demo Club\?/i);
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill('0000');
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'locked');
  await screenshot(phone, 'locked');
  const approve = api.calls.find((c) => c.path.endsWith('/approve'));
  assert.equal(approve.body.consent, true, 'consent given on the consent screen is sent');
  assert.deepEqual(approve.body.delegated_consents, {});
  await phone.getByTestId('set-up-again').click();
  await waitScreen(phone, 'enroll-phone');
  assert.equal(await phone.evaluate(() => localStorage.getItem('phonelogin.device_token')), null);
  await phone.context().close();
});

test('a login pushed to the phone opens at once; login_request_closed then shows "this login has ended"', { timeout: 60_000 }, async () => {
  let closeIt;
  const closed = new Promise((resolve) => { closeIt = resolve; });
  const view = loginRequest({ id: 'req-push', binding_message: 'PUSH-1', scopes: [] });
  const api = {
    list: [],
    events: [sse(['login_request', view]), closed.then(() => sse(['login_request_closed', { id: 'req-push', reason: 'expired' }]))],
    approve: () => [409, { error: 'request_closed' }],
  };
  const phone = await scriptedPhone(api);
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'PUSH-1');
  await waitText(phone, 'scope-list', 'Only to confirm that it is you');
  closeIt();
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'This login has ended');
  await waitText(phone, 'screen-closed', 'The time ran out');
  await screenshot(phone, 'closed');
  assertNoPageErrors([phone], assert);
  await phone.context().close();
});

test('approving a login that has meanwhile ended shows "this login has ended"', { timeout: 60_000 }, async () => {
  const api = { list: [loginRequest({ id: 'req-gone' })], approve: () => [409, { error: 'request_closed', error_description: 'closed' }] };
  const phone = await scriptedPhone(api);
  await phone.getByTestId('request-item').click();
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill('1234');
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'closed');
  await waitText(phone, 'screen-closed', 'This login has ended');
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  await phone.context().close();
});

test('the countdown runs out: the login shows as expired and cannot be confirmed', { timeout: 60_000 }, async () => {
  const view = loginRequest({ id: 'req-short', expires_in: 2, binding_message: null });
  const api = { list: [], events: [sse(['login_request', view])], approve: () => [409, { error: 'request_closed' }] };
  const phone = await scriptedPhone(api);
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'countdown', 'This login has expired');
  await phone.getByTestId('confirm-button').waitFor({ state: 'hidden' });
  await screenshot(phone, 'confirm-expired');
  await phone.context().close();
});

test('Norwegian follows the browser language, and the switch changes it', { timeout: 60_000 }, async () => {
  const phone = await scriptedPhone({}, { locale: 'nb-NO', token: null });
  await waitScreen(phone, 'enroll-phone');
  await waitText(phone, 'screen-enroll-phone', 'Sett opp phonelogin');
  await waitText(phone, 'lang-switch', 'English');
  await screenshot(phone, 'enroll-phone-no');
  await phone.getByTestId('lang-switch').click();
  await waitText(phone, 'screen-enroll-phone', 'Set up phonelogin');
  await waitText(phone, 'lang-switch', 'Norsk');
  await phone.context().close();

  const api = { list: [loginRequest({ needs_consent: true })], approve: () => [200, { result: 'completed' }] };
  const no = await scriptedPhone(api, { locale: 'nb-NO' });
  await waitText(no, 'home-greeting', 'Hei, Kari');
  await no.getByTestId('request-item').click();
  await waitText(no, 'screen-confirm', 'Logge inn hos Demo Club?');
  await waitText(no, 'scope-list', 'Navn');
  await screenshot(no, 'confirm-no');
  await no.getByTestId('confirm-button').click();
  await waitText(no, 'consent-question', 'Dele navn og samtykker med Demo Club?');
  await screenshot(no, 'consent-no');
  assertNoPageErrors([no], assert);
  await no.context().close();
});

test('installable: manifest, icons, a service worker scoped to /app/ that serves the shell offline', { timeout: 60_000 }, async () => {
  const phone = await openPhone(browser);
  await phone.goto('/app/');
  await waitScreen(phone, 'enroll-phone');
  const href = await phone.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await phone.evaluate(async (url) => (await fetch(url)).json(), href);
  assert.equal(manifest.name, 'phonelogin');
  assert.equal(manifest.start_url, '/app/');
  assert.equal(manifest.display, 'standalone');
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
    assert.ok(icon, `a ${size} PNG icon`);
    const res = await phone.request.get(icon.src);
    assert.equal(res.status(), 200, `${icon.src} is served`);
    assert.match(res.headers()['content-type'], /^image\/png/);
  }
  const sw = await phone.evaluate(async () => {
    const reg = await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker after 8 s')), 8000)),
    ]);
    return { scope: reg.scope, script: reg.active?.scriptURL };
  });
  assert.match(sw.scope, /\/app\/$/);
  assert.match(sw.script, /\/app\/sw\.js$/);

  // The app shell comes from the cache when the network is gone.
  await phone.context().setOffline(true);
  await phone.reload();
  await waitScreen(phone, 'enroll-phone');
  await phone.context().close();
});
