// The admin overview: the flows with their published version and draft.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { person, when } from './admin.js';

const draftBadge = f => {
  switch (f.draft) {
    case 'clean': return el('span', { class: 'badge warn' }, 'unpublished changes');
    case 'problems': return el('span', { class: 'badge bad' }, `${f.problems} problem${f.problems === 1 ? '' : 's'}`);
    default: return el('span', { class: 'muted' }, 'none');
  }
};

async function load() {
  const table = document.getElementById('flows-table');
  const body = document.getElementById('flows');
  try {
    const { flows, names } = await api('GET', '/admin/api/flows');
    body.replaceChildren(...flows.map(f => el('tr', { 'data-flow': f.name },
      el('th', { scope: 'row' }, el('a', { href: `/admin/flows/${encodeURIComponent(f.name)}` }, f.name)),
      el('td', {}, f.version ? `v${f.version}` : el('span', { class: 'muted' }, 'never published')),
      el('td', {}, draftBadge(f)),
      el('td', {}, person(f.editor, names)),
      el('td', {}, when(f.edited)))));
    document.getElementById('flows-empty').hidden = flows.length > 0;
  } catch (e) {
    const p = document.getElementById('flows-error');
    p.textContent = `The flows could not be loaded: ${e.message}`;
    p.hidden = false;
  } finally {
    table.setAttribute('aria-busy', 'false');
  }
}

document.getElementById('new-flow').addEventListener('submit', e => {
  e.preventDefault();
  const input = document.getElementById('new-flow-name');
  input.value = input.value.trim();
  const name = input.value;
  if (!input.checkValidity()) { // the pattern and length are the server's (formLimits)
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    toast('A flow name is lower-case letters, digits and underscores, starting with a letter.', true);
    return;
  }
  location.assign(`/admin/flows/${name}`);
});

load();
