"""A cooperative declares where it works and what it looks for (policy "cooperative.edit": its admins, moderators);
commons.matching ranks the sites that fit; a weekly digest e-mails the newly verified ones (`send_digests`); staff
invite a cooperative to propose (`cooperative_invite`)."""

import datetime as dt
import json

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.geovalidation import POLYGONAL, as_multipolygon, parse_geometry
from commons.models import (
    Cooperative, CooperativeDigest, CooperativeInvitation, Province, Region, ReuseCategory, Site, SiteKind, SiteStatus,
)
from commons.policy import require
from commons.services.lifecycle import audit_context
from commons.services.territory import check_drawn_territory


def _known(values, allowed, field):
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise RegistryValidationError(_("Unknown values: %(values)s.") % {"values": ", ".join(unknown[:5])},
                                      code="invalid_choice", field=field)
    return sorted(set(values))


def drawn_territory(area):
    """The drawn territory to store, from GeoJSON (a dict or its text, as the map form posts it) or a GEOS geometry:
    a valid MultiPolygon in EPSG:4326 with each polygon touching Italy, or None when nothing is drawn (None, "",
    or a geometry without coordinates: the area is cleared). Refused with field "area" and the codes of
    commons.geovalidation (invalid_geojson, wrong_type, self_intersection, too_many_vertices, out_of_bounds...)
    or area_too_large."""
    if isinstance(area, GEOSGeometry):
        if area.srid not in (None, 4326):
            raise RegistryValidationError(_("Coordinates must be plain WGS84 longitude/latitude (EPSG:4326)."),
                                          code="srid_not_allowed", field="area")
        area = json.loads(area.json)  # one path for every caller: the same checks as posted GeoJSON
    if isinstance(area, str):
        if not area.strip():
            return None
        try:
            area = json.loads(area)
        except (ValueError, RecursionError):
            pass  # parse_geometry says what is wrong with the text
    if area is None:
        return None
    if isinstance(area, dict) and area.get("type") in POLYGONAL and area.get("coordinates") == []:
        return None
    geometry = as_multipolygon(parse_geometry(area, field="area", allowed=POLYGONAL))
    check_drawn_territory(geometry, field="area")
    return geometry


@transaction.atomic
def cooperative_interests_set(*, actor, cooperative_id, regions=(), provinces=(), area=None, kinds=(),
                              categories=()):
    """Replace the cooperative's territory (region and province codes, a drawn area: see `drawn_territory`) and
    interests. Nothing is written when any of them is refused."""
    cooperative = Cooperative.objects.select_for_update().filter(pk=cooperative_id).first()
    if cooperative is None:
        raise RegistryValidationError(_("This cooperative does not exist."), code="not_found", field="cooperative")
    require(actor, "cooperative.edit", cooperative=cooperative)
    cooperative.territory_regions = _known(regions, Region.objects.values_list("code", flat=True), "regions")
    cooperative.territory_provinces = _known(provinces, Province.objects.values_list("code", flat=True), "provinces")
    cooperative.territory_area = drawn_territory(area)
    cooperative.interest_kinds = _known(kinds, SiteKind.values, "kinds")
    cooperative.interest_categories = _known(categories, ReuseCategory.values, "categories")
    with audit_context(actor, "cooperative.edit"):
        cooperative.save(update_fields=["territory_regions", "territory_provinces", "territory_area",
                                        "interest_kinds", "interest_categories"])
    return cooperative


DIGEST_SITES = 20


def digest_period(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def newly_verified(since):
    """Ids of sites a municipality or a moderator verified since `since` (from the audit trail)."""
    return set(Site.pgh_event_model.objects.filter(pgh_created_at__gte=since,
                                                   pgh_context__metadata__action="site.verify")
               .values_list("pgh_obj_id", flat=True))


def send_digests(*, today=None):
    """Once per cooperative and ISO week: e-mail its members the sites verified in the last seven days that fit it.
    Runners take cooperatives with SKIP LOCKED and the unique index `digest_once_a_week` refuses a second digest.
    Returns (digests recorded, e-mails sent)."""
    today = today or timezone.localdate()
    period = digest_period(today)
    fresh = newly_verified(timezone.now() - dt.timedelta(days=7))
    recorded = sent = 0
    for cooperative_id in (Cooperative.objects.verified().exclude(digests__period=period)
                           .values_list("pk", flat=True)):
        with transaction.atomic():
            cooperative = (Cooperative.objects.select_for_update(skip_locked=True)
                           .filter(pk=cooperative_id).exclude(digests__period=period).first())
            if cooperative is None:
                continue  # another runner has it, or did it
            matches = ranked_among(cooperative, fresh)
            recipients = _member_addresses(cooperative) if matches else []
            CooperativeDigest.objects.create(cooperative=cooperative, period=period,
                                             sites=[m.site.pk for m in matches], sent_to=len(recipients))
            for address in recipients:
                _send_digest(cooperative, matches, address)
            recorded, sent = recorded + 1, sent + len(recipients)
    return recorded, sent


def ranked_among(cooperative, site_ids):
    from commons.matching import Match, reasons, sites_for

    if not site_ids:
        return []
    sites = sites_for(cooperative, queryset=Site.objects.visible().filter(pk__in=site_ids))[:DIGEST_SITES]
    return [Match(site=s, score=round(s.score), reasons=reasons(s, cooperative)) for s in sites]


def _member_addresses(cooperative):
    from allauth.account.models import EmailAddress

    return sorted(set(EmailAddress.objects.filter(verified=True, user__is_active=True,
                                                  user__cooperative_memberships__cooperative=cooperative)
                      .values_list("email", flat=True)))


def _send_digest(cooperative, matches, address):
    base = settings.SITE_URL.rstrip("/")
    lines = [f"Beni verificati questa settimana adatti a {cooperative.name}:", ""]
    for match in matches:
        lines.append(f"- {match.site.title} ({match.site.municipality.name}): {base}"
                     f"{reverse('mapping:site_detail', args=[match.site.pk])}")
        lines.extend(f"    {reason}" for reason in match.reasons)
    lines += ["", f"Tutti i beni per la cooperativa: {base}{reverse('mapping:cooperative_matches', args=[cooperative.slug])}",
              "", "— BE.CO-OP, registro dei beni comuni"]
    send_mail(f"[BE.CO-OP] {len(matches)} beni per {cooperative.name}", "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
              [address])


@transaction.atomic
def cooperative_invite(*, actor, site_id, cooperative_id, message=""):
    """Municipality staff (policy "cooperative.invite") invite a verified cooperative to propose for an open site:
    recorded once (unique index `invitation_once`, audited) and e-mailed to the cooperative's admins after commit."""
    site = Site.objects.select_for_update().filter(pk=site_id, hidden=False).first()
    if site is None:
        raise RegistryValidationError(_("This site does not exist."), code="not_found", field="site")
    require(actor, "cooperative.invite", site=site)
    cooperative = Cooperative.objects.filter(pk=cooperative_id).first()
    if cooperative is None or not cooperative.verified:
        raise RegistryValidationError(_("Only a verified cooperative can be invited to propose."),
                                      code="cooperative_not_verified", field="cooperative")
    if site.status != SiteStatus.VERIFIED:
        raise ConflictError(_("Only a verified site open to proposals can have invitations."), code="site_not_open")
    try:
        with transaction.atomic(), audit_context(actor, "cooperative.invite"):
            invitation = CooperativeInvitation.objects.create(site=site, cooperative=cooperative, invited_by=actor,
                                                              message=(message or "")[:1000])
    except IntegrityError:
        raise RegistryValidationError(_("This cooperative was already invited to propose for this site."),
                                      code="already_invited", field="cooperative") from None
    transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


def _send_invitation(invitation):
    from allauth.account.models import EmailAddress

    admins = EmailAddress.objects.filter(
        verified=True, user__cooperative_memberships__cooperative=invitation.cooperative,
        user__cooperative_memberships__role="admin").values_list("email", flat=True)
    url = settings.SITE_URL.rstrip("/") + reverse("mapping:site_detail", args=[invitation.site_id])
    body = (f"Il Comune di {invitation.site.municipality.name} invita {invitation.cooperative.name} a proporre un "
            f"progetto di riuso per «{invitation.site.title}».\n\n{invitation.message}\n\n{url}\n\n"
            "— BE.CO-OP, registro dei beni comuni")
    for address in sorted(set(admins)):
        send_mail(f"[BE.CO-OP] Invito a proporre: {invitation.site.title}", body, settings.DEFAULT_FROM_EMAIL,
                  [address])
