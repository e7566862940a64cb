// Portico demo chat box: a minimal client of the patient protocol
// (docs/protocol.md). Plain JS, no dependencies, no inline code (CSP).
(function () {
  'use strict';

  var SUBPROTOCOL = 'portico.v1';
  var STORE_KEY = 'portico.chat';      // sessionStorage: {resume, lastSeq}
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 30000;
  var SEEN_DELAY_MS = 3000;            // batch seen frames: they count against the rate limit
  var TYPING_IDLE_MS = 3000;

  var el = {};
  var ws = null;
  var state = load();
  var pending = [];                    // says sent but not acked: resent after a reconnect
  var welcomed = false;
  var wantOpen = false;                // false after the patient ends the chat
  var backoff = BACKOFF_MIN_MS;
  var reconnectTimer = null;
  var seenTimer = null;
  var typingTimer = null;
  var typingOn = false;
  var status = 'bot';                  // typing indicators go only to a person
  var retryTimer = null;
  var startFlow = '';

  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || '{}');
      return { resume: String(s.resume || ''), lastSeq: Number(s.lastSeq) || 0 };
    } catch (e) {
      return { resume: '', lastSeq: 0 };
    }
  }

  function save() {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function forget() {
    state = { resume: '', lastSeq: 0 };
    pending = [];
    save();
    el.log.textContent = '';
    clearReplies();
  }

  function newID() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (ws) { return; }
    welcomed = false;
    setStatus('Connecting…');
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    ws = new WebSocket(url, SUBPROTOCOL);
    ws.onopen = function () {
      var hello = { type: 'hello', resume: state.resume, last_seq: state.lastSeq,
        locale: (navigator.language || 'en').slice(0, 2) };
      if (!state.resume && startFlow) { hello.start = startFlow; }
      send(hello);
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      handle(f);
    };
    ws.onclose = function (ev) {
      ws = null;
      welcomed = false;
      if (!wantOpen) { return; }
      // Reconnect with exponential backoff and jitter (1012 restart, 1013 overload, network loss …).
      var delay = Math.round(backoff / 2 + Math.random() * backoff / 2);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      setStatus(ev.code === 1012 ? 'The service is restarting. Reconnecting…' : 'Connection lost. Reconnecting…');
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome':
        welcomed = true;
        backoff = BACKOFF_MIN_MS;
        state.resume = f.resume;
        save();
        status = f.status;
        statusLine(f.status);
        pending.forEach(function (s) { send(s); }); // same ids: the server acks, never repeats
        break;
      case 'msg':
        if (f.seq <= state.lastSeq) { return; } // already shown
        state.lastSeq = f.seq;
        save();
        render(f);
        scheduleSeen();
        break;
      case 'ack':
        pending = pending.filter(function (s) { return s.id !== f.id; });
        break;
      case 'status':
        status = f.status;
        statusLine(f.status, f);
        break;
      case 'typing':
        el.typing.textContent = (f.from === 'agent' ? 'The agent' : 'Sample Health') + ' is typing…';
        el.typing.hidden = !f.on;
        break;
      case 'error':
        if (f.code === 'expired') {
          forget(); // the old conversation is gone: drop its token and last_seq
        }
        if (f.code === 'rate_limited') {
          // The server dropped a frame: send the unacked says again, with
          // the same ids, when it says we may. Nothing typed is lost.
          clearTimeout(retryTimer);
          retryTimer = setTimeout(function () { pending.forEach(function (s) { send(s); }); },
            Math.max(1, f.retry_after_s || 1) * 1000);
        }
        notice(f.message || 'Something went wrong.');
        break;
    }
  }

  function render(m) {
    el.typing.hidden = true;
    var li = document.createElement('li');
    li.className = 'from-' + m.from;
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = { bot: 'Sample Health', agent: m.agent || 'Agent', patient: 'You', system: 'Notice' }[m.from] || '';
    li.appendChild(who);
    li.appendChild(document.createTextNode(m.text));
    el.log.appendChild(li);
    el.log.scrollTop = el.log.scrollHeight;
    if (m.from !== 'patient') {
      showReplies(m.replies || []);
      setInput(m.input || null);
    }
  }

  function notice(text) {
    var li = document.createElement('li');
    li.className = 'notice';
    li.textContent = text;
    el.log.appendChild(li);
    el.log.scrollTop = el.log.scrollHeight;
  }

  function clearReplies() { el.replies.textContent = ''; }

  function showReplies(replies) {
    clearReplies();
    replies.forEach(function (r) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = r.label;
      b.addEventListener('click', function () { say({ reply: r.value }); });
      el.replies.appendChild(b);
    });
  }

  // setInput follows the input hint, so browsers, password managers and
  // screen readers treat the field right.
  function setInput(hint) {
    var i = el.input;
    i.value = '';
    i.type = 'text';
    i.removeAttribute('inputmode');
    i.autocomplete = 'off';
    i.placeholder = '';
    el.hint.textContent = '';
    el.label.textContent = 'Your message';
    if (!hint) { return; }
    el.label.textContent = 'Your answer';
    if (hint.autocomplete) { i.autocomplete = hint.autocomplete; }
    if (hint.hint) { i.placeholder = hint.hint; el.hint.textContent = 'Format: ' + hint.hint; }
    switch (hint.kind) {
      case 'secret':
        i.type = 'password';
        if (!hint.autocomplete) { i.autocomplete = 'new-password'; }
        break;
      case 'code':
        i.setAttribute('inputmode', 'numeric');
        if (!hint.autocomplete) { i.autocomplete = 'one-time-code'; }
        break;
      case 'email': i.type = 'email'; break;
      case 'tel': i.type = 'tel'; break;
    }
  }

  function say(body) {
    var frame = { type: 'say', id: newID() };
    if (body.text) { frame.text = body.text; }
    if (body.reply) { frame.reply = body.reply; }
    pending.push(frame);
    clearReplies();
    stopTyping();
    if (welcomed) { send(frame); } // otherwise sent after the next welcome
  }

  function scheduleSeen() {
    clearTimeout(seenTimer);
    seenTimer = setTimeout(function () { send({ type: 'seen', seq: state.lastSeq }); }, SEEN_DELAY_MS);
  }

  function onType() {
    if (!welcomed || status !== 'agent') { return; } // the bot does not watch anyone type
    if (!typingOn) { typingOn = send({ type: 'typing', on: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingOn) { send({ type: 'typing', on: false }); typingOn = false; }
  }

  function statusLine(status, f) {
    f = f || {};
    var text = {
      bot: 'You are chatting with our automated assistant.',
      queued: 'Waiting for a person' + (f.position ? ' (you are number ' + f.position + ' in line' +
        (f.wait_s ? ', about ' + Math.max(1, Math.round(f.wait_s / 60)) + ' min' : '') + ')' : '') + '…',
      agent: 'You are chatting with ' + (f.agent || 'a member of our team') + '.',
      closed: 'This chat has ended.'
    }[status];
    setStatus(text || '');
  }

  function setStatus(text) { el.status.textContent = text; }

  function open(flow) {
    el.chat.hidden = false;
    if (state.resume && flow && flow !== startFlow) {
      // A different help topic: end the old chat and start the new one.
      send({ type: 'bye' });
      if (ws) { ws.onclose = null; ws.close(1000); ws = null; }
      forget();
    }
    startFlow = flow;
    wantOpen = true;
    connect();
    el.input.focus();
  }

  function close() {
    wantOpen = false;
    send({ type: 'bye' });
    if (ws) { ws.close(1000); }
    forget();
    el.chat.hidden = true;
  }

  document.addEventListener('DOMContentLoaded', function () {
    ['chat', 'log', 'status', 'typing', 'replies', 'form', 'input', 'hint', 'close'].forEach(function (k) {
      el[k] = document.getElementById('chat-' + k) || document.getElementById(k);
    });
    el.chat = document.getElementById('chat');
    el.label = document.getElementById('chat-input-label');
    if (!el.chat) { return; }
    Array.prototype.forEach.call(document.querySelectorAll('[data-flow]'), function (a) {
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        open(a.getAttribute('data-flow') || '');
      });
    });
    el.close.addEventListener('click', close);
    el.input.addEventListener('input', onType);
    el.form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = el.input.value;
      if (!text.trim()) { return; }
      el.input.value = '';
      say({ text: text });
    });
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && !el.chat.hidden) { el.chat.hidden = true; }
    });
    if (state.resume) { startFlow = ''; wantOpen = true; el.chat.hidden = false; connect(); }
  });
}());
