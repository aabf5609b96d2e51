// What the browser can check before a step is left or the report is sent: the privacy notice, a place, the
// answer about nearby sites, a name and a kind. Knows the nearby-sites lookup from `report:duplicates`
// ({ count, checked }): `checked` is false when the lookup could not be made (offline).
import { on } from '../events.js';

export function initChecks(form, placement, messages) {
  let duplicates = { count: 0, checked: false };
  on('report:duplicates', (detail) => { duplicates = detail; });
  const confirmed = () => document.getElementById('not-duplicate').checked;

  const all = () => {
    const errors = [];
    const required = (field) => errors.push({ field, code: 'required', message: messages.required });
    if (!form.elements.privacy.checked) errors.push({ field: 'privacy', code: 'required', message: messages.privacyRequired });
    if (placement.isEmpty()) errors.push({ field: 'location', code: 'required', message: messages.placeRequired });
    if (duplicates.count > 0 && !confirmed()) {
      errors.push({ field: 'not_duplicate', code: 'possible_duplicate', message: messages.confirmNotDuplicate });
    }
    if (!form.elements.title.value.trim()) required('title');
    if (!form.elements.kind.value) required('kind');
    return errors;
  };
  return {
    all,
    // The errors of one step: those whose message slot is inside that step's section.
    step: (section) => all().filter((error) => section.contains(errorSlot(error.field))),
    // Nearby sites were looked up for this place and answered for (none, or "mine is not one of these").
    duplicatesChecked: () => duplicates.checked && (duplicates.count === 0 || confirmed()),
  };
}

export function errorSlot(field) {
  const name = (field || '').split('.')[0];
  return document.getElementById(`error-${['location', 'outline'].includes(name) ? 'geometry' : name}`);
}
