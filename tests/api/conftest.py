"""Fixtures for the API tests: clients, a reporter with a token, and a small realistic set of sites."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commons.services.demo import seed_demo
from tests.factories import UserFactory, verified_user


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def reporter(db):
    return verified_user()


@pytest.fixture
def reporter_client(reporter):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reporter).key}")
    return client


@pytest.fixture
def staff_client(db):
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))
    return client


@pytest.fixture
def demo_sites(db):
    """400 realistic sites in real municipalities, with cooperatives and proposals (seeded, deterministic)."""
    return seed_demo(sites=400, seed=11)
