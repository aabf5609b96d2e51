"""Django admin for every model, with a map widget that works offline (OpenLayers from npm, no CDN)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.gis import admin as gis_admin
from django.contrib.gis.forms.widgets import OSMWidget

from django.utils.translation import gettext_lazy as _

from commons import models
from commons.errors import RegistryValidationError
from commons.photos import clean_photo
from commons.policy import can
from commons.services.lifecycle import audit_context
from commons.services.photos import photo_add
from commons.services.sites import EDITABLE_FIELDS, site_place, site_report, site_update


class OfflineOSMWidget(OSMWidget):
    """Django's OSM widget with OpenLayers served from our static files: without internet the base map is
    blank, but the geometry still shows, can be edited and is saved."""

    class Media:
        extend = False
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/dist/ol.js", "gis/js/OLMapWidget.js")


class MapAdmin(gis_admin.GISModelAdmin):
    gis_widget = OfflineOSMWidget
    gis_widget_kwargs = {"attrs": {"default_lon": 12.5, "default_lat": 42.0, "default_zoom": 5}}


@admin.register(models.Region)
class RegionAdmin(MapAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(models.Province)
class ProvinceAdmin(MapAdmin):
    list_display = ["code", "name", "acronym", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name", "acronym"]


@admin.register(models.Municipality)
class MunicipalityAdmin(MapAdmin):
    list_display = ["code", "name", "province", "region", "inner_area_class"]
    list_filter = ["region", "inner_area_class"]
    search_fields = ["code", "name"]


class PhotoForm(forms.ModelForm):
    """A new photo is checked here (errors on the form) and stored by photo_add, re-encoded without EXIF/GPS like
    every other upload; a stored photo's file is never replaced (add a new one and hide the old)."""

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if self.instance.pk and "image" in self.changed_data:
            raise forms.ValidationError(_("A stored photo cannot be replaced: add a new one and hide this."))
        if not self.instance.pk and image is not None:
            try:
                clean_photo(image)
            except RegistryValidationError as exc:
                raise forms.ValidationError(exc.messages[0], code=exc.code) from None
            image.seek(0)
        return image


def _save_photo(request, form, site_id):
    """New photos through the service; edits of a stored one (caption, author, hidden) as the form says."""
    if form.instance.pk:
        form.save()
        return
    photo = photo_add(actor=request.user, site_id=site_id, image=form.cleaned_data["image"],
                      caption=form.cleaned_data.get("caption", ""), author=form.cleaned_data.get("author", ""))
    if form.cleaned_data.get("hidden"):
        models.Photo.objects.filter(pk=photo.pk).update(hidden=True)
    form.instance = photo


class PhotoInline(admin.TabularInline):
    model = models.Photo
    form = PhotoForm
    extra = 0
    can_delete = False  # nothing is deleted: a photo is hidden
    fields = ["image", "caption", "author", "hidden"]


class SiteAdminForm(forms.ModelForm):
    """The same geometry rules as every other write path, reported on the form instead of failing on save."""

    def clean(self):
        cleaned = super().clean()
        outline, location = cleaned.get("outline"), cleaned.get("location")
        if outline is not None:
            if not outline.valid:
                self.add_error("outline", outline.valid_reason)
            elif outline.num_coords > settings.REGISTRY_MAX_VERTICES:
                self.add_error("outline", f"More than {settings.REGISTRY_MAX_VERTICES} vertices.")
        if location is not None and not self.errors:
            probe = models.Site(location=location, outline=outline)
            try:
                site_place(probe)
            except RegistryValidationError as exc:
                self.add_error(exc.field, exc.messages[0])
            else:
                self.placed = probe
        return cleaned


@admin.register(models.Site)
class SiteAdmin(MapAdmin):
    form = SiteAdminForm
    list_display = ["id", "title", "kind", "status", "municipality", "source", "hidden", "updated_at"]
    list_filter = ["status", "kind", "ownership", "hidden", "source", "region"]
    search_fields = ["title", "source_id", "address"]
    raw_id_fields = ["parent", "reporter"]
    readonly_fields = ["region", "province", "municipality", "land_area_m2", "status", "hidden", "duplicate_of",
                       "version", "created_at", "updated_at", "source_data"]
    inlines = [PhotoInline]
    list_select_related = ["municipality"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # Who reported a site and which dataset row it is are set by the services (reporter: whoever reports;
        # source: fixed once created, imports match on it), so the form does not offer what would be ignored.
        fixed = ["reporter", "source", "source_id"] if obj else ["reporter"]
        return [*self.readonly_fields, *fixed]

    def save_model(self, request, obj, form, change):
        """Through the services like every other write: the policy, placement, land area, audit context and a new
        version, so an API client whose If-Match predates this edit gets 412 instead of overwriting it."""
        fields = {name: value for name, value in form.cleaned_data.items() if name in EDITABLE_FIELDS}
        if change:
            # The admin form carries no version: the moderator's save wins over whatever came before it.
            site = site_update(actor=request.user, site_id=obj.pk, expected_version=None, changes=fields)
        else:
            site = site_report(actor=request.user, source=form.cleaned_data["source"],
                               source_id=form.cleaned_data.get("source_id", ""), **fields)
        obj.pk = site.pk
        obj.refresh_from_db()
        obj._state.adding = False  # the inlines (photos) are saved next, against this row

    def save_formset(self, request, form, formset, change):
        if formset.model is not models.Photo:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # the change message
        for photo_form in formset.forms:
            if photo_form.has_changed():
                added = photo_form.instance.pk is None
                _save_photo(request, photo_form, form.instance.pk)
                if added:
                    formset.new_objects.append(photo_form.instance)
                else:
                    formset.changed_objects.append((photo_form.instance, photo_form.changed_data))


@admin.register(models.Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    list_display = ["id", "site", "caption", "width", "height", "hidden"]
    raw_id_fields = ["site"]
    readonly_fields = ["uploaded_by", "width", "height"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "image", "site"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is deleted: a photo is hidden

    def save_model(self, request, obj, form, change):
        _save_photo(request, form, form.cleaned_data["site"].pk if not change else obj.site_id)
        obj.pk = form.instance.pk


class MembershipInline(admin.TabularInline):
    model = models.CooperativeMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Cooperative)
class CooperativeAdmin(MapAdmin):
    list_display = ["name", "legal_form", "tax_code", "verified"]
    list_filter = ["verified", "legal_form"]
    search_fields = ["name", "tax_code"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["municipality"]
    inlines = [MembershipInline]


@admin.register(models.CooperativeMembership)
class CooperativeMembershipAdmin(admin.ModelAdmin):
    list_display = ["cooperative", "user", "role"]
    raw_id_fields = ["cooperative", "user"]


@admin.register(models.Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "site", "cooperative", "status", "legal_instrument", "instrument_end"]
    list_filter = ["status", "reuse_category", "legal_instrument"]
    raw_id_fields = ["site", "cooperative", "submitted_by", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at", "version"]


@admin.register(models.MunicipalityStaff)
class MunicipalityStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "approved"]
    list_filter = ["approved"]
    raw_id_fields = ["user", "municipality", "approved_by"]


@admin.register(models.Subscription)
class SubscriptionAdmin(MapAdmin):
    list_display = ["user", "kind", "name", "created_at"]
    raw_id_fields = ["user", "site", "region", "province", "municipality"]


@admin.register(models.SiteNotice)
class SiteNoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "created_at", "processed_at"]
    raw_id_fields = ["site", "cooperative"]


@admin.register(models.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notice", "user", "sent_at"]
    raw_id_fields = ["notice", "user"]


@admin.register(models.SourceDataset)
class SourceDatasetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "licence", "last_imported_at"]


@admin.register(models.ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["id", "dataset", "status", "dry_run", "created", "updated", "rejected", "created_at"]
    list_filter = ["status", "dataset"]


@admin.register(models.IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read only: a key and its first answer are written by the API request they guard, and expire by command."""

    list_display = ["key", "user", "method", "path", "status", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["key", "path"]
    raw_id_fields = ["user"]
    exclude = ["body"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by services (confirmations, decisions, re-checks): browsed here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Confirmation)
class ConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["site", "answer", "role", "via", "change_status", "created_at"]
    list_filter = ["answer", "change_status", "role", "via"]
    raw_id_fields = ["site", "user", "photo", "decided_by"]


@admin.register(models.RecheckRequest)
class RecheckRequestAdmin(ReadOnlyAdmin):
    list_display = ["site", "user", "band", "reason", "created_at", "sent_at", "answered_at"]
    list_filter = ["band", "reason"]
    raw_id_fields = ["site", "user"]


@admin.register(models.RecheckOptOut)
class RecheckOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]


class PathwayStepInline(admin.TabularInline):
    model = models.PathwayStep
    extra = 0
    can_delete = False  # a step milestones point at is never deleted: reword it instead
    fields = ["position", "name_it", "name_en", "actor_it", "actor_en", "documents_it", "documents_en", "typical_days"]


@admin.register(models.Pathway)
class PathwayAdmin(admin.ModelAdmin):
    """Moderators keep the pathways (policy "pathway.edit"); each change is audited with who made it."""

    list_display = ["title_it", "legal_basis", "instrument", "active", "position"]
    list_filter = ["active", "instrument"]
    search_fields = ["title_it", "title_en", "legal_basis", "slug"]
    inlines = [PathwayStepInline]

    def _allowed(self, request):
        return can(request.user, "pathway.edit")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted: untick "offered"

    def has_module_permission(self, request):
        return self._allowed(request) or super().has_module_permission(request)

    def changeform_view(self, request, *args, **kwargs):
        with audit_context(request.user, "pathway.edit"):
            return super().changeform_view(request, *args, **kwargs)


@admin.register(models.Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "position", "step", "planned_date", "actual_date"]
    raw_id_fields = ["proposal"]


@admin.register(models.PathwayStep)
class PathwayStepAdmin(PathwayAdmin):
    """Steps are edited inside their pathway; this list is for searching them."""

    list_display = ["pathway", "position", "name_it", "typical_days"]
    list_filter = ["pathway"]
    search_fields = ["name_it", "name_en"]
    inlines = []


@admin.register(models.MilestoneDocument)
class MilestoneDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "milestone", "size", "created_at"]


@admin.register(models.ProposalSupport)
class ProposalSupportAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "created_at"]  # who supported stays out of the list


@admin.register(models.CooperativeDigest)
class CooperativeDigestAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "period", "sent_to", "created_at"]


@admin.register(models.CooperativeInvitation)
class CooperativeInvitationAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "site", "created_at"]
    raw_id_fields = ["site"]


@admin.register(models.Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    """Opened, concluded and moderated on the site's pages (commons.services.consultations); read here."""

    list_display = ["site", "opens_at", "closes_at", "concluded_at"]
    raw_id_fields = ["site"]


@admin.register(models.ConsultationComment)
class ConsultationCommentAdmin(ReadOnlyAdmin):
    """Hidden comments keep their text: moderators read it here."""

    list_display = ["consultation", "proposal", "kind", "created_at", "hidden", "hidden_reason"]
    list_filter = ["hidden", "kind"]
    raw_id_fields = ["consultation", "proposal"]
