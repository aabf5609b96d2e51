"""The DCAT-AP_IT description of the registry's own open dataset, for national open-data portals to harvest.

One RDF graph (catalogue → dataset → distributions = the export URLs), served as JSON-LD and as RDF/XML
(the form the dati.gov.it harvester reads). Built with rdflib, so both serialisations are the same graph.
"""

from django.conf import settings
from django.db.models import Max, Min
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from commons.models import Site, SourceDataset

ITA = "http://publications.europa.eu/resource/authority/language/ITA"
ENG = "http://publications.europa.eu/resource/authority/language/ENG"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/DAILY"
EU_COUNTRY_ITALY = "http://publications.europa.eu/resource/authority/country/ITA"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION_TYPE = "http://purl.org/adms/licencetype/Attribution"
IANA = "https://www.iana.org/assignments/media-types/"
# The exports another part of the registry serves (same filters as the map; no filter = everything).
DISTRIBUTIONS = [
    ("/api/v1/exports/sites.geojson", "GEOJSON", "application/geo+json", "GeoJSON"),
    ("/api/v1/exports/sites.csv", "CSV", "text/csv", "CSV"),
    ("/api/v1/exports/sites.gpkg", "GPKG", "application/geopackage+sqlite3", "GeoPackage"),
]
KEYWORDS = ["beni comuni", "beni dismessi", "beni confiscati", "rigenerazione urbana", "cooperative",
            "aree interne", "riuso"]
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "adms": "http://www.w3.org/ns/adms#",
}


def publisher():
    """Who publishes the registry: settings may name it (IPA code for DCAT-AP_IT's dct:identifier)."""
    return {
        "name": getattr(settings, "REGISTRY_PUBLISHER_NAME", "Legacoop — BE.CO-OP"),
        "identifier": getattr(settings, "REGISTRY_PUBLISHER_ID", "beco-op"),
        "email": getattr(settings, "REGISTRY_CONTACT_EMAIL", "dati@beco-op.example"),
    }


DCATAPIT, VCARD = Namespace(CONTEXT["dcatapit"]), Namespace(CONTEXT["vcard"])


def catalog_graph(base_url):
    """The catalogue as an rdflib Graph; `base_url` is the site's root (e.g. https://registro.example/)."""
    root = base_url.rstrip("/")
    graph = Graph()
    for prefix, uri in CONTEXT.items():
        graph.bind(prefix, uri)
    nodes = {name: URIRef(f"{root}/dati/{name}") for name in ("catalogo", "beni", "editore", "contatti")}
    nodes["licenza"] = URIRef(CC_BY_4)
    dates = Site.objects.aggregate(first=Min("created_at"), last=Max("updated_at"))
    modified = Literal((dates["last"] or timezone.now()).date().isoformat(), datatype=XSD.date)
    _describe_agents(graph, nodes)
    _describe_catalog(graph, nodes, modified, root)
    _describe_dataset(graph, nodes, modified, dates["first"])
    for path, code, media_type, label in DISTRIBUTIONS:
        _describe_distribution(graph, nodes, URIRef(root + path), code, media_type, label)
    _describe_sources(graph, nodes["beni"])
    return graph


def _describe_agents(graph, nodes):
    who = publisher()
    types = {"catalogo": (DCATAPIT.Catalog, DCAT.Catalog), "beni": (DCATAPIT.Dataset, DCAT.Dataset),
             "editore": (DCATAPIT.Agent, FOAF.Agent), "licenza": (DCATAPIT.LicenseDocument, DCTERMS.LicenseDocument),
             "contatti": (DCATAPIT.Organization, VCARD.Organization)}
    for name, kinds in types.items():
        for kind in kinds:
            graph.add((nodes[name], RDF.type, kind))
    graph.add((nodes["editore"], FOAF.name, Literal(who["name"])))
    graph.add((nodes["editore"], DCTERMS.identifier, Literal(who["identifier"])))
    graph.add((nodes["contatti"], VCARD.fn, Literal(who["name"])))
    graph.add((nodes["contatti"], VCARD.hasEmail, URIRef(f"mailto:{who['email']}")))
    graph.add((nodes["licenza"], DCTERMS.type, URIRef(ATTRIBUTION_TYPE)))
    graph.add((nodes["licenza"], FOAF.name, Literal("Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
                                                     lang="it")))


def _describe_catalog(graph, nodes, modified, root):
    catalog = nodes["catalogo"]
    graph.add((catalog, DCTERMS.title, Literal("Registro BE.CO-OP dei beni comuni dormienti", lang="it")))
    graph.add((catalog, DCTERMS.title, Literal("BE.CO-OP registry of dormant commons", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(
        "Catalogo dei dati aperti del registro pubblico dei beni dismessi, inutilizzati o confiscati in Italia e dei "
        "progetti cooperativi per il loro riuso.", lang="it")))
    graph.add((catalog, DCTERMS.publisher, nodes["editore"]))
    graph.add((catalog, DCTERMS.modified, modified))
    graph.add((catalog, FOAF.homepage, URIRef(root + "/")))
    graph.add((catalog, DCTERMS.language, URIRef(ITA)))
    graph.add((catalog, DCAT.themeTaxonomy, URIRef(EU_THEME.rstrip("/"))))
    graph.add((catalog, DCAT.dataset, nodes["beni"]))


def _describe_dataset(graph, nodes, modified, first):
    dataset, add = nodes["beni"], graph.add
    add((dataset, DCTERMS.identifier, Literal(f"{publisher()['identifier']}:registro-beni-comuni")))
    add((dataset, DCTERMS.title, Literal("Beni comuni dormienti in Italia", lang="it")))
    add((dataset, DCTERMS.title, Literal("Dormant commons in Italy", lang="en")))
    add((dataset, DCTERMS.description, Literal(
        "Beni dismessi o inutilizzati (terreni, edifici, borghi, beni naturali e culturali, complessi urbani, "
        "periferie, beni confiscati alle mafie) segnalati da cittadini e comuni o importati da dataset pubblici "
        "(es. ANBSC), con posizione, tipologia, proprietà, stato, comune, classe SNAI delle aree interne e progetti "
        "cooperativi di riuso.",
        lang="it")))
    add((dataset, DCTERMS.modified, modified))
    if first:
        add((dataset, DCTERMS.issued, Literal(first.date().isoformat(), datatype=XSD.date)))
    for theme in ("GOVE", "REGI", "SOCI"):
        add((dataset, DCAT.theme, URIRef(EU_THEME + theme)))
    for keyword in KEYWORDS:
        add((dataset, DCAT.keyword, Literal(keyword, lang="it")))
    for predicate in (DCTERMS.publisher, DCTERMS.rightsHolder):
        add((dataset, predicate, nodes["editore"]))
    add((dataset, DCAT.contactPoint, nodes["contatti"]))
    add((dataset, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY)))
    add((dataset, DCTERMS.spatial, URIRef(EU_COUNTRY_ITALY)))
    for language in (ITA, ENG):
        add((dataset, DCTERMS.language, URIRef(language)))
    add((dataset, DCTERMS.rights, Literal(settings.REGISTRY_ATTRIBUTION)))


def _describe_distribution(graph, nodes, distribution, code, media_type, label):
    graph.add((nodes["beni"], DCAT.distribution, distribution))
    for kind in (DCATAPIT.Distribution, DCAT.Distribution):
        graph.add((distribution, RDF.type, kind))
    graph.add((distribution, DCTERMS.title, Literal(f"Beni comuni dormienti — {label}", lang="it")))
    graph.add((distribution, DCTERMS.format, URIRef(EU_FILE_TYPE + code)))
    graph.add((distribution, DCAT.mediaType, URIRef(IANA + media_type)))
    graph.add((distribution, DCAT.accessURL, distribution))
    graph.add((distribution, DCAT.downloadURL, distribution))
    graph.add((distribution, DCTERMS.license, nodes["licenza"]))


def _describe_sources(graph, dataset):
    """Imported datasets the registry republishes, each with its own licence and attribution."""
    for source in SourceDataset.objects.order_by("slug"):
        node = URIRef(source.url) if source.url else BNode()
        licence = BNode()
        graph.add((dataset, DCTERMS.source, node))
        graph.add((node, RDF.type, DCAT.Dataset))
        graph.add((node, DCTERMS.title, Literal(source.name)))
        graph.add((node, DCTERMS.rights, Literal(source.attribution)))
        graph.add((node, DCTERMS.license, licence))
        graph.add((licence, FOAF.name, Literal(source.licence)))
        if source.publisher:
            agent = BNode()
            graph.add((node, DCTERMS.publisher, agent))
            graph.add((agent, RDF.type, FOAF.Agent))
            graph.add((agent, FOAF.name, Literal(source.publisher)))


def _base_url(request):
    return request.build_absolute_uri("/")


@require_GET
@cache_control(max_age=3600, public=True)
def catalog_jsonld(request):
    graph = catalog_graph(_base_url(request))
    body = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True, indent=1)
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


@require_GET
@cache_control(max_age=3600, public=True)
def catalog_rdf(request):
    body = catalog_graph(_base_url(request)).serialize(format="pretty-xml")
    return HttpResponse(body, content_type="application/rdf+xml; charset=utf-8")
