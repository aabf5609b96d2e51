// Entry module of "Le mie segnalazioni": next to the sites the server lists, the reports this device still
// holds (waiting, to be checked or corrected, just sent), from the device's own storage.
import '../ui.js';
import { readConfig } from '../events.js';
import { initDraftList } from '../report/drafts.js';

const config = readConfig('drafts-config');
initDraftList(document.getElementById('offline-drafts'), {
  user: config.user, reportUrl: config.reportUrl, messages: readConfig('drafts-messages'),
});
