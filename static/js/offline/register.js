// On every page: install the service worker (where the browser has one; everything works without it), keep the
// page for offline use if it is one of those worth keeping, and send the drafts waiting on this device when
// the page opens online or the connection comes back.
import { csrfToken, emit, readConfig } from '../events.js';
import { sendQueued } from './outbox.js';
import { CHANNEL, setMeta } from './store.js';

const session = readConfig('registry-session');

async function installWorker() {
  const hadController = Boolean(navigator.serviceWorker.controller);
  const registration = await navigator.serviceWorker.register(session.worker, { type: 'module', scope: '/' });
  // A page loaded before the worker controlled it was not seen by it: ask for a copy.
  if (!hadController && document.body.dataset.offlineKeep !== undefined) {
    await navigator.serviceWorker.ready;
    (registration.active || navigator.serviceWorker.controller)?.postMessage({ type: 'keep-page', url: window.location.pathname });
  }
  // Signed out: the signed-in pages kept for offline use are dropped.
  if (session.user === null) registration.active?.postMessage({ type: 'forget-pages' });
}

// Ask the worker to send the drafts when the connection returns, even if this page is closed by then.
export async function requestBackgroundSync() {
  const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : null;
  if (registration && registration.sync) await registration.sync.register('beco-drafts').catch(() => {});
}

export function sendWaitingDrafts() {
  if (session.user === null || session.user === undefined || !navigator.onLine) return Promise.resolve(0);
  return sendQueued({ user: session.user, csrf: csrfToken() }).catch(() => 0);
}

if ('serviceWorker' in navigator && session.worker) installWorker().catch(() => {});
if (typeof indexedDB !== 'undefined') {
  // The worker sends only the drafts of whoever the pages last saw signed in, with that session's CSRF token.
  setMeta('session', { user: session.user ?? null, csrf: csrfToken() }).catch(() => {});
  if (typeof BroadcastChannel === 'function') {
    new BroadcastChannel(CHANNEL).addEventListener('message', (event) => emit('drafts:changed', event.data));
  }
  window.addEventListener('online', () => { sendWaitingDrafts(); });
  sendWaitingDrafts();
}
