// The tour: screenshots of one login from a phone number, in the order of the flow, saved as
// small PNG files in docs/tour/ (shown in the README's "Tour" section).
//
//   PHONELOGIN_URL=http://127.0.0.1:8080 node tests/browser/tour.mjs    a running `serve --demo --dev`
//   node tests/browser/tour.mjs --server target/debug/phonelogin         starts one on a fresh database
//
// Ada (4712345678, a demo user) enrolls the phone (360×740), the demo POS starts a login with a
// confirmation code and the club consents, she confirms, consents, ticks the club consents and
// enters her PIN; then a login that continues on the merchant's web page, and her consents page.

import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../../docs/tour');
const MAX_BYTES = 150 * 1024;
const PIN = '2580';

const args = process.argv.slice(2);
let stopServer = async () => {};
if (args.includes('--server')) {
  const server = await startServer(args[args.indexOf('--server') + 1]);
  process.env.PHONELOGIN_URL = server.base;
  stopServer = server.stop;
}
// helpers.mjs reads PHONELOGIN_URL when loaded.
const {
  launch, openPhone, openPos, enroll, startClean, startLogin, posStatus, waitScreen, waitText, streamUp,
  checkPhoneLayout, USERS, WAIT,
} = await import('./helpers.mjs');

const user = USERS.ada;
const saved = [];

/** Save the visible part of `page` as docs/tour/<name>.png (device scale factor 1, at most 150 KB). */
async function shot(page, name) {
  if (page.viewportSize().width <= 400) await checkPhoneLayout(page, name);
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, type: 'png', animations: 'disabled', caret: 'hide' });
  const { size } = await stat(file);
  if (size > MAX_BYTES) throw new Error(`${file} is ${Math.round(size / 1024)} KB, more than 150 KB`);
  saved.push(`${path.relative(process.cwd(), file)} (${Math.round(size / 1024)} KB)`);
}

async function tour(browser) {
  const phone = await openPhone(browser);
  const pos = await openPos(browser);

  // Setting up the app: the number, the one-time code (shown on screen in demo mode), a PIN.
  await enroll(phone, user, PIN, { shots: (page, name) => (name === 'enroll-phone' ? shot(page, '01-enroll') : null) });
  await startClean(phone); // the consent is asked, nothing else is waiting

  // 1. The merchant starts the login from the number; the phone gets it by push.
  await startLogin(pos, user, { binding: 'AB-123', club: true });
  await shot(pos, '02-pos-waiting');
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('back').click();
  await waitText(phone, 'request-item', 'AB-123');
  await shot(phone, '03-home-pending');

  // 2. Confirmation: who asks, for what, and the confirmation code; then the consent.
  await phone.getByTestId('request-item').first().click();
  await waitScreen(phone, 'confirm');
  await waitText(phone, 'binding-message', 'AB-123');
  await shot(phone, '04-confirm');
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'consent');
  await shot(phone, '05-consent');
  await phone.getByTestId('consent-accept').click();

  // 3. Delegated consents: the merchant's club form; the required one must be ticked.
  await waitScreen(phone, 'delegated');
  const box = (id) => phone.locator(`[data-testid="delegated-checkbox"][data-id="${id}"]`);
  for (const id of ['email', 'sms', 'personal']) await box(id).setChecked(false);
  await shot(phone, '06-delegated-consents');
  await box('email').check();
  await box('sms').check();
  await shot(phone, '07-delegated-consents-ticked');
  await phone.getByTestId('delegated-confirm').click();

  // 4. The PIN, and the login ends in the app; the POS has the profile.
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await shot(phone, '08-pin');
  await phone.getByTestId('pin-submit').click();
  await waitScreen(phone, 'complete');
  await shot(phone, '09-complete');
  await posStatus(pos, 'approved');
  await waitText(pos, 'pos-profile-consents', /✓/);
  await shot(pos, '10-pos-approved');

  // 4b. Or the browser continues on the merchant's web page, which greets her.
  await phone.getByTestId('done-button').click();
  await waitScreen(phone, 'home');
  await streamUp(phone);
  await startLogin(pos, user, { flow: 'webpage' });
  await waitScreen(phone, 'confirm');
  await phone.getByTestId('confirm-button').click();
  await waitScreen(phone, 'pin');
  await phone.getByTestId('pin-input').fill(PIN);
  await Promise.all([
    phone.waitForURL((url) => url.pathname.startsWith('/demo/welcome') && url.searchParams.has('code'), { timeout: WAIT }),
    phone.getByTestId('pin-submit').click(),
  ]);
  await waitText(phone, 'welcome-name', user.given);
  await shot(phone, '11-merchant-welcome');

  // The consents page: what each merchant may see, and revoking it.
  await phone.goto('/app/');
  await waitScreen(phone, 'home');
  await phone.getByTestId('consents-link').click();
  await phone.locator('[data-testid="consent-item"][data-client-id="demo-pos"]').waitFor();
  await shot(phone, '12-consents');
}

let code = 0;
let browser;
try {
  await mkdir(OUT, { recursive: true });
  browser = await launch();
  await tour(browser);
  console.log(`tour: ${saved.length} screenshots\n  ${saved.join('\n  ')}`);
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await browser?.close();
  await stopServer();
}
process.exit(code);
