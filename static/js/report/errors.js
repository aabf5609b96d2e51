// Errors on the form: each one next to its field and in the summary at the top, which takes the focus.
// Shows `report:errors` ({ errors, source }); clears on `report:sending` and when a step is left by Next or Back.
import { on } from '../events.js';
import { GEOMETRY_FIELDS } from './placement.js';

export class ErrorDisplay {
  constructor(form, messages) {
    this.form = form;
    this.messages = messages;
    this.summary = document.getElementById('report-errors');
    this.list = document.getElementById('report-error-list');
  }

  clear() {
    this.summary.hidden = true;
    this.list.replaceChildren();
    this.form.querySelectorAll('.registry-field-error').forEach((element) => { element.hidden = true; element.textContent = ''; });
    this.form.querySelectorAll('.is-invalid').forEach((element) => {
      element.classList.remove('is-invalid');
      element.removeAttribute('aria-invalid');
    });
  }

  show(errors) {
    this.clear();
    for (const error of errors) this.showOne(error);
    this.summary.hidden = false;
    this.summary.focus();
    this.summary.scrollIntoView({ block: 'start' });
  }

  showOne(error) {
    const field = (error.field || '').split('.')[0];
    const target = GEOMETRY_FIELDS.includes(field) ? 'geometry' : field;
    const slot = document.getElementById(`error-${target}`);
    const text = error.hint ? `${error.message} ${error.hint}` : error.message;
    if (slot) {
      slot.textContent = text;
      slot.hidden = false;
    }
    const input = this.form.elements[target];
    if (input && input.classList) {
      input.classList.add('is-invalid');
      input.setAttribute('aria-invalid', 'true');
    }
    const item = document.createElement('li');
    const label = this.messages.fields[field];
    item.textContent = label ? `${label}: ${text}` : text;
    this.list.append(item);
  }
}

export function initErrors(form, messages) {
  const display = new ErrorDisplay(form, messages);
  on('report:errors', ({ errors }) => display.show(errors));
  on('report:sending', () => display.clear());
  on('report:step', ({ reason }) => { if (reason === 'next' || reason === 'back') display.clear(); });
  return display;
}
