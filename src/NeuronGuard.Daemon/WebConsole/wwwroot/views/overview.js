// Overview: connected model servers, store state, policy version, and rates computed from the cumulative counters of
// GET /v1/overview (two samples apart: requests/s and, per detector, flagged/s and the share of requests flagged).
import { api } from '../api.js';
import { h, replace, table, dateTime, detectorName, errorBox } from '../dom.js';

const PERIOD_MS = 2000;

export function mount(container, ctx) {
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const body = h('div');
  replace(container, h('section', { class: 'view', 'aria-labelledby': 'overview-title' },
    h('h2', { id: 'overview-title' }, 'Overview'), status, body));
  let previous = null;
  let stopped = false;
  let timer = 0;

  async function tick() {
    try {
      const o = await api.overview();
      if (stopped) return;
      render(body, o, previous ? rates(previous, o) : null);
      previous = o;
      status.textContent = `Updated ${new Date().toLocaleTimeString([], { hour12: false })}; rates over the last ${PERIOD_MS / 1000} s.`;
    } catch (e) {
      if (e.status === 401) return ctx.signOut();
      replace(body, errorBox(e));
    }
    if (!stopped) timer = setTimeout(tick, PERIOD_MS);
  }
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Requests/s and, per detector, flagged/s and the share of ended requests it flagged, between two overview readings
 * (their counters are cumulative since the daemon started; atUnixMs says when each was read).
 */
export function rates(before, after) {
  const seconds = (Number(after.atUnixMs) - Number(before.atUnixMs)) / 1000;
  const requests = Number(after.counters?.requestsEnded ?? 0) - Number(before.counters?.requestsEnded ?? 0);
  const earlier = new Map((before.counters?.flaggedByDetector ?? []).map(f => [f.detector, Number(f.count ?? 0)]));
  const perDetector = {};
  for (const f of after.counters?.flaggedByDetector ?? []) {
    const flagged = Number(f.count ?? 0) - (earlier.get(f.detector) ?? 0);
    perDetector[f.detector] = { perSecond: seconds > 0 ? flagged / seconds : 0, share: requests > 0 ? flagged / requests : 0 };
  }
  return { requestsPerSecond: seconds > 0 ? requests / seconds : 0, perDetector };
}

function render(body, o, r) {
  const servers = o.servers ?? [];
  const unmonitored = o.unmonitoredModels ?? [];
  const store = o.store ?? {};
  const counters = o.counters ?? {};
  const flagged = counters.flaggedByDetector ?? [];
  replace(body,
    h('dl', { class: 'stats' },
      stat('Store', `${store.backend ?? '?'}: ${store.state ?? '?'}`, store.canServe === false ? 'bad' : '',
        store.reason),
      stat('Policy version', o.policyVersion ?? '0'),
      stat('Model servers', String(servers.length)),
      stat('Requests', String(counters.requestsEnded ?? 0)),
      stat('Flagged requests', String(counters.requestsFlagged ?? 0)),
      stat('Requests/s', r ? r.requestsPerSecond.toFixed(1) : '…')),
    unmonitored.length
      ? h('div', { class: 'alert bad', role: 'alert' },
        h('h3', null, 'Unmonitored models'),
        h('ul', null, unmonitored.map(u => h('li', null,
          h('strong', null, u.modelName || 'unnamed model'), ' ', h('span', { class: 'mono' }, short(u.modelFingerprint)), u.reason ? `: ${u.reason}` : ''))))
      : null,
    table('Connected model servers', ['Server', 'Model', 'Fingerprint', 'Catalog', 'Baseline', 'Policy acked', 'Connected', 'Monitoring'],
      servers.map(s => h('tr', { class: s.monitored === false ? 'unmonitored' : '' },
        h('td', { class: 'server' }, s.serverId ?? ''),
        h('td', { class: 'model' }, s.modelName || s.modelId || '', s.modelName && s.modelId && s.modelName !== s.modelId ? h('span', { class: 'muted' }, ` (${s.modelId})`) : null),
        h('td', { class: 'mono', title: s.modelFingerprint ?? '' }, short(s.modelFingerprint)),
        h('td', null, s.catalogVersion || '—'),
        h('td', null, s.baselineVersion || '—'),
        h('td', { class: 'num' }, String(s.ackedPolicyVersion ?? '0')),
        h('td', null, dateTime(s.connectedAtUnixMs)),
        h('td', { class: s.monitored === false ? 'bad' : '' }, s.monitored === false ? `not monitored${s.problem ? `: ${s.problem}` : ''}` : 'monitored'))),
      'No model server is connected.'),
    table('Flags per detector', ['Detector', 'Flagged requests (total)', 'Flagged/s', 'Share of requests'],
      flagged.map(f => [
        detectorName(f.detector),
        h('td', { class: 'num' }, String(f.count ?? 0)),
        h('td', { class: 'num' }, r ? (r.perDetector[f.detector]?.perSecond ?? 0).toFixed(2) : '…'),
        h('td', { class: 'num' }, r ? `${((r.perDetector[f.detector]?.share ?? 0) * 100).toFixed(1)} %` : '…'),
      ]), 'No detector has flagged anything yet.'));
}

function stat(label, value, cls = '', title = '') {
  return h('div', { class: `stat ${cls}`, title: title || null }, h('dt', null, label), h('dd', null, String(value)));
}

function short(fingerprint) {
  const s = String(fingerprint ?? '');
  return s.length > 16 ? `${s.slice(0, 16)}…` : s || '—';
}
