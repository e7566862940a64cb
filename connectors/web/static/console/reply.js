// The reply box (say or note), the typing indicator, canned responses
// after "/", and the chat's actions: claim, transfer, back to the bot,
// close.
import { api } from '../staff/api.js';
import { $, el } from '../staff/dom.js';
import { scrollDown } from './chats.js';
import { send, track } from './socket.js';
import { state } from './state.js';

const typingIdleMs = 3000; // typing "off" after this long without a key

function mode() { return document.querySelector('input[name="mode"]:checked').value; }

function sendReply(e) {
  e.preventDefault();
  const ta = $('reply-text');
  const text = ta.value.trim();
  const c = state.chats.get(state.active);
  if (!text || !c) return;
  if (mode() === 'note') {
    if (!send({ type: 'note', conversation: c.id, text })) return;
  } else {
    const id = 'a' + Date.now().toString(36) + '-' + (++state.said);
    if (!send({ type: 'say', conversation: c.id, id, text })) return;
    const li = el('li', { class: 'from-agent pending' });
    li.dataset.id = id;
    li.dataset.text = text;
    li.append(el('span', { class: 'who' }, 'You · sending…'), document.createTextNode(text));
    $('transcript').append(li);
    scrollDown();
  }
  ta.value = '';
  $('reply-segments').hidden = true;
  stopTyping();
  hideCanned();
}

function typed() {
  const c = state.chats.get(state.active);
  if (!c || mode() !== 'say') return;
  if (!state.typingOn) {
    state.typingOn = true;
    send({ type: 'typing', conversation: c.id, on: true });
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, typingIdleMs);
}

function stopTyping() {
  clearTimeout(state.typingTimer);
  if (!state.typingOn) return;
  state.typingOn = false;
  const c = state.chats.get(state.active);
  if (c) send({ type: 'typing', conversation: c.id, on: false });
}

let cannedSel = 0;
let cannedMatches = [];

// cannedToken is the "/word" just before the caret, if any.
function cannedToken() {
  const ta = $('reply-text');
  const before = ta.value.slice(0, ta.selectionStart);
  const m = /(^|\s)\/([a-z0-9_-]*)$/i.exec(before);
  return m ? { start: before.length - m[2].length - 1, word: m[2].toLowerCase() } : null;
}

function updateCanned() {
  const t = cannedToken();
  if (!t || state.canned.length === 0) { hideCanned(); return; }
  cannedMatches = state.canned.filter((c) => c.shortcut.startsWith(t.word) || c.title.toLowerCase().includes(t.word));
  if (cannedMatches.length === 0) { hideCanned(); return; }
  cannedSel = Math.min(cannedSel, cannedMatches.length - 1);
  const ul = $('canned-list');
  ul.replaceChildren();
  cannedMatches.forEach((c, i) => {
    const li = el('li');
    li.id = 'canned-' + i;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', String(i === cannedSel));
    li.append(el('span', { class: 'c-short' }, '/' + c.shortcut), el('span', {}, c.title));
    li.addEventListener('mousedown', (e) => { e.preventDefault(); insertCanned(i); });
    ul.append(li);
  });
  ul.hidden = false;
  $('reply-text').setAttribute('aria-expanded', 'true');
  $('reply-text').setAttribute('aria-activedescendant', 'canned-' + cannedSel);
}

function hideCanned() {
  $('canned-list').hidden = true;
  $('reply-text').setAttribute('aria-expanded', 'false');
  $('reply-text').removeAttribute('aria-activedescendant');
  cannedSel = 0;
}

function insertCanned(i) {
  const t = cannedToken();
  const c = cannedMatches[i];
  if (!t || !c) return;
  const ta = $('reply-text');
  const end = ta.selectionStart;
  ta.value = ta.value.slice(0, t.start) + c.text + ta.value.slice(end);
  const caret = t.start + c.text.length;
  ta.setSelectionRange(caret, caret);
  hideCanned();
  ta.focus();
}

function replyKey(e) {
  const open = !$('canned-list').hidden;
  if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    e.preventDefault();
    cannedSel = (cannedSel + (e.key === 'ArrowDown' ? 1 : -1) + cannedMatches.length) % cannedMatches.length;
    updateCanned();
    return;
  }
  if (open && (e.key === 'Enter' || e.key === 'Tab')) { e.preventDefault(); insertCanned(cannedSel); return; }
  if (open && e.key === 'Escape') { e.preventDefault(); hideCanned(); return; }
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('reply').requestSubmit(); }
}

export async function loadCanned() {
  try {
    state.canned = (await api('GET', '/agent/api/canned')).items || [];
  } catch { /* the console works without them */ }
  // An agent may have typed "/he" before the list arrived.
  if (document.activeElement === $('reply-text')) updateCanned();
}

function current() { return state.chats.get(state.active); }

// A reply to a patient on SMS goes out as texts, billed by the segment:
// the count shows under the box while the agent types (the server counts).
const measureDelayMs = 250;
let measureTimer = 0;
function measureSoon() {
  clearTimeout(measureTimer);
  measureTimer = setTimeout(measure, measureDelayMs);
}
async function measure() {
  const out = $('reply-segments');
  const c = current();
  const text = $('reply-text').value.trim();
  if (!c || !c.view || c.view.channel !== 'sms' || !text || mode() !== 'say') { out.hidden = true; return; }
  try {
    const m = await api('POST', '/agent/api/sms/segments', { text });
    out.textContent = m.segments + (m.segments === 1 ? ' text segment' : ' text segments') + ' (' + m.encoding + ')' +
      (m.messages > 1 ? ', sent as ' + m.messages + ' messages' : '');
    out.hidden = false;
  } catch (e) {
    out.hidden = true;
  }
}

export function wireActions() {
  $('claim').addEventListener('click', () => { const c = current(); if (c) send(track({ type: 'claim', conversation: c.id })); });
  $('transfer').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = current();
    const to = $('transfer-to').value.trim();
    if (!c || !to) return;
    const f = { type: 'transfer', conversation: c.id, note: $('transfer-note').value.trim() };
    f[$('transfer-kind').value] = to;
    if (send(track(f))) { $('transfer-note').value = ''; $('transfer-box').open = false; }
  });
  $('tobot').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = current();
    if (c && send({ type: 'to_bot', conversation: c.id, flow: $('tobot-flow').value })) $('tobot-box').open = false;
  });
  $('close').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = current();
    if (c && send({ type: 'close', conversation: c.id, resolution: $('close-resolution').value })) $('close-box').open = false;
  });
  $('reply').addEventListener('submit', sendReply);
  const ta = $('reply-text');
  ta.addEventListener('keydown', replyKey);
  ta.addEventListener('input', () => { typed(); updateCanned(); measureSoon(); });
  ta.addEventListener('blur', () => setTimeout(hideCanned, 100));
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener('change', () => {
      $('reply').classList.toggle('note-mode', mode() === 'note');
      $('send').textContent = mode() === 'note' ? 'Add note' : 'Send';
      if (mode() === 'note') stopTyping();
    });
  }
}
