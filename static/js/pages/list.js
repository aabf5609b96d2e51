// Entry module of the table page: filters change the URL and refresh the table without reloading.
import '../ui.js';
import { initFilters } from '../filters.js';
import { initResults } from '../results.js';

const form = document.getElementById('filters');
initFilters(form, { areasUrl: form.dataset.areasUrl });
initResults(document.getElementById('results'), { resultsUrl: window.location.pathname });
