// Drawing with leaflet-geoman: one outline at a time; a click outside drawing places the point. An outline
// can only be started once the map is zoomed in enough to see what is being outlined.

// At zoom 14 a pixel is about 7 m at Italy's latitudes (156,543 m × cos 42° / 2^14), the base map draws
// buildings and the registry's map switches from points to outlines; an estate 3 km across still fits the
// 420 px map. At 13 a pixel is 14 m, so a building's corners fall within a pixel or two of each other.
export const MIN_OUTLINE_ZOOM = 14;

export function initDrawing(map, placement, { point, outline, centre, clear, zoomHint, status }) {
  map.pm.setLang(document.documentElement.lang === 'it' ? 'it' : 'en');
  map.pm.setGlobalOptions({ allowSelfIntersection: true, snappable: false, pathOptions: { color: '#0066cc' } });
  let mode = 'point';
  let corners = 0;
  const canDraw = () => map.getZoom() >= MIN_OUTLINE_ZOOM;
  const setMode = (next) => {
    mode = next;
    point.setAttribute('aria-pressed', String(mode === 'point'));
    outline.setAttribute('aria-pressed', String(mode === 'outline'));
    if (mode === 'outline') map.pm.enableDraw('Polygon', { finishOn: null });
    else map.pm.disableDraw();
  };
  // Disabled in the ARIA sense only, so the button stays focusable and a click can say why it does nothing.
  const followZoom = () => {
    outline.setAttribute('aria-disabled', String(!canDraw()));
    zoomHint.hidden = canDraw();
    // Zoomed out before the first corner: nothing is lost by going back to placing points.
    if (!canDraw() && mode === 'outline' && corners === 0) setMode('point');
  };
  point.addEventListener('click', () => setMode('point'));
  outline.addEventListener('click', () => {
    if (canDraw()) setMode('outline');
    else status.textContent = zoomHint.textContent.trim();
  });
  centre.addEventListener('click', () => placement.setPoint(map.getCenter()));
  clear.addEventListener('click', () => { placement.clear(); setMode(mode); });
  map.on('click', (event) => {
    if (mode === 'point' && !map.pm.globalDrawModeEnabled()) placement.setPoint(event.latlng);
  });
  map.on('pm:drawstart', ({ workingLayer }) => {
    corners = 0;
    workingLayer.on('pm:vertexadded', () => { corners += 1; });
  });
  map.on('pm:create', ({ layer }) => {
    placement.setOutline(layer);
    layer.pm.enable({ allowSelfIntersection: true });
    setMode('point');
  });
  map.on('zoomend', followZoom);
  setMode('point');
  followZoom();
}
