"""The report flow page (/segnala/): the browser posts the report to the API as JSON."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from commons.models import Condition, LocationPrecision, Ownership, SiteKind

# Metres around the drawn place in which existing sites are shown as possible duplicates.
DUPLICATE_RADIUS_M = 250


def _messages():
    """Sentences the report flow's script shows, in the page's language."""
    return {
        "noPlace": _("No place chosen yet."),
        "point": _("Point placed at latitude %(lat)s, longitude %(lng)s."),
        "outline": _("Outline drawn with %(n)s corners."),
        "required": _("This field is required."),
        "placeRequired": _("Place the site on the map: click to put a point, or draw its outline."),
        "confirmNotDuplicate": _("Open one of the nearby sites, or confirm that yours is not among them."),
        "saving": _("Saving the report…"),
        "uploading": _("Uploading photo %(i)s of %(n)s…"),
        "photoFailed": _("The site was saved, but a photo could not be uploaded: %(message)s"),
        "saved": _("Report saved. Opening its page…"),
        "network": _("The connection to the server was lost. Your report is still here: check your connection and try again."),
        "serverError": _("The server had a problem and the report was not saved. It is still here: try again in a few minutes."),
        "gpsUnavailable": _("Your position is not available: search for a municipality instead."),
        "gpsFound": _("Map centred on your position (accuracy about %(m)s m). Check the point and move it if needed."),
        "noMunicipality": _("No municipality found with that name."),
        "municipalityShown": _("Map centred on %(name)s."),
        "away": _("%(m)s m away"),
        "openSite": _("Open this site"),
        "duplicatesFound": _("%(n)s sites already in the registry are near the place you chose."),
        "fields": {
            "title": _("Name of the site"), "kind": _("Kind"), "description": _("Description"),
            "ownership": _("Ownership"), "condition": _("Condition"), "dormant_since": _("Unused since (year)"),
            "floor_area_m2": _("Floor area (m²)"), "address": _("Address"), "location": _("Place on the map"),
            "outline": _("Outline on the map"), "photos": _("Photos"), "not_duplicate": _("Nearby sites"),
        },
    }


@login_required
@ensure_csrf_cookie
def report(request):
    config = {
        "basemap": {"url": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
        "sitesUrl": "/api/v1/sites/",
        "tilesUrl": "/tiles/sites/{z}/{x}/{y}.pbf",
        "photosUrl": "/api/v1/sites/{id}/photos/",
        "areasUrl": reverse("mapping:areas"),
        "siteUrl": reverse("mapping:site_detail", args=[0]).replace("/0/", "/{id}/"),
        "duplicateRadius": DUPLICATE_RADIUS_M,
        "maxPhotoBytes": settings.PHOTO_MAX_BYTES,
        "maxVertices": settings.REGISTRY_MAX_VERTICES,
    }
    return render(request, "mapping/report.html", {
        "config": config,
        "messages_js": _messages(),
        "kinds": SiteKind.choices,
        "ownerships": Ownership.choices,
        "conditions": Condition.choices,
        "precisions": LocationPrecision.choices,
    })
