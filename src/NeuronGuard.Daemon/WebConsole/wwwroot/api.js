// The daemon's HTTP/JSON API (docs/http.md), with the bearer token from session storage as a header. No cookies are
// used, so other sites cannot make calls on an operator's behalf (no CSRF); the token leaves with the tab.

const KEY = 'neuronguard.console.token';

export const session = {
  token: () => sessionStorage.getItem(KEY),
  save: token => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
  signedIn: () => sessionStorage.getItem(KEY) !== null,
};

/** An HTTP error with the daemon's message (proto3 JSON status: {code, message}). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const token = session.token();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function call(method, path, body, signal) {
  const response = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    signal,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, data, text));
  return data ?? {};
}

function describe(status, data, text) {
  const detail = data?.message ?? (text || '').trim().slice(0, 300);
  switch (status) {
    case 401: return `Not signed in: the daemon refused the token (${detail || 'unauthenticated'}).`;
    case 403: return `Not allowed for this token's role: ${detail || 'permission denied'}.`;
    default: return detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`;
  }
}

export const api = {
  overview: signal => call('GET', '/v1/overview', undefined, signal),
  policy: signal => call('GET', '/v1/policy', undefined, signal),
  setMitigation: request => call('POST', '/v1/policy/mitigations', request),
  deleteMitigation: (set, tenant, expectedVersion) =>
    call('DELETE', `/v1/policy/mitigations/${encodeURIComponent(set)}?${new URLSearchParams({ tenant, expectedVersion: String(expectedVersion ?? 0) })}`),
  audit: (limit, offset, signal) => call('GET', `/v1/audit?${new URLSearchParams({ limit, offset })}`, undefined, signal),
  flagged: (limit, signal) => call('GET', `/v1/flagged?${new URLSearchParams({ limit })}`, undefined, signal),
  request: (id, serverId, signal) =>
    call('GET', `/v1/requests/${encodeURIComponent(id)}${serverId ? `?${new URLSearchParams({ serverId })}` : ''}`, undefined, signal),
  catalog: (fingerprint, signal) => call('GET', `/v1/models/${encodeURIComponent(fingerprint)}/catalog`, undefined, signal),

  /** Who this token is: {name, roles: ["operator" | "viewer" | "ingest"]}; 401 when the daemon refuses it. */
  session: () => call('GET', './session'),
};

/**
 * Follows GET /v1/verdicts/stream (server-sent events) with fetch(), because EventSource cannot send the
 * Authorization header. Calls onOpen() once the daemon answered (it subscribes before it answers, so from then on no
 * verdict is missed) and onVerdict(WatchedVerdict) per `event: verdict`; resolves when the stream ends and rejects
 * with ApiError on an HTTP error or when signal aborts.
 */
export async function streamVerdicts(filters, onVerdict, signal, onOpen = () => {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) query.set(k, String(v));
  const response = await fetch(`/v1/verdicts/stream?${query}`, {
    headers: headers({ Accept: 'text/event-stream' }),
    credentials: 'omit',
    cache: 'no-store',
    signal,
  });
  if (!response.ok) {
    const text = await response.text();
    let data = null;
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
    throw new ApiError(response.status, describe(response.status, data, text));
  }
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const event = parseEvent(block);
      if (event && (event.type === 'verdict' || event.type === 'message')) onVerdict(JSON.parse(event.data));
    }
  }
}

/** One SSE block: "event: x" and "data: y" lines (several data lines join with \n); comments start with ':'. */
export function parseEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { type, data: data.join('\n') } : null;
}
