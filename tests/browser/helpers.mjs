// Shared helpers of the browser tests: one Chromium, a phone page (360×740) and a POS page side
// by side, enrollment through the app's own screens, screenshots under tests-artifacts/.

import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = path.resolve(HERE, '../../tests-artifacts/screenshots');

/** Every wait in these tests is at most this long. */
export const WAIT = 10_000;

export const BASE = (() => {
  const url = process.env.PHONELOGIN_URL;
  if (!url) {
    throw new Error('PHONELOGIN_URL is not set: start `phonelogin serve --demo --dev` and point it at the server '
      + '(or run `node tests/browser/run.mjs`, see tests/browser/README.md)');
  }
  return url.replace(/\/+$/, '');
})();

/** tests/browser/fixtures.json: imported into the server's database next to the demo data. */
export const FIXTURES = JSON.parse(readFileSync(path.join(HERE, 'fixtures.json'), 'utf8'));

export const USERS = {
  // The demo users of `serve --demo`.
  ada: { phone: '4712345678', given: 'Ada', name: 'Ada Lovelace' },
  alan: { phone: '4798765432', given: 'Alan', name: 'Alan Turing' },
  grace: { phone: '4711111111', given: 'Grace', name: 'Grace Hopper' },
  // From fixtures.json.
  kari: { phone: '4791234567', given: 'Kari', name: 'Kari Nordmann' },
  linus: { phone: '4790000011', given: 'Linus', name: 'Linus Torvalds' }, // newer logins take over
  margaret: { phone: '4790000012', given: 'Margaret', name: 'Margaret Hamilton' }, // server restarts
  edsger: { phone: '4790000013', given: 'Edsger', name: 'Edsger Dijkstra' }, // a phone locking
  barbara: { phone: '4790000014', given: 'Barbara', name: 'Barbara Liskov' }, // offline, Back, reload
  frances: { phone: '4790000015', given: 'Frances', name: 'Frances Allen' }, // the till across restarts
  // A number gets 3 one-time codes in 10 minutes (spec §10): the Norwegian test has its own.
  kariNo: { phone: '4791234568', given: 'Kari', name: 'Kari Nordmann' },
  ola: { phone: '4791234569', given: 'Ola', name: 'Ola Nordmann' },
  nora: { phone: '4790001234', given: 'Nora', name: 'Nora Varsel' },
};

/**
 * The app names a device after the browser ("Web browser", "Android phone", "iPhone") and the
 * server keeps one device per user and name: a second phone of the same user needs another user agent.
 */
export const USER_AGENTS = {
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

export function launch() {
  return chromium.launch({
    executablePath: process.env.PHONELOGIN_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function collectErrors(page, errors) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // 4xx answers the app expects (wrong PIN, ...) are logged by Chromium as "Failed to load resource",
    // and so are requests to a server that is restarting (net::ERR_CONNECTION_REFUSED).
    if (m.type() === 'error' && !/Failed to load resource|net::ERR_/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
}

/** A phone: 360×740, touch, its own storage (device token). `device`: a key of USER_AGENTS. */
export async function openPhone(browser, { locale = 'en-GB', serviceWorkers = 'allow', device } = {}) {
  const context = await browser.newContext({
    baseURL: BASE, viewport: { width: 360, height: 740 }, deviceScaleFactor: 1,
    isMobile: true, hasTouch: true, locale, serviceWorkers,
    ...(device ? { userAgent: USER_AGENTS[device] } : {}),
  });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  page.errors = [];
  collectErrors(page, page.errors);
  return page;
}

/** The demo merchant's point-of-sale page at /demo/pos, desktop-sized. */
export async function openPos(browser) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1000, height: 740 }, locale: 'en-GB' });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  page.errors = [];
  collectErrors(page, page.errors);
  await page.goto('/demo/pos');
  await page.getByTestId('pos-login').waitFor();
  return page;
}

export async function screenshot(page, name) {
  if (page.viewportSize()?.width <= 400) await checkPhoneLayout(page, name);
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled', fullPage: false });
}

/** On the phone: no horizontal scrolling, and every visible button at least 44 px high. */
export async function checkPhoneLayout(page, name) {
  const problems = await page.evaluate(() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) out.push(`page is ${document.documentElement.scrollWidth}px wide, viewport ${width}px`);
    for (const el of document.querySelectorAll('button, .btn, input[type="checkbox"], input[type="radio"]')) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue; // hidden
      const target = el.matches('input') ? (el.closest('label, li') || el).getBoundingClientRect() : r;
      if (target.height < 43.5) out.push(`${el.dataset.testid || el.textContent.trim() || el.outerHTML.slice(0, 60)} is ${Math.round(target.height)}px high`);
      if (r.right > width + 1) out.push(`${el.dataset.testid || el.textContent.trim()} sticks out to ${Math.round(r.right)}px`);
    }
    return out;
  });
  if (problems.length) throw new Error(`phone layout of "${name}": ${problems.join('; ')}`);
}

/** Wait until the element with `testid` is visible and its text matches `text` (string or RegExp). */
export async function waitText(page, testid, text) {
  const loc = page.getByTestId(testid).filter({ hasText: text });
  await loc.first().waitFor({ state: 'visible' });
  return loc.first();
}

/** Wait for a screen of the app (its root has data-testid="screen-<name>"). */
export async function waitScreen(page, name) {
  await page.getByTestId(`screen-${name}`).waitFor({ state: 'visible' });
}

async function outbox() {
  const res = await fetch(`${BASE}/app-api/v1/dev/outbox`);
  if (!res.ok) throw new Error(`GET /app-api/v1/dev/outbox: HTTP ${res.status} (is the server running with --dev?)`);
  return (await res.json()).messages || [];
}

const digits = (s) => String(s || '').replace(/\D/g, '');
const forPhone = (messages, phone) => messages.filter((m) => digits(m.phone_number).endsWith(phone.slice(-8)));
const codeOf = (m) => m.code || (String(m.message).match(/\b\d{6}\b/) || [])[0];

/**
 * Enroll the phone page through the app's screens: number → code (read from the dev outbox) →
 * PIN twice. Ends on the home screen, greeting the user. `shots`: true saves a screenshot of each
 * step (enroll-phone, enroll-code, enroll-pin), or a function (page, name) takes them.
 * `push`: true allows notifications on the permission screen, 'ask' stops there, false says "Not now".
 */
export async function enroll(page, user, pin, { shots = false, push = false } = {}) {
  const shoot = typeof shots === 'function' ? shots : shots ? screenshot : async () => {};
  await page.goto('/app/');
  await waitScreen(page, 'enroll-phone');
  const before = forPhone(await outbox(), user.phone).length;
  await page.getByTestId('enroll-phone').fill(user.phone);
  await shoot(page, 'enroll-phone');
  await page.getByTestId('enroll-phone-submit').click();
  await Promise.race([
    waitScreen(page, 'enroll-code'),
    page.getByTestId('enroll-error').filter({ hasText: /./ }).waitFor().then(async () => {
      throw new Error(`enrollment refused: ${await page.getByTestId('enroll-error').textContent()}`);
    }),
  ]);

  let code = null;
  const until = Date.now() + WAIT;
  while (!code && Date.now() < until) {
    const mine = forPhone(await outbox(), user.phone);
    if (mine.length > before) code = codeOf(mine[0]);
    else await new Promise((r) => setTimeout(r, 200));
  }
  if (!code) throw new Error(`no one-time code for ${user.phone} appeared in the dev outbox`);
  // The app shows the same code as a dev hint.
  await waitText(page, 'dev-code', code);
  await shoot(page, 'enroll-code');
  await page.getByTestId('enroll-code').fill(code);
  await page.getByTestId('enroll-code-submit').click();

  await waitScreen(page, 'enroll-pin');
  await page.getByTestId('enroll-pin').fill(pin);
  await page.getByTestId('enroll-pin-repeat').fill(pin);
  await shoot(page, 'enroll-pin');
  await page.getByTestId('enroll-pin-submit').click();

  // Notifications: allowed (the browser's permission granted, as a tap on "Allow" would) or "Not now".
  await waitScreen(page, 'push-permission');
  if (push === 'ask') return; // the caller answers the permission screen
  if (push) {
    await page.context().grantPermissions(['notifications'], { origin: BASE });
    await page.getByTestId('push-allow').click();
  } else {
    await page.getByTestId('push-later').click();
    await waitScreen(page, 'push-refused');
    await page.getByTestId('push-continue').click();
  }

  await waitScreen(page, 'home');
  await waitText(page, 'home-greeting', user.given);
  await streamUp(page);
}

/** Wait until the app's push stream (GET /app-api/v1/events) is connected. */
export async function streamUp(page) {
  await page.locator('[data-testid="stream-status"][data-up="true"]').waitFor();
}

/** The device token the app stored, for direct App API checks. */
export function deviceToken(page) {
  return page.evaluate(() => localStorage.getItem('phonelogin.device_token'));
}

/**
 * The app's own signature of a decision, made in the page by web/app/devicekey.js with the
 * non-extractable key the app created at enrollment (the test never sees the private key).
 */
export function signDecision(page, requestId, approve) {
  return page.evaluate(async ([id, yes]) => (await import('/app/devicekey.js')).signDecision(id, yes), [requestId, approve]);
}

/**
 * Calls the App API with the app's device token; a decision (approve/reject) is signed with the
 * app's device key unless the body already has a `signature`, as the app itself does.
 */
export async function appApi(page, method, apiPath, json) {
  const decision = /^\/login-requests\/([^/]+)\/(approve|reject)$/.exec(apiPath);
  if (decision && method === 'POST' && !(json && 'signature' in json)) {
    json = { ...(json || {}), signature: await signDecision(page, decision[1], decision[2] === 'approve') };
  }
  const token = await deviceToken(page);
  const headers = { Authorization: `Bearer ${token}` };
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}/app-api/v1${apiPath}`, {
    method, headers, body: method === 'POST' ? JSON.stringify(json ?? {}) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * Make the tests independent of earlier runs against the same database: no consent for the
 * demo merchant, no undecided login requests (both through the App API with the app's token).
 */
export async function startClean(page) {
  await appApi(page, 'DELETE', '/consents/demo-pos'); // 204, or 404 when there is none
  const { body } = await appApi(page, 'GET', '/login-requests');
  for (const r of body?.login_requests || []) await appApi(page, 'POST', `/login-requests/${r.id}/reject`);
}

/**
 * Where a test starts whatever the tests before it did, or whether they ran (each test also runs
 * on its own): nothing pending, no consent to the demo merchant, the home screen, the stream up.
 */
export async function homeClean(page) {
  await startClean(page);
  await page.goto('/app/');
  await waitScreen(page, 'home');
  await streamUp(page);
}

/**
 * Start a login on the POS page; resolves, once the POS shows "waiting", to the demo login's id
 * (read from the POS's own POST /demo/api/logins answer; see demoLogin).
 */
export async function startLogin(pos, user, { binding = '', flow = 'app', club = false } = {}) {
  if (await pos.getByTestId('pos-again').isVisible()) await pos.getByTestId('pos-again').click();
  await pos.getByTestId('pos-phone').fill(user.phone);
  await pos.getByTestId('pos-delegated').setChecked(club);
  await pos.getByTestId('pos-binding').fill(binding);
  await pos.getByTestId(flow === 'webpage' ? 'pos-flow-webpage' : 'pos-flow-app').check();
  const [answer] = await Promise.all([
    pos.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/demo/api/logins'),
    pos.getByTestId('pos-login').click(),
  ]);
  await posStatus(pos, 'waiting');
  return (await answer.json()).id;
}

/**
 * What the demo merchant knows of a login (GET /demo/api/logins/{id}): `status`, and `profile`,
 * the provider's userinfo answer, once approved.
 */
export async function demoLogin(id) {
  const res = await fetch(`${BASE}/demo/api/logins/${encodeURIComponent(id)}`);
  if (!res.ok) throw new Error(`GET /demo/api/logins/${id}: HTTP ${res.status}`);
  return res.json();
}

/**
 * A CIBA backchannel authentication request from the test client of fixtures.json (the demo
 * merchant's secret is never shown, so requests it cannot make, e.g. a short `requested_expiry`,
 * come from this client). Resolves to the provider's JSON answer.
 */
export async function backchannel(user, params = {}) {
  const client = FIXTURES.clients[0];
  const res = await fetch(`${BASE}/vipps-login-ciba/api/backchannel/authentication`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ login_hint: `urn:msisdn:${user.phone}`, scope: 'openid name', ...params }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`backchannel: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Cut the app's push stream (a network condition: the server is not told, nothing is faked). */
export async function blockEvents(page) {
  await page.route('**/app-api/v1/events', (route) => route.abort());
}

export async function unblockEvents(page) {
  await page.unroute('**/app-api/v1/events');
}

export async function posStatus(pos, status) {
  await pos.locator(`[data-testid="pos-status"][data-status="${status}"]`).waitFor({ state: 'visible' });
}

/** Mark the page so a test can prove that it was not reloaded. */
export async function markNoReload(page) {
  await page.evaluate(() => { window.__noReload = true; });
}

export async function assertNotReloaded(page, assert) {
  assert.equal(await page.evaluate(() => window.__noReload === true), true, 'the phone page was reloaded');
}

export function assertNoPageErrors(pages, assert) {
  const errors = pages.flatMap((p) => p.errors || []);
  assert.deepEqual(errors, [], `errors in the browser:\n${errors.join('\n')}`);
}

/**
 * The usual set-up of a test file: before its tests one Chromium with a phone page enrolled as
 * `user` (PIN `pin`, nothing pending) and, unless `pos: false`, the till; closed after them.
 * Returns an object whose `browser`, `phone` and `pos` are set once `before` has run.
 */
export function phoneAndTill(user, pin, { pos = true, skip = false } = {}) {
  const ctx = { browser: null, phone: null, pos: null };
  before(async () => {
    if (skip) return;
    ctx.browser = await launch();
    ctx.phone = await openPhone(ctx.browser);
    if (pos) ctx.pos = await openPos(ctx.browser);
    await enroll(ctx.phone, user, pin);
    await startClean(ctx.phone);
  }, { timeout: 60_000 });
  after(async () => {
    await ctx.browser?.close();
  });
  return ctx;
}

/** Open the app's home screen afresh, with the push stream connected. */
export async function freshHome(page) {
  await page.goto('/app/');
  await waitScreen(page, 'home');
  await streamUp(page);
}

/**
 * On the confirm screen of the login showing `binding`: confirm, consent when asked, and enter
 * `pin`. Ends once the PIN is sent.
 */
export async function confirmWithPin(page, binding, pin) {
  await waitScreen(page, 'confirm');
  if (binding) await waitText(page, 'binding-message', binding);
  await page.getByTestId('confirm-button').click();
  await page.locator('[data-testid="screen-consent"], [data-testid="screen-pin"]').first().waitFor();
  if (await page.getByTestId('screen-consent').isVisible()) await page.getByTestId('consent-accept').click();
  await waitScreen(page, 'pin');
  await page.getByTestId('pin-input').fill(pin);
  await page.getByTestId('pin-submit').click();
}
