"""Re-check requests: "is it still dormant?" asked of the people closest to a site as it turns ageing, then stale.

`manage.py send_rechecks` (cron, e.g. hourly; no broker) runs, in this order:

1. `refresh_bands()` (commons.models.aggregates): the precomputed counts' freshness bands move to today;
2. `recheck_enqueue()`: one RecheckRequest per (site, person, band, cycle) for the dormant sites (reported,
   verified) that are ageing or stale, for their reporter, the people following the site, the approved staff
   of its municipality and the people following its municipality or a drawn area around it (not those following
   a whole region or province: hundreds of questions a month would ask nobody in particular), if their e-mail is
   verified and they did not unsubscribe; a person asked for several reasons is asked once, for the closest. The unique key makes it once
   per period: a cycle is the site's last confirmation, so the next question comes only after it ages again.
   Sites with a change waiting for a decision are not asked about;
3. `recheck_deliver()`: one e-mail per person with their pending requests (at most
   REGISTRY_RECHECK_SITES_PER_EMAIL sites with one-click answers; the rest are counted and marked asked), picked
   with SELECT ... FOR UPDATE SKIP LOCKED so that two runners never send the same request twice.

Links: `signing.dumps({"r": request id, "a": answer}, salt=ANSWER_SALT)` (django.core.signing: HMAC with
SECRET_KEY, timestamped), valid REGISTRY_RECHECK_LINK_DAYS days and single-use (RecheckRequest.answered_at,
set in the confirmation's transaction). A link opens a confirmation page (GET shows the form, POST answers);
the unsubscribe link carries the signed user id (ANSWER_SALT differs, so neither link can stand for the other).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.freshness import FRESH_FROM, STALE_BEFORE
from commons.models import Answer, ChangeStatus, RecheckOptOut, RecheckRequest, Site, SiteStatus
from commons.services.confirmations import site_confirm

ANSWER_SALT = "commons.recheck.answer"
UNSUBSCRIBE_SALT = "commons.recheck.unsubscribe"
ASKED_STATUSES = (SiteStatus.REPORTED, SiteStatus.VERIFIED)  # dormant: nobody is reusing them yet


def _enqueue_sql():
    from allauth.account.models import EmailAddress

    user_table, email_table = get_user_model()._meta.db_table, EmailAddress._meta.db_table
    return f"""
WITH due AS (
  SELECT s.id, s.municipality_id, s.reporter_id, s.last_confirmed_at, s.location,
         CASE WHEN s.last_confirmed_at >= {STALE_BEFORE} THEN 'ageing' ELSE 'stale' END AS band
  FROM commons_site s
  WHERE NOT s.hidden AND s.status = ANY(%s) AND s.last_confirmed_at < {FRESH_FROM}
    AND NOT EXISTS (SELECT 1 FROM commons_confirmation c WHERE c.site_id = s.id AND c.change_status = %s)
),
people AS (
  SELECT d.id, d.band, d.last_confirmed_at, d.reporter_id AS user_id, 'reporter' AS reason, 1 AS rank
    FROM due d WHERE d.reporter_id IS NOT NULL
  UNION ALL
  SELECT d.id, d.band, d.last_confirmed_at, f.user_id, 'follower', 2
    FROM due d JOIN commons_subscription f ON f.site_id = d.id AND f.kind = 'site'
  UNION ALL
  SELECT d.id, d.band, d.last_confirmed_at, st.user_id, 'staff', 3
    FROM due d JOIN commons_municipalitystaff st ON st.municipality_id = d.municipality_id AND st.approved
  UNION ALL
  SELECT d.id, d.band, d.last_confirmed_at, a.user_id, 'area', 4
    FROM due d JOIN commons_subscription a ON a.kind = 'municipality' AND a.municipality_id = d.municipality_id
  UNION ALL
  SELECT d.id, d.band, d.last_confirmed_at, a.user_id, 'area', 4
    FROM due d JOIN commons_subscription a ON a.kind = 'polygon' AND ST_Intersects(a.polygon, d.location)
)
INSERT INTO commons_recheckrequest (site_id, user_id, band, cycle, reason, created_at)
SELECT DISTINCT ON (p.id, p.user_id) p.id, p.user_id, p.band, p.last_confirmed_at, p.reason, now()
FROM people p JOIN {user_table} u ON u.id = p.user_id
WHERE u.is_active AND u.email <> ''
  AND (u.is_superuser OR EXISTS (SELECT 1 FROM {email_table} e WHERE e.user_id = u.id AND e.verified))
  AND NOT EXISTS (SELECT 1 FROM commons_recheckoptout o WHERE o.user_id = u.id)
ORDER BY p.id, p.user_id, p.rank
ON CONFLICT (site_id, user_id, band, cycle) DO NOTHING
"""


def recheck_enqueue():
    """Create the requests now due (each at most once); returns how many were created."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_enqueue_sql(), [list(ASKED_STATUSES), ChangeStatus.PROPOSED.value])
        return cursor.rowcount


def answer_token(request, answer):
    return signing.dumps({"r": request.pk, "a": answer}, salt=ANSWER_SALT, compress=True)


def unsubscribe_token(user):
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def _url(name, token):
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])


def read_answer_token(token):
    """(RecheckRequest, answer) of a link; RegistryValidationError invalid_link / link_expired (nothing read
    beyond the signature), ConflictError link_used."""
    max_age = dt.timedelta(days=settings.REGISTRY_RECHECK_LINK_DAYS)
    try:
        data = signing.loads(token, salt=ANSWER_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise RegistryValidationError(_("This link has expired: open the site's page to answer."),
                                      code="link_expired", field="token") from None
    except signing.BadSignature:
        raise RegistryValidationError(_("This link is not valid."), code="invalid_link", field="token") from None
    request = RecheckRequest.objects.select_related("site", "user").filter(pk=data.get("r")).first()
    if request is None or data.get("a") not in Answer.values:
        raise RegistryValidationError(_("This link is not valid."), code="invalid_link", field="token")
    if request.answered_at is not None:
        raise ConflictError(_("This link was already used."), code="link_used")
    return request, data["a"]


def recheck_answer(*, token, answer, note="", image=None):
    """Answer through a link (the token stands for its person); single-use. Returns the Confirmation."""
    request, _suggested = read_answer_token(token)
    from commons.models import Via

    return site_confirm(actor=request.user, site_id=request.site_id, answer=answer, note=note, image=image,
                        via=Via.EMAIL, recheck_id=request.pk)


def read_unsubscribe_token(token):
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise RegistryValidationError(_("This link is not valid."), code="invalid_link", field="token") from None
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None:
        raise RegistryValidationError(_("This link is not valid."), code="invalid_link", field="token")
    return user


def recheck_unsubscribe(*, token):
    """No more re-check e-mails for the person of an unsubscribe link (idempotent); returns the user."""
    user = read_unsubscribe_token(token)
    RecheckOptOut.objects.get_or_create(user=user)
    RecheckRequest.objects.filter(user=user, sent_at__isnull=True).delete()
    return user


def _still_due(request):
    site = request.site
    return not site.hidden and site.status in ASKED_STATUSES and site.last_confirmed_at == request.cycle


def _email(user, requests, more):
    lines = [_("Hello,"), "", _("Are these places still dormant? One click is enough to answer; each link works once "
                                "and for %(days)d days.") % {"days": settings.REGISTRY_RECHECK_LINK_DAYS}, ""]
    for request in requests:
        site = request.site
        lines += [f"* {site.title} ({site.municipality.name}) — {request.get_reason_display()}",
                  "  " + settings.SITE_URL.rstrip("/") + reverse("mapping:site_detail", args=[site.pk])]
        lines += [f"  {Answer(a).label}: {_url('mapping:recheck_answer', answer_token(request, a))}" for a in Answer]
        lines.append("")
    if more:
        lines += [_("… and %(count)d more sites: see your work queue or their pages.") % {"count": more}, ""]
    unsubscribe = _url("mapping:recheck_unsubscribe", unsubscribe_token(user))
    lines += [_("No more of these e-mails: %(url)s") % {"url": unsubscribe}, "", "— BE.CO-OP, registro dei beni comuni"]
    subject = (_("[BE.CO-OP] Is it still dormant? %(title)s") % {"title": requests[0].site.title} if len(requests) == 1
               else _("[BE.CO-OP] Are they still dormant? %(count)d sites") % {"count": len(requests) + more})
    return EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email],
                        headers={"List-Unsubscribe": f"<{unsubscribe}>"})


def _deliver_one():
    """Send one person's pending requests: True if an e-mail went out, False if none was still due, None when
    no request is left to take."""
    with transaction.atomic():
        first = (RecheckRequest.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
                 .order_by("id").first())
        if first is None:
            return None
        pending = list(RecheckRequest.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(user_id=first.user_id, sent_at__isnull=True)
                       .select_related("site__municipality", "user").order_by("id"))
        due = [request for request in pending if _still_due(request)]
        shown = due[:settings.REGISTRY_RECHECK_SITES_PER_EMAIL]
        if shown:
            with translation.override(settings.LANGUAGE_CODE):
                _email(pending[0].user, shown, len(due) - len(shown)).send()
        RecheckRequest.objects.filter(pk__in=[r.pk for r in pending]).update(sent_at=timezone.now())
        return bool(shown)


def recheck_deliver(limit=500):
    """E-mail pending requests, one message per person; returns (people processed, e-mails sent)."""
    processed = sent = 0
    while processed < limit:
        outcome = _deliver_one()
        if outcome is None:
            break
        processed += 1
        sent += int(outcome)
    return processed, sent


def sites_to_recheck(municipality_codes=None):
    """Visible dormant sites that are ageing or stale, oldest confirmation first (the work queue's tab)."""
    from commons.freshness import freshness_q
    from commons.models import Freshness

    sites = Site.objects.visible().filter(freshness_q([Freshness.AGEING, Freshness.STALE]),
                                          status__in=ASKED_STATUSES)
    if municipality_codes is not None:
        sites = sites.filter(municipality_id__in=municipality_codes)
    return sites.order_by("last_confirmed_at", "id")
