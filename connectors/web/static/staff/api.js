// Calls to the server's JSON API from the staff pages, with the session's
// CSRF token (<meta name="portico-csrf">). A lost session sends the
// browser to sign in, and back to this page after.

export const csrf = document.querySelector('meta[name="portico-csrf"]')?.content || '';

// ApiError is a failed API call: status, the server's error code and
// message, and the whole JSON body (fields, problems, tests …) when there
// is one.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `The server answered ${status}.`);
    this.status = status;
    this.code = body?.error || '';
    this.body = body || {};
  }
}

// signIn sends the browser to sign in; it comes back to this page after
// (the server checks the path).
export function signIn() {
  location.assign('/agent/signin?next=' + encodeURIComponent(location.pathname + location.search));
}

// api calls method path with an optional JSON body. It resolves to the
// parsed JSON (or the text, for as: 'text'; null for 204) and rejects
// with ApiError.
export async function api(method, path, body, as) {
  const init = { method, headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { message: 'The server cannot be reached. Check the connection and try again.' });
  }
  if (resp.status === 401) {
    signIn();
    throw new ApiError(401, { message: 'Your session ended. Please sign in again.' });
  }
  if (resp.status === 204) return null;
  const type = resp.headers.get('Content-Type') || '';
  if (as === 'text' && resp.ok) return resp.text();
  let data = null;
  if (type.includes('json')) data = await resp.json().catch(() => null);
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}
