// One request (GET /v1/requests/{id}): who sent it, its per-step scores per detector (a small SVG chart and the same
// numbers as a table), the neurons that drove the flag with what each promotes or suppresses, and flagged positions.
import { api } from '../api.js';
import { h, svg, replace, table, dateTime, detectorName, num, errorBox } from '../dom.js';

export function mount(container, ctx) {
  const id = ctx.arg;
  const server = ctx.query.get('server') ?? '';
  const body = h('div', null, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  replace(container, h('section', { class: 'view', 'aria-labelledby': 'request-title' },
    h('p', null, h('a', { href: '#/tail' }, '← Live tail')),
    h('h2', { id: 'request-title' }, 'Request ', h('span', { class: 'mono' }, id)), body));
  const abort = new AbortController();
  api.request(id, server, abort.signal).then(r => render(body, r), e => {
    if (e.name === 'AbortError') return;
    if (e.status === 401) return ctx.signOut();
    replace(body, e.status === 404
      ? h('p', { class: 'error', role: 'alert' }, 'This request is no longer in the daemon\'s history of recent requests (or never was).')
      : errorBox(e));
  });
  return () => abort.abort();
}

/** The steps' verdicts as [{step, scores: [{detector, score, threshold, flagged}]}], oldest first. */
function stepsOf(r) {
  return (r.steps ?? []).map(s => ({ step: Number(s.step ?? 0), scores: s.scores ?? [] })).sort((a, b) => a.step - b.step);
}

function render(body, r) {
  const steps = stepsOf(r);
  const labels = Object.entries(r.labels ?? {});
  const positions = r.flaggedPositions ?? [];
  const neurons = r.topNeurons ?? [];
  replace(body,
    h('dl', { class: 'facts' },
      fact('Server', r.serverId), fact('Model', r.modelName || r.modelId), fact('Tenant', r.tenant || '—'),
      fact('Fingerprint', r.modelFingerprint),
      fact('Started', dateTime(r.startedAtUnixMs)), fact('Ended', Number(r.endedAtUnixMs) > 0 ? dateTime(r.endedAtUnixMs) : 'still open'),
      fact('Flagged', r.flagged ? 'yes' : 'no'),
      fact('Flagged prompt positions', positions.length ? positions.join(', ') : '—'),
      labels.length ? fact('Labels', labels.map(([k, v]) => `${k}=${v}`).join(', ')) : null),
    h('h3', null, 'Scores per step'),
    steps.length ? chart(steps) : h('p', { class: 'muted' }, 'No verdicts recorded.'),
    Number(r.stepsDropped) > 0 ? h('p', { class: 'muted' }, `${r.stepsDropped} later steps were not kept (History:MaxStepsPerRequest).`) : null,
    steps.length ? scoreTable(steps) : null,
    h('h3', null, 'Neurons that drove the verdict'),
    neurons.length ? h('ol', { class: 'neurons' }, neurons.map(neuron)) : h('p', { class: 'muted' }, 'No neuron contributions recorded.'));
}

function fact(label, value) {
  return h('div', null, h('dt', null, label), h('dd', null, value ?? '—'));
}

const W = 480;
const H = 64;
const PAD = 6;

/**
 * One small chart per detector, each on its own scale (detectors' scores differ by orders of magnitude): the score
 * over the steps, the detector's threshold dashed, flagged steps as dots; the latest score and threshold beside it.
 */
function chart(steps) {
  const detectors = [...new Set(steps.flatMap(s => s.scores.map(x => x.detector)))];
  const first = steps[0].step;
  const span = Math.max(1, steps[steps.length - 1].step - first);
  const x = step => PAD + ((step - first) / span) * (W - 2 * PAD);
  return h('div', { class: 'charts' },
    h('p', { class: 'muted' }, `Steps ${first}–${steps[steps.length - 1].step}; each detector on its own scale, dashed: its threshold, dots: flagged steps.`),
    detectors.map((d, i) => {
      const points = steps.map(s => [s.step, s.scores.find(x => x.detector === d)]).filter(([, sc]) => sc);
      const last = points[points.length - 1][1];
      const threshold = Number(last.threshold) || 0;
      const max = Math.max(1e-9, threshold, ...points.map(([, sc]) => Number(sc.score) || 0)) * 1.1;
      const y = v => H - PAD - (Math.max(0, Number(v) || 0) / max) * (H - 2 * PAD);
      const name = detectorName(d);
      return h('figure', { class: `chart s${i % 8}` },
        h('figcaption', null, h('strong', null, name), ' ',
          h('span', { class: last.flagged ? 'bad' : 'muted' }, `${num(last.score)} / ${num(threshold)}${last.flagged ? ' flagged' : ''}`)),
        svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${name}: score per step against its threshold ${num(threshold)}` },
          svg('line', { x1: PAD, x2: W - PAD, y1: H - PAD, y2: H - PAD, class: 'axis' }),
          threshold > 0 ? svg('line', { x1: PAD, x2: W - PAD, y1: y(threshold), y2: y(threshold), class: 'threshold' }) : null,
          points.length > 1
            ? svg('polyline', { points: points.map(([st, sc]) => `${x(st).toFixed(1)},${y(sc.score).toFixed(1)}`).join(' '), class: 'line' })
            : null,
          points.filter(([, sc]) => sc.flagged || points.length === 1)
            .map(([st, sc]) => svg('circle', { cx: x(st), cy: y(sc.score), r: 3, class: sc.flagged ? 'dot flagged' : 'dot' }))));
    }));
}

function scoreTable(steps) {
  const detectors = [...new Set(steps.flatMap(s => s.scores.map(x => x.detector)))];
  return h('details', null, h('summary', null, 'Scores as a table'),
    table(null, ['Step', ...detectors.map(d => detectorName(d))], steps.map(s => [String(s.step), ...detectors.map(d => {
      const sc = s.scores.find(x => x.detector === d);
      return sc ? h('td', { class: sc.flagged ? 'num bad' : 'num' }, `${num(sc.score)} / ${num(sc.threshold)}${sc.flagged ? ' ⚑' : ''}`) : '—';
    })])));
}

function neuron(n) {
  const e = n.explanation;
  return h('li', null,
    h('span', { class: 'mono' }, `L${n.neuron?.layer ?? '?'}.${n.neuron?.index ?? '?'}`),
    n.set ? ` in ${n.set}` : '', `, contribution ${num(n.contribution)}`,
    e && ((e.promotes ?? []).length || (e.suppresses ?? []).length)
      ? h('dl', { class: 'explanation' },
        h('dt', null, 'promotes'), h('dd', null, tokens(e.promotes)),
        h('dt', null, 'suppresses'), h('dd', null, tokens(e.suppresses)),
        e.method ? h('dd', { class: 'muted' }, `(${e.method})`) : null)
      : null);
}

function tokens(list) {
  return (list ?? []).length ? list.map(t => h('code', { class: 'token' }, JSON.stringify(t))) : '—';
}
