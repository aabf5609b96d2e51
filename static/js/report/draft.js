// The form as a draft kept on this device, and a kept draft back into the form: the fields, the place (point
// and/or outline), the photos (made smaller first) and their caption.
import { newKey } from '../offline/outbox.js';
import { L } from '../map.js';
import { downscale, putFiles } from './photos.js';

export const FORM_FIELDS = ['title', 'kind', 'description', 'ownership', 'condition', 'dormant_since', 'floor_area_m2',
  'address', 'parent'];
const NUMBERS = ['dormant_since', 'floor_area_m2', 'parent'];

export function formBody(form, placement) {
  const body = {};
  for (const name of FORM_FIELDS) {
    const value = form.elements[name].value.trim();
    if (value === '') continue;
    body[name] = NUMBERS.includes(name) && /^\d+$/.test(value) ? Number(value) : value;
  }
  return { ...body, ...placement.geojson() };
}

// A draft keeps its id and, until the server has refused it, its Idempotency-Key: sent again, it is the same
// report. `previous` is the draft being edited, if any.
export async function draftFromForm(form, placement, { previous, user, config, duplicatesChecked }) {
  const files = [...form.elements.photos.files];
  const photos = [];
  for (const file of files) photos.push({ key: newKey(), blob: await downscale(file), done: false, error: null });
  const base = previous && previous.status !== 'sent' ? previous : { id: newKey(), key: newKey(), createdAt: Date.now(), attempted: false };
  return {
    ...base,
    user,
    status: 'waiting',
    body: formBody(form, placement),
    photos,
    caption: form.elements.caption.value.trim(),
    duplicatesChecked,
    errors: [],
    nearby: [],
    problem: null,
    siteId: null,
    radius: config.duplicateRadius,
    urls: { sites: config.sitesUrl, photos: config.photosUrl, site: config.siteUrl },
  };
}

function outlineLayer(outline) {
  const polygon = outline.type === 'MultiPolygon' ? outline.coordinates[0] : outline.coordinates;
  const rings = L.GeoJSON.coordsToLatLngs(polygon, 1).map((ring) => {
    const [first, last] = [ring[0], ring[ring.length - 1]];
    return first.equals(last) ? ring.slice(0, -1) : ring;
  });
  return L.polygon(rings, { color: '#0066cc' });
}

export function restoreDraft(form, placement, map, draft) {
  for (const name of FORM_FIELDS) {
    if (draft.body[name] === undefined) continue;
    if (name === 'parent' && ![...form.elements.parent.options].some((o) => o.value === String(draft.body.parent))) {
      form.elements.parent.append(new Option(`#${draft.body.parent}`, String(draft.body.parent)));
    }
    form.elements[name].value = String(draft.body[name]);
  }
  form.elements.caption.value = draft.caption || '';
  form.elements.privacy.checked = true; // accepted when the draft was made
  const photos = draft.photos.filter((photo) => photo.blob);
  if (photos.length) putFiles(form.elements.photos, photos.map((photo) => photo.blob));
  if (draft.body.outline) {
    const layer = outlineLayer(draft.body.outline).addTo(map);
    placement.setOutline(layer);
    layer.pm.enable({ allowSelfIntersection: true });
  }
  if (draft.body.location) {
    const [lng, lat] = draft.body.location.coordinates;
    placement.setPoint(L.latLng(lat, lng));
  }
}

export function fitToPlacement(map, placement) {
  const bounds = placement.outline ? placement.outline.getBounds() : L.latLngBounds([placement.centre()]);
  map.fitBounds(bounds, { maxZoom: 18 });
}
