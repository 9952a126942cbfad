// Interop check of a running phonelogin server, done the way a merchant would:
// with openid-client v6 and jose (panva), libraries we did not write.
//
//   cd tests/interop && npm ci
//   PHONELOGIN_URL=http://127.0.0.1:18090 CLIENT_ID=interop-basic CLIENT_SECRET=... \
//   CLIENT_POST_ID=interop-post CLIENT_POST_SECRET=... PHONE=4790000001 \
//   DEVICE_TOKEN=... PIN=2468 OTHER_PHONE=4790000009 node tests/interop/interop.mjs
//
// (fixtures.json next to this file holds a matching setup for `serve --fixtures`.)
// Prints `ok - <name>` / `not ok - <name>: <why>` per check, then
// `interop: N passed, M failed`; exits 1 when anything failed.
import * as client from 'openid-client';
import * as jose from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { assert, check, describe, finish, sleep } from './report.mjs';

const NAMES = ['PHONELOGIN_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'CLIENT_POST_ID', 'CLIENT_POST_SECRET', 'PHONE', 'DEVICE_TOKEN', 'PIN', 'OTHER_PHONE'];
const missing = NAMES.filter((n) => !process.env[n]);
if (missing.length) {
  console.error(`interop: missing environment variables: ${missing.join(' ')}`);
  process.exit(2);
}
const { CLIENT_ID, CLIENT_SECRET, CLIENT_POST_ID, CLIENT_POST_SECRET, PHONE, DEVICE_TOKEN, PIN, OTHER_PHONE } = process.env;
const BASE = process.env.PHONELOGIN_URL.replace(/\/+$/, '');

const ISSUER = `${BASE}/access-management-1.0/access/`;
const BACKCHANNEL_URL = `${BASE}/vipps-login-ciba/api/backchannel/authentication`;
const TOKEN_URL = `${BASE}/access-management-1.0/access/oauth2/token`;
const USERINFO_URL = `${BASE}/vipps-userinfo-api/userinfo`;
const CIBA = 'urn:openid:params:grant-type:ciba';
const SCOPE = 'openid name email phoneNumber address birthDate';
const HINT = `urn:msisdn:${PHONE}`;

// ---- reporting (report.mjs) ---------------------------------------------------
const show = (v) => JSON.stringify(v);
// binding_message must match ^[A-Z0-9-]{5,8}$; "IT-" + 5 hex digits is unique per request.
// Every message used is remembered so that the run can reject what it left pending.
const used = new Set(['AB-123']);
const tag = () => {
  const m = `IT-${randomBytes(3).toString('hex').toUpperCase().slice(0, 5)}`;
  used.add(m);
  return m;
};

// Awaits a call that must fail with an OAuth error; returns {status, body, challenges}.
async function expectOAuthError(promise, error, status = 400) {
  const err = await promise.then(() => undefined, (e) => e);
  assert(err, `expected ${status} ${error}, but the call succeeded`);
  let body, challenges;
  if (err instanceof client.ResponseBodyError) {
    body = err.cause;
  } else if (err instanceof client.WWWAuthenticateChallengeError) {
    // the library stops at the WWW-Authenticate header; the JSON body is still unread
    challenges = err.cause;
    body = await err.response.json().catch(() => undefined);
  } else {
    throw err;
  }
  assert(err.status === status, `status ${err.status}, expected ${status} (body ${show(body)})`);
  assert(body?.error === error, `error ${show(body?.error)}, expected ${show(error)} (body ${show(body)})`);
  return { status: err.status, body, challenges };
}

// ---- plain HTTP helpers (App API, raw token polls) -------------------------
async function http(method, url, { headers = {}, form, json } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) };
  if (form) {
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  } else if (json) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let body = text;
  try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
  return { status: res.status, headers: res.headers, body };
}
const basicAuth = (id, secret) => {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
};
const rawPoll = (authReqId) => http('POST', TOKEN_URL,
  { headers: { authorization: basicAuth(CLIENT_ID, CLIENT_SECRET) }, form: { grant_type: CIBA, auth_req_id: authReqId } });

async function app(method, path, json) {
  const res = await http(method, `${BASE}/app-api/v1${path}`, { headers: { authorization: `Bearer ${DEVICE_TOKEN}` }, json });
  assert(res.status >= 200 && res.status < 300, `App API ${method} ${path} -> ${res.status} ${show(res.body)}`);
  return res.body;
}
async function findLoginRequest(bindingMessage) {
  for (let i = 0; i < 30; i++) {
    const { login_requests: list } = await app('GET', '/login-requests');
    const found = list.find((r) => r.binding_message === bindingMessage); // newest first
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`the app never saw a login request with binding_message ${bindingMessage}`);
}
async function approve(bindingMessage) {
  const { id } = await findLoginRequest(bindingMessage);
  const res = await app('POST', `/login-requests/${id}/approve`, { pin: PIN, consent: true, delegated_consents: {} });
  assert(res.result === 'completed', `approve answered ${show(res)}`);
}
async function reject(bindingMessage) {
  const { id } = await findLoginRequest(bindingMessage);
  const res = await app('POST', `/login-requests/${id}/reject`, {});
  assert(res.result === 'rejected', `reject answered ${show(res)}`);
}

// ---- openid-client configuration --------------------------------------------
const discover = (id, secret, auth) =>
  client.discovery(new URL(ISSUER), id, secret, auth,
    ISSUER.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : undefined);
const poll = (config, auth) =>
  client.pollBackchannelAuthenticationGrant(config, auth, undefined, { signal: AbortSignal.timeout(60_000) });
const oneTokenRequest = (config, grantType, params) => client.genericGrantRequest(config, grantType, params);

// ---- the run ------------------------------------------------------------
let config;
let meta;
let main; // { auth, tokens, claims }
let pending; // { auth }: a request left waiting

await check('discovery (openid-client, issuer validated)', async () => {
  // the basic client must say so: openid-client's default is client_secret_post
  config = await discover(CLIENT_ID, CLIENT_SECRET, client.ClientSecretBasic(CLIENT_SECRET));
  meta = config.serverMetadata();
  assert(meta.issuer === ISSUER, `issuer ${meta.issuer}`);
  assert(meta.backchannel_authentication_endpoint === BACKCHANNEL_URL, `backchannel endpoint ${meta.backchannel_authentication_endpoint}`);
  assert(meta.token_endpoint === TOKEN_URL, `token_endpoint ${meta.token_endpoint}`);
  assert(meta.userinfo_endpoint === USERINFO_URL, `userinfo_endpoint ${meta.userinfo_endpoint}`);
  assert(typeof meta.jwks_uri === 'string', 'no jwks_uri');
  assert(meta.grant_types_supported?.includes(CIBA), `grant_types_supported ${show(meta.grant_types_supported)}`);
  assert(meta.backchannel_token_delivery_modes_supported?.includes('poll'), 'poll delivery mode not listed');
  assert(meta.subject_types_supported?.includes('pairwise'), `subject_types_supported ${show(meta.subject_types_supported)}`);
  const raw = await fetch(`${ISSUER}.well-known/openid-configuration`);
  assert(/max-age=3600/.test(raw.headers.get('cache-control') ?? ''), `Cache-Control ${raw.headers.get('cache-control')}`);
});
if (!config) finish('interop');

const nonce = client.randomNonce();
await check('CIBA poll flow: backchannel request, approve in app, library poll', async () => {
  const auth = await client.initiateBackchannelAuthentication(config, {
    scope: SCOPE, login_hint: HINT, binding_message: 'AB-123', nonce,
  });
  assert(/^[A-Za-z0-9_-]{22,}$/.test(auth.auth_req_id), `auth_req_id ${show(auth.auth_req_id)} is not >=128 bits URL-safe`);
  assert(auth.expires_in === 600 && auth.interval === 5, `expires_in ${auth.expires_in}, interval ${auth.interval}`);
  await approve('AB-123');
  const tokens = await poll(config, auth); // the library waits `interval` (5 s) first
  main = { auth, tokens, claims: tokens.claims() };
});

await check('token response: Bearer, expires_in 300, scope', async () => {
  assert(main, 'flow failed');
  const { tokens } = main;
  assert(tokens.token_type === 'bearer', `token_type ${tokens.token_type}`); // lower-cased by the library
  assert(tokens.expires_in === 300, `expires_in ${tokens.expires_in}`);
  const got = (tokens.scope ?? '').split(' ').sort().join(' ');
  assert(got === SCOPE.split(' ').sort().join(' '), `scope ${show(tokens.scope)}`);
  assert(typeof tokens.id_token === 'string', 'no id_token');
});

await check('ID token claims (library): iss, aud, sub, nonce, auth_req_id, at_hash', async () => {
  assert(main?.claims, 'flow failed');
  const c = main.claims;
  assert(c.iss === ISSUER, `iss ${c.iss}`);
  assert(c.aud === CLIENT_ID || (Array.isArray(c.aud) && c.aud.includes(CLIENT_ID)), `aud ${show(c.aud)}`);
  assert(typeof c.sub === 'string' && c.sub.length > 0, `sub ${show(c.sub)}`);
  assert(c.nonce === nonce, `nonce ${show(c.nonce)}`);
  assert(c.auth_req_id === main.auth.auth_req_id, `auth_req_id ${show(c.auth_req_id)}`);
  assert(typeof c.at_hash === 'string', 'no at_hash');
  for (const k of ['auth_time', 'jti', 'sid']) assert(c[k] !== undefined, `no ${k}`);
  assert(c.exp - c.iat === 3600, `exp - iat = ${c.exp - c.iat}`);
});

await check('ID token signature (jose, remote JWKS) and at_hash', async () => {
  assert(main, 'flow failed');
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(main.tokens.id_token, jwks, { issuer: ISSUER, audience: CLIENT_ID });
  assert(protectedHeader.kid, 'no kid in header');
  assert(protectedHeader.typ === 'JWT', `typ ${show(protectedHeader.typ)}`);
  assert(['RS256', 'ES256'].includes(protectedHeader.alg), `alg ${protectedHeader.alg}`);
  const digest = createHash('sha256').update(main.tokens.access_token, 'ascii').digest();
  const atHash = digest.subarray(0, digest.length / 2).toString('base64url');
  assert(payload.at_hash === atHash, `at_hash ${payload.at_hash}, expected ${atHash}`);
});

await check('userinfo (library): sub, name, email, phone_number', async () => {
  assert(main, 'flow failed');
  const info = await client.fetchUserInfo(config, main.tokens.access_token, main.claims.sub);
  assert(info.sub === main.claims.sub, `sub ${info.sub}`);
  assert(info.name, `no name in ${show(info)}`);
  assert(info.email, `no email in ${show(info)}`);
  assert(info.phone_number === PHONE, `phone_number ${show(info.phone_number)}`);
});

await check('userinfo with a bad token: 401 invalid_token challenge', async () => {
  const { challenges } = await client.fetchUserInfo(config, 'not-a-token', client.skipSubjectCheck)
    .then(() => { throw new Error('bad token accepted'); })
    .catch((e) => { if (e instanceof client.WWWAuthenticateChallengeError && e.status === 401) return { challenges: e.cause }; throw e; });
  const bearer = challenges.find((ch) => ch.scheme === 'bearer');
  assert(bearer?.parameters.error === 'invalid_token', `challenges ${show(challenges)}`);
});

// ---- error rows ---------------------------------------------------------------
await check('unknown user -> unknown_user_id (library)', async () => {
  const { body } = await expectOAuthError(
    client.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint: `urn:msisdn:${OTHER_PHONE}` }),
    'unknown_user_id');
  assert(body.error_code === 'invalid_user', `error_code ${show(body.error_code)}`);
});

await check('unknown user -> unknown_user_id, error_code invalid_user (plain fetch)', async () => {
  const res = await http('POST', BACKCHANNEL_URL, {
    headers: { authorization: basicAuth(CLIENT_ID, CLIENT_SECRET) },
    form: { scope: 'openid', login_hint: `urn:msisdn:${OTHER_PHONE}` },
  });
  assert(res.status === 400, `status ${res.status}`);
  assert(res.body?.error === 'unknown_user_id' && res.body?.error_code === 'invalid_user', `body ${show(res.body)}`);
  assert((res.headers.get('content-type') ?? '').startsWith('application/json'), `content-type ${res.headers.get('content-type')}`);
  assert(res.headers.get('cache-control') === 'no-store', `cache-control ${res.headers.get('cache-control')}`);
});

await check('scope without openid -> invalid_scope', () =>
  expectOAuthError(client.initiateBackchannelAuthentication(config, { scope: 'name email', login_hint: HINT }), 'invalid_scope'));

await check('binding_message "abc" -> invalid_binding_message', () =>
  expectOAuthError(client.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint: HINT, binding_message: 'abc' }),
    'invalid_binding_message'));

await check('poll of a pending request -> authorization_pending (raw)', async () => {
  const bindingMessage = tag();
  const auth = await client.initiateBackchannelAuthentication(config, { scope: 'openid name', login_hint: HINT, binding_message: bindingMessage });
  pending = { auth };
  const res = await rawPoll(auth.auth_req_id);
  assert(res.status === 400 && res.body?.error === 'authorization_pending', `${res.status} ${show(res.body)}`);
  assert(res.headers.get('cache-control') === 'no-store', `cache-control ${res.headers.get('cache-control')}`);
});

await check('immediate second poll -> slow_down (raw)', async () => {
  assert(pending, 'no pending request');
  const res = await rawPoll(pending.auth.auth_req_id);
  assert(res.status === 400 && res.body?.error === 'slow_down', `${res.status} ${show(res.body)}`);
});

await check('request rejected in the app -> access_denied (library)', async () => {
  const bindingMessage = tag();
  const auth = await client.initiateBackchannelAuthentication(config, { scope: 'openid name', login_hint: HINT, binding_message: bindingMessage });
  await reject(bindingMessage);
  await expectOAuthError(oneTokenRequest(config, CIBA, { auth_req_id: auth.auth_req_id }), 'access_denied');
});

await check('unknown auth_req_id -> invalid_grant (library)', () =>
  expectOAuthError(oneTokenRequest(config, CIBA, { auth_req_id: randomBytes(24).toString('base64url') }), 'invalid_grant'));

await check('wrong client secret -> 401 invalid_client (library)', async () => {
  const bad = await discover(CLIENT_ID, 'wrong-secret', client.ClientSecretBasic('wrong-secret'));
  const { challenges } = await expectOAuthError(
    oneTokenRequest(bad, CIBA, { auth_req_id: randomBytes(24).toString('base64url') }), 'invalid_client', 401);
  // RFC 6749 §5.2: a 401 to HTTP Basic carries the challenge; its absence fails.
  assert(challenges?.some((ch) => ch.scheme === 'basic'), `WWW-Authenticate ${show(challenges)}`);
});

await check('unknown grant_type -> unsupported_grant_type (library)', () =>
  expectOAuthError(oneTokenRequest(config, 'urn:example:params:grant-type:nope', {}), 'unsupported_grant_type'));

await check('client_secret_post client completes a CIBA flow (library, ClientSecretPost)', async () => {
  const postConfig = await discover(CLIENT_POST_ID, CLIENT_POST_SECRET, client.ClientSecretPost(CLIENT_POST_SECRET));
  const bindingMessage = tag();
  const auth = await client.initiateBackchannelAuthentication(postConfig, { scope: 'openid name', login_hint: HINT, binding_message: bindingMessage });
  await approve(bindingMessage);
  const tokens = await poll(postConfig, auth);
  const c = tokens.claims();
  assert(c?.aud === CLIENT_POST_ID || c?.aud?.includes?.(CLIENT_POST_ID), `aud ${show(c?.aud)}`);
  assert(c.auth_req_id === auth.auth_req_id, `auth_req_id ${show(c.auth_req_id)}`);
});

await check('client_secret_post client using Basic -> 401 invalid_client', async () => {
  const wrongMethod = await discover(CLIENT_POST_ID, CLIENT_POST_SECRET, client.ClientSecretBasic(CLIENT_POST_SECRET));
  await expectOAuthError(oneTokenRequest(wrongMethod, CIBA, { auth_req_id: randomBytes(24).toString('base64url') }), 'invalid_client', 401);
});

// last, so that the redeemed request is well past its polling interval
await check('redeemed auth_req_id polled again -> invalid_grant (library)', async () => {
  assert(main, 'flow failed');
  await expectOAuthError(oneTokenRequest(config, CIBA, { auth_req_id: main.auth.auth_req_id }), 'invalid_grant');
});

// Leave nothing pending (max_pending_per_user would refuse later runs).
try {
  const { login_requests: left } = await app('GET', '/login-requests');
  for (const r of left.filter((r) => used.has(r.binding_message))) await app('POST', `/login-requests/${r.id}/reject`, {});
} catch (err) {
  console.error(`interop: cleanup failed: ${describe(err)}`);
}

finish('interop');
