// What the app knows between screens: the signed-in user and the open login requests
// (from the list call and from push events), each with a local deadline for its countdown.

const requests = new Map(); // id -> LoginRequestView
const deadlines = new Map(); // id -> ms since epoch
const closed = new Map(); // id -> reason, for requests ended while the app was looking
const listeners = new Set();

/**
 * streamUp: the push stream is connected. reachFailed: the last try to reach the server failed
 * (before any try the app is just connecting). listKnown: the pending list was read from the
 * server since the app last lost it (only then may the app say that nothing is waiting).
 */
export const session = { me: null, streamUp: false, reachFailed: false, listKnown: false };

const seen = new Map(); // id -> the order in which the app learnt of it
let seenCount = 0;

/** The order in which the app learnt of login `id` (ties between equal start times). */
export function seenOrder(id) {
  if (!seen.has(id)) seen.set(id, ++seenCount);
  return seen.get(id);
}

/** Set by app.js: what to do when this phone must be set up again (locked, removed), and when
 * the server cannot be reached. */
export const hooks = {
  reenroll: () => {},
  /** An App API call could not reach the server: show it and reconnect the push stream. */
  connectionLost: () => {},
};

export function onRequestsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

/** Remember a LoginRequestView; its countdown runs from `expires_in` as seen now. */
export function remember(view) {
  if (!view?.id || closed.has(view.id)) return view;
  seenOrder(view.id);
  requests.set(view.id, view);
  deadlines.set(view.id, deadlineOf(view));
  changed();
  return view;
}

function deadlineOf(view) {
  if (Number.isFinite(view.expires_in)) return Date.now() + view.expires_in * 1000;
  const at = Date.parse(view.expires_at);
  return Number.isFinite(at) ? at : Date.now() + 600_000;
}

/** Replace the whole pending list with the server's answer. */
export function replaceAll(views) {
  requests.clear();
  for (const v of views) {
    if (closed.has(v.id)) continue;
    seenOrder(v.id);
    requests.set(v.id, v);
    deadlines.set(v.id, deadlineOf(v));
  }
  changed();
}

export function markClosed(id, reason) {
  closed.set(id, reason || 'closed');
  requests.delete(id);
  changed();
}

export function closedReason(id) { return closed.get(id); }

export function deadline(id) { return deadlines.get(id) ?? Date.now(); }

export function getRequest(id) { return requests.get(id); }

/** Open requests, newest first, without expired ones. */
export function openRequests() {
  const now = Date.now();
  return [...requests.values()]
    .filter((v) => deadline(v.id) > now)
    .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
}

export function clearAll() {
  requests.clear();
  deadlines.clear();
  closed.clear();
  session.me = null;
  changed();
}
