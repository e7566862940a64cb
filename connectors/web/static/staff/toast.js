// The toast: a short message in the page's live region (#toast, with
// #toast-text and a #toast-action button), shared by the staff pages.

const shownMs = 6000;        // a plain message
const withActionMs = 15000;  // one with something to do about it

let timer = 0;

// toast shows text; bad marks a failure. With action ({label, run}) it
// offers a button and stays longer.
export function toast(text, bad, action) {
  const box = document.getElementById('toast');
  if (!box) return;
  document.getElementById('toast-text').textContent = text;
  box.classList.toggle('bad', !!bad);
  const b = document.getElementById('toast-action');
  b.hidden = !action;
  b.textContent = action ? action.label : '';
  b.onclick = action ? () => { box.hidden = true; action.run(); } : null;
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { box.hidden = true; }, action ? withActionMs : shownMs);
}
