// Portico admin settings: people, queues and office hours, canned
// responses, the widget's appearance with its live preview, and the audit
// log viewer. One module for those pages; each page's root element names
// it in data-page. Plain JavaScript, no inline code (the CSP forbids it).
// The preview inside the widget page's iframe has its own, preview.js.

import { api } from '../staff/api.js';
import { $, el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { breakable, confirm, person, when } from './admin.js';

// showErrors puts the server's per-field messages under their fields
// (elements "<prefix><field>-err"); "hours[2]" goes to the hours list
// as "Line 3: …". It returns whether there were any.
function showErrors(form, prefix, fields) {
  for (const e of form.querySelectorAll('.field-error')) { e.hidden = true; e.textContent = ''; }
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  let first = null;
  for (const [key, msg] of Object.entries(fields || {})) {
    const m = /^(\w+)\[(\d+)\]$/.exec(key);
    const name = (m ? m[1] : key).replace('.', '-');
    const box = $(prefix + name + '-err');
    if (!box) { toast(`${key}: ${msg}`, true); continue; }
    if (box.tagName === 'UL') box.append(el('li', { text: m ? `Line ${Number(m[2]) + 1}: ${msg}` : msg }));
    else box.textContent = msg;
    box.hidden = false;
    const input = $(prefix + name);
    if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
  }
  if (first) first.focus();
  return first !== null;
}

// fail shows an API failure: per field when the server said which.
function fail(err, form, prefix) {
  if (form && err.body && err.body.fields && showErrors(form, prefix, err.body.fields)) return;
  toast(err.message, true);
}

const lines = text => text.split('\n').map(s => s.trim()).filter(Boolean);
const list = text => text.split(',').map(s => s.trim()).filter(Boolean);

// ---- people ---------------------------------------------------------------

async function people() {
  const tbody = $('users').tBodies[0];
  let editing = null;
  const load = async () => {
    const { users, default_capacity: deskDefault } = await api('GET', '/admin/api/users');
    $('user-create').capacity.placeholder = `default (${deskDefault})`;
    tbody.replaceChildren(...users.map(row));
    $('users-empty').hidden = users.length > 0;
  };
  // An account without a capacity of its own follows the desk's (handoff.capacity).
  const capacity = u => u.capacity ? String(u.capacity) : `default (${u.default_capacity})`;
  const status = u => u.disabled ? el('span', { class: 'badge bad', text: 'disabled' })
    : u.locked_until ? el('span', { class: 'badge warn', text: 'locked until ' + when(u.locked_until) })
      : el('span', { class: 'badge ok', text: 'active' });
  const row = u => el('tr', { class: u.disabled ? 'revoked' : '' },
    el('th', { scope: 'row', text: u.name }), el('td', { text: u.email }), el('td', { text: u.role }),
    el('td', { text: capacity(u) }), el('td', { text: u.queues.length ? u.queues.join(', ') : 'all' }),
    el('td', {}, status(u)),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'secondary small-btn', text: 'Edit', 'aria-label': `Edit ${u.name}`, onclick: () => edit(u) }),
      el('button', { type: 'button', class: 'secondary small-btn', text: 'Reset password', 'aria-label': `Reset the password of ${u.name}`, onclick: () => reset(u) }),
      u.disabled
        ? el('button', { type: 'button', class: 'secondary small-btn', text: 'Enable', 'aria-label': `Enable ${u.name}`, onclick: () => able(u, false) })
        : el('button', { type: 'button', class: 'danger small-btn', text: 'Disable', 'aria-label': `Disable ${u.name}`, onclick: () => able(u, true) })));
  const shown = (title, password) => {
    $('new-password-title').textContent = title;
    $('new-password-value').value = password;
    $('new-password').hidden = false;
    $('new-password-value').select();
  };
  $('copy-password').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText($('new-password-value').value); toast('Copied.'); } catch (e) { $('new-password-value').select(); }
  });
  $('hide-password').addEventListener('click', () => { $('new-password-value').value = ''; $('new-password').hidden = true; });

  $('user-create').addEventListener('submit', async ev => {
    ev.preventDefault();
    const f = ev.target;
    try {
      const res = await api('POST', '/admin/api/users', {
        email: f.email.value, name: f.name.value, role: f.role.value,
        capacity: Number(f.capacity.value) || 0, queues: list(f.queues.value),
      });
      showErrors(f, 'u-', {});
      f.reset();
      shown(`Password for ${res.user.email}`, res.password);
      await load();
    } catch (err) { fail(err, f, 'u-'); }
  });

  const dlg = $('user-edit'), form = $('user-edit-form');
  const edit = u => {
    editing = u;
    $('edit-title').textContent = `Edit ${u.name}`;
    form.name.value = u.name;
    form.capacity.value = u.capacity || '';
    form.capacity.placeholder = `default (${u.default_capacity})`;
    form.queues.value = u.queues.join(', ');
    showErrors(form, 'e-', {});
    dlg.showModal();
  };
  $('edit-cancel').addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      await api('PATCH', '/admin/api/users/' + encodeURIComponent(editing.id), {
        name: form.name.value, capacity: Number(form.capacity.value) || 0, queues: list(form.queues.value),
      });
      dlg.close();
      toast('Saved.');
      await load();
    } catch (err) { fail(err, form, 'e-'); }
  });
  const reset = async u => {
    if (!await confirm(`Give ${u.name} a new password? They are signed out everywhere at once.`, 'Reset password')) return;
    try {
      const res = await api('POST', `/admin/api/users/${encodeURIComponent(u.id)}/password`);
      shown(`New password for ${u.email}`, res.password);
    } catch (err) { fail(err); }
  };
  const able = async (u, disable) => {
    if (disable && !await confirm(`Disable ${u.name}? Their open consoles close at once and they cannot sign in.`, 'Disable')) return;
    try {
      await api('POST', `/admin/api/users/${encodeURIComponent(u.id)}/${disable ? 'disable' : 'enable'}`);
      toast(disable ? `${u.name} is disabled.` : `${u.name} can sign in again.`);
      await load();
    } catch (err) { fail(err); }
  };
  api('GET', '/admin/api/queues').then(({ queues }) => {
    $('queue-names').replaceChildren(...queues.map(q => el('option', { value: q.name })));
  }).catch(() => {});
  await load();
}

// ---- queues ---------------------------------------------------------------

async function queues() {
  const tbody = $('queues').tBodies[0], form = $('queue-form');
  const load = async () => {
    const { queues } = await api('GET', '/admin/api/queues');
    tbody.replaceChildren(...queues.map(row));
    $('queues-empty').hidden = queues.length > 0;
  };
  const row = q => el('tr', {},
    el('th', { scope: 'row' }, q.name, q.describe ? el('div', { class: 'muted small', text: q.describe }) : null),
    el('td', { text: String(q.priority) }),
    el('td', {}, q.hours.length ? q.hours.join('; ') : 'always', el('div', { class: 'muted small', text: q.timezone || 'UTC' })),
    el('td', { text: q.holidays.length ? q.holidays.join(', ') : '–' }),
    el('td', {}, el('span', { class: q.open_now ? 'badge ok' : 'badge warn', text: q.open_now ? 'open' : 'closed' })),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'secondary small-btn', text: 'Edit', 'aria-label': `Edit ${q.name}`, onclick: () => edit(q) }),
      el('button', { type: 'button', class: 'danger small-btn', text: 'Delete', 'aria-label': `Delete ${q.name}`, onclick: () => del(q) })));
  const edit = q => {
    form.name.value = q.name;
    form.name.readOnly = true;
    form.priority.value = q.priority;
    form.timezone.value = q.timezone;
    form.hours.value = q.hours.join('\n');
    form.holidays.value = q.holidays.join('\n');
    form.describe.value = q.describe;
    $('form-title').textContent = `Edit ${q.name}`;
    $('queue-new').hidden = false;
    showErrors(form, 'q-', {});
    form.priority.focus();
  };
  const fresh = () => {
    form.reset();
    form.name.readOnly = false;
    $('form-title').textContent = 'Add a queue';
    $('queue-new').hidden = true;
    showErrors(form, 'q-', {});
  };
  $('queue-new').addEventListener('click', fresh);
  const del = async q => {
    if (!await confirm(`Delete the queue ${q.name}? It becomes always open with priority 0.`, 'Delete')) return;
    try { await api('DELETE', '/admin/api/queues/' + encodeURIComponent(q.name)); toast(`${q.name} deleted.`); await load(); } catch (err) { fail(err); }
  };
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const name = form.name.value.trim();
    if (!name) { showErrors(form, 'q-', { name: 'Give the queue a name.' }); return; }
    try {
      const { queue } = await api('PUT', '/admin/api/queues/' + encodeURIComponent(name), {
        priority: Number(form.priority.value) || 0, timezone: form.timezone.value, hours: lines(form.hours.value),
        holidays: lines(form.holidays.value), describe: form.describe.value,
      });
      toast(`${queue.name} saved; it is ${queue.open_now ? 'open' : 'closed'} now.`);
      fresh();
      await load();
    } catch (err) { fail(err, form, 'q-'); }
  });
  await load();
}

// ---- canned responses -------------------------------------------------------

async function canned() {
  const tbody = $('canned').tBodies[0], form = $('canned-form');
  const load = async () => {
    const { items } = await api('GET', '/agent/api/canned');
    tbody.replaceChildren(...items.map(row));
    $('canned-empty').hidden = items.length > 0;
  };
  const row = c => el('tr', {},
    el('th', { scope: 'row' }, el('code', { text: '/' + c.shortcut })), el('td', { text: c.title }),
    el('td', { class: 'canned-text', text: c.text }),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'secondary small-btn', text: 'Edit', 'aria-label': `Edit /${c.shortcut}`, onclick: () => edit(c) }),
      el('button', { type: 'button', class: 'danger small-btn', text: 'Delete', 'aria-label': `Delete /${c.shortcut}`, onclick: () => del(c) })));
  const edit = c => {
    form.shortcut.value = c.shortcut;
    form.title.value = c.title;
    form.text.value = c.text;
    $('form-title').textContent = `Edit /${c.shortcut}`;
    $('canned-new').hidden = false;
    form.title.focus();
  };
  const fresh = () => { form.reset(); $('form-title').textContent = 'Add a response'; $('canned-new').hidden = true; showErrors(form, 'c-', {}); };
  $('canned-new').addEventListener('click', fresh);
  const del = async c => {
    if (!await confirm(`Delete /${c.shortcut}?`, 'Delete')) return;
    try { await api('DELETE', '/agent/api/canned/' + encodeURIComponent(c.shortcut)); toast(`/${c.shortcut} deleted.`); await load(); } catch (err) { fail(err); }
  };
  // The server checks the fields (bot/staff, CannedResponse.Problems) and
  // answers by field.
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const body = { shortcut: form.shortcut.value, title: form.title.value, text: form.text.value };
    try {
      const saved = await api('POST', '/agent/api/canned', body);
      toast(`/${saved.shortcut} saved.`);
      fresh();
      await load();
    } catch (err) { fail(err, form, 'c-'); }
  });
  await load();
}

// ---- widget appearance --------------------------------------------------------

async function widget() {
  const form = $('widget-form'), frame = $('w-preview');
  const values = () => ({
    title: form.title.value.trim(), color: form.color.value.trim(), logo_url: form.logo_url.value.trim(),
    position: form.position.value, greeting: { en: form['greeting-en'].value.trim(), es: form['greeting-es'].value.trim() },
  });
  const fill = v => {
    form.title.value = v.title || '';
    form.color.value = v.color || '';
    form.logo_url.value = v.logo_url || '';
    form.position.value = v.position || 'right';
    form['greeting-en'].value = (v.greeting || {}).en || '';
    form['greeting-es'].value = (v.greeting || {}).es || '';
  };
  // The color rule is the server's (widget_theme.go): it answers the
  // contrast and warnings of the color as typed, and the color as
  // #rrggbb for the picker.
  const showContrast = c => {
    const box = $('w-contrast');
    box.replaceChildren(el('p', { class: 'small' }, `White text on it: ${c.white_on_accent}:1. `),
      ...c.warnings.map(n => el('p', { class: 'contrast-warn', text: n })));
    if (!c.warnings.length) box.append(el('p', { class: 'small ok-text', text: 'Reads well.' }));
    $('w-color-pick').value = c.accent;
  };
  let asked = 0, contrastTimer = 0;
  const contrast = () => {
    clearTimeout(contrastTimer);
    contrastTimer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const c = await api('GET', '/admin/api/widget/contrast?color=' + encodeURIComponent(form.color.value.trim()));
        if (mine === asked) showContrast(c);
      } catch (err) {
        if (mine === asked) $('w-contrast').replaceChildren(el('p', { class: 'badge bad', text: err.body?.fields?.color || err.message }));
      }
    }, 150);
  };
  let timer = 0;
  const preview = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const v = values(), lang = $('w-preview-lang').value;
      const q = new URLSearchParams({ title: v.title, color: v.color, logo_url: v.logo_url,
        position: v.position, greeting: v.greeting[lang] || '', lang, open: $('w-preview-open').checked ? '1' : '0' });
      frame.src = '/admin/settings/widget/preview?' + q.toString();
    }, 300);
  };
  const show = v => {
    fill(v.widget);
    $('w-source').textContent = v.stored ? 'Showing the values an admin saved.' : 'Showing the configuration file\'s values: nothing is saved here yet.';
    showContrast(v.contrast);
    preview();
  };
  form.addEventListener('input', ev => {
    if (ev.target.id === 'w-color') contrast();
    preview();
  });
  $('w-color-pick').addEventListener('input', ev => { form.color.value = ev.target.value; contrast(); preview(); });
  $('w-preview-lang').addEventListener('change', preview);
  $('w-preview-open').addEventListener('change', preview);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try { show(await api('PUT', '/admin/api/widget', values())); showErrors(form, 'w-', {}); toast('Saved: patients see it within a minute.'); } catch (err) { fail(err, form, 'w-'); }
  });
  $('widget-reset').addEventListener('click', async () => {
    if (!await confirm('Go back to the configuration file\'s appearance?', 'Reset')) return;
    try { show(await api('DELETE', '/admin/api/widget')); toast('Back to the configuration file\'s appearance.'); } catch (err) { fail(err); }
  });
  show(await api('GET', '/admin/api/widget'));
}

// ---- audit log ------------------------------------------------------------------

async function audit() {
  const form = $('audit-filter'), tbody = $('audit').tBodies[0];
  let before = 0;
  const query = () => {
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'actor', 'type', 'subject']) {
      const v = form[k].value.trim();
      if (v) q.set(k, v);
    }
    return q;
  };
  const row = (e, names) => el('tr', {},
    el('td', { text: String(e.seq) }), el('td', {}, el('time', { datetime: e.at, text: e.at.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') })),
    el('td', {}, el('code', { text: e.type })), el('td', {}, person(e.actor, names)),
    el('td', {}, e.subject ? person(e.subject, names) : ''),
    el('td', {}, el('span', { class: e.outcome === 'ok' ? 'badge ok' : e.outcome ? 'badge warn' : '', text: e.outcome })),
    el('td', { class: 'audit-detail' }, breakable(e.detail || '')), el('td', { text: e.source }));
  const load = async more => {
    const q = query();
    if (more) q.set('before', String(before));
    $('export').href = '/admin/api/audit.csv?' + query().toString();
    try {
      const res = await api('GET', '/admin/api/audit?' + q.toString());
      $('audit-error').hidden = true;
      const rows = res.events.map(e => row(e, res.names));
      if (more) tbody.append(...rows); else tbody.replaceChildren(...rows);
      $('audit-empty').hidden = tbody.rows.length > 0;
      before = res.next_before;
      $('audit-more').hidden = !res.more;
    } catch (err) {
      $('audit-error').textContent = err.message;
      $('audit-error').hidden = false;
    }
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); load(false); });
  $('audit-more').addEventListener('click', () => load(true));
  $('verify').addEventListener('click', async () => {
    const out = $('verify-result');
    out.className = 'verify-result';
    out.textContent = 'Checking every row…';
    $('verify').disabled = true;
    try {
      const r = await api('POST', '/admin/api/audit/verify');
      if (r.ok) {
        out.classList.add('good');
        out.textContent = `The chain holds: ${r.rows} rows verified.`;
      } else {
        out.classList.add('broken');
        out.textContent = `Broken at row ${r.bad_seq}: ${r.problem}. ${r.rows} rows before it verified.`;
      }
    } catch (err) { out.textContent = err.message; }
    $('verify').disabled = false;
  });
  await load(false);
}

const page = document.querySelector('[data-page]')?.dataset.page;
const pages = { users: people, queues, canned, widget, audit };
if (pages[page]) pages[page]().catch(err => toast(err.message, true));
