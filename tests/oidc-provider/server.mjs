// A CIBA provider we did not write: panva's oidc-provider (OpenID Certified), poll mode, on
// 127.0.0.1 and a free port, for `phonelogin login`'s tests (crates/cli/tests/login.rs).
//
//   node server.mjs   → prints one line: {"issuer": "http://127.0.0.1:PORT", "client_id", "client_secret"}
//
// It stands in for the user's phone itself: a login for a number ending in 0 is denied, any
// other is approved shortly after the backchannel request (APPROVE_AFTER_MS, default 200).
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const CLIENT_ID = 'peer-shop';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const APPROVE_AFTER_MS = Number(process.env.APPROVE_AFTER_MS ?? 200);
const MSISDN_HINT = /^urn:msisdn:(\d{8,15})$/;

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
let provider;

async function approve(request) {
  const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
  grant.addOIDCScope(request.scope);
  await grant.save();
  await provider.backchannelResult(request, grant, { authTime: Math.floor(Date.now() / 1000), amr: ['pwd'] });
}

provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['urn:openid:params:grant-type:ciba'],
    response_types: [],
    redirect_uris: [],
    scope: 'openid profile phone',
    backchannel_token_delivery_mode: 'poll',
  }],
  jwks: { keys: [{ ...rsa, kid: 'peer-rsa-1', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'profile', 'phone'],
  claims: { openid: ['sub'], profile: ['name'], phone: ['phone_number', 'phone_number_verified'] },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      async processLoginHint(ctx, loginHint) {
        return MSISDN_HINT.exec(loginHint)?.[1];
      },
      async validateRequestContext() {},
      async verifyUserCode() {},
      // The "phone": decide a moment after the request, as a person would.
      async triggerAuthenticationDevice(ctx, request) {
        setTimeout(() => {
          const decide = request.accountId.endsWith('0')
            ? provider.backchannelResult(request, new errors.AccessDenied('end-user denied'))
            : approve(request);
          decide.catch((err) => console.error('decision failed', err));
        }, APPROVE_AFTER_MS);
      },
    },
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: `Peer User ${id.slice(-4)}`, phone_number: `+${id}`, phone_number_verified: true };
      },
    };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
