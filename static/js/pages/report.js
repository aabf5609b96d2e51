// Entry module of the report page (/segnala/): the report step by step (privacy notice, where, what, photos,
// summary), placing the site (GPS, municipality search, point or drawn outline), nearby sites that may be the
// same one, the drafts kept on this device, sending, and the receipt.
import '../ui.js';
import { emit, on, readConfig } from '../events.js';
import { createMap, fitInitialView } from '../map.js';
import { SiteTileLayer, createPanes } from '../layers.js';
import { getDraft } from '../offline/store.js';
import { GEOMETRY_FIELDS, Placement } from '../report/placement.js';
import { initChecks } from '../report/checks.js';
import { initDrawing } from '../report/drawing.js';
import { initLocate } from '../report/locating.js';
import { initDuplicates } from '../report/duplicates.js';
import { initErrors } from '../report/errors.js';
import { initSteps } from '../report/steps.js';
import { initSubmit } from '../report/submit.js';
import { initReceipt } from '../report/receipt.js';
import { initSummary } from '../report/summary.js';
import { initDraftList } from '../report/drafts.js';
import { fitToPlacement, restoreDraft } from '../report/draft.js';

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
const checks = initChecks(form, placement, messages);
const steps = initSteps(form, checks, messages);
initSubmit(form, placement, config, messages, checks);
initReceipt(messages);
initSummary(form, messages);
initDraftList(document.getElementById('offline-drafts'), { user: config.user, messages, reportUrl: config.reportUrl });
on('report:placement', ({ description }) => { status.textContent = description; });
// The server's geometry error (e.g. where an outline crosses itself) is also shown on the map.
on('report:errors', ({ errors, source }) => {
  if (source === 'server') placement.markProblem(errors.find((error) => GEOMETRY_FIELDS.includes(error.field)));
});

// The map was drawn in a hidden step: it takes its size when its step shows (then shows an opened draft's place).
let mapShown = false;
let fitPending = false;
on('report:step', ({ name }) => {
  if (name !== 'where') return;
  map.invalidateSize();
  if (fitPending && !placement.isEmpty()) fitToPlacement(map, placement);
  else if (!mapShown && placement.isEmpty()) fitInitialView(map);
  mapShown = true;
  fitPending = false;
});

const offlineNote = document.getElementById('offline-note');
const followConnection = () => { offlineNote.hidden = navigator.onLine; };
window.addEventListener('online', followConnection);
window.addEventListener('offline', followConnection);
followConnection();

// ?bozza=ID opens a draft kept on this device, with the server's errors on its fields if it was refused.
async function openDraft(id) {
  const draft = id && (await getDraft(id).catch(() => null));
  if (!draft || draft.user !== config.user || draft.status === 'sent') return;
  restoreDraft(form, placement, map, draft);
  fitPending = true;
  steps.show('summary');
  emit('report:draft-opened', { draft });
  if (draft.status === 'duplicates') emit('report:nearby', { nearby: draft.nearby });
  if (draft.status === 'fix') emit('report:errors', { errors: draft.errors, source: 'server' });
}
openDraft(new URLSearchParams(window.location.search).get('bozza'));
