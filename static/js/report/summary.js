// The summary step: what will be sent, as the reporter typed it, each part with a button back to its step.
import { emit, format, on } from '../events.js';

function row(term, value, step, messages) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (step) {
    const change = document.createElement('button');
    change.type = 'button';
    change.className = 'btn btn-link btn-sm p-0 ms-2';
    change.textContent = messages.change;
    change.setAttribute('aria-label', `${messages.change}: ${term}`);
    change.addEventListener('click', () => emit('report:goto-step', { name: step }));
    dd.append(change);
  }
  return [dt, dd];
}

function shown(form, name) {
  const field = form.elements[name];
  if (field.tagName === 'SELECT') return field.value ? field.selectedOptions[0].textContent : '';
  return field.value.trim();
}

export function initSummary(form, messages) {
  const list = document.getElementById('report-summary');
  const status = document.getElementById('geometry-status');
  const render = () => {
    const rows = [row(messages.fields.location, status.textContent, 'where', messages)];
    for (const name of ['title', 'kind', 'description', 'ownership', 'condition', 'dormant_since', 'floor_area_m2', 'address', 'parent']) {
      const value = shown(form, name);
      if (value) rows.push(row(messages.fields[name], value, name === 'title' ? 'what' : null, messages));
    }
    const files = [...form.elements.photos.files];
    const photos = files.length ? `${format(messages.photosCount, { n: files.length })} (${files.map((file) => file.name).join(', ')})` : messages.noPhotos;
    rows.push(row(messages.fields.photos, photos, 'photos', messages));
    list.replaceChildren(...rows.flat());
  };
  on('report:step', ({ name }) => { if (name === 'summary') render(); });
  on('report:draft-opened', render);
}
