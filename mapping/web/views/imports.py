"""The import page: moderators and municipality staff upload a file, see the dry run, confirm; it runs in background.

Who may import what is commons.services.imports.runs (POLICY["import.run"]), which also starts and confirms runs.
Errors answer 400 (413 for size) with the field, a stable code and a sentence: as JSON when the client asks for
JSON, else on the re-rendered page.
"""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commons.errors import ConflictError
from commons.models import ImportRun
from commons.services.imports import ImportFailure
from commons.services.imports.crs import allowed_srids
from commons.services.imports.mapping import load_mapping_file
from commons.services.imports.runs import ImportScope, confirmable, import_run_confirm, import_run_start

MAX_UPLOAD_BYTES = getattr(settings, "REGISTRY_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
MAX_MAPPING_BYTES = 64 * 1024
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "zip", ".csv": "csv", ".tsv": "csv",
              ".txt": "csv"}
NEW = "__new__"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (GeoJSON, GeoPackage, zipped Shapefile or CSV)"))
    dataset = forms.ChoiceField(label=gettext_lazy("Dataset"))
    name = forms.CharField(label=gettext_lazy("Name of the new dataset"), max_length=200, required=False)
    licence = forms.CharField(label=gettext_lazy("Licence"), max_length=100, required=False,
                              initial="CC BY 4.0")
    attribution = forms.CharField(label=gettext_lazy("Attribution"), max_length=300, required=False)
    publisher = forms.CharField(label=gettext_lazy("Publisher"), max_length=200, required=False)
    url = forms.URLField(label=gettext_lazy("Web page of the dataset"), required=False, assume_scheme="https")
    crs = forms.TypedChoiceField(label=gettext_lazy("Coordinate system"), required=False, coerce=int, empty_value=None)
    mapping = forms.FileField(label=gettext_lazy("Mapping file (JSON or TOML, optional)"), required=False)
    as_of = forms.DateField(label=gettext_lazy("Date of the data"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=gettext_lazy("The day the file's facts were true (for example its publication "
                                                   "date): its sites count as confirmed on that day. Empty: today."))
    full = forms.BooleanField(label=gettext_lazy("This file is the whole dataset"), required=False,
                              help_text=gettext_lazy("Sites of the dataset that the file no longer holds are marked "
                                                     "“no longer in the source” and listed for moderators. Nothing "
                                                     "is ever deleted."))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["dataset"].choices = [(NEW, _("A new dataset"))] + [
            (d.slug, f"{d.name} ({d.slug})") for d in scope.datasets()]
        self.fields["crs"].choices = [("", _("As declared by the file (CSV: WGS84)"))] + [
            (srid, f"EPSG:{srid}") for srid in allowed_srids()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
                                        code="too_large")
        suffix = Path(upload.name).suffix.lower()
        if suffix not in EXTENSIONS or not _content_matches(upload, EXTENSIONS[suffix]):
            raise forms.ValidationError(_("Send a .geojson, .gpkg, .zip (Shapefile) or .csv file whose content "
                                          "matches its name."), code="unsupported_format")
        return upload

    def clean_mapping(self):
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return {}
        if upload.size > MAX_MAPPING_BYTES or Path(upload.name).suffix.lower() not in (".json", ".toml"):
            raise forms.ValidationError(_("The mapping file must be a JSON or TOML file under 64 KB."),
                                        code="bad_mapping")
        return _read_mapping(upload)

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date of the data cannot be in the future."), code="date_in_future")
        if day and day.year < 1900:
            raise forms.ValidationError(_("Give a date from 1900 on."), code="date_too_old")
        return day

    def clean(self):
        data = super().clean()
        if data.get("dataset") == NEW:
            for field in ("name", "licence", "attribution"):
                if not data.get(field):
                    self.add_error(field, forms.ValidationError(_("Required for a new dataset, so every site can "
                                                                  "credit its source."), code="required"))
        return data


def _content_matches(upload, kind):
    head = upload.read(64 * 1024)
    upload.seek(0)
    if kind == "gpkg":
        return head.startswith(b"SQLite format 3\x00")
    if kind == "zip":
        return head.startswith(b"PK\x03\x04")
    if kind == "geojson":
        return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
    return b"\x00" not in head and not head.startswith((b"PK\x03\x04", b"SQLite format 3"))


def _read_mapping(upload):
    import tempfile

    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            mapping = load_mapping_file(handle.name)
        except ImportFailure as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
    return mapping


def _wants_json(request):
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _form_errors(form):
    return [{"field": None if field == "__all__" else field, "code": error["code"] or "invalid",
             "message": error["message"]}
            for field, errors in form.errors.get_json_data().items() for error in errors]


def _error_page(request, scope, form, errors, status):
    if _wants_json(request):
        return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "imports/index.html", {"form": form, "runs": scope.runs()[:20], "errors": errors,
                                                  "max_mb": MAX_UPLOAD_BYTES // 2**20}, status=status)


@csrf_exempt  # only to look at the size before the CSRF check reads (and stores) the body; checked below
@login_required
@require_http_methods(["GET", "POST"])
def import_index(request):
    scope = ImportScope(request.user)
    if request.method == "POST" and _content_length(request) > MAX_UPLOAD_BYTES + MAX_MAPPING_BYTES + 64 * 1024:
        error = {"field": "file", "code": "too_large",
                 "message": _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}}
        return _error_page(request, scope, UploadForm(scope=scope), [error], 413)
    return _import_index(request, scope)


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_protect
def _import_index(request, scope):
    if request.method == "GET":
        form = UploadForm(scope=scope)
        return render(request, "imports/index.html", {"form": form, "runs": scope.runs()[:20],
                                                      "max_mb": MAX_UPLOAD_BYTES // 2**20})
    form = UploadForm(request.POST, request.FILES, scope=scope)
    if not form.is_valid():
        errors = _form_errors(form)
        return _error_page(request, scope, form, errors, 413 if errors[0]["code"] == "too_large" else 400)
    try:
        run = _start_dry_run(request, form.cleaned_data)
    except ImportFailure as exc:
        return _error_page(request, scope, form, [{"field": "dataset", "code": exc.code, "message": exc.message}],
                           400)
    if _wants_json(request):
        return JsonResponse(run_status(run), status=202)
    return redirect("opendata:import_detail", pk=run.pk)


def _start_dry_run(request, data):
    new = data["dataset"] == NEW
    details = {key: data.get(key) for key in ("name", "licence", "attribution", "publisher", "url")}
    return import_run_start(actor=request.user, upload=data["file"], dataset_slug="" if new else data["dataset"],
                            new_dataset=details if new else None, crs=data.get("crs"), mapping=data.get("mapping"),
                            language=get_language(), full=bool(data.get("full")),
                            as_of=data["as_of"].isoformat() if data.get("as_of") else None)


def _visible_run(request, pk):
    return get_object_or_404(ImportScope(request.user).runs(), pk=pk)


def run_status(run):
    report = run.report or {}
    percent = round(100 * run.processed_rows / run.total_rows) if run.total_rows else (
        100 if run.status == ImportRun.Status.DONE else 0)
    return {
        "id": run.pk, "dataset": run.dataset_id, "status": run.status, "dry_run": run.dry_run,
        "total_rows": run.total_rows, "processed_rows": run.processed_rows, "percent": percent,
        "created": run.created, "updated": run.updated, "unchanged": run.unchanged, "rejected": run.rejected,
        "conflicts": run.conflicts, "finished": run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED),
        "error": report.get("error"),
        "detail_url": reverse("opendata:import_detail", args=[run.pk]),
        "rejects_url": reverse("opendata:import_rejects", args=[run.pk]) if report.get("rejects_file") else None,
        "confirmed_by": report.get("confirmed_by_run"),
    }


@login_required
@require_GET
def import_detail(request, pk):
    run = _visible_run(request, pk)
    return render(request, "imports/detail.html", {"run": run, "status": run_status(run), "report": run.report or {},
                                                   "can_confirm": confirmable(run)})


@login_required
@require_GET
def import_status(request, pk):
    return JsonResponse(run_status(_visible_run(request, pk)), json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def import_confirm(request, pk):
    try:
        run = import_run_confirm(actor=request.user, run_id=pk)
    except ImportRun.DoesNotExist:
        raise Http404 from None
    except ConflictError as exc:  # already confirmed (a second click, a concurrent confirm) or not finished
        return JsonResponse({"errors": [{"field": None, "code": exc.code, "message": exc.message}]}, status=400)
    if _wants_json(request):
        run.refresh_from_db()
        return JsonResponse(run_status(run), status=202)
    return redirect("opendata:import_detail", pk=run.pk)


@login_required
@require_GET
def import_rejects(request, pk):
    run = _visible_run(request, pk)
    name = (run.report or {}).get("rejects_file")
    if not name or not default_storage.exists(name):
        raise Http404(_("This run has no rejected-rows file."))
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename=f"import-{run.pk}-scarti.csv",
                        content_type="text/csv; charset=utf-8")
