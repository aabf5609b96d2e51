"""Forms of the web pages: the filter panel (rendering only: commons.search does the filtering) and proposals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commons.models import (
    Answer, Freshness, InnerAreaClass, Municipality, Ownership, Province, Region, ReuseCategory, SiteKind, SiteStatus,
)
from commons.models.confirmations import NOTE_MAX_LENGTH
from commons.search import INNER_AREAS_ALIAS

# Statuses a visitor can filter on (duplicates are never public).
FILTER_STATUSES = [choice for choice in SiteStatus.choices if choice[0] != SiteStatus.DUPLICATE]
MULTI_VALUED = ("kind", "status", "ownership", "freshness")


def _split(params, name):
    """Values of a multi-valued parameter written either `a,b` or `x=a&x=b` (as commons.search reads them)."""
    return [part for value in params.getlist(name) for part in value.split(",") if part]


class FilterPanelForm(forms.Form):
    """The map's filter panel. Field names and values are exactly the API's query parameters."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    region = forms.ChoiceField(label=_("Region"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    inner = forms.ChoiceField(label=_("Inner areas (SNAI)"), required=False)
    kind = forms.MultipleChoiceField(label=_("Kind"), required=False, choices=SiteKind.choices,
                                     widget=forms.CheckboxSelectMultiple)
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=FILTER_STATUSES,
                                       widget=forms.CheckboxSelectMultiple)
    ownership = forms.MultipleChoiceField(label=_("Ownership"), required=False, choices=Ownership.choices,
                                          widget=forms.CheckboxSelectMultiple)
    freshness = forms.MultipleChoiceField(label=_("Last confirmed on the ground"), required=False,
                                          choices=Freshness.choices, widget=forms.CheckboxSelectMultiple)
    claimed = forms.ChoiceField(label=_("Proposals"), required=False, choices=[
        ("", _("Any")), ("true", _("Claimed: verified, with proposals under review")), ("false", _("Not claimed")),
    ])
    top_level = forms.ChoiceField(label=_("Parts of larger sites"), required=False, choices=[
        ("", _("Show them too")), ("true", _("Only top-level sites (not parts of another)")),
        ("false", _("Only parts of another site")),
    ])

    def __init__(self, params, **kwargs):
        data = {name: params.get(name, "") for name in ("q", "region", "province", "municipality", "inner", "claimed",
                                                        "top_level")}
        for name in MULTI_VALUED:
            data[name] = _split(params, name)
        super().__init__(data, **kwargs)
        everywhere = [("", _("All"))]
        self.fields["region"].choices = everywhere + list(Region.objects.order_by("name").values_list("code", "name"))
        region, province = data["region"], data["province"]
        provinces = Province.objects.filter(region_id=region).order_by("name") if region else Province.objects.none()
        self.fields["province"].choices = everywhere + list(provinces.values_list("code", "name"))
        municipalities = (Municipality.objects.filter(province_id=province).order_by("name")
                          if province else Municipality.objects.none())
        self.fields["municipality"].choices = everywhere + list(municipalities.values_list("code", "name"))
        self.fields["inner"].choices = everywhere + [(INNER_AREAS_ALIAS, _("Inner areas only (classes D, E, F)"))] + [
            (value, label) for value, label in InnerAreaClass.choices
        ]
        if not region:
            self.fields["province"].widget.attrs["disabled"] = True
        if not province:
            self.fields["municipality"].widget.attrs["disabled"] = True

    def active_count(self):
        """How many filters are set, for the phone's "Filters (n)" button."""
        return sum(1 for name in self.fields if self.data.get(name))


class ServiceCheckedChoiceField(forms.ChoiceField):
    """Offers the fitting choices but lets any value through to the service, which refuses one that does not fit
    with its own reason (commons.services.milestones.pathway_for_site: pathway_not_fitting)."""

    def valid_value(self, value):
        return len(str(value)) <= 60


class ProposalForm(forms.Form):
    """A cooperative's reuse project for a verified site; commons.services.proposals does the rest."""

    cooperative = forms.ChoiceField(label=_("Cooperative"))
    pathway = ServiceCheckedChoiceField(label=_("Legal pathway"), required=False,
                                help_text=_("The legal route you intend to follow: its steps become the proposal's "
                                            "milestones."))
    title = forms.CharField(label=_("Project title"), max_length=200)
    summary = forms.CharField(label=_("Summary of the project"), widget=forms.Textarea(attrs={"rows": 5}))
    reuse_category = forms.ChoiceField(label=_("Reuse category"), choices=[("", "—")] + list(ReuseCategory.choices))
    expected_jobs = forms.IntegerField(label=_("Expected jobs"), required=False, min_value=0, max_value=100000)
    beneficiaries = forms.CharField(label=_("Beneficiaries"), required=False, max_length=300)
    budget_eur = forms.DecimalField(label=_("Budget (€)"), required=False, min_value=0, max_digits=12,
                                    decimal_places=2)
    funding_sources = forms.CharField(label=_("Funding sources"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    timeline = forms.CharField(label=_("Schedule"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    covers = forms.MultipleChoiceField(label=_("Parts of the site it covers"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    submit = forms.BooleanField(label=_("Submit now to the municipality (otherwise it stays a draft)"),
                                required=False, initial=True)

    def __init__(self, *args, cooperatives, pathways=(), parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, (forms.TextInput, forms.Textarea, forms.NumberInput)):
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["cooperative"].choices = [(str(c.pk), c.name) for c in cooperatives]
        offered = [(p.slug, p.text("title")) for p in pathways]
        self.fields["pathway"].choices = [("", _("Not chosen yet"))] + offered
        self.fields["pathway"].widget.attrs["aria-describedby"] = self.auto_id % "pathway" + "-help"
        if len(offered) == 1:
            self.fields["pathway"].initial = offered[0][0]
        if parts:
            self.fields["covers"].choices = [(str(part.pk), part.title) for part in parts]
        else:
            del self.fields["covers"]
        if len(cooperatives) == 1:
            self.fields["cooperative"].initial = str(cooperatives[0].pk)


class CooperativeFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    region = forms.ChoiceField(label=_("Region"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    legal_form = forms.ChoiceField(label=_("Legal form"), required=False)
    verified = forms.BooleanField(label=_("Only verified cooperatives"), required=False)

    def __init__(self, *args, **kwargs):
        from commons.models import LegalForm, Sector

        super().__init__(*args, **kwargs)
        everywhere = [("", _("All"))]
        self.fields["region"].choices = everywhere + list(Region.objects.order_by("name").values_list("code", "name"))
        self.fields["sector"].choices = everywhere + list(Sector.choices)
        self.fields["legal_form"].choices = everywhere + list(LegalForm.choices)


class ConfirmationForm(forms.Form):
    """"Is it still dormant?": the site page's block and the re-check e-mail's page (commons.services.confirmations
    checks everything again)."""

    answer = forms.ChoiceField(label=_("What did you find?"), choices=Answer.choices, widget=forms.RadioSelect,
                               initial=Answer.STILL_DORMANT)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control",
                                                        "maxlength": NOTE_MAX_LENGTH}))
    image = forms.FileField(label=_("Photo (optional)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                                   "class": "form-control"}))
