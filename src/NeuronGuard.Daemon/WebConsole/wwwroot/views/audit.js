// The audit log (GET /v1/audit), newest first, a page at a time.
import { api } from '../api.js';
import { h, replace, table, dateTime, errorBox, modeName, presetName } from '../dom.js';

const PAGE = 25;

export function mount(container, ctx) {
  let offset = Math.max(0, Number(ctx.query.get('offset')) || 0);
  const body = h('div');
  const newer = h('button', { type: 'button', id: 'audit-newer' }, '← Newer');
  const older = h('button', { type: 'button', id: 'audit-older' }, 'Older →');
  const where = h('span', { role: 'status', id: 'audit-page' });
  replace(container, h('section', { class: 'view', 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Audit log'), body,
    h('nav', { class: 'pager', 'aria-label': 'Audit pages' }, newer, where, older)));

  async function load() {
    newer.disabled = true;
    older.disabled = true;
    try {
      const entries = (await api.audit(PAGE, offset)).entries ?? [];
      replace(body, table(null, ['When', 'Who', 'Action', 'Policy version', 'Detail'],
        entries.map(e => [dateTime(e.atUnixMs), e.actor ?? '', e.action ?? '', Number(e.policyVersion) > 0 ? String(e.policyVersion) : '—', detailCell(e.detail)]),
        offset ? 'No older entries.' : 'The audit log is empty.'));
      where.textContent = entries.length ? `Entries ${offset + 1}–${offset + entries.length}` : '';
      newer.disabled = offset === 0;
      older.disabled = entries.length < PAGE;
    } catch (e) {
      if (e.status === 401) return ctx.signOut();
      replace(body, errorBox(e));
    }
  }
  newer.addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
  older.addEventListener('click', () => { offset += PAGE; load(); });
  load();
  return null;
}

/**
 * A policy write's detail is JSON of its changes ({changes: [{op, key, entry}]}); shown as one line per change, e.g.
 * "set backdoor/global: on_flag, aura, strength 1 (reason)", with the JSON in the tooltip. Other details as they are.
 */
export function detailCell(detail) {
  const text = String(detail ?? '');
  let changes = null;
  try {
    changes = JSON.parse(text)?.changes;
  } catch {
    changes = null;
  }
  if (!Array.isArray(changes)) return h('td', { class: 'detail' }, text);
  return h('td', { class: 'detail', title: text }, changes.map(c => h('div', null, describeChange(c))));
}

function describeChange(c) {
  const e = c.entry;
  if (c.op !== 'set' || !e) return `${c.op ?? '?'} ${c.key ?? ''}`;
  const parts = [modeName(e.mode), presetName(e.preset)];
  if (e.strength !== undefined && Number(e.strength) !== 1) parts.push(`strength ${e.strength}`);
  if (Number(e.top_k) > 0) parts.push(`top ${e.top_k}`);
  if (Number(e.expires_at_unix_ms) > 0) parts.push(`until ${dateTime(e.expires_at_unix_ms)}`);
  return `set ${c.key ?? e.set}: ${parts.filter(Boolean).join(', ')}${e.reason ? ` (${e.reason})` : ''}`;
}
