// Several logins from one merchant: the newest is the one the till is waiting for. Older ones
// (the till gave up on them and started again) are marked "older" and rejected in one tap.

import { App, ApiError } from './api.js';
import { t } from './i18n.js';
import { h, busy } from './ui.js';
import { openRequests, markClosed, seenOrder } from './state.js';
import { signDecision } from './devicekey.js';

/** Whether `a` started before `b` (server time, then the order the app learnt of them). */
export function startedBefore(a, b) {
  const byTime = String(a.created_at || '').localeCompare(String(b.created_at || ''));
  return byTime !== 0 ? byTime < 0 : seenOrder(a.id) < seenOrder(b.id);
}

const sameMerchant = (a, b) => a.client_id === b.client_id;

/** Open logins of `view`'s merchant that started before it. */
export function olderThan(view) {
  return openRequests().filter((o) => o.id !== view.id && sameMerchant(o, view) && startedBefore(o, view));
}

/** Whether a newer login of the same merchant is open: this one is "older". */
export function isOlder(view) {
  return openRequests().some((o) => o.id !== view.id && sameMerchant(o, view) && startedBefore(view, o));
}

/** The newest open login of `view`'s merchant, when it is not `view` itself. */
export function newestOf(view) {
  return openRequests().find((o) => o.id !== view.id && sameMerchant(o, view) && startedBefore(view, o)) || null;
}

/** Reject each of `views`; one that ended meanwhile counts as done. */
export async function rejectAll(views) {
  await Promise.all(views.map(async (v) => {
    try {
      await App.reject(v.id, { signature: await signDecision(v.id, false) });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 'request_closed' || e.code === 'not_found'))) throw e;
    }
    markClosed(v.id, 'rejected');
  }));
}

/**
 * On the confirm screen of `view`: a note when the same merchant has older logins open, with
 * one button that rejects them all; or, when `view` itself is older, a note with a button to
 * the newest one. `open(view)` opens another login.
 */
export function olderNotice(view, open, onError) {
  const older = olderThan(view);
  const newest = newestOf(view);
  const merchant = view.merchant?.name || view.client_id;
  if (newest) {
    return h('div', { class: 'notice notice-older', testid: 'older-notice', role: 'note' },
      h('p', {}, h('span', { class: 'tag tag-older', testid: 'older-tag' }, t('older_tag')), ' ', t('older_this', { merchant })),
      h('button', {
        class: 'btn btn-secondary btn-small', type: 'button', testid: 'open-newest',
        onclick: () => open(newest),
      }, t('open_newest')));
  }
  if (!older.length) return null;
  const button = h('button', {
    class: 'btn btn-secondary btn-small', type: 'button', testid: 'reject-older',
    onclick: () => busy(button, async () => {
      try {
        await rejectAll(older);
        note.replaceChildren(h('p', { testid: 'older-rejected' }, t('older_rejected', { n: older.length })));
      } catch (e) {
        onError(e);
      }
    }),
  }, older.length === 1 ? t('reject_older_one') : t('reject_older', { n: older.length }));
  const note = h('div', { class: 'notice notice-older', testid: 'older-notice', role: 'note' },
    h('p', {}, older.length === 1 ? t('older_waiting_one', { merchant }) : t('older_waiting', { merchant, n: older.length })),
    button);
  return note;
}
