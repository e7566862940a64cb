// Past conversations: the search form and its pages of results.
import { api } from '../staff/api.js';
import { $, el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { openConversation } from './chats.js';
import { state } from './state.js';
import { reasonText, when } from './words.js';

export async function search(page) {
  const q = new URLSearchParams();
  for (const [k, id] of [['from', 'search-from'], ['to', 'search-to'], ['queue', 'search-queue'], ['resolution', 'search-resolution']]) {
    const v = $(id).value.trim();
    if (v) q.set(k, v);
  }
  q.set('page', String(page));
  let body;
  try {
    body = await api('GET', '/agent/api/conversations?' + q);
  } catch (err) {
    if (err.status !== 401) toast(err.message || 'Search failed.');
    return;
  }
  state.searchPage = page;
  const tb = $('results');
  tb.replaceChildren();
  for (const c of body.items) {
    const tr = el('tr');
    for (const v of [when(c.created_at), c.status, c.resolution, c.queue, c.flow, reasonText(c.reason)]) tr.append(el('td', {}, v || '—'));
    const td = el('td');
    const b = el('button', { class: 'secondary' }, 'Open');
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
