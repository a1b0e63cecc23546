// Colour maps as tables of 256 RGB triples (no library).
//
// viridis: the perceptually uniform map of matplotlib (van der Walt and Smith), computed here
// from a degree-6 polynomial fit of its published values (max error about 1/255 per channel).
// diverging: blue - neutral - red after Moreland's "cool to warm" map, for differences.

function polynomialTable(coefficients) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; ++i) {
    const t = i / 255;
    for (let c = 0; c < 3; ++c) {
      let v = 0;
      for (let k = coefficients.length - 1; k >= 0; --k) v = v * t + coefficients[k][c];
      table[i * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return table;
}

// Coefficients c0..c6 (lowest degree first) of r, g, b.
const VIRIDIS_FIT = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

export const VIRIDIS = polynomialTable(VIRIDIS_FIT);

function anchorTable(anchors) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; ++i) {
    const t = i / 255;
    let k = 0;
    while (k < anchors.length - 2 && t > anchors[k + 1][0]) ++k;
    const [t0, c0] = anchors[k];
    const [t1, c1] = anchors[k + 1];
    const f = (t - t0) / (t1 - t0);
    for (let c = 0; c < 3; ++c) table[i * 3 + c] = Math.round(c0[c] + (c1[c] - c0[c]) * f);
  }
  return table;
}

// The diverging map with `mid` ([r, g, b]) as its neutral: light grey on white pages and in
// exports, the panel's dark grey in the dark theme (a near-white "no difference" glares there).
const divergingTables = new Map();
export function divergingTable(mid = [221, 221, 221]) {
  const key = mid.join(',');
  if (!divergingTables.has(key)) {
    divergingTables.set(key, anchorTable([
      [0.0, [59, 76, 192]],
      [0.25, [124, 159, 249]],
      [0.5, mid],
      [0.75, [246, 153, 118]],
      [1.0, [180, 4, 38]],
    ]));
  }
  return divergingTables.get(key);
}

export const DIVERGING = divergingTable();

// Index 0..255 of value v on [lo, hi] (clamped).
export function index(v, lo, hi) {
  if (!(hi > lo)) return v >= hi ? 255 : 0;
  const t = (v - lo) / (hi - lo);
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

// "rgb(r, g, b)" of table entry i.
export function css(table, i) {
  return `rgb(${table[i * 3]}, ${table[i * 3 + 1]}, ${table[i * 3 + 2]})`;
}

// "#rrggbb" of table entry i (for SVG files).
export function hex(table, i) {
  let out = '#';
  for (let c = 0; c < 3; ++c) out += table[i * 3 + c].toString(16).padStart(2, '0');
  return out;
}

// Black or white, whichever reads better on table entry i.
export function textOn(table, i) {
  const [r, g, b] = [table[i * 3], table[i * 3 + 1], table[i * 3 + 2]];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '#111' : '#fff';
}

// Distinct colours for heads (head view), readable on light and dark backgrounds.
const HEAD_COLOURS = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295',
];

export function headColour(head) {
  return HEAD_COLOURS[head % HEAD_COLOURS.length];
}
