// The editor's diagram panel: the flow's diagram (the saved draft's, or
// the published version's) drawn at a size whose text can be read, in a
// box that zooms and pans with the mouse and with the keyboard. Each
// state is a button that goes to its line in the editor.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { ed } from './editor.js';

const box = document.getElementById('diagram');
const level = document.getElementById('zoom-level');

// Scales are CSS pixels per diagram unit (a Graphviz point).
const natural = 4 / 3;    // a point is 4/3 of a CSS pixel
const legiblePx = 12;     // the smallest text, in CSS pixels, when first shown
const minScale = 0.2, maxScale = 4, step = 1.25;
const panStep = 48;       // pixels an arrow key moves the view
const dragSlop = 4;       // pixels a press may move and still be a click

let svg = null, width = 0, height = 0, scale = natural;
let chosen = false; // the admin zoomed: keep their scale for the next diagram

// fit is the scale at which the whole diagram shows in the box.
function fit() {
  const w = box.clientWidth - 2, h = box.clientHeight - 2;
  return Math.max(minScale, Math.min(w / width, h / height));
}

// legible is the scale at which the smallest text is legiblePx.
function legible() {
  const sizes = [...svg.querySelectorAll('text')].map(t => Number(t.getAttribute('font-size')) || 14);
  return legiblePx / Math.min(14, ...sizes);
}

// zoom sets the scale, keeping the point at (cx, cy) of the box (its
// middle by default) where it is.
function zoom(to, cx, cy) {
  if (!svg) return;
  const next = Math.min(maxScale, Math.max(minScale, to));
  if (cx === undefined) { cx = box.clientWidth / 2; cy = box.clientHeight / 2; }
  const ux = (box.scrollLeft + cx) / scale, uy = (box.scrollTop + cy) / scale;
  scale = next;
  svg.style.width = `${Math.round(width * scale)}px`;
  svg.style.height = `${Math.round(height * scale)}px`;
  box.scrollLeft = ux * scale - cx;
  box.scrollTop = uy * scale - cy;
  const pct = Math.round(scale / natural * 100);
  level.textContent = `${pct} %`;
  box.dataset.zoom = String(pct);
}

const zoomIn = () => { chosen = true; zoom(scale * step); };
const zoomOut = () => { chosen = true; zoom(scale / step); };
const actual = () => { chosen = true; zoom(natural); };
const whole = () => { chosen = true; zoom(fit()); box.scrollLeft = box.scrollTop = 0; };

// Full window: the panel takes the whole window, and the diagram is
// sized again for it unless the admin chose a zoom.
const panel = document.getElementById('panel-diagram');
const expand = document.getElementById('diagram-expand');
let inerted = [];
// isolate makes everything but the panel inert while it fills the
// window, so Tab and screen readers stay in what is shown.
function isolate(on) {
  inerted.forEach(n => { n.inert = false; });
  inerted = [];
  for (let n = panel; on && n.parentElement && n !== document.body; n = n.parentElement) {
    for (const sib of n.parentElement.children) {
      if (sib !== n && !sib.inert && sib.tagName !== 'SCRIPT') { sib.inert = true; inerted.push(sib); }
    }
  }
}
function expanded(on) {
  isolate(on);
  panel.classList.toggle('expanded', on);
  expand.setAttribute('aria-pressed', String(on));
  expand.textContent = on ? 'Leave full window' : 'Full window';
  show();
  box.focus();
}
expand.addEventListener('click', () => expanded(!panel.classList.contains('expanded')));
document.addEventListener('keydown', e => {
  if (e.key === 'Escape' && panel.classList.contains('expanded')) { e.preventDefault(); expanded(false); }
});

document.getElementById('zoom-in').addEventListener('click', zoomIn);
document.getElementById('zoom-out').addEventListener('click', zoomOut);
document.getElementById('zoom-actual').addEventListener('click', actual);
document.getElementById('zoom-fit').addEventListener('click', whole);

// Keys, when the box or a state in it has the focus: + and − zoom, 0 is
// actual size, F fits, the arrows move the view.
box.addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const moves = { ArrowLeft: [-panStep, 0], ArrowRight: [panStep, 0], ArrowUp: [0, -panStep], ArrowDown: [0, panStep] };
  if (moves[e.key]) {
    box.scrollBy(...moves[e.key]);
  } else if (e.key === '+' || e.key === '=') {
    zoomIn();
  } else if (e.key === '-' || e.key === '_') {
    zoomOut();
  } else if (e.key === '0') {
    actual();
  } else if (e.key === 'f' || e.key === 'F') {
    whole();
  } else {
    return;
  }
  e.preventDefault();
});

// Ctrl (or ⌘) and the wheel zoom at the pointer, as maps do.
box.addEventListener('wheel', e => {
  if (!(e.ctrlKey || e.metaKey) || !svg) return;
  e.preventDefault();
  const r = box.getBoundingClientRect();
  chosen = true;
  zoom(e.deltaY < 0 ? scale * step : scale / step, e.clientX - r.left, e.clientY - r.top);
}, { passive: false });

// Dragging moves the view; a drag that ends on a state is not a click.
let drag = null;
box.addEventListener('pointerdown', e => {
  if (e.button !== 0 || !svg) return;
  drag = { x: e.clientX, y: e.clientY, left: box.scrollLeft, top: box.scrollTop, moved: false, id: e.pointerId };
});
box.addEventListener('pointermove', e => {
  if (!drag || e.pointerId !== drag.id) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < dragSlop) return;
  if (!drag.moved) { drag.moved = true; box.setPointerCapture(e.pointerId); box.classList.add('dragging'); }
  box.scrollLeft = drag.left - dx;
  box.scrollTop = drag.top - dy;
});
const endDrag = () => { box.classList.remove('dragging'); setTimeout(() => { drag = null; }); };
box.addEventListener('pointerup', endDrag);
box.addEventListener('pointercancel', endDrag);
box.addEventListener('click', e => { if (drag && drag.moved) { e.stopPropagation(); e.preventDefault(); } }, true);

// load inlines the diagram of the saved draft (or the current version),
// making each state a button that jumps to its line.
async function load() {
  const st = ed.st;
  const which = st.detail && st.detail.draft ? 'draft' : 'current';
  document.getElementById('diagram-note').textContent = which === 'draft' ? 'The diagram of the saved draft.' :
    (st.detail && st.detail.version ? `The diagram of version ${st.detail.version}.` : 'Save the draft to see its diagram.');
  if (which === 'current' && !(st.detail && st.detail.version)) { box.replaceChildren(); svg = null; return; }
  try {
    const text = await api('GET', `/admin/api/flows/${encodeURIComponent(ed.name)}/diagram.svg?version=${which}`, undefined, 'text');
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    if (doc.documentElement.nodeName !== 'svg') throw new Error('The diagram could not be read.');
    // Import first: listeners are not copied with a node.
    const next = document.importNode(doc.documentElement, true);
    next.querySelectorAll('script, foreignObject').forEach(n => n.remove());
    next.querySelectorAll('*').forEach(n => [...n.attributes].forEach(a => { if (/^on/i.test(a.name)) n.removeAttribute(a.name); }));
    const vb = (next.getAttribute('viewBox') || '').split(/[\s,]+/).map(Number);
    if (vb.length !== 4 || !(vb[2] > 0 && vb[3] > 0)) throw new Error('The diagram has no size.');
    next.removeAttribute('width');
    next.removeAttribute('height');
    next.setAttribute('role', 'group');
    next.setAttribute('aria-label', `Diagram of ${ed.name}`);
    for (const g of next.querySelectorAll('g[data-state]')) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      // The name starts with the words the node shows (WCAG 2.5.3, label in name).
      const shows = [...g.querySelectorAll('text')].map(t => t.textContent.trim()).join(' ');
      g.setAttribute('aria-label', `${shows || g.dataset.state}, line ${g.dataset.line}: go to it`);
      g.querySelector('title')?.remove(); // the aria-label says it; a tooltip would cover the node
      const go = () => jumpToState(g.dataset.state, Number(g.dataset.line));
      g.addEventListener('click', go);
      // Jump on keyup: on keydown the key's character would land in the editor.
      g.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') e.preventDefault(); });
      g.addEventListener('keyup', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
    }
    box.replaceChildren(next);
    svg = next;
    [width, height] = [vb[2], vb[3]];
    box.dataset.version = which;
    show();
  } catch (e) {
    box.replaceChildren(el('p', { class: 'muted' }, e.message));
    svg = null;
  }
}

// show sizes a new diagram: the admin's zoom if they chose one, else as
// large as fits up to actual size, never with text too small to read
// (the box then scrolls, starting at the flow's start, top centre).
function show() {
  if (!svg || box.clientWidth === 0) return; // drawn when its tab is shown
  zoom(chosen ? scale : Math.max(legible(), Math.min(fit(), natural)), 0, 0);
  if (chosen) return;
  box.scrollTop = 0;
  const start = svg.querySelector('#start')?.getBoundingClientRect();
  if (start) box.scrollLeft += start.left + start.width / 2 - (box.getBoundingClientRect().left + box.clientWidth / 2);
}
// The panel is hidden until its tab is chosen: size the diagram then.
new ResizeObserver(() => { if (svg && !svg.style.width) show(); }).observe(box);

// jumpToState goes to the state's line: the diagram's, unless the text
// moved since it was drawn, then where "  state:" is now.
function jumpToState(state, line) {
  const lines = ed.source.value.split('\n');
  const re = new RegExp(`^\\s+${state}:\\s*(#.*)?$`);
  if (!(line >= 1 && re.test(lines[line - 1] || ''))) {
    const i = lines.findIndex(l => re.test(l));
    if (i >= 0) line = i + 1;
  }
  const col = (lines[line - 1] || '').search(/\S/) + 1;
  ed.jump('flow', line, Math.max(1, col));
}

ed.diagram = { load };
