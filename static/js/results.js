// The list of results (the accessible alternative to the map): the server renders it; this module refreshes it.
import { emit, on, formatNumber } from './events.js';

export function initResults(container, { resultsUrl }) {
  let controller = null;

  async function load(params) {
    if (controller) controller.abort();
    controller = new AbortController();
    const search = new URLSearchParams(params);
    search.set('partial', '1');
    container.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(`${resultsUrl}?${search}`, { signal: controller.signal });
      container.innerHTML = await response.text();
      const count = Number(response.headers.get('X-Result-Count') || 0);
      emit('results:count', { count, ok: response.ok });
    } catch (error) {
      if (error.name !== 'AbortError') emit('results:count', { count: null, ok: false });
    } finally {
      container.removeAttribute('aria-busy');
    }
  }

  on('filters:change', ({ params }) => {
    const search = new URLSearchParams(params);
    const sort = new URL(window.location.href).searchParams.get('sort');
    if (sort) search.set('sort', sort);
    load(search);
  });

  // Sorting and paging links stay on this page: fetch the block and keep the URL in step.
  container.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-results-link]');
    if (!link) return;
    event.preventDefault();
    const target = new URL(link.href);
    const url = new URL(window.location.href);
    url.search = target.search;
    window.history.replaceState(window.history.state, '', url);
    load(target.searchParams).then(() => container.querySelector('table, .registry-empty')?.focus?.());
  });
}

export function initCount(element) {
  const number = element.querySelector('[data-count-number]');
  const label = element.querySelector('[data-count-label]');
  on('results:count', ({ count }) => {
    if (count === null) return;
    number.textContent = formatNumber(count);
    label.textContent = count === 1 ? label.dataset.one : label.dataset.many;
  });
}
