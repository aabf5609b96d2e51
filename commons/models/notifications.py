"""Following sites and areas, and the outbox of site notices that feeds e-mails and Atom feeds."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubscriptionKind(models.TextChoices):
    SITE = "site", _("A site")
    REGION = "region", _("A region")
    PROVINCE = "province", _("A province")
    MUNICIPALITY = "municipality", _("A municipality")
    POLYGON = "polygon", _("A drawn area")
    SEARCH = "search", _("A saved search")


class Subscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(_("kind"), max_length=12, choices=SubscriptionKind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    site = models.ForeignKey("commons.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    region = models.ForeignKey("commons.Region", on_delete=models.CASCADE, null=True, blank=True)
    province = models.ForeignKey("commons.Province", on_delete=models.CASCADE, null=True, blank=True)
    municipality = models.ForeignKey("commons.Municipality", on_delete=models.CASCADE, null=True, blank=True)
    polygon = models.MultiPolygonField(srid=4326, null=True, blank=True)
    # A saved search is the query string of the map/API filters (the same FilterSet everywhere).
    query = models.CharField(_("saved search"), max_length=2000, blank=True)
    # Public, unguessable id for the subscription's Atom feed.
    feed_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="subscription_target_matches_kind",
                condition=(
                    Q(kind="site", site__isnull=False)
                    | Q(kind="region", region__isnull=False)
                    | Q(kind="province", province__isnull=False)
                    | Q(kind="municipality", municipality__isnull=False)
                    | Q(kind="polygon", polygon__isnull=False)
                    | (Q(kind="search") & ~Q(query=""))
                ),
            ),
            models.UniqueConstraint(fields=["user", "site"], condition=Q(kind="site"), name="subscription_site_once"),
        ]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} ({self.user})"


class NoticeKind(models.TextChoices):
    NEW_SITE = "new_site", _("New site")
    STATUS = "status", _("Status change")
    PROPOSAL = "proposal", _("New proposal")
    DECISION = "decision", _("Decision on a proposal")
    EXPIRY = "expiry", _("Assignment about to expire")
    MILESTONE = "milestone", _("Milestone overdue")
    CONSULTATION = "consult", _("Consultation opened")


class SiteNotice(models.Model):
    """Written in the same transaction as the change; delivered later (after commit) by send_notifications."""

    site = models.ForeignKey("commons.Site", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Extra recipients beyond the followers (e.g. the cooperative of an expiring assignment).
    cooperative = models.ForeignKey("commons.Cooperative", on_delete=models.CASCADE, null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["processed_at"], name="notice_pending", condition=Q(processed_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="notice_dedupe_once")
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    notice = models.ForeignKey(SiteNotice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="delivery_once")]
