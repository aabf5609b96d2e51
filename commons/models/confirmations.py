"""Ground truth: confirmations on the ground, the changes they propose, and the re-check requests that ask for
them (commons/services/confirmations.py, commons/services/rechecks.py)."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .sites import ConfirmerRole, Freshness

NOTE_MAX_LENGTH = 1000


class Answer(models.TextChoices):
    """What someone found on the ground: still dormant, or one kind of change."""

    STILL_DORMANT = "still_dormant", _("Still dormant")
    REUSED = "reused", _("Reused")
    WORKS_STARTED = "works_started", _("Works started")
    SOLD = "sold", _("Sold")
    DEMOLISHED = "demolished", _("Demolished")
    UNSAFE = "unsafe", _("Unsafe")
    OTHER = "other", _("Other change")

    @classmethod
    def changes(cls):
        return [answer for answer in cls if answer != cls.STILL_DORMANT]


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Via(models.TextChoices):
    WEB = "web", _("site page")
    API = "api", _("API")
    EMAIL = "email", _("re-check e-mail")
    BULK = "bulk", _("work queue")


@pghistory.track(
    pghistory.InsertEvent("confirmation.create"),
    pghistory.UpdateEvent("confirmation.decide", condition=pghistory.AnyChange("change_status")),
    fields=["site", "user", "role", "answer", "change_status", "decided_by", "decision_reason"],
    model_name="ConfirmationEvent",
    obj_field=pghistory.ObjForeignKey(related_name="events", db_constraint=False),
)
class Confirmation(models.Model):
    """One person's (or a bulk) confirmation of a site. A change is never applied directly: it waits, proposed,
    for the municipality's staff (moderators where there are none) to accept or decline it with a reason."""

    site = models.ForeignKey("commons.Site", on_delete=models.CASCADE, related_name="confirmations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="confirmations")
    role = models.CharField(_("role"), max_length=12, choices=ConfirmerRole.choices)
    answer = models.CharField(_("answer"), max_length=14, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    photo = models.ForeignKey("commons.Photo", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    via = models.CharField(max_length=6, choices=Via.choices, default=Via.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    # The calendar month (in the registry's time zone) of created_at: one confirmation per user, site and month.
    month = models.GeneratedField(
        expression=models.Func(models.F("created_at"), template=(
            f"(date_trunc('month', %(expressions)s AT TIME ZONE '{settings.TIME_ZONE}'))::date")),
        output_field=models.DateField(), db_persist=True,
    )
    change_status = models.CharField(_("change"), max_length=8, choices=ChangeStatus.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "user", "month"], condition=Q(user__isnull=False),
                                    name="confirmation_once_a_month"),
            models.CheckConstraint(
                condition=(Q(answer=Answer.STILL_DORMANT, change_status="")
                           | (~Q(answer=Answer.STILL_DORMANT) & ~Q(change_status=""))),
                name="confirmation_change_has_status"),
        ]
        indexes = [
            models.Index(fields=["site", "created_at"], name="confirmation_site"),
            models.Index(fields=["created_at"], condition=Q(change_status=ChangeStatus.PROPOSED),
                         name="confirmation_proposed"),
        ]

    def __str__(self):
        return f"{self.site_id}: {self.answer}"


class RecheckReason(models.TextChoices):
    REPORTER = "reporter", _("you reported it")
    FOLLOWER = "follower", _("you follow it")
    STAFF = "staff", _("you are staff of its municipality")
    AREA = "area", _("you follow its municipality or an area around it")


class RecheckRequest(models.Model):
    """"Is it still dormant?", asked once of one person for one site per period: the band the site entered
    (ageing, then stale) since its last confirmation (`cycle`). Sent by manage.py send_rechecks, answered
    through the e-mail's signed, single-use links."""

    site = models.ForeignKey("commons.Site", on_delete=models.CASCADE, related_name="recheck_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recheck_requests")
    band = models.CharField(max_length=6, choices=[(f.value, f.label) for f in Freshness if f != Freshness.FRESH])
    cycle = models.DateTimeField(help_text="The site's last_confirmed_at when the request was made.")
    reason = models.CharField(max_length=8, choices=RecheckReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "user", "band", "cycle"], name="recheck_once")]
        indexes = [models.Index(fields=["user", "id"], condition=Q(sent_at__isnull=True), name="recheck_pending")]

    def __str__(self):
        return f"{self.site_id} → {self.user_id} ({self.band})"


class RecheckOptOut(models.Model):
    """Someone who asked for no more re-check e-mails (the unsubscribe link)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recheck_opt_out")
    created_at = models.DateTimeField(auto_now_add=True)
