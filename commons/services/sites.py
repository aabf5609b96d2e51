"""Writes on sites: report, edit, and the spatial join that places a site in its areas.

`site_report` and `site_update` take the person acting and check the policy table themselves, so the API, the
web pages and the admin cannot differ. There is no system actor: bulk writers (imports, `seed_demo`) do not
come through here, they write with COPY under their own run-level rules (`import.run`, a management command).
"""

from django.contrib.gis.db.models.functions import Distance
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError, StaleVersionError
from commons.geometry import degrees_for
from commons.models import Municipality, NoticeKind, Site, SiteNotice, SiteSource
from commons.policy import require
from commons.services.confirmations import public_role
from commons.services.lifecycle import audit_context
from commons.services.territory import COAST_TOLERANCE_M, check_territory
from commons.site_fields import editable_fields

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
    """Check the geometry against Italy's territory (commons.services.territory), then set region/province/
    municipality from it (point on surface of the outline, else the point)."""
    check_territory(site.outline, site.location)
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


def point_inside(outline):
    """The point of a drawn area: a point inside it (never the centroid, which may fall outside)."""
    point = outline.point_on_surface
    point.srid = 4326
    return point


MAX_NESTING = 10  # a borgo's complex's building: real hierarchies are two or three levels deep


def _parent_id(value):
    return value.pk if isinstance(value, Site) else value


def check_parent(site):
    """A part lies inside its parent: a visible site, never itself or one of its own parts, drawn as an area whose
    outline covers the part's outline (or point). Refused with the reason on field `parent`."""
    if site.parent_id is None:
        return
    parent = Site.objects.visible().filter(pk=site.parent_id).first()
    if parent is None:
        raise RegistryValidationError(_("There is no visible site %(id)s to be part of.") % {"id": site.parent_id},
                                      code="not_found", field="parent")
    ancestor, depth = parent, 0
    while ancestor is not None and depth < MAX_NESTING:
        if site.pk is not None and ancestor.pk == site.pk:
            raise RegistryValidationError(_("A site cannot be part of itself or of one of its own parts."),
                                          code="parent_cycle", field="parent")
        ancestor, depth = ancestor.parent, depth + 1
    if parent.outline is None:
        raise RegistryValidationError(
            _("«%(title)s» has no outline: a site can only be part of one drawn as an area.") % {"title": parent.title},
            code="parent_without_outline", field="parent")
    if not parent.outline.covers(site.outline or site.location):
        raise RegistryValidationError(
            _("This site lies outside the outline of «%(title)s»: a part must be inside the site it belongs to.")
            % {"title": parent.title}, code="outside_parent", field="parent")


def _with_point(fields):
    """An outline sent without a location is placed at a point inside it (every write path: API, admin, web)."""
    if fields.get("location") is None and fields.get("outline") is not None:
        return {**fields, "location": point_inside(fields["outline"])}
    return fields


@transaction.atomic
def site_report(*, actor, source=SiteSource.CITIZEN, **fields):
    """Create a site reported by `actor`; its areas come from its geometry."""
    require(actor, "site.report")
    unknown = set(fields) - EDITABLE_FIELDS - {"source_id", "status"}
    if unknown:
        raise TypeError(f"site_report got unexpected fields: {sorted(unknown)}")
    fields = _with_point(fields)
    if "parent" in fields:
        fields["parent_id"] = _parent_id(fields.pop("parent"))
    site = Site(reporter=actor, source=source, **fields)
    site_place(site)
    check_parent(site)
    site.land_area_m2 = land_area_m2(site.outline)
    site.last_confirmed_by = public_role(actor, site)  # a report is a confirmation on the ground
    with audit_context(actor, "site.create"):
        site.save()
    SiteNotice.objects.create(site=site, kind=NoticeKind.NEW_SITE, title=f"{site.title} ({site.municipality.name})",
                              body=site.description[:1000])
    return site


@transaction.atomic
def site_update(*, actor, site_id, expected_version, changes):
    """Apply editable changes if `actor` may edit the site and saw its current version (None: whatever the
    version, for the admin); bumps the version, so an older If-Match is refused afterwards."""
    site = Site.objects.select_for_update().get(pk=site_id)
    require(actor, "site.edit", site=site)
    if expected_version is not None and site.version != expected_version:
        raise StaleVersionError(site.version)
    changes = _with_point(changes)
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"{name} is not editable")
        if name == "parent":
            site.parent_id = _parent_id(value)
        else:
            setattr(site, name, value)
    if {"location", "outline"} & set(changes):
        site_place(site)
        site.land_area_m2 = land_area_m2(site.outline)
    if {"location", "outline", "parent"} & set(changes):
        check_parent(site)
    site.version = F("version") + 1
    with audit_context(actor, "site.update"):
        site.save()
    site.refresh_from_db()
    return site
