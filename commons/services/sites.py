"""Writes on sites: report, edit, and the spatial join that places a site in its areas."""

from django.contrib.gis.db.models.functions import Distance
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError, StaleVersionError
from commons.geometry import degrees_for
from commons.models import Municipality, NoticeKind, Site, SiteNotice, SiteSource
from commons.site_fields import editable_fields

# Simplified coastlines cut off some beaches and piers: a point this close to a municipality still belongs to it.
COAST_TOLERANCE_M = 1000

EDITABLE_FIELDS = set(editable_fields())


def municipality_at(point):
    """The municipality containing a point (or the nearest one within the coast tolerance), or None."""
    found = Municipality.objects.select_related("province", "region").filter(geom__intersects=point).first()
    if found:
        return found
    nearest = (
        Municipality.objects.select_related("province", "region")
        .filter(geom__dwithin=(point, degrees_for(COAST_TOLERANCE_M, point.y)))
        .annotate(distance=Distance("geom", point))
        .order_by("distance")
        .first()
    )
    return nearest if nearest and nearest.distance.m <= COAST_TOLERANCE_M else None


def site_place(site):
    """Set region/province/municipality from the geometry (point on surface of the outline, else the point)."""
    probe = site.outline.point_on_surface if site.outline else site.location
    probe.srid = 4326
    municipality = municipality_at(probe)
    if municipality is None:
        field = "outline" if site.outline else "location"
        raise RegistryValidationError(
            _("This place is outside Italy: the registry only holds sites on Italian territory."),
            code="out_of_bounds",
            field=field,
        )
    site.municipality = municipality
    site.province = municipality.province
    site.region = municipality.region


def land_area_m2(outline):
    """Square metres of an outline on the ellipsoid (geography), computed by PostGIS."""
    if not outline:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(ST_Area(ST_GeomFromEWKB(%s)::geography))", [bytes(outline.ewkb)])
        return int(cursor.fetchone()[0])


@transaction.atomic
def site_report(*, reporter, source=SiteSource.CITIZEN, **fields):
    """Create a reported site; its areas come from its geometry."""
    unknown = set(fields) - EDITABLE_FIELDS - {"source_id", "status"}
    if unknown:
        raise TypeError(f"site_report got unexpected fields: {sorted(unknown)}")
    site = Site(reporter=reporter, source=source, **fields)
    site_place(site)
    site.land_area_m2 = land_area_m2(site.outline)
    site.save()
    SiteNotice.objects.create(site=site, kind=NoticeKind.NEW_SITE, title=f"{site.title} ({site.municipality.name})",
                              body=site.description[:1000])
    return site


@transaction.atomic
def site_update(*, site_id, expected_version, changes):
    """Apply editable changes if the caller saw the current version; bumps the version."""
    site = Site.objects.select_for_update().get(pk=site_id)
    if expected_version is not None and site.version != expected_version:
        raise StaleVersionError(site.version)
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"{name} is not editable")
        setattr(site, name, value)
    if {"location", "outline"} & set(changes):
        site_place(site)
        site.land_area_m2 = land_area_m2(site.outline)
    site.version = F("version") + 1
    site.save()
    site.refresh_from_db()
    return site
