// Sending the report: checks what the browser can check, keeps the report as a draft on this device (with its
// photos made smaller), then sends it through the outbox (site, then photos, each with its Idempotency-Key).
// Without a connection the draft waits and goes out when the connection returns. Problems go out as
// `report:errors` ({ errors, source: 'form', 'server' or 'connection' }); the form is never reset.
import { csrfToken, emit, on } from '../events.js';
import { sendDraft } from '../offline/outbox.js';
import { requestBackgroundSync } from '../offline/register.js';
import { getDraft, saveDraft } from '../offline/store.js';
import { draftFromForm } from './draft.js';

const PROBLEMS = { network: 'network', server: 'serverError', signin: 'signIn' };

function announce(draft, messages) {
  if (draft.status === 'sent') emit('report:sent', { draft });
  else if (draft.status === 'fix') emit('report:errors', { errors: draft.errors, source: 'server' });
  else if (draft.status === 'duplicates') {
    emit('report:nearby', { nearby: draft.nearby });
    emit('report:errors', { errors: [{ field: 'not_duplicate', code: 'possible_duplicate', message: messages.confirmNotDuplicate }], source: 'server' });
  } else {
    const message = messages[PROBLEMS[draft.problem] || 'serverError'];
    emit('report:errors', { errors: [{ field: null, code: draft.problem, message }], source: draft.problem === 'network' ? 'connection' : 'server' });
    if (draft.problem === 'network') requestBackgroundSync();
  }
}

export function initSubmit(form, placement, config, messages, checks) {
  const progress = document.getElementById('report-progress');
  const button = document.getElementById('report-submit');
  let current = null; // the draft on the form: opened from the list, or kept by an attempt that failed
  on('report:draft-opened', ({ draft }) => { current = draft; });

  const submit = async () => {
    // The site already exists (its photos were still on their way): only the rest is sent.
    if (current && current.siteId !== null && current.siteId !== undefined) {
      current = await sendDraft(current.id, { csrf: csrfToken() });
      announce(current, messages);
      return;
    }
    const draft = await saveDraft(await draftFromForm(form, placement, {
      previous: current, user: config.user, config, duplicatesChecked: checks.duplicatesChecked(),
    }));
    current = draft;
    if (!navigator.onLine) {
      emit('report:queued', { draft });
      requestBackgroundSync();
      return;
    }
    emit('report:sending');
    current = await sendDraft(draft.id, { csrf: csrfToken() });
    announce(current, messages);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (current) current = (await getDraft(current.id)) || null; // the worker may have sent it meanwhile
    if (current && current.status === 'sent') { emit('report:sent', { draft: current }); return; }
    const problems = checks.all();
    if (problems.length) { emit('report:errors', { errors: problems, source: 'form' }); return; }
    button.disabled = true;
    progress.textContent = messages.saving;
    try {
      await submit();
    } finally {
      button.disabled = false;
      progress.textContent = '';
    }
  });
}
