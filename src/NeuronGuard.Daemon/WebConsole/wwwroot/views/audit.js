// The audit log (GET /v1/audit), newest first, a page at a time.
import { api } from '../api.js';
import { h, replace, table, dateTime, errorBox } from '../dom.js';

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
        entries.map(e => [dateTime(e.atUnixMs), e.actor ?? '', e.action ?? '', Number(e.policyVersion) > 0 ? String(e.policyVersion) : '—', h('td', { class: 'detail' }, e.detail ?? '')]),
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
