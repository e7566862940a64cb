// The page a texted link opens (GET /sms/continue#<token>): it redeems the
// token, which only this script sees (a URL's fragment never reaches a
// server), and starts the widget on the conversation, at the question the
// link stands for. See docs/sms.md.
(function () {
  'use strict';
  var STORE_KEY = 'portico.v1'; // the widget's own state, this tab only
  var status = document.getElementById('sms-continue-status');
  var token = location.hash.replace(/^#/, '');
  // The token works once: keep it out of the history and the address bar.
  history.replaceState(null, '', location.pathname);
  if (!token) {
    status.textContent = 'This link is not complete. Please text us again to get a new one.';
    return;
  }
  fetch('/sms/continue', {
    method: 'POST', credentials: 'omit', cache: 'no-store',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: token })
  }).then(function (resp) {
    return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
  }).then(function (r) {
    if (!r.ok) {
      status.textContent = r.body.message || 'This link has expired. Please text us again.';
      return;
    }
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({
        resume: r.body.resume, lastSeq: 0, open: true, ended: false, lang: r.body.locale || ''
      }));
    } catch (e) {
      status.textContent = 'Your browser blocked this page from storing the chat. Please allow it and open the link again.';
      return;
    }
    status.textContent = 'The chat is open below. When you are done, you can go back to your text messages.';
    var s = document.createElement('script');
    s.src = '/widget.js';
    s.async = true;
    document.head.appendChild(s);
  }).catch(function () {
    status.textContent = 'We could not reach the server. Please try the link again.';
  });
}());
