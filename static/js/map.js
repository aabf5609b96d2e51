// The Leaflet map: base layer from a configurable URL, and the view (zoom/centre) kept in the URL's hash.
import { emit } from './events.js';

export const L = window.L;
export const ITALY_BOUNDS = [[36.4, 6.6], [47.1, 18.6]];

function addBaseLayer(map, basemap) {
  if (!basemap || !basemap.url) return null;
  const layer = L.tileLayer(basemap.url, { attribution: basemap.attribution, maxZoom: 19 });
  let failures = 0;
  let loaded = 0;
  // No base map (offline, blocked) must not stop the map: say so once; boundaries and sites still draw.
  layer.on('tileerror', () => {
    failures += 1;
    if (failures === 3 && loaded === 0) {
      map.getContainer().classList.add('registry-basemap-offline');
      emit('map:basemap-offline');
    }
  });
  layer.on('tileload', () => { loaded += 1; });
  layer.addTo(map);
  return layer;
}

export function createMap(element, { basemap, attribution, minZoom = 5, maxZoom = 18 } = {}) {
  const map = L.map(element, {
    minZoom, maxZoom, zoomSnap: 1, keyboard: true, worldCopyJump: false,
    maxBounds: [[30, -2], [52, 28]], maxBoundsViscosity: 0.8,
  });
  map.attributionControl.setPrefix(false);
  if (attribution) map.attributionControl.addAttribution(attribution);
  addBaseLayer(map, basemap);
  L.control.scale({ imperial: false }).addTo(map);
  return map;
}

export function parseViewHash(hash) {
  const match = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/.exec(hash || '');
  if (!match) return null;
  const [zoom, lat, lng] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!(zoom >= 0 && zoom <= 20 && Math.abs(lat) <= 90 && Math.abs(lng) <= 180)) return null;
  return { zoom, center: [lat, lng] };
}

export function viewHash(map) {
  const center = map.getCenter();
  const zoom = map.getZoom();
  const digits = Math.max(2, Math.ceil(Math.log2(zoom + 1)) + 1);
  return `#${zoom}/${center.lat.toFixed(digits)}/${center.lng.toFixed(digits)}`;
}

// Keeps the hash in step with the map without adding history entries (a shared link restores the view).
export function syncViewWithHash(map) {
  const update = () => {
    const url = new URL(window.location.href);
    url.hash = viewHash(map);
    window.history.replaceState(window.history.state, '', url);
    emit('map:view', { bounds: map.getBounds(), zoom: map.getZoom() });
  };
  map.on('moveend', update);
  window.addEventListener('hashchange', () => {
    const view = parseViewHash(window.location.hash);
    if (view) map.setView(view.center, view.zoom);
  });
}

export function fitInitialView(map) {
  const view = parseViewHash(window.location.hash);
  if (view) map.setView(view.center, view.zoom);
  else map.fitBounds(ITALY_BOUNDS);
}
