// How the console words times and the server's codes for people.

// ago says how long ago, in words: "under a minute ago", "4 min ago".
export function ago(s) {
  const m = Math.floor(s / 60);
  if (m < 1) return 'under a minute ago';
  if (m < 60) return m + ' min ago';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min ago';
}

export function clock(s) {
  const m = Math.floor(s / 60);
  return m + ':' + String(s % 60).padStart(2, '0');
}

export function time(at) {
  const d = new Date(at);
  return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function when(at) {
  const d = new Date(at);
  return isNaN(d) ? '' : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

export function reasonText(r) {
  if (!r) return '';
  const [main, why] = r.split(':');
  const text = ({
    patient_request: 'The patient asked for a person', requested: 'The patient asked for a person',
    unrecognized: 'The bot did not understand the patient', no_match: 'No record matched the details',
    locked: 'Verification is locked', account_disabled: 'The account is disabled',
    retries_exhausted: 'Too many wrong answers', still_waiting: 'Waited, then left a message',
    error: 'Something failed on our side',
  })[main] || main;
  return why ? text + ' (' + why + ')' : text;
}

export function howText(h) {
  return ({ otp_email: 'one-time code by email', otp_sms: 'one-time code by SMS', activation_code: 'activation code' })[h] || h || '';
}

// channelText says where the patient is: "Web", or "SMS" and their number
// masked to its last 4 digits.
export function channelText(v) {
  return v.channel === 'sms' ? 'SMS ' + (v.from || '') : 'Web';
}
