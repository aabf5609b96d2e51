"""The report flow page (/segnala/): the browser posts the report to the API as JSON."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from commons.models import Condition, LocationPrecision, Ownership, SiteKind
from mapping.web.context_processors import reverse_or_none

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
        "photoFailed": _("The site was saved, but a photo could not be uploaded: %(message)s"),
        "network": _("The connection to the server was lost. The report is kept on this device and will be sent as soon as the connection comes back; you can also try again now."),
        "signIn": _("Your session has ended: sign in again, and the report kept on this device will be sent."),
        "serverError": _("The server had a problem and the report was not saved. It is still here: try again in a few minutes."),
        "gpsUnavailable": _("Your position is not available: search for a municipality instead."),
        "gpsFound": _("Map centred on your position (accuracy about %(m)s m). Check the point and move it if needed."),
        "noMunicipality": _("No municipality found with that name."),
        "municipalityShown": _("Map centred on %(name)s."),
        "duplicatesFound": _("%(n)s sites already in the registry are near the place you chose."),
        "searchOffline": _("The municipality search needs a connection (only the searches made before are kept). Use your position or move the map."),
        "privacyRequired": _("Confirm that you have read the privacy notice."),
        "stepCurrent": _("current step"),
        "stepDone": _("completed"),
        "change": _("Change"),
        "noPhotos": _("No photo"),
        **draft_messages(),
    }


def draft_messages():
    """Sentences about the reports kept on this device (the report page and the list of one's reports)."""
    return {
        "sentTitle": _("Report sent"),
        "sentText": _("Thank you. The municipality will check your report; you can follow it on the site's page."),
        "queuedTitle": _("Report kept on this device"),
        "queuedText": _("There is no connection now. The report and its photos are kept on this device and will be sent as soon as the connection comes back: by the browser, where it can, even with this page closed, otherwise the next time you open the registry."),
        "attentionTitle": _("The report needs your answer"),
        "attentionText": _("It was not sent yet: see it in the list of reports kept on this device, above."),
        "number": _("Report number"),
        "sentOn": _("Sent on"),
        "keptOn": _("Kept on"),
        "states": {
            "waiting": _("Waiting for a connection"), "sending": _("Sending…"), "duplicates": _("Check the nearby sites"),
            "fix": _("To be corrected"), "sent": _("Sent"),
        },
        "problems": {
            "network": _("No connection: it will be sent when the connection comes back."),
            "server": _("The server had a problem: it will be sent again later."),
            "signin": _("Sign in again to send it."),
        },
        "duplicatesQueued": _("Sites already in the registry are near this place: open one if it is yours, or send the report anyway."),
        "sentNumber": _("Report number %(id)s."),
        "preparedOn": _("Prepared on %(date)s"),
        "photosCount": _("photos: %(n)s"),
        "untitled": _("Report without a name"),
        "noDrafts": _("No report is waiting on this device."),
        "sendNow": _("Send now"),
        "sendAnyway": _("Send it anyway: it is not one of these"),
        "openToFix": _("Open and correct"),
        "openDraft": _("Open"),
        "deleteDraft": _("Delete"),
        "dismiss": _("Remove from this list"),
        "confirmDelete": _("Delete this report from this device? It has not been sent."),
        "openSite": _("Open this site"),
        "away": _("%(m)s m away"),
        "fields": _field_labels(),
    }


def _field_labels():
    return {
        "title": _("Name of the site"), "kind": _("Kind"), "description": _("Description"),
        "ownership": _("Ownership"), "condition": _("Condition"), "dormant_since": _("Unused since (year)"),
        "floor_area_m2": _("Floor area (m²)"), "address": _("Address"), "parent": _("Part of a larger site"),
        "location": _("Place on the map"),
        "outline": _("Outline on the map"), "photos": _("Photos"), "not_duplicate": _("Nearby sites"),
        "privacy": _("Privacy notice"), "caption": _("Caption of the photos"),
    }


def _steps():
    return [("privacy", _("Privacy notice")), ("where", _("Where")), ("what", _("What")), ("photos", _("Photos")),
            ("summary", _("Summary"))]


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
        "user": request.user.pk,
        "reportUrl": reverse("mapping:report"),
    }
    return render(request, "mapping/report.html", {
        "config": config,
        "messages_js": _messages(),
        "kinds": SiteKind.choices,
        "ownerships": Ownership.choices,
        "conditions": Condition.choices,
        "precisions": LocationPrecision.choices,
        "steps": _steps(),
        "privacy_url": reverse_or_none("mapping:privacy"),
    })
