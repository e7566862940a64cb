// The console's socket, /ws/agent (docs/protocol.md): connects, sends,
// reconnects with backoff, and hands every frame to the console.
import { api, signIn } from '../staff/api.js';
import { $ } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { state } from './state.js';

const reconnectMaxMs = 30000;

let onFrame = () => {};

// connect opens the socket; handle gets every frame from it, now and
// after each reconnect.
export function connect(handle) {
  onFrame = handle;
  open();
}

function open() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const presence = state.available ? 'available' : 'away'; // known before any chat is assigned
  const ws = new WebSocket(proto + '//' + location.host + '/ws/agent?presence=' + presence, 'portico.v1');
  state.ws = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    state.retry = 0;
    setConn('Connected', false);
    // Always say where we stand, so the desk and the button agree.
    send({ type: 'presence', status: state.available ? 'available' : 'away' });
  };
  ws.onmessage = (e) => {
    let f;
    try { f = JSON.parse(e.data); } catch { return; }
    onFrame(f);
  };
  ws.onclose = (e) => {
    state.ws = null;
    if (e.code === 1008) { // the session is over: sign in again
      signIn();
      return;
    }
    setConn('Disconnected — reconnecting…', true);
    if (!opened) { // maybe refused with 401: check before retrying (api signs in again)
      api('GET', '/agent/api/me').catch(() => {});
    }
    const wait = Math.min(reconnectMaxMs, 500 * 2 ** state.retry) * (0.5 + Math.random() / 2);
    state.retry++;
    setTimeout(open, wait);
  };
}

export function send(frame) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
    toast('Not connected. Your action was not sent; try again in a moment.');
    return false;
  }
  state.ws.send(JSON.stringify(frame));
  return true;
}

function setConn(text, down) {
  const el = $('conn-state');
  el.textContent = text;
  el.classList.toggle('down', down);
}

// track remembers a claim or transfer frame before it is sent.
export function track(frame) {
  state.moves.set(frame.conversation, frame);
  return frame;
}
