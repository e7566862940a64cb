// Portico patient chat widget: one script tag on any page of a portal.
//
//   <script src="https://portico.example.org/widget.js" data-portico-title="…"
//           data-portico-color="#0b5cad" data-portico-locale="auto" async></script>
//
// Plain modern JavaScript, no dependencies, no build step; docs/widget.md
// describes the tag, the JS API (window.Portico) and the events. It speaks
// the patient protocol (docs/protocol.md) over wss://<portico>/ws.
(function () {
  'use strict';
  if (window.Portico && window.Portico.version) { return; } // the tag is on the page twice

  var VERSION = '1';
  var SUBPROTOCOL = 'portico.v1';
  var STORE_KEY = 'portico.v1';          // sessionStorage only: {resume, lastSeq, open, ended, lang}
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 30000;
  var REFUSED_AFTER = 2;                 // failed handshakes before a refusal is believed
  var SEEN_DELAY_MS = 2000;              // seen frames are batched
  var TYPING_IDLE_MS = 4000;             // typing{on:false} after this much quiet
  var TYPING_RESERVE = 4;                // tokens kept for says: typing never starves them
  var STICK_PX = 8;                      // this close to the end, the log follows new content
  var SCROLL_SLOP = 4;                   // page scrolls smaller than this do not move the launcher
  // What the widget shares with the server is decided by the server and
  // read from /widget/config (docs/widget.md): the colors of the accent
  // (theme), the frame budget that keeps under the socket's rate limit
  // (send) and the longest message (text_max). Until it has answered, or
  // if it cannot be read, the widget wears widget.css's colors and keeps
  // to this small budget, well under any rate limit a server allows.
  var SEND_FALLBACK = { burst: 5, per_s: 1 };

  var STRINGS = {
    en: {
      title: 'Help with your account',
      lang: 'English', langLabel: 'English: show the chat in English',
      open: 'Open chat: {title}', minimize: 'Minimize chat', end: 'End chat',
      log: 'Conversation', you: 'You', bot: 'Assistant', agent: 'Agent', system: 'Notice',
      message: 'Your message', answer: 'Your answer', send: 'Send', replies: 'Suggested answers',
      show: 'Show', hide: 'Hide', showPassword: 'Show password', hidePassword: 'Hide password',
      format: 'Format: {hint}', secretHint: 'Never shown in the chat.',
      connecting: 'Connecting…', offline: 'You are offline. Messages you send now will be delivered when the connection is back.',
      restarting: 'The chat service is restarting. Reconnecting…',
      unreachable: 'We cannot reach the chat right now. We keep trying.',
      refused: 'Chat is not available on this website. Please contact the clinic by phone.',
      stBot: 'Automated assistant', stQueued: 'Waiting for a person…', stNext: 'You are next in line',
      stPos: 'You are number {n} in line', minute: 'about 1 minute', minutes: 'about {n} minutes',
      stAgent: 'You are chatting with {name}', someone: 'a member of our team', stClosed: 'Chat ended',
      ended: 'This chat has ended.', again: 'Start a new chat',
      typing: '{who} is typing', sending: 'Sending…', queued: 'Not sent yet: will be sent when the connection is back',
      empty: 'Please type an answer first.', badEmail: 'That does not look like an email address, like name@example.com.',
      badOTP: 'The code has {length} numbers.', unread: 'new message', unreads: 'new messages',
      went: 'Something went wrong. Please try again.'
    },
    es: {
      title: 'Ayuda con su cuenta',
      lang: 'Español', langLabel: 'Español: ver el chat en español',
      open: 'Abrir el chat: {title}', minimize: 'Minimizar el chat', end: 'Terminar el chat',
      log: 'Conversación', you: 'Usted', bot: 'Asistente', agent: 'Agente', system: 'Aviso',
      message: 'Su mensaje', answer: 'Su respuesta', send: 'Enviar', replies: 'Respuestas sugeridas',
      show: 'Mostrar', hide: 'Ocultar', showPassword: 'Mostrar la contraseña', hidePassword: 'Ocultar la contraseña',
      format: 'Formato: {hint}', secretHint: 'Nunca se muestra en el chat.',
      connecting: 'Conectando…', offline: 'Sin conexión. Los mensajes que envíe ahora se entregarán cuando vuelva la conexión.',
      restarting: 'El servicio de chat se está reiniciando. Volviendo a conectar…',
      unreachable: 'No podemos conectar con el chat en este momento. Seguimos intentándolo.',
      refused: 'El chat no está disponible en este sitio web. Por favor, llame a la clínica.',
      stBot: 'Asistente automático', stQueued: 'Esperando a una persona…', stNext: 'Usted es el siguiente en la fila',
      stPos: 'Usted es el número {n} en la fila', minute: 'aproximadamente 1 minuto', minutes: 'aproximadamente {n} minutos',
      stAgent: 'Está conversando con {name}', someone: 'una persona de nuestro equipo', stClosed: 'Chat terminado',
      ended: 'Este chat ha terminado.', again: 'Empezar un chat nuevo',
      typing: '{who} está escribiendo', sending: 'Enviando…', queued: 'Aún no enviado: se enviará cuando vuelva la conexión',
      empty: 'Primero escriba una respuesta.', badEmail: 'Eso no parece un correo electrónico, como nombre@ejemplo.com.',
      badOTP: 'El código tiene {length} números.', unread: 'mensaje nuevo', unreads: 'mensajes nuevos',
      went: 'Algo salió mal. Intente de nuevo.'
    }
  };

  // ---- where we come from, and the page's settings ----------------------

  var script = document.currentScript ||
    document.querySelector('script[src$="/widget.js"],script[src*="/widget.js?"]');
  var ORIGIN = new URL(script ? script.src : '/', location.href).origin;
  var data = script ? script.dataset : {};

  // The language: the patient's own pick in the widget (this tab), else
  // data-portico-locale when not "auto", else the page's <html lang> when
  // the page declares one, else the browser's. Spanish for any es…,
  // English otherwise.
  function pickLocale(picked, want) {
    var l = picked || (want && want !== 'auto' ? want : '') || document.documentElement.lang ||
      (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
    return /^es(-|$)/i.test(l) ? 'es' : 'en';
  }

  function t(key, args) {
    return S[key].replace(/\{(\w+)\}/g, function (_, k) { return args && args[k] != null ? args[k] : ''; });
  }

  // ---- storage: this tab only ---------------------------------------------

  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || '{}');
      return { resume: typeof s.resume === 'string' ? s.resume : '', lastSeq: Number(s.lastSeq) || 0, open: !!s.open,
        ended: !!s.ended, lang: s.lang === 'es' || s.lang === 'en' ? s.lang : '' };
    } catch (e) {
      return { resume: '', lastSeq: 0, open: false, ended: false, lang: '' };
    }
  }
  // ended: the conversation of the token is over; a new page shows it as
  // ended instead of starting another. lang: the patient's pick.
  var state = load();
  var locale = pickLocale(state.lang, data.porticoLocale);
  var S = STRINGS[locale];
  function save() {
    try {
      if (!state.resume && !state.open && !state.lang) { sessionStorage.removeItem(STORE_KEY); return; }
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* storage off: the chat still works in this page */ }
  }

  // ---- the element and its shadow DOM ---------------------------------------

  if (!customElements.get('portico-chat')) {
    customElements.define('portico-chat', class extends HTMLElement {});
  }
  var host = document.createElement('portico-chat');
  var root = host.attachShadow({ mode: 'open' });

  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { e.textContent = attrs[k]; } else if (attrs[k] !== false) { e.setAttribute(k, attrs[k] === true ? '' : attrs[k]); }
    });
    (kids || []).forEach(function (k) { if (k) { e.appendChild(k); } });
    return e;
  }
  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" ' +
    'd="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 ' +
    '0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';

  var ui = {};
  ui.launcherText = h('span', { class: 'label' });
  ui.badge = h('span', { class: 'badge', hidden: true });
  ui.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'panel' },
    [ui.launcherText, ui.badge]);
  ui.launcher.insertAdjacentHTML('afterbegin', ICON);
  ui.logo = h('img', { class: 'logo', alt: '', hidden: true });
  ui.title = h('h2', { id: 'title' });
  ui.status = h('p', { id: 'status', class: 'status', role: 'status' });
  ui.lang = h('button', { type: 'button', class: 'lang' });
  ui.end = h('button', { type: 'button', class: 'end', text: S.end, hidden: true });
  ui.min = h('button', { type: 'button', class: 'min', 'aria-label': S.minimize, text: '–' });
  ui.banner = h('p', { class: 'banner', role: 'alert', hidden: true });
  ui.intro = h('p', { class: 'intro' });
  ui.log = h('ol', { id: 'log', class: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': S.log, tabindex: '0' });
  ui.typing = h('p', { class: 'typing', hidden: true });
  ui.replies = h('div', { class: 'replies', role: 'group', 'aria-label': S.replies, hidden: true });
  ui.again = h('button', { type: 'button', class: 'primary', text: S.again });
  ui.endedText = h('p', { text: S.ended });
  ui.ended = h('div', { class: 'ended', hidden: true }, [ui.endedText, ui.again]);
  ui.label = h('label', { for: 'input', id: 'label', text: S.message });
  ui.input = h('input', { id: 'input', name: 'message', type: 'text', autocomplete: 'off',
    'aria-describedby': 'hint err', enterkeyhint: 'send' });
  ui.reveal = h('button', { type: 'button', class: 'reveal', 'aria-pressed': 'false', 'aria-label': S.showPassword, text: S.show, hidden: true });
  ui.send = h('button', { type: 'submit', class: 'primary', text: S.send });
  ui.hint = h('p', { id: 'hint', class: 'hint' });
  ui.err = h('p', { id: 'err', class: 'err', hidden: true });
  ui.form = h('form', { class: 'form', novalidate: true }, [ui.label, h('div', { class: 'row' }, [ui.input, ui.reveal, ui.send]), ui.hint, ui.err]);
  ui.panel = h('section', { id: 'panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'title', 'aria-describedby': 'status', hidden: true }, [
    h('header', { class: 'head' }, [ui.logo, h('div', { class: 'titles' }, [ui.title, ui.status]),
      h('div', { class: 'tools' }, [ui.lang, ui.end, ui.min])]),
    ui.banner, ui.intro, ui.log, ui.typing, ui.replies, ui.ended, ui.form
  ]);
  root.appendChild(ui.launcher);
  root.appendChild(ui.panel);

  // On a phone the launcher sits over the page. At the end of the page a
  // spacer of its height keeps the last lines clear of it (it is nothing
  // on wider screens); while the page scrolls down the launcher tucks
  // away (see tuck).
  if (!customElements.get('portico-spacer')) {
    customElements.define('portico-spacer', class extends HTMLElement {});
  }
  var spacer = document.createElement('portico-spacer');
  spacer.setAttribute('aria-hidden', 'true');
  var spacerSheet = new CSSStyleSheet();
  spacerSheet.replaceSync(':host{display:none}@media (max-width:480px){:host{display:block;height:5rem}}');
  spacer.attachShadow({ mode: 'open' }).adoptedStyleSheets = [spacerSheet];

  // applyStrings words everything the widget itself says in S (after a
  // change of language too).
  function applyStrings() {
    host.setAttribute('lang', locale);
    var other = locale === 'es' ? 'en' : 'es';
    ui.lang.textContent = STRINGS[other].lang;
    ui.lang.setAttribute('lang', other);
    ui.lang.setAttribute('aria-label', STRINGS[other].langLabel);
    ui.end.textContent = S.end;
    ui.min.setAttribute('aria-label', S.minimize);
    ui.log.setAttribute('aria-label', S.log);
    ui.replies.setAttribute('aria-label', S.replies);
    ui.again.textContent = S.again;
    ui.endedText.textContent = S.ended;
    ui.send.textContent = S.send;
    ui.label.textContent = hint ? S.answer : S.message;
    ui.hint.textContent = hint && hint.kind === 'secret' ? S.secretHint : hint && hint.hint ? t('format', { hint: hint.hint }) : '';
    setReveal(ui.input.type === 'text' && !ui.reveal.hidden);
    timeFmt = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  }

  // ---- appearance: server config, then data-portico-* overrides --------------

  // look is the server's appearance, then the page's data-portico-*
  // overrides. An empty title is the widget's own, in the patient's
  // language; the greeting line is empty unless one is configured (the
  // bot greets the patient itself: two greetings read oddly).
  var look = { title: '', greeting: {}, theme: null, logo_url: '', position: 'right' };
  function title() { return look.title || S.title; }
  var originAllowed = null; // what /widget/config said about this page's origin

  function applyLook() {
    var th = look.theme;
    themeSheet.replaceSync(th ? ':host{--pc-accent:' + th.accent + ';--pc-on-accent:' + th.on_accent + ';--pc-ink:' + th.ink + '}' : '');
    ui.title.textContent = title();
    ui.launcherText.textContent = title();
    launcherLabel();
    ui.intro.textContent = data.porticoGreeting || look.greeting[locale] || '';
    ui.intro.hidden = !ui.intro.textContent;
    host.classList.toggle('left', look.position === 'left');
    if (look.logo_url) {
      ui.logo.src = new URL(look.logo_url, ORIGIN).href;
      ui.logo.hidden = false;
    }
  }

  function configure(cfg) {
    cfg = cfg || {};
    ['title', 'logo_url', 'position'].forEach(function (k) { if (cfg[k]) { look[k] = String(cfg[k]); } });
    if (cfg.greeting) {
      ['en', 'es'].forEach(function (l) { if (cfg.greeting[l]) { look.greeting[l] = String(cfg.greeting[l]); } });
    }
    if (cfg.theme) { look.theme = cfg.theme; } // of data-portico-color when the page sets it
    if (cfg.send && cfg.send.burst > 0 && cfg.send.per_s > 0) { budget = cfg.send; tokens = budget.burst; }
    if (cfg.text_max > 0) { ui.input.setAttribute('maxlength', String(cfg.text_max)); }
    if (typeof cfg.origin_allowed === 'boolean') { originAllowed = cfg.origin_allowed; }
    var over = { title: data.porticoTitle, logo_url: data.porticoLogo, position: data.porticoPosition };
    Object.keys(over).forEach(function (k) { if (over[k]) { look[k] = over[k]; } });
    applyLook();
  }

  // config reads /widget/config, asking for the theme of the page's own
  // accent when it sets one; {} when it cannot be read.
  function config(color) {
    var q = color ? '?color=' + encodeURIComponent(color) : '';
    return fetch(ORIGIN + '/widget/config' + q, { mode: 'cors', credentials: 'omit' })
      .then(function (r) { return r.ok ? r.json() : {}; }).catch(function () { return {}; });
  }

  var themeSheet = new CSSStyleSheet();
  var ready = Promise.all([
    fetch(ORIGIN + '/widget.css', { mode: 'cors', credentials: 'omit' }).then(function (r) { return r.text(); }),
    config(data.porticoColor)
  ]).then(function (res) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(res[0]);
    root.adoptedStyleSheets = [sheet, themeSheet];
    configure(res[1]);
  });

  // ---- the conversation -------------------------------------------------------

  var ws = null;
  var connID = 0;
  var welcomed = false;
  var active = false;          // we hold (or are starting) a conversation
  var status = '';
  var shownSeq = 0;            // highest seq shown in this page
  var historyUpTo = state.lastSeq; // replayed after a page load: not announced again
  var pending = [];            // says not yet acked: {frame, label, li, sentOn}
  var startFlow = '';
  var backoff = BACKOFF_MIN_MS;
  var failedOpens = 0;
  var timers = {};
  var budget = SEND_FALLBACK;   // frames at once (burst) and a second (per_s), from /widget/config
  var tokens = budget.burst, tokensAt = Date.now();
  var typingOn = false;
  var seenSent = 0;
  var unread = 0;
  var lastHandoff = false;
  var opener = null;
  var hint = null;
  var refused = false;
  var answered = false;        // the patient said or tapped something in this chat

  function later(name, fn, ms) {
    clearTimeout(timers[name]);
    timers[name] = setTimeout(fn, ms);
  }

  function takeToken(reserve) {
    var now = Date.now();
    tokens = Math.min(budget.burst, tokens + (now - tokensAt) * budget.per_s / 1000);
    tokensAt = now;
    if (tokens - 1 < (reserve || 0)) { return false; }
    tokens -= 1;
    return true;
  }
  function msUntilToken() { return Math.max(50, Math.ceil((1 - tokens) / budget.per_s * 1000)); }

  function send(frame, reserve) {
    if (!ws || ws.readyState !== WebSocket.OPEN || !takeToken(reserve)) { return false; }
    ws.send(JSON.stringify(frame));
    return true;
  }

  function newID() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function sayHello() {
    var hello = { type: 'hello', resume: state.resume, last_seq: shownSeq, locale: locale };
    // Resuming never starts a new conversation: a dead token gets
    // error{expired} and the chat shows as ended (docs/protocol.md).
    if (state.resume) { hello.resume_only = true; }
    if (!state.resume && startFlow) { hello.start = startFlow; }
    send(hello);
  }

  function connect() {
    clearTimeout(timers.reconnect);
    clearTimeout(timers.hello);
    if (ws || !active) { return; }
    connID++;
    var opened = false;
    welcomed = false;
    if (!status) { setStatusText(S.connecting); }
    var sock = new WebSocket(ORIGIN.replace(/^http/, 'ws') + '/ws', SUBPROTOCOL);
    ws = sock;
    reflect();
    sock.onopen = function () {
      opened = true;
      tokens = budget.burst; // a new connection has a fresh budget
      sayHello();
    };
    sock.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f.type === 'string') { handle(f); }
    };
    sock.onclose = function (ev) {
      if (ws !== sock) { return; } // replaced on purpose
      ws = null;
      welcomed = false;
      typingOn = false;
      if (!active) { return; }
      failedOpens = opened ? 0 : failedOpens + 1;
      if (!opened && failedOpens >= REFUSED_AFTER && originAllowed === false) {
        // The handshake was refused (HTTP 403: this page's origin is not on
        // the allowlist). Retrying cannot help; say so plainly.
        active = false;
        refused = true;
        banner(S.refused, true);
        setStatusText('');
        setComposer(false);
        reflect();
        return;
      }
      reflect();
      banner(ev.code === 1012 ? S.restarting : failedOpens >= 3 ? S.unreachable : S.offline);
      renderPending();
      // Exponential backoff with full jitter between half and all of it.
      var delay = Math.round(backoff / 2 + Math.random() * backoff / 2);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      later('reconnect', connect, delay);
    };
  }

  // reflect mirrors the widget's state on the element, outside the shadow
  // root, for the host page's CSS and scripts (and tests) to observe:
  // portico-chat[data-connection="offline"] { … }.
  function reflect() {
    host.setAttribute('data-connection', refused ? 'refused' : welcomed ? 'online' : ws ? 'connecting' : active ? 'offline' : 'idle');
    host.setAttribute('data-status', status || 'none');
    host.setAttribute('data-seq', String(shownSeq));
    host.setAttribute('data-pending', String(pending.length));
    host.setAttribute('data-open', String(!!state.open));
  }

  function handle(f) {
    dispatch(f);
    if (stick) { toEnd(); } // replies, the ended box, the field: laid out below the log
    reflect();
  }

  function dispatch(f) {
    switch (f.type) {
      case 'welcome':
        welcomed = true;
        backoff = BACKOFF_MIN_MS;
        failedOpens = 0;
        banner('');
        state.resume = String(f.resume || '');
        save();
        setStatus(f.status, f);
        // The patient picked a language, perhaps while offline or on
        // another page: the conversation follows (a no-op when it already
        // speaks it).
        if (state.lang && f.status !== 'closed') { send({ type: 'locale', locale: state.lang }); }
        flush();
        break;
      case 'msg':
        if (typeof f.seq !== 'number' || f.seq <= shownSeq) { return; }
        shownSeq = f.seq;
        if (f.seq > state.lastSeq) { state.lastSeq = f.seq; save(); }
        // History replayed into a new page is not read out again.
        if (f.seq > historyUpTo) { ui.log.removeAttribute('aria-busy'); } else { ui.log.setAttribute('aria-busy', 'true'); }
        render(f);
        scheduleSeen();
        break;
      case 'ack':
        pending = pending.filter(function (p) {
          if (p.frame.id !== f.id) { return true; }
          if (p.li && p.li.parentNode) { p.li.parentNode.removeChild(p.li); }
          return false;
        });
        break;
      case 'status':
        setStatus(f.status, f);
        break;
      case 'typing':
        if (f.on) {
          ui.typing.textContent = t('typing', { who: f.from === 'agent' ? (agentName || S.agent) : title() });
        }
        ui.typing.hidden = !f.on;
        break;
      case 'error':
        onError(f);
        break;
    }
  }

  function onError(f) {
    if (f.code === 'expired') {
      // The old conversation is gone. We resumed with resume_only, so no
      // new one was started: show the chat as ended, with "Start a new
      // chat", until the patient asks for one.
      state.resume = '';
      state.lastSeq = 0;
      state.ended = false;
      shownSeq = 0;
      historyUpTo = 0;
      pending = [];
      answered = false;
      ui.log.textContent = '';
      save();
      if (!welcomed) {
        active = false;
        clearTimeout(timers.reconnect);
        if (ws) { var s = ws; ws = null; s.close(1000); }
        banner('');
        setStatus('closed', { type: 'local' });
        return;
      }
    }
    if (f.code === 'rate_limited') {
      var wait = Math.max(1, Number(f.retry_after_s) || 1) * 1000;
      if (!welcomed) {
        // Too many new chats from this network: say so, and say hello
        // again on the same socket when the server says we may.
        banner(f.message || S.went);
        later('hello', sayHello, wait);
        return;
      }
      // The server dropped a frame. Send the unacked says again, same ids,
      // when it says we may: nothing typed is lost or processed twice.
      pending.forEach(function (p) { p.sentOn = 0; });
      later('flush', flush, wait);
      return;
    }
    notice(f.message || S.went);
  }

  var agentName = '';
  var statusFrame = {};
  // statusText words a status for the header, in the current language.
  function statusText(st, f) {
    if (st === 'queued') {
      var text = S.stQueued;
      if (f.position === 1) { text = S.stNext; } else if (f.position > 1) { text = t('stPos', { n: f.position }); }
      if (f.position && f.wait_s > 0) {
        var m = Math.max(1, Math.round(f.wait_s / 60));
        text += ', ' + (m === 1 ? S.minute : t('minutes', { n: m }));
      }
      return text;
    }
    if (st === 'agent') { return t('stAgent', { name: agentName || S.someone }); }
    return st === 'closed' ? S.stClosed : st ? S.stBot : '';
  }

  function setStatus(st, f) {
    status = st;
    statusFrame = f;
    if (st === 'queued' && !lastHandoff) {
      lastHandoff = true;
      emit('portico:handoff', { position: f.position || null, wait_s: f.wait_s || null });
    }
    if (st === 'agent') { agentName = f.agent || agentName; }
    if (st !== 'queued') { lastHandoff = false; }
    if (st !== 'agent') { stopTyping(false); }
    setStatusText(statusText(st, f));
    // "End chat" only while there is a chat to end.
    ui.end.hidden = !(st === 'bot' || st === 'queued' || st === 'agent');
    if (st === 'closed') {
      var hadFocus = !!root.activeElement;
      ui.typing.hidden = true;
      ui.ended.hidden = false;
      setComposer(false);
      clearReplies();
      if (hadFocus) { ui.again.focus(); } // the field it was in is gone
      // The token is kept: the next page shows this chat, ended, with its
      // transcript (a "password changed" stays readable), not a new one.
      state.ended = !!state.resume;
      save();
      if (f.type === 'status') {
        // Nothing follows a closing status: hang up instead of resuming a closed chat.
        active = false;
        clearTimeout(timers.reconnect);
        if (ws) { var s = ws; ws = null; s.close(1000); }
        if (f.resolution === 'resolved') { emit('portico:resolved', { resolution: 'resolved' }); }
      }
    } else {
      ui.ended.hidden = true;
      setComposer(true);
    }
  }

  function setStatusText(text) { ui.status.textContent = text; }

  function banner(text, isError) {
    ui.banner.textContent = text;
    ui.banner.hidden = !text;
    ui.banner.classList.toggle('error', !!isError);
  }

  function setComposer(on) {
    ui.form.hidden = !on;
  }

  // ---- rendering --------------------------------------------------------------

  var timeFmt = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });

  function bubble(from, who, text, at, cls) {
    var meta = h('p', { class: 'meta' }, [h('span', { class: 'who', text: who })]);
    if (at) {
      var d = new Date(at);
      if (!isNaN(d)) { meta.appendChild(h('time', { datetime: d.toISOString(), text: timeFmt.format(d) })); }
    }
    var li = h('li', { class: 'from-' + from + (cls ? ' ' + cls : '') }, [meta, h('p', { class: 'bubble', text: text })]);
    var before = ui.log.querySelector('.pending');
    ui.log.insertBefore(li, before); // pending says stay last until acked
    toEnd();
    return li;
  }

  // The last message is always fully visible: a new one scrolls the log
  // to its end, and while the log is at its end it stays there when it
  // gets shorter (quick replies, the ended box, a banner or a phone's
  // keyboard take room below it).
  // A scroll event comes a frame after the scroll: by then the log may
  // have shrunk under our own toEnd, which says nothing about where the
  // patient wants to be. Only a position we did not set counts.
  var stick = true, setTop = -1;
  function toEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
    setTop = ui.log.scrollTop;
    stick = true;
  }
  ui.log.addEventListener('scroll', function () {
    if (Math.abs(ui.log.scrollTop - setTop) < 1) { return; }
    stick = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight <= STICK_PX;
  });
  if (window.ResizeObserver) { new ResizeObserver(function () { if (stick) { toEnd(); } }).observe(ui.log); }

  function who(from, agent) {
    return { bot: title(), agent: agent || agentName || S.agent, patient: S.you, system: S.system }[from] || '';
  }

  function render(m) {
    var li = bubble(m.from, who(m.from, m.agent), String(m.text || ''), m.at);
    li.setAttribute('data-seq', String(m.seq));
    if (m.agent) { li.setAttribute('data-agent', m.agent); }
    if (m.from === 'agent') { ui.typing.hidden = true; }
    if (m.from === 'patient') {
      answered = true;
      clearReplies();
    } else {
      showReplies(m.replies || []);
      shapeInput(m.input || null);
    }
    if (state.open === false && m.seq > historyUpTo && m.from !== 'patient') {
      unread++;
      ui.badge.textContent = String(unread);
      ui.badge.hidden = false;
      host.classList.remove('tucked'); // a new message is never hidden
      launcherLabel();
    }
  }

  function notice(text) { bubble('system', S.system, text, null, 'notice'); }

  function launcherLabel() { ui.launcher.setAttribute('aria-label', t('open', { title: title() }) + badgeLabel()); }
  function badgeLabel() { return unread ? ' (' + unread + ' ' + (unread === 1 ? S.unread : S.unreads) + ')' : ''; }

  function clearReplies() {
    ui.replies.textContent = '';
    ui.replies.hidden = true;
  }

  function showReplies(replies) {
    clearReplies();
    replies.forEach(function (r) {
      var b = h('button', { type: 'button', text: r.label, 'data-value': r.value });
      b.addEventListener('click', function () { say(null, r.value, r.label); ui.input.focus(); });
      ui.replies.appendChild(b);
    });
    ui.replies.hidden = replies.length === 0;
  }

  // shapeInput follows the input hint (docs/protocol.md, "The input hint") so
  // that keyboards, password managers and screen readers treat the field right.
  function shapeInput(hnt) {
    hint = hnt;
    var i = ui.input;
    var kind = hnt ? hnt.kind : '';
    ['inputmode', 'autocapitalize', 'spellcheck', 'pattern'].forEach(function (a) { i.removeAttribute(a); });
    i.value = '';
    i.type = 'text';
    i.setAttribute('data-slot', (hnt && hnt.slot) || '');
    i.autocomplete = (hnt && hnt.autocomplete) || 'off';
    ui.label.textContent = hnt ? S.answer : S.message;
    ui.hint.textContent = hnt && hnt.hint ? t('format', { hint: hnt.hint }) : '';
    ui.reveal.hidden = kind !== 'secret';
    setReveal(false);
    clearError();
    switch (kind) {
      case 'secret':
        i.type = 'password';
        if (!hnt.autocomplete || hnt.autocomplete === 'off') { i.autocomplete = 'new-password'; }
        ui.hint.textContent = S.secretHint;
        break;
      case 'code':
        if (i.autocomplete === 'off') {
          // An activation code: letters and numbers, typed as printed.
          i.setAttribute('autocapitalize', 'characters');
          i.setAttribute('spellcheck', 'false');
        } else {
          i.setAttribute('inputmode', 'numeric');
          i.autocomplete = 'one-time-code';
        }
        break;
      case 'date':
        i.setAttribute('inputmode', 'text'); // people type slashes; the server reads what they type
        break;
      case 'email':
        i.type = 'email';
        i.setAttribute('autocapitalize', 'none');
        i.setAttribute('spellcheck', 'false');
        break;
      case 'tel':
        i.type = 'tel';
        break;
    }
    if (hnt && (hnt.slot === 'username' || hnt.slot === 'zip')) { i.setAttribute('autocapitalize', 'none'); i.setAttribute('spellcheck', 'false'); }
  }

  function setReveal(on) {
    if (!hint || hint.kind !== 'secret') { return; }
    ui.input.type = on ? 'text' : 'password';
    ui.reveal.setAttribute('aria-pressed', String(on));
    ui.reveal.textContent = on ? S.hide : S.show;
    ui.reveal.setAttribute('aria-label', on ? S.hidePassword : S.showPassword);
  }

  function showError(text) {
    ui.err.textContent = text;
    ui.err.hidden = false;
    ui.input.setAttribute('aria-invalid', 'true');
  }
  function clearError() {
    ui.err.hidden = true;
    ui.err.textContent = '';
    ui.input.removeAttribute('aria-invalid');
  }

  // validate catches what is plainly wrong before it is sent; the server
  // checks everything again and re-asks in plain language.
  function validate(text) {
    if (!text.trim()) { return S.empty; }
    if (hint && hint.kind === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim())) { return S.badEmail; }
    // A one-time code has the digits the server states (input.length); an
    // activation code (no length) has letters too and is left to the server.
    var digits = hint && hint.kind === 'code' && hint.length > 0 ? hint.length : 0;
    if (digits && !new RegExp('^\\d{' + digits + '}$').test(text.replace(/[\s-]/g, ''))) { return t('badOTP', { length: digits }); }
    return '';
  }

  // ---- sending --------------------------------------------------------------

  function say(text, reply, label) {
    var frame = { type: 'say', id: newID() };
    if (text) { frame.text = text; }
    if (reply) { frame.reply = reply; }
    var secret = hint && hint.kind === 'secret' && text;
    var p = { frame: frame, label: secret ? '••••••' : (label || text), li: null, sentOn: 0 };
    pending.push(p);
    clearReplies();
    stopTyping(false);
    shapeInput(null);
    renderPending();
    flush();
    reflect();
  }

  // flush sends the unacked says in order, each once per connection.
  function flush() {
    if (!welcomed) { return; }
    for (var i = 0; i < pending.length; i++) {
      var p = pending[i];
      if (p.sentOn === connID) { continue; }
      if (!send(p.frame)) { later('flush', flush, msUntilToken()); break; }
      p.sentOn = connID;
    }
    renderPending();
  }

  function renderPending() {
    pending.forEach(function (p) {
      var stateText = welcomed ? S.sending : S.queued;
      if (!p.li) {
        p.li = bubble('patient', S.you, p.label, new Date().toISOString(), 'pending');
        p.li.setAttribute('data-id', p.frame.id);
        p.li.firstChild.appendChild(h('span', { class: 'state' }));
      }
      p.li.querySelector('.state').textContent = stateText;
    });
  }

  function scheduleSeen() {
    if (!state.open || document.hidden) { return; }
    later('seen', function () {
      if (shownSeq <= seenSent) { return; }
      if (send({ type: 'seen', seq: shownSeq }, TYPING_RESERVE)) { seenSent = shownSeq; } else { scheduleSeen(); }
    }, SEEN_DELAY_MS);
  }

  function onTyping() {
    clearError();
    if (!welcomed || status !== 'agent') { return; } // the bot does not watch anyone type
    if (!typingOn) { typingOn = send({ type: 'typing', on: true }, TYPING_RESERVE); }
    later('typing', function () { stopTyping(true); }, TYPING_IDLE_MS);
  }

  function stopTyping(tell) {
    clearTimeout(timers.typing);
    if (typingOn && tell) { send({ type: 'typing', on: false }, TYPING_RESERVE); }
    typingOn = false;
  }

  // ---- opening and closing ----------------------------------------------------

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail || {}, bubbles: true }));
  }

  function startConversation(flow) {
    if (ws) { var old = ws; ws = null; old.close(1000); }
    state.resume = '';
    state.lastSeq = 0;
    shownSeq = 0;
    historyUpTo = 0;
    seenSent = 0;
    pending = [];
    ui.log.textContent = '';
    clearReplies();
    shapeInput(null);
    ui.ended.hidden = true;
    ui.end.hidden = true;
    banner('');
    startFlow = flow || '';
    status = '';
    active = true;
    answered = false;
    state.ended = false;
    save();
    connect();
    reflect();
  }

  function open(opts, restoring) {
    opts = opts || {};
    var flow = typeof opts.flow === 'string' ? opts.flow : '';
    var wasOpen = ui.panel.hidden === false;
    if (!root.activeElement && document.activeElement && document.activeElement !== host && document.activeElement !== document.body) {
      opener = document.activeElement;
    }
    state.open = true;
    save();
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'true');
    host.classList.add('open');
    modal();
    unread = 0;
    ui.badge.hidden = true;
    applyLook();
    // A chat in progress is never thrown away by open() ("End chat" does
    // that); an ended one stays on screen, ended, and is replaced only when
    // a flow is asked for. No conversation starts before the patient asks.
    var ended = status === 'closed' || state.ended;
    if (refused) {
      // nothing to start
    } else if (ended && flow) {
      startConversation(flow);
    } else if (!active && state.resume && shownSeq === 0) {
      active = true; // this tab's chat on a new page: show it, ended or not
      connect();
    } else if (!active && !ended) {
      startConversation(flow);
    } else if (flow && status === 'bot' && !answered && !pending.length) {
      switchFlow(flow);
    }
    scheduleSeen();
    reflect();
    if (restoring) { return; } // a new page: focus stays where the page puts it
    focusIn();
    if (!wasOpen) { emit('portico:open', { flow: flow || null }); }
    reflect();
  }

  // switchFlow answers "Forgot password?" (or any flow asked for) while
  // the patient has answered nothing yet: the asked-for flow starts
  // instead of the menu staying. The menu offers the flows by name
  // (docs/protocol.md), so that is a tap on its button; elsewhere, the
  // untouched chat is ended and a new one starts in the flow.
  function switchFlow(flow) {
    var offered = Array.prototype.filter.call(ui.replies.querySelectorAll('button'), function (b) {
      return b.getAttribute('data-value') === flow;
    })[0];
    if (offered) { offered.click(); return; }
    if (welcomed) { send({ type: 'bye' }); }
    startConversation(flow);
  }

  function close() {
    if (!state.open) { return; }
    state.open = false;
    save();
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'false');
    host.classList.remove('open');
    var back = opener && opener.isConnected && !ui.launcher.contains(opener) ? opener : null;
    opener = null;
    (back || ui.launcher).focus();
    reflect();
    emit('portico:close', {});
  }

  function endChat() {
    if (status !== 'closed' && !(welcomed && send({ type: 'bye' }))) {
      // Not connected: the server ends the idle conversation on its own.
      active = false;
      clearTimeout(timers.reconnect);
      pending = [];
      banner('');
      setStatus('closed', { type: 'local' });
      // The server did not hear it: the next page must not resume it.
      state.resume = '';
      state.ended = false;
      save();
      reflect();
    }
    ui.again.focus();
  }

  function focusIn() {
    var target = !ui.form.hidden ? ui.input : !ui.ended.hidden ? ui.again : ui.min;
    target.focus();
  }

  var narrow = window.matchMedia('(max-width: 480px)');
  function modal() {
    // Full screen on a phone: a modal dialog that keeps focus inside.
    if (narrow.matches) { ui.panel.setAttribute('aria-modal', 'true'); } else { ui.panel.removeAttribute('aria-modal'); }
    host.setAttribute('data-modal', String(narrow.matches));
  }
  if (narrow.addEventListener) { narrow.addEventListener('change', modal); }

  function focusables() {
    return Array.prototype.filter.call(ui.panel.querySelectorAll('button, input, [tabindex="0"]'), function (e) {
      return !e.disabled && e.getClientRects().length > 0;
    });
  }

  // ---- language -----------------------------------------------------------------

  // setLocale switches the widget and the conversation to another
  // language: the server asks its waiting question again in it
  // (the locale frame, docs/protocol.md). The pick holds for this tab.
  function setLocale(l) {
    locale = l;
    S = STRINGS[l];
    state.lang = l;
    save();
    applyStrings();
    applyLook();
    setStatusText(status ? statusText(status, statusFrame) : ws ? S.connecting : '');
    Array.prototype.forEach.call(ui.log.children, function (li) {
      var from = (/from-(\w+)/.exec(li.className) || [])[1];
      var w = li.querySelector('.who');
      if (w && from) { w.textContent = who(from, li.getAttribute('data-agent')); }
    });
    renderPending();
    sendLocale();
  }

  function sendLocale() {
    if (!welcomed || status === 'closed') { return; } // the next welcome sends it
    if (!send({ type: 'locale', locale: locale })) { later('locale', sendLocale, msUntilToken()); }
  }

  // ---- the launcher on a phone -----------------------------------------------------

  // tuck moves the launcher out of the way while the page scrolls down on
  // a phone, where it would cover the text being read; it comes back when
  // the page scrolls up or reaches its end (where the spacer keeps the
  // last lines clear of it), and never hides a new message or focus.
  var lastY = window.scrollY || 0;
  function tuck() {
    var y = window.scrollY || 0;
    if (Math.abs(y - lastY) < SCROLL_SLOP) { return; }
    var end = window.innerHeight + y >= document.documentElement.scrollHeight - STICK_PX;
    host.classList.toggle('tucked', narrow.matches && y > lastY && !end && !unread && root.activeElement !== ui.launcher);
    lastY = y;
  }
  window.addEventListener('scroll', tuck, { passive: true });

  // ---- events -----------------------------------------------------------------

  ui.launcher.addEventListener('click', function () { open(); });
  ui.lang.addEventListener('click', function () { setLocale(locale === 'es' ? 'en' : 'es'); });
  ui.min.addEventListener('click', close);
  ui.end.addEventListener('click', endChat);
  ui.again.addEventListener('click', function () { startConversation(''); focusIn(); });
  ui.reveal.addEventListener('click', function () { setReveal(ui.input.type === 'password'); ui.input.focus(); });
  ui.input.addEventListener('input', onTyping);
  ui.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = ui.input.value;
    var problem = validate(text);
    if (problem) { showError(problem); return; }
    ui.input.value = '';
    say(text.trim() && hint && hint.kind === 'secret' ? text : text.trim(), '', '');
    ui.input.focus();
  });
  ui.panel.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { ev.preventDefault(); close(); return; }
    if (ev.key === 'Tab' && ui.panel.getAttribute('aria-modal') === 'true') {
      var f = focusables();
      var first = f[0], last = f[f.length - 1];
      if (ev.shiftKey && root.activeElement === first) { ev.preventDefault(); last.focus(); }
      if (!ev.shiftKey && root.activeElement === last) { ev.preventDefault(); first.focus(); }
    }
  });
  // Any element of the page with data-portico-open opens the chat, straight
  // into the flow it names: <a href="#" data-portico-open="reset_password">.
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('[data-portico-open]') : null;
    if (!a) { return; }
    ev.preventDefault();
    opener = a;
    open({ flow: a.getAttribute('data-portico-open') });
  });
  window.addEventListener('online', function () {
    if (active && !ws) { backoff = BACKOFF_MIN_MS; connect(); }
  });
  document.addEventListener('visibilitychange', scheduleSeen);

  // ---- start ------------------------------------------------------------------

  window.Portico = {
    version: VERSION,
    open: function (opts) { ready.then(function () { open(opts); }); },
    close: function () { ready.then(close); },
    // theme resolves to the colors the widget would wear for an accent
    // (the server decides them).
    theme: function (color) { return config(String(color || '')).then(function (c) { return c.theme || null; }); }
  };

  applyStrings();
  configure({});
  function attach() {
    reflect();
    document.body.appendChild(spacer);
    document.body.appendChild(host);
    if (state.resume && !state.ended) {
      // A conversation of this tab: resume it where it was, replaying its
      // transcript into this page.
      active = true;
      connect();
    }
    if (state.open && state.resume) {
      open(null, true); // an ended chat shows as ended
    } else if (state.open) {
      state.open = false; // nothing to show: start nothing before the patient asks
      save();
    }
    emit('portico:ready', { version: VERSION });
  }
  ready.then(function () {
    if (document.body) { attach(); } else { document.addEventListener('DOMContentLoaded', attach); }
  });
}());
