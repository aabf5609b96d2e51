// Sending the report: checks what the browser can check, posts the report to the API as JSON, uploads the
// photos, then opens the new site's page. Problems go out as `report:errors` ({ errors, source: 'form',
// 'server' or 'connection' }); the form is never reset.
import { csrfToken, emit, format, on } from '../events.js';

const FORM_FIELDS = ['title', 'kind', 'description', 'ownership', 'condition', 'dormant_since', 'floor_area_m2',
  'address'];

function formBody(form, placement) {
  const body = {};
  for (const name of FORM_FIELDS) {
    const value = form.elements[name].value.trim();
    if (value === '') continue;
    body[name] = ['dormant_since', 'floor_area_m2'].includes(name) && /^\d+$/.test(value) ? Number(value) : value;
  }
  return { ...body, ...placement.geojson() };
}

function localErrors(form, placement, duplicates, messages) {
  const errors = [];
  if (!form.elements.title.value.trim()) errors.push({ field: 'title', code: 'required', message: messages.required });
  if (!form.elements.kind.value) errors.push({ field: 'kind', code: 'required', message: messages.required });
  if (placement.isEmpty()) errors.push({ field: 'location', code: 'required', message: messages.placeRequired });
  if (duplicates > 0 && !document.getElementById('not-duplicate').checked) {
    errors.push({ field: 'not_duplicate', code: 'possible_duplicate', message: messages.confirmNotDuplicate });
  }
  return errors;
}

// fetch() rejects only when the connection fails; any answer, even an error page, resolves.
async function postJSON(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, data };
}

// A refusal (4xx) comes with the server's own errors for the fields; a failure (5xx, or an answer that is
// not the API's JSON, such as a proxy's error page) only says the server had a problem.
function answerErrors(result, messages) {
  const failed = result.status >= 500 || !result.data || !Array.isArray(result.data.errors);
  return failed ? [{ field: null, code: 'server_error', message: messages.serverError }] : result.data.errors;
}

// Photo problems never stop the report: the site is saved, and its page says how many photos are missing.
async function uploadPhotos(url, files, caption, { progress, messages }) {
  const problems = [];
  for (const [index, file] of files.entries()) {
    progress.textContent = format(messages.uploading, { i: index + 1, n: files.length });
    const body = new FormData();
    body.append('image', file);
    if (caption) body.append('caption', caption);
    try {
      const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' }, body });
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        problems.push(format(messages.photoFailed, { message: data.errors?.[0]?.message || response.statusText }));
      }
    } catch (error) {
      problems.push(format(messages.photoFailed, { message: messages.network }));
    }
  }
  return problems;
}

// Whatever fails, the form is left as it is, so the report can be sent again as typed.
async function send(form, placement, config, { progress, messages }) {
  let result;
  try {
    result = await postJSON(config.sitesUrl, formBody(form, placement));
  } catch (error) {
    emit('report:errors', { errors: [{ field: null, code: 'network', message: messages.network }], source: 'connection' });
    return;
  }
  const id = result.data?.id ?? result.data?.properties?.id;
  if (!result.ok || id === undefined) {
    emit('report:errors', { errors: answerErrors(result, messages), source: 'server' });
    return;
  }
  const files = [...form.elements.photos.files];
  const photoProblems = await uploadPhotos(config.photosUrl.replace('{id}', id), files, form.elements.caption.value.trim(), { progress, messages });
  progress.textContent = messages.saved;
  const target = config.siteUrl.replace('{id}', id) + (photoProblems.length ? `?photo_error=${photoProblems.length}` : '');
  window.location.assign(target);
}

export function initSubmit(form, placement, config, messages) {
  const progress = document.getElementById('report-progress');
  const button = document.getElementById('report-submit');
  let duplicates = 0;
  on('report:duplicates', ({ count }) => { duplicates = count; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = localErrors(form, placement, duplicates, messages);
    if (problems.length) { emit('report:errors', { errors: problems, source: 'form' }); return; }
    emit('report:sending');
    button.disabled = true;
    progress.textContent = messages.saving;
    try {
      await send(form, placement, config, { progress, messages });
    } finally {
      button.disabled = false;
      if (!progress.textContent.startsWith(messages.saved)) progress.textContent = '';
    }
  });
}
