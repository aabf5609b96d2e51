// The last step: a receipt with the report's number and a link to its page once the server has it, or the note
// that it is kept on this device and will be sent when the connection returns (it turns into the receipt if
// that happens while the page is open). Listens to `report:sent` and `report:queued` ({ draft }).
import { format, on } from '../events.js';
import { getDraft } from '../offline/store.js';

function fact(term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  return [dt, dd];
}

function when(timestamp) {
  return new Intl.DateTimeFormat(document.documentElement.lang || 'it', { dateStyle: 'long', timeStyle: 'short' }).format(timestamp);
}

export function siteLink(draft) {
  const failed = draft.photos.filter((photo) => photo.error).length;
  return draft.siteUrl + (failed ? `?photo_error=${failed}` : '');
}

export function initReceipt(messages) {
  const receipt = document.getElementById('report-receipt');
  const title = document.getElementById('receipt-title');
  const text = document.getElementById('receipt-text');
  const facts = document.getElementById('receipt-facts');
  const link = document.getElementById('receipt-link');
  let waitingFor = null;

  const open = (draft) => {
    const sent = draft.status === 'sent';
    waitingFor = sent ? null : draft.id;
    for (const id of ['report-form', 'report-errors', 'offline-note']) document.getElementById(id).hidden = true;
    document.querySelector('.registry-steppers').hidden = true;
    title.textContent = sent ? messages.sentTitle : messages.queuedTitle;
    text.textContent = sent ? messages.sentText : messages.queuedText;
    const problems = draft.photos.filter((photo) => photo.error);
    if (sent && problems.length) text.textContent += ` ${format(messages.photoFailed, { message: problems[0].error })}`;
    facts.replaceChildren(...(sent
      ? [...fact(messages.number, String(draft.siteId)), ...fact(messages.sentOn, when(draft.sentAt))]
      : fact(messages.keptOn, when(draft.updatedAt))));
    link.hidden = !sent;
    if (sent) link.href = siteLink(draft);
    receipt.hidden = false;
    title.focus();
  };
  on('report:sent', ({ draft }) => open(draft));
  on('report:queued', ({ draft }) => open(draft));
  // Sent meanwhile: the receipt; refused, or held back by nearby sites: the list above says what to do.
  on('drafts:changed', async ({ id }) => {
    if (id !== waitingFor) return;
    const draft = await getDraft(id);
    if (draft && draft.status === 'sent') open(draft);
    if (draft && ['fix', 'duplicates'].includes(draft.status)) {
      title.textContent = messages.attentionTitle;
      text.textContent = messages.attentionText;
    }
  });
}
