// Possible duplicates: existing sites near the chosen place, from the API's near= filter. Listens to
// `report:placement`; announces how many it found as `report:duplicates` ({ count }).
import { debounce, emit, format, on } from '../events.js';
import { L } from '../map.js';
import { roundCoordinate } from './placement.js';

export function initDuplicates(map, { sitesUrl, siteUrl, radius, messages }) {
  const section = document.getElementById('duplicates');
  const list = document.getElementById('duplicate-list');
  const confirm = document.getElementById('not-duplicate');
  const markers = L.layerGroup().addTo(map);
  let controller = null;
  const found = (count) => emit('report:duplicates', { count });
  const lookup = async (centre) => {
    if (controller) controller.abort();
    markers.clearLayers();
    if (!centre) { section.hidden = true; found(0); return; }
    controller = new AbortController();
    const url = `${sitesUrl}?near=${roundCoordinate(centre.lng)},${roundCoordinate(centre.lat)}&radius=${radius}&limit=5`;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/geo+json, application/json' } });
      const data = response.ok ? await response.json() : { features: [] };
      const features = data.features || [];
      showDuplicates(features, { list, markers, centre, siteUrl, messages });
      found(features.length);
      section.hidden = features.length === 0;
      confirm.checked = false;
    } catch (error) {
      if (error.name !== 'AbortError') section.hidden = true;
    }
  };
  on('report:placement', debounce(({ centre }) => lookup(centre), 300));
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
