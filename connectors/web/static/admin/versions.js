// The editor's versions panel: the published versions, a diff between any
// two (or the draft), viewing one, and rolling back to one. A diff line is
// marked by its sign and a word for screen readers, not by colour alone.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { confirm, person, when } from './admin.js';
import { ed } from './editor.js';

const path = `/admin/api/flows/${encodeURIComponent(ed.name)}`;
let versions = [];
let names = {};

async function load() {
  try {
    const res = await api('GET', `${path}/versions`);
    versions = res.versions || [];
    names = res.names || {};
  } catch (e) {
    versions = [];
    if (e.status !== 404) toast(`The versions could not be loaded: ${e.message}`, true);
  }
  document.getElementById('versions').replaceChildren(...versions.map(row));
  fillSelects();
}

function row(v) {
  return el('tr', { 'data-version': String(v.version) },
    el('th', { scope: 'row' }, `v${v.version} `, v.current ? el('span', { class: 'badge ok' }, 'current') : null),
    el('td', {}, person(v.author, names)),
    el('td', {}, person(v.published_by, names)),
    el('td', {}, when(v.created_at)),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'secondary small-btn', 'aria-label': `View version ${v.version}`, onclick: () => view(v.version) }, 'View'),
      v.current ? null : el('button', {
        type: 'button', class: 'secondary small-btn', 'aria-label': `Roll back to version ${v.version}`,
        onclick: () => ed.busy(() => rollback(v.version)),
      }, 'Roll back')));
}

function option(value, label, selected) {
  return el('option', { value, selected: selected || false }, label);
}

// fillSelects offers every version, the current one and the draft; by
// default the diff is from the current version to the draft, or from
// the one before to the current.
function fillSelects() {
  const draft = !!(ed.st.detail && ed.st.detail.draft);
  const nums = versions.map(v => v.version);
  const from = document.getElementById('diff-from');
  const to = document.getElementById('diff-to');
  const defFrom = draft ? 'current' : String(nums[1] || '');
  const defTo = draft ? 'draft' : 'current';
  const opts = sel => [
    option('', 'nothing (empty)', sel === ''),
    ...nums.map(n => option(String(n), `v${n}`, sel === String(n))),
    option('current', 'current version', sel === 'current'),
    draft ? option('draft', 'draft', sel === 'draft') : null,
  ].filter(Boolean);
  from.replaceChildren(...opts(defFrom));
  to.replaceChildren(...opts(defTo).filter(o => o.value !== ''));
}

// render shows a unified diff, one line per row with its sign.
function render(unified, title, asSource) {
  const box = document.getElementById('diff');
  document.getElementById('diff-title').textContent = title;
  const lines = unified.replace(/\n$/, '').split('\n');
  if (!unified.trim()) {
    box.replaceChildren(el('p', { class: 'muted' }, 'No differences.'));
  } else if (asSource) {
    // A version alone: the diff from nothing, shown as its text.
    const text = lines.filter(l => l.startsWith('+') && !l.startsWith('+++')).map(l => l.slice(1));
    box.replaceChildren(el('pre', { class: 'source-view' }, text.join('\n')));
  } else {
    box.replaceChildren(...lines.map(line => {
      let kind = 'ctx', mark = ' ', say = '';
      if (line.startsWith('+++') || line.startsWith('---')) kind = 'file';
      else if (line.startsWith('@@')) kind = 'hunk';
      else if (line.startsWith('+')) { kind = 'add'; mark = '+'; say = 'Added: '; }
      else if (line.startsWith('-')) { kind = 'del'; mark = '−'; say = 'Removed: '; }
      const text = kind === 'add' || kind === 'del' || kind === 'ctx' ? line.slice(1) : line;
      return el('div', { class: `dl ${kind}` },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, kind === 'file' || kind === 'hunk' ? '' : mark),
        say ? el('span', { class: 'sr-only' }, say) : null,
        el('code', {}, text || ' '));
    }));
  }
  box.hidden = false;
}

async function diff(from, to) {
  try {
    const d = await api('GET', `${path}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    render(d.unified, `Changes from ${d.from} to ${d.to}: lines marked + were added, − removed.`);
  } catch (e) {
    toast(`No diff: ${e.message}`, true);
  }
}

async function view(version) {
  try {
    const d = await api('GET', `${path}/diff?from=&to=${version}`);
    render(d.unified, `Version ${version}, as published.`, true);
    document.getElementById('diff').focus();
  } catch (e) {
    toast(`Version ${version} could not be loaded: ${e.message}`, true);
  }
}

async function rollback(version) {
  const ok = await confirm(`Roll back to version ${version}? Its text and tests are published again as a new version; ` +
    'new conversations start on it, running ones finish on theirs. Your draft, if any, is kept.', `Roll back to v${version}`);
  if (!ok) return;
  try {
    const res = await api('POST', `${path}/rollback`, { version });
    toast(`Rolled back: version ${version} is published again as version ${res.version}.`);
    await ed.reload();
  } catch (e) {
    ed.refused(e);
  }
}

document.getElementById('diff-form').addEventListener('submit', e => {
  e.preventDefault();
  diff(document.getElementById('diff-from').value, document.getElementById('diff-to').value);
});

ed.versions = { load, diff };
