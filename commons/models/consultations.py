"""Consultations: municipality staff ask the public about a site's competing proposals for a while, then record
what they heard. Comments are moderated by hiding them with a reason; nothing is ever deleted."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ConsultationState(models.TextChoices):
    SCHEDULED = "scheduled", _("Not open yet")
    OPEN = "open", pgettext_lazy("consultation", "Open")
    CLOSED = "closed", _("Closed, awaiting the outcome")
    CONCLUDED = "concluded", _("Concluded")


class ConsultationQuerySet(models.QuerySet):
    def unconcluded(self):
        """Scheduled, open or closed without an outcome yet: at most one per site (`consultation_one_open_per_site`)."""
        return self.filter(concluded_at__isnull=True)


CONSULTATION_HISTORY_FIELDS = ["site", "question", "opens_at", "closes_at", "outcome", "concluded_at", "concluded_by"]


@pghistory.track(
    pghistory.InsertEvent("consultation.open"),
    pghistory.UpdateEvent("consultation.update", condition=pghistory.AnyChange(*CONSULTATION_HISTORY_FIELDS)),
    fields=CONSULTATION_HISTORY_FIELDS, model_name="ConsultationEvent",
    obj_field=pghistory.ObjForeignKey(related_name="events"),
)
class Consultation(models.Model):
    site = models.ForeignKey("commons.Site", on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField(_("what the municipality asks"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    outcome = models.TextField(_("outcome"), blank=True)
    concluded_at = models.DateTimeField(_("outcome recorded on"), null=True, blank=True)
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="consultation_closes_after_opening"),
            models.CheckConstraint(condition=Q(concluded_at__isnull=True) | ~Q(outcome=""),
                                   name="consultation_concluded_has_outcome"),
            models.UniqueConstraint(fields=["site"], condition=Q(concluded_at__isnull=True),
                                    name="consultation_one_open_per_site",
                                    violation_error_message=_("This site already has a consultation under way.")),
        ]

    def __str__(self):
        return f"{self.site_id}: {self.opens_at:%Y-%m-%d} – {self.closes_at:%Y-%m-%d}"

    def state(self, now=None):
        now = now or timezone.now()
        if self.concluded_at is not None:
            return ConsultationState.CONCLUDED
        if now < self.opens_at:
            return ConsultationState.SCHEDULED
        return ConsultationState.OPEN if now < self.closes_at else ConsultationState.CLOSED

    def is_open(self, now=None):
        """Comments are taken from `opens_at` (included) to `closes_at` (excluded), until an outcome is recorded."""
        return self.state(now) == ConsultationState.OPEN


class CommentKind(models.TextChoices):
    QUESTION = "question", _("Question")
    COMMENT = "comment", _("Comment")


@pghistory.track(
    pghistory.InsertEvent("consultation_comment.create"),
    pghistory.UpdateEvent("consultation_comment.hide", condition=pghistory.AnyChange("hidden", "hidden_reason")),
    fields=["consultation", "proposal", "author", "kind", "body", "hidden", "hidden_reason", "hidden_by"],
    model_name="ConsultationCommentEvent", obj_field=pghistory.ObjForeignKey(related_name="events"),
)
class ConsultationComment(models.Model):
    """A question or comment on one proposal of the consultation; hidden with a reason, never deleted."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="comments")
    proposal = models.ForeignKey("commons.Proposal", on_delete=models.PROTECT, related_name="consultation_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="consultation_comments")
    kind = models.CharField(_("kind"), max_length=8, choices=CommentKind.choices, default=CommentKind.COMMENT)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="consultation_comment_has_text"),
            models.CheckConstraint(condition=Q(hidden=False) | (~Q(hidden_reason="") & Q(hidden_at__isnull=False)),
                                   name="consultation_comment_hidden_has_reason"),
        ]
        indexes = [models.Index(fields=["consultation", "author", "created_at"], name="consultation_comment_recent")]

    def __str__(self):
        return f"{self.consultation_id}/{self.proposal_id}: {self.body[:40]}"
