// Portico agent console. Plain JavaScript, no third-party code; the CSP
// allows no inline script, so everything is wired here. Text from patients
// and agents is only ever set with textContent.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="portico-csrf"]').content;
  const baseTitle = 'Portico console';
  const typingIdleMs = 3000;   // typing "off" after this long without a key
  const activeEveryMs = 60000; // at most one activity frame a minute
  const reconnectMaxMs = 30000;

  const state = {
    me: null,
    ws: null,
    retry: 0,
    queue: [],          // items with a local receivedAt, for the ticking wait
    queueAt: 0,
    seenQueue: new Set(),
    chats: new Map(),   // conversation id -> chat
    order: [],          // tab order
    active: '',
    canned: [],
    muted: localStorage.getItem('portico.muted') === '1',
    available: localStorage.getItem('portico.available') === '1',
    lastInput: 0,
    lastActiveSent: 0,
    typingOn: false,
    typingTimer: 0,
    searchPage: 1,
    said: 0,
    moves: new Map(),   // conversation id -> the last claim or transfer sent, to offer "Take it anyway"
  };

  // ---------- socket ----------

  function connect() {
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
      handle(f);
    };
    ws.onclose = (e) => {
      state.ws = null;
      if (e.code === 1008) { // the session is over: sign in again
        location.assign('/agent/signin');
        return;
      }
      setConn('Disconnected — reconnecting…', true);
      if (!opened) { // maybe refused with 401: check before retrying
        fetch('/agent/api/me', { credentials: 'same-origin' }).then((r) => {
          if (r.status === 401) location.assign('/agent/signin');
        }).catch(() => {});
      }
      const wait = Math.min(reconnectMaxMs, 500 * 2 ** state.retry) * (0.5 + Math.random() / 2);
      state.retry++;
      setTimeout(connect, wait);
    };
  }

  function send(frame) {
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
      toast(f.message, again, () => send(track(Object.assign({}, move, { over_capacity: true }))));
      return;
    }
    toast(f.message || f.code);
  }

  // track remembers a claim or transfer frame before it is sent.
  function track(frame) {
    state.moves.set(frame.conversation, frame);
    return frame;
  }

  // ---------- queue ----------

  function onQueue(items) {
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
      const li = el('li', it.left_s ? 'gone' : '');
      li.dataset.conversation = it.conversation;
      const top = el('div', 'q-top');
      top.append(el('strong', '', it.queue || 'queue'), el('span', 'q-wait', ''));
      li.append(top);
      if (it.left_s) li.append(el('span', 'q-left', '')); // ticking, see tickQueue
      const meta = el('div', 'q-meta');
      meta.append(el('span', 'badge', '#' + it.position));
      meta.append(el('span', 'badge', (it.locale || '?').toUpperCase()));
      meta.append(el('span', it.verified ? 'badge ok' : 'badge warn', it.verified ? 'verified' : 'not verified'));
      li.append(meta);
      li.append(el('p', 'q-reason', reasonText(it.reason)));
      const act = el('div', 'q-actions');
      const claim = el('button', '', 'Claim');
      claim.type = 'button';
      claim.setAttribute('aria-label', 'Claim chat waiting in ' + (it.queue || 'the queue') + (it.left_s ? ' (the patient has left)' : ''));
      claim.addEventListener('click', () => send(track({ type: 'claim', conversation: it.conversation })));
      const view = el('button', 'secondary', 'View');
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

  function tickQueue() {
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

  // ago says how long ago, in words: "under a minute ago", "4 min ago".
  function ago(s) {
    const m = Math.floor(s / 60);
    if (m < 1) return 'under a minute ago';
    if (m < 60) return m + ' min ago';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min ago';
  }

  function onFollowups(items) {
    const ul = $('followups');
    ul.replaceChildren();
    $('followups-count').textContent = String(items.length);
    for (const f of items) {
      const li = el('li');
      li.append(el('div', 'small muted', (f.queue || '') + ' · ' + when(f.at)));
      li.append(el('p', 'f-q', f.question));
      li.append(el('div', 'small', 'Contact: ' + f.contact));
      const open = el('button', 'secondary', 'Open the chat');
      open.type = 'button';
      open.addEventListener('click', () => openConversation(f.conversation));
      const done = el('button', 'secondary', 'Mark as answered');
      done.type = 'button';
      done.setAttribute('aria-label', 'Mark the message from ' + f.contact + ' as answered');
      done.addEventListener('click', () => send({ type: 'followup_done', id: f.id }));
      li.append(open, ' ', done);
      ul.append(li);
    }
  }

  // ---------- chats ----------

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

  function onConversation(f) {
    const c = chatOf(f.conversation);
    c.view = f;
    c.msgs = new Map();
    for (const m of f.transcript || []) c.msgs.set(key(m), m);
    if (!state.active) state.active = c.id;
    renderTabs();
    if (state.active === c.id) renderChat();
  }

  function key(m) { return m.from === 'note' ? 'n' + m.at + m.text : 's' + m.seq; }

  function onMsg(m) {
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

  function onTyping(f) {
    const c = state.chats.get(f.conversation);
    if (!c) return;
    c.typing = f.on;
    if (state.active === c.id) $('patient-typing').hidden = !f.on;
  }

  function onAssigned(f) {
    if (!state.me || f.agent !== state.me.id) return;
    const c = chatOf(f.conversation);
    if (c.view) { c.view.agent = f.agent; c.view.status = 'agent'; }
    state.active = c.id;
    beep();
    notify('Chat assigned', 'A chat was assigned to you.');
    renderTabs();
    renderChat();
  }

  function onReleased(f) {
    const c = state.chats.get(f.conversation);
    if (!c || !state.me || f.agent !== state.me.id) return;
    if (c.view) { c.view.agent = ''; c.view.status = c.view.status === 'agent' ? 'released' : c.view.status; }
    renderTabs();
    if (state.active === c.id) renderChat();
  }

  function openConversation(id) {
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
      const b = el('button', 'tab');
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(id === state.active));
      b.tabIndex = id === state.active ? 0 : -1;
      const label = (c.view && c.view.queue ? c.view.queue : 'chat') + ' ' + id.slice(0, 6);
      b.append(el('span', '', (mine(c) ? '● ' : '') + label));
      if (c.unread > 0) {
        const u = el('span', 'unread', String(c.unread));
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
        const x = el('span', 'tab-close', '×');
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

  function renderChat() {
    const c = state.chats.get(state.active);
    $('no-chat').hidden = !!c;
    $('chat').hidden = !c;
    $('info').hidden = !c || !c.view;
    if (!c) return;
    c.unread = 0;
    const v = c.view;
    $('chat-title').textContent = v ? (v.queue || 'Chat') + ' · ' + c.id.slice(0, 8) : 'Loading…';
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
    const li = el('li', 'from-' + m.from);
    const who = { patient: 'Patient', bot: 'Bot', system: 'System', note: 'Note by ' + (m.agent || 'agent'), agent: m.agent || 'Agent' }[m.from] || m.from;
    li.append(el('span', 'who', who + (m.at ? ' · ' + time(m.at) : '')));
    li.append(document.createTextNode(m.text));
    $('transcript').append(li);
  }

  function scrollDown() { const t = $('transcript'); t.scrollTop = t.scrollHeight; }

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
      ['Reason', reasonText(v.reason)], ['Queue', v.queue], ['Flow', v.flow], ['Step', v.state],
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
      dl.append(el('dt', '', k), el('dd', '', String(val)));
    }
  }

  // ---------- reply, typing, canned ----------

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
      const li = el('li', 'from-agent pending');
      li.dataset.id = id;
      li.dataset.text = text;
      li.append(el('span', 'who', 'You · sending…'), document.createTextNode(text));
      $('transcript').append(li);
      scrollDown();
    }
    ta.value = '';
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
      li.append(el('span', 'c-short', '/' + c.shortcut), el('span', '', c.title));
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

  async function loadCanned() {
    try {
      const r = await fetch('/agent/api/canned', { credentials: 'same-origin' });
      if (r.ok) state.canned = (await r.json()).items || [];
    } catch { /* the console works without them */ }
  }

  // ---------- actions ----------

  function current() { return state.chats.get(state.active); }

  function wireActions() {
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
    ta.addEventListener('input', () => { typed(); updateCanned(); });
    ta.addEventListener('blur', () => setTimeout(hideCanned, 100));
    for (const r of document.querySelectorAll('input[name="mode"]')) {
      r.addEventListener('change', () => {
        $('reply').classList.toggle('note-mode', mode() === 'note');
        $('send').textContent = mode() === 'note' ? 'Add note' : 'Send';
        if (mode() === 'note') stopTyping();
      });
    }
  }

  // ---------- presence, alerts, activity ----------

  // setPresence shows where the agent stands, and the one button that
  // changes it says what it does: a console starts away, with a banner
  // over the queue asking the agent to start taking chats.
  function setPresence(available, quiet) {
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

  // showLoad shows how many chats the agent holds of their capacity.
  function showLoad() {
    if (!state.me) return;
    const held = [...state.chats.values()].filter(mine).length;
    const l = $('load');
    l.textContent = 'Chats ' + held + ' of ' + state.me.capacity;
    l.setAttribute('aria-label', 'You hold ' + held + ' of ' + state.me.capacity + ' chats');
    l.classList.toggle('full', held >= state.me.capacity);
  }

  let audio = null;
  function beep() {
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

  function notify(title, body) {
    if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
    try { new Notification(title, { body, tag: 'portico-console' }); } catch { /* ignore */ }
  }

  function alertNew(n) {
    beep();
    notify('Patient waiting', n === 1 ? 'A patient is waiting for a person.' : n + ' patients are waiting for a person.');
  }

  function updateTitle() {
    let n = state.queue.filter((q) => !q.left_s).length; // patients still there
    for (const c of state.chats.values()) n += c.unread;
    document.title = n > 0 ? '(' + n + ') ' + baseTitle : baseTitle;
  }

  function setMuted(m) {
    state.muted = m;
    localStorage.setItem('portico.muted', m ? '1' : '0');
    $('mute').textContent = m ? 'Sound off' : 'Sound on';
    $('mute').setAttribute('aria-pressed', String(m));
  }

  function activity() {
    state.lastInput = Date.now();
    if (audio && audio.state === 'suspended') audio.resume();
  }

  function sendActivity() {
    if (state.lastInput > state.lastActiveSent && Date.now() - state.lastActiveSent >= activeEveryMs) {
      state.lastActiveSent = Date.now();
      if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send('{"type":"active"}');
    }
  }

  // ---------- past conversations ----------

  async function search(page) {
    const q = new URLSearchParams();
    for (const [k, id] of [['from', 'search-from'], ['to', 'search-to'], ['queue', 'search-queue'], ['resolution', 'search-resolution']]) {
      const v = $(id).value.trim();
      if (v) q.set(k, v);
    }
    q.set('page', String(page));
    const r = await fetch('/agent/api/conversations?' + q, { credentials: 'same-origin' });
    if (r.status === 401) { location.assign('/agent/signin'); return; }
    const body = await r.json();
    if (!r.ok) { toast(body.message || 'Search failed.'); return; }
    state.searchPage = page;
    const tb = $('results');
    tb.replaceChildren();
    for (const c of body.items) {
      const tr = el('tr');
      for (const v of [when(c.created_at), c.status, c.resolution, c.queue, c.flow, reasonText(c.reason)]) tr.append(el('td', '', v || '—'));
      const td = el('td');
      const b = el('button', 'secondary', 'Open');
      b.type = 'button';
      b.setAttribute('aria-label', 'Open the conversation of ' + when(c.created_at));
      b.addEventListener('click', () => openConversation(c.conversation));
      td.append(b);
      tr.append(td);
      tb.append(tr);
    }
    $('results-empty').hidden = body.items.length > 0;
    $('page-no').textContent = 'Page ' + page;
    $('prev-page').disabled = page <= 1;
    $('next-page').disabled = !body.more;
  }

  function showView(v) {
    $('live').hidden = v !== 'live';
    $('past').hidden = v !== 'past';
    $('view-live').setAttribute('aria-pressed', String(v === 'live'));
    $('view-past').setAttribute('aria-pressed', String(v === 'past'));
  }

  // ---------- helpers ----------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clock(s) {
    const m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }

  function time(at) {
    const d = new Date(at);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function when(at) {
    const d = new Date(at);
    return isNaN(d) ? '' : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }

  function reasonText(r) {
    if (!r) return '';
    const [main, why] = r.split(':');
    const text = ({
      patient_request: 'The patient asked for a person', requested: 'The patient asked for a person',
      unrecognized: 'The bot did not understand the patient', no_match: 'No record matched the details',
      locked: 'Verification is locked', account_disabled: 'The account is disabled',
      retries_exhausted: 'Too many wrong answers', still_waiting: 'Waited, then left a message',
      error: 'Something failed on our side',
    })[main] || main;
    return why ? text + ' (' + why + ')' : text;
  }

  function howText(h) {
    return ({ otp_email: 'one-time code by email', otp_sms: 'one-time code by SMS', activation_code: 'activation code' })[h] || h || '';
  }

  let toastTimer = 0;
  // toast shows a message, with a button when there is something to do
  // about it (it then stays longer).
  function toast(text, action, onAction) {
    const t = $('toast');
    $('toast-text').textContent = text;
    const b = $('toast-action');
    b.hidden = !action;
    b.textContent = action || '';
    b.onclick = action ? () => { t.hidden = true; onAction(); } : null;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, action ? 15000 : 6000);
  }

  // ---------- start ----------

  async function start() {
    const r = await fetch('/agent/api/me', { credentials: 'same-origin' });
    if (r.status === 401) { location.assign('/agent/signin'); return; }
    state.me = await r.json();
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
    connect();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
