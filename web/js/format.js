// How numbers and tokens are written on the page.

// 0.873142 -> "0.8731"; null / NaN -> "–".
export function fixed(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toFixed(digits);
}

// A short form for tables and grid cells: 3 significant digits.
export function short(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 10000)) return Number(value).toExponential(1);
  return Number(value).toPrecision(3).replace(/\.?0+$/, '');
}

// A token as labels show it: the string itself, with whitespace made visible so that a space or
// newline token is not an empty label. Tooltips quote the raw token.
export function tokenLabel(token) {
  if (token === null || token === undefined) return '∅';
  if (token === '') return '⌀';
  return token.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/^ +| +$/g, (m) => '·'.repeat(m.length));
}

// Quoted the way the heatmap tooltip shows a token: 'sat'.
export function quoted(token) {
  return `'${token ?? ''}'`;
}
