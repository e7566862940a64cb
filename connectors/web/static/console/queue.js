// The queue of patients waiting for a person, and the messages patients
// left for a follow-up.
import { $, el } from '../staff/dom.js';
import { alertNew, updateTitle } from './alerts.js';
import { openConversation } from './chats.js';
import { send, track } from './socket.js';
import { state } from './state.js';
import { ago, channelText, clock, reasonText, when } from './words.js';

export function onQueue(items) {
  const fresh = items.filter((it) => !state.seenQueue.has(it.conversation));
  state.queue = items;
  state.queueAt = Date.now();
  items.forEach((it) => state.seenQueue.add(it.conversation));
  if (fresh.length > 0 && state.me) alertNew(fresh.length);
  renderQueue();
  updateTitle();
}

function renderQueue() {
  const ul = $('queue');
  ul.replaceChildren();
  $('queue-count').textContent = String(state.queue.length);
  $('queue-empty').hidden = state.queue.length > 0;
  const names = new Set();
  for (const it of state.queue) {
    names.add(it.queue);
    const li = el('li', { class: it.left_s ? 'gone' : false });
    li.dataset.conversation = it.conversation;
    const top = el('div', { class: 'q-top' });
    top.append(el('strong', {}, it.queue || 'queue'), el('span', { class: 'q-wait' }, ''));
    li.append(top);
    if (it.left_s) li.append(el('span', { class: 'q-left' }, '')); // ticking, see tickQueue
    const meta = el('div', { class: 'q-meta' });
    meta.append(el('span', { class: 'badge' }, '#' + it.position));
    meta.append(el('span', { class: 'badge' }, (it.locale || '?').toUpperCase()));
    meta.append(el('span', { class: 'badge channel' }, channelText(it)));
    meta.append(el('span', { class: it.verified ? 'badge ok' : 'badge warn' }, it.verified ? 'verified' : 'not verified'));
    li.append(meta);
    li.append(el('p', { class: 'q-reason' }, reasonText(it.reason)));
    const act = el('div', { class: 'q-actions' });
    const claim = el('button', {}, 'Claim');
    claim.type = 'button';
    claim.setAttribute('aria-label', 'Claim chat waiting in ' + (it.queue || 'the queue') + (it.left_s ? ' (the patient has left)' : ''));
    claim.addEventListener('click', () => send(track({ type: 'claim', conversation: it.conversation })));
    const view = el('button', { class: 'secondary' }, 'View');
    view.type = 'button';
    view.addEventListener('click', () => openConversation(it.conversation));
    act.append(claim, view);
    li.append(act);
    ul.append(li);
  }
  const dl = $('queue-names');
  for (const n of names) {
    if (n && ![...dl.options].some((o) => o.value === n)) {
      const o = el('option'); o.value = n; dl.append(o);
    }
  }
  tickQueue();
}

export function tickQueue() {
  const extra = Math.floor((Date.now() - state.queueAt) / 1000);
  for (const li of $('queue').children) {
    const it = state.queue.find((q) => q.conversation === li.dataset.conversation);
    if (!it) continue;
    const s = it.waiting_s + extra;
    const w = li.querySelector('.q-wait');
    w.textContent = clock(s);
    w.classList.toggle('long', s >= 300);
    w.setAttribute('aria-label', 'waiting ' + Math.floor(s / 60) + ' minutes ' + (s % 60) + ' seconds');
    const left = li.querySelector('.q-left');
    if (left) left.textContent = 'Patient left ' + ago(it.left_s + extra);
  }
}

export function onFollowups(items) {
  const ul = $('followups');
  ul.replaceChildren();
  $('followups-count').textContent = String(items.length);
  for (const f of items) {
    const li = el('li');
    li.append(el('div', { class: 'small muted' }, (f.queue || '') + ' · ' + when(f.at)));
    li.append(el('p', { class: 'f-q' }, f.question));
    li.append(el('div', { class: 'small' }, 'Contact: ' + f.contact));
    const open = el('button', { class: 'secondary' }, 'Open the chat');
    open.type = 'button';
    open.addEventListener('click', () => openConversation(f.conversation));
    const done = el('button', { class: 'secondary' }, 'Mark as answered');
    done.type = 'button';
    done.setAttribute('aria-label', 'Mark the message from ' + f.contact + ' as answered');
    done.addEventListener('click', () => send({ type: 'followup_done', id: f.id }));
    li.append(open, ' ', done);
    ul.append(li);
  }
}
