// The API tokens page: list, create (shown once), revoke.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { confirm, person, when } from './admin.js';

async function load() {
  const body = document.getElementById('tokens');
  try {
    const { tokens, names } = await api('GET', '/admin/api/tokens');
    body.replaceChildren(...tokens.map(t => row(t, names)));
    document.getElementById('tokens-empty').hidden = tokens.length > 0;
  } catch (e) {
    toast(`The tokens could not be loaded: ${e.message}`, true);
  }
}

function row(t, names) {
  const revoked = !!t.revoked_at;
  const revoke = revoked ? '' : el('button', {
    type: 'button', class: 'danger small-btn', 'aria-label': `Revoke ${t.name}`,
    onclick: async () => {
      if (!await confirm(`Revoke the token "${t.name}" (${t.id})? Anything using it stops working at once. This cannot be undone.`, 'Revoke')) return;
      try {
        await api('DELETE', `/admin/api/tokens/${encodeURIComponent(t.id)}`);
        toast(`Revoked "${t.name}".`);
        load();
      } catch (e) {
        toast(`Not revoked: ${e.message}`, true);
      }
    },
  }, 'Revoke');
  return el('tr', { 'data-id': t.id, class: revoked ? 'revoked' : '' },
    el('th', { scope: 'row' }, t.name),
    el('td', {}, el('code', {}, t.id)),
    el('td', {}, (t.scopes || []).join(', ')),
    el('td', {}, person(t.created_by, names)),
    el('td', {}, when(t.created_at)),
    el('td', {}, t.last_used ? when(t.last_used) : 'never'),
    el('td', {}, revoked ? el('span', { class: 'badge bad' }, `revoked ${when(t.revoked_at)}`) : el('span', { class: 'badge ok' }, 'active')),
    el('td', {}, revoke));
}

document.getElementById('create-token').addEventListener('submit', async e => {
  e.preventDefault();
  const form = e.target;
  const name = form.elements.name.value.trim();
  const scope = form.elements.scope.value;
  if (!name) { form.elements.name.focus(); return; }
  try {
    const res = await api('POST', '/admin/api/tokens', { name, scopes: [scope] });
    const box = document.getElementById('new-token');
    const value = document.getElementById('new-token-value');
    value.value = res.token;
    document.getElementById('copy-status').textContent = '';
    box.hidden = false;
    value.focus();
    value.select();
    form.reset();
    load();
  } catch (err) {
    toast(`Not created: ${err.message}`, true);
  }
});

document.getElementById('copy-token').addEventListener('click', async () => {
  const value = document.getElementById('new-token-value');
  const status = document.getElementById('copy-status');
  try {
    await navigator.clipboard.writeText(value.value);
    status.textContent = 'Copied to the clipboard.';
  } catch {
    value.focus();
    value.select();
    status.textContent = 'Press Ctrl+C (⌘C on a Mac) to copy the selected token.';
  }
});

load();
