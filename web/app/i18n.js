// All user-visible strings of the authenticator app, in English and Norwegian, and the
// helpers that pick a language. Server-provided texts come as {"EN": ..., "NO": ...} objects.

const STRINGS = {
  EN: {
    lang_name: 'English',
    switch_to: 'Norsk',
    enroll_title: 'Set up phonelogin',
    enroll_intro: 'Log in to shops and services with just your phone number. First, confirm that this phone is yours.',
    phone_label: 'Mobile number',
    phone_hint: '8 digits, or with country code (47 for Norway)',
    send_code: 'Send code',
    code_title: 'Enter the code',
    code_intro: 'We sent a 6-digit code by SMS to {phone}.',
    code_label: 'One-time code',
    dev_code: 'dev: code is {code}',
    continue: 'Continue',
    change_number: 'Use another number',
    profile_title: 'About you',
    profile_intro: 'This number has no account yet. Tell the shops you log in to who you are.',
    profile_given_name: 'First name',
    profile_family_name: 'Last name',
    profile_email: 'Email (optional)',
    profile_birthdate: 'Date of birth (optional)',
    profile_hint: 'Shops see these only when you agree to share them.',
    profile_name_required: 'Enter your first name.',
    profile_email_invalid: 'That is not an email address.',
    pin_choose_title: 'Choose a PIN',
    pin_choose_intro: 'You use this PIN to confirm logins. 4 to 6 digits.',
    pin_label: 'PIN',
    pin_repeat_label: 'Repeat the PIN',
    pin_mismatch: 'The two PINs are not the same.',
    pin_invalid: 'The PIN must be 4 to 6 digits.',
    finish_setup: 'Finish setup',
    err_unknown_user: 'There is no account for this number.',
    err_invalid_phone_number: 'That does not look like a mobile number.',
    err_invalid_code: 'Wrong or expired code. Try again.',
    err_enrollment_gone: 'The code has expired. Start again.',
    err_invalid_pin: 'The PIN must be 4 to 6 digits.',
    err_network: 'Could not reach the server. Check your connection and try again.',
    err_generic: 'Something went wrong ({code}). Try again.',
    greeting: 'Hi, {name}',
    greeting_anon: 'Hi',
    home_pending: 'Waiting for you',
    home_empty: 'No logins are waiting. When a shop starts a login for your number, it shows up here at once.',
    refresh: 'Refresh',
    pull_release: 'Release to refresh',
    consents_link: 'What I share',
    conn_up: 'Ready for logins',
    conn_starting: 'Connecting…',
    conn_connecting: 'Cannot reach the server. Trying again…',
    conn_offline: 'No network. Logins reach this phone when it is back online.',
    home_unknown: 'Cannot check for logins right now. Those that are waiting show up here once the server is reached.',
    close: 'Close',
    older_tag: 'Older',
    older_this: '{merchant} has started a newer login since this one.',
    open_newest: 'Open the newest',
    older_waiting_one: '{merchant} also has an older login waiting, which the shop no longer uses.',
    older_waiting: '{merchant} also has {n} older logins waiting, which the shop no longer uses.',
    reject_older_one: 'Reject the older login',
    reject_older: 'Reject the {n} older logins',
    older_rejected: 'Older logins rejected: {n}.',
    devices_link: 'Devices',
    devices_title: 'Devices',
    devices_intro: 'Phones and browsers that can confirm logins for your number. Remove any you do not recognise.',
    device_this: 'this device',
    device_added_on: 'Added {date}',
    device_last_used: 'Last used {date}',
    device_never_used: 'Not used yet',
    device_locked_badge: 'Locked after wrong PINs',
    device_remove: 'Remove',
    device_remove_label: 'Remove {name}',
    device_remove_question: 'Remove {name}? It can no longer confirm logins.',
    device_remove_self_question: 'Remove this device? You will have to set it up again.',
    device_remove_yes: 'Yes, remove',
    device_removed: '{name} was removed.',
    device_added_toast: 'A new device was set up for your number: {name}. Not you? Remove it under Devices.',
    err_too_many_devices: 'Your number already has 5 devices. Remove one in the app on another device first.',
    err_too_many_tries: 'Too many attempts. Try again later.',
    err_too_many_tries_wait: 'Too many attempts. Try again in {minutes} min.',
    live: 'Ready for logins',
    reconnecting: 'Reconnecting…',
    wants_login: '{merchant} wants you to log in',
    time_left: 'Time left {time}',
    confirm_title: 'Log in to {merchant}?',
    confirm_asks: '{merchant} asks for:',
    confirm_identity_only: 'Only to confirm that it is you. No personal information is shared.',
    binding_label: 'Confirmation code',
    binding_help: 'Check that it matches the code shown by {merchant}.',
    expired: 'This login has expired.',
    confirm: 'Confirm',
    reject: 'Reject',
    back: 'Back',
    consent_question: 'Share {list} with {merchant}?',
    consent_body: 'You consent once for {merchant}: next time you log in there, you will not be asked again. You can withdraw the consent any time under “What I share”.',
    accept_share: 'Yes, share',
    decline: 'No, cancel the login',
    required: 'Required',
    optional: 'Optional',
    delegated_bottom: 'By confirming you accept {merchant}’s {terms} and {privacy}.',
    terms: 'terms',
    privacy: 'privacy statement',
    delegated_missing: 'Tick every required consent to continue.',
    cancel_login: 'Cancel the login',
    pin_title: 'Enter your PIN',
    pin_intro: 'to confirm the login to {merchant}',
    wrong_pin: 'Wrong PIN. {n} attempts left.',
    wrong_pin_one: 'Wrong PIN. 1 attempt left: one more wrong PIN locks this phone, and it must then be set up again.',
    wrong_pin_plain: 'Wrong PIN. Try again.',
    locked_title: 'This phone is locked',
    locked_body: 'The PIN was entered wrong too many times. Set up phonelogin again to continue.',
    set_up_again: 'Set up again',
    closed_title: 'This login has ended',
    closed_approved: 'It was confirmed on another device.',
    closed_rejected: 'It was rejected.',
    closed_expired: 'The time ran out.',
    closed_generic: 'It can no longer be confirmed.',
    complete_title: 'Login complete',
    complete_body: 'You are logged in to {merchant}. You can put your phone away.',
    rejected_title: 'Login rejected',
    rejected_body: 'Nothing was shared with {merchant}.',
    redirecting: 'Opening {merchant}…',
    done: 'Done',
    consents_title: 'What I share',
    consents_intro: 'Shops and services you have agreed to share information with. Revoking applies to future logins.',
    consents_empty: 'You do not share information with anyone yet.',
    since: 'Since {date}',
    revoke: 'Revoke',
    revoke_question: 'Stop sharing with {merchant}?',
    revoke_yes: 'Yes, revoke',
    cancel: 'Cancel',
    revoked: 'Consent revoked.',
    identity_only: 'Confirming who you are',
    forget: 'Remove phonelogin from this phone',
    forget_question: 'Remove this phone? You will need to set it up again to log in.',
    forget_yes: 'Yes, remove',
    new_request: 'New login from {merchant}',
    open: 'Open',
    scope_name: 'Name',
    scope_email: 'Email address',
    scope_phoneNumber: 'Phone number',
    scope_address: 'Address',
    scope_birthDate: 'Date of birth',
    scope_nin: 'National identity number',
    scope_delegatedConsents: 'Your consents',
  },
  NO: {
    lang_name: 'Norsk',
    switch_to: 'English',
    enroll_title: 'Sett opp phonelogin',
    enroll_intro: 'Logg inn hos butikker og tjenester med bare telefonnummeret ditt. Bekreft først at denne telefonen er din.',
    phone_label: 'Mobilnummer',
    phone_hint: '8 siffer, eller med landskode (47 for Norge)',
    send_code: 'Send kode',
    code_title: 'Skriv inn koden',
    code_intro: 'Vi har sendt en 6-sifret kode på SMS til {phone}.',
    code_label: 'Engangskode',
    dev_code: 'dev: koden er {code}',
    continue: 'Fortsett',
    change_number: 'Bruk et annet nummer',
    profile_title: 'Om deg',
    profile_intro: 'Dette nummeret har ingen konto ennå. Fortell butikkene du logger inn hos hvem du er.',
    profile_given_name: 'Fornavn',
    profile_family_name: 'Etternavn',
    profile_email: 'E-post (valgfritt)',
    profile_birthdate: 'Fødselsdato (valgfritt)',
    profile_hint: 'Butikkene ser dette bare når du sier ja til å dele det.',
    profile_name_required: 'Skriv inn fornavnet ditt.',
    profile_email_invalid: 'Det er ikke en e-postadresse.',
    pin_choose_title: 'Velg en PIN-kode',
    pin_choose_intro: 'Du bruker PIN-koden for å bekrefte innlogginger. 4 til 6 siffer.',
    pin_label: 'PIN-kode',
    pin_repeat_label: 'Gjenta PIN-koden',
    pin_mismatch: 'De to PIN-kodene er ikke like.',
    pin_invalid: 'PIN-koden må være 4 til 6 siffer.',
    finish_setup: 'Fullfør',
    err_unknown_user: 'Det finnes ingen konto for dette nummeret.',
    err_invalid_phone_number: 'Det ser ikke ut som et mobilnummer.',
    err_invalid_code: 'Feil eller utløpt kode. Prøv igjen.',
    err_enrollment_gone: 'Koden har utløpt. Start på nytt.',
    err_invalid_pin: 'PIN-koden må være 4 til 6 siffer.',
    err_network: 'Fikk ikke kontakt med serveren. Sjekk tilkoblingen og prøv igjen.',
    err_generic: 'Noe gikk galt ({code}). Prøv igjen.',
    greeting: 'Hei, {name}',
    greeting_anon: 'Hei',
    home_pending: 'Venter på deg',
    home_empty: 'Ingen innlogginger venter. Når en butikk starter en innlogging for nummeret ditt, dukker den opp her med en gang.',
    refresh: 'Oppdater',
    pull_release: 'Slipp for å oppdatere',
    consents_link: 'Det jeg deler',
    conn_up: 'Klar for innlogging',
    conn_starting: 'Kobler til …',
    conn_connecting: 'Får ikke kontakt med serveren. Prøver igjen …',
    conn_offline: 'Ingen nettverkstilkobling. Innlogginger kommer fram når telefonen er på nett igjen.',
    home_unknown: 'Kan ikke se etter innlogginger akkurat nå. De som venter, dukker opp her når serveren svarer.',
    close: 'Lukk',
    older_tag: 'Eldre',
    older_this: '{merchant} har startet en nyere innlogging etter denne.',
    open_newest: 'Åpne den nyeste',
    older_waiting_one: '{merchant} har også en eldre innlogging som venter, som butikken ikke bruker lenger.',
    older_waiting: '{merchant} har også {n} eldre innlogginger som venter, som butikken ikke bruker lenger.',
    reject_older_one: 'Avvis den eldre innloggingen',
    reject_older: 'Avvis de {n} eldre innloggingene',
    older_rejected: 'Eldre innlogginger avvist: {n}.',
    devices_link: 'Enheter',
    devices_title: 'Enheter',
    devices_intro: 'Telefoner og nettlesere som kan bekrefte innlogginger for nummeret ditt. Fjern dem du ikke kjenner igjen.',
    device_this: 'denne enheten',
    device_added_on: 'Lagt til {date}',
    device_last_used: 'Sist brukt {date}',
    device_never_used: 'Ikke brukt ennå',
    device_locked_badge: 'Låst etter feil PIN',
    device_remove: 'Fjern',
    device_remove_label: 'Fjern {name}',
    device_remove_question: 'Fjerne {name}? Den kan ikke lenger bekrefte innlogginger.',
    device_remove_self_question: 'Fjerne denne enheten? Du må sette den opp på nytt.',
    device_remove_yes: 'Ja, fjern',
    device_removed: '{name} ble fjernet.',
    device_added_toast: 'En ny enhet ble satt opp for nummeret ditt: {name}. Ikke deg? Fjern den under Enheter.',
    err_too_many_devices: 'Nummeret ditt har allerede 5 enheter. Fjern en i appen på en annen enhet først.',
    err_too_many_tries: 'For mange forsøk. Prøv igjen senere.',
    err_too_many_tries_wait: 'For mange forsøk. Prøv igjen om {minutes} min.',
    live: 'Klar for innlogging',
    reconnecting: 'Kobler til på nytt …',
    wants_login: '{merchant} vil at du logger inn',
    time_left: 'Tid igjen {time}',
    confirm_title: 'Logge inn hos {merchant}?',
    confirm_asks: '{merchant} ber om:',
    confirm_identity_only: 'Bare for å bekrefte at det er deg. Ingen personopplysninger deles.',
    binding_label: 'Bekreftelseskode',
    binding_help: 'Sjekk at den er lik koden {merchant} viser.',
    expired: 'Denne innloggingen har utløpt.',
    confirm: 'Bekreft',
    reject: 'Avvis',
    back: 'Tilbake',
    consent_question: 'Dele {list} med {merchant}?',
    consent_body: 'Du samtykker én gang for {merchant}: neste gang du logger inn der, blir du ikke spurt igjen. Du kan trekke samtykket tilbake når som helst under «Det jeg deler».',
    accept_share: 'Ja, del',
    decline: 'Nei, avbryt innloggingen',
    required: 'Påkrevd',
    optional: 'Valgfritt',
    delegated_bottom: 'Ved å bekrefte godtar du {merchant} sine {terms} og {privacy}.',
    terms: 'vilkår',
    privacy: 'personvernerklæring',
    delegated_missing: 'Kryss av for alle påkrevde samtykker for å fortsette.',
    cancel_login: 'Avbryt innloggingen',
    pin_title: 'Skriv inn PIN-koden',
    pin_intro: 'for å bekrefte innloggingen hos {merchant}',
    wrong_pin: 'Feil PIN-kode. {n} forsøk igjen.',
    wrong_pin_one: 'Feil PIN-kode. 1 forsøk igjen: én feil PIN-kode til låser telefonen, og da må den settes opp på nytt.',
    wrong_pin_plain: 'Feil PIN-kode. Prøv igjen.',
    locked_title: 'Denne telefonen er låst',
    locked_body: 'PIN-koden ble tastet feil for mange ganger. Sett opp phonelogin på nytt for å fortsette.',
    set_up_again: 'Sett opp på nytt',
    closed_title: 'Denne innloggingen er avsluttet',
    closed_approved: 'Den ble bekreftet på en annen enhet.',
    closed_rejected: 'Den ble avvist.',
    closed_expired: 'Tiden gikk ut.',
    closed_generic: 'Den kan ikke lenger bekreftes.',
    complete_title: 'Innlogging fullført',
    complete_body: 'Du er logget inn hos {merchant}. Du kan legge bort telefonen.',
    rejected_title: 'Innlogging avvist',
    rejected_body: 'Ingenting ble delt med {merchant}.',
    redirecting: 'Åpner {merchant} …',
    done: 'Ferdig',
    consents_title: 'Det jeg deler',
    consents_intro: 'Butikker og tjenester du har sagt ja til å dele opplysninger med. Å trekke tilbake gjelder fremtidige innlogginger.',
    consents_empty: 'Du deler ikke opplysninger med noen ennå.',
    since: 'Siden {date}',
    revoke: 'Trekk tilbake',
    revoke_question: 'Slutte å dele med {merchant}?',
    revoke_yes: 'Ja, trekk tilbake',
    cancel: 'Avbryt',
    revoked: 'Samtykket er trukket tilbake.',
    identity_only: 'Bekrefte hvem du er',
    forget: 'Fjern phonelogin fra denne telefonen',
    forget_question: 'Fjerne denne telefonen? Du må sette den opp på nytt for å logge inn.',
    forget_yes: 'Ja, fjern',
    new_request: 'Ny innlogging fra {merchant}',
    open: 'Åpne',
    scope_name: 'Navn',
    scope_email: 'E-postadresse',
    scope_phoneNumber: 'Telefonnummer',
    scope_address: 'Adresse',
    scope_birthDate: 'Fødselsdato',
    scope_nin: 'Fødselsnummer',
    scope_delegatedConsents: 'Samtykker',
  },
};

const STORAGE_KEY = 'phonelogin.lang';

function detect() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'EN' || saved === 'NO') return saved;
  } catch { /* storage may be unavailable */ }
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  const primary = String(langs[0] || 'en').toLowerCase().split('-')[0];
  return ['nb', 'nn', 'no'].includes(primary) ? 'NO' : 'EN';
}

let lang = detect();
const listeners = new Set();

/** The current language, "EN" or "NO" (the keys the App API uses for its texts). */
export function getLang() { return lang; }

export function setLang(next) {
  if (next !== 'EN' && next !== 'NO' || next === lang) return;
  lang = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* ignore */ }
  document.documentElement.lang = locale();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); }

/** BCP 47 locale for Intl formatting. */
export function locale() { return lang === 'NO' ? 'nb-NO' : 'en-GB'; }

/** Translate `key`, replacing {name} placeholders with `vars`. */
export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.EN[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Pick the current language from a server text object {"EN": ..., "NO": ...}. */
export function pick(text) {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text.EN ?? text.NO ?? Object.values(text)[0] ?? '';
}

function localScope(name) {
  const key = `scope_${name}`;
  const s = t(key);
  return s === key ? name : s;
}

/** A readable label for a Scope entry of the App API ({scope, label}) or a bare scope name. */
export function scopeLabel(scope) {
  if (typeof scope === 'string') return localScope(scope);
  return pick(scope.label) || localScope(scope.scope);
}

/** "a, b and c" in the current language. */
export function joinList(items) {
  try {
    return new Intl.ListFormat(locale(), { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/** Seconds as m:ss. */
export function formatSeconds(total) {
  const s = Math.max(0, Math.ceil(total));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

document.documentElement.lang = locale();
