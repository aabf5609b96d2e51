"""S1: CSRF on every cookie-authenticated write (API and web forms), and the session key rotated at login.

Cookie flags in production are checked on the real server in test_production_server.py.
"""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from commons.models import Site, Subscription
from tests.factories import ROMA, SiteFactory, verified_user

pytestmark = pytest.mark.django_db
REPORT = {"title": "Ex scuola Pascoli", "kind": "building", "location": {"type": "Point", "coordinates": list(ROMA)}}


def all_views(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


# Exempt at the route only to refuse oversize uploads before the CSRF check reads the body; the view then
# applies csrf_protect itself (probed below: a POST without the token gets 403).
SIZE_CHECK_FIRST = {"importa/"}


def test_no_view_skips_csrf_except_api_views_that_enforce_it_for_sessions():
    checked, loose = 0, []
    for route, view in all_views():
        checked += 1
        if not getattr(view, "csrf_exempt", False) or route in SIZE_CHECK_FIRST:
            continue
        cls = getattr(view, "cls", None)
        if cls is None or not issubclass(cls, APIView):
            loose.append(route)
            continue
        for auth in getattr(cls, "authentication_classes", []):
            # A session-authenticated API view must keep DRF's CSRF check (no enforce_csrf override).
            if issubclass(auth, SessionAuthentication) and auth.enforce_csrf is not SessionAuthentication.enforce_csrf:
                loose.append(f"{route} ({auth.__name__} skips CSRF)")
    print(f"S1 CSRF: {checked} routes checked, {len(loose)} without CSRF protection")
    assert loose == []


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/segnala/")  # sets the csrftoken cookie (the report page ensures it)
    return client


def test_cookie_authenticated_writes_without_the_token_are_refused():
    user = verified_user()
    site = SiteFactory(reporter=user)
    client = csrf_client(user)
    token = client.cookies["csrftoken"].value
    attempts = {
        "api report": lambda **h: client.post("/api/v1/sites/", REPORT, content_type="application/json", **h),
        "api edit": lambda **h: client.patch(f"/api/v1/sites/{site.pk}/", {"title": "X"},
                                             content_type="application/json", headers={"If-Match": "*"}, **h),
        "ogc report": lambda **h: client.post("/ogc/collections/sites/items", REPORT, content_type="application/json",
                                              **h),
        "ogc edit": lambda **h: client.patch(f"/ogc/collections/sites/items/{site.pk}", {"title": "X"},
                                             content_type="application/json", headers={"If-Match": "*"}, **h),
        "ogc archive": lambda **h: client.delete(f"/ogc/collections/sites/items/{site.pk}", **h),
        "api photo": lambda **h: client.post(f"/api/v1/sites/{site.pk}/photos/", {}, **h),
        "api follow": lambda **h: client.post("/api/v1/subscriptions/", {"kind": "region", "area_code": "12"},
                                              content_type="application/json", **h),
        "web follow site": lambda **h: client.post(f"/segui/sito/{site.pk}/", **h),
        "web import": lambda **h: client.post("/importa/", {"source": "x"}, **h),
        "web follow area": lambda **h: client.post("/segui/", {"kind": "region", "area_code": "12"}, **h),
        "web proposal": lambda **h: client.post(f"/beni/{site.pk}/proponi/", {"title": "X"}, **h),
        "web site action": lambda **h: client.post(f"/lavoro/siti/{site.pk}/verify/", {"reason": "x"}, **h),
        "language": lambda **h: client.post("/i18n/setlang/", {"language": "en"}, **h),
        "logout": lambda **h: client.post("/accounts/logout/", **h),
    }
    refused = {name: attempt().status_code for name, attempt in attempts.items()}
    print(f"S1 CSRF: {len(refused)} cookie-authenticated writes without token -> {set(refused.values())}")
    assert set(refused.values()) == {403}, refused
    assert Site.objects.count() == 1 and not Subscription.objects.exists()
    assert Site.objects.get().title == site.title

    accepted = client.post("/api/v1/sites/", REPORT, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201  # the same request with the token goes through
    assert client.post("/accounts/login/", {"login": user.email, "password": "x"}).status_code == 403


def test_the_session_key_changes_at_login_and_dies_at_logout():
    user = verified_user()
    client = Client(enforce_csrf_checks=True)
    anonymous = SessionStore()
    anonymous["basket"] = "before login"
    anonymous.create()
    client.cookies["sessionid"] = anonymous.session_key
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post("/accounts/login/", {"login": user.email, "password": "pw-Secret-123",
                                                "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != anonymous.session_key
    assert not Session.objects.filter(session_key=anonymous.session_key).exists()
    assert SessionStore(new_key).get("_auth_user_id") == str(user.pk)

    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/logout/", HTTP_X_CSRFTOKEN=token).status_code == 302
    assert not Session.objects.filter(session_key=new_key).exists()
