// The reports kept on this device, each with its state: waiting for a connection, sending, sites nearby to
// check, to be corrected (the server's errors), or sent (with the site's number and link). Rendered into any
// section holding a `[data-drafts-list]` list: the report page, and the "my reports" page. Follows
// `drafts:changed`.
import { csrfToken, debounce, format, on } from '../events.js';
import { sendDraft } from '../offline/outbox.js';
import { deleteDraft, listDrafts, updateDraft } from '../offline/store.js';
import { nearbyItem } from './duplicates.js';
import { siteLink } from './receipt.js';

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, action) {
  const node = element('button', `btn btn-sm ${className}`, label);
  node.type = 'button';
  node.addEventListener('click', action);
  return node;
}

function link(label, href, className = 'btn btn-sm btn-outline-primary') {
  const node = element('a', className, label);
  node.href = href;
  return node;
}

function when(timestamp) {
  return new Intl.DateTimeFormat(document.documentElement.lang || 'it', { dateStyle: 'medium', timeStyle: 'short' }).format(timestamp);
}

function details(draft, messages) {
  const parts = [];
  if (draft.status === 'fix') {
    const list = element('ul', 'registry-draft-errors');
    for (const error of draft.errors) {
      const label = messages.fields[(error.field || '').split('.')[0]];
      list.append(element('li', '', label ? `${label}: ${error.message}` : error.message));
    }
    parts.push(list);
  }
  if (draft.status === 'duplicates') {
    parts.push(element('p', 'small mb-1', messages.duplicatesQueued));
    const list = element('ul', 'mb-1');
    list.append(...draft.nearby.map((site) => nearbyItem(site, messages)));
    parts.push(list);
  }
  if (['waiting', 'sending'].includes(draft.status) && draft.problem) {
    parts.push(element('p', 'small mb-1', messages.problems[draft.problem] || ''));
  }
  if (draft.status === 'sent') parts.push(element('p', 'small mb-1', format(messages.sentNumber, { id: draft.siteId })));
  return parts;
}

function actions(draft, { messages, reportUrl }) {
  const open = `${reportUrl}?bozza=${encodeURIComponent(draft.id)}`;
  const send = (force) => async () => {
    if (force) await updateDraft(draft.id, { duplicatesChecked: true, status: 'waiting' });
    await sendDraft(draft.id, { csrf: csrfToken(), force });
  };
  const remove = async () => { if (window.confirm(messages.confirmDelete)) await deleteDraft(draft.id); };
  const editable = !draft.attempted && (draft.siteId === null || draft.siteId === undefined);
  const items = [];
  if (draft.status === 'sent') {
    items.push(link(messages.openSite, siteLink(draft), 'btn btn-sm btn-primary'), button(messages.dismiss, 'btn-outline-secondary', remove));
    return items;
  }
  if (draft.status === 'fix') items.push(link(messages.openToFix, open, 'btn btn-sm btn-primary'));
  if (draft.status === 'duplicates') items.push(button(messages.sendAnyway, 'btn-primary', send(true)));
  if (['waiting', 'sending'].includes(draft.status)) {
    const now = button(messages.sendNow, 'btn-primary', send(false));
    now.disabled = !navigator.onLine || draft.status === 'sending';
    items.push(now);
  }
  if (editable && draft.status !== 'fix') items.push(link(messages.openDraft, open));
  items.push(button(messages.deleteDraft, 'btn-outline-danger', remove));
  return items;
}

function draftItem(draft, options) {
  const { messages } = options;
  const item = element('li', `registry-draft registry-draft-${draft.status}`);
  item.dataset.draftId = draft.id;
  item.dataset.state = draft.status;
  const head = element('p', 'registry-draft-head mb-1');
  head.append(element('strong', 'registry-draft-title', draft.body.title || messages.untitled), ' ',
    element('span', `registry-draft-state registry-draft-state-${draft.status}`, messages.states[draft.status]));
  const photos = draft.photos.length ? ` · ${format(messages.photosCount, { n: draft.photos.length })}` : '';
  const meta = element('p', 'small mb-1', `${format(messages.preparedOn, { date: when(draft.createdAt) })}${photos}`);
  const row = element('div', 'registry-draft-actions');
  row.append(...actions(draft, options));
  item.append(head, meta, ...details(draft, messages), row);
  return item;
}

export function initDraftList(section, { user, messages, reportUrl }) {
  let list = section.querySelector('[data-drafts-list]');
  if (!list) {
    list = element('ul', 'registry-draft-list list-unstyled');
    list.dataset.draftsList = '';
    section.append(list);
  }
  // A container of its own page (data-offline-drafts) says when it is empty; the report page's hides instead.
  const always = section.hasAttribute('data-offline-drafts');
  const render = async () => {
    const drafts = await listDrafts(user).catch(() => []);
    section.hidden = drafts.length === 0 && !always;
    const empty = drafts.length === 0 && always ? [element('li', 'small', messages.noDrafts)] : [];
    list.replaceChildren(...empty, ...drafts.map((draft) => draftItem(draft, { messages, reportUrl })));
    section.dataset.draftsRendered = String(drafts.length);
  };
  on('drafts:changed', debounce(render, 50));
  window.addEventListener('online', render);
  window.addEventListener('offline', render);
  return render();
}
