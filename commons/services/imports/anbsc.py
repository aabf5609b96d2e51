"""The ANBSC "immobili in gestione" file: confiscated properties, placed by municipality (`manage.py import_anbsc`).

Rows have no coordinates, only the ISTAT code of their municipality: each is put at a deterministic point inside
that municipality (seeded by its ANBSC id, so properties of one town spread out and stay put across re-imports),
with location precision "municipality". Codes of municipalities merged away since are resolved to their
successor when it is known, and every such row is listed in the run's report; none is dropped silently.
"""

import csv
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from commons.models import LocationPrecision, Municipality, Ownership, SiteKind, SiteSource, SiteStatus

from .errors import ImportFailure
from .runner import Job, Rejection, RejectsWriter, fail_run, run_records, start_run
from .sources import dataset_for
from .upsert import Record
from .values import text

SLUG = SiteSource.ANBSC.value
DATASET = {
    "name": "ANBSC — Immobili in gestione",
    "publisher": "Agenzia Nazionale per l'amministrazione e la destinazione dei beni sequestrati e confiscati "
                 "alla criminalità organizzata (ANBSC)",
    "licence": "CC BY 4.0",
    "attribution": "Fonte: ANBSC — CC BY 4.0",
    "url": "https://openregio.anbsc.it/",
}
REQUIRED_COLUMNS = {"s_bene", "categoria", "sottocategoria", "nome_comune", "CODISTAT"}
# Municipalities merged away (ISTAT administrative changes) whose code still appears in the ANBSC file.
SUCCESSORS = {
    "034037": "034051",  # Sorbolo + Mezzani -> Sorbolo Mezzani (1 Jan 2019)
    "096073": "096088",  # Valle Mosso + Mosso + Soprana + Trivero -> Valdilana (1 Jan 2019)
    "015235": "015251",  # Vermezzo + Zelo Surrigone -> Vermezzo con Zelo (1 Feb 2019)
}
# sottocategoria (lower case) -> kind; anything else follows its categoria.
SUBCATEGORY_KINDS = {
    "fabbricato industriale": SiteKind.INDUSTRIAL, "opificio": SiteKind.INDUSTRIAL,
    "laboratorio per arti e mestieri": SiteKind.INDUSTRIAL,
    "magazzino sotterraneo per deposito di derrate": SiteKind.INDUSTRIAL,
    "palazzo di pregio artistico e storico, castello": SiteKind.CULTURAL,
    "biblioteca, museo, galleria": SiteKind.CULTURAL, "cappella, oratorio": SiteKind.CULTURAL,
    "teatro, cinematografo, sala per concerti, spettacoli e simili": SiteKind.CULTURAL,
}
CATEGORY_KINDS = {
    "terreno": SiteKind.LAND,
    "unità immobiliare per uso di abitazione e assimilabile": SiteKind.BUILDING,
    "unità immobiliare a destinazione commerciale e industriale": SiteKind.BUILDING,
    "unità immobiliare per alloggio e usi collettivi": SiteKind.BUILDING,
    "altra unità immobiliare": SiteKind.BUILDING,
}
_GENERIC = re.compile(r"(non definito|^altro$)", re.IGNORECASE)


def kind_for(categoria, sottocategoria):
    sub, cat = text(sottocategoria).lower(), text(categoria).lower()
    if sub in SUBCATEGORY_KINDS:
        return SUBCATEGORY_KINDS[sub].value
    if cat == "altra unità immobiliare" and _GENERIC.search(sub or "altro"):
        return SiteKind.OTHER.value
    return CATEGORY_KINDS.get(cat, SiteKind.OTHER).value


def title_for(row, municipality_name):
    sub, cat = text(row["sottocategoria"]), text(row["categoria"])
    label = cat if not sub or _GENERIC.search(sub) else sub
    return f"{label} — {municipality_name}"[:200]


def description_for(row):
    """What the ANBSC row says, in Italian (the data's language), without inventing anything."""
    parts = [f"Bene confiscato alla criminalità organizzata in gestione all'ANBSC (codice {text(row['s_bene'])})."]
    share = text(row.get("quota_confiscata"))
    details = [("Categoria", row.get("categoria")), ("sottocategoria", row.get("sottocategoria")),
               ("provvedimento", row.get("provvedimento")), ("quota confiscata", f"{share}%" if share else ""),
               ("ufficio giudiziario", " di ".join(filter(None, [text(row.get("ufficio_giudiziario")),
                                                                   text(row.get("distretto"))]))),
               ("procedura", row.get("tipologia_procedura"))]
    listed = "; ".join(f"{name}: {text(value)}" for name, value in details if text(value))
    if listed:
        parts.append(listed[0].upper() + listed[1:] + ".")
    parts.append("Posizione indicativa: la fonte indica solo il comune.")
    return " ".join(parts)


@dataclass
class Resolver:
    """ISTAT code -> current municipality: itself, its known successor, or a unique namesake (code changes)."""

    names: dict  # code -> name of the registry's municipalities
    by_name: dict = field(default_factory=dict)  # upper-case name -> [codes]

    @classmethod
    def load(cls):
        names = dict(Municipality.objects.values_list("code", "name"))
        by_name = {}
        for code, name in names.items():
            by_name.setdefault(name.upper(), []).append(code)
        return cls(names, by_name)

    def resolve(self, row):
        """(code or None, how): how is 'current', 'successor' or 'same_name'."""
        code = text(row["CODISTAT"]).zfill(6)
        if code in self.names:
            return code, "current"
        if SUCCESSORS.get(code) in self.names:
            return SUCCESSORS[code], "successor"
        for name in (text(row.get("NomeComuneValidato")), text(row.get("nome_comune"))):
            matches = self.by_name.get(name.upper(), [])
            if len(matches) == 1:
                return matches[0], "same_name"
        return None, "unresolved"


def read_rows(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
            if missing:
                raise ImportFailure(_("This is not the ANBSC 'immobili in gestione' file: column %(column)s is "
                                      "missing.") % {"column": sorted(missing)[0]}, code="not_anbsc")
            return [(reader.line_num, row) for row in reader], list(reader.fieldnames)
    except UnicodeDecodeError:
        raise ImportFailure(_("The ANBSC file must be UTF-8."), code="bad_encoding") from None


def records(rows, resolver, report):
    """Records for every row; rows whose municipality code is stale are noted in `report` with their id."""
    for number, row in rows:
        source_id = text(row["s_bene"])
        code, how = resolver.resolve(row)
        if how != "current":
            report.append({"s_bene": source_id, "codistat": text(row["CODISTAT"]), "comune": text(row["nome_comune"]),
                           "resolution": how, "code": code, "municipality": resolver.names.get(code, "")})
        if code is None:
            yield Rejection(number, source_id, "unknown_municipality",
                            _("ISTAT code %(code)s (%(name)s) no longer exists and its successor is not known.")
                            % {"code": text(row["CODISTAT"]), "name": text(row["nome_comune"])}, "CODISTAT", row)
            continue
        values = {"title": title_for(row, resolver.names[code]), "description": description_for(row),
                  "kind": kind_for(row["categoria"], row["sottocategoria"]),
                  "ownership": Ownership.CONFISCATED.value,
                  "location_precision": LocationPrecision.MUNICIPALITY.value}
        yield Record(number, source_id, values, istat=code, status=SiteStatus.VERIFIED, attributes=row)


def anbsc_dataset():
    return dataset_for(SLUG, DATASET, allow_reserved={SLUG})


def import_anbsc(run, path, *, rejects_path=None, batch_size=2000, progress=None, on_start=None):
    """Import (or dry-run) the ANBSC file at `path` into `run`; returns the finished ImportRun."""
    try:
        rows, columns = read_rows(path)
        start_run(run, total=len(rows), details={"format": "anbsc-csv"})
        if on_start:
            on_start(len(rows))
        stale = []
        with RejectsWriter(rejects_path, columns) as rejects:
            job = Job(run, rejects, batch_size=batch_size, progress=progress)
            run_records(job, records(rows, Resolver.load(), stale))
        run.refresh_from_db()
        run.report["stale_codes"] = stale
        run.save(update_fields=["report"])
        return run
    except Exception as exc:  # the run must not stay "running": record why it stopped, then let it propagate
        fail_run(run, exc)
        raise
