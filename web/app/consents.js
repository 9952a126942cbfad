// "What I share": each merchant the user has consented to, what is shared, since when, and a
// Revoke button (affects future logins only).

import { App, ApiError } from './api.js';
import { t, scopeLabel, joinList, formatDate } from './i18n.js';
import { h, show, currentScreen, merchantLogo, errorLine, setError, busy, toast } from './ui.js';
import { showHome } from './home.js';
import { goBack } from './nav.js';

export function showConsents() {
  const screen = show('consents', render, { route: { name: 'consents', hash: '#consents' } });
  load(screen);
}

async function load(screen) {
  try {
    const res = await App.consents();
    screen.consents = res?.consents || [];
  } catch (e) {
    screen.error = e;
  }
  if (currentScreen() === screen) screen.update?.();
}

function render(screen) {
  const list = h('ul', { class: 'consent-list', testid: 'consent-list', 'aria-busy': 'true' });
  const empty = h('p', { class: 'empty', testid: 'consents-empty', hidden: true }, t('consents_empty'));
  const err = errorLine('consents-error');

  screen.update = () => {
    list.removeAttribute('aria-busy');
    if (screen.error) {
      if (screen.error instanceof ApiError && screen.error.status === 401) return;
      setError(err, screen.error.status === 0 ? t('err_network') : t('err_generic', { code: screen.error.code }));
    }
    const items = screen.consents || [];
    list.replaceChildren(...items.map((c) => item(screen, c)));
    empty.hidden = !screen.consents || items.length > 0;
    list.dataset.loaded = 'true';
  };

  const root = h('section', { class: 'screen', testid: 'screen-consents' },
    h('button', { class: 'btn-back', type: 'button', testid: 'back', onclick: () => goBack(showHome) },
      h('span', { 'aria-hidden': 'true' }, '‹ '), t('back')),
    h('h1', {}, t('consents_title')),
    h('p', { class: 'lead' }, t('consents_intro')),
    list,
    empty,
    err);
  if (screen.consents || screen.error) screen.update();
  return root;
}

function item(screen, c) {
  const name = c.merchant?.name || c.client_id;
  const err = errorLine('revoke-error');
  const ask = h('div', { class: 'confirm-box', hidden: true },
    h('p', {}, t('revoke_question', { merchant: name })),
    h('div', { class: 'row' },
      h('button', {
        class: 'btn btn-danger', type: 'button', testid: 'consent-revoke-confirm',
        onclick: (e) => busy(e.currentTarget, async () => {
          try {
            await App.revokeConsent(c.client_id);
          } catch (e2) {
            if (!(e2 instanceof ApiError && e2.code === 'not_found')) {
              setError(err, e2.status === 0 ? t('err_network') : t('err_generic', { code: e2.code }));
              return;
            }
          }
          screen.consents = (screen.consents || []).filter((x) => x.client_id !== c.client_id);
          screen.update();
          toast(t('revoked'));
        }),
      }, t('revoke_yes')),
      h('button', {
        class: 'btn btn-secondary', type: 'button', testid: 'consent-revoke-cancel',
        onclick: () => { ask.hidden = true; revoke.hidden = false; },
      }, t('cancel'))));
  const revoke = h('button', {
    class: 'btn btn-secondary btn-small', type: 'button', testid: 'consent-revoke',
    onclick: () => { ask.hidden = false; revoke.hidden = true; },
  }, t('revoke'));
  const scopes = c.scopes || [];
  return h('li', { class: 'card consent', testid: 'consent-item', dataset: { clientId: c.client_id } },
    h('div', { class: 'consent-head' },
      merchantLogo(c.merchant, 'sm'),
      h('div', {},
        h('strong', { testid: 'consent-merchant' }, name),
        c.granted_at ? h('p', { class: 'muted small' }, t('since', { date: formatDate(c.granted_at) })) : null),
      revoke),
    h('p', { class: 'consent-scopes', testid: 'consent-scopes' },
      scopes.length ? joinList(scopes.map(scopeLabel)) : t('identity_only')),
    ask,
    err);
}
