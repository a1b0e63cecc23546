// The page's state, in one place: the URL hash (#model=demo&layer=2&head=1&view=heatmap&text=...),
// so a view can be shared and survives a reload. Modules read `get()` and change it with `set()`;
// listeners run after every change (also when the user edits the hash or goes back).

export const VIEWS = ['heatmap', 'head', 'model', 'stats', 'importance', 'compare', 'upload'];

const DEFAULTS = {
  model: '',
  text: '',
  view: 'heatmap',
  layer: 0,
  head: 0,
  skipfirst: false, // leave key 0 out of the heatmap's colour scale
  zoom: '', // heatmap window "query0,key0,size" ('' = whole matrix)
  metric: 'entropy', // statistics grid colour
  sort: 'layer', // statistics table column
  desc: false,
  method: '', // importance: raw, raw-visible, rollout, flow, norm ('' = raw-visible on causal models, raw otherwise)
  text2: '', // compare: the second text
  model2: '', // compare: the second model ('' = same)
  heads: '', // head view: heads shown, "0,2,3" ('' = all)
  dtype: 'f16', // attention transfer: f16 (default) or f32 (exact values in tooltips)
};

const INTEGER_KEYS = new Set(['layer', 'head']);
const BOOLEAN_KEYS = new Set(['skipfirst', 'desc']);

let current = parse(location.hash);
const listeners = [];

function parse(hash) {
  const out = { ...DEFAULTS };
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const key of Object.keys(DEFAULTS)) {
    if (!params.has(key)) continue;
    const raw = params.get(key);
    if (INTEGER_KEYS.has(key)) {
      const n = Number.parseInt(raw, 10);
      if (Number.isFinite(n) && n >= 0) out[key] = n;
    } else if (BOOLEAN_KEYS.has(key)) {
      out[key] = raw === '1' || raw === 'true';
    } else {
      out[key] = raw;
    }
  }
  if (!VIEWS.includes(out.view)) out.view = DEFAULTS.view;
  if (out.dtype !== 'f32') out.dtype = 'f16';
  return out;
}

function serialize(state) {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) {
    const value = state[key];
    if (value === DEFAULTS[key] && key !== 'layer' && key !== 'head' && key !== 'view') continue;
    if (BOOLEAN_KEYS.has(key)) params.set(key, value ? '1' : '0');
    else params.set(key, String(value));
  }
  return `#${params.toString()}`;
}

// The current state (a copy).
export function get() {
  return { ...current };
}

// Merges `patch` into the state, writes the hash (replacing the history entry) and tells the
// listeners which keys changed.
export function set(patch) {
  const next = { ...current, ...patch };
  const changed = Object.keys(patch).filter((k) => next[k] !== current[k]);
  if (changed.length === 0) return;
  current = next;
  const hash = serialize(current);
  if (location.hash !== hash) {
    try {
      history.replaceState(null, '', hash);
    } catch {
      // a sandboxed or srcdoc iframe (a snapshot in a notebook) may refuse: the state still works
    }
  }
  for (const listener of listeners) listener(get(), new Set(changed));
}

// listener(state, changedKeys) after every change.
export function subscribe(listener) {
  listeners.push(listener);
}

window.addEventListener('hashchange', () => {
  const next = parse(location.hash);
  const changed = Object.keys(next).filter((k) => next[k] !== current[k]);
  if (changed.length === 0) return;
  current = next;
  for (const listener of listeners) listener(get(), new Set(changed));
});
