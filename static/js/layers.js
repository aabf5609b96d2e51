// Map layers: simplified boundaries (GeoJSON) and the sites, drawn on canvas from the vector tiles.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { L } from './map.js';
import { emit } from './events.js';

// Same colours as the status badges in registry.css (contrast ≥ 3:1 on the base map and on white).
export const STATUS_COLORS = {
  reported: '#b34700', verified: '#0066cc', assigned: '#6b2fa5', in_reuse: '#00804d',
  rejected: '#5d7083', archived: '#5d7083', duplicate: '#5d7083',
};
const CLUSTER_COLOR = '#17324d';
const HIT_RADIUS = 9;

// Freshness (how recently a site was confirmed on the ground, tile attribute `freshness`): fresh sites are drawn
// solid, ageing ones lighter, stale ones hatched (white with stripes of their status colour), so the three read
// apart without colour too. The list and the site page write it out.
const hatches = new Map();

function hatch(ctx, color) {
  if (!hatches.has(color)) {
    const tile = document.createElement('canvas');
    tile.width = 6;
    tile.height = 6;
    const g = tile.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, 6, 6);
    g.strokeStyle = color;
    g.lineWidth = 1.6;
    g.beginPath();
    g.moveTo(-1, 7); g.lineTo(7, -1);
    g.moveTo(-1, 1); g.lineTo(1, -1);
    g.moveTo(5, 7); g.lineTo(7, 5);
    g.stroke();
    hatches.set(color, tile);
  }
  return ctx.createPattern(hatches.get(color), 'repeat');
}

export function freshnessFill(ctx, color, freshness, alpha = 'ff') {
  if (freshness === 'stale') return hatch(ctx, color);
  if (freshness === 'ageing') return `${color}${alpha === 'ff' ? '73' : '1a'}`;
  return `${color}${alpha}`;
}

export function createPanes(map) {
  map.createPane('boundaries').style.zIndex = 350;
  map.createPane('sites').style.zIndex = 450;
  map.getPane('boundaries').style.pointerEvents = 'none';
}

export function boundaryLayer(map, url, style) {
  const layer = L.geoJSON(null, { pane: 'boundaries', interactive: false, renderer: L.canvas({ pane: 'boundaries' }), style });
  const loaded = fetch(url).then((response) => response.json()).then((data) => {
    layer.addData(data);
    return layer;
  });
  layer.addTo(map);
  return { layer, loaded };
}

// Regions always; provinces once zoomed in enough to tell them apart; the chosen region stands out.
export function addBoundaries(map, urls) {
  const regions = boundaryLayer(map, urls.regioni, () => ({ color: '#17324d', weight: 1.5, opacity: 0.8, fill: false }));
  let provinces = null;
  const toggleProvinces = () => {
    const wanted = map.getZoom() >= 7;
    if (wanted && !provinces) {
      provinces = boundaryLayer(map, urls.province, () => ({ color: '#17324d', weight: 0.8, opacity: 0.6, dashArray: '4 3', fill: false }));
    } else if (provinces) {
      if (wanted && !map.hasLayer(provinces.layer)) provinces.layer.addTo(map);
      if (!wanted && map.hasLayer(provinces.layer)) map.removeLayer(provinces.layer);
    }
  };
  map.on('zoomend', toggleProvinces);
  toggleProvinces();
  return regions;
}

export function highlightArea(regions, code) {
  let bounds = null;
  regions.layer.eachLayer((layer) => {
    const chosen = code && layer.feature.properties.code === code;
    layer.setStyle(chosen ? { weight: 3.5, color: '#0066cc', opacity: 1 } : { weight: 1.5, color: '#17324d', opacity: 0.8 });
    if (chosen) bounds = layer.getBounds();
  });
  return bounds;
}

// Layers of /tiles/sites/: `site_clusters` (z <= 8, a count per grid cell), `sites` (points, id = site id)
// and `site_outlines` (z >= 14).
function featureKind(layerName, feature) {
  if (layerName === 'site_clusters') return 'cluster';
  return feature.type === 3 ? 'outline' : 'point';
}

// The server's grid is fine (8 px) so GIS clients can restyle it; the map merges its cells into 64 px cells,
// aligned on tile edges so no cell is counted twice, and places each at the weighted mean of its sites.
const CLUSTER_CELL = 64;

function mergeClusters(clusters) {
  const cells = new Map();
  for (const item of clusters) {
    const [x, y] = item.rings[0][0];
    if (x < 0 || y < 0 || x >= 256 || y >= 256) continue;
    const key = `${Math.floor(x / CLUSTER_CELL)}:${Math.floor(y / CLUSTER_CELL)}`;
    const count = Number(item.properties.count);
    const cell = cells.get(key) || { count: 0, x: 0, y: 0 };
    cell.count += count;
    cell.x += x * count;
    cell.y += y * count;
    cells.set(key, cell);
  }
  // A circle is drawn on its own tile's canvas: keep it whole by nudging it inside the tile (a few pixels).
  return absorbOverlaps([...cells.values()]).map((cell) => {
    const r = clusterRadius(cell.count) + 2;
    const x = Math.min(256 - r, Math.max(r, cell.x / cell.count));
    const y = Math.min(256 - r, Math.max(r, cell.y / cell.count));
    return { kind: 'cluster', properties: { count: cell.count }, id: null, rings: [[[x, y]]] };
  });
}

// Neighbouring cells whose circles would overlap become one circle (the bigger one absorbs the smaller).
function absorbOverlaps(cells) {
  const kept = [];
  for (const cell of cells.sort((a, b) => b.count - a.count)) {
    const x = cell.x / cell.count;
    const y = cell.y / cell.count;
    const host = kept.find((k) => Math.hypot(k.x / k.count - x, k.y / k.count - y) < clusterRadius(k.count) + clusterRadius(cell.count));
    if (host) {
      host.count += cell.count;
      host.x += cell.x;
      host.y += cell.y;
    } else {
      kept.push({ ...cell });
    }
  }
  return kept;
}

function decodeTile(buffer) {
  const tile = new VectorTile(new PbfReader(new Uint8Array(buffer)));
  const items = [];
  const clusters = [];
  for (const name of Object.keys(tile.layers)) {
    const layer = tile.layers[name];
    const factor = 256 / layer.extent;
    for (let i = 0; i < layer.length; i += 1) {
      const feature = layer.feature(i);
      const rings = feature.loadGeometry().map((ring) => ring.map((p) => [p.x * factor, p.y * factor]));
      const item = { kind: featureKind(name, feature), properties: feature.properties, id: feature.id ?? feature.properties.id, rings };
      (item.kind === 'cluster' ? clusters : items).push(item);
    }
  }
  return clusters.length ? items.concat(mergeClusters(clusters)) : items;
}

const decimal = new Intl.NumberFormat(document.documentElement.lang || 'it', { maximumFractionDigits: 1 });

function labelFor(count) {
  if (count >= 1e6) return `${decimal.format(count / 1e6)}M`;
  if (count >= 1e4) return `${Math.round(count / 1e3)}k`;
  if (count >= 1e3) return `${decimal.format(count / 1e3)}k`;
  return String(count);
}

function clusterRadius(count) {
  return Math.min(28, 8 + Math.log10(Math.max(count, 1)) * 5.5);
}

function drawItem(ctx, item, zoom) {
  const color = STATUS_COLORS[item.properties.status] || STATUS_COLORS.verified;
  const { freshness } = item.properties;
  if (item.kind === 'outline') {
    ctx.beginPath();
    for (const ring of item.rings) ring.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.globalAlpha = freshness === 'stale' ? 0.5 : 1;
    ctx.fillStyle = freshnessFill(ctx, color, freshness, '40');
    ctx.fill('evenodd');
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    ctx.setLineDash(freshness === 'stale' ? [5, 3] : []);
    ctx.strokeStyle = color;
    ctx.stroke();
    ctx.setLineDash([]);
    return;
  }
  const [x, y] = item.rings[0][0];
  if (item.kind === 'cluster') {
    const count = Number(item.properties.count);
    const radius = clusterRadius(count);
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, Math.PI * 2);
    ctx.fillStyle = `${CLUSTER_COLOR}e6`;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.fillStyle = '#ffffff';
    ctx.font = '600 11px "Titillium Web", system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(labelFor(count), x, y + 0.5);
    return;
  }
  const radius = zoom >= 14 ? 6.5 : 5;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.fillStyle = freshnessFill(ctx, color, freshness);
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = freshness === 'stale' ? color : '#ffffff';
  ctx.stroke();
  if (freshness === 'stale') { // a white ring outside keeps the hatched point readable on any base map
    ctx.beginPath();
    ctx.arc(x, y, radius + 1.3, 0, Math.PI * 2);
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
  }
}

function drawTile(canvas, items, zoom) {
  const ratio = window.devicePixelRatio || 1;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const order = { outline: 0, point: 1, cluster: 2 };
  [...items].sort((a, b) => order[a.kind] - order[b.kind]).forEach((item) => drawItem(ctx, item, zoom));
}

function pointInRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export const SiteTileLayer = L.GridLayer.extend({
  options: { pane: 'sites', tileSize: 256, updateWhenZooming: false, updateWhenIdle: true, keepBuffer: 1 },

  initialize(url, options) {
    L.setOptions(this, options);
    this._urlTemplate = url;
    this._query = '';
    this._items = new Map();
    this._pending = new Map();
    this._generation = 0;
  },

  setQuery(query) {
    if (query === this._query) return;
    this._query = query;
    this._generation += 1;
    this.redraw();
  },

  createTile(coords, done) {
    const canvas = L.DomUtil.create('canvas', 'leaflet-tile');
    const ratio = window.devicePixelRatio || 1;
    const size = this.getTileSize();
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    const key = this._tileCoordsToKey(coords);
    const controller = new AbortController();
    this._pending.set(key, controller);
    const url = L.Util.template(this._urlTemplate, coords) + (this._query ? `?${this._query}` : '');
    const generation = this._generation;
    fetch(url, { signal: controller.signal })
      .then((response) => {
        if (response.status === 204) return new ArrayBuffer(0);
        if (!response.ok) throw new Error(`tile ${response.status}`);
        return response.arrayBuffer();
      })
      .then((buffer) => {
        const items = buffer.byteLength ? decodeTile(buffer) : [];
        this._items.set(key, items);
        drawTile(canvas, items, coords.z);
        this._pending.delete(key);
        done(null, canvas);
        this.fire('tiledrawn', { count: items.length, generation });
      })
      .catch((error) => {
        this._pending.delete(key);
        if (error.name !== 'AbortError') done(error, canvas);
      });
    return canvas;
  },

  _removeTile(key) {
    const controller = this._pending.get(key);
    if (controller) controller.abort();
    this._pending.delete(key);
    this._items.delete(key);
    L.GridLayer.prototype._removeTile.call(this, key);
  },

  // The site or cluster under a map point, looked up in the decoded tile that holds it.
  hitTest(latlng) {
    const map = this._map;
    const zoom = Math.round(map.getZoom());
    const size = this.getTileSize();
    const pixel = map.project(latlng, zoom);
    const coords = L.point(Math.floor(pixel.x / size.x), Math.floor(pixel.y / size.y));
    coords.z = zoom;
    const items = this._items.get(this._tileCoordsToKey(coords)) || [];
    const x = pixel.x - coords.x * size.x;
    const y = pixel.y - coords.y * size.y;
    let best = null;
    let bestDistance = Infinity;
    for (const item of items) {
      if (item.kind === 'outline') {
        if (!best && item.rings.some((ring) => pointInRing(x, y, ring))) best = item;
        continue;
      }
      const [px, py] = item.rings[0][0];
      const reach = item.kind === 'cluster' ? clusterRadius(Number(item.properties.count)) : HIT_RADIUS;
      const distance = Math.hypot(px - x, py - y);
      if (distance <= reach && distance < bestDistance) {
        best = item;
        bestDistance = distance;
      }
    }
    return best;
  },
});

// Reports the first tile that actually drew sites for the current filters (used by tests and timing).
export function watchFirstSites(layer) {
  layer.on('tiledrawn', ({ count, generation }) => {
    if (count > 0 && generation === layer._generation && !layer._announced) {
      layer._announced = true;
      window.registryFirstSitesAt = window.registryFirstSitesAt || performance.now();
      emit('sites:drawn', { generation });
    }
  });
  layer.on('loading', () => { layer._announced = false; });
}
