// Where the agent stands and how the console gets their attention:
// presence, the sound, notifications, the tab's title, and the activity
// that keeps the session alive.
import { $ } from '../staff/dom.js';
import { send } from './socket.js';
import { state } from './state.js';

const baseTitle = 'Portico console';
const activeEveryMs = 60000; // at most one activity frame a minute

// setPresence shows where the agent stands, and the one button that
// changes it says what it does: a console starts away, with a banner
// over the queue asking the agent to start taking chats.
export function setPresence(available, quiet) {
  state.available = available;
  localStorage.setItem('portico.available', available ? '1' : '0');
  const st = $('presence-state');
  st.textContent = available ? "You're taking chats" : "You're away";
  st.classList.toggle('available', available);
  st.classList.toggle('away', !available);
  $('presence').textContent = available ? 'Stop taking chats' : 'Start taking chats';
  $('presence').setAttribute('aria-label', available ? 'Stop taking chats: no new chats will be assigned to you' : 'Start taking chats: new chats will be assigned to you');
  $('away-banner').hidden = available;
  if (!quiet) send({ type: 'presence', status: available ? 'available' : 'away' });
}

let audio = null;
export function beep() {
  if (state.muted) return;
  try {
    audio = audio || new AudioContext();
    const t = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(1320, t + 0.12);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.32);
  } catch { /* no audio: the title and notifications still tell */ }
}

export function notify(title, body) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
  try { new Notification(title, { body, tag: 'portico-console' }); } catch { /* ignore */ }
}

export function alertNew(n) {
  beep();
  notify('Patient waiting', n === 1 ? 'A patient is waiting for a person.' : n + ' patients are waiting for a person.');
}

export function updateTitle() {
  let n = state.queue.filter((q) => !q.left_s).length; // patients still there
  for (const c of state.chats.values()) n += c.unread;
  document.title = n > 0 ? '(' + n + ') ' + baseTitle : baseTitle;
}

export function setMuted(m) {
  state.muted = m;
  localStorage.setItem('portico.muted', m ? '1' : '0');
  $('mute').textContent = m ? 'Sound off' : 'Sound on';
  $('mute').setAttribute('aria-pressed', String(m));
}

export function activity() {
  state.lastInput = Date.now();
  if (audio && audio.state === 'suspended') audio.resume();
}

export function sendActivity() {
  if (state.lastInput > state.lastActiveSent && Date.now() - state.lastActiveSent >= activeEveryMs) {
    state.lastActiveSent = Date.now();
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send('{"type":"active"}');
  }
}
