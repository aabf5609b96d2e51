"""The DCAT-AP_IT catalogue parses as RDF (JSON-LD and RDF/XML give the same graph) and says what harvesters need."""

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from commons.models import SourceDataset
from commons.services.imports.anbsc import DATASET as ANBSC

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
BASE = "http://testserver"
EXPORTS = {f"{BASE}/api/v1/exports/sites.{ext}" for ext in ("geojson", "csv", "gpkg")}

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")]


@pytest.fixture
def graphs(client):
    SourceDataset.objects.create(slug="anbsc", **ANBSC)
    jsonld = client.get("/dati/catalogo.jsonld")
    rdfxml = client.get("/dati/catalogo.rdf")
    assert jsonld.status_code == rdfxml.status_code == 200
    assert jsonld["Content-Type"].startswith("application/ld+json")
    assert rdfxml["Content-Type"].startswith("application/rdf+xml")
    return (Graph().parse(data=jsonld.content, format="json-ld"),
            Graph().parse(data=rdfxml.content, format="xml"))


def test_json_ld_and_rdf_xml_describe_the_same_graph(graphs):
    from_jsonld, from_xml = graphs
    assert len(from_jsonld) > 50 and isomorphic(from_jsonld, from_xml)


def test_catalogue_dataset_and_distributions_follow_dcat_ap_it(graphs):
    graph = graphs[1]
    catalog, dataset = URIRef(f"{BASE}/dati/catalogo"), URIRef(f"{BASE}/dati/beni")
    assert (catalog, ns.RDF.type, DCATAPIT.Catalog) in graph
    assert (catalog, ns.DCAT.dataset, dataset) in graph
    assert (dataset, ns.RDF.type, DCATAPIT.Dataset) in graph
    required = (ns.DCTERMS.identifier, ns.DCTERMS.title, ns.DCTERMS.description, ns.DCTERMS.modified,
                ns.DCTERMS.publisher, ns.DCTERMS.rightsHolder, ns.DCAT.theme, ns.DCAT.contactPoint,
                ns.DCTERMS.accrualPeriodicity)
    for predicate in required:
        assert graph.value(dataset, predicate) is not None, predicate
    distributions = set(graph.objects(dataset, ns.DCAT.distribution))
    assert {str(d) for d in distributions} == EXPORTS
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    for distribution in distributions:
        assert (distribution, ns.RDF.type, DCATAPIT.Distribution) in graph
        assert (distribution, ns.DCTERMS.license, licence) in graph
        assert graph.value(distribution, ns.DCAT.downloadURL) == distribution
        assert str(graph.value(distribution, ns.DCTERMS.format)).startswith(
            "http://publications.europa.eu/resource/authority/file-type/")
    assert (licence, ns.RDF.type, DCATAPIT.LicenseDocument) in graph
    assert (licence, ns.DCTERMS.type, URIRef("http://purl.org/adms/licencetype/Attribution")) in graph
    publisher = graph.value(dataset, ns.DCTERMS.publisher)
    assert (publisher, ns.RDF.type, DCATAPIT.Agent) in graph and graph.value(publisher, ns.FOAF.name)


def test_imported_datasets_are_credited_as_sources(graphs):
    graph = graphs[0]
    source = URIRef(ANBSC["url"])
    assert (URIRef(f"{BASE}/dati/beni"), ns.DCTERMS.source, source) in graph
    assert (source, ns.DCTERMS.rights, Literal("Fonte: ANBSC — CC BY 4.0")) in graph
