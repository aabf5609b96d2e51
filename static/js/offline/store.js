// The drafts kept on this device (IndexedDB), shared by the pages and the service worker: a report with its
// photos waits here until the server has it. Every change is announced on the `beco-drafts` BroadcastChannel
// ({ id }), so every open page and the worker see it.

const DB_NAME = 'beco-registry';
const DB_VERSION = 1;
export const CHANNEL = 'beco-drafts';
// waiting: to send when the connection allows; sending: on its way; duplicates: sites nearby, the reporter
// chooses; fix: the server refused it (its errors are on the draft); sent: the site exists (siteId, siteUrl).
export const STATES = ['waiting', 'sending', 'duplicates', 'fix', 'sent'];

let opening = null;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('drafts', { keyPath: 'id' });
      request.result.createObjectStore('meta');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function database() {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  opening ??= openDatabase().catch(() => { opening = null; return null; });
  return opening;
}

// Where IndexedDB is missing or refused (some private windows), drafts live in this page only: a report is
// still sent at once, it just cannot wait for a connection beyond the page's life.
const memory = { drafts: new Map(), meta: new Map() };

function memoryStore(name, pending) {
  const data = memory[name];
  const copy = (value) => (value === undefined ? undefined : structuredClone(value));
  const request = (compute) => {
    const result = { result: undefined, onsuccess: null };
    pending.push(() => { result.result = compute(); if (result.onsuccess) result.onsuccess(); });
    return result;
  };
  return {
    getAll: () => request(() => [...data.values()].map(copy)),
    get: (key) => request(() => copy(data.get(key))),
    put: (value, key) => request(() => { data.set(key ?? value.id, copy(value)); }),
    delete: (key) => request(() => { data.delete(key); }),
  };
}

function memoryTransact(name, work) {
  const pending = [];
  let last = null;
  work(memoryStore(name, pending), (request) => { last = request; return request; });
  while (pending.length) pending.shift()();
  return Promise.resolve(last ? last.result : undefined);
}

// One transaction: `work(store)` queues requests; resolves with the last request's result once committed.
async function transact(name, mode, work) {
  const db = await database();
  if (db === null) return memoryTransact(name, work);
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(name, mode);
    let last = null;
    const track = (request) => { last = request; return request; };
    work(transaction.objectStore(name), track);
    transaction.oncomplete = () => resolve(last ? last.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

function announce(id) {
  if (channel) channel.postMessage({ id });
}

export function listDrafts(user) {
  return transact('drafts', 'readonly', (store, track) => track(store.getAll()))
    .then((drafts) => drafts.filter((draft) => draft.user === user).sort((a, b) => b.createdAt - a.createdAt));
}

export function getDraft(id) {
  return transact('drafts', 'readonly', (store, track) => track(store.get(id)));
}

export async function saveDraft(draft) {
  const saved = { ...draft, updatedAt: Date.now() };
  await transact('drafts', 'readwrite', (store) => store.put(saved));
  announce(saved.id);
  return saved;
}

// Read, change and write in one transaction, so the page and the worker never overwrite each other's changes.
export async function updateDraft(id, changes) {
  let updated = null;
  await transact('drafts', 'readwrite', (store) => {
    const request = store.get(id);
    request.onsuccess = () => {
      if (!request.result) return;
      const patch = typeof changes === 'function' ? changes(request.result) : changes;
      updated = { ...request.result, ...patch, updatedAt: Date.now() };
      store.put(updated);
    };
  });
  if (updated) announce(id);
  return updated;
}

export async function deleteDraft(id) {
  await transact('drafts', 'readwrite', (store) => store.delete(id));
  announce(id);
}

export function getMeta(key) {
  return transact('meta', 'readonly', (store, track) => track(store.get(key)));
}

export function setMeta(key, value) {
  return transact('meta', 'readwrite', (store) => store.put(value, key));
}
