// Live tail: verdicts as the daemon produces them (GET /v1/verdicts/stream), newest first, with server-side filters.
// Pausing keeps the stream open and buffers what arrives, so nothing is lost; resuming shows the buffer.
import { streamVerdicts } from '../api.js';
import { h, replace, time, detectorName, num, labelCells } from '../dom.js';

const MAX_ROWS = 500;
const HEADERS = ['Time', 'Server', 'Model', 'Tenant', 'Request', 'Step', 'Verdict', 'Scores'];
const DETECTORS = ['coverage', 'toxicity', 'safety', 'backdoor', 'integrity', 'probe', 'trigger_scan'];

export function mount(container, ctx) {
  const flaggedOnly = h('input', { type: 'checkbox', id: 'tail-flagged' });
  const detector = h('select', { id: 'tail-detector' }, h('option', { value: '' }, 'any'),
    DETECTORS.map(d => h('option', { value: `DETECTOR_${d.toUpperCase()}` }, d)));
  const tenant = h('input', { id: 'tail-tenant', type: 'text', placeholder: 'any', autocomplete: 'off' });
  const model = h('input', { id: 'tail-model', type: 'text', placeholder: 'any', autocomplete: 'off' });
  const pause = h('button', { type: 'button', id: 'tail-pause', 'aria-pressed': 'false' }, 'Pause');
  const state = h('p', { class: 'muted', role: 'status', id: 'tail-state' }, 'Connecting…');
  const rows = h('tbody', { id: 'tail-rows' });
  const form = h('form', { class: 'filters', 'aria-label': 'Filters' },
    h('label', { class: 'check' }, flaggedOnly, ' Flagged only'),
    h('label', null, 'Detector ', detector),
    h('label', null, 'Tenant ', tenant),
    h('label', null, 'Model ', model),
    pause);
  replace(container, h('section', { class: 'view', 'aria-labelledby': 'tail-title' },
    h('h2', { id: 'tail-title' }, 'Live tail'), form, state,
    h('div', { class: 'table-wrap' }, h('table', { class: 'tail' },
      h('caption', null, 'Verdicts, newest first'),
      h('thead', null, h('tr', null, HEADERS.map(x => h('th', { scope: 'col' }, x)))),
      rows))));

  let paused = false;
  let buffered = [];
  let dropped = 0;
  let abort = null;
  let stopped = false;

  function show(items) {
    const fragment = h('tbody');
    for (const w of items.reverse()) fragment.append(row(w));
    labelCells(fragment, HEADERS);
    rows.prepend(...fragment.rows);
    while (rows.childElementCount > MAX_ROWS) rows.lastElementChild.remove();
  }

  function onVerdict(w) {
    dropped += Number(w.dropped ?? 0);
    if (paused) {
      buffered.push(w);
      state.textContent = `Paused: ${buffered.length} new verdict${buffered.length === 1 ? '' : 's'} buffered.`;
    } else {
      show([w]);
      state.textContent = dropped ? `Live; the daemon dropped ${dropped} verdicts this page read too slowly.` : 'Live.';
    }
  }

  async function follow() {
    let delay = 500;
    while (!stopped) {
      abort = new AbortController();
      const filters = {
        flaggedOnly: flaggedOnly.checked ? 'true' : '',
        detector: detector.value,
        tenant: tenant.value.trim(),
        model: model.value.trim(),
      };
      try {
        await streamVerdicts(filters, onVerdict, abort.signal, () => {
          if (!paused) state.textContent = 'Live.';
        });
        delay = 500;
      } catch (e) {
        if (abort.signal.aborted) {
          delay = 0; // a filter change: reconnect at once
        } else if (e.status === 401) {
          return ctx.signOut();
        } else {
          state.textContent = `Disconnected (${e.message}); retrying…`;
        }
      }
      if (stopped) return;
      await new Promise(r => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  const refilter = () => {
    if (!paused) state.textContent = 'Connecting…';
    abort?.abort();
  };
  form.addEventListener('change', refilter);
  form.addEventListener('submit', e => { e.preventDefault(); refilter(); });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (paused) {
      state.textContent = 'Paused: 0 new verdicts buffered.';
    } else {
      show(buffered);
      buffered = [];
      state.textContent = 'Live.';
    }
  });
  follow();
  return () => {
    stopped = true;
    abort?.abort();
  };
}

function row(w) {
  const v = w.verdict ?? {};
  const flagged = (v.scores ?? []).filter(s => s.flagged);
  const link = h('a', { href: `#/requests/${encodeURIComponent(v.requestId ?? '')}?${new URLSearchParams({ server: w.serverId ?? '' })}` }, v.requestId ?? '');
  return h('tr', { class: v.flagged ? 'flagged' : '' },
    h('td', null, time(Date.now())),
    h('td', { class: 'server' }, w.serverId ?? ''),
    h('td', { class: 'model', title: w.modelFingerprint ?? '' }, w.modelId || '—'),
    h('td', { class: 'tenant' }, w.tenant || '—'),
    h('td', { class: 'request' }, link),
    h('td', { class: 'num' }, `${v.step ?? 0}${v.final ? ' (final)' : ''}`),
    h('td', null, v.flagged ? h('strong', { class: 'bad' }, `flagged: ${flagged.map(s => detectorName(s.detector)).join(', ')}`) : 'ok'),
    h('td', { class: 'scores' }, (v.scores ?? []).map(s => h('span', { class: s.flagged ? 'chip bad' : 'chip' }, `${detectorName(s.detector)} ${num(s.score, 2)}`))));
}
