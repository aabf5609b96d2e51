// Dashboard charts (chart.js from npm as an ES module) and the regions choropleth (Leaflet).
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from '../vendor/chartjs/chart.js';
import { L } from './map.js';
import { STATUS_COLORS, freshnessFill } from './layers.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.font.family = '"Titillium Web", system-ui, sans-serif';
Chart.defaults.color = '#1a1a1a';

// Ten kinds need ten distinguishable colours; this palette keeps ≥ 3:1 against white for most of them.
const KIND_COLORS = ['#0066cc', '#00804d', '#b34700', '#6b2fa5', '#a3195b', '#0b7285', '#5d7083', '#8a6d00', '#17324d', '#c0392b'];
// The map shows rejected and archived alike ("closed"); the chart tells them apart.
const CHART_STATUS_COLORS = { archived: '#2e3d4b' };
// Sequential blues for the choropleth, light to dark.
// The fourth class carries white text in the scale: #2f72b8 keeps it at 5:1 (#3b7fc4 was 4.2:1).
export const CHOROPLETH = ['#dbe9f7', '#a9c9ec', '#6fa3dc', '#2f72b8', '#155b9e', '#0b3d6e'];

export function stackedBars(canvas, { labels, series, colors, onClickIndex }) {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((item, index) => ({ label: item.label, data: item.data, backgroundColor: colors[index], borderWidth: 0 })),
    },
    options: {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true, ticks: { autoSkip: false, font: { size: 11 } } } },
      plugins: { legend: { position: 'bottom' } },
      onClick: (_event, elements) => { if (elements.length && onClickIndex) onClickIndex(elements[0].index); },
    },
  });
}

export function statusChart(canvas, data) {
  const series = data.statuses.map((status, i) => ({ label: data.statusLabels[i], data: data.byStatus.map((row) => row[i]) }));
  return stackedBars(canvas, {
    labels: data.regions, series, colors: data.statuses.map((s) => CHART_STATUS_COLORS[s] || STATUS_COLORS[s]),
    onClickIndex: (index) => window.location.assign(data.mapLinks[index]),
  });
}

export function kindChart(canvas, data) {
  const series = data.kinds.map((kind, i) => ({ label: data.kindLabels[i], data: data.byKind.map((row) => row[i]) }));
  return stackedBars(canvas, {
    labels: data.regions, series, colors: KIND_COLORS,
    onClickIndex: (index) => window.location.assign(data.mapLinks[index]),
  });
}

// Fresh solid, ageing lighter, stale hatched: the map's styles for how recently sites were confirmed.
export function freshnessChart(canvas, data) {
  const ctx = canvas.getContext('2d');
  const series = data.freshness.map((name, i) => ({ label: data.freshnessLabels[i], data: data.byFreshness.map((row) => row[i]) }));
  return stackedBars(canvas, {
    labels: data.regions, series, colors: data.freshness.map((name) => freshnessFill(ctx, STATUS_COLORS.verified, name)),
    onClickIndex: (index) => window.location.assign(data.mapLinks[index]),
  });
}

export function innerChart(canvas, data, label) {
  return stackedBars(canvas, {
    labels: data.regions, series: [{ label, data: data.innerShare.map((v) => v ?? 0) }], colors: ['#00804d'],
    onClickIndex: (index) => window.location.assign(data.mapLinks[index]),
  });
}

function classBreaks(values, classes) {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  if (!sorted.length) return [];
  return Array.from({ length: classes - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / classes)]);
}

function colourFor(value, breaks) {
  if (!value) return '#f5f6f7';
  const index = breaks.findIndex((limit) => value < limit);
  return CHOROPLETH[index === -1 ? CHOROPLETH.length - 1 : index];
}

export async function choropleth(element, scale, data) {
  const map = L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false, attributionControl: true, zoomControl: true });
  map.attributionControl.setPrefix(false).addAttribution(data.map.attribution);
  map.fitBounds([[36.4, 6.6], [47.1, 18.6]]);
  const totals = Object.fromEntries(data.codes.map((code, i) => [code, { total: data.totals[i], name: data.regions[i], link: data.mapLinks[i] }]));
  const breaks = classBreaks(data.totals, CHOROPLETH.length);
  const response = await fetch(data.map.boundariesUrl.regioni);
  const regions = await response.json();
  L.geoJSON(regions, {
    style: (feature) => ({ fillColor: colourFor(totals[feature.properties.code]?.total, breaks), fillOpacity: 0.9, color: '#ffffff', weight: 1 }),
    onEachFeature: (feature, layer) => {
      const info = totals[feature.properties.code];
      if (!info) return;
      layer.bindTooltip(`${info.name}: ${new Intl.NumberFormat(document.documentElement.lang).format(info.total)}`, { sticky: true });
      layer.on('click', () => window.location.assign(info.link));
    },
  }).addTo(map);
  scale.replaceChildren(...CHOROPLETH.map((colour, i) => {
    const span = document.createElement('span');
    span.style.background = colour;
    span.style.color = i < 3 ? '#1a1a1a' : '#ffffff';
    const number = (value) => (value === undefined ? '' : new Intl.NumberFormat(document.documentElement.lang).format(value));
    span.textContent = i === 0 ? `< ${number(breaks[0])}` : `≥ ${number(breaks[i - 1])}`;
    return span;
  }));
  return map;
}
