"""Fixtures for the OGC API tests: a realistic set of sites (seeded, deterministic) and signed-in clients."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commons.services.demo import seed_demo
from mapping.read.features import forget_extents
from tests.factories import verified_user


@pytest.fixture
def demo_sites(db):
    sites = seed_demo(sites=300, seed=13)
    forget_extents()
    return sites


@pytest.fixture
def reporter(db):
    return verified_user()


@pytest.fixture
def reporter_client(reporter):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reporter).key}")
    return client
