// The place of the reported site: an explicit point, a drawn outline, or both. Every change is announced as
// `report:placement` ({ centre, description }) for the status line and the nearby-sites lookup.
import { emit, format } from '../events.js';
import { L } from '../map.js';

export const GEOMETRY_FIELDS = ['location', 'outline'];

// The API stores 6 decimals (about 10 cm); the browser sends no more.
export function roundCoordinate(value) {
  return Math.round(value * 1e6) / 1e6;
}

function roundCoordinates(value) {
  return Array.isArray(value[0]) ? value.map(roundCoordinates) : value.map(roundCoordinate);
}

export class Placement {
  constructor(map, messages) {
    this.map = map;
    this.messages = messages;
    this.marker = null;
    this.outline = null;
    this.problem = null;
  }

  setPoint(latlng) {
    if (this.marker) this.marker.setLatLng(latlng);
    else {
      this.marker = L.marker(latlng, { draggable: true, keyboard: true, title: this.messages.fields.location, pmIgnore: true }).addTo(this.map);
      this.marker.on('dragend', () => this.changed());
    }
    this.changed();
  }

  setOutline(layer) {
    if (this.outline && this.outline !== layer) this.map.removeLayer(this.outline);
    this.outline = layer;
    layer.on('pm:edit pm:dragend', () => this.changed());
    this.changed();
  }

  // Where the server found the problem (e.g. the crossing of a self-intersecting outline), shown on the map.
  markProblem(error) {
    if (this.problem) this.map.removeLayer(this.problem);
    this.problem = null;
    if (this.outline) this.outline.setStyle({ color: error ? '#b30000' : '#0066cc' });
    if (!error || !Array.isArray(error.location)) return;
    const [lng, lat] = error.location;
    this.problem = L.circleMarker([lat, lng], { radius: 10, color: '#b30000', weight: 3, fill: false, pmIgnore: true })
      .bindTooltip(error.message).addTo(this.map);
  }

  clear() {
    this.markProblem(null);
    [this.marker, this.outline].forEach((layer) => layer && this.map.removeLayer(layer));
    this.marker = null;
    this.outline = null;
    this.changed();
  }

  isEmpty() {
    return !this.marker && !this.outline;
  }

  // Where to look for nearby sites: the point, else the middle of the outline.
  centre() {
    if (this.marker) return this.marker.getLatLng();
    return this.outline ? this.outline.getBounds().getCenter() : null;
  }

  geojson() {
    const body = {};
    if (this.marker) {
      const { lat, lng } = this.marker.getLatLng();
      body.location = { type: 'Point', coordinates: [roundCoordinate(lng), roundCoordinate(lat)] };
    }
    if (this.outline) {
      const geometry = this.outline.toGeoJSON().geometry;
      body.outline = { type: geometry.type, coordinates: roundCoordinates(geometry.coordinates) };
    }
    return body;
  }

  describe() {
    const m = this.messages;
    if (this.outline) {
      const corners = this.outline.getLatLngs().flat(2).length;
      return format(m.outline, { n: corners });
    }
    if (this.marker) {
      const { lat, lng } = this.marker.getLatLng();
      return format(m.point, { lat: lat.toFixed(5), lng: lng.toFixed(5) });
    }
    return m.noPlace;
  }

  changed() {
    if (this.problem) this.markProblem(null);
    emit('report:placement', { centre: this.centre(), description: this.describe() });
  }
}
