// A cooperative's territory drawn with leaflet-geoman: any number of areas, drawn, edited or cleared, kept as one
// GeoJSON MultiPolygon in the form's hidden field (empty when nothing is drawn: saving then clears the area).
// The server checks it again (commons.services.matching.drawn_territory) and says what is wrong.
import { L } from './map.js';
import { format } from './events.js';

const STYLE = { color: '#0066cc', weight: 2, fillOpacity: 0.15 };

// The polygons of a GeoJSON text (a Polygon or a MultiPolygon), each as its rings of [lng, lat]; [] if unreadable
// (a refused submission may carry back anything).
export function polygonsOf(text) {
  try {
    const geometry = JSON.parse(text);
    if (geometry.type === 'Polygon') return [geometry.coordinates];
    if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return [];
}

export function asGeoJSON(polygons) {
  return polygons.length ? JSON.stringify({ type: 'MultiPolygon', coordinates: polygons }) : '';
}

// Positions as the server counts them (settings.REGISTRY_MAX_VERTICES), and corners as people see them (a closed
// ring repeats its first position).
const positions = (polygons) => polygons.flat().reduce((n, ring) => n + ring.length, 0);
const corners = (polygons) => polygons.flat().reduce((n, ring) => n + ring.length - 1, 0);

export function initTerritory(map, { input, draw, edit, clear, status, messages, maxVertices }) {
  map.pm.setLang(document.documentElement.lang === 'it' ? 'it' : 'en');
  map.pm.setGlobalOptions({ allowSelfIntersection: true, snappable: false, pathOptions: STYLE });
  const areas = L.featureGroup().addTo(map);
  const drawn = () => areas.getLayers().flatMap((layer) => {
    const { geometry } = layer.toGeoJSON(6);
    return geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates];
  });
  const describe = (polygons, changed) => {
    let text = polygons.length
      ? format(messages.drawn, { count: polygons.length, vertices: corners(polygons) }) : messages.none;
    if (positions(polygons) > maxVertices) text += ` ${format(messages.tooManyVertices, { limit: maxVertices })}`;
    if (changed) text += ` ${messages.unsaved}`;
    status.textContent = text;
  };
  const write = () => {
    const polygons = drawn();
    input.value = asGeoJSON(polygons);
    describe(polygons, true);
  };
  const add = (layer) => {
    areas.addLayer(layer);
    layer.on('pm:edit pm:vertexremoved', write);
  };
  const setDrawing = (on) => {
    draw.setAttribute('aria-pressed', String(on));
    if (on) {
      if (map.pm.globalEditModeEnabled()) setEditing(false);
      map.pm.enableDraw('Polygon', { finishOn: null });
      status.textContent = messages.drawing;
    } else {
      map.pm.disableDraw();
    }
  };
  function setEditing(on) {
    edit.setAttribute('aria-pressed', String(on));
    if (on) setDrawing(false);
    if (on !== map.pm.globalEditModeEnabled()) map.pm.toggleGlobalEditMode();
    if (on) status.textContent = messages.editing;
    else describe(drawn(), input.value !== input.defaultValue);
  }

  for (const rings of polygonsOf(input.value)) add(L.polygon(L.GeoJSON.coordsToLatLngs(rings, 1), STYLE));
  describe(drawn(), false);
  draw.addEventListener('click', () => setDrawing(draw.getAttribute('aria-pressed') !== 'true'));
  edit.addEventListener('click', () => setEditing(edit.getAttribute('aria-pressed') !== 'true'));
  clear.addEventListener('click', () => {
    setDrawing(false);
    setEditing(false);
    areas.clearLayers();
    write();
  });
  map.on('pm:create', ({ layer }) => {
    add(layer);
    setDrawing(false);
    write();
  });
  return areas;
}
