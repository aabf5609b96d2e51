"""Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header): one effect per key, its first answer replayed.

The caller runs the whole request in one transaction:

    with transaction.atomic():
        claim = idempotency_claim(actor=user, key=key, method=..., path=..., body_sha256=...)
        if claim.status is not None: answer claim.status / claim.headers / claim.body again
        else: do the work, then idempotency_record(claim=claim, status=..., headers=..., body=...)

The claim inserts the key's row (ON CONFLICT DO NOTHING) and locks it FOR UPDATE, so a concurrent retry with
the same key waits on that row until the first request commits, then reads its answer. If the first request
fails (a server error, a crash, a killed worker), its transaction rolls back the row together with the effect,
and the retry runs as a new request. No row is ever committed without an answer, so no key can be left stuck.
"""

from django.conf import settings
from django.db import OperationalError, connection

from commons.errors import IdempotencyKeyBusy, IdempotencyKeyReused
from commons.models import IdempotencyKey

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ends a wait


def idempotency_claim(*, actor, key, method, path, body_sha256):
    """The row of (actor, key), locked until the caller's transaction ends: new (status None), or answered.

    Raises IdempotencyKeyReused when the key was used for another request, IdempotencyKeyBusy when the first
    request still holds the key after REGISTRY_IDEMPOTENCY_WAIT_SECONDS."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim() must run inside the transaction of the work it guards.")
    request = {"method": method, "path": path, "body_sha256": body_sha256}
    wait = settings.REGISTRY_IDEMPOTENCY_WAIT_SECONDS
    try:
        previous = _set_lock_timeout(f"{wait}s")
        IdempotencyKey.objects.bulk_create([IdempotencyKey(user=actor, key=key, **request)], ignore_conflicts=True)
        claim = IdempotencyKey.objects.select_for_update().get(user=actor, key=key)
        _set_lock_timeout(previous)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise IdempotencyKeyBusy(retry_after=1) from None
        raise
    if claim.status is None:
        return claim  # inserted by this transaction: every committed row holds an answer
    if claim.is_expired():
        # Past its lifetime but not yet removed by expire_idempotency_keys: the key is new again.
        return _renew(claim, request)
    if not claim.same_request(**request):
        raise IdempotencyKeyReused(key)
    return claim


def _set_lock_timeout(value):
    """Set lock_timeout for this transaction only; return the value it had."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [value])
        return cursor.fetchone()[0]


def _renew(claim, request):
    fresh = IdempotencyKey(user_id=claim.user_id, key=claim.key, **request)
    for field in ("method", "path", "body_sha256", "status", "headers", "body", "created_at"):
        setattr(claim, field, getattr(fresh, field))
    claim.save()
    return claim


def idempotency_record(*, claim, status, headers, body):
    """Keep the answer of a claimed key; it commits with the work it answers for."""
    if not 200 <= status < 500:
        raise ValueError(f"only successes and client errors are kept, not {status}")
    claim.status, claim.headers, claim.body = status, dict(headers), bytes(body)
    claim.save(update_fields=["status", "headers", "body"])
    return claim


def idempotency_expire(*, now=None):
    """Remove the keys older than REGISTRY_IDEMPOTENCY_HOURS; return how many."""
    deleted, _by_model = IdempotencyKey.objects.expired(now).delete()
    return deleted
