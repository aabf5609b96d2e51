"""Token authentication for scripts: POST username + password, get a token for `Authorization: Token ...`."""

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from mapping.api.parsers import SafeJSONParser
from mapping.api.schema import error_responses


class TokenThrottle(AnonRateThrottle):
    """Slows password guessing on this endpoint (per client address)."""

    scope = "auth_token"
    rate = "10/min"


@extend_schema_view(post=extend_schema(responses={
    200: inline_serializer("AuthToken", {"token": serializers.CharField()}), **error_responses(400)}))
class TokenView(ObtainAuthToken):
    throttle_classes = [TokenThrottle]
    parser_classes = [SafeJSONParser, *ObtainAuthToken.parser_classes[1:]]
