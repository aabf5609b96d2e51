// Possible duplicates: existing sites near the chosen place, from the API's near= filter. Listens to
// `report:placement`, and to `report:nearby` ({ nearby }) for the sites the outbox found before sending a
// draft; announces `report:duplicates` ({ count, checked }), `checked` false when the lookup failed (offline).
import { debounce, emit, format, on } from '../events.js';
import { L } from '../map.js';
import { roundCoordinate } from './placement.js';

export function initDuplicates(map, { sitesUrl, siteUrl, radius, messages }) {
  const section = document.getElementById('duplicates');
  const list = document.getElementById('duplicate-list');
  const confirm = document.getElementById('not-duplicate');
  const markers = L.layerGroup().addTo(map);
  let controller = null;
  const show = (nearby, checked) => {
    showDuplicates(nearby, { list, markers, messages });
    offerParents(nearby.filter((site) => site.hasOutline));
    emit('report:duplicates', { count: nearby.length, checked });
    section.hidden = nearby.length === 0;
    confirm.checked = false;
  };
  const lookup = async (centre) => {
    if (controller) controller.abort();
    markers.clearLayers();
    emit('report:duplicates', { count: 0, checked: false });
    if (!centre) { section.hidden = true; return; }
    controller = new AbortController();
    const url = `${sitesUrl}?near=${roundCoordinate(centre.lng)},${roundCoordinate(centre.lat)}&radius=${radius}&limit=5`;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/geo+json, application/json' } });
      const data = response.ok ? await response.json() : { features: [] };
      show(nearbyFrom(data.features || [], centre, siteUrl), response.ok);
    } catch (error) {
      if (error.name !== 'AbortError') section.hidden = true;
    }
  };
  on('report:placement', debounce(({ centre }) => lookup(centre), 300));
  on('report:nearby', ({ nearby }) => show(nearby, true));
}

function nearbyFrom(features, centre, siteUrl) {
  return features.map((feature) => {
    const [lng, lat] = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [centre.lng, centre.lat];
    const id = feature.id ?? feature.properties.id;
    return { id, title: feature.properties.title || '', lat, lng, url: siteUrl.replace('{id}', id),
      hasOutline: Boolean(feature.properties.has_outline),
      distance: Math.round(L.latLng(lat, lng).distanceTo(centre)) };
  }).sort((a, b) => a.distance - b.distance);
}

// The nearby sites as links (also used by the drafts list).
export function nearbyItem(site, messages) {
  const item = document.createElement('li');
  const link = document.createElement('a');
  link.href = site.url;
  link.textContent = site.title || messages.openSite;
  item.append(link, ` — ${format(messages.away, { m: site.distance })}`);
  return item;
}

function showDuplicates(nearby, { list, markers, messages }) {
  markers.clearLayers();
  list.replaceChildren(...nearby.map((site) => {
    L.circleMarker([site.lat, site.lng], { radius: 7, color: '#fff', weight: 2, fillColor: '#b34700', fillOpacity: 1 })
      .bindTooltip(site.title).addTo(markers);
    return nearbyItem(site, messages);
  }));
}

// Nearby sites drawn as areas may hold the new one (a borgo's building): offered in "Part of a larger site"; the
// server checks that the parent's outline contains the report (outside_parent otherwise, shown next to the field).
function offerParents(candidates) {
  const select = document.getElementById('id_parent');
  if (!select) return;
  const chosen = select.value;
  select.replaceChildren(select.options[0], ...candidates.map((site) => new Option(site.title || `#${site.id}`, String(site.id))));
  select.value = candidates.some((site) => String(site.id) === chosen) ? chosen : '';
}
