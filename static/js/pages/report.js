// Entry module of the report page (/segnala/): place the site (GPS, municipality search, point or drawn
// outline), see nearby sites that may be the same one, post the report, show the server's errors on the form.
import '../ui.js';
import { on, readConfig } from '../events.js';
import { createMap, fitInitialView } from '../map.js';
import { SiteTileLayer, createPanes } from '../layers.js';
import { GEOMETRY_FIELDS, Placement } from '../report/placement.js';
import { initDrawing } from '../report/drawing.js';
import { initLocate } from '../report/locating.js';
import { initDuplicates } from '../report/duplicates.js';
import { initErrors } from '../report/errors.js';
import { initSubmit } from '../report/submit.js';

const config = readConfig('report-config');
const messages = readConfig('report-messages');
const map = createMap('report-map', { basemap: config.basemap, maxZoom: 19 });
fitInitialView(map);
// The sites already in the registry, for context (the nearby ones are also listed as possible duplicates).
createPanes(map);
new SiteTileLayer(config.tilesUrl).addTo(map);
const placement = new Placement(map, messages);
const status = document.getElementById('geometry-status');
const form = document.getElementById('report-form');

initDrawing(map, placement, {
  point: document.getElementById('mode-point'),
  outline: document.getElementById('mode-outline'),
  centre: document.getElementById('place-centre'),
  clear: document.getElementById('clear-geometry'),
  zoomHint: document.getElementById('outline-zoom-hint'),
  status,
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
initDuplicates(map, { sitesUrl: config.sitesUrl, siteUrl: config.siteUrl, radius: config.duplicateRadius, messages });
initErrors(form, messages);
initSubmit(form, placement, config, messages);
on('report:placement', ({ description }) => { status.textContent = description; });
// The server's geometry error (e.g. where an outline crosses itself) is also shown on the map.
on('report:errors', ({ errors, source }) => {
  if (source === 'server') placement.markProblem(errors.find((error) => GEOMETRY_FIELDS.includes(error.field)));
});
