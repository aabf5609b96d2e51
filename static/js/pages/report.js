// Entry module of the report page (/segnala/).
import '../ui.js';
import { on, readConfig } from '../events.js';
import { createMap, fitInitialView } from '../map.js';
import { SiteTileLayer, createPanes } from '../layers.js';
import { Placement, initDrawing, initDuplicates, initLocate, initSubmit } from '../report.js';

const config = readConfig('report-config');
const messages = readConfig('report-messages');
const map = createMap('report-map', { basemap: config.basemap, maxZoom: 19 });
fitInitialView(map);
// The sites already in the registry, for context (the nearby ones are also listed as possible duplicates).
createPanes(map);
new SiteTileLayer(config.tilesUrl).addTo(map);
const placement = new Placement(map, messages);
const status = document.getElementById('geometry-status');

initDrawing(map, placement, {
  point: document.getElementById('mode-point'),
  outline: document.getElementById('mode-outline'),
  centre: document.getElementById('place-centre'),
  clear: document.getElementById('clear-geometry'),
});
initLocate(map, placement, {
  gpsButton: document.getElementById('locate-gps'),
  searchInput: document.getElementById('municipality-q'),
  searchButton: document.getElementById('municipality-go'),
  resultList: document.getElementById('municipality-results'),
  areasUrl: config.areasUrl,
  messages,
  status,
});
const duplicates = initDuplicates(map, { sitesUrl: config.sitesUrl, siteUrl: config.siteUrl, radius: config.duplicateRadius, messages });
on('report:placement', ({ description }) => { status.textContent = description; });
initSubmit(document.getElementById('report-form'), placement, duplicates, config, messages);
