"""The OGC API – Features views: short, each reads its parameters, asks mapping/read for the answer, and writes
it as JSON/GeoJSON or, for people opening it in a browser, as an HTML page in the registry's design.

DRF views (as the REST API's): the same authentication (Token first, then session with its CSRF check), the
same write throttles and the same error format (mapping/read/errors.py) apply without restating them here.
"""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from mapping.ogc import documents
from mapping.ogc.collections import COLLECTIONS
from mapping.ogc.openapi import openapi
from mapping.ogc.params import ITEM, crs_of, unknown_parameters
from mapping.read.conditional import etag_of, none_match
from mapping.read.crs import SUPPORTED
from mapping.read.errors import RegistryErrors, error
from mapping.read.parsers import FeatureJSONParser, GeoJSONFeatureParser

CONTENT_CRS = "Content-Crs"


class AnyAccept(DefaultContentNegotiation):
    """Errors are JSON whatever the Accept header says (never a 406 on an error or a GIS client's Accept)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OgcView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [FeatureJSONParser, GeoJSONFeatureParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept
    schema = None  # described by its own OpenAPI document (/ogc/openapi), not by the REST API's


def base_url(request):
    return request.build_absolute_uri("/ogc").rstrip("/")


def wants_html(request):
    """f=html, or a browser's Accept (text/html before any JSON); GIS clients and scripts get JSON."""
    chosen = request.query_params.get("f")
    if chosen:
        if chosen not in ("json", "html", "geojson"):
            raise RegistryErrors([error("f", "invalid_choice", _("f is json or html."))])
        return chosen == "html"
    accept = request.headers.get("Accept", "")
    html, as_json = accept.find("text/html"), accept.find("json")
    return html >= 0 and (as_json < 0 or html < as_json)


def collection_or_404(collection_id):
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise Http404 from None


def json_answer(request, document, content_type=documents.JSON, headers=None, status=200):
    """A JSON document with a strong ETag (304 when the client holds it)."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    etag = etag_of(body, "ogc-")
    response = HttpResponse(status=304) if status == 200 and none_match(request, etag) else HttpResponse(
        body, status=status, content_type=content_type)
    if status == 200:
        response["ETag"] = etag
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def page(request, template, title, document, **context):
    return render(request, f"ogc/{template}.html", {"title": title, "document": document, **context})


def simple_parameters(request):
    errors = []
    unknown_parameters(request, {"f"}, errors)
    if errors:
        raise RegistryErrors(errors)


class Landing(OgcView):
    def get(self, request):
        simple_parameters(request)
        document = documents.landing(base_url(request))
        if wants_html(request):
            return page(request, "landing", document["title"], document,
                        collections=documents.collections(base_url(request))["collections"])
        return json_answer(request, document)


class Conformance(OgcView):
    def get(self, request):
        simple_parameters(request)
        document = documents.conformance()
        if wants_html(request):
            return page(request, "conformance", _("Conformance classes"), document)
        return json_answer(request, document)


class Collections(OgcView):
    def get(self, request):
        simple_parameters(request)
        document = documents.collections(base_url(request))
        if wants_html(request):
            return page(request, "collections", _("Collections"), document)
        return json_answer(request, document)


class Collection(OgcView):
    def get(self, request, collection_id):
        item = collection_or_404(collection_id)
        simple_parameters(request)
        document = documents.collection(base_url(request), item)
        if wants_html(request):
            return page(request, "collection", document["title"], document, collection=item)
        return json_answer(request, document)


class CollectionSchema(OgcView):
    """A JSON Schema of a collection: its queryables or its features' schema (`document`)."""

    document = None

    def get(self, request, collection_id):
        item = collection_or_404(collection_id)
        simple_parameters(request)
        document = type(self).document(base_url(request), item)
        if wants_html(request):
            return page(request, "schema", document["title"], document, collection=item)
        return json_answer(request, document, documents.SCHEMA)


class Queryables(CollectionSchema):
    document = documents.queryables


class Schema(CollectionSchema):
    document = documents.schema


class OpenApi(OgcView):
    def get(self, request):
        simple_parameters(request)
        document = openapi(base_url(request))
        if wants_html(request):
            return page(request, "openapi", document["info"]["title"], document)
        return json_answer(request, document, documents.OPENAPI)


def crs_headers(crs):
    uri = next(uri for uri, known in SUPPORTED.items() if known == crs)
    return {CONTENT_CRS: f"<{uri}>"}


def item_crs(request):
    errors = []
    unknown_parameters(request, ITEM, errors)
    crs = crs_of(request, "crs", errors)
    if errors:
        raise RegistryErrors(errors)
    return crs
