// Policy: the mitigation entries per neuron set and tenant, a form to set one (mode, preset, strength, TTL) and delete
// buttons. Every write sends the version this page last read (compare-and-set), and a global change asks first.
// Recent policy changes come from the audit log, so who changed what stays on the page.
import { api } from '../api.js';
import { h, replace, table, dateTime, modeName, presetName, num, errorBox } from '../dom.js';
import { detailCell } from './audit.js';

const MODES = ['off', 'shadow', 'on_flag', 'always', 'abort', 'mask_attention'];
const PRESETS = ['aura', 'det0', 'damp'];

export function mount(container, ctx) {
  let version = '0';
  const message = h('p', { role: 'status', id: 'policy-message', class: 'muted' });
  const entries = h('div');
  const changes = h('div', { id: 'policy-changes' });
  const sets = h('datalist', { id: 'policy-sets' });
  const readOnly = ctx.canWrite ? null : { disabled: true, title: ctx.writeReason };

  const f = {
    set: h('input', { id: 'policy-set', name: 'set', list: 'policy-sets', required: true, autocomplete: 'off', ...readOnly }),
    tenant: h('input', { id: 'policy-tenant', name: 'tenant', placeholder: 'empty: every tenant (global)', autocomplete: 'off', ...readOnly }),
    mode: h('select', { id: 'policy-mode', name: 'mode', ...readOnly }, MODES.map(m => h('option', { value: m }, m))),
    preset: h('select', { id: 'policy-preset', name: 'preset', ...readOnly }, PRESETS.map(p => h('option', { value: p }, p))),
    strength: h('input', { id: 'policy-strength', name: 'strength', type: 'number', min: 0, max: 1, step: 0.05, value: '1', ...readOnly }),
    ttl: h('input', { id: 'policy-ttl', name: 'ttl', type: 'number', min: 0, step: 1, value: '0', ...readOnly }),
    reason: h('input', { id: 'policy-reason', name: 'reason', maxlength: 1024, autocomplete: 'off', ...readOnly }),
  };
  const apply = h('button', { type: 'submit', id: 'policy-apply', ...readOnly }, 'Apply');
  const form = h('form', { class: 'panel policy-form', 'aria-labelledby': 'policy-form-title' },
    h('h3', { id: 'policy-form-title' }, 'Set a mitigation'),
    ctx.canWrite ? null : h('p', { class: 'notice', id: 'policy-readonly' }, ctx.writeReason),
    field('Neuron set', f.set), field('Tenant', f.tenant), field('Mode', f.mode), field('Preset', f.preset),
    field('Strength (0–1)', f.strength), field('TTL, seconds (0 = never)', f.ttl), field('Reason (audit log)', f.reason),
    h('div', { class: 'actions' }, apply));
  f.mode.value = 'on_flag';

  const dialog = h('dialog', { id: 'policy-confirm', 'aria-labelledby': 'policy-confirm-title' });
  replace(container, h('section', { class: 'view', 'aria-labelledby': 'policy-title' },
    h('h2', { id: 'policy-title' }, 'Policy'), message, entries, form, sets,
    h('h3', null, 'Recent policy changes'), changes, dialog));

  /** Resolves true when the operator confirms a change that applies to every tenant. */
  function confirmGlobal(text) {
    return new Promise(resolve => {
      const yes = h('button', { type: 'button', id: 'policy-confirm-yes', class: 'danger' }, 'Apply to every tenant');
      const no = h('button', { type: 'button', id: 'policy-confirm-no' }, 'Cancel');
      replace(dialog, h('h3', { id: 'policy-confirm-title' }, 'Global change'), h('p', null, text), h('div', { class: 'actions' }, no, yes));
      const done = answer => {
        dialog.close();
        resolve(answer);
      };
      yes.addEventListener('click', () => done(true));
      no.addEventListener('click', () => done(false));
      dialog.addEventListener('cancel', () => resolve(false), { once: true });
      dialog.showModal();
      no.focus();
    });
  }

  async function write(describe, global, run) {
    if (global && !(await confirmGlobal(`${describe}: this applies to every tenant without an entry of its own. Continue?`))) {
      message.textContent = 'Cancelled.';
      return;
    }
    try {
      const response = await run();
      message.textContent = response.unchanged
        ? `${describe}: already so, nothing changed.`
        : `${describe}: policy version ${response.policy?.version ?? '?'}.`;
    } catch (e) {
      if (e.status === 401) return ctx.signOut();
      message.textContent = e.status === 409
        ? `${describe}: the policy changed since this page read it; reloaded, check and apply again.`
        : `${describe} failed: ${e.message}`;
    }
    await load();
  }

  form.addEventListener('submit', event => {
    event.preventDefault();
    const set = f.set.value.trim();
    const tenant = f.tenant.value.trim();
    const request = {
      set,
      tenant,
      mode: `MITIGATION_MODE_${f.mode.value.toUpperCase()}`,
      preset: `GAIN_PRESET_${f.preset.value.toUpperCase()}`,
      strength: Number(f.strength.value),
      ttlSeconds: Math.max(0, Math.floor(Number(f.ttl.value) || 0)),
      expectedVersion: version,
      reason: f.reason.value.trim() || 'console',
    };
    write(`${set} ${f.mode.value} for ${tenant ? `tenant ${tenant}` : 'every tenant'}`, tenant === '', () => api.setMitigation(request));
  });

  function remove(m) {
    const tenant = m.tenant ?? '';
    write(`Delete ${m.set} for ${tenant ? `tenant ${tenant}` : 'every tenant'}`, tenant === '', () => api.deleteMitigation(m.set, tenant, version));
  }

  async function load() {
    try {
      const [p, audit, overview] = await Promise.all([api.policy(), api.audit(20, 0), api.overview().catch(() => ({}))]);
      version = String(p.policy?.version ?? '0');
      const list = p.policy?.mitigations ?? [];
      replace(entries, table(`Entries at policy version ${version}`,
        ['Set', 'Scope', 'Mode', 'Preset', 'Strength', 'Top k', 'Expires', 'Changed by', 'Changed at', ''],
        list.map(m => [
          m.set, m.tenant ? `tenant ${m.tenant}` : 'global', modeName(m.mode), presetName(m.preset), num(m.strength ?? 1, 2),
          String(m.topK ?? 0), Number(m.expiresAtUnixMs) > 0 ? dateTime(m.expiresAtUnixMs) : 'never', m.updatedBy || '—',
          dateTime(m.updatedAtUnixMs),
          h('td', null, h('button', { type: 'button', class: 'delete', 'aria-label': `Delete ${m.set} ${m.tenant ? `for tenant ${m.tenant}` : 'global'}`, onclick: () => remove(m), ...readOnly }, 'Delete')),
        ]), 'No mitigation is set: every set is off.'));
      const policyChanges = (audit.entries ?? []).filter(e => String(e.action).startsWith('policy.'));
      replace(changes, table(null, ['When', 'Who', 'Action', 'Version', 'What'],
        policyChanges.map(e => [dateTime(e.atUnixMs), e.actor ?? '', e.action ?? '', String(e.policyVersion ?? ''), detailCell(e.detail)]),
        'No policy change in the latest audit entries.'));
      await fillSets(list, overview);
    } catch (e) {
      if (e.status === 401) return ctx.signOut();
      replace(entries, errorBox(e));
    }
  }

  async function fillSets(list, overview) {
    const names = new Set(list.map(m => m.set));
    const fingerprints = [...new Set((overview.servers ?? []).map(s => s.modelFingerprint).filter(Boolean))];
    for (const fp of fingerprints) {
      try {
        for (const s of (await api.catalog(fp)).sets ?? []) names.add(s.name);
      } catch {
        // A model without an active catalog has no sets to offer.
      }
    }
    replace(sets, [...names].sort().map(n => h('option', { value: n })));
  }

  load();
  return () => {
    if (dialog.open) dialog.close();
  };
}

function field(label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}
