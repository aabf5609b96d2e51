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
