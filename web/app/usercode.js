// "My user code": the user sets the code that some merchants (banks, for instance) ask for
// with every login, so that knowing a phone number is not enough to send a login to this
// phone (PUT /app-api/v1/user-code). Stored on the server like a PIN; never shown again.
// Its texts live here, in both languages, picked with i18n's `pick`.

import { api, ApiError } from './api.js';
import { t, pick } from './i18n.js';
import { h, show, errorLine, setError, busy, toast } from './ui.js';
import { showHome } from './home.js';

const TEXT = {
  link: { EN: 'My user code', NO: 'Min brukerkode' },
  title: { EN: 'My user code', NO: 'Min brukerkode' },
  intro: {
    EN: 'Some shops and banks ask you for this code before they can send a login to your phone. Choose 4 to 12 characters; you can change it at any time.',
    NO: 'Noen butikker og banker ber deg om denne koden før de kan sende en innlogging til telefonen din. Velg 4 til 12 tegn; du kan endre den når som helst.',
  },
  label: { EN: 'New user code', NO: 'Ny brukerkode' },
  repeat: { EN: 'Repeat the user code', NO: 'Gjenta brukerkoden' },
  save: { EN: 'Save user code', NO: 'Lagre brukerkode' },
  saved: { EN: 'Your user code is saved', NO: 'Brukerkoden er lagret' },
  length: { EN: 'The user code must be 4 to 12 characters.', NO: 'Brukerkoden må være 4 til 12 tegn.' },
  mismatch: { EN: 'The two codes are not the same.', NO: 'De to kodene er ikke like.' },
};

/** The label of the home screen's link to this screen. */
export const userCodeLinkLabel = () => pick(TEXT.link);

export function showUserCode() {
  show('user-code', render);
}

function render() {
  const field = (id, testid) => h('input', {
    id, type: 'password', autocomplete: 'new-password', required: true,
    minlength: '4', maxlength: '12', testid,
  });
  const code = field('user-code', 'user-code');
  const repeat = field('user-code-repeat', 'user-code-repeat');
  const err = errorLine('user-code-error');
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'user-code-save' }, pick(TEXT.save));
  const form = h('form', {
    class: 'stack', novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      const value = code.value;
      const length = [...value].length;
      if (length < 4 || length > 12) { setError(err, pick(TEXT.length)); code.focus(); return; }
      if (value !== repeat.value) { setError(err, pick(TEXT.mismatch)); repeat.focus(); return; }
      busy(submit, async () => {
        setError(err, '');
        try {
          await api('PUT', '/user-code', { user_code: value });
          toast(pick(TEXT.saved));
          showHome();
        } catch (e2) {
          if (e2 instanceof ApiError && e2.status === 401) return;
          setError(err, e2.status === 0 ? t('err_network') : t('err_generic', { code: e2.code }));
        }
      });
    },
  },
  h('label', { for: 'user-code' }, pick(TEXT.label)),
  code,
  h('label', { for: 'user-code-repeat' }, pick(TEXT.repeat)),
  repeat,
  err,
  submit);
  return h('section', { class: 'screen', testid: 'screen-user-code' },
    h('button', { class: 'btn-back', type: 'button', testid: 'back', onclick: () => showHome() },
      h('span', { 'aria-hidden': 'true' }, '‹ '), t('back')),
    h('h1', {}, pick(TEXT.title)),
    h('p', { class: 'lead' }, pick(TEXT.intro)),
    form);
}
