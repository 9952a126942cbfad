// The "push" channel: GET /app-api/v1/events read as Server-Sent Events from a fetch stream
// (EventSource cannot send the Authorization header), reconnected with backoff when it drops.

import { API_BASE, authHeaders, getToken } from './api.js';

/** Incremental SSE parser (WHATWG "event stream interpretation"): feed text, get events. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
  }

  feed(chunk) {
    this.buffer += chunk;
    // A line ends with \r\n, \n or \r; keep a trailing \r until we know whether \n follows.
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      if (c === '\r' && i + 1 === this.buffer.length) break;
      this.line(this.buffer.slice(start, i));
      if (c === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  line(line) {
    if (line === '') {
      if (this.data.length) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    // id and retry are not needed: after a reconnect the app re-reads the pending list.
  }
}

/**
 * Reconnect delays: a first quick retry, then short steps, at most 800 ms while the app is on
 * screen, so that the stream is back within a second of the server; slower when hidden (the
 * `visibilitychange` and `online` events reconnect at once).
 */
const VISIBLE_DELAYS = [100, 300, 600, 800];
const HIDDEN_MAX = 30_000;
/** The server sends a keep-alive every 15 s: a stream silent for longer is dead. */
const SILENCE_MS = 35_000;

export function reconnectDelay(attempt, hidden) {
  const visible = VISIBLE_DELAYS[Math.min(attempt, VISIBLE_DELAYS.length - 1)];
  return hidden ? Math.min(visible * 2 ** Math.max(0, attempt - 3), HIDDEN_MAX) : visible;
}

/**
 * Keep the events stream open while a device token exists.
 * handlers: { onEvent(name, data), onOpen(), onDown(), onFail(), onUnauthorized() }: onDown when
 * an open stream drops, onFail when an attempt to open one fails.
 * Returns { stop(), kick() } — kick() reconnects now instead of waiting out the backoff.
 */
export function connectEvents(handlers) {
  let stopped = false;
  let controller = null;
  let attempt = 0;
  let wakeUp = null;
  let up = false;

  const sleep = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wakeUp = () => { clearTimeout(timer); resolve(); };
  });

  const down = () => {
    if (!up) {
      handlers.onFail?.();
      return;
    }
    up = false;
    handlers.onDown?.();
  };

  async function once() {
    controller = new AbortController();
    const mine = controller;
    const res = await fetch(`${API_BASE}/events`, {
      headers: { Accept: 'text/event-stream', ...authHeaders() },
      cache: 'no-store',
      signal: mine.signal,
    });
    if (res.status === 401) {
      handlers.onUnauthorized?.();
      return false;
    }
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    attempt = 0;
    up = true;
    handlers.onOpen?.();
    const parser = new SseParser(({ event, data }) => {
      let parsed = data;
      try { parsed = JSON.parse(data); } catch { /* leave as text */ }
      try { handlers.onEvent(event, parsed); } catch (e) { console.error('event handler', e); }
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let watchdog = null;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => mine.abort(), SILENCE_MS);
    };
    try {
      for (;;) {
        arm();
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } finally {
      clearTimeout(watchdog);
    }
    return true;
  }

  const onOnline = () => { attempt = 0; wakeUp?.(); };
  const onOffline = () => { controller?.abort(); };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);

  (async () => {
    while (!stopped && getToken()) {
      let keepGoing = true;
      try {
        keepGoing = await once();
      } catch (e) {
        if (stopped) break;
      }
      if (!keepGoing || stopped) break;
      down();
      await sleep(reconnectDelay(attempt, document.visibilityState === 'hidden'));
      attempt += 1;
    }
  })();

  return {
    stop() {
      stopped = true;
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      controller?.abort();
      wakeUp?.();
    },
    kick() {
      attempt = 0;
      wakeUp?.();
    },
    /** The server could not be reached by another call: drop this stream and connect again. */
    reconnect() {
      attempt = 0;
      controller?.abort();
      wakeUp?.();
    },
    /** Whether the stream is connected right now. */
    isUp: () => up,
  };
}
