// The hue of a merchant's initial tile, from its name: the same colour in the app and on the
// demo till.

/** 0–359 from `text`. */
export function hue(text) {
  let n = 0;
  for (const c of String(text)) n = (n * 31 + c.codePointAt(0)) % 360;
  return n;
}
