// The flow editor: the flow's YAML and its tests with line numbers,
// problems as you type (the server's own validator, debounced), the
// diagram, Save draft, Run tests, Publish and Discard. The versions and
// sandbox panels are in versions.js and sandbox.js. The page mirrors its
// state in data-* attributes of #editor-page (ready, validating, dirty),
// which the browser tests wait on.
'use strict';

(() => {
  const A = window.PorticoAdmin;
  const { api, el, toast, when } = A;
  const page = document.getElementById('editor-page');
  const name = page.dataset.flow;
  const flowFile = `${name}.yaml`;
  const testsFile = `tests/${name}.yaml`;
  const validateDelay = 400; // ms after the last keystroke

  const source = new A.CodeEditor(document.getElementById('source'), document.querySelector('#code-source .gutter'));
  const tests = new A.CodeEditor(document.getElementById('tests'), document.querySelector('#code-tests .gutter'));
  const fileTabs = A.tabs(document.getElementById('file-tabs'));
  const toolTabs = A.tabs(document.getElementById('tool-tabs'));

  const st = {
    detail: null,          // GET /admin/api/flows/{name}
    sourceProblems: [],    // of the flow, from validate (this file and others)
    testsProblems: [],     // of the tests, from the last save
    validating: false,
    validateSeq: 0,
    dirty: false,
    edits: 0,              // bumped on every edit, to tell stale test results
    testsRun: null,        // {failed, edits}
    busy: false,
  };

  const ed = {
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
  A.editor = ed;

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
    st.dirty = true;
    st.edits++;
    document.getElementById('save-state').textContent = 'Unsaved changes';
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
    if (st.testsRun && st.testsRun.failed > 0 && st.testsRun.edits === st.edits) {
      why.push(`${st.testsRun.failed} test${st.testsRun.failed === 1 ? '' : 's'} fail.`);
    }
    if (st.detail && !st.detail.draft && !st.dirty) why.push('There are no changes to publish.');
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
      b.textContent = `Draft by ${A.who(d.draft.author)}, ${when(d.draft.updated_at)}`;
      b.title = d.draft.author || '';
      b.className = 'badge warn';
    } else {
      b.textContent = 'No draft';
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
    st.dirty = fresh;
    st.testsProblems = d.draft ? (d.draft.problems || []).filter(p => p.file === testsFile) : [];
    document.getElementById('save-state').textContent = fresh ? 'A new flow: not saved yet' : '';
    await validate();
    loadDiagram();
    A.versions?.load();
    page.dataset.ready = 'true';
  }

  async function save() {
    const res = await api('PUT', `/admin/api/flows/${encodeURIComponent(name)}/draft`, { source: source.value, tests: tests.value });
    st.dirty = false;
    const problems = res.problems || [];
    st.testsProblems = problems.filter(p => p.file === testsFile);
    st.sourceProblems = problems.filter(p => p.file !== testsFile);
    showDetail({ ...(st.detail || { name, version: 0 }), draft: res });
    showProblems();
    document.getElementById('save-state').textContent = `Draft saved ${new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
    mark();
    loadDiagram();
    A.versions?.load();
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
    st.testsRun = { failed: rep.failed || 0, edits: st.edits };
    summary.dataset.state = rep.failed ? 'failed' : 'passed';
    summary.className = `tests-summary ${rep.failed ? 'bad' : 'good'}`;
    summary.textContent = rep.failed ? `✖ ${rep.failed} of ${results.length} tests failed.` : `✔ All ${results.length} tests passed.`;
    document.getElementById('test-results').replaceChildren(...results.map(r => el('li', { class: r.ok ? 'pass' : 'fail', 'data-test': r.name },
      el('span', { class: 'verdict' }, r.ok ? '✔ pass' : '✖ fail'), ' ',
      el('button', { type: 'button', class: 'link', onclick: () => ed.jump('tests', r.line, 1) }, r.name),
      el('span', { class: 'muted small' }, ` line ${r.line}`),
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
      document.getElementById('save-state').textContent = `Published v${res.version}`;
      await load();
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
    if (!await A.confirm('Discard the draft? Your unpublished changes to the flow and its tests are lost; the published version stays.', 'Discard')) return;
    await api('DELETE', `/admin/api/flows/${encodeURIComponent(name)}/draft`);
    toast('The draft was discarded.');
    st.testsRun = null;
    await load();
  }

  // loadDiagram inlines the diagram of the saved draft (or the current
  // version), making each state a button that jumps to its line.
  async function loadDiagram() {
    const box = document.getElementById('diagram');
    const which = st.detail && st.detail.draft ? 'draft' : 'current';
    document.getElementById('diagram-note').textContent = which === 'draft' ? 'The diagram of the saved draft.' :
      (st.detail && st.detail.version ? `The diagram of version ${st.detail.version}.` : 'Save the draft to see its diagram.');
    if (which === 'current' && !(st.detail && st.detail.version)) { box.replaceChildren(); return; }
    try {
      const text = await api('GET', `/admin/api/flows/${encodeURIComponent(name)}/diagram.svg?version=${which}`, undefined, 'text');
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      if (doc.documentElement.nodeName !== 'svg') throw new Error('The diagram could not be read.');
      // Import first: listeners are not copied with a node.
      const svg = document.importNode(doc.documentElement, true);
      svg.querySelectorAll('script, foreignObject').forEach(n => n.remove());
      svg.querySelectorAll('*').forEach(n => [...n.attributes].forEach(a => { if (/^on/i.test(a.name)) n.removeAttribute(a.name); }));
      svg.removeAttribute('height');
      svg.setAttribute('width', '100%');
      svg.setAttribute('role', 'group');
      svg.setAttribute('aria-label', `Diagram of ${name}`);
      for (const g of svg.querySelectorAll('g[data-state]')) {
        g.setAttribute('tabindex', '0');
        g.setAttribute('role', 'button');
        g.setAttribute('aria-label', `State ${g.dataset.state}, line ${g.dataset.line}: go to it`);
        g.querySelector('title')?.remove(); // the aria-label says it; a tooltip would cover the node
        const go = () => jumpToState(g.dataset.state, Number(g.dataset.line));
        g.addEventListener('click', go);
        // Jump on keyup: on keydown the key's character would land in the editor.
        g.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') e.preventDefault(); });
        g.addEventListener('keyup', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
      }
      box.replaceChildren(svg);
      box.dataset.version = which;
    } catch (e) {
      box.replaceChildren(el('p', { class: 'muted' }, e.message));
    }
  }

  // jumpToState goes to the state's line: the diagram's, unless the text
  // moved since it was drawn, then where "  state:" is now.
  function jumpToState(state, line) {
    const lines = source.value.split('\n');
    const re = new RegExp(`^\\s+${state}:\\s*(#.*)?$`);
    if (!(line >= 1 && re.test(lines[line - 1] || ''))) {
      const i = lines.findIndex(l => re.test(l));
      if (i >= 0) line = i + 1;
    }
    const col = (lines[line - 1] || '').search(/\S/) + 1;
    ed.jump('flow', line, Math.max(1, col));
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

  // Scripts run in order: versions.js and sandbox.js have set up their
  // panels by the time the page loads the flow.
  document.addEventListener('DOMContentLoaded', load);
})();
