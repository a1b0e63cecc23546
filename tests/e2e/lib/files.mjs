// Checks of exported files that need no browser: PNG signature and IHDR, a small XML
// well-formedness check for SVG (the browser's DOMParser does the real parse in the tests).

import { assert } from './harness.mjs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// {width, height} from the IHDR chunk; throws when the bytes are not a PNG.
export function pngSize(bytes) {
  assert(bytes.length > 33, `PNG too short (${bytes.length} bytes)`);
  assert(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert(bytes.readUInt32BE(8) === 13 && bytes.toString('latin1', 12, 16) === 'IHDR', 'PNG starts with a 13-byte IHDR chunk');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert(width > 0 && height > 0 && width < 20000 && height < 20000, `PNG size ${width}x${height}`);
  assert(bytes.includes(Buffer.from('IEND')), 'PNG has an IEND chunk');
  return { width, height };
}

// Balanced tags, a single root element `root` (a cheap XML check; no entities beyond the five).
export function checkXml(text, root) {
  const body = text.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '').trim();
  const stack = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[[\s\S]*?\]\]>/g;
  let last = 0;
  let match;
  while ((match = tag.exec(body)) !== null) {
    const between = body.slice(last, match.index);
    assert(!between.includes('<'), `stray '<' in XML near ${JSON.stringify(between.slice(between.indexOf('<'), between.indexOf('<') + 40))}`);
    assert(!/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(between), `bare '&' in XML text near ${JSON.stringify(between.slice(0, 60))}`);
    last = tag.lastIndex;
    if (match[0].startsWith('<![CDATA[')) continue;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      assert(stack.pop() === name, `XML: </${name}> closes the wrong element`);
    } else if (!selfClosing) {
      if (stack.length === 0) ++roots;
      stack.push(name);
    } else if (stack.length === 0) {
      ++roots;
    }
  }
  assert(body.slice(last).trim() === '', 'XML: text after the root element');
  assert(stack.length === 0, `XML: unclosed <${stack.join('>, <')}>`);
  assert(roots === 1, `XML: ${roots} root elements`);
  assert(new RegExp(`^<${root}[\\s>]`).test(body), `XML root is <${root}>`);
}
