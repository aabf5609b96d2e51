// Bootstrap Italia behaviours used on every page, loaded as native ES modules from the npm package.
import 'bootstrap-italia/collapse.js';
import './offline/register.js';

// Forms that apply themselves hide their submit buttons only once scripts run (without them, they submit).
document.documentElement.classList.add('js-ready');
