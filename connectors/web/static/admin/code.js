// A code editor without a library: a textarea with a gutter of line
// numbers kept in step with its scrolling, problem markers in the gutter,
// two-space indentation with Tab (Esc, then Tab, leaves), and goTo(line,
// column). An ES module.

const indent = '  ';

export class CodeEditor {
  constructor(textarea, gutter) {
    this.ta = textarea;
    this.gutter = gutter;
    this.lines = 0;
    this.problems = new Map(); // line → messages
    this.escaped = false;      // Esc was pressed: the next Tab leaves
    this.ta.addEventListener('scroll', () => this.syncScroll());
    this.ta.addEventListener('input', () => this.renderGutter());
    this.ta.addEventListener('keydown', e => this.onKey(e));
  }

  get value() { return this.ta.value; }

  set value(v) {
    this.ta.value = v;
    this.renderGutter();
    this.ta.scrollTop = 0;
    this.syncScroll();
  }

  syncScroll() { this.gutter.scrollTop = this.ta.scrollTop; }

  // renderGutter draws one number per line, marking lines with problems.
  renderGutter() {
    const n = this.ta.value.split('\n').length;
    if (n !== this.lines) {
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= n; i++) {
        const d = document.createElement('div');
        d.className = 'ln';
        d.dataset.line = String(i);
        d.textContent = String(i);
        frag.append(d);
      }
      this.gutter.replaceChildren(frag);
      this.lines = n;
    }
    for (const d of this.gutter.querySelectorAll('.ln.problem')) {
      d.classList.remove('problem');
      d.removeAttribute('title');
      d.textContent = d.dataset.line;
    }
    for (const [line, msgs] of this.problems) {
      const d = this.gutter.children[line - 1];
      if (!d) continue;
      d.classList.add('problem');
      d.title = msgs.join('\n');
      d.textContent = `✖ ${line}`;
    }
    this.syncScroll();
  }

  // setProblems marks problems ({line, message}) in the gutter.
  setProblems(list) {
    this.problems = new Map();
    for (const p of list) {
      const line = Math.max(1, p.line || 1);
      if (!this.problems.has(line)) this.problems.set(line, []);
      this.problems.get(line).push(p.message);
    }
    this.renderGutter();
  }

  // offsetOf is the text offset of line:column (both from 1).
  offsetOf(line, column) {
    const v = this.ta.value;
    let off = 0;
    for (let l = 1; l < line; l++) {
      const nl = v.indexOf('\n', off);
      if (nl < 0) return v.length;
      off = nl + 1;
    }
    const end = v.indexOf('\n', off);
    const lineLen = (end < 0 ? v.length : end) - off;
    return off + Math.min(Math.max(0, (column || 1) - 1), lineLen);
  }

  // lineOf is the 1-based line of the caret.
  caretLine() {
    return this.ta.value.slice(0, this.ta.selectionStart).split('\n').length;
  }

  // goTo puts the caret at line:column, scrolls it into view (a third
  // from the top) and focuses the editor.
  goTo(line, column) {
    const off = this.offsetOf(line, column);
    this.ta.focus();
    this.ta.setSelectionRange(off, off);
    const lh = parseFloat(getComputedStyle(this.ta).lineHeight) || 20;
    this.ta.scrollTop = Math.max(0, (line - 1) * lh - this.ta.clientHeight / 3);
    this.syncScroll();
  }

  // insert types text at the caret, keeping the browser's undo history.
  insert(text) {
    const ok = text === '' ? document.execCommand('delete') : document.execCommand('insertText', false, text);
    if (!ok) {
      this.ta.setRangeText(text, this.ta.selectionStart, this.ta.selectionEnd, 'end');
      this.ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  onKey(e) {
    if (e.key === 'Escape') { this.escaped = true; return; }
    if (e.key !== 'Tab' || e.ctrlKey || e.altKey || e.metaKey) { this.escaped = false; return; }
    if (this.escaped) { this.escaped = false; return; } // let Tab move focus
    e.preventDefault();
    const v = this.ta.value;
    const start = this.ta.selectionStart;
    const lineStart = v.lastIndexOf('\n', start - 1) + 1;
    if (e.shiftKey) {
      if (v.startsWith(indent, lineStart)) {
        this.ta.setSelectionRange(lineStart, lineStart + indent.length);
        this.insert('');
        this.ta.setSelectionRange(Math.max(lineStart, start - indent.length), Math.max(lineStart, start - indent.length));
      }
      return;
    }
    this.insert(indent);
  }
}

