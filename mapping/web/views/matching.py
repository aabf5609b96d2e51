""""Beni per la vostra cooperativa": the sites that fit a cooperative, ranked with their reasons, and the form where
its admins declare territory and interests (commons.services.matching)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commons.errors import RegistryValidationError
from commons.matching import ranked
from commons.models import Cooperative, Province, Region, ReuseCategory, SiteKind
from commons.policy import can, is_moderator
from commons.services.matching import cooperative_interests_set

SHOWN = 50


class InterestsForm(forms.Form):
    regions = forms.MultipleChoiceField(label=gettext_lazy("Regions you work in"), required=False,
                                        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}))
    provinces = forms.MultipleChoiceField(label=gettext_lazy("Provinces you work in"), required=False,
                                          widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}))
    kinds = forms.MultipleChoiceField(label=gettext_lazy("Kinds of site you look for"), required=False,
                                      choices=SiteKind.choices, widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label=gettext_lazy("Reuse categories you work in"), required=False,
                                           choices=ReuseCategory.choices, widget=forms.CheckboxSelectMultiple)
    # GeoJSON of the areas drawn on the map (static/js/territory.js keeps it in step); without JavaScript it
    # carries the saved area back unchanged, and `clear_area` removes it.
    area = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    clear_area = forms.BooleanField(label=gettext_lazy("Remove the area drawn on the map"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = list(Region.objects.order_by("name").values_list("code", "name"))
        self.fields["provinces"].choices = list(Province.objects.order_by("name").values_list("code", "name"))


def _member_or_moderator(user, cooperative):
    if not (cooperative.memberships.filter(user=user).exists() or is_moderator(user)):
        raise PermissionDenied(_("Only the cooperative's members see the sites chosen for it."))


@login_required
def cooperative_matches(request, slug):
    cooperative = get_object_or_404(Cooperative, slug=slug)
    _member_or_moderator(request.user, cooperative)
    may_edit = can(request.user, "cooperative.edit", cooperative=cooperative)
    initial = {"regions": cooperative.territory_regions, "provinces": cooperative.territory_provinces,
               "kinds": cooperative.interest_kinds, "categories": cooperative.interest_categories,
               "area": cooperative.territory_area.geojson if cooperative.territory_area else ""}
    form = InterestsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only the cooperative's administrators change what it looks for."))
        if form.is_valid():
            declared = dict(form.cleaned_data)
            if declared.pop("clear_area"):
                declared["area"] = None
            try:
                cooperative_interests_set(actor=request.user, cooperative_id=cooperative.pk, **declared)
            except RegistryValidationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.messages[0])
            else:
                messages.success(request, _("Saved: the list below follows what you declared."))
                return redirect("mapping:cooperative_matches", slug=cooperative.slug)
        status = 400
    return render(request, "mapping/cooperative_matches.html", {
        "cooperative": cooperative, "matches": ranked(cooperative, limit=SHOWN), "form": form, "may_edit": may_edit,
        "map_config": _map_config(), "map_messages": _map_messages(),
    }, status=status)


def _map_config():
    return {"basemap": {"url": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
            "maxVertices": settings.REGISTRY_MAX_VERTICES}


def _map_messages():
    return {
        "none": _("No area drawn: the regions and provinces above are your territory."),
        "drawn": _("Areas drawn: %(count)s, %(vertices)s vertices in all."),
        "unsaved": _("Changed on the map: press Save to keep it."),
        "drawing": _("Click each corner of the area on the map, then the first corner again to close it."),
        "editing": _("Drag the corners to change the areas; press Edit the areas again when done."),
        "tooManyVertices": _("Too many vertices: at most %(limit)s in all."),
    }
