"""Shared pieces of the API views: authentication order, renderers, negotiation, ids, permissions."""

import json

from django.http import HttpResponse
from django.urls import register_converter
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from commons.policy import can

GEOJSON = "application/geo+json"
# Token first: an anonymous write then gets 401 with `WWW-Authenticate: Token` rather than a bare 403.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


class FirstRendererNegotiation(DefaultContentNegotiation):
    """Files and GeoJSON have one representation: never answer 406 because of an Accept header."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


MAX_ID = 2**63 - 1


class IdConverter:
    """Database ids. Anything that is not a positive bigint becomes 0, an id that never exists, so the view
    answers its JSON 404 (rather than a bigint overflow in PostgreSQL, or Django's HTML 404 page)."""

    regex = "[^/]+"

    def to_python(self, value):
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else 0
        return number if number <= MAX_ID else 0

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


def geojson_response(data, status=200, headers=None):
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type=GEOJSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def can_edit_site(user, site):
    """The policy table decides (commons.policy): the reporter while the site is a report, staff of its
    municipality, moderators."""
    return can(user, "site.edit", site=site)

