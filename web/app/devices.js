// "Devices": every phone and browser set up for this number, when each was added and last
// used, and removing one (its token stops working at once). A device added somewhere else is
// announced on the others (the `device_added` event), so a stranger's enrollment is seen.

import { App, ApiError } from './api.js';
import { t, formatDate } from './i18n.js';
import { h, show, currentScreen, errorLine, setError, busy, toast } from './ui.js';
import { showHome } from './home.js';

export function showDevices() {
  const screen = show('devices', render);
  load(screen);
}

async function load(screen) {
  try {
    screen.devices = (await App.devices())?.devices || [];
    screen.error = null;
  } catch (e) {
    screen.error = e;
  }
  if (currentScreen() === screen) screen.update?.();
}

function render(screen) {
  const list = h('ul', { class: 'consent-list', testid: 'device-list', 'aria-busy': 'true' });
  const err = errorLine('devices-error');
  screen.update = () => {
    list.removeAttribute('aria-busy');
    if (screen.error) {
      if (screen.error instanceof ApiError && screen.error.status === 401) return;
      setError(err, screen.error.status === 0 ? t('err_network') : t('err_generic', { code: screen.error.code }));
    }
    list.replaceChildren(...(screen.devices || []).map((d) => item(screen, d)));
    list.dataset.loaded = 'true';
  };
  const root = h('section', { class: 'screen', testid: 'screen-devices' },
    h('button', { class: 'btn-back', type: 'button', testid: 'back', onclick: () => showHome() },
      h('span', { 'aria-hidden': 'true' }, '‹ '), t('back')),
    h('h1', {}, t('devices_title')),
    h('p', { class: 'lead' }, t('devices_intro')),
    list,
    err);
  if (screen.devices || screen.error) screen.update();
  return root;
}

function item(screen, d) {
  const err = errorLine('device-remove-error');
  const ask = h('div', { class: 'confirm-box', hidden: true },
    h('p', {}, d.current ? t('device_remove_self_question') : t('device_remove_question', { name: d.name })),
    h('div', { class: 'row' },
      h('button', {
        class: 'btn btn-danger', type: 'button', testid: 'device-remove-confirm',
        onclick: (e) => busy(e.currentTarget, async () => {
          try {
            await App.removeDevice(d.id);
          } catch (e2) {
            if (!(e2 instanceof ApiError && e2.code === 'not_found')) {
              setError(err, e2.status === 0 ? t('err_network') : t('err_generic', { code: e2.code }));
              return;
            }
          }
          // Removing this device ends its token: the 401 that follows sends the app to setup.
          screen.devices = (screen.devices || []).filter((x) => x.id !== d.id);
          screen.update();
          toast(t('device_removed', { name: d.name }));
          if (d.current) App.me().catch(() => {});
        }),
      }, t('device_remove_yes')),
      h('button', {
        class: 'btn btn-secondary', type: 'button', testid: 'device-remove-cancel',
        onclick: () => { ask.hidden = true; remove.hidden = false; },
      }, t('cancel'))));
  const remove = h('button', {
    class: 'btn btn-secondary btn-small', type: 'button', testid: 'device-remove',
    'aria-label': t('device_remove_label', { name: d.name }),
    onclick: () => { ask.hidden = false; remove.hidden = true; },
  }, t('device_remove'));
  return h('li', { class: 'card consent', testid: 'device-item', dataset: { id: d.id, current: String(!!d.current) } },
    h('div', { class: 'consent-head' },
      h('div', {},
        h('strong', { testid: 'device-name' }, d.name),
        d.current ? h('span', { class: 'badge', testid: 'device-current' }, ` · ${t('device_this')}`) : null,
        h('p', { class: 'muted small' }, t('device_added_on', { date: formatDate(d.created_at) })),
        h('p', { class: 'muted small', testid: 'device-last-used' },
          d.last_used_at ? t('device_last_used', { date: formatDate(d.last_used_at) }) : t('device_never_used')),
        d.locked ? h('p', { class: 'small error-text' }, t('device_locked_badge')) : null),
      remove),
    ask,
    err);
}
