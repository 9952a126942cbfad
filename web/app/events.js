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
 * Keep the events stream open while a device token exists.
 * handlers: { onEvent(name, data), onOpen(), onDown(), onUnauthorized() }.
 * Returns { stop(), kick() } — kick() reconnects now instead of waiting out the backoff.
 */
export function connectEvents(handlers) {
  let stopped = false;
  let controller = null;
  let delay = 1000;
  let wakeUp = null;

  const sleep = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wakeUp = () => { clearTimeout(timer); resolve(); };
  });

  async function once() {
    controller = new AbortController();
    const res = await fetch(`${API_BASE}/events`, {
      headers: { Accept: 'text/event-stream', ...authHeaders() },
      cache: 'no-store',
      signal: controller.signal,
    });
    if (res.status === 401) {
      handlers.onUnauthorized?.();
      return false;
    }
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    delay = 1000;
    handlers.onOpen?.();
    const parser = new SseParser(({ event, data }) => {
      let parsed = data;
      try { parsed = JSON.parse(data); } catch { /* leave as text */ }
      try { handlers.onEvent(event, parsed); } catch (e) { console.error('event handler', e); }
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    return true;
  }

  (async () => {
    while (!stopped && getToken()) {
      let keepGoing = true;
      try {
        keepGoing = await once();
      } catch (e) {
        if (stopped) break;
      }
      if (!keepGoing) break;
      if (stopped) break;
      handlers.onDown?.();
      await sleep(delay + Math.random() * 250);
      delay = Math.min(delay * 2, 30000);
    }
  })();

  return {
    stop() {
      stopped = true;
      controller?.abort();
      wakeUp?.();
    },
    kick() {
      delay = 1000;
      wakeUp?.();
    },
  };
}
