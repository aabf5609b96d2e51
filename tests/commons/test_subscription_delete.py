"""subscription_delete called directly: only the owner stops following; a second delete is harmless."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from commons.models import Subscription, SubscriptionKind
from commons.services.subscriptions import subscription_create, subscription_delete
from tests.factories import SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", [lambda: None, verified_user, moderator_user],
                         ids=["none", "another_citizen", "moderator"])
def test_only_the_owner_may_delete_a_subscription(actor):
    subscription = subscription_create(user=verified_user(), kind=SubscriptionKind.SITE, site=SiteFactory())
    with pytest.raises(PermissionDenied):
        subscription_delete(actor=actor(), subscription_id=subscription.pk)
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_the_owner_deletes_once_and_a_second_click_is_no_error():
    owner = verified_user()
    subscription = subscription_create(user=owner, kind=SubscriptionKind.REGION, area_code="12")
    assert subscription_delete(actor=owner, subscription_id=subscription.pk) is True
    assert subscription_delete(actor=owner, subscription_id=subscription.pk) is False
    assert not Subscription.objects.exists()


def test_the_profile_page_unfollows_through_the_service(client):
    owner, other = verified_user(), verified_user()
    subscription = subscription_create(user=owner, kind=SubscriptionKind.REGION, area_code="12")
    url = reverse("workflow:unfollow", args=[subscription.pk])
    client.force_login(other)
    assert client.post(url).status_code == 403
    client.force_login(owner)
    assert client.post(url).status_code == 302
    assert not Subscription.objects.exists()
