// The editor's sandbox chat: a conversation with the saved draft on a
// throw-away database of test patients. What its outbox captures (codes,
// notices) is shown here, labelled SANDBOX: it is never sent.

import { api, csrf } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { ed } from './editor.js';

const log = document.getElementById('sandbox-log');
const text = document.getElementById('sandbox-text');
const send = document.getElementById('sandbox-send');
const end = document.getElementById('sandbox-end');
let id = '';
let input = null; // what the bot asks for now
let choices = []; // the quick replies last shown, for a typed "2" as on SMS
const asSMS = document.getElementById('sandbox-sms');

function line(from, body) {
  log.append(el('li', { class: `from-${from}` }, el('span', { class: 'who' }, from === 'bot' ? 'Bot' : 'Patient'), ' ', body));
  log.scrollTop = log.scrollHeight;
}

// textLines shows a bot message as the SMS channel would text it: each
// text with its segments and encoding (the server renders them).
function textLines(parts, fallback) {
  if (!parts) {
    line('bot', fallback);
    log.append(el('li', { class: 'muted small' }, '(SMS is not enabled on this server: shown as in the web chat.)'));
    return;
  }
  for (const p of parts) {
    line('bot', el('span', { class: 'sms-text' }, p.text,
      el('span', { class: 'muted small' }, ` · ${p.segments} ${p.segments === 1 ? 'segment' : 'segments'}, ${p.encoding}`)));
  }
}

// show renders a turn: the bot's messages, the quick replies of the last
// one, the state, and the deliveries the outbox captured.
function show(t) {
  const replies = document.getElementById('sandbox-replies');
  replies.replaceChildren();
  (t.messages || []).forEach((m, i) => {
    if (asSMS.checked && m.from !== 'patient') {
      textLines(t.sms ? t.sms[i] : null, m.text);
    } else {
      line(m.from === 'patient' ? 'patient' : 'bot', m.text);
    }
    if (m.replies && m.replies.length) {
      choices = m.replies;
      replies.replaceChildren(...m.replies.map(r => el('button', {
        type: 'button', class: 'secondary small-btn', 'data-value': r.value,
        onclick: () => say('', r.value, r.label),
      }, r.label)));
    }
    if (m.input) input = m.input;
  });
  document.getElementById('sandbox-state').textContent = t.state || '–';
  const status = document.getElementById('sandbox-status');
  status.textContent = t.status || '–';
  status.dataset.status = t.status || '';
  const outbox = document.getElementById('sandbox-outbox');
  for (const d of t.deliveries || []) {
    outbox.append(el('li', {},
      el('span', { class: 'badge sandbox-badge' }, 'SANDBOX'), ' ',
      el('strong', {}, `${d.channel} to ${d.to}`), d.subject ? ` · ${d.subject}` : '',
      el('pre', {}, d.text)));
  }
  document.getElementById('outbox-empty').hidden = outbox.children.length > 0;
  const open = t.status !== 'closed';
  text.disabled = send.disabled = !open;
  text.type = input && input.kind === 'secret' ? 'password' : 'text';
  if (!open) { line('bot', '(The sandbox conversation ended.)'); end.disabled = true; id = ''; }
}

async function start() {
  await ed.saveIfDirty();
  if (id) await stop(true);
  log.replaceChildren();
  document.getElementById('sandbox-outbox').replaceChildren();
  input = null;
  try {
    const t = await api('POST', `/admin/api/flows/${encodeURIComponent(ed.name)}/sandbox`);
    id = t.id;
    end.disabled = false;
    show(t);
    text.focus();
  } catch (e) {
    toast(`The sandbox did not start: ${e.message}`, true);
  }
}

async function say(value, reply, label) {
  if (!id) return;
  const secret = input && input.kind === 'secret';
  line('patient', reply ? label : (secret ? '••••••' : value));
  try {
    const body = reply ? { reply } : { text: value };
    if (!reply && asSMS.checked) body.choices = choices; // a typed "2" picks the second, as on SMS
    show(await api('POST', `/admin/api/sandbox/${encodeURIComponent(id)}/say`, body));
  } catch (e) {
    toast(`Not sent: ${e.message}`, true);
    if (e.status === 404) { id = ''; end.disabled = true; text.disabled = send.disabled = true; }
  }
}

async function stop(quiet) {
  if (!id) return;
  const was = id;
  id = '';
  end.disabled = true;
  text.disabled = send.disabled = true;
  try {
    await api('DELETE', `/admin/api/sandbox/${encodeURIComponent(was)}`);
    if (!quiet) line('bot', '(You ended the sandbox conversation.)');
  } catch (e) {
    if (e.status !== 404) toast(e.message, true);
  }
}

document.getElementById('sandbox-start').addEventListener('click', () => ed.busy(start));
end.addEventListener('click', () => stop(false));
document.getElementById('sandbox-say').addEventListener('submit', e => {
  e.preventDefault();
  const v = text.value.trim();
  if (!v) return;
  text.value = '';
  say(v, '', '');
});
window.addEventListener('pagehide', () => {
  if (id) fetch(`/admin/api/sandbox/${encodeURIComponent(id)}`, { method: 'DELETE', keepalive: true, headers: { 'X-CSRF-Token': csrf } });
});
