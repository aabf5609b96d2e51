// Entry module of the site page: a small map with the site's point and outline.
import '../ui.js';
import { readConfig } from '../events.js';
import { L, createMap } from '../map.js';
import { STATUS_COLORS } from '../layers.js';

const config = readConfig('site-map-config');
const map = createMap('site-map', { basemap: config.basemap, minZoom: 5, maxZoom: 19 });
const [lng, lat] = config.location;
const color = STATUS_COLORS[config.status] || STATUS_COLORS.verified;
const point = L.circleMarker([lat, lng], { radius: 8, color: '#ffffff', weight: 2, fillColor: color, fillOpacity: 1 })
  .bindTooltip(config.title).addTo(map);
if (config.outline) {
  const outline = L.geoJSON(config.outline, { style: { color, weight: 3, fillOpacity: 0.2 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [30, 30], maxZoom: 18 });
} else {
  map.setView(point.getLatLng(), 16);
}
// The parts of this site (a borgo's buildings and plots), each a small point linking to its own page.
for (const part of config.children || []) {
  const [partLng, partLat] = part.location;
  const partColor = STATUS_COLORS[part.status] || STATUS_COLORS.verified;
  if (part.outline) {
    L.geoJSON(part.outline, { style: { color: partColor, weight: 1, fillOpacity: 0.15 } }).addTo(map);
  }
  L.circleMarker([partLat, partLng], { radius: 5, color: '#ffffff', weight: 1, fillColor: partColor, fillOpacity: 1 })
    .bindTooltip(part.title)
    .on('click', () => { window.location.assign(part.url); })
    .addTo(map);
}
