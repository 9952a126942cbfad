// Phone numbers as people type and read them: shared by the app and the demo till.

/** Normalise what a person types as a phone number to the digits the API expects. */
export function normalisePhone(input) {
  let digits = String(input).trim().replace(/[\s().-]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  if (!/^\d+$/.test(digits)) return String(input).trim();
  if (digits.length === 8) digits = `47${digits}`;
  return digits;
}

/** 4712345678 → +47 123 45 678 for display; other countries as +digits. */
export function formatPhone(digits) {
  const d = String(digits || '').replace(/^\+/, '');
  if (/^47\d{8}$/.test(d)) return `+47 ${d.slice(2, 5)} ${d.slice(5, 7)} ${d.slice(7)}`;
  return /^\d+$/.test(d) ? `+${d}` : String(digits || '');
}
