// Entry module of "Beni per la vostra cooperativa": the map where the cooperative's admins draw the area they work in
// (the region and province selectors above it keep working without it).
import './base.js';
import { readConfig } from '../events.js';
import { createMap, fitInitialView } from '../map.js';
import { initTerritory } from '../territory.js';

const config = readConfig('territory-map-config');
const map = createMap('territory-map', { basemap: config.basemap, minZoom: 5, maxZoom: 18 });
const areas = initTerritory(map, {
  input: document.getElementById('id_area'),
  draw: document.getElementById('area-draw'),
  edit: document.getElementById('area-edit'),
  clear: document.getElementById('area-clear'),
  status: document.getElementById('area-status'),
  messages: readConfig('territory-map-messages'),
  maxVertices: config.maxVertices,
});
if (areas.getLayers().length) map.fitBounds(areas.getBounds(), { padding: [20, 20], maxZoom: 14 });
else fitInitialView(map); // the whole of Italy, or the view a link's #zoom/lat/lng asks for
