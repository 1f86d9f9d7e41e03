// DOM building without innerHTML: every string becomes a text node or an attribute value, so text that model servers
// supply (server ids, tenants, labels, model ids) can never turn into markup.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden']);

/** h('td', {class: 'num'}, 'text', childNode, ...): an element with attributes, listeners (onclick…) and children. */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (charts). */
export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) node[key] = value;
    else node.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends nodes and strings (as text), skipping null, undefined and false; arrays are flattened. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replaces every child of node. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** A table with a header row; rows are arrays of cells (strings or nodes), or a <tr> already built. */
export function table(caption, headers, rows, empty = 'Nothing yet.') {
  const body = h('tbody', null, rows.map(r => (r instanceof Node ? r : h('tr', null, r.map(c => (c instanceof Node && c.tagName === 'TD' ? c : h('td', null, c)))))));
  if (rows.length === 0) body.append(h('tr', null, h('td', { colspan: headers.length, class: 'muted' }, empty)));
  else labelCells(body, headers);
  return h('div', { class: 'table-wrap' },
    h('table', null, caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, headers.map(x => h('th', { scope: 'col' }, x)))), body));
}

/** Gives each cell its column's name (data-label), which a narrow window shows beside the value instead of a header row. */
export function labelCells(body, headers) {
  for (const row of body.rows) {
    [...row.cells].forEach((cell, i) => cell.dataset.label ??= headers[i] ?? '');
  }
}

/** "12:03:04" for a unix-ms value (string or number, as proto3 JSON writes int64 as a string). */
export function time(unixMs) {
  const n = Number(unixMs);
  return n > 0 ? new Date(n).toLocaleTimeString([], { hour12: false }) : '—';
}

/** "2026-12-07 12:03:04" for a unix-ms value. */
export function dateTime(unixMs) {
  const n = Number(unixMs);
  if (!(n > 0)) return '—';
  const d = new Date(n);
  const pad = x => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "DETECTOR_BACKDOOR" → "backdoor", "MITIGATION_MODE_ON_FLAG" → "on_flag". */
export function enumName(value, prefix) {
  const s = String(value ?? '');
  return (s.startsWith(prefix) ? s.slice(prefix.length) : s).toLowerCase();
}

export const detectorName = d => enumName(d, 'DETECTOR_');
export const modeName = m => enumName(m, 'MITIGATION_MODE_');
export const presetName = p => enumName(p, 'GAIN_PRESET_');

/** A number with a few significant digits, for scores. */
export function num(x, digits = 3) {
  const n = Number(x);
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

/** An error box for a failed call. */
export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, String(error?.message ?? error));
}
