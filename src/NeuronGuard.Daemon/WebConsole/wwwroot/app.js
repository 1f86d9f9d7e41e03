// The console's shell: sign-in, the role this token has, and a hash router that mounts one view at a time.
import { api, session } from './api.js';
import { replace, errorBox } from './dom.js';
import * as overview from './views/overview.js';
import * as tail from './views/tail.js';
import * as request from './views/request.js';
import * as policy from './views/policy.js';
import * as audit from './views/audit.js';

const routes = { overview, tail, requests: request, policy, audit };

const $ = id => document.getElementById(id);
const ctx = { name: '', canWrite: false, writeReason: '' };
let unmount = null;

async function signIn(token) {
  session.save(token);
  try {
    const who = await api.session();
    const roles = who.roles ?? [];
    if (!roles.includes('viewer') && !roles.includes('operator')) {
      throw new Error(`The token of ${who.name} has no console role (viewer or operator): it has ${roles.join(', ') || 'none'}.`);
    }
    ctx.name = who.name;
    ctx.canWrite = roles.includes('operator');
    ctx.writeReason = ctx.canWrite ? '' : `${who.name} has the viewer role: it can read but not change the policy.`;
    return null;
  } catch (e) {
    session.clear();
    return e;
  }
}

function showSignIn(message) {
  unmount?.();
  unmount = null;
  replace($('view'));
  $('nav').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message ?? '';
  $('token').focus();
}

function showApp() {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('session').hidden = false;
  $('whoami').textContent = `${ctx.name}: ${ctx.canWrite ? 'operator' : 'viewer, read-only'}`;
  route();
}

/** "#/requests/abc?server=x" → {name: 'requests', arg: 'abc', query: URLSearchParams}. */
function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  return { name: name || 'overview', arg: rest.length ? decodeURIComponent(rest.join('/')) : '', query: new URLSearchParams(query ?? '') };
}

function route() {
  if (!session.signedIn()) return;
  const { name, arg, query } = parseHash();
  const view = routes[name] ?? overview;
  unmount?.();
  const container = $('view');
  replace(container);
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    unmount = view.mount(container, { ...ctx, arg, query, signOut: () => signOut('The daemon refused the token: sign in again.') }) ?? null;
  } catch (e) {
    replace(container, errorBox(e));
  }
}

function signOut(message) {
  session.clear();
  showSignIn(message);
}

$('sign-in').addEventListener('submit', async event => {
  event.preventDefault();
  const button = event.submitter ?? $('sign-in').querySelector('button');
  button.disabled = true;
  $('sign-in-error').textContent = '';
  const error = await signIn($('token').value.trim());
  button.disabled = false;
  if (error) {
    $('sign-in-error').textContent = error.message;
    return;
  }
  $('token').value = '';
  showApp();
});
$('sign-out').addEventListener('click', () => signOut(''));
window.addEventListener('hashchange', route);

if (session.signedIn()) {
  signIn(session.token()).then(error => (error ? showSignIn(error.message) : showApp()));
} else {
  showSignIn();
}
