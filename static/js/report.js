// The report flow: place the site (GPS, municipality search, point or drawn outline), see nearby sites that may
// be the same one, post the report to the API as JSON, upload the photos, show the server's errors on the form.
import { csrfToken, debounce, emit, on } from './events.js';
import { L } from './map.js';

const GEOMETRY_FIELDS = ['location', 'outline'];
const FORM_FIELDS = ['title', 'kind', 'description', 'ownership', 'condition', 'dormant_since', 'floor_area_m2',
  'address'];

export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? '');
}

// The geometry the user chose: an explicit point, a drawn outline, or both.
export class Placement {
  constructor(map, messages) {
    this.map = map;
    this.messages = messages;
    this.marker = null;
    this.outline = null;
    this.problem = null;
  }

  setPoint(latlng) {
    if (this.marker) this.marker.setLatLng(latlng);
    else {
      this.marker = L.marker(latlng, { draggable: true, keyboard: true, title: this.messages.fields.location, pmIgnore: true }).addTo(this.map);
      this.marker.on('dragend', () => this.changed());
    }
    this.changed();
  }

  setOutline(layer) {
    if (this.outline && this.outline !== layer) this.map.removeLayer(this.outline);
    this.outline = layer;
    layer.on('pm:edit pm:dragend', () => this.changed());
    this.changed();
  }

  // Where the server found the problem (e.g. the crossing of a self-intersecting outline), shown on the map.
  markProblem(error) {
    if (this.problem) this.map.removeLayer(this.problem);
    this.problem = null;
    if (this.outline) this.outline.setStyle({ color: error ? '#b30000' : '#0066cc' });
    if (!error || !Array.isArray(error.location)) return;
    const [lng, lat] = error.location;
    this.problem = L.circleMarker([lat, lng], { radius: 10, color: '#b30000', weight: 3, fill: false, pmIgnore: true })
      .bindTooltip(error.message).addTo(this.map);
  }

  clear() {
    this.markProblem(null);
    [this.marker, this.outline].forEach((layer) => layer && this.map.removeLayer(layer));
    this.marker = null;
    this.outline = null;
    this.changed();
  }

  isEmpty() {
    return !this.marker && !this.outline;
  }

  // Where to look for nearby sites: the point, else the middle of the outline.
  centre() {
    if (this.marker) return this.marker.getLatLng();
    return this.outline ? this.outline.getBounds().getCenter() : null;
  }

  geojson() {
    const body = {};
    if (this.marker) {
      const { lat, lng } = this.marker.getLatLng();
      body.location = { type: 'Point', coordinates: [round(lng), round(lat)] };
    }
    if (this.outline) {
      const geometry = this.outline.toGeoJSON().geometry;
      body.outline = { type: geometry.type, coordinates: roundCoordinates(geometry.coordinates) };
    }
    return body;
  }

  describe() {
    const m = this.messages;
    if (this.outline) {
      const corners = this.outline.getLatLngs().flat(2).length;
      return format(m.outline, { n: corners });
    }
    if (this.marker) {
      const { lat, lng } = this.marker.getLatLng();
      return format(m.point, { lat: lat.toFixed(5), lng: lng.toFixed(5) });
    }
    return m.noPlace;
  }

  changed() {
    if (this.problem) this.markProblem(null);
    emit('report:placement', { centre: this.centre(), description: this.describe() });
  }
}

function round(value) {
  return Math.round(value * 1e6) / 1e6;
}

function roundCoordinates(value) {
  return Array.isArray(value[0]) ? value.map(roundCoordinates) : value.map(round);
}

// Drawing with leaflet-geoman: one outline at a time; a click outside drawing places the point.
export function initDrawing(map, placement, buttons) {
  map.pm.setLang(document.documentElement.lang === 'it' ? 'it' : 'en');
  map.pm.setGlobalOptions({ allowSelfIntersection: true, snappable: false, pathOptions: { color: '#0066cc' } });
  let mode = 'point';
  const setMode = (next) => {
    mode = next;
    buttons.point.setAttribute('aria-pressed', String(mode === 'point'));
    buttons.outline.setAttribute('aria-pressed', String(mode === 'outline'));
    if (mode === 'outline') map.pm.enableDraw('Polygon', { finishOn: null });
    else map.pm.disableDraw();
  };
  buttons.point.addEventListener('click', () => setMode('point'));
  buttons.outline.addEventListener('click', () => setMode('outline'));
  buttons.centre.addEventListener('click', () => placement.setPoint(map.getCenter()));
  buttons.clear.addEventListener('click', () => { placement.clear(); setMode(mode); });
  map.on('click', (event) => {
    if (mode === 'point' && !map.pm.globalDrawModeEnabled()) placement.setPoint(event.latlng);
  });
  map.on('pm:create', ({ layer }) => {
    placement.setOutline(layer);
    layer.pm.enable({ allowSelfIntersection: true });
    setMode('point');
  });
  setMode('point');
}

export function initLocate(map, placement, { gpsButton, searchInput, searchButton, resultList, areasUrl, messages, status }) {
  gpsButton.addEventListener('click', () => {
    if (!navigator.geolocation) { status.textContent = messages.gpsUnavailable; return; }
    navigator.geolocation.getCurrentPosition((position) => {
      const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
      map.setView(latlng, 17);
      placement.setPoint(latlng);
      status.textContent = format(messages.gpsFound, { m: Math.round(position.coords.accuracy) });
    }, () => { status.textContent = messages.gpsUnavailable; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  const search = async () => {
    const query = searchInput.value.trim();
    if (query.length < 2) return;
    const response = await fetch(`${areasUrl}?q=${encodeURIComponent(query)}`);
    const data = response.ok ? await response.json() : { results: [] };
    resultList.replaceChildren(...data.results.map((area) => municipalityChoice(map, area, messages, status)));
    if (!data.results.length) resultList.replaceChildren(listItem(messages.noMunicipality));
  };
  searchButton.addEventListener('click', search);
  searchInput.addEventListener('input', debounce(search, 350));
  searchInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); search(); }
  });
}

function listItem(text) {
  const item = document.createElement('li');
  item.textContent = text;
  return item;
}

function municipalityChoice(map, area, messages, status) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn btn-link btn-sm p-0';
  button.textContent = `${area.name} (${area.province})`;
  button.addEventListener('click', () => {
    const [w, s, e, n] = area.bbox;
    map.fitBounds([[s, w], [n, e]]);
    status.textContent = format(messages.municipalityShown, { name: area.name });
    document.getElementById('report-map').focus();
  });
  item.append(button);
  return item;
}

// Possible duplicates: existing sites near the chosen place, from the API's near= filter.
export function initDuplicates(map, { sitesUrl, siteUrl, radius, messages }) {
  const section = document.getElementById('duplicates');
  const list = document.getElementById('duplicate-list');
  const confirm = document.getElementById('not-duplicate');
  const markers = L.layerGroup().addTo(map);
  let controller = null;
  const state = { count: 0 };
  const lookup = async (centre) => {
    if (controller) controller.abort();
    markers.clearLayers();
    if (!centre) { section.hidden = true; state.count = 0; return; }
    controller = new AbortController();
    const url = `${sitesUrl}?near=${round(centre.lng)},${round(centre.lat)}&radius=${radius}&limit=5`;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/geo+json, application/json' } });
      const data = response.ok ? await response.json() : { features: [] };
      showDuplicates(data.features || [], { list, markers, centre, siteUrl, messages });
      state.count = (data.features || []).length;
      section.hidden = state.count === 0;
      confirm.checked = false;
    } catch (error) {
      if (error.name !== 'AbortError') section.hidden = true;
    }
  };
  on('report:placement', debounce(({ centre }) => lookup(centre), 300));
  return state;
}

function showDuplicates(features, { list, markers, centre, siteUrl, messages }) {
  const located = features.map((feature) => {
    const [lng, lat] = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [centre.lng, centre.lat];
    return { feature, lat, lng, distance: Math.round(L.latLng(lat, lng).distanceTo(centre)) };
  }).sort((a, b) => a.distance - b.distance);
  list.replaceChildren(...located.map(({ feature, lat, lng, distance }) => {
    const id = feature.id ?? feature.properties.id;
    L.circleMarker([lat, lng], { radius: 7, color: '#fff', weight: 2, fillColor: '#b34700', fillOpacity: 1 })
      .bindTooltip(feature.properties.title || '').addTo(markers);
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = siteUrl.replace('{id}', id);
    link.textContent = feature.properties.title || messages.openSite;
    item.append(link, ` — ${format(messages.away, { m: distance })}`);
    return item;
  }));
}


function formBody(form, placement) {
  const body = {};
  for (const name of FORM_FIELDS) {
    const value = form.elements[name].value.trim();
    if (value === '') continue;
    body[name] = ['dormant_since', 'floor_area_m2'].includes(name) && /^\d+$/.test(value) ? Number(value) : value;
  }
  return { ...body, ...placement.geojson() };
}

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

  // Each error goes next to its field and into the summary at the top, which takes the focus.
  show(errors) {
    this.clear();
    for (const error of errors) {
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
    this.summary.hidden = false;
    this.summary.focus();
    this.summary.scrollIntoView({ block: 'start' });
  }
}

function localErrors(form, placement, duplicates, messages) {
  const errors = [];
  if (!form.elements.title.value.trim()) errors.push({ field: 'title', code: 'required', message: messages.required });
  if (!form.elements.kind.value) errors.push({ field: 'kind', code: 'required', message: messages.required });
  if (placement.isEmpty()) errors.push({ field: 'location', code: 'required', message: messages.placeRequired });
  if (duplicates.count > 0 && !document.getElementById('not-duplicate').checked) {
    errors.push({ field: 'not_duplicate', code: 'possible_duplicate', message: messages.confirmNotDuplicate });
  }
  return errors;
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

async function uploadPhotos(url, files, caption, { progress, messages }) {
  const problems = [];
  for (const [index, file] of files.entries()) {
    progress.textContent = format(messages.uploading, { i: index + 1, n: files.length });
    const body = new FormData();
    body.append('image', file);
    if (caption) body.append('caption', caption);
    const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' }, body });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      problems.push(format(messages.photoFailed, { message: data.errors?.[0]?.message || response.statusText }));
    }
  }
  return problems;
}

export function initSubmit(form, placement, duplicates, config, messages) {
  const display = new ErrorDisplay(form, messages);
  const progress = document.getElementById('report-progress');
  const button = document.getElementById('report-submit');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = localErrors(form, placement, duplicates, messages);
    if (problems.length) { display.show(problems); return; }
    display.clear();
    button.disabled = true;
    progress.textContent = messages.saving;
    try {
      const result = await postJSON(config.sitesUrl, formBody(form, placement));
      if (!result.ok) {
        const errors = result.data.errors || [{ field: null, code: 'error', message: messages.network }];
        display.show(errors);
        placement.markProblem(errors.find((error) => GEOMETRY_FIELDS.includes(error.field)));
        return;
      }
      const id = result.data.id ?? result.data.properties?.id;
      const files = [...form.elements.photos.files];
      const photoProblems = await uploadPhotos(config.photosUrl.replace('{id}', id), files, form.elements.caption.value.trim(), { progress, messages });
      progress.textContent = messages.saved;
      const target = config.siteUrl.replace('{id}', id) + (photoProblems.length ? `?photo_error=${photoProblems.length}` : '');
      window.location.assign(target);
    } catch (error) {
      display.show([{ field: null, code: 'network', message: messages.network }]);
    } finally {
      button.disabled = false;
      if (!progress.textContent.startsWith(messages.saved)) progress.textContent = '';
    }
  });
}

export { GEOMETRY_FIELDS, FORM_FIELDS };
