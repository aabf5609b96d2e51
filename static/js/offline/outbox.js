// Sending the drafts: the site first, then each photo, every request with its own Idempotency-Key, so that a
// request repeated after a lost answer gets the first answer back instead of creating a second site or photo.
// Runs in the pages and in the service worker (Background Sync), one sender at a time (Web Locks).
import { getDraft, getMeta, listDrafts, updateDraft } from './store.js';

const LOCK = 'beco-outbox';
let localLock = Promise.resolve();

// Web Locks are shared by every page and the worker of the site; without them, one queue per page.
function exclusively(work) {
  if (globalThis.navigator?.locks) return navigator.locks.request(LOCK, work);
  const run = localLock.then(work, work);
  localLock = run.catch(() => {});
  return run;
}

export function newKey() {
  return crypto.randomUUID();
}

// The same bytes on every attempt (a fixed boundary, not FormData's random one): a repeated photo upload is the
// same request, which the server recognises by its key and body.
function multipart(fields, boundary) {
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === '') continue;
    const isFile = value instanceof Blob;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${isFile ? `; filename="${value.name || 'photo.jpg'}"` : ''}\r\n`
      + (isFile ? `Content-Type: ${value.type || 'application/octet-stream'}\r\n` : '') + '\r\n';
    parts.push(head, isFile ? value : String(value), '\r\n');
  }
  parts.push(`--${boundary}--\r\n`);
  return new Blob(parts);
}

async function post(url, { body, contentType, key, csrf }) {
  const headers = { Accept: 'application/json', 'X-CSRFToken': csrf, 'Idempotency-Key': key };
  if (contentType) headers['Content-Type'] = contentType;
  // fetch() rejects only when the connection fails; any answer, even an error page, resolves.
  const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers, body });
  const data = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, data };
}

// A refusal: the server answered with its own errors for the fields and created nothing. 401/403/429, 409 (the
// same key still being processed: Retry-After) and 5xx
// are not the report's fault: it waits and is sent again later.
function refusal(result) {
  const transient = [401, 403, 408, 409, 429].includes(result.status) || result.status >= 500;
  return !transient && result.status >= 400 && Array.isArray(result.data?.errors) ? result.data.errors : null;
}

export function draftCentre(body) {
  if (body.location) return body.location.coordinates;
  const ring = body.outline.type === 'Polygon' ? body.outline.coordinates[0] : body.outline.coordinates[0][0];
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

function metres([lng1, lat1], [lng2, lat2]) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2;
  return Math.round(6371008.8 * 2 * Math.asin(Math.sqrt(a)));
}

// Sites already in the registry near the draft (checked once back online, before sending it).
async function nearbySites(draft) {
  const [lng, lat] = draftCentre(draft.body);
  const url = `${draft.urls.sites}?near=${lng},${lat}&radius=${draft.radius}&limit=5`;
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/geo+json, application/json' } });
  if (!response.ok) return [];
  const data = await response.json();
  return (data.features || []).map((feature) => {
    const point = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [lng, lat];
    const id = feature.id ?? feature.properties.id;
    return { id, title: feature.properties.title || '', lng: point[0], lat: point[1], distance: metres([lng, lat], point),
      url: draft.urls.site.replace('{id}', id) };
  }).sort((a, b) => a.distance - b.distance);
}

async function sendSite(draft, csrf) {
  await updateDraft(draft.id, { status: 'sending', attempted: true, problem: null });
  const result = await post(draft.urls.sites, { body: JSON.stringify(draft.body), contentType: 'application/json', key: draft.key, csrf });
  const id = result.data?.id ?? result.data?.properties?.id;
  if (result.ok && id !== undefined) {
    return updateDraft(draft.id, { siteId: id, siteUrl: draft.urls.site.replace('{id}', id) });
  }
  const errors = refusal(result);
  // Refused: nothing was created, so the corrected report goes out under a new key.
  if (errors) return updateDraft(draft.id, { status: 'fix', errors, attempted: false, key: newKey() });
  return updateDraft(draft.id, { status: 'waiting', problem: result.status >= 500 || !result.data ? 'server' : 'signin' });
}

async function sendPhotos(draft, csrf) {
  for (const [index, photo] of draft.photos.entries()) {
    if (photo.done) continue;
    const body = multipart({ image: photo.blob, caption: draft.caption }, `beco-${photo.key}`);
    const result = await post(draft.urls.photos.replace('{id}', draft.siteId), {
      body, contentType: `multipart/form-data; boundary=beco-${photo.key}`, key: photo.key, csrf,
    });
    const errors = refusal(result);
    if (!result.ok && !errors) {
      return updateDraft(draft.id, { status: 'waiting', problem: result.status >= 500 || !result.data ? 'server' : 'signin' });
    }
    // Uploaded, or refused for good (a photo never stops the report): its bytes are no longer needed.
    draft = await updateDraft(draft.id, (current) => ({
      photos: current.photos.map((item, i) => (i === index
        ? { ...item, done: true, blob: null, error: errors ? errors[0].message : null } : item)),
    }));
  }
  return updateDraft(draft.id, { status: 'sent', sentAt: Date.now(), problem: null });
}

async function sendOne(id, { csrf, force = false }) {
  let draft = await getDraft(id);
  if (!draft || draft.status === 'sent' || draft.status === 'fix') return draft;
  if (draft.status === 'duplicates' && !force) return draft;
  try {
    if (draft.siteId === undefined || draft.siteId === null) {
      // A draft that may already have reached the server is never held back: its site would be its own duplicate.
      if (!draft.duplicatesChecked && !draft.attempted && !force) {
        const nearby = await nearbySites(draft);
        draft = await updateDraft(id, nearby.length ? { status: 'duplicates', nearby } : { duplicatesChecked: true, nearby: [] });
        if (nearby.length) return draft;
      }
      draft = await sendSite(draft, csrf);
      if (draft.siteId === undefined || draft.siteId === null) return draft;
    }
    return await sendPhotos(draft, csrf);
  } catch (error) {
    // No connection (fetch rejected): the draft waits for the next chance, under the same keys.
    return updateDraft(id, { status: 'waiting', problem: 'network' });
  }
}

// Send one draft now (the report form, or "send anyway" past the nearby sites).
export function sendDraft(id, { csrf, force = false }) {
  return exclusively(() => sendOne(id, { csrf, force }));
}

// Send every draft of `user` that is waiting (or was interrupted while sending).
export function sendQueued({ user, csrf }) {
  return exclusively(async () => {
    const drafts = (await listDrafts(user)).filter((draft) => ['waiting', 'sending'].includes(draft.status));
    for (const draft of drafts.reverse()) {
      const result = await sendOne(draft.id, { csrf });
      if (result?.problem === 'network') break; // still offline: the others would fail the same way
    }
    return drafts.length;
  });
}

// The user and CSRF token the pages last saw: the worker sends only the drafts of whoever is signed in.
export async function workerSession() {
  const session = (await getMeta('session')) || {};
  let csrf = session.csrf || '';
  if (globalThis.cookieStore) {
    const cookie = await cookieStore.get('csrftoken').catch(() => null);
    if (cookie) csrf = cookie.value;
  }
  return { user: session.user ?? null, csrf };
}
