// Drawing with leaflet-geoman: one outline at a time; a click outside drawing places the point.
export function initDrawing(map, placement, buttons) {
  map.pm.setLang(document.documentElement.lang === 'it' ? 'it' : 'en');
  map.pm.setGlobalOptions({ allowSelfIntersection: true, snappable: false, pathOptions: { color: '#0066cc' } });
  let mode = 'point';
  const setMode = (next) => {
    mode = next;
    buttons.point.setAttribute('aria-pressed', String(mode === 'point'));
    buttons.outline.setAttribute('aria-pressed', String(mode === 'outline'));
    if (mode === 'outline') map.pm.enableDraw('Polygon', { finishOn: null });
    else map.pm.disableDraw();
  };
  buttons.point.addEventListener('click', () => setMode('point'));
  buttons.outline.addEventListener('click', () => setMode('outline'));
  buttons.centre.addEventListener('click', () => placement.setPoint(map.getCenter()));
  buttons.clear.addEventListener('click', () => { placement.clear(); setMode(mode); });
  map.on('click', (event) => {
    if (mode === 'point' && !map.pm.globalDrawModeEnabled()) placement.setPoint(event.latlng);
  });
  map.on('pm:create', ({ layer }) => {
    placement.setOutline(layer);
    layer.pm.enable({ allowSelfIntersection: true });
    setMode('point');
  });
  setMode('point');
}
