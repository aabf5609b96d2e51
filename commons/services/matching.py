"""A cooperative declares where it works and what it looks for (policy "cooperative.edit": its admins, moderators);
commons.matching ranks the sites that fit."""

from django.db import transaction
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError
from commons.models import Cooperative, Province, Region, ReuseCategory, SiteKind
from commons.policy import require
from commons.services.lifecycle import audit_context


def _known(values, allowed, field):
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise RegistryValidationError(_("Unknown values: %(values)s.") % {"values": ", ".join(unknown[:5])},
                                      code="invalid_choice", field=field)
    return sorted(set(values))


@transaction.atomic
def cooperative_interests_set(*, actor, cooperative_id, regions=(), provinces=(), area=None, kinds=(),
                              categories=()):
    """Replace the cooperative's territory (region and province codes, a drawn MultiPolygon) and interests."""
    cooperative = Cooperative.objects.select_for_update().filter(pk=cooperative_id).first()
    if cooperative is None:
        raise RegistryValidationError(_("This cooperative does not exist."), code="not_found", field="cooperative")
    require(actor, "cooperative.edit", cooperative=cooperative)
    cooperative.territory_regions = _known(regions, Region.objects.values_list("code", flat=True), "regions")
    cooperative.territory_provinces = _known(provinces, Province.objects.values_list("code", flat=True), "provinces")
    cooperative.territory_area = area
    cooperative.interest_kinds = _known(kinds, SiteKind.values, "kinds")
    cooperative.interest_categories = _known(categories, ReuseCategory.values, "categories")
    with audit_context(actor, "cooperative.edit"):
        cooperative.save(update_fields=["territory_regions", "territory_provinces", "territory_area",
                                        "interest_kinds", "interest_categories"])
    return cooperative
