// Portico admin pages: helpers shared by every page (window.PorticoAdmin).
// Plain JavaScript, no library; no inline code (the CSP forbids it).
'use strict';

(() => {
  const csrf = document.querySelector('meta[name="portico-csrf"]')?.content || '';

  // ApiError is a failed API call: status, the server's error code and
  // message, and the whole JSON body (problems, tests …) when there is one.
  class ApiError extends Error {
    constructor(status, body) {
      super(body?.message || `The server answered ${status}.`);
      this.status = status;
      this.code = body?.error || '';
      this.body = body || {};
    }
  }

  // api calls the admin API with the session's CSRF token. It resolves to
  // the parsed JSON (or text, for as: 'text'); it rejects with ApiError.
  // A lost session sends the browser to sign in, and back here after.
  async function api(method, path, body, as) {
    const init = { method, headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { message: 'The server cannot be reached. Check the connection and try again.' });
    }
    if (resp.status === 401) {
      // Back to this page after signing in (the server checks the path).
      location.assign('/agent/signin?next=' + encodeURIComponent(location.pathname + location.search));
      throw new ApiError(401, { message: 'Your session ended. Please sign in again.' });
    }
    if (resp.status === 204) return null;
    const type = resp.headers.get('Content-Type') || '';
    if (as === 'text' && resp.ok) return resp.text();
    let data = null;
    if (type.includes('json')) data = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }

  let toastTimer = 0;
  // toast shows a short message in the page's live region.
  function toast(text, bad) {
    const el = document.getElementById('toast');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('bad', !!bad);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
  }

  // when formats a time for people: "12 Mar 2026, 14:05".
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (isNaN(d) || d.getFullYear() < 2000) return '–';
    return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  // duration formats nanoseconds for people: "45 s", "4 min 10 s",
  // "2 h 5 min", "3 d 4 h".
  function duration(ns) {
    const s = Math.round((ns || 0) / 1e9);
    if (s < 1) return ns > 0 ? 'under 1 s' : '0 s';
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60), rs = s % 60;
    if (m < 60) return rs ? `${m} min ${rs} s` : `${m} min`;
    const h = Math.floor(m / 60), rm = m % 60;
    if (h < 24) return rm ? `${h} h ${rm} min` : `${h} h`;
    const d = Math.floor(h / 24), rh = h % 24;
    return rh ? `${d} d ${rh} h` : `${d} d`;
  }

  // percent formats a 0–1 rate: "42.9 %".
  function percent(rate) {
    return `${(Math.round((rate || 0) * 1000) / 10).toFixed(1)} %`;
  }

  // el makes an element with attributes and children (strings become text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // confirm asks a yes/no question in the layout's modal dialog and
  // resolves to true for yes. Esc or Cancel is no.
  function confirm(text, okLabel) {
    const dlg = document.getElementById('confirm');
    if (!dlg || typeof dlg.showModal !== 'function') return Promise.resolve(window.confirm(text));
    document.getElementById('confirm-text').textContent = text;
    document.getElementById('confirm-ok').textContent = okLabel || 'Confirm';
    dlg.returnValue = '';
    return new Promise(resolve => {
      dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
      dlg.showModal();
      dlg.querySelector('button.secondary')?.focus();
    });
  }

  // tabs makes a role=tablist work: click or arrow keys select a tab,
  // show its panel and hide the others; onSelect(tab) is called after.
  function tabs(list, onSelect) {
    const all = [...list.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of all) {
        const on = t === tab;
        t.setAttribute('aria-selected', on ? 'true' : 'false');
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
      }
      if (focus) tab.focus();
      if (onSelect) onSelect(tab);
    };
    for (const t of all) {
      t.addEventListener('click', () => select(t, false));
      t.addEventListener('keydown', e => {
        const i = all.indexOf(t);
        let next = null;
        if (e.key === 'ArrowRight') next = all[(i + 1) % all.length];
        else if (e.key === 'ArrowLeft') next = all[(i - 1 + all.length) % all.length];
        else if (e.key === 'Home') next = all[0];
        else if (e.key === 'End') next = all[all.length - 1];
        if (next) { e.preventDefault(); select(next, true); }
      });
    }
    return { select: id => select(document.getElementById(id), false) };
  }

  // who names an actor or subject ("admin:30493d60…") for a table cell:
  // the person's or token's name from the answer's names map, else the
  // reference shortened. Keep the reference itself in the cell's title.
  function who(actor, names) {
    if (!actor) return '–';
    if (names && names[actor]) return names[actor];
    const [role, id] = actor.split(':');
    return id && id.length > 8 ? `${role}:${id.slice(0, 8)}…` : actor;
  }

  // person is a cell's content for an actor: the name, with the
  // reference on hover.
  function person(actor, names) {
    return el('span', { class: 'person', title: actor || false }, who(actor, names));
  }

  // breakable is text for a cell that may wrap after "=", ":", ",", "/"
  // and "&" (a long key=value or path breaks there), never inside a word.
  function breakable(text) {
    return text.split(/(?<=[=:,/&])/).flatMap((part, i) => (i ? [el('wbr'), part] : [part]));
  }

  window.PorticoAdmin = { api, ApiError, toast, when, duration, percent, el, confirm, tabs, csrf, who, person, breakable };
})();
