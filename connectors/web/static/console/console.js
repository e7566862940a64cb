// Portico agent console: the page's entry module. Plain JavaScript as ES
// modules, no third-party code and no build step; the DOM, toast and API
// helpers are shared with the admin pages (static/staff/). The CSP allows
// no inline script, so everything is wired here. Text from patients and
// agents is only ever set with textContent.
import { api } from '../staff/api.js';
import { $ } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { activity, sendActivity, setMuted, setPresence } from './alerts.js';
import { onAssigned, onConversation, onMsg, onReleased, onTyping, renderChat, showLoad, showView } from './chats.js';
import { onFollowups, onQueue, tickQueue } from './queue.js';
import { loadCanned, wireActions } from './reply.js';
import { search } from './search.js';
import { connect, send, track } from './socket.js';
import { state } from './state.js';

function handle(f) {
  switch (f.type) {
    case 'queue': onQueue(f.items || []); break;
    case 'conversation': onConversation(f); break;
    case 'msg': onMsg(f); break;
    case 'typing': onTyping(f); break;
    case 'assigned': onAssigned(f); break;
    case 'released': onReleased(f); break;
    case 'followups': onFollowups(f.items || []); break;
    case 'error': onError(f); break;
  }
}

// onError shows what the server refused. A claim or transfer refused
// because the agent taking the chat is at their capacity can be sent
// again, knowingly, by someone allowed to go beyond it.
function onError(f) {
  const move = state.moves.get(f.conversation);
  if (f.code === 'at_capacity' && move && state.me && state.me.capacity_override && !move.over_capacity) {
    const again = move.type === 'claim' ? 'Take it anyway' : 'Transfer anyway';
    toast(f.message, false, { label: again, run: () => send(track(Object.assign({}, move, { over_capacity: true }))) });
    return;
  }
  toast(f.message || f.code);
}

async function start() {
  try {
    state.me = await api('GET', '/agent/api/me');
  } catch { return; } // signed out: api has sent the browser to sign in
  $('me-name').textContent = state.me.name;
  await loadCanned();
  setMuted(state.muted);
  setPresence(state.available, true);
  wireActions();
  $('presence').addEventListener('click', () => setPresence(!state.available));
  $('start-taking').addEventListener('click', () => setPresence(true));
  showLoad();
  $('mute').addEventListener('click', () => setMuted(!state.muted));
  if ('Notification' in window && Notification.permission === 'default') {
    $('notify').hidden = false;
    $('notify').addEventListener('click', () => Notification.requestPermission().then(() => { $('notify').hidden = true; }));
  }
  $('view-live').addEventListener('click', () => showView('live'));
  $('view-past').addEventListener('click', () => { showView('past'); search(1); });
  $('search').addEventListener('submit', (e) => { e.preventDefault(); search(1); });
  $('prev-page').addEventListener('click', () => search(state.searchPage - 1));
  $('next-page').addEventListener('click', () => search(state.searchPage + 1));
  for (const ev of ['keydown', 'mousedown', 'touchstart']) document.addEventListener(ev, activity, { passive: true });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) renderChat(); });
  setInterval(tickQueue, 1000);
  setInterval(sendActivity, 5000);
  connect(handle);
}

document.addEventListener('DOMContentLoaded', start);
