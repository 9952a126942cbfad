// Linus: the till gives up on a login and starts a new one. The newer login takes over the
// phone's screen, the older one is marked older and rejected in one tap; the till explains a 429
// with its Retry-After; a login from another merchant comes as a toast that hides nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  phoneAndTill, freshHome, confirmWithPin, startLogin, posStatus, waitScreen, waitText, screenshot,
  appApi, startClean, assertNoPageErrors, streamUp, backchannel, BASE, USERS,
} from './helpers.mjs';

const user = USERS.linus;
const PIN = '2468';
const ctx = phoneAndTill(user, PIN);

async function pending() {
  return (await appApi(ctx.phone, 'GET', '/login-requests')).body.login_requests;
}

test('a newer login from the same merchant takes over the screen; the older one is rejected in one tap', { timeout: 90_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
  await startLogin(pos, user, { binding: 'OLD-111' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'OLD-111');
  await phone.getByTestId('confirm-button').click(); // on to the next step: the user is busy with it
  await phone.locator('[data-testid="screen-consent"], [data-testid="screen-pin"]').first().waitFor();

  // The cashier gives up and starts again.
  await pos.getByTestId('pos-again').click();
  await startLogin(pos, user, { binding: 'NEW-222' });
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'NEW-222');
  await waitText(phone, 'older-notice', 'older login waiting');
  await screenshot(phone, 'newer-login-took-over');

  await phone.getByTestId('reject-older').click();
  await phone.getByTestId('older-rejected').waitFor();
  const left = await pending();
  assert.deepEqual(left.map((r) => r.binding_message), ['NEW-222'], 'only the newest is still waiting');

  await confirmWithPin(phone, 'NEW-222', PIN);
  await waitScreen(phone, 'complete');
  await posStatus(pos, 'approved');
  assertNoPageErrors([phone, pos], assert);
});

test('an older login opened from the list says so and leads to the newest', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
  await startLogin(pos, user, { binding: 'AAA-111' });
  await waitScreen(phone, 'confirm');
  await pos.getByTestId('pos-again').click();
  await startLogin(pos, user, { binding: 'BBB-222' });
  await waitText(phone, 'binding-message', 'BBB-222');
  await phone.getByTestId('back').click();
  await waitScreen(phone, 'home');
  const older = phone.getByTestId('request-item').filter({ hasText: 'AAA-111' });
  await older.getByTestId('older-tag').waitFor();
  assert.equal(await phone.getByTestId('request-item').filter({ hasText: 'BBB-222' }).getByTestId('older-tag').count(), 0);
  await older.click();
  await waitText(phone, 'older-notice', 'newer login');
  await phone.getByTestId('open-newest').click();
  await waitText(phone, 'binding-message', 'BBB-222');
  await startClean(phone);
});

test('the till explains a 429 in plain words with its Retry-After', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  // Fill the customer's pending limit from the till's own server side.
  for (let i = 0; i < 10; i += 1) {
    const res = await fetch(`${BASE}/demo/api/logins`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone_number: user.phone }),
    });
    if (res.status === 429) break;
  }
  if (await pos.getByTestId('pos-again').isVisible()) await pos.getByTestId('pos-again').click();
  await pos.getByTestId('pos-phone').fill(user.phone);
  await pos.getByTestId('pos-binding').fill('');
  await pos.getByTestId('pos-login').click();
  const message = await waitText(pos, 'pos-form-error', 'too many logins waiting');
  const text = await message.textContent();
  assert.match(text, /reject the ones they no longer need/);
  assert.match(text, /try again in \d+ (seconds|minutes)/);
  await screenshot(pos, 'pos-too-many-requests');
  await startClean(phone);
  assertNoPageErrors([pos], assert);
});

test('a login from another merchant is a toast that covers no button; Open is one line', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
  await startLogin(pos, user, { binding: 'TST-001' });
  await waitScreen(phone, 'confirm');
  await backchannel(user, { binding_message: 'QCK-001' }); // the fixtures' client, "Quick Shop"
  await waitText(phone, 'toast-text', 'Quick Shop');
  await screenshot(phone, 'toast-other-merchant');
  const toastBox = await phone.getByTestId('toast').boundingBox();
  for (const id of ['confirm-button', 'reject-button']) {
    const b = await phone.getByTestId(id).boundingBox();
    const overlaps = b.y < toastBox.y + toastBox.height && toastBox.y < b.y + b.height;
    assert.equal(overlaps, false, `the toast covers ${id}`);
  }
  const open = phone.getByTestId('toast-action');
  assert.ok((await open.boundingBox()).height <= 48, '"Open" stays on one line');
  assert.equal(await open.textContent(), 'Open');
  // Still on the till's login: a toast does not take over.
  await waitText(phone, 'binding-message', 'TST-001');
  await phone.getByTestId('toast-close').click();
  await phone.getByTestId('toast').waitFor({ state: 'hidden' });
  await startClean(phone);
});

test('the merchant tile has the same colour on the till and in the app', { timeout: 60_000 }, async () => {
  const { phone, pos } = ctx;
  await startClean(phone);
  await freshHome(phone);
  await startLogin(pos, user, { binding: 'HUE-001' });
  await waitScreen(phone, 'confirm');
  const app = await phone.locator('.merchant-head .logo').evaluate((el) => getComputedStyle(el).backgroundColor);
  const till = await pos.locator('.topbar .logo').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(till, app);
  // White initials on the tile: at least the 4.5:1 contrast of WCAG AA.
  const [r, g, b] = till.match(/\d+/g).map((c) => Number(c) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
  assert.ok(contrast >= 4.5, `the tile's initial has ${contrast.toFixed(1)}:1`);
  // The till's "Open the phone app" link is a 44×44 px target; its code pattern is valid (the
  // browser applies it: a wrong code is a pattern mismatch, not a console error).
  const link = await pos.getByRole('link', { name: /Open the phone app/ }).boundingBox();
  assert.ok(link.width >= 44 && link.height >= 44, `link is ${link.width}×${link.height}`);
  const mismatch = await pos.getByTestId('pos-binding').evaluate((el) => {
    el.value = 'ab!';
    const bad = el.validity.patternMismatch;
    el.value = '';
    return bad;
  });
  assert.equal(mismatch, true);
  const favicon = await fetch(`${BASE}/favicon.ico`);
  assert.equal(favicon.status, 200);
  assert.match(favicon.headers.get('content-type'), /^image\//);
  await startClean(phone);
});
