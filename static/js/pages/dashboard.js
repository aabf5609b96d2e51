// Entry module of the planner dashboard.
import '../ui.js';
import { readConfig } from '../events.js';
import { initAreaSelects, queryFromForm } from '../filters.js';
import { choropleth, freshnessChart, innerChart, kindChart, statusChart } from '../charts.js';

const data = readConfig('dashboard-data');
const form = document.getElementById('filters');
initAreaSelects(form, form.dataset.areasUrl);
// The dashboard is computed by the server: the form navigates, with the same clean query string as the map.
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = queryFromForm(form).toString();
  window.location.assign(`${window.location.pathname}${query ? `?${query}` : ''}`);
});

statusChart(document.getElementById('chart-status'), data);
kindChart(document.getElementById('chart-kind'), data);
freshnessChart(document.getElementById('chart-freshness'), data);
innerChart(document.getElementById('chart-inner'), data, document.getElementById('inner-title').textContent);
choropleth(document.getElementById('choropleth'), document.getElementById('choropleth-scale'), data);
