// Interop check of spec §12 with openid-client v6 and jose (panva): whole CIBA logins with
// private_key_jwt client authentication (ES256 and PS256 client keys), one of them a
// FAPI-CIBA client sending a signed authentication request, and PS256 / ES256 ID tokens
// validated by the library and verified by jose against the server's JWKS.
//
//   PHONELOGIN_URL=... PHONE=... DEVICE_TOKEN=... PIN=... \
//   ES_CLIENT=interop-es ES_KEY=<base64 PKCS#8 DER> ES_KID=... \
//   PS_CLIENT=interop-fapi PS_KEY=<base64 PKCS#1 DER> PS_KID=... node tests/interop/fapi.mjs
//
// (crates/server/tests/api/interop.rs registers the clients and passes their keys.)
import * as client from 'openid-client';
import * as jose from 'jose';
import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { assert, check, finish, sleep } from './report.mjs';

const NAMES = ['PHONELOGIN_URL', 'PHONE', 'DEVICE_TOKEN', 'PIN', 'ES_CLIENT', 'ES_KEY', 'ES_KID', 'PS_CLIENT', 'PS_KEY', 'PS_KID'];
const missing = NAMES.filter((n) => !process.env[n]);
if (missing.length) {
  console.error(`fapi interop: missing environment variables: ${missing.join(' ')}`);
  process.exit(2);
}
const env = process.env;
const BASE = env.PHONELOGIN_URL.replace(/\/+$/, '');
const ISSUER = `${BASE}/access-management-1.0/access/`;
const JWKS = jose.createRemoteJWKSet(new URL(`${ISSUER}.well-known/jwks.json`));
const HINT = `urn:msisdn:${env.PHONE}`;

// A private key given as base64 DER (PKCS#8, or PKCS#1 for RSA) as a WebCrypto key for `alg`.
async function importKey(b64, type, alg) {
  const pem = createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type }).export({ format: 'pem', type: 'pkcs8' });
  return jose.importPKCS8(pem, alg);
}

async function app(method, path, json) {
  const res = await fetch(`${BASE}/app-api/v1${path}`, {
    method, headers: { authorization: `Bearer ${env.DEVICE_TOKEN}`, 'content-type': 'application/json' },
    body: json ? JSON.stringify(json) : undefined,
  });
  const body = await res.json().catch(() => undefined);
  assert(res.ok, `App API ${method} ${path} -> ${res.status} ${JSON.stringify(body)}`);
  return body;
}
async function approve(bindingMessage) {
  for (let i = 0; i < 30; i++) {
    const { login_requests: list } = await app('GET', '/login-requests');
    const found = list.find((r) => r.binding_message === bindingMessage);
    if (found) {
      const res = await app('POST', `/login-requests/${found.id}/approve`, { pin: env.PIN, consent: true, delegated_consents: {} });
      assert(res.result === 'completed', `approve answered ${JSON.stringify(res)}`);
      return;
    }
    await sleep(100);
  }
  throw new Error(`no login request with binding_message ${bindingMessage}`);
}
const tag = () => `FA-${randomBytes(3).toString('hex').toUpperCase().slice(0, 5)}`;

// One whole login with private_key_jwt; `signed` sends the parameters in a signed request.
async function login({ clientId, key, kid, alg, signed }) {
  const config = await client.discovery(new URL(ISSUER), clientId, { id_token_signed_response_alg: alg },
    client.PrivateKeyJwt({ key, kid }), { execute: [client.allowInsecureRequests] });
  const meta = config.serverMetadata();
  assert(meta.token_endpoint_auth_methods_supported.includes('private_key_jwt'), 'private_key_jwt not in discovery');
  assert(meta.id_token_signing_alg_values_supported.includes(alg), `${alg} not in discovery`);
  const bindingMessage = tag();
  const params = { scope: 'openid name', login_hint: HINT, binding_message: bindingMessage, nonce: client.randomNonce() };
  let parameters = params;
  if (signed) {
    const now = Math.floor(Date.now() / 1000);
    const request = await new jose.SignJWT(params).setProtectedHeader({ alg, kid })
      .setIssuer(clientId).setAudience(ISSUER).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 300)
      .setJti(randomUUID()).sign(key);
    parameters = { request };
  }
  const auth = await client.initiateBackchannelAuthentication(config, parameters);
  await approve(bindingMessage);
  const tokens = await client.pollBackchannelAuthenticationGrant(config, auth, undefined, { signal: AbortSignal.timeout(60_000) });
  const claims = tokens.claims(); // the library validates iss, aud, exp, nonce and the header alg
  assert(claims.aud === clientId && claims.nonce === params.nonce, `claims ${JSON.stringify(claims)}`);
  const { protectedHeader, payload } = await jose.jwtVerify(tokens.id_token, JWKS, { issuer: ISSUER, audience: clientId, algorithms: [alg] });
  assert(protectedHeader.alg === alg && payload.auth_req_id === auth.auth_req_id, `header ${JSON.stringify(protectedHeader)}`);
  return { config, tokens };
}

const esKey = await importKey(env.ES_KEY, 'pkcs8', 'ES256');
const psKey = await importKey(env.PS_KEY, 'pkcs1', 'PS256');
let es;

await check('private_key_jwt (ES256 client key): whole CIBA login, ES256 ID token verified against the JWKS', async () => {
  es = await login({ clientId: env.ES_CLIENT, key: esKey, kid: env.ES_KID, alg: 'ES256', signed: false });
});

await check('FAPI-CIBA client (PS256 key): signed request, private_key_jwt, PS256 ID token verified against the JWKS', async () => {
  await login({ clientId: env.PS_CLIENT, key: psKey, kid: env.PS_KID, alg: 'PS256', signed: true });
});

await check('introspection and revocation with private_key_jwt (library)', async () => {
  assert(es, 'the ES256 login failed');
  const before = await client.tokenIntrospection(es.config, es.tokens.access_token);
  assert(before.active === true && before.client_id === env.ES_CLIENT, `introspection ${JSON.stringify(before)}`);
  await client.tokenRevocation(es.config, es.tokens.access_token);
  const after = await client.tokenIntrospection(es.config, es.tokens.access_token);
  assert(after.active === false, `after revocation ${JSON.stringify(after)}`);
});

await check('a FAPI-CIBA client without a signed request -> invalid_request (library)', async () => {
  const config = await client.discovery(new URL(ISSUER), env.PS_CLIENT, { id_token_signed_response_alg: 'PS256' },
    client.PrivateKeyJwt({ key: psKey, kid: env.PS_KID }), { execute: [client.allowInsecureRequests] });
  const err = await client.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint: HINT, binding_message: tag() })
    .then(() => undefined, (e) => e);
  assert(err instanceof client.ResponseBodyError && err.error === 'invalid_request', `got ${err?.message ?? 'success'}`);
});

finish('fapi interop');
