// Nora: Web Push on the phone (spec §11). The permission screen after enrollment and what the
// app says when notifications are refused; a push delivered to the service worker through the
// DevTools protocol (ServiceWorker.deliverPushMessage) shows the merchant's name, one
// notification per request (tag), and a tap opens that request. Opening the app with exactly
// one waiting login opens it; with several, home lists the newest first.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPhone, openPos, enroll, waitScreen, waitText, screenshot, appApi, startClean, backchannel,
  blockEvents, assertNoPageErrors, streamUp, startLogin, posStatus, BASE, USERS, WAIT,
} from './helpers.mjs';

const user = USERS.nora;
const PIN = '2468';
let browser;
let phone;
let worker;
let cdp;
let registrationId;

before(async () => {
  browser = await launch();
  phone = await openPhone(browser);
  await enroll(phone, user, PIN, { push: true });
  await startClean(phone);
  worker = phone.context().serviceWorkers()[0] || await phone.context().waitForEvent('serviceworker');
  cdp = await phone.context().newCDPSession(phone);
  const registered = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL.endsWith('/app/') && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  registrationId = await registered;
});

after(async () => {
  await browser?.close();
});

/** What the server's push would carry, delivered to the service worker as the push service would. */
async function deliverPush(payload) {
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: BASE, registrationId, data: JSON.stringify(payload) });
}

async function notifications() {
  return worker.evaluate(async () => (await self.registration.getNotifications())
    .map((n) => ({ title: n.title, tag: n.tag, body: n.body, data: n.data })));
}

async function waitNotifications(count) {
  const until = Date.now() + WAIT;
  for (;;) {
    const list = await notifications();
    if (list.length >= count || Date.now() > until) return list;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function clearNotifications() {
  await worker.evaluate(async () => (await self.registration.getNotifications()).forEach((n) => n.close()));
}

/** A login from the fixtures' client ("Quick Shop"); resolves to the request id the app sees. */
async function waitingLogin() {
  const ids = async () => (await appApi(phone, 'GET', '/login-requests')).body.login_requests.map((r) => r.id);
  const known = new Set(await ids());
  await backchannel(user);
  return (await ids()).find((id) => !known.has(id));
}

test('refusing notifications says that logins then show only while the app is open', async () => {
  // A second phone of Nora's whose browser says no.
  const other = await openPhone(browser, { device: 'android' });
  await enroll(other, user, PIN, { push: 'ask' });
  await screenshot(other, 'push-permission');
  await other.getByTestId('push-allow').click();
  await waitScreen(other, 'push-refused');
  await waitText(other, 'push-refused-text', /only while this app is open/);
  await screenshot(other, 'push-refused');
  await other.getByTestId('push-continue').click();
  await waitScreen(other, 'home');
  await other.context().close();
});

test('a push shows the merchant as the title, one notification per request, and a tap opens it', async () => {
  await startClean(phone);
  await clearNotifications();
  await blockEvents(phone); // only the push tells the phone
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  const first = await waitingLogin();
  const second = await waitingLogin();
  const push = (id) => ({ type: 'login_request', request_id: id, merchant: 'Quick Shop', expires_at: 0 });
  await deliverPush(push(first));
  assert.equal((await waitNotifications(1)).length, 1);
  await deliverPush(push(second));
  const two = await waitNotifications(2);
  assert.equal(two.length, 2, JSON.stringify(two));
  await deliverPush(push(first)); // the same request again replaces its notification
  await new Promise((r) => setTimeout(r, 300));
  const shown = await waitNotifications(2);
  assert.deepEqual(shown.map((n) => n.title), ['Quick Shop', 'Quick Shop']);
  assert.deepEqual(shown.map((n) => n.tag).sort(), [`login-${first}`, `login-${second}`].sort());
  const target = shown.find((n) => n.tag === `login-${second}`).data;
  assert.equal(target.url, `/app/#request=${second}`);

  // The tap: the service worker's notificationclick tells the open app, which opens that request.
  await worker.evaluate(async (tag) => {
    const [n] = await self.registration.getNotifications({ tag });
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  }, `login-${second}`);
  await waitScreen(phone, 'confirm');
  assert.equal(await phone.getByTestId('main').getAttribute('data-screen'), 'confirm');
  const opened = await phone.evaluate(() => document.querySelector('[data-testid="screen-confirm"]')?.textContent || '');
  assert.match(opened, /Quick Shop/);
  assert.equal((await notifications()).some((n) => n.tag === `login-${second}`), false, 'the tapped one is closed');
  await screenshot(phone, 'push-opened');
});

test('opening the app with one waiting login opens it; with several, the newest comes first', async () => {
  await startClean(phone);
  await blockEvents(phone);
  const only = await waitingLogin();
  await phone.goto('/app/');
  await waitScreen(phone, 'confirm');
  const { body } = await appApi(phone, 'GET', `/login-requests/${only}`);
  assert.equal(body.id, only);

  // Times are whole seconds: let the second login start in a later one.
  await new Promise((r) => setTimeout(r, 1100));
  const newest = await waitingLogin();
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  const items = phone.getByTestId('request-item');
  await items.nth(1).waitFor();
  assert.equal(await items.count(), 2);
  assert.equal(await items.first().getAttribute('data-id'), newest, 'newest first');
});

test('the till shows the result as the phone completes (CIBA ping)', async () => {
  const pos = await openPos(browser);
  await phone.unroute('**/app-api/v1/events');
  await startClean(phone);
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user);
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await phone.getByTestId('consent-accept').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  const [approved] = await Promise.all([
    phone.waitForResponse((r) => /\/approve$/.test(new URL(r.url()).pathname)),
    phone.getByTestId('pin-submit').click(),
  ]);
  const phoneDone = Date.now();
  assert.equal(approved.status(), 200);
  await posStatus(pos, 'approved');
  const lag = Date.now() - phoneDone;
  console.log(`# the till showed "approved" ${lag} ms after the phone's approval answer`);
  // The ping brings it in well under the 5 s polling interval (the target is 100 ms; timing on
  // a shared test machine is measured here, not asserted tightly).
  assert.ok(lag < 2000, `${lag} ms`);
  assertNoPageErrors([pos], assert);
});

test('no page errors', () => {
  // Playwright's contexts are incognito, where Chromium has no push service: subscribing fails
  // (and says so); the app goes on without it, and the pushes above come through the DevTools.
  phone.errors = phone.errors.filter((e) => !/Push API in incognito mode/.test(e));
  assertNoPageErrors([phone], assert);
});
