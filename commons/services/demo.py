"""Deterministic demo content inside real municipalities (vectorised with shapely 2 and numpy)."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db import connection, transaction
from django.utils import timezone

from commons.models import (
    Condition, Cooperative, LegalForm, LegalInstrument, LocationPrecision, Municipality, Ownership, Proposal,
    ProposalStatus, ReuseCategory, Sector, Site, SiteKind, SiteSource, SiteStatus,
)
from commons.site_fields import column_defaults
from commons.validators import partita_iva_is_valid

KIND_WEIGHTS = {
    SiteKind.BUILDING: 0.34, SiteKind.LAND: 0.20, SiteKind.VILLAGE: 0.04, SiteKind.NATURAL: 0.05,
    SiteKind.CULTURAL: 0.07, SiteKind.URBAN_COMPLEX: 0.06, SiteKind.PERIPHERY: 0.05,
    SiteKind.INDUSTRIAL: 0.10, SiteKind.INFRASTRUCTURE: 0.06, SiteKind.OTHER: 0.03,
}
STATUS_WEIGHTS = {
    SiteStatus.REPORTED: 0.30, SiteStatus.VERIFIED: 0.40, SiteStatus.ASSIGNED: 0.10, SiteStatus.IN_REUSE: 0.08,
    SiteStatus.REJECTED: 0.05, SiteStatus.ARCHIVED: 0.07,
}
OWNERSHIP_WEIGHTS = {
    Ownership.STATE: 0.10, Ownership.REGION: 0.06, Ownership.MUNICIPALITY: 0.34, Ownership.OTHER_PUBLIC: 0.08,
    Ownership.PRIVATE: 0.22, Ownership.CONFISCATED: 0.08, Ownership.ECCLESIASTICAL: 0.05, Ownership.UNKNOWN: 0.07,
}
CONDITIONS = [Condition.GOOD, Condition.FAIR, Condition.POOR, Condition.RUIN, Condition.UNKNOWN]
TITLES = {
    SiteKind.BUILDING: ["Ex scuola elementare", "Casa cantoniera", "Ex caserma", "Palazzo comunale dismesso",
                        "Ex ufficio postale", "Colonia estiva", "Ex mercato coperto", "Casale rurale"],
    SiteKind.LAND: ["Terreno agricolo incolto", "Uliveto abbandonato", "Orto urbano dismesso", "Vigneto abbandonato",
                    "Area verde incolta"],
    SiteKind.VILLAGE: ["Borgo disabitato", "Frazione spopolata", "Nucleo storico abbandonato"],
    SiteKind.NATURAL: ["Bosco demaniale", "Area fluviale", "Sorgente e lavatoio", "Sentiero storico"],
    SiteKind.CULTURAL: ["Ex convento", "Torre di avvistamento", "Teatro chiuso", "Mulino ad acqua", "Cappella rurale"],
    SiteKind.URBAN_COMPLEX: ["Ex ospedale", "Complesso scolastico dismesso", "Ex manifattura tabacchi"],
    SiteKind.PERIPHERY: ["Area periferica degradata", "Piazza di quartiere abbandonata", "Lotto residuale"],
    SiteKind.INDUSTRIAL: ["Ex fornace", "Capannone dismesso", "Ex zuccherificio", "Ex cementificio", "Ex cantiere navale"],
    SiteKind.INFRASTRUCTURE: ["Stazione ferroviaria impresenziata", "Casello idraulico", "Ex deposito tranviario",
                              "Ponte pedonale chiuso"],
    SiteKind.OTHER: ["Ex campeggio", "Impianto sportivo chiuso", "Ex distributore"],
}
DESCRIPTIONS = [
    "Immobile inutilizzato da anni, con accesso dalla strada principale.",
    "Bene in disuso segnalato dai residenti; la struttura portante appare integra.",
    "Area abbandonata con vegetazione spontanea, adatta a progetti di rigenerazione.",
    "Spazio chiuso al pubblico dopo la cessazione dell'attività precedente.",
    "Potenziale sede per servizi di comunità, agricoltura sociale o accoglienza.",
]
STREETS = ["Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via Mazzini", "Piazza del Popolo", "Via della Stazione",
           "Strada Provinciale", "Località Case Sparse", "Via dei Mulini", "Via San Francesco"]
COOPERATIVE_NAMES = [
    "Terre Comuni", "Borghi Vivi", "Il Mulino", "Semi di Comunità", "La Fornace", "Energia Condivisa",
    "Casa Aperta", "Orti Solidali", "Ponte Sociale", "Le Api", "Cantiere Comune", "Radici",
]


@dataclass
class SeedReport:
    sites: int
    outlines: int
    cooperatives: int
    proposals: int
    skipped: bool = False


def _choice(rng, weights, size):
    keys = list(weights)
    probabilities = np.array([weights[key] for key in keys], dtype=float)
    return np.array([str(k) for k in keys], dtype=object)[rng.choice(len(keys), size=size, p=probabilities / probabilities.sum())]


def _municipalities():
    rows = list(Municipality.objects.order_by("code").values_list("code", "province_id", "region_id", "name", AsWKB("geom")))
    codes, provinces, regions, names, wkbs = zip(*rows)
    geoms = shapely.from_wkb([bytes(w) for w in wkbs])
    shapely.prepare(geoms)
    return np.array(codes, dtype=object), np.array(provinces, dtype=object), np.array(regions, dtype=object), np.array(names, dtype=object), geoms


def sample_points(rng, geoms, index):
    """Points inside geoms[index], clustered around each municipality's centre (where towns are)."""
    centres = shapely.point_on_surface(geoms)
    cx, cy = shapely.get_x(centres)[index], shapely.get_y(centres)[index]
    bounds = shapely.bounds(geoms)[index]
    spread = np.where(rng.random(len(index)) < 0.7, 8.0, 3.0)
    sx, sy = (bounds[:, 2] - bounds[:, 0]) / spread, (bounds[:, 3] - bounds[:, 1]) / spread
    x, y = cx.copy(), cy.copy()
    pending = np.arange(len(index))
    for _ in range(12):
        if not len(pending):
            break
        tx = cx[pending] + rng.normal(size=len(pending)) * sx[pending]
        ty = cy[pending] + rng.normal(size=len(pending)) * sy[pending]
        inside = shapely.contains_xy(geoms[index[pending]], tx, ty)
        x[pending[inside]], y[pending[inside]] = tx[inside], ty[inside]
        pending = pending[~inside]
    return x, y  # the few still pending keep the point on surface, which is inside


def rectangles(rng, x, y):
    """Small rotated rectangles (20–180 m a side) centred on each point, as MultiPolygons, with their areas."""
    n = len(x)
    width, height = rng.uniform(20, 180, n), rng.uniform(20, 180, n)
    angle = rng.uniform(0, np.pi, n)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx = corners[None, :, 0] * width[:, None]
    dy = corners[None, :, 1] * height[:, None]
    rx = dx * np.cos(angle)[:, None] - dy * np.sin(angle)[:, None]
    ry = dx * np.sin(angle)[:, None] + dy * np.cos(angle)[:, None]
    lon = x[:, None] + rx / (111_320 * np.cos(np.radians(y))[:, None])
    lat = y[:, None] + ry / 110_540
    polygons = shapely.polygons(np.stack([lon, lat], axis=-1))
    multi = shapely.multipolygons(polygons, indices=np.arange(n))
    return multi, np.round(width * height).astype(int)


def _tax_code(rng):
    while True:
        digits = "".join(str(d) for d in rng.integers(0, 10, 10))
        for check in range(10):
            if partita_iva_is_valid(digits + str(check)):
                return digits + str(check)


# The columns demo rows fill; every other column of commons_site gets its model default (commons.site_fields).
DEMO_COLUMNS = ("title", "description", "kind", "ownership", "condition", "dormant_since", "floor_area_m2",
                "land_area_m2", "address", "location", "outline", "location_precision", "region_id", "province_id",
                "municipality_id", "status", "hidden", "source", "source_id", "source_data", "version", "created_at",
                "updated_at", "last_confirmed_at", "last_confirmed_by")
# Demo sites were last confirmed up to ~40 months ago (every freshness band), by their dataset; drawn from a
# generator of their own so that every other demo value stays what it was for a seed.
CONFIRMED_DAYS_MAX = 1200


def _copy_sites(rows, progress):
    defaults = column_defaults(exclude=DEMO_COLUMNS)
    columns = DEMO_COLUMNS + tuple(column for column, _value in defaults)
    default_values = tuple(value for _column, value in defaults)
    with connection.cursor() as cursor:
        # Demo rows are not history: skip the audit triggers for the bulk load (inside this transaction only).
        # ALTER TABLE needs no pending deferred checks (e.g. from a --reset delete): run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE commons_site DISABLE TRIGGER USER")
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM commons_site")  # the table is locked from here
        first_id = cursor.fetchone()[0]
        with cursor.copy(f"COPY commons_site ({', '.join(columns)}) FROM STDIN") as copy:
            for row in progress(rows):
                copy.write_row(row + default_values)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred foreign-key checks now
        cursor.execute("ALTER TABLE commons_site ENABLE TRIGGER USER")
        # The aggregate triggers (commons.models.aggregates) were off too: count the new rows once.
        cursor.execute("SELECT commons_site_aggregates_add_sites(%s)", [first_id])
        cursor.execute("SELECT commons_site_terms_add_sites(%s)", [first_id])  # and the counts per term (0022)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def seed_demo(*, sites, seed, reset=False, progress=lambda it, **kw: it):
    if Site.objects.filter(source=SiteSource.DEMO).exists():
        if not reset:
            return SeedReport(Site.objects.filter(source=SiteSource.DEMO).count(), 0, 0, 0, skipped=True)
        demo_reset()
    rng = np.random.default_rng(seed)
    towns = _municipalities()
    draw = _draw(rng, sites, towns)
    with transaction.atomic():
        _copy_sites(_rows(draw, towns, seed, sites), lambda it: progress(it, total=sites, desc="Sites"))
        cooperatives = _seed_cooperatives(rng)
        proposals = _seed_proposals(rng, cooperatives)
    return SeedReport(sites, len(draw["outline_index"]), len(cooperatives), proposals)


def _draw(rng, sites, towns):
    """Every random choice of the sites, in one fixed order (the same seed gives the same registry)."""
    codes, _provinces, _regions, _names, geoms = towns
    d = {"index": rng.integers(0, len(codes), sites)}
    d["x"], d["y"] = sample_points(rng, geoms, d["index"])
    d["kinds"] = _choice(rng, KIND_WEIGHTS, sites)
    d["statuses"] = _choice(rng, STATUS_WEIGHTS, sites)
    d["ownerships"] = _choice(rng, OWNERSHIP_WEIGHTS, sites)
    d["conditions"] = np.array([str(c) for c in CONDITIONS], dtype=object)[rng.integers(0, len(CONDITIONS), sites)]
    has_outline = (rng.random(sites) < 0.1) | np.isin(d["kinds"], ["land", "village", "natural", "urban_complex"]) & (
        rng.random(sites) < 0.3)
    d["outline_index"] = outline_index = np.flatnonzero(has_outline)
    outlines, areas = rectangles(rng, d["x"][outline_index], d["y"][outline_index])
    d["outline_hex"] = dict(zip(outline_index.tolist(), shapely.to_wkb(
        shapely.set_srid(outlines, 4326), hex=True, include_srid=True)))
    d["area_of"] = dict(zip(outline_index.tolist(), areas.tolist()))
    d["points"] = shapely.to_wkb(shapely.set_srid(shapely.points(d["x"], d["y"]), 4326), hex=True, include_srid=True)
    for name, high in (("title", 1000), ("description", len(DESCRIPTIONS)), ("street", len(STREETS))):
        d[name] = rng.integers(0, high, sites)
    d["house_number"] = rng.integers(1, 120, sites)
    d["dormant"] = rng.integers(1950, 2024, sites)
    d["floor"] = rng.integers(80, 5000, sites)
    d["age_days"] = rng.integers(0, 900, sites)
    return d


def _rows(d, towns, seed, sites):
    codes, provinces, regions, names, _geoms = towns
    now = timezone.now()
    # Its own stream, so the sites themselves stay what they were for a seed before confirmations existed.
    confirmed_days = np.random.default_rng([seed, 1]).integers(0, CONFIRMED_DAYS_MAX, sites)
    for i in range(sites):
        kind, town, at = d["kinds"][i], names[d["index"][i]], d["index"][i]
        options = TITLES[kind]
        built = kind in ("building", "cultural", "urban_complex", "industrial", "infrastructure")
        stamp = now - dt.timedelta(days=int(d["age_days"][i]))
        yield (
            f"{options[d['title'][i] % len(options)]} di {town}", DESCRIPTIONS[d["description"][i]], kind,
            d["ownerships"][i], d["conditions"][i], int(d["dormant"][i]), int(d["floor"][i]) if built else None,
            d["area_of"].get(i), f"{STREETS[d['street'][i]]} {d['house_number'][i]}, {town}", d["points"][i],
            d["outline_hex"].get(i), LocationPrecision.EXACT.value, regions[at], provinces[at],
            codes[at], d["statuses"][i], False, SiteSource.DEMO.value, f"{seed}:{i}", "{}", 1, stamp, stamp,
            now - dt.timedelta(days=int(confirmed_days[i]), hours=int(confirmed_days[i]) % 24), "dataset",
        )


def _seed_cooperatives(rng):
    forms = list(LegalForm.values)
    sectors = list(Sector.values)
    municipalities = list(Municipality.objects.order_by("code").values_list("code", flat=True)[::400])
    cooperatives = []
    for i, name in enumerate(COOPERATIVE_NAMES):
        chosen = rng.choice(len(sectors), size=2, replace=False)
        cooperatives.append(Cooperative(
            name=f"Cooperativa {name}", slug=f"demo-{i + 1}-{name.lower().replace(' ', '-')}",
            legal_form=forms[i % len(forms)], tax_code=_tax_code(rng), albo_number=f"A{100000 + i * 37}",
            sectors=[sectors[c] for c in chosen], verified=i % 4 != 3,
            description=f"Cooperativa che rigenera beni dormienti come beni comuni ({name}).",
            municipality_id=municipalities[i % len(municipalities)],
        ))
    return Cooperative.objects.bulk_create(cooperatives)


def _seed_proposals(rng, cooperatives):
    verified = [c for c in cooperatives if c.verified]
    categories = list(ReuseCategory.values)
    instruments = list(LegalInstrument.values)
    demo = Site.objects.filter(source=SiteSource.DEMO)
    claimed = list(demo.filter(status=SiteStatus.VERIFIED).order_by("id").values_list("id", "title")[::25])
    assigned = list(demo.filter(status__in=[SiteStatus.ASSIGNED, SiteStatus.IN_REUSE]).order_by("id").values_list("id", "title")[::5])
    today = timezone.localdate()
    proposals = []
    for site_id, title in claimed:
        for c in rng.choice(len(verified), size=int(rng.integers(1, 3)), replace=False):
            proposals.append(_proposal(rng, site_id, title, verified[c], categories, ProposalStatus.SUBMITTED))
    for site_id, title in assigned:
        proposal = _proposal(rng, site_id, title, verified[int(rng.integers(0, len(verified)))], categories,
                             ProposalStatus.ACCEPTED)
        proposal.legal_instrument = instruments[int(rng.integers(0, len(instruments)))]
        proposal.instrument_start = today - dt.timedelta(days=int(rng.integers(30, 2000)))
        proposal.instrument_end = proposal.instrument_start + dt.timedelta(days=365 * int(rng.integers(3, 20)))
        proposal.decision_reason = "Progetto coerente con gli obiettivi di rigenerazione del Comune."
        proposals.append(proposal)
    Proposal.objects.bulk_create(proposals, batch_size=2000)
    return len(proposals)


def _proposal(rng, site_id, title, cooperative, categories, status):
    category = categories[int(rng.integers(0, len(categories)))]
    return Proposal(
        site_id=site_id, cooperative=cooperative, title=f"Rigenerazione: {title}",
        summary="Recupero del bene come spazio di comunità gestito dalla cooperativa, con attività aperte al territorio.",
        reuse_category=category, expected_jobs=int(rng.integers(1, 25)),
        beneficiaries="Residenti, giovani e associazioni locali", budget_eur=int(rng.integers(20, 900)) * 1000,
        funding_sources="PNRR, fondi regionali, capitale sociale", timeline="24 mesi", status=status,
    )


@transaction.atomic
def demo_reset():
    demo_sites = Site.objects.filter(source=SiteSource.DEMO)
    Proposal.objects.filter(site__in=demo_sites).delete()
    Proposal.objects.filter(cooperative__slug__startswith="demo-").delete()
    Cooperative.objects.filter(slug__startswith="demo-").delete()
    demo_sites.delete()

