// The console's state, shared by its modules: who is signed in, the
// socket, the queue, the open chats and what the agent is doing.
export const state = {
  me: null,
  ws: null,
  retry: 0,
  queue: [],          // items with a local receivedAt, for the ticking wait
  queueAt: 0,
  seenQueue: new Set(),
  chats: new Map(),   // conversation id -> chat
  order: [],          // tab order
  active: '',
  canned: [],
  muted: localStorage.getItem('portico.muted') === '1',
  available: localStorage.getItem('portico.available') === '1',
  lastInput: 0,
  lastActiveSent: 0,
  typingOn: false,
  typingTimer: 0,
  searchPage: 1,
  said: 0,
  moves: new Map(),   // conversation id -> the last claim or transfer sent, to offer "Take it anyway"
};
