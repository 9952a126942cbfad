// The App API client: JSON calls under /app-api/v1, the device token kept in localStorage,
// and the App API's error shape turned into ApiError values.

export const API_BASE = '/app-api/v1';
export const APP_VERSION = '1.0.0';
const TOKEN_KEY = 'phonelogin.device_token';

export class ApiError extends Error {
  /** status 0 means the server could not be reached. */
  constructor(status, code, description, body) {
    super(description || code);
    this.status = status;
    this.code = code;
    this.body = body || {};
  }
}

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function setToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try { localStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
}

const unauthorizedListeners = new Set();
/** Called when the server no longer knows our device token (401 invalid_token). */
export function onUnauthorized(fn) { unauthorizedListeners.add(fn); }

export function authHeaders() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * Call the App API. Resolves with the parsed JSON body (null for 204), rejects with ApiError.
 * `auth: false` leaves out the device token (enrollment calls).
 */
export async function api(method, path, body, { auth = true } = {}) {
  const headers = { Accept: 'application/json', ...(auth ? authHeaders() : {}) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', String(e?.message || e));
  }
  let data = null;
  const text = res.status === 204 ? '' : await res.text().catch(() => '');
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const code = (data && typeof data.error === 'string') ? data.error : `http_${res.status}`;
    const err = new ApiError(res.status, code, data?.error_description, data);
    err.retryAfter = res.headers.get('Retry-After');
    if (auth && res.status === 401) for (const fn of unauthorizedListeners) fn(err);
    throw err;
  }
  return data;
}

export const App = {
  startEnrollment: (phone_number) => api('POST', '/enrollments', { phone_number }, { auth: false }),
  checkCode: (id, code) =>
    api('POST', `/enrollments/${encodeURIComponent(id)}/check`, { code }, { auth: false }),
  verifyEnrollment: (id, body) =>
    api('POST', `/enrollments/${encodeURIComponent(id)}/verify`, body, { auth: false }),
  devOutbox: () => api('GET', '/dev/outbox', undefined, { auth: false }),
  me: () => api('GET', '/me'),
  loginRequests: () => api('GET', '/login-requests'),
  loginRequest: (id) => api('GET', `/login-requests/${encodeURIComponent(id)}`),
  approve: (id, body) => api('POST', `/login-requests/${encodeURIComponent(id)}/approve`, body),
  reject: (id, body) => api('POST', `/login-requests/${encodeURIComponent(id)}/reject`, body || {}),
  devices: () => api('GET', '/devices'),
  removeDevice: (id) => api('DELETE', `/devices/${encodeURIComponent(id)}`),
  consents: () => api('GET', '/consents'),
  revokeConsent: (clientId) => api('DELETE', `/consents/${encodeURIComponent(clientId)}`),
};
