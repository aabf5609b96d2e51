"""Token authentication for scripts: POST username + password, get a token for `Authorization: Token ...`."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from mapping.api.parsers import SafeJSONParser


class TokenThrottle(AnonRateThrottle):
    """Slows password guessing on this endpoint (per client address)."""

    scope = "auth_token"
    rate = "10/min"


class TokenView(ObtainAuthToken):
    throttle_classes = [TokenThrottle]
    parser_classes = [SafeJSONParser, *ObtainAuthToken.parser_classes[1:]]
