// The analytics dashboard: a date range (the last 30 days by default), a
// time zone and a flow; the key numbers from /admin/api/analytics, the
// server-drawn charts (/admin/analytics/{chart}.html: SVG and a table of
// its numbers) and a CSV link per dataset. docs/analytics.md defines the
// numbers. #charts gets data-state="ready" when everything is in.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { duration, percent } from './admin.js';

const defaultDays = 30;
const charts = ['daily', 'trend', 'handoffs', 'funnel', 'durations', 'ratings', 'busiest'];
const datasets = {
  summary: 'Summary', daily: 'Conversations per day', handoffs: 'Handoffs by reason', funnel: 'Funnels',
  durations: 'Durations', ratings: 'Ratings', busiest: 'Busiest hours', handoff_outcomes: 'Handoffs by outcome',
};
const form = document.getElementById('report-form');
const f = { from: form.querySelector('#from'), to: form.querySelector('#to'), tz: form.querySelector('#tz'), flow: form.querySelector('#flow') };

// Days are YYYY-MM-DD; arithmetic on them is done in UTC, free of DST.
const iso = d => d.toISOString().slice(0, 10);
const addDays = (day, n) => { const d = new Date(`${day}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + n); return iso(d); };
const today = () => { const d = new Date(); return iso(new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()))); };

function setup() {
  const q = new URLSearchParams(location.search);
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [here];
  const tz = q.get('tz') || here;
  f.tz.replaceChildren(...['UTC', ...zones.filter(z => z !== 'UTC')].map(z => el('option', { value: z, selected: z === tz }, z)));
  const end = q.get('to') ? addDays(q.get('to'), -1) : today();
  f.to.value = end;
  f.from.value = q.get('from') || addDays(end, -(defaultDays - 1));
  api('GET', '/admin/api/flows').then(({ flows }) => {
    f.flow.append(...flows.map(x => el('option', { value: x.name, selected: x.name === q.get('flow') }, x.name)));
  }).catch(() => {});
}

// query is the report's query string: the API's "to" is the day after
// the last one shown.
function query() {
  const q = new URLSearchParams({ from: f.from.value, to: addDays(f.to.value, 1), tz: f.tz.value });
  if (f.flow.value) q.set('flow', f.flow.value);
  return q.toString();
}

function number(label, value, detail, key) {
  return el('div', { class: 'number', 'data-key': key },
    el('dt', {}, label), el('dd', {}, el('span', { class: 'big' }, value), detail ? el('span', { class: 'detail' }, detail) : null));
}

// median is a duration's median for the big number; spread the rest.
const median = d => (d.count ? duration(d.median_ns) : '–');
const spread = (d, one, many) => `median${d.count ? ` · p90 ${duration(d.p90_ns)}` : ''} · over ${d.count} ${d.count === 1 ? one : many}`;

function showNumbers(r) {
  const t = r.totals;
  const n = (x, one, many) => `${x} ${x === 1 ? one : many}`;
  document.getElementById('numbers').replaceChildren(
    number('Conversations', String(t.conversations),
      `${t.open} still open; ${n(t.unanswered, 'greeting', 'greetings')} nobody answered not counted`, 'conversations'),
    number('Containment', percent(r.containment.rate), `${r.containment.count} of ${r.containment.of} resolved by the bot alone`, 'containment'),
    number('Handoff rate', percent(r.handoff_rate.rate), `${r.handoff_rate.count} of ${r.handoff_rate.of} went to a person · ${n(t.handoffs, 'handoff', 'handoffs')}`, 'handoff_rate'),
    number('Time to resolution', median(r.time_to_resolution), spread(r.time_to_resolution, 'conversation', 'conversations'), 'resolution'),
    number('Queue wait', median(r.queue_wait), spread(r.queue_wait, 'handoff', 'handoffs'), 'queue_wait'),
    number('Agent handle time', median(r.handle_time), spread(r.handle_time, 'chat', 'chats'), 'handle_time'),
    number('Rating', r.ratings.count ? `${r.ratings.average.toFixed(1)} / 5` : '–', n(r.ratings.count, 'rating', 'ratings'), 'rating'));
}

// showChannels fills the table of the numbers split by channel (web, SMS).
function showChannels(r) {
  const names = { web: 'Web chat', sms: 'SMS' };
  document.querySelector('#channels tbody').replaceChildren(...(r.by_channel || []).map(c => el('tr', { 'data-channel': c.channel },
    el('th', { scope: 'row' }, names[c.channel] || c.channel),
    el('td', {}, String(c.conversations)),
    el('td', {}, `${percent(c.containment.rate)} (${c.containment.count} of ${c.containment.of})`),
    el('td', {}, `${percent(c.handoff_rate.rate)} (${c.handoff_rate.count} of ${c.handoff_rate.of})`),
    el('td', {}, median(c.queue_wait)),
    el('td', {}, median(c.time_to_resolution)),
    el('td', { class: 'segments' }, segments(c.segments)),
    el('td', {}, (c.funnels || []).map(x => `${x.flow} ${x.entered}`).join(', ') || '–'))));
}

// segments is a channel's text message segments, received / sent: what
// the provider bills ("–" for a channel that sends no texts).
function segments(s) {
  if (!s || (!s.in && !s.out)) return '–';
  return `${s.in.toLocaleString()} in / ${s.out.toLocaleString()} out`;
}

async function chart(name, q) {
  const holder = el('div', { class: `chart-slot chart-${name}`, 'aria-busy': 'true' }, el('p', { class: 'muted' }, 'Loading…'));
  const text = await api('GET', `/admin/analytics/${name}.html?${q}`, undefined, 'text').catch(e => e);
  if (typeof text !== 'string') {
    holder.replaceChildren(el('p', { class: 'form-error' }, `${name}: ${text.message}`));
  } else {
    const doc = new DOMParser().parseFromString(text, 'text/html');
    doc.querySelectorAll('script').forEach(n => n.remove());
    holder.replaceChildren(...[...doc.body.childNodes].map(n => document.importNode(n, true)));
  }
  holder.setAttribute('aria-busy', 'false');
  return holder;
}

async function show() {
  const q = query();
  const box = document.getElementById('charts');
  const err = document.getElementById('report-error');
  box.dataset.state = 'loading';
  history.replaceState(null, '', `?${q}`);
  try {
    const r = await api('GET', `/admin/api/analytics?${q}`);
    err.hidden = true;
    showNumbers(r);
    showChannels(r);
    document.getElementById('report-range').textContent =
      `${f.from.value} to ${f.to.value} (${r.time_zone})${r.flow ? `, flow ${r.flow}` : ', all flows'}: ${r.totals.conversations} conversations.`;
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    document.getElementById('numbers').replaceChildren();
    box.replaceChildren();
    box.dataset.state = 'error';
    return;
  }
  box.replaceChildren(...await Promise.all(charts.map(c => chart(c, q))));
  document.getElementById('csv').replaceChildren(...Object.entries(datasets).map(([name, label]) =>
    el('li', {}, el('a', { href: `/admin/analytics/${name}.csv?${q}`, download: '' }, `${label} (${name}.csv)`))));
  box.dataset.state = 'ready';
}

form.addEventListener('submit', e => {
  e.preventDefault();
  if (f.from.value && f.to.value && f.from.value > f.to.value) {
    const err = document.getElementById('report-error');
    err.textContent = 'The first day must not be after the last.';
    err.hidden = false;
    return;
  }
  show();
});
setup();
show();
