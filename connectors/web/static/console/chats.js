// The chats the agent has open: tabs, the transcript, the patient's
// identity and the handoff, and the live and past views.
import { $, el } from '../staff/dom.js';
import { beep, notify, updateTitle } from './alerts.js';
import { send } from './socket.js';
import { state } from './state.js';
import { channelText, howText, reasonText, time, when } from './words.js';

function chatOf(id) {
  let c = state.chats.get(id);
  if (!c) {
    c = { id, view: null, msgs: new Map(), unread: 0, typing: false };
    state.chats.set(id, c);
    state.order.push(id);
  }
  return c;
}

function mine(c) {
  return !!(c.view && state.me && c.view.agent === state.me.id && c.view.status === 'agent');
}

export function onConversation(f) {
  const c = chatOf(f.conversation);
  c.view = f;
  c.msgs = new Map();
  for (const m of f.transcript || []) c.msgs.set(key(m), m);
  if (!state.active) state.active = c.id;
  renderTabs();
  if (state.active === c.id) renderChat();
}

function key(m) { return m.from === 'note' ? 'n' + m.at + m.text : 's' + m.seq; }

export function onMsg(m) {
  const c = state.chats.get(m.conversation);
  if (!c) return;
  c.msgs.set(key(m), m);
  if (m.from === 'agent') { // our own message is stored: drop its "sending…" stand-in
    const p = [...document.querySelectorAll('#transcript li.pending')]
      .find((li) => (m.id && li.dataset.id === m.id) || li.dataset.text === m.text);
    if (p) p.remove();
  }
  if (m.from === 'patient') c.typing = false;
  if (state.active === c.id && !document.hidden) {
    appendMsg(m);
    scrollDown();
    $('patient-typing').hidden = !c.typing;
  } else if (m.from === 'patient') {
    c.unread++;
    if (state.active === c.id) appendMsg(m);
    beep();
    notify('New message', 'A patient wrote in a chat you hold.');
  } else if (state.active === c.id) {
    appendMsg(m);
  }
  renderTabs();
  updateTitle();
}

export function onTyping(f) {
  const c = state.chats.get(f.conversation);
  if (!c) return;
  c.typing = f.on;
  if (state.active === c.id) $('patient-typing').hidden = !f.on;
}

export function onAssigned(f) {
  if (!state.me || f.agent !== state.me.id) return;
  const c = chatOf(f.conversation);
  if (c.view) { c.view.agent = f.agent; c.view.status = 'agent'; }
  state.active = c.id;
  beep();
  notify('Chat assigned', 'A chat was assigned to you.');
  renderTabs();
  renderChat();
}

export function onReleased(f) {
  const c = state.chats.get(f.conversation);
  if (!c || !state.me || f.agent !== state.me.id) return;
  if (c.view) { c.view.agent = ''; c.view.status = c.view.status === 'agent' ? 'released' : c.view.status; }
  renderTabs();
  if (state.active === c.id) renderChat();
}

export function openConversation(id) {
  chatOf(id);
  state.active = id;
  showView('live');
  renderTabs();
  renderChat();
  send({ type: 'open', conversation: id });
}

function closeTab(id) {
  state.chats.delete(id);
  state.order = state.order.filter((x) => x !== id);
  if (state.active === id) state.active = state.order[state.order.length - 1] || '';
  renderTabs();
  renderChat();
}

function renderTabs() {
  const tabs = $('tabs');
  tabs.replaceChildren();
  for (const id of state.order) {
    const c = state.chats.get(id);
    const b = el('button', { class: 'tab' });
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(id === state.active));
    b.tabIndex = id === state.active ? 0 : -1;
    const label = (c.view && c.view.queue ? c.view.queue : 'chat') + ' ' + id.slice(0, 6);
    b.append(el('span', {}, (mine(c) ? '● ' : '') + label));
    if (c.unread > 0) {
      const u = el('span', { class: 'unread' }, String(c.unread));
      u.setAttribute('aria-label', c.unread + ' unread');
      b.append(u);
    }
    b.addEventListener('click', () => { state.active = id; renderTabs(); renderChat(); });
    b.addEventListener('keydown', (e) => {
      const i = state.order.indexOf(id);
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const n = state.order[(i + (e.key === 'ArrowRight' ? 1 : -1) + state.order.length) % state.order.length];
        state.active = n; renderTabs(); renderChat();
        tabs.querySelector('[aria-selected="true"]').focus();
      }
    });
    if (!mine(c)) {
      const x = el('span', { class: 'tab-close' }, '×');
      x.setAttribute('role', 'button');
      x.setAttribute('aria-label', 'Close tab');
      x.tabIndex = 0;
      const close = (e) => { e.stopPropagation(); closeTab(id); };
      x.addEventListener('click', close);
      x.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') close(e); });
      b.append(x);
    }
    tabs.append(b);
  }
  showLoad();
}

export function renderChat() {
  const c = state.chats.get(state.active);
  $('no-chat').hidden = !!c;
  $('chat').hidden = !c;
  $('info').hidden = !c || !c.view;
  if (!c) return;
  c.unread = 0;
  const v = c.view;
  $('chat-title').textContent = v ? (v.queue || 'Chat') + ' · ' + channelText(v) + ' · ' + c.id.slice(0, 8) : 'Loading…';
  $('chat-status').textContent = v ? v.status : '';
  const list = $('transcript');
  list.replaceChildren();
  for (const m of [...c.msgs.values()].sort(byTime)) appendMsg(m);
  scrollDown();
  $('patient-typing').hidden = !c.typing;
  const own = mine(c);
  $('reply').hidden = !own;
  $('read-only').hidden = own;
  $('actions').hidden = !v || v.status === 'closed';
  $('claim').hidden = !v || own || v.status !== 'queued';
  for (const id of ['transfer-box', 'tobot-box', 'close-box']) $(id).hidden = !own;
  if (v) renderInfo(v);
  updateTitle();
}

function byTime(a, b) {
  if (a.seq && b.seq) return a.seq - b.seq;
  return (a.at || '').localeCompare(b.at || '') || (a.seq || 0) - (b.seq || 0);
}

function appendMsg(m) {
  const li = el('li', { class: 'from-' + m.from });
  const who = { patient: 'Patient', bot: 'Bot', system: 'System', note: 'Note by ' + (m.agent || 'agent'), agent: m.agent || 'Agent' }[m.from] || m.from;
  li.append(el('span', { class: 'who' }, who + (m.at ? ' · ' + time(m.at) : '')));
  li.append(document.createTextNode(m.text));
  $('transcript').append(li);
}

export function scrollDown() { const t = $('transcript'); t.scrollTop = t.scrollHeight; }

function renderInfo(v) {
  const id = v.identity || {};
  const badge = $('identity-badge');
  badge.textContent = id.verified ? 'Verified' : 'Not verified';
  badge.className = id.verified ? 'badge ok' : 'badge warn';
  kv($('identity'), [
    ['Patient', id.label], ['How', howText(id.how)], ['When', id.at ? when(id.at) : ''],
    ['Email', id.email], ['Phone', id.phone],
  ]);
  kv($('handoff'), [
    ['Channel', channelText(v)], ['Reason', reasonText(v.reason)], ['Queue', v.queue], ['Flow', v.flow], ['Step', v.state],
    ['Language', (v.locale || '').toUpperCase()], ['Agent', v.agent ? (v.agent === state.me.id ? 'you' : v.agent) : ''],
  ]);
  const slots = Object.entries(v.slots || {});
  kv($('slots'), slots);
  $('slots-empty').hidden = slots.length > 0;
}

function kv(dl, pairs) {
  dl.replaceChildren();
  for (const [k, val] of pairs) {
    if (!val) continue;
    dl.append(el('dt', {}, k), el('dd', {}, String(val)));
  }
}

// showLoad shows how many chats the agent holds of their capacity.
export function showLoad() {
  if (!state.me) return;
  const held = [...state.chats.values()].filter(mine).length;
  const l = $('load');
  l.textContent = 'Chats ' + held + ' of ' + state.me.capacity;
  l.setAttribute('aria-label', 'You hold ' + held + ' of ' + state.me.capacity + ' chats');
  l.classList.toggle('full', held >= state.me.capacity);
}

export function showView(v) {
  $('live').hidden = v !== 'live';
  $('past').hidden = v !== 'past';
  $('view-live').setAttribute('aria-pressed', String(v === 'live'));
  $('view-past').setAttribute('aria-pressed', String(v === 'past'));
}
