// The device key (spec §10): a non-extractable ECDSA P-256 key that this app creates with
// WebCrypto at enrollment and keeps in IndexedDB. Its public half is registered with the
// server; every approve and reject is signed with it, so a stolen device token alone cannot
// decide anything. The private key never leaves the browser: not even this code can read it.

const DB_NAME = 'phonelogin';
const STORE = 'keys';
const KEY_ID = 'device';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** A new key pair (not yet stored) and its public JWK for the enrollment request. */
export async function newDeviceKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { pair, jwk: { kty, crv, x, y } };
}

/** Keeps the enrolled device's key pair (replacing an earlier one). */
export function saveDeviceKey(pair) {
  return withStore('readwrite', (s) => s.put(pair, KEY_ID));
}

export function clearDeviceKey() {
  return withStore('readwrite', (s) => s.delete(KEY_ID)).catch(() => {});
}

function b64url(buffer) {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The signature of a decision: base64url of the ES256 signature (r‖s) over
 * `phonelogin-decision:<request id>:<approve|reject>`; undefined when this app has no key.
 */
export async function signDecision(requestId, approve) {
  const pair = await withStore('readonly', (s) => s.get(KEY_ID)).catch(() => undefined);
  if (!pair?.privateKey) return undefined;
  const text = `phonelogin-decision:${requestId}:${approve ? 'approve' : 'reject'}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(text));
  return b64url(sig);
}
