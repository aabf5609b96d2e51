"""Importing a GeoJSON, GeoPackage, Shapefile or CSV file of sites into a dataset (`manage.py import_sites`)."""

from django.utils.translation import gettext as _

from commons.models import LocationPrecision

from .crs import WGS84, check_srid
from .errors import ImportFailure, RowRejected
from .mapping import Mapper, reading_options
from .readers import open_table
from .runner import DEFAULT_BATCH_SIZE, Job, Rejection, RejectsWriter, fail_run, run_records, start_run
from .upsert import Record
from .validate import site_geometry
from .values import text


def import_file(run, path, *, mapping=None, crs=None, rejects_path=None, batch_size=DEFAULT_BATCH_SIZE,
                territory=None, progress=None, throttle=0.0, on_start=None, before_finish=None):
    """Run `run` (an ImportRun, dry or not) over the file at `path`; returns the finished run.

    Raises ImportFailure (after marking the run failed) when the file as a whole cannot be imported.
    """
    mapping = mapping or {}
    try:
        with open_table(path, options=reading_options(mapping)) as table:
            srid = resolve_srid(table, crs, mapping)
            mapper = Mapper.build(mapping, table.columns)
            start_run(run, total=table.total, details={"format": table.format, "srid": srid,
                                                       "columns": [str(c) for c in table.columns][:200]})
            if on_start:
                on_start(table.total)
            with RejectsWriter(rejects_path, table.columns) as rejects:
                job = Job(run, rejects, batch_size=batch_size, territory=territory, progress=progress,
                          throttle=throttle, before_finish=before_finish)
                return run_records(job, (to_record(row, mapper, srid) for row in table.rows))
    except Exception as exc:  # the run must not stay "running": record why it stopped, then let it propagate
        fail_run(run, exc)
        raise


def resolve_srid(table, crs, mapping):
    """--crs, else the mapping's crs, else what the file declares; CSV without any means WGS84."""
    if crs:
        return check_srid(crs, origin="--crs")
    if mapping.get("crs"):
        return check_srid(mapping["crs"], origin=_("the mapping file"))
    if table.srid:
        return check_srid(table.srid, origin=_("the file"))
    if table.srid_note:
        raise ImportFailure(_("Cannot tell the coordinate system: %(note)s. Pass --crs with its EPSG code.")
                            % {"note": table.srid_note}, code="unknown_crs")
    if table.format == "csv":
        return WGS84
    raise ImportFailure(_("The file does not say its coordinate system (no .prj?). Pass --crs with its EPSG code."),
                        code="unknown_crs")


def to_record(row, mapper, srid):
    """A Record ready to upsert, or a Rejection saying why not."""
    source_id = text(row.attributes.get(mapper.id_column))
    try:
        if row.problem:
            code, message, field = row.problem
            raise RowRejected(code, message, field=field)
        source_id = mapper.source_id(row.attributes)
        values = mapper.registry_values(row.attributes)
        if row.istat:
            values["location_precision"] = LocationPrecision.MUNICIPALITY.value
            location = outline = None
        else:
            location, outline = site_geometry(row.geometry, srid)
    except RowRejected as exc:
        return Rejection(row.number, source_id, exc.code, exc.message, exc.field, row.attributes)
    return Record(row.number, source_id, values, location=location, outline=outline, istat=row.istat,
                  status=mapper.status, attributes=row.attributes)
