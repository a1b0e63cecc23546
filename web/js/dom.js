// Small DOM helpers. Everything that comes from data goes through textContent or attributes set
// with setAttribute, never through innerHTML, so a token such as `<img src=x onerror=alert(1)>`
// shows as text.

// el('div', {class: 'x', 'data-testid': 'y'}, child, 'text', ...) -> HTMLElement.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// The same for SVG elements.
export function svgEl(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function setAttrs(node, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Removes every child of `node`.
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// The value of a CSS custom property of the page (theme colours for canvases).
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// A canvas sized to `width` x `height` CSS pixels, drawn at the device pixel ratio (or the
// given one). Returns the 2D context scaled so that drawing uses CSS pixels.
export function sizeCanvas(canvas, width, height, pixelRatio = window.devicePixelRatio || 1) {
  const ratio = pixelRatio;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

// Saves `blob` as a file named `filename` (the browser's download).
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
