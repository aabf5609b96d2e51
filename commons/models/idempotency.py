"""Idempotency keys: a client's name for one creating request, kept with the first answer it got.

A row is committed in the same transaction as the effect it answers for (commons.services.idempotency), so a
committed row always holds an answer and a crash leaves neither the effect nor the key behind.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def lifetime():
    """How long a key answers for its first request (the Idempotency-Key draft lets the server choose)."""
    return dt.timedelta(hours=settings.REGISTRY_IDEMPOTENCY_HOURS)


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - lifetime())


class IdempotencyKey(models.Model):
    # Keys belong to one user: the same key from two people names two different requests.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    # The request's fingerprint: a key reused for another operation or another body is refused (422).
    method = models.CharField(max_length=10)
    path = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    # The first answer, replayed to every retry. NULL only inside the transaction that is producing it.
    status = models.PositiveSmallIntegerField(null=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            # Server errors are never kept: their transaction is rolled back, so a retry runs the request again.
            models.CheckConstraint(name="idempotency_answer_is_never_a_server_error",
                                   condition=Q(status__isnull=True) | Q(status__gte=200, status__lt=500)),
        ]

    def __str__(self):
        return f"{self.key} ({self.method} {self.path})"

    def same_request(self, *, method, path, body_sha256):
        return (self.method, self.path, self.body_sha256) == (method, path, body_sha256)

    def is_expired(self, now=None):
        return self.created_at < (now or timezone.now()) - lifetime()
