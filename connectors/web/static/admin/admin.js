// Portico admin pages: helpers of every admin page, an ES module. The
// DOM, toast and API helpers are shared with the agent console
// (static/staff/); this adds the admin pages' formats and widgets. Plain
// JavaScript, no library; no inline code (the CSP forbids it).
import { el } from '../staff/dom.js';

// when formats a time for people: "12 Mar 2026, 14:05".
export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (isNaN(d) || d.getFullYear() < 2000) return '–';
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// duration formats nanoseconds for people: "45 s", "4 min 10 s",
// "2 h 5 min", "3 d 4 h".
export function duration(ns) {
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
export function percent(rate) {
  return `${(Math.round((rate || 0) * 1000) / 10).toFixed(1)} %`;
}

// confirm asks a yes/no question in the layout's modal dialog and
// resolves to true for yes. Esc or Cancel is no.
export function confirm(text, okLabel) {
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
export function tabs(list, onSelect) {
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
export function who(actor, names) {
  if (!actor) return '–';
  if (names && names[actor]) return names[actor];
  const [role, id] = actor.split(':');
  return id && id.length > 8 ? `${role}:${id.slice(0, 8)}…` : actor;
}

// person is a cell's content for an actor: the name, with the
// reference on hover.
export function person(actor, names) {
  return el('span', { class: 'person', title: actor || false }, who(actor, names));
}

// breakable is text for a cell that may wrap after "=", ":", ",", "/"
// and "&" (a long key=value or path breaks there), never inside a word.
export function breakable(text) {
  return text.split(/(?<=[=:,/&])/).flatMap((part, i) => (i ? [el('wbr'), part] : [part]));
}

