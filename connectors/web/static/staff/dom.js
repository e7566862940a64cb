// DOM helpers shared by the staff pages (the agent console and the admin
// pages). An ES module: no library, no build step.

// $ is the element with that id.
export const $ = id => document.getElementById(id);

// el makes an element with attributes and children: strings become text
// (never HTML), "class" sets the class, "text" the text, on… a listener,
// true an empty attribute; false, null and undefined are left out.
export function el(tag, attrs, ...children) {
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
