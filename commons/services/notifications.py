"""Delivering site notices to followers by e-mail, after the change has committed.

Notices are rows written in the same transaction as the change (commons services); `send_notifications`
(run on a schedule, e.g. every minute from cron or a systemd timer) picks pending ones with SKIP LOCKED, so
several runners never send twice, and records one Delivery per user and notice. Links point at the public site
page by its URL name (reverse), so commons needs nothing from the faces.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from commons.models import CooperativeMembership, Delivery, SiteNotice, Subscription, SubscriptionKind
from commons.search import FilterParamsError, site_search


def _matches_search(query, site):
    try:
        return site_search(QueryDict(query)).sites().filter(pk=site.pk).exists()
    except FilterParamsError:
        return False  # a saved search that no longer parses matches nothing


def recipients(notice):
    """Users who follow the site, one of its areas, a drawn polygon around it, or a matching saved search."""
    site = notice.site
    direct = Subscription.objects.filter(
        Q(kind=SubscriptionKind.SITE, site=site)
        | Q(kind=SubscriptionKind.REGION, region_id=site.region_id)
        | Q(kind=SubscriptionKind.PROVINCE, province_id=site.province_id)
        | Q(kind=SubscriptionKind.MUNICIPALITY, municipality_id=site.municipality_id)
        | Q(kind=SubscriptionKind.POLYGON, polygon__intersects=site.location)
    ).values_list("user_id", flat=True)
    users = set(direct)
    for user_id, query in Subscription.objects.filter(kind=SubscriptionKind.SEARCH).values_list("user_id", "query"):
        if user_id not in users and _matches_search(query, site):
            users.add(user_id)
    if notice.cooperative_id:
        users.update(CooperativeMembership.objects.filter(cooperative_id=notice.cooperative_id).values_list("user_id", flat=True))
    return get_user_model().objects.filter(pk__in=users, is_active=True).exclude(email="")


def _send(notice, user):
    url = settings.SITE_URL.rstrip("/") + reverse("mapping:site_detail", args=[notice.site_id])
    body = f"{notice.title}\n\n{notice.body}\n\n{url}\n\n— BE.CO-OP, registro dei beni comuni".strip()
    send_mail(f"[BE.CO-OP] {notice.title}", body, settings.DEFAULT_FROM_EMAIL, [user.email])


def deliver_pending(limit=500):
    """Send pending notices; returns (notices processed, e-mails sent)."""
    processed = sent = 0
    while processed < limit:
        with transaction.atomic():
            notice = (
                SiteNotice.objects.select_for_update(skip_locked=True).select_related("site")
                .filter(processed_at__isnull=True).order_by("id").first()
            )
            if notice is None:
                break
            already = set(notice.deliveries.values_list("user_id", flat=True))
            for user in recipients(notice):
                if user.pk in already:
                    continue
                _send(notice, user)
                Delivery.objects.create(notice=notice, user=user)
                sent += 1
            notice.processed_at = timezone.now()
            notice.save(update_fields=["processed_at"])
        processed += 1
    return processed, sent
