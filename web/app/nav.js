// Browser history for the app's screens, so that the browser's (and Android's) Back button
// goes back one screen, and a reload in the middle of a login returns to that login.
//
// Each screen shown with a `route` is one history entry: { name, params, depth }. Home and the
// ending screens are the base (depth 0): reaching one from inside a login first goes back to the
// base entry and replaces it, so Back never leads into a login that has ended. Login steps and
// the consents page are pushed on top. The URL's hash names the login (`#request=ID&step=pin`),
// which is what a reload reopens.

const routes = new Map(); // name -> (params) => void, shows that screen again
let restoring = false; // the next recorded screen answers a Back/Forward: replace, don't push
let pending = null; // a base entry to write once history.go() has reached depth 0

/** How to show screen `name` again when Back/Forward lands on its entry. */
export function onRoute(name, show) {
  routes.set(name, show);
}

function entry(route, depth) {
  return { pl: true, name: route.name, params: route.params || {}, depth };
}

function url(route) {
  return window.location.pathname + window.location.search + (route.hash || '');
}

/**
 * Record a screen being shown. route: { name, params, hash, base, fresh }. `base` screens
 * (home, the endings) replace the base entry; `fresh` ones (the start of another login) go back
 * to the base entry and are pushed on it; others are pushed unless they are the entry shown.
 */
export function record(route) {
  if (!route) return;
  const current = history.state?.pl ? history.state : null;
  const depth = current?.depth || 0;
  if (restoring || !current) {
    restoring = false;
    history.replaceState(entry(route, route.base ? 0 : depth), '', url(route));
    return;
  }
  if (pending) {
    // history.go() is still on its way to the base entry: this screen is what to write there.
    pending = { state: entry(route, route.base ? 0 : 1), url: url(route), push: !route.base };
    return;
  }
  if (route.base || route.fresh) {
    const push = !route.base;
    if (depth > 0) {
      pending = { state: entry(route, push ? 1 : 0), url: url(route), push };
      history.go(-depth);
    } else if (push) {
      history.pushState(entry(route, 1), '', url(route));
    } else {
      history.replaceState(entry(route, 0), '', url(route));
    }
    return;
  }
  const same = current.name === route.name && JSON.stringify(current.params) === JSON.stringify(route.params || {});
  if (same) history.replaceState(entry(route, depth), '', url(route));
  else history.pushState(entry(route, depth + 1), '', url(route));
}

/** The in-app Back button: the browser's Back when there is a screen to go back to. */
export function goBack(fallback) {
  if ((history.state?.pl && history.state.depth) > 0) history.back();
  else fallback();
}

window.addEventListener('popstate', (event) => {
  if (pending) {
    const { state, url: to, push } = pending;
    pending = null;
    if (push) history.pushState(state, '', to);
    else history.replaceState(state, '', to);
    return;
  }
  const state = event.state;
  if (!state?.pl) return;
  const show = routes.get(state.name) || routes.get('home');
  if (!show) return;
  restoring = true;
  show(state.params || {});
});

/** The login a URL's hash names (`#request=ID`, optionally `&step=...`), or null. */
export function requestInHash(hash = window.location.hash) {
  const m = /^#request=([\w-]+)(?:&step=(\w+))?$/.exec(hash);
  return m ? { id: m[1], step: m[2] || 'confirm' } : null;
}
