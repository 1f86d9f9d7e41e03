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
      const now = performance.now();
      render(body, o, previous ? rates(previous.o, o, (now - previous.at) / 1000) : null);
      previous = { o, at: now };
      status.textContent = `Updated ${new Date().toLocaleTimeString([], { hour12: false })}; rates over ${PERIOD_MS / 1000} s.`;
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

/** Requests/s and per-detector flagged/s and flag rate between two overview samples `seconds` apart. */
export function rates(before, after, seconds) {
  const requests = Number(after.counters?.requests ?? 0) - Number(before.counters?.requests ?? 0);
  const perDetector = {};
  const earlier = new Map((before.counters?.flagged ?? []).map(f => [f.detector, Number(f.count ?? 0)]));
  for (const f of after.counters?.flagged ?? []) {
    const flagged = Number(f.count ?? 0) - (earlier.get(f.detector) ?? 0);
    perDetector[f.detector] = { perSecond: seconds > 0 ? flagged / seconds : 0, share: requests > 0 ? flagged / requests : 0 };
  }
  return { requestsPerSecond: seconds > 0 ? requests / seconds : 0, perDetector };
}

function render(body, o, r) {
  const servers = o.servers ?? [];
  const unmonitored = o.unmonitoredModels ?? o.unmonitored ?? [];
  const store = o.store ?? {};
  const flagged = o.counters?.flagged ?? [];
  replace(body,
    h('dl', { class: 'stats' },
      stat('Store', [store.kind, store.state ?? store.status].filter(Boolean).join(': ') || '—', store.healthy === false ? 'bad' : ''),
      stat('Policy version', o.policyVersion ?? '—'),
      stat('Model servers', String(servers.length)),
      stat('Requests', String(o.counters?.requests ?? 0)),
      stat('Requests/s', r ? r.requestsPerSecond.toFixed(1) : '…')),
    unmonitored.length
      ? h('div', { class: 'alert bad', role: 'alert' },
        h('h3', null, 'Unmonitored models'),
        h('ul', null, unmonitored.map(u => h('li', null, describeUnmonitored(u)))))
      : null,
    table('Connected model servers', ['Server', 'Model', 'Fingerprint', 'Catalog', 'Baseline', 'Policy acked', 'Connected'],
      servers.map(s => [
        s.serverId ?? '',
        h('td', null, s.modelName || s.modelId || '', s.modelName && s.modelId && s.modelName !== s.modelId ? h('span', { class: 'muted' }, ` (${s.modelId})`) : null),
        h('td', { class: 'mono', title: s.modelFingerprint ?? '' }, short(s.modelFingerprint)),
        s.catalogVersion || '—',
        s.baselineVersion || '—',
        String(s.ackedVersion ?? s.ackedPolicyVersion ?? '—'),
        dateTime(s.connectedAtUnixMs),
      ]), 'No model server is connected.'),
    table('Flags per detector', ['Detector', 'Flagged (total)', 'Flagged/s', 'Flag rate'],
      flagged.map(f => [
        detectorName(f.detector),
        String(f.count ?? 0),
        r ? (r.perDetector[f.detector]?.perSecond ?? 0).toFixed(2) : '…',
        r ? `${((r.perDetector[f.detector]?.share ?? 0) * 100).toFixed(1)} %` : '…',
      ]), 'No detector has flagged anything yet.'));
}

function describeUnmonitored(u) {
  if (typeof u === 'string') return u;
  return [u.modelName || u.modelId || u.serverId || '', u.modelFingerprint ? `(${short(u.modelFingerprint)})` : '', u.reason ? `: ${u.reason}` : '']
    .filter(Boolean).join(' ');
}

function stat(label, value, cls = '') {
  return h('div', { class: `stat ${cls}` }, h('dt', null, label), h('dd', null, String(value)));
}

function short(fingerprint) {
  const s = String(fingerprint ?? '');
  return s.length > 16 ? `${s.slice(0, 16)}…` : s || '—';
}
