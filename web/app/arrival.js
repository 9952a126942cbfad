// Opening the app (spec §11, the seed: "open the app themselves and automatically start the
// login flow"): with exactly one login waiting it opens at once; with several, home lists them
// newest first. A tap on a notification opens its own request (the service worker's message).

import { currentScreen } from './ui.js';
import { openRequests } from './state.js';
import { refresh } from './home.js';
import { openRequest, openRequestById } from './login.js';

/** After the app opened on home: open the one waiting request, if there is exactly one. */
export async function openTheOneWaiting() {
  await refresh();
  const waiting = openRequests();
  if (waiting.length === 1 && currentScreen()?.name === 'home') openRequest(waiting[0]);
}

/** A tapped notification (sw.js) names its request. */
export function listenForNotificationTaps() {
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'open_request' && typeof event.data.request_id === 'string') {
      openRequestById(event.data.request_id);
    }
  });
}
