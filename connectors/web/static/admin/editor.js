// The flow editor: the flow's YAML and its tests with line numbers,
// problems as you type (the server's own validator, debounced), Save
// draft, Run tests, Publish and Discard. The diagram, versions and
// sandbox panels are in diagram.js, versions.js and sandbox.js. The page
// mirrors its state in data-* attributes of #editor-page (ready,
// validating, dirty), which the browser tests wait on. "Dirty" means the
// text differs from what the server has (the draft, else the published
// version): an edit undone is not a change.

import { api } from '../staff/api.js';
import { el } from '../staff/dom.js';
import { toast } from '../staff/toast.js';
import { confirm, tabs, when, who } from './admin.js';
import { CodeEditor } from './code.js';

const page = document.getElementById('editor-page');
const name = page.dataset.flow;
const flowFile = `${name}.yaml`;
const testsFile = `tests/${name}.yaml`;
const validateDelay = 400; // ms after the last keystroke

const source = new CodeEditor(document.getElementById('source'), document.querySelector('#code-source .gutter'));
const tests = new CodeEditor(document.getElementById('tests'), document.querySelector('#code-tests .gutter'));
const fileTabs = tabs(document.getElementById('file-tabs'));
const toolTabs = tabs(document.getElementById('tool-tabs'));

const st = {
  detail: null,          // GET /admin/api/flows/{name}
  sourceProblems: [],    // of the flow, from validate (this file and others)
  testsProblems: [],     // of the tests, from the last save
  validating: false,
  validateSeq: 0,
  saved: null,           // {source, tests} the server has; null for a new flow
  savedNote: '',         // what the save state says when nothing is unsaved
  dirty: false,
  testsRun: null,        // {failed, text}: the text the tests ran on
  busy: false,
};

// text is the editor's whole content, to compare with what was saved or
// tested.
const text = () => `${source.value}\u0000${tests.value}`;
const changed = () => !st.saved || source.value !== st.saved.source || tests.value !== st.saved.tests;

export const ed = {
  name, source, tests, st,
  // jump shows file ("flow" or "tests") and puts the caret at line:column.
  jump(file, line, column) {
    fileTabs.select(file === 'tests' ? 'tab-tests' : 'tab-source');
    (file === 'tests' ? tests : source).goTo(line, column);
  },
  // saveIfDirty saves the draft when there are unsaved edits.
  async saveIfDirty() { if (st.dirty) await save(); },
  reload: () => load(),
};

function mark() {
  page.dataset.dirty = String(st.dirty);
  page.dataset.validating = String(st.validating);
  updatePublish();
}

// problems renders the list and the gutter markers.
function showProblems() {
  const all = [...st.sourceProblems, ...st.testsProblems];
  source.setProblems(st.sourceProblems.filter(p => p.file === flowFile));
  tests.setProblems(st.testsProblems.filter(p => p.file === testsFile));
  document.getElementById('problem-count').textContent = String(all.length);
  document.getElementById('no-problems').hidden = all.length > 0;
  document.getElementById('problems').replaceChildren(...all.map(p => {
    const where = p.file === flowFile ? '' : `${p.file} `;
    const file = p.file === testsFile ? 'tests' : 'flow';
    const own = p.file === flowFile || p.file === testsFile;
    return el('li', { 'data-file': p.file, 'data-line': String(p.line), 'data-column': String(p.column) },
      el('button', {
        type: 'button', class: 'problem', disabled: !own,
        onclick: () => ed.jump(file, p.line, p.column),
      }, el('span', { class: 'where' }, `${where}line ${p.line}, column ${p.column}`), ' ', el('span', { class: 'msg' }, p.message)));
  }));
  updatePublish();
}

async function validate() {
  const seq = ++st.validateSeq;
  st.validating = true;
  mark();
  try {
    const res = await api('POST', '/admin/api/flows/validate', { name, source: source.value });
    if (seq !== st.validateSeq) return;
    st.sourceProblems = res.problems || [];
  } catch (e) {
    if (seq !== st.validateSeq) return;
    toast(`Could not check the flow: ${e.message}`, true);
  }
  st.validating = false;
  showProblems();
  mark();
}

let timer = 0;
function edited(which) {
  st.dirty = changed();
  document.getElementById('save-state').textContent = st.dirty ? 'Unsaved changes' : st.savedNote;
  if (which === 'tests') {
    st.testsProblems = []; // checked again on save
    showProblems();
  }
  clearTimeout(timer);
  st.validating = which === 'flow' || st.validating;
  mark();
  if (which === 'flow') timer = setTimeout(validate, validateDelay);
}
source.ta.addEventListener('input', () => edited('flow'));
tests.ta.addEventListener('input', () => edited('tests'));

// updatePublish enables Publish only when there is something to publish,
// no problem and no failing test, and says why not.
function updatePublish() {
  const why = [];
  const n = st.sourceProblems.length + st.testsProblems.length;
  if (st.validating) why.push('Checking the flow…');
  else if (n > 0) why.push(`Fix the ${n} problem${n === 1 ? '' : 's'} first.`);
  if (st.testsRun && st.testsRun.failed > 0 && st.testsRun.text === text()) {
    why.push(`${st.testsRun.failed} test${st.testsRun.failed === 1 ? '' : 's'} fail.`);
  }
  const d = st.detail;
  if (d && !st.dirty && (!d.draft || (d.version && d.draft.source === d.source && d.draft.tests === d.tests))) {
    why.push(d.draft ? 'The draft is the same as the published version.' : 'There are no changes to publish.');
  }
  const btn = document.getElementById('publish');
  btn.disabled = why.length > 0 || st.busy;
  document.getElementById('publish-why').textContent = why.length ? `Publish is not available: ${why.join(' ')}` :
    'Publishing saves the draft, runs its tests again and makes it the version new conversations start with.';
  document.getElementById('discard').disabled = !(st.detail && st.detail.draft) || st.busy;
}

function showDetail(d) {
  st.detail = d;
  const v = document.getElementById('flow-version');
  v.textContent = d.version ? `Published v${d.version}` : 'Never published';
  page.dataset.version = String(d.version || 0);
  const b = document.getElementById('draft-state');
  if (d.draft) {
    b.textContent = `Draft by ${who(d.draft.author, d.names)}, ${when(d.draft.updated_at)}`;
    b.title = d.draft.author || ''; // the reference, on hover
    b.className = 'badge warn';
  } else {
    b.textContent = 'No draft';
    b.removeAttribute('title');
    b.className = 'badge';
  }
}

const newFlow = `name: ${name}
title:
  en: ${name.replace(/_/g, ' ')}
triggers:
  en: [${name.replace(/_/g, ' ')}]
start: hello
states:
  hello:
    say:
      en: "Hello from the new flow."
    end: resolved
`;
const newTests = `flow: ${name}
tests:
  - name: says hello
    steps:
      - expect: Hello from the new flow
    status: closed
`;

async function load() {
  let d;
  try {
    d = await api('GET', `/admin/api/flows/${encodeURIComponent(name)}`);
  } catch (e) {
    if (e.status !== 404) { toast(`The flow could not be loaded: ${e.message}`, true); return; }
    d = { name, version: 0, source: '', tests: '', draft: null };
  }
  showDetail(d);
  const fresh = !d.version && !d.draft;
  source.value = d.draft ? d.draft.source : (fresh ? newFlow : d.source);
  tests.value = d.draft ? d.draft.tests : (fresh ? newTests : d.tests);
  st.saved = fresh ? null : { source: source.value, tests: tests.value };
  st.savedNote = fresh ? 'A new flow: not saved yet' : '';
  st.dirty = fresh;
  st.testsProblems = d.draft ? (d.draft.problems || []).filter(p => p.file === testsFile) : [];
  document.getElementById('save-state').textContent = st.savedNote;
  await validate();
  ed.diagram?.load();
  ed.versions?.load();
  page.dataset.ready = 'true';
}

async function save() {
  if (!st.dirty) {
    document.getElementById('save-state').textContent = st.savedNote || 'Nothing to save: the text is what is saved.';
    return;
  }
  const sent = { source: source.value, tests: tests.value };
  const res = await api('PUT', `/admin/api/flows/${encodeURIComponent(name)}/draft`, sent);
  st.saved = sent;
  st.dirty = changed(); // still true if typed into while saving
  const problems = res.problems || [];
  st.testsProblems = problems.filter(p => p.file === testsFile);
  st.sourceProblems = problems.filter(p => p.file !== testsFile);
  showDetail({ ...(st.detail || { name, version: 0 }), draft: res, names: { ...(st.detail?.names || {}), ...(res.names || {}) } });
  showProblems();
  st.savedNote = `Draft saved ${new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
  document.getElementById('save-state').textContent = st.dirty ? 'Unsaved changes' : st.savedNote;
  mark();
  ed.diagram?.load();
  ed.versions?.load();
}

// busy runs a button's action once at a time.
async function busy(fn) {
  if (st.busy) return;
  st.busy = true;
  updatePublish();
  try {
    await fn();
  } catch (e) {
    toast(e.message, true);
  } finally {
    st.busy = false;
    updatePublish();
  }
}

function showTests(rep) {
  const summary = document.getElementById('tests-summary');
  const results = rep.results || [];
  st.testsRun = { failed: rep.failed || 0, text: text() };
  summary.dataset.state = rep.failed ? 'failed' : 'passed';
  summary.className = `tests-summary ${rep.failed ? 'bad' : 'good'}`;
  summary.textContent = rep.failed ? `✖ ${rep.failed} of ${results.length} tests failed.` : `✔ All ${results.length} tests passed.`;
  document.getElementById('test-results').replaceChildren(...results.map(r => el('li', { class: r.ok ? 'pass' : 'fail', 'data-test': r.name },
    el('span', { class: 'verdict' }, r.ok ? '✔ pass' : '✖ fail'),
    el('button', { type: 'button', class: 'link test-name', onclick: () => ed.jump('tests', r.line, 1) }, r.name),
    el('span', { class: 'muted small test-line' }, `line ${r.line}`),
    r.failures && r.failures.length ? el('ul', { class: 'failures' }, r.failures.map(f => el('li', {}, f))) : null)));
  updatePublish();
}

async function runTests() {
  await ed.saveIfDirty();
  toolTabs.select('tab-results');
  const summary = document.getElementById('tests-summary');
  summary.dataset.state = 'running';
  summary.className = 'tests-summary';
  summary.textContent = 'Running the tests…';
  document.getElementById('test-results').replaceChildren();
  try {
    showTests(await api('POST', `/admin/api/flows/${encodeURIComponent(name)}/test`));
  } catch (e) {
    summary.dataset.state = 'error';
    summary.className = 'tests-summary bad';
    summary.textContent = e.message;
    if (e.body.problems) { st.sourceProblems = e.body.problems; showProblems(); }
  }
}

async function publish() {
  await ed.saveIfDirty();
  if ((st.sourceProblems.length + st.testsProblems.length) > 0) {
    toast('Fix the problems before publishing.', true);
    return;
  }
  try {
    const res = await api('POST', `/admin/api/flows/${encodeURIComponent(name)}/publish`);
    if (res.tests) showTests(res.tests);
    toast(`Published version ${res.version}. New conversations use it; running ones finish on theirs.`);
    await load();
    st.savedNote = `Published v${res.version}`;
    document.getElementById('save-state').textContent = st.savedNote;
  } catch (e) {
    refused(e);
  }
}

// refused shows why a publish or rollback was refused.
function refused(e) {
  const b = e.body || {};
  if (b.problems && b.problems.length) {
    st.sourceProblems = b.problems.filter(p => p.file !== testsFile);
    st.testsProblems = b.problems.filter(p => p.file === testsFile);
    showProblems();
  }
  if (b.tests) { showTests(b.tests); toolTabs.select('tab-results'); }
  const text = e.status === 409 ? `Not published: ${e.message || 'nothing changed since the current version.'}` : `Not published: ${e.message}`;
  document.getElementById('publish-why').textContent = text;
  toast(text, true);
}
ed.refused = refused;

async function discard() {
  if (!await confirm('Discard the draft? Your unpublished changes to the flow and its tests are lost; the published version stays.', 'Discard')) return;
  await api('DELETE', `/admin/api/flows/${encodeURIComponent(name)}/draft`);
  toast('The draft was discarded.');
  st.testsRun = null;
  await load();
}

document.getElementById('save').addEventListener('click', () => busy(save));
document.getElementById('run-tests').addEventListener('click', () => busy(runTests));
document.getElementById('publish').addEventListener('click', () => busy(publish));
document.getElementById('discard').addEventListener('click', () => busy(discard));
document.addEventListener('keydown', e => {
  if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); busy(save); }
});
window.addEventListener('beforeunload', e => { if (st.dirty) e.preventDefault(); });
ed.busy = busy;
ed.showTests = showTests;

// Every module of the page has run before DOMContentLoaded: diagram.js,
// versions.js and sandbox.js have set up their panels (ed.diagram,
// ed.versions) by the time the page loads the flow.
document.addEventListener('DOMContentLoaded', load);
