// An in-memory stand-in for `phonelogin serve --demo --dev`, implementing only what the web
// front-end uses (docs/app-api.md: App API, dev outbox, demo merchant API) and serving web/.
// It exists so the front-end can be developed and its tests run before/without the Rust server;
// the real tests run against the real server (PHONELOGIN_URL). Usage:
//   node tests/browser/fake-server.mjs [port]        (prints the base URL)

import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomUUID, randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};
const LABELS = {
  name: { EN: 'Name', NO: 'Navn' },
  email: { EN: 'Email address', NO: 'E-postadresse' },
  phoneNumber: { EN: 'Phone number', NO: 'Telefonnummer' },
  address: { EN: 'Address', NO: 'Adresse' },
  birthDate: { EN: 'Date of birth', NO: 'Fødselsdato' },
  delegatedConsents: { EN: 'Marketing consents', NO: 'Markedsføringssamtykker' },
};
const FORM = {
  heading: { EN: 'Join Demo Store Club', NO: 'Bli medlem i Demo Store-klubben' },
  text: { EN: 'Members get offers and bonus points.', NO: 'Medlemmer får tilbud og bonuspoeng.' },
  terms_url: 'https://demo.example/terms',
  privacy_url: 'https://demo.example/privacy',
  consents: [
    { id: 'email', required: true, text: { EN: 'Receive offers via email', NO: 'Motta tilbud på e-post' } },
    { id: 'sms', required: false, text: { EN: 'Receive offers via SMS', NO: 'Motta tilbud på SMS' } },
    { id: 'personal', required: false, text: { EN: 'Get customized offers', NO: 'Få tilpassede tilbud' } },
  ],
};

export function createFakeServer() {
  const client = {
    client_id: 'demo-pos', name: 'Demo Store', logo_url: null,
    scopes: ['openid', 'name', 'email', 'phoneNumber', 'address', 'birthDate', 'delegatedConsents'],
  };
  const answers = new Map(); // phone -> { id: bool } (delegated consents)
  const users = new Map([
    ['4712345678', { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com', birthdate: '1990-12-10' }],
    ['4798765432', { given_name: 'Alan', family_name: 'Turing', email: 'alan@example.com', birthdate: '1912-06-23' }],
    ['4711111111', { given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.com', birthdate: '1906-12-09' }],
  ]);
  const outbox = [];
  const enrollments = new Map();
  const devices = new Map(); // token -> { phone, wrong, locked, name }
  const requests = new Map(); // id -> request
  const consents = new Map(); // `${phone}|${client}` -> { scopes, granted_at }
  const streams = new Map(); // phone -> Set<res>
  const demoLogins = new Map(); // demo id -> request id
  const codes = new Map(); // redirect code -> request id

  const json = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const fail = (res, status, error, extra = {}) => json(res, status, { error, error_description: error, ...extra });
  const readBody = (req) => new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => { try { resolve(data ? JSON.parse(data) : {}); } catch { resolve(null); } });
  });

  const now = () => Date.now();
  const isOpen = (r) => r.state === 'pending' && r.expires_at > now();
  const scopesOf = (r) => r.scopes.filter((s) => s !== 'openid');
  const consentKey = (r) => `${r.phone}|${r.client_id}`;
  const needsConsent = (r) => {
    const c = consents.get(consentKey(r));
    return !c || scopesOf(r).some((s) => !c.scopes.includes(s));
  };
  const view = (r) => ({
    id: r.id, client_id: r.client_id,
    merchant: { name: client.name, logo_url: client.logo_url },
    scopes: scopesOf(r).map((s) => ({ scope: s, label: LABELS[s] || { EN: s, NO: s } })),
    binding_message: r.binding_message, needs_consent: needsConsent(r), flow: r.flow,
    delegated_consents: r.scopes.includes('delegatedConsents') ? {
      ...FORM,
      consents: FORM.consents.map((c) => ({ ...c, previous_answer: answers.get(r.phone)?.[c.id] ?? null })),
    } : null,
    created_at: new Date(r.created_at).toISOString(), expires_at: new Date(r.expires_at).toISOString(),
    expires_in: Math.max(0, Math.round((r.expires_at - now()) / 1000)),
  });
  const push = (phone, event, data) => {
    for (const res of streams.get(phone) || []) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const close = (r, state) => {
    r.state = state;
    push(r.phone, 'login_request_closed', { id: r.id, reason: state });
  };
  setInterval(() => {
    for (const r of requests.values()) if (r.state === 'pending' && r.expires_at <= now()) close(r, 'expired');
  }, 500).unref();

  function profileOf(r) {
    const u = users.get(r.phone);
    const profile = {
      sub: randomUUID(), name: `${u.given_name} ${u.family_name}`, given_name: u.given_name, family_name: u.family_name,
      email: u.email, email_verified: true, phone_number: r.phone,
      address: { street_address: 'Suburbia 23', postal_code: '2101', region: 'OSLO', country: 'NO', formatted: 'Suburbia 23\n2101 OSLO\nNO', address_type: 'home' },
    };
    if (r.scopes.includes('delegatedConsents')) {
      profile.delegatedConsents = {
        language: 'EN',
        consents: FORM.consents.map((c) => ({ id: c.id, accepted: !!answers.get(r.phone)?.[c.id], required: c.required, textDisplayedToUser: c.text.EN })),
      };
    }
    return profile;
  }

  async function serveFile(res, file) {
    try {
      const body = await readFile(path.join(WEB, file));
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    const m = (re) => p.match(re);

    if (req.method === 'GET' && (p === '/app/' || p === '/app')) return serveFile(res, 'app/index.html');
    if (req.method === 'GET' && m(/^\/app\/[\w.-]+$/)) return serveFile(res, p.slice(1));
    if (req.method === 'GET' && p === '/demo/pos') return serveFile(res, 'demo/pos.html');
    if (req.method === 'GET' && m(/^\/demo\/[\w-]+\.(js|css)$/)) return serveFile(res, p.slice(1));
    if (req.method === 'GET' && p === '/healthz') return json(res, 200, { status: 'ok' });

    // enrollment
    if (req.method === 'POST' && p === '/app-api/v1/enrollments') {
      const body = await readBody(req);
      const phone = String(body?.phone_number || '');
      if (!/^\d{8,15}$/.test(phone)) return fail(res, 400, 'invalid_phone_number');
      if (!users.has(phone)) return fail(res, 404, 'unknown_user');
      const id = randomUUID();
      const code = String(randomInt(0, 1e6)).padStart(6, '0');
      enrollments.set(id, { phone, code, tries: 0 });
      outbox.unshift({ phone_number: phone, message: `Your phonelogin code is ${code}`, code, sent_at: new Date().toISOString() });
      return json(res, 200, { enrollment_id: id, expires_in: 600 });
    }
    let mm = m(/^\/app-api\/v1\/enrollments\/([\w-]+)\/verify$/);
    if (req.method === 'POST' && mm) {
      const e = enrollments.get(mm[1]);
      if (!e) return fail(res, 404, 'not_found');
      const body = await readBody(req);
      if (body?.code !== e.code) { e.tries += 1; if (e.tries >= 5) enrollments.delete(mm[1]); return fail(res, 400, 'invalid_code'); }
      if (!/^\d{4,6}$/.test(String(body.pin || ''))) return fail(res, 400, 'invalid_pin');
      enrollments.delete(mm[1]);
      const token = randomBytes(24).toString('base64url');
      devices.set(token, { phone: e.phone, pin: body.pin, wrong: 0, locked: false, name: body.device_name });
      return json(res, 200, { device_token: token });
    }
    if (req.method === 'GET' && p === '/app-api/v1/dev/outbox') return json(res, 200, { messages: outbox });

    // device calls
    if (p.startsWith('/app-api/v1/')) {
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      const device = devices.get(token);
      if (!device) return fail(res, 401, 'invalid_token');
      const user = users.get(device.phone);
      if (req.method === 'GET' && p === '/app-api/v1/me') {
        return json(res, 200, { phone_number: device.phone, given_name: user.given_name, family_name: user.family_name, device_name: device.name });
      }
      if (req.method === 'GET' && p === '/app-api/v1/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        res.write(': connected\n\n');
        if (!streams.has(device.phone)) streams.set(device.phone, new Set());
        streams.get(device.phone).add(res);
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15000);
        req.on('close', () => { clearInterval(keepAlive); streams.get(device.phone).delete(res); });
        return undefined;
      }
      if (req.method === 'GET' && p === '/app-api/v1/login-requests') {
        const list = [...requests.values()].filter((r) => r.phone === device.phone && isOpen(r))
          .sort((a, b) => b.created_at - a.created_at).map(view);
        return json(res, 200, { login_requests: list });
      }
      mm = m(/^\/app-api\/v1\/login-requests\/([\w-]+)(\/approve|\/reject)?$/);
      if (mm) {
        const r = requests.get(mm[1]);
        if (!r || r.phone !== device.phone) return fail(res, 404, 'not_found');
        if (req.method === 'GET' && !mm[2]) return json(res, 200, view(r));
        const body = await readBody(req);
        if (device.locked) return fail(res, 423, 'device_locked');
        if (!isOpen(r)) return fail(res, 409, 'request_closed');
        if (mm[2] === '/reject') {
          close(r, 'rejected');
          if (r.flow === 'login_to_webpage') return json(res, 200, { result: 'redirect', redirect_url: `${r.base}/demo/welcome?error=access_denied&state=${r.demoId}` });
          return json(res, 200, { result: 'rejected' });
        }
        if (body?.pin !== device.pin) {
          device.wrong += 1;
          if (device.wrong >= 5) { device.locked = true; return fail(res, 423, 'device_locked'); }
          return fail(res, 400, 'wrong_pin', { attempts_left: 5 - device.wrong });
        }
        device.wrong = 0;
        if (needsConsent(r) && body.consent !== true) return fail(res, 400, 'consent_required');
        if (r.scopes.includes('delegatedConsents')) {
          const given = body.delegated_consents || {};
          if (FORM.consents.some((c) => c.required && given[c.id] !== true)) return fail(res, 400, 'required_consent_missing');
          answers.set(r.phone, Object.fromEntries(FORM.consents.map((c) => [c.id, given[c.id] === true])));
        }
        if (needsConsent(r)) consents.set(consentKey(r), { scopes: scopesOf(r), granted_at: new Date().toISOString() });
        close(r, 'approved');
        if (r.flow === 'login_to_webpage') {
          const code = randomBytes(16).toString('base64url');
          codes.set(code, r.id);
          return json(res, 200, { result: 'redirect', redirect_url: `${r.base}/demo/welcome?code=${code}&state=${r.demoId}` });
        }
        return json(res, 200, { result: 'completed' });
      }
      if (req.method === 'GET' && p === '/app-api/v1/consents') {
        const list = [...consents.entries()].filter(([k]) => k.startsWith(`${device.phone}|`)).map(([k, c]) => ({
          client_id: k.split('|')[1], merchant: { name: client.name, logo_url: client.logo_url },
          scopes: c.scopes.map((s) => ({ scope: s, label: LABELS[s] })), granted_at: c.granted_at,
        }));
        return json(res, 200, { consents: list });
      }
      mm = m(/^\/app-api\/v1\/consents\/([\w-]+)$/);
      if (req.method === 'DELETE' && mm) {
        if (!consents.delete(`${device.phone}|${mm[1]}`)) return fail(res, 404, 'not_found');
        res.writeHead(204).end();
        return undefined;
      }
      return fail(res, 404, 'not_found');
    }

    // demo merchant
    if (req.method === 'POST' && p === '/demo/api/logins') {
      const body = await readBody(req);
      const phone = String(body?.phone_number || '');
      if (!users.has(phone)) return fail(res, 400, 'unknown_user_id');
      if (body.binding_message && !/^[A-Z0-9-]{5,8}$/.test(body.binding_message)) return fail(res, 400, 'invalid_binding_message');
      const r = {
        id: randomUUID(), phone, client_id: client.client_id,
        scopes: ['openid', 'name', 'email', 'phoneNumber', 'address', ...(body.delegated_consents ? ['delegatedConsents'] : [])],
        binding_message: body.binding_message || null,
        flow: body.flow === 'webpage' ? 'login_to_webpage' : 'in_app',
        state: 'pending', created_at: now(), expires_at: now() + 600_000,
        base: `http://${req.headers.host}`,
      };
      requests.set(r.id, r);
      const demoId = randomUUID();
      r.demoId = demoId;
      demoLogins.set(demoId, r.id);
      push(phone, 'login_request', view(r));
      return json(res, 200, { id: demoId });
    }
    mm = m(/^\/demo\/api\/logins\/([\w-]+)$/);
    if (req.method === 'GET' && mm) {
      const r = requests.get(demoLogins.get(mm[1]));
      if (!r) return fail(res, 404, 'not_found');
      let status = r.state === 'pending' ? (r.expires_at <= now() ? 'expired' : 'waiting') : r.state;
      if (r.flow === 'login_to_webpage' && status !== 'expired') status = r.demoStatus || 'waiting';
      return json(res, 200, { status, profile: status === 'approved' ? profileOf(r) : null, error: null });
    }
    if (req.method === 'GET' && p === '/demo/welcome') {
      const r = requests.get(demoLogins.get(url.searchParams.get('state')));
      let content;
      if (url.searchParams.has('error')) {
        if (r) r.demoStatus = 'rejected';
        content = '<p data-testid="welcome-rejected">You cancelled the login. Nothing was shared.</p>';
      } else if (r && codes.get(url.searchParams.get('code')) === r.id) {
        codes.delete(url.searchParams.get('code'));
        r.demoStatus = 'approved';
        content = `<h1 data-testid="welcome-name">Welcome, ${users.get(r.phone).given_name}!</h1><p>You are logged in to Demo Store.</p>`;
      } else {
        content = '<p data-testid="welcome-error">The login could not be completed (invalid_grant).</p>';
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo Store</title><link rel="stylesheet" href="/app/styles.css"></head><body class="merchant"><main class="screen">${content}<p><a href="/demo/pos">Back to the shop</a></p></main></body></html>`);
      return undefined;
    }
    return fail(res, 404, 'not_found');
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((e) => { console.error(e); if (!res.headersSent) fail(res, 500, 'server_error'); });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createFakeServer();
  server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
    console.log(`http://127.0.0.1:${server.address().port}`);
  });
}
