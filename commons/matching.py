"""Sites for a cooperative, ranked with their reasons: verified, open sites inside the territory it declared, scored
by distance from its headquarters, kinds it looks for, reuse categories it works in (through the kinds of site
that suit them), inner areas and freshness.

The score is computed by PostgreSQL (so ranking and paging happen in one indexed statement); the reasons of the
page returned are spelled out in Python from the same facts. Points:

    distance   up to 30: 30 at the headquarters, 0 from MATCH_RADIUS_KM on (only with headquarters)
    kind       25 when the site's kind is one the cooperative looks for
    category   20 when the site's kind suits a reuse category the cooperative works in (its sectors count too)
    inner      10 in an inner area (SNAI D, E, F)
    freshness  10 fresh, 5 ageing, 0 stale
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from commons.freshness import freshness_q
from commons.models import Freshness, InnerAreaClass, ReuseCategory, Sector, Site, SiteKind, SiteStatus

MATCH_RADIUS_KM = 50
POINTS = {"distance": 30, "kind": 25, "category": 20, "inner": 10, "fresh": 10, "ageing": 5}

# Which reuse categories a kind of site typically suits (a reading of the registry's own demo and ANBSC data:
# land goes to agriculture, villages to tourism and culture, industrial sites to production and energy).
K, R = SiteKind, ReuseCategory
KIND_CATEGORIES = {
    K.BUILDING: {R.SOCIAL_HOUSING, R.WELFARE, R.CULTURE, R.EDUCATION, R.SERVICES, R.CRAFTS},
    K.LAND: {R.AGRICULTURE, R.ENVIRONMENT, R.ENERGY_COMMUNITY, R.SPORT},
    K.VILLAGE: {R.TOURISM, R.CULTURE, R.SOCIAL_HOUSING, R.WELFARE},
    K.NATURAL: {R.ENVIRONMENT, R.TOURISM, R.AGRICULTURE},
    K.CULTURAL: {R.CULTURE, R.TOURISM, R.EDUCATION},
    K.URBAN_COMPLEX: {R.SOCIAL_HOUSING, R.SERVICES, R.CULTURE, R.WELFARE},
    K.PERIPHERY: {R.SERVICES, R.SPORT, R.ENVIRONMENT, R.WELFARE},
    K.INDUSTRIAL: {R.CRAFTS, R.ENERGY_COMMUNITY, R.CULTURE},
    K.INFRASTRUCTURE: {R.ENERGY_COMMUNITY, R.SERVICES, R.TOURISM},
    K.OTHER: set(),
}
SECTOR_CATEGORIES = {
    Sector.WELFARE: {R.WELFARE}, Sector.AGRICULTURE: {R.AGRICULTURE}, Sector.CULTURE: {R.CULTURE},
    Sector.TOURISM: {R.TOURISM}, Sector.HOUSING: {R.SOCIAL_HOUSING}, Sector.ENERGY: {R.ENERGY_COMMUNITY},
    Sector.CONSTRUCTION: {R.CRAFTS}, Sector.SERVICES: {R.SERVICES}, Sector.EDUCATION: {R.EDUCATION},
    Sector.ENVIRONMENT: {R.ENVIRONMENT},
}


@dataclass
class Match:
    site: Site
    score: int
    reasons: list = field(default_factory=list)  # sentences, strongest first


def categories_of(cooperative):
    """The reuse categories a cooperative works in: those it declared and those of its sectors."""
    categories = set(cooperative.interest_categories)
    for sector in cooperative.sectors:
        categories |= SECTOR_CATEGORIES.get(sector, set())
    return categories


def fitting_kinds(categories):
    return sorted(kind for kind, suits in KIND_CATEGORIES.items() if suits & set(categories))


def in_territory(cooperative):
    """The Q of the sites inside the territory it declared (regions, provinces, a drawn area); None: none declared."""
    parts = []
    if cooperative.territory_regions:
        parts.append(Q(region_id__in=cooperative.territory_regions))
    if cooperative.territory_provinces:
        parts.append(Q(province_id__in=cooperative.territory_provinces))
    if cooperative.territory_area:
        parts.append(Q(location__intersects=cooperative.territory_area))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def _distance_points(headquarters):
    if headquarters is None:
        return Value(0.0, output_field=FloatField()), None
    metres = RawSQL('ST_Distance("commons_site"."location"::geography, '
                    "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)", (headquarters.x, headquarters.y),
                    output_field=FloatField())
    return Greatest(Value(0.0), Value(float(POINTS["distance"])) * (Value(1.0) - F("distance_m") / Value(
        MATCH_RADIUS_KM * 1000.0)), output_field=FloatField()), metres


def _points(condition, points):
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def sites_for(cooperative, *, queryset=None):
    """Verified open sites in the cooperative's territory, annotated with their points and score, best first."""
    territory = in_territory(cooperative)
    sites = queryset if queryset is not None else Site.objects.visible()
    if territory is None:
        return sites.none()
    distance, metres = _distance_points(cooperative.headquarters)
    sites = sites.filter(territory, status=SiteStatus.VERIFIED).select_related("municipality")
    if metres is not None:
        sites = sites.annotate(distance_m=metres)
    if cooperative.territory_area:
        sites = sites.annotate(in_drawn_area=Case(When(location__intersects=cooperative.territory_area, then=True),
                                                  default=False, output_field=BooleanField()))
    kinds = fitting_kinds(categories_of(cooperative))
    sites = sites.annotate(
        distance_points=distance,
        kind_points=_points(Q(kind__in=cooperative.interest_kinds or ["-"]), POINTS["kind"]),
        category_points=_points(Q(kind__in=kinds or ["-"]), POINTS["category"]),
        inner_points=_points(Q(municipality__inner_area_class__in=InnerAreaClass.inner()), POINTS["inner"]),
        freshness_points=Case(When(freshness_q([Freshness.FRESH]), then=Value(POINTS["fresh"])),
                              When(freshness_q([Freshness.AGEING]), then=Value(POINTS["ageing"])),
                              default=Value(0), output_field=IntegerField()),
    ).annotate(score=F("distance_points") + F("kind_points") + F("category_points") + F("inner_points")
               + F("freshness_points"))
    return sites.order_by("-score", "-id")


def reasons(site, cooperative):
    """Why a site fits, strongest first, from the points `sites_for` annotated; where it is (the area the
    cooperative drew) comes before them and scores nothing: every site listed is inside the territory."""
    found = []
    if getattr(site, "in_drawn_area", False):
        found.append((POINTS["distance"] + 1, _("inside the area you drew on the map")))
    if getattr(site, "distance_m", None) is not None and site.distance_points > 0:
        found.append((site.distance_points, _("%(km)s km from your headquarters") % {
            "km": f"{site.distance_m / 1000:.1f}".replace(".", ",")}))
    if site.kind_points:
        found.append((site.kind_points, _("a kind of site you look for (%(kind)s)") % {
            "kind": site.get_kind_display().lower()}))
    if site.category_points:
        suited = KIND_CATEGORIES.get(site.kind, set()) & categories_of(cooperative)
        found.append((site.category_points, _("suits what you do: %(categories)s") % {
            "categories": ", ".join(sorted(str(ReuseCategory(c).label).lower() for c in suited))}))
    if site.inner_points:
        found.append((site.inner_points, _("in an inner area (SNAI class %(klass)s)") % {
            "klass": site.municipality.inner_area_class}))
    if site.freshness_points:
        found.append((site.freshness_points, _("recently confirmed on the ground") if site.freshness_points ==
                      POINTS["fresh"] else _("confirmed on the ground in the last two years")))
    return [text for _score, text in sorted(found, key=lambda pair: -pair[0])]


def ranked(cooperative, limit=50):
    return [Match(site=s, score=round(s.score), reasons=reasons(s, cooperative)) for s in sites_for(cooperative)[:limit]]


def cooperatives_for(site, limit=10):
    """Verified cooperatives whose territory holds the site and whose kinds or reuse categories fit it."""
    from commons.models import Cooperative

    territory = (Q(territory_regions__contains=[site.region_id]) | Q(territory_provinces__contains=[site.province_id])
                 | Q(territory_area__intersects=site.location))
    fitting = []
    for cooperative in Cooperative.objects.verified().filter(territory).order_by("name"):
        if site.kind in cooperative.interest_kinds or KIND_CATEGORIES.get(site.kind, set()) & categories_of(cooperative):
            fitting.append(cooperative)
        if len(fitting) == limit:
            break
    return fitting
