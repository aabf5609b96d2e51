"""Provenance of a site: which dataset it came from, under which licence, and which fields people changed since."""

from commons.models import Site, SourceDataset
from commons.site_fields import provenance_fields

from .upsert import GEOMETRY, source_value

# Fields a site page may attribute; the same that imports map plus the geometry.
PROVENANCE_FIELDS = provenance_fields()


def site_provenance(site, *, dataset=None):
    """Where each field of `site` comes from, for the site page and the API.

    Returns::

        {"source": "anbsc", "source_id": "I-NA-89-S",
         "dataset": {"slug", "name", "publisher", "licence", "attribution", "url", "last_imported_at"} or None,
         "fields": {"title": "dataset", "address": "people", ...},   # only fields that have a value
         "from_dataset": [...], "from_people": [...]}

    A field is "dataset" when its value is still the one last imported (Site.source_data), "people" when
    it was typed or edited in the registry. Sites nobody imported have dataset None and every field "people".
    Pass `dataset` (a SourceDataset) to save the query when showing many sites of one dataset.
    """
    if dataset is None and site.source_id:
        dataset = SourceDataset.objects.filter(slug=site.source).first()
    imported = dict(site.source_data or {}) if dataset is not None else {}
    fields = {}
    for name in PROVENANCE_FIELDS:
        current = source_value(name, getattr(site, name))
        if name in imported and imported[name] == current:
            fields[name] = "dataset"
        elif current not in (None, "") and not _untouched_default(name, current, imported):
            fields[name] = "people"
    return {
        "source": site.source,
        "source_id": site.source_id,
        "dataset": _dataset_dict(dataset),
        "fields": fields,
        "from_dataset": [name for name, origin in fields.items() if origin == "dataset"],
        "from_people": [name for name, origin in fields.items() if origin == "people"],
    }


def _untouched_default(name, current, imported):
    """A model default nobody chose (e.g. condition 'unknown' on an imported site) belongs to no one."""
    if name in GEOMETRY or name in imported:
        return False
    return current == Site._meta.get_field(name).get_default()


def _dataset_dict(dataset):
    if dataset is None:
        return None
    return {"slug": dataset.slug, "name": dataset.name, "publisher": dataset.publisher, "licence": dataset.licence,
            "attribution": dataset.attribution, "url": dataset.url, "last_imported_at": dataset.last_imported_at}


def datasets_by_slug(sites):
    """{slug: SourceDataset} for a list of sites, in one query (for lists and exports)."""
    slugs = {site.source for site in sites if site.source_id}
    return {dataset.slug: dataset for dataset in SourceDataset.objects.filter(slug__in=slugs)}
