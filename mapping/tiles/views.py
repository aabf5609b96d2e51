"""The tile face: /tiles/sites/{z}/{x}/{y}.pbf, written by mapping.read.tiles, with the shared filters."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commons.search import FilterParamsError, site_search
from mapping.read.conditional import conditional, etag_of
from mapping.read.errors import error, error_response
from commons.grid import MAX_ZOOM
from mapping.read.tiles import cached_tile_sql, fetch_tile

HEADERS = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"}
MVT = "application/vnd.mapbox-vector-tile"


def _tile_numbers(z, x, y):
    """(z, x, y) as integers, or the errors naming those that are not whole numbers."""
    errors = [error(name, "invalid_number", _("%(name)s must be a whole number.") % {"name": name})
              for name, value in (("z", z), ("x", x), ("y", y))
              if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 12)]
    return (None, errors) if errors else ((int(z), int(x), int(y)), [])


def _tile_errors(z, x, y):
    if not 0 <= z <= MAX_ZOOM:
        return [error("z", "out_of_range", _("z must be between 0 and %(max)d.") % {"max": MAX_ZOOM})]
    errors = []
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            errors.append(error(name, "out_of_range", _("%(name)s must be between 0 and %(max)d at zoom %(z)d.")
                                % {"name": name, "max": 2**z - 1, "z": z}))
    return errors


@require_GET
def site_tile(request, z, x, y):
    numbers, errors = _tile_numbers(z, x, y)
    if numbers:
        z, x, y = numbers
        errors = _tile_errors(z, x, y)
    search = None
    try:
        search = site_search(request.GET)
    except FilterParamsError as exc:
        errors += exc.errors
    if errors:
        return error_response(errors, 400)
    data = fetch_tile(*cached_tile_sql(search, z, x, y))
    return conditional(request, etag_of(data), lambda: HttpResponse(data, content_type=MVT), HEADERS)
