// The report one step at a time (Designers Italia's model for a "segnalazione"): privacy notice, where, what,
// photos, summary, then sending. Each step is a section with a heading that takes the focus; Back and Next are
// buttons; the step list says which step is current. Without scripts every section shows, one long form.
// Announces `report:step` ({ name, reason }); listens to `report:goto-step` ({ name }) and `report:errors`
// (shows the step of the first error).
import { emit, on } from '../events.js';
import { errorSlot } from './checks.js';

export function initSteps(form, checks, messages) {
  const steps = [...form.querySelectorAll('.registry-step')];
  const items = [...document.querySelectorAll('#report-step-list li')];
  const index = document.getElementById('report-step-index');
  const back = document.getElementById('step-back');
  const next = document.getElementById('step-next');
  let current = 0;
  form.classList.add('registry-stepped');

  const show = (target, { focus = true, reason = 'move' } = {}) => {
    current = Math.max(0, Math.min(target, steps.length - 1));
    steps.forEach((section, i) => section.classList.toggle('is-current', i === current));
    items.forEach((item, i) => markItem(item, i, current, messages));
    index.textContent = `${current + 1}/${steps.length}`;
    back.hidden = current === 0;
    next.hidden = current === steps.length - 1;
    emit('report:step', { name: steps[current].dataset.step, reason });
    if (focus) steps[current].querySelector('h2').focus();
  };
  next.addEventListener('click', () => {
    const errors = checks.step(steps[current]);
    if (errors.length) emit('report:errors', { errors, source: 'form' });
    else show(current + 1, { reason: 'next' });
  });
  back.addEventListener('click', () => show(current - 1, { reason: 'back' }));
  on('report:goto-step', ({ name }) => show(steps.findIndex((section) => section.dataset.step === name)));
  on('report:errors', ({ errors }) => {
    const slot = errors.map((error) => errorSlot(error.field)).find(Boolean);
    const section = slot && slot.closest('.registry-step');
    if (section && !section.classList.contains('is-current')) show(steps.indexOf(section), { focus: false, reason: 'errors' });
  });
  show(0, { focus: false, reason: 'start' });
  return { show: (name) => show(steps.findIndex((section) => section.dataset.step === name), { focus: false }) };
}

function markItem(item, i, current, messages) {
  item.classList.toggle('active', i === current);
  item.classList.toggle('confirmed', i < current);
  if (i === current) item.setAttribute('aria-current', 'step');
  else item.removeAttribute('aria-current');
  let state = item.querySelector('.visually-hidden');
  if (!state) {
    state = document.createElement('span');
    state.className = 'visually-hidden';
    item.append(state);
  }
  state.textContent = i === current ? ` (${messages.stepCurrent})` : i < current ? ` (${messages.stepDone})` : '';
}
