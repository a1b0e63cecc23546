// The page's only data source. Live mode: fetch() to the attnscope server's JSON API
// (docs/api.md), authenticated by the HttpOnly cookie the server set when the page was opened
// with ?token=. Snapshot mode (the offline HTML file of `attnscope report`): the same answers,
// read from the JSON script element whose id is "attnscope-snapshot" (web/README.md).
//
// Answers are cached here (by request), so switching layer or head, or coming back to a view,
// asks the server nothing new. Attention travels in the binary form (?format=f16, or f32).

export class ApiError extends Error {
  constructor(message, kind = 'internal', status = 0) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

const snapshotElement = document.getElementById('attnscope-snapshot');
const snapshot = snapshotElement ? JSON.parse(snapshotElement.textContent) : null;

// True when the page is an offline snapshot (no server).
export function isSnapshot() {
  return snapshot !== null;
}

// The model and text an offline snapshot holds (null in live mode).
export function snapshotInput() {
  return snapshot ? { model: snapshot.model, text: snapshot.text } : null;
}

// ---- the cache: answers by request key, least recently used dropped past a byte budget ----

const CACHE_BUDGET = 384 * 1024 * 1024;
const cache = new Map(); // key -> {promise, bytes}
let cachedBytes = 0;

function cached(key, compute, sizeOf) {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // re-insert: most recently used last
    cache.set(key, hit);
    return hit.promise;
  }
  const entry = { promise: null, bytes: 0 };
  entry.promise = compute().then(
    (value) => {
      entry.bytes = sizeOf ? sizeOf(value) : 0;
      cachedBytes += entry.bytes;
      while (cachedBytes > CACHE_BUDGET && cache.size > 1) {
        const [oldestKey, oldest] = cache.entries().next().value;
        cache.delete(oldestKey);
        cachedBytes -= oldest.bytes;
      }
      return value;
    },
    (error) => {
      if (cache.get(key) === entry) cache.delete(key);
      throw error;
    },
  );
  cache.set(key, entry);
  return entry.promise;
}

// ---- live mode: HTTP ----

async function request(method, path, body, as = 'json') {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('cannot reach the attnscope server (is `attnscope serve` still running?)', 'io');
  }
  if (!response.ok) {
    let message = `${method} ${path}: HTTP ${response.status}`;
    let kind = 'internal';
    try {
      const error = await response.json();
      if (error && typeof error.error === 'string') message = error.error;
      if (error && typeof error.kind === 'string') kind = error.kind;
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401) {
      message = `${message} (open the address \`attnscope serve\` printed, with its ?token=)`;
    }
    throw new ApiError(message, kind, response.status);
  }
  if (as === 'json') return response.json();
  if (as === 'text') return response.text();
  if (as === 'blob') return response.blob();
  return response.arrayBuffer();
}

// ---- attention in the binary form ----

let halfTable = null;

// Float32 value of every IEEE half bit pattern (built once, 256 KB).
function halfToFloatTable() {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; ++h) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    let v;
    if (exponent === 0) v = mantissa * 2 ** -24;
    else if (exponent === 31) v = mantissa ? NaN : Infinity;
    else v = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    halfTable[h] = sign * v;
  }
  return halfTable;
}

// Decodes the binary attention body: u32 LE n, n bytes of JSON, zeros up to a multiple of 8,
// then H*T*T little-endian values ([head, query_pos, key_pos]). Returns
// {tokens, layer, heads, causal, dtype, T, values: Float32Array, at(k, q, key)}.
export function decodeAttention(buffer) {
  const view = new DataView(buffer);
  if (buffer.byteLength < 4) throw new ApiError('attention answer too short', 'format');
  const n = view.getUint32(0, true);
  if (4 + n > buffer.byteLength) throw new ApiError('attention answer: bad header length', 'format');
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
  const offset = Math.ceil((4 + n) / 8) * 8;
  const [H, T, T2] = header.shape;
  if (T !== T2 || H !== header.heads.length) throw new ApiError('attention answer: bad shape', 'format');
  const count = H * T * T;
  let values;
  if (header.dtype === 'f16') {
    if (offset + count * 2 > buffer.byteLength) throw new ApiError('attention answer truncated', 'format');
    const halves = new Uint16Array(buffer, offset, count);
    const table = halfToFloatTable();
    values = new Float32Array(count);
    for (let i = 0; i < count; ++i) values[i] = table[halves[i]];
  } else {
    if (offset + count * 4 > buffer.byteLength) throw new ApiError('attention answer truncated', 'format');
    values = new Float32Array(buffer.slice(offset, offset + count * 4));
  }
  return makeAttention(header, T, values);
}

function makeAttention(header, T, values) {
  return {
    tokens: header.tokens,
    layer: header.layer,
    heads: header.heads,
    causal: Boolean(header.causal),
    dtype: header.dtype,
    T,
    values,
    // weight of query q on key k in head index `index` (position in `heads`)
    at(index, q, k) {
      return values[(index * T + q) * T + k];
    },
    // the [T, T] matrix of head index `index` (a view, no copy)
    matrix(index) {
      return values.subarray(index * T * T, (index + 1) * T * T);
    },
  };
}

function base64ToBuffer(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

// ---- snapshot mode ----

function fromSnapshot(what, model, text) {
  if (model !== snapshot.model || text !== snapshot.text) {
    throw new ApiError(
      'this offline snapshot holds one text only; open the dashboard (attnscope serve) for others',
      'unsupported',
    );
  }
  return what();
}

function snapshotOnly(feature) {
  return Promise.reject(
    new ApiError(`${feature} needs the server: run \`attnscope serve\``, 'unsupported'),
  );
}

// ---- the API ----

// {"models": [{"id", "family", "layers", "heads", "causal", "max_tokens"}]}
export function models() {
  if (snapshot) return Promise.resolve(snapshot.models);
  return cached('models', () => request('GET', '/api/models'));
}

export function tokenize(model, text) {
  if (snapshot) return Promise.resolve().then(() => fromSnapshot(() => snapshot.tokenize, model, text));
  return cached(`tokenize\n${model}\n${text}`, () => request('POST', '/api/tokenize', { model, text }));
}

// `attnscope analyze --format json` of the text, with "tokens".
export function analyze(model, text) {
  if (snapshot) return Promise.resolve().then(() => fromSnapshot(() => snapshot.analyze, model, text));
  return cached(`analyze\n${model}\n${text}`, () => request('POST', '/api/analyze', { model, text }));
}

// The CSV `attnscope analyze --format csv` prints.
export function analyzeCsv(model, text) {
  if (snapshot) return Promise.resolve().then(() => fromSnapshot(() => snapshot.analyze_csv, model, text));
  return request('POST', '/api/analyze?format=csv', { model, text }, 'text');
}

// Every head of one layer, decoded (see decodeAttention). dtype 'f16' (half the bytes) or 'f32'.
export function attention(model, text, layer, dtype = 'f16') {
  if (snapshot) {
    return cached(`attention\n${model}\n${text}\n${layer}`, async () =>
      fromSnapshot(() => {
        const entry = snapshot.attention.find((a) => a.layer === layer);
        if (!entry) throw new ApiError(`layer ${layer} is not in this snapshot`, 'not_found');
        return decodeAttention(base64ToBuffer(entry.binary));
      }, model, text),
    (a) => a.values.byteLength);
  }
  return cached(
    `attention\n${model}\n${text}\n${layer}\n${dtype}`,
    async () => decodeAttention(
      await request('POST', `/api/attention?format=${dtype}`, { model, text, layer }, 'buffer'),
    ),
    (a) => a.values.byteLength,
  );
}

// The JSON answer of /api/attention (exact f32 numbers) as text, for export: one head, or every
// head of the layer when `head` is undefined. In a snapshot: rebuilt from the embedded values.
export async function attentionJson(model, text, layer, head) {
  if (snapshot) {
    const a = await attention(model, text, layer);
    const heads = head === undefined ? a.heads : [head];
    const matrices = heads.map((h) => {
      const m = a.matrix(a.heads.indexOf(h));
      const rows = [];
      for (let q = 0; q < a.T; ++q) rows.push(Array.from(m.subarray(q * a.T, (q + 1) * a.T)));
      return rows;
    });
    return JSON.stringify({ tokens: a.tokens, layer, heads, causal: a.causal, attention: matrices });
  }
  const body = head === undefined ? { model, text, layer } : { model, text, layer, head };
  return request('POST', '/api/attention', body, 'text');
}

// The page's importance choices: a key per method, "raw-visible" being raw with
// `visible_only` (METRICS.md's corrected mean for causal models).
export function importanceRequest(key) {
  return key === 'raw-visible' ? { method: 'raw', visible_only: true } : { method: key };
}

function fromSnapshotImportance(table, key, model, text) {
  return Promise.resolve().then(() => fromSnapshot(() => {
    const answer = snapshot[table][key];
    if (answer === undefined) throw new ApiError(`method '${key}' is not in this snapshot`, 'unsupported');
    return answer;
  }, model, text));
}

// `attnscope importance --format json` (`key`: raw, raw-visible, rollout, flow, norm).
export function importance(model, text, key = 'raw') {
  if (snapshot) return fromSnapshotImportance('importance', key, model, text);
  return cached(`importance\n${model}\n${text}\n${key}`, () =>
    request('POST', '/api/importance', { model, text, ...importanceRequest(key) }));
}

export function importanceCsv(model, text, key = 'raw') {
  if (snapshot) return fromSnapshotImportance('importance_csv', key, model, text);
  return request('POST', '/api/importance?format=csv', { model, text, ...importanceRequest(key) }, 'text');
}

// {"texts", "names", "analysis"} of a .txt / .jsonl file's content.
export function upload(model, filename, content) {
  if (snapshot) return snapshotOnly('Upload');
  return request('POST', '/api/upload', { model, filename, content });
}

// The offline HTML snapshot of one text, as a Blob.
export function report(model, text) {
  if (snapshot) return snapshotOnly('A new snapshot');
  return request('POST', '/api/report', { model, text }, 'blob');
}
