// Entry module of the home page: map + filter panel + result count + list, wired through DOM events.
import '../ui.js';
import { on, readConfig } from '../events.js';
import { L, createMap, fitInitialView, parseViewHash, syncViewWithHash } from '../map.js';
import { SiteTileLayer, addBoundaries, createPanes, highlightArea, watchFirstSites } from '../layers.js';
import { initFilters, queryFromForm } from '../filters.js';
import { initCount, initResults } from '../results.js';
import { initTabs, initPanelToggle, initShare } from '../panels.js';

const config = readConfig('map-config');
const form = document.getElementById('filters');
const map = createMap('map', config);
createPanes(map);
const sites = new SiteTileLayer(config.tilesUrl);
sites.setQuery(queryFromForm(form).toString());
watchFirstSites(sites);

const hadView = Boolean(parseViewHash(window.location.hash));
fitInitialView(map);
sites.addTo(map);
syncViewWithHash(map);
const regions = addBoundaries(map, config.boundariesUrl);

async function areaBounds(area) {
  if (!area || area.level === 'italy') return null;
  if (area.level === 'region') {
    await regions.loaded;
    return highlightArea(regions, area.code);
  }
  const response = await fetch(`${config.areasUrl}?area=${encodeURIComponent(area.code)}`);
  if (!response.ok) return null;
  const { bbox } = await response.json();
  return L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
}

function currentArea(params) {
  for (const level of ['municipality', 'province', 'region']) {
    if (params.get(level)) return { level, code: params.get(level) };
  }
  return { level: 'italy' };
}

// A shared link without a view hash opens on the chosen area; later area choices move the map too.
const initial = currentArea(new URLSearchParams(queryFromForm(form)));
regions.loaded.then(() => highlightArea(regions, new URLSearchParams(queryFromForm(form)).get('region')));
if (!hadView && initial.level !== 'italy') {
  areaBounds(initial).then((bounds) => bounds && map.fitBounds(bounds, { maxZoom: 14 }));
}

initFilters(form, { areasUrl: config.areasUrl });
const followQuery = document.querySelector('[data-follow-query]');
on('filters:change', async ({ query, params, changedArea }) => {
  sites.setQuery(query);
  if (followQuery) followQuery.value = query;
  await regions.loaded;
  highlightArea(regions, params.get('region'));
  if (changedArea) {
    const bounds = changedArea.level === 'italy' ? L.latLngBounds([[36.4, 6.6], [47.1, 18.6]]) : await areaBounds(changedArea);
    if (bounds) map.fitBounds(bounds, { maxZoom: 14 });
  }
});

initResults(document.getElementById('results'), { resultsUrl: config.resultsUrl });
initCount(document.getElementById('result-count'));
initTabs(document.querySelector('.registry-view-switch'), { onShow: (id) => id === 'map-pane' && map.invalidateSize() });
initPanelToggle(document.getElementById('filters-toggle'), document.getElementById('filter-panel'), () => map.invalidateSize());
initShare(document.getElementById('share-link'));

function popupContent(item) {
  const p = item.properties;
  const wrapper = document.createElement('div');
  const title = document.createElement('a');
  title.href = config.siteUrl.replace('{id}', item.id ?? p.id);
  title.textContent = p.title || config.labels.openSite;
  title.className = 'registry-popup-title';
  if (!('title' in p)) { // below zoom 13 tiles carry no titles: ask the API for this one
    fetch(config.siteApiUrl.replace('{id}', item.id ?? p.id))
      .then((response) => (response.ok ? response.json() : null))
      .then((site) => { if (site?.properties?.title) title.textContent = site.properties.title; })
      .catch(() => {});
  }
  const facts = document.createElement('p');
  facts.className = 'mb-0 small';
  facts.textContent = [config.labels.kinds[p.kind], config.labels.statuses[p.status], config.labels.freshness[p.freshness],
    p.municipality].filter(Boolean).join(' · ');
  wrapper.append(title, facts);
  return wrapper;
}

map.on('click', (event) => {
  const item = sites.hitTest(event.latlng);
  if (!item) return;
  if (item.kind === 'cluster') {
    map.setView(event.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
    return;
  }
  L.popup({ autoPanPadding: [24, 24] }).setLatLng(event.latlng).setContent(popupContent(item)).openOn(map);
});
map.on('mousemove', (event) => {
  map.getContainer().classList.toggle('registry-pointer', Boolean(sites.hitTest(event.latlng)));
});

const status = document.getElementById('map-status');
const showStatus = (text) => {
  status.querySelector('[data-status-text]').textContent = text;
  status.hidden = false;
};
status.querySelector('[data-status-close]').addEventListener('click', () => { status.hidden = true; });
on('map:basemap-offline', () => showStatus(config.labels.basemapOffline));
sites.on('tileerror', () => showStatus(config.labels.sitesError));
// Lets people's tools (and the browser tests) see that the current filters' sites are on the map.
on('sites:drawn', ({ generation }) => {
  const element = document.getElementById('map');
  element.dataset.sitesDrawn = 'true';
  element.dataset.sitesQuery = sites._query;
  element.dataset.sitesGeneration = String(generation);
});
