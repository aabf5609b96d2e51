// Finding the place: the device's position (GPS), or a municipality searched by name.
import { debounce, format } from '../events.js';
import { L } from '../map.js';

export function initLocate(map, placement, { gpsButton, searchInput, searchButton, resultList, areasUrl, messages, status }) {
  gpsButton.addEventListener('click', () => {
    if (!navigator.geolocation) { status.textContent = messages.gpsUnavailable; return; }
    navigator.geolocation.getCurrentPosition((position) => {
      const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
      map.setView(latlng, 17);
      placement.setPoint(latlng);
      status.textContent = format(messages.gpsFound, { m: Math.round(position.coords.accuracy) });
    }, () => { status.textContent = messages.gpsUnavailable; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  const search = async () => {
    const query = searchInput.value.trim();
    if (query.length < 2) return;
    let data;
    try {
      const response = await fetch(`${areasUrl}?q=${encodeURIComponent(query)}`);
      data = response.ok ? await response.json() : { results: [] };
    } catch (error) {
      // Offline, only the searches made before are kept (by the service worker).
      resultList.replaceChildren(listItem(messages.searchOffline));
      return;
    }
    resultList.replaceChildren(...data.results.map((area) => municipalityChoice(map, area, messages, status)));
    if (!data.results.length) resultList.replaceChildren(listItem(messages.noMunicipality));
  };
  searchButton.addEventListener('click', search);
  searchInput.addEventListener('input', debounce(search, 350));
  searchInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); search(); }
  });
}

function listItem(text) {
  const item = document.createElement('li');
  item.textContent = text;
  return item;
}

function municipalityChoice(map, area, messages, status) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn btn-link btn-sm p-0';
  button.textContent = `${area.name} (${area.province})`;
  button.addEventListener('click', () => {
    const [w, s, e, n] = area.bbox;
    map.fitBounds([[s, w], [n, e]]);
    status.textContent = format(messages.municipalityShown, { name: area.name });
    document.getElementById('report-map').focus();
  });
  item.append(button);
  return item;
}
