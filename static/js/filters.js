// The filter panel: its state is the page's query string (same parameters as the API), kept with replaceState.
import { emit, debounce } from './events.js';

const SINGLE = ['q', 'region', 'province', 'municipality', 'inner', 'claimed', 'top_level'];
const MULTI = ['kind', 'status', 'ownership', 'freshness'];
// Parameters of the page itself (table sorting and paging), never sent to the map's tiles.
const PAGE_PARAMS = ['sort', 'page', 'partial'];

export function queryFromForm(form) {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const name of SINGLE) {
    const value = (data.get(name) || '').trim();
    if (value) params.set(name, value);
  }
  for (const name of MULTI) {
    const values = data.getAll(name);
    if (values.length) params.set(name, values.join(','));
  }
  return params;
}

function fillSelect(select, options, placeholder) {
  select.replaceChildren(new Option(placeholder, ''), ...options.map((o) => new Option(o.name, o.code)));
  select.disabled = options.length === 0;
}

async function loadOptions(url, select, placeholder) {
  select.disabled = true;
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const data = response.ok ? await response.json() : { results: [] };
  fillSelect(select, data.results, placeholder);
}

function countActive(params) {
  return [...params.keys()].length;
}

// Region -> province -> municipality: each choice loads the next list (the server fills them on first load).
export function initAreaSelects(form, areasUrl, onArea = () => {}) {
  const { region, province, municipality } = form.elements;
  const everything = region.options[0].text;
  region.addEventListener('change', async () => {
    fillSelect(municipality, [], everything);
    if (region.value) await loadOptions(`${areasUrl}?region=${encodeURIComponent(region.value)}`, province, everything);
    else fillSelect(province, [], everything);
    onArea(region.value ? { level: 'region', code: region.value } : { level: 'italy' });
  });
  province.addEventListener('change', async () => {
    if (province.value) await loadOptions(`${areasUrl}?province=${encodeURIComponent(province.value)}`, municipality, everything);
    else fillSelect(municipality, [], everything);
    onArea(province.value ? { level: 'province', code: province.value } : { level: 'region', code: region.value });
  });
  municipality.addEventListener('change', () => {
    onArea(municipality.value ? { level: 'municipality', code: municipality.value } : { level: 'province', code: province.value });
  });
  return () => {
    fillSelect(province, [], everything);
    fillSelect(municipality, [], everything);
  };
}

export function initFilters(form, { areasUrl }) {
  const { region, province, municipality } = form.elements;
  let changedArea = null;

  const apply = () => {
    const params = queryFromForm(form);
    const url = new URL(window.location.href);
    const sort = url.searchParams.get('sort');
    const search = new URLSearchParams(params);
    if (sort) search.set('sort', sort);
    url.search = search.toString();
    window.history.replaceState(window.history.state, '', url);
    const badge = document.getElementById('filters-active');
    if (badge) {
      badge.textContent = countActive(params);
      badge.hidden = countActive(params) === 0;
    }
    emit('filters:change', { query: params.toString(), params, changedArea });
    changedArea = null;
  };

  const clearAreas = initAreaSelects(form, areasUrl, (area) => {
    changedArea = area;
    apply();
  });
  form.addEventListener('change', (event) => {
    if (![region, province, municipality, form.elements.q].includes(event.target)) apply();
  });
  form.elements.q.addEventListener('input', debounce(apply, 400));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  const reset = form.querySelector('[data-filters-reset]');
  if (reset) {
    reset.addEventListener('click', (event) => {
      event.preventDefault();
      form.reset();
      form.querySelectorAll('input[type=checkbox]').forEach((box) => { box.checked = false; });
      form.elements.q.value = '';
      [region, form.elements.inner, form.elements.claimed, form.elements.top_level].forEach((select) => { select.value = ''; });
      clearAreas();
      changedArea = { level: 'italy' };
      apply();
    });
  }
  return { query: () => queryFromForm(form).toString() };
}

export function withoutPageParams(search) {
  const params = new URLSearchParams(search);
  PAGE_PARAMS.forEach((name) => params.delete(name));
  return params;
}
