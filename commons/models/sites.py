"""Dormant assets: the sites of the registry and their photos."""

import pghistory
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector
from django.db.models import Exists, Func, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commons.grid import WORLD_HALF

# A generous box around Italy (Lampedusa to the Alps, Sardinia to Otranto, with the sea in between).
ITALY_BBOX = (6.0, 35.0, 19.0, 47.5)


class SiteKind(models.TextChoices):
    BUILDING = "building", _("Building")
    LAND = "land", _("Land")
    VILLAGE = "village", _("Village (borgo)")
    NATURAL = "natural", _("Natural asset")
    CULTURAL = "cultural", _("Cultural asset")
    URBAN_COMPLEX = "urban_complex", _("Urban complex")
    PERIPHERY = "periphery", _("Periphery area")
    INDUSTRIAL = "industrial", _("Industrial site")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    OTHER = "other", _("Other")


class Ownership(models.TextChoices):
    STATE = "state", _("State")
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality")
    OTHER_PUBLIC = "other_public", _("Other public body")
    PRIVATE = "private", _("Private")
    CONFISCATED = "confiscated", _("Confiscated from organised crime")
    ECCLESIASTICAL = "ecclesiastical", _("Ecclesiastical")
    UNKNOWN = "unknown", _("Unknown")

    @classmethod
    def public(cls):
        return [cls.STATE, cls.REGION, cls.MUNICIPALITY, cls.OTHER_PUBLIC, cls.CONFISCATED]


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")
    RUIN = "ruin", _("Ruin")
    UNKNOWN = "unknown", _("Unknown")


class SiteStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    ASSIGNED = "assigned", _("Assigned")
    IN_REUSE = "in_reuse", _("In reuse")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    ARCHIVED = "archived", _("Archived")

    @classmethod
    def public(cls):
        """Statuses shown on the public map by default."""
        return [cls.REPORTED, cls.VERIFIED, cls.ASSIGNED, cls.IN_REUSE]


class LocationPrecision(models.TextChoices):
    EXACT = "exact", _("Exact")
    APPROXIMATE = "approximate", _("Approximate")
    MUNICIPALITY = "municipality", _("Municipality only")


class SiteSource(models.TextChoices):
    """Where a site came from; import datasets use their own slug (e.g. 'anbsc')."""

    CITIZEN = "citizen", _("Citizen report")
    MUNICIPALITY = "municipality", _("Municipality")
    DEMO = "demo", _("Demo data")
    ANBSC = "anbsc", _("ANBSC confiscated properties")


class ConfirmerRole(models.TextChoices):
    """Who last confirmed a site on the ground, as the public sees it (never the person)."""

    CITIZEN = "citizen", _("a citizen")
    REPORTER = "reporter", _("the reporter")
    MUNICIPALITY = "municipality", _("municipality staff")
    MODERATOR = "moderator", _("a moderator")
    DATASET = "dataset", _("the source dataset")


class Freshness(models.TextChoices):
    """How recently a site was confirmed (commons.freshness): derived from last_confirmed_at, never stored."""

    FRESH = "fresh", _("Fresh")
    AGEING = "ageing", _("Ageing")
    STALE = "stale", _("Stale")


class SiteQuerySet(models.QuerySet):
    def visible(self):
        """What the public sees: not hidden, not merged away."""
        return self.filter(hidden=False).exclude(status=SiteStatus.DUPLICATE)

    def in_area(self, area):
        field = {"Region": "region", "Province": "province", "Municipality": "municipality"}[type(area).__name__]
        return self.filter(**{field: area})

    def with_open_proposals(self):
        from .proposals import Proposal, ProposalStatus

        open_proposals = Proposal.objects.filter(site=OuterRef("pk"), status=ProposalStatus.SUBMITTED)
        return self.annotate(has_open_proposals=Exists(open_proposals))

    def claimed(self, value=True):
        """Verified sites with at least one submitted proposal (derived, never stored)."""
        from .proposals import Proposal, ProposalStatus

        open_proposals = Proposal.objects.filter(site=OuterRef("pk"), status=ProposalStatus.SUBMITTED)
        condition = Q(status=SiteStatus.VERIFIED) & Exists(open_proposals)
        return self.filter(condition) if value else self.exclude(condition)

    def near(self, point, metres):
        """Sites within `metres` of a point: an indexed box in degrees, then the exact spheroid distance."""
        from django.contrib.gis.measure import D

        from commons.geometry import degrees_for

        return self.filter(
            location__dwithin=(point, degrees_for(metres, point.y)), location__distance_lte=(point, D(m=metres))
        )


SITE_HISTORY_FIELDS = [
    "title", "description", "kind", "ownership", "condition", "dormant_since", "floor_area_m2", "land_area_m2",
    "cadastral_refs", "address", "location", "outline", "location_precision", "municipality", "parent", "status",
    "duplicate_of", "hidden", "source", "source_id", "version",
]

# Carried by the covering location indexes (see Site.Meta.indexes).
COVERING_COLUMNS = ["id", "kind", "status", "ownership", "hidden", "last_confirmed_at"]
CELL_ZOOM = 8  # Site.cell is the site's map tile at this zoom


@pghistory.track(
    pghistory.InsertEvent("site.create"),
    pghistory.UpdateEvent("site.update", condition=pghistory.AnyChange(*SITE_HISTORY_FIELDS)),
    fields=SITE_HISTORY_FIELDS,
    model_name="SiteEvent",
    obj_field=pghistory.ObjForeignKey(related_name="events"),
)
class Site(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, default=Ownership.UNKNOWN)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    dormant_since = models.PositiveSmallIntegerField(_("dormant since (year)"), null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    # bigint: a 32-bit integer overflows at 2,147 km² (settings.REGISTRY_MAX_OUTLINE_KM2 may be raised).
    land_area_m2 = models.PositiveBigIntegerField(
        _("land area (m²)"), null=True, blank=True, editable=False, help_text=_("Computed from the outline.")
    )
    cadastral_refs = models.CharField(_("cadastral references"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    # Indexed by `site_location_covering` below (spatial_index=False: not by Django's plain GiST index).
    location = models.PointField(_("location"), srid=4326, spatial_index=False)
    outline = models.MultiPolygonField(_("outline"), srid=4326, null=True, blank=True)
    # Web Mercator copy of the location, kept by PostgreSQL itself, indexed for vector tiles.
    location_3857 = models.GeneratedField(
        expression=Transform("location", 3857),
        output_field=models.PointField(srid=3857),
        db_persist=True,
    )
    # The z8 map tile holding the site (x * 256 + y, Web Mercator): with `site_cell_newest` a bbox list walks
    # each of the few tiles under the bbox newest first and stops at the page's end (mapping.read.geojson).
    cell = models.GeneratedField(
        expression=Func(models.F("location"), template=(
            f"(floor((ST_X(ST_Transform(%(expressions)s, 3857)) + {WORLD_HALF}) / {WORLD_HALF / 128})::int * 256 "
            f"+ floor(({WORLD_HALF} - ST_Y(ST_Transform(%(expressions)s, 3857))) / {WORLD_HALF / 128})::int)")),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    location_precision = models.CharField(
        _("location precision"), max_length=12, choices=LocationPrecision.choices, default=LocationPrecision.EXACT
    )

    region = models.ForeignKey("commons.Region", on_delete=models.PROTECT, related_name="sites", editable=False)
    province = models.ForeignKey("commons.Province", on_delete=models.PROTECT, related_name="sites", editable=False)
    municipality = models.ForeignKey(
        "commons.Municipality", on_delete=models.PROTECT, related_name="sites", editable=False
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of")
    )

    status = models.CharField(_("status"), max_length=10, choices=SiteStatus.choices, default=SiteStatus.REPORTED)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", editable=False
    )
    hidden = models.BooleanField(_("hidden"), default=False, editable=False)

    source = models.CharField(_("source"), max_length=40, default=SiteSource.CITIZEN)
    source_id = models.CharField(_("id in the source"), max_length=80, blank=True)
    # The values of the mapped fields as last imported from the source: a field whose current value differs
    # was edited in the registry and is not overwritten by the next import (reported as a conflict).
    source_data = models.JSONField(_("values from the source"), default=dict, blank=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reported_sites"
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # Ground truth (commons/services/confirmations.py): set by a report, a confirmation, an accepted change or a
    # re-import that still holds the site. Not audited by the site's history (the Confirmation rows are), and no
    # version bump: a confirmation edits nothing, so an edit in progress keeps its If-Match.
    last_confirmed_at = models.DateTimeField(_("last confirmed on the ground"), default=timezone.now, editable=False)
    last_confirmed_by = models.CharField(_("last confirmed by"), max_length=12, choices=ConfirmerRole.choices,
                                         default=ConfirmerRole.REPORTER, editable=False)
    # Set when a full re-import of the site's dataset no longer holds it (the site is kept, never deleted).
    missing_from_source_at = models.DateTimeField(_("no longer in the source since"), null=True, blank=True,
                                                  editable=False)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["region", "kind", "status"], name="site_region_kind_status"),
            models.Index(fields=["municipality", "status"], name="site_municipality_status"),
            GinIndex(
                SearchVector("title", "description", "address", config="italian"), name="site_text_search"
            ),
            # Covering GiST indexes: besides the box of each point they carry the point itself and the columns
            # every public read filters on, so bbox lists and low-zoom point tiles are answered from the index
            # alone (index-only scans) instead of one random heap page per site. See bench/README.md.
            GistIndex(fields=["location"], include=COVERING_COLUMNS + ["location"], name="site_location_covering"),
            GistIndex(fields=["location_3857"], include=COVERING_COLUMNS + ["location_3857"],
                      name="site_location_3857_covering"),
            models.Index(fields=["cell", "-id"], include=COVERING_COLUMNS[1:] + ["location"], name="site_cell_newest"),
            # confirmed_since and freshness filters, the re-check selection and the nightly band refresh.
            models.Index(fields=["last_confirmed_at"], name="site_last_confirmed"),
            models.Index(fields=["source"], condition=Q(missing_from_source_at__isnull=False),
                         name="site_missing_from_source"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="site_source_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(outline__isnull=True) | Q(outline__isvalid=True), name="site_outline_valid"
            ),
            models.CheckConstraint(
                condition=Q(location__intersects=models.functions.Cast(
                    models.Value("SRID=4326;POLYGON((6 35,19 35,19 47.5,6 47.5,6 35))"),
                    output_field=models.PolygonField(srid=4326),
                )),
                name="site_location_in_italy",
            ),
            models.CheckConstraint(
                condition=Q(dormant_since__isnull=True) | Q(dormant_since__gte=1000, dormant_since__lte=2100),
                name="site_dormant_since_plausible",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | Q(status=SiteStatus.DUPLICATE),
                name="site_duplicate_has_status",
            ),
        ]

    def __str__(self):
        return self.title

    def validate_constraints(self, exclude=None):
        # PostGIS enforces the geometric constraints on save; Django cannot evaluate ST_IsValid in Python.
        super().validate_constraints(exclude=set(exclude or ()) | {"location", "outline"})


class Photo(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="photos", verbose_name=_("site"))
    image = models.ImageField(_("image"), upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at"]

    def __str__(self):
        return self.caption or self.image.name
