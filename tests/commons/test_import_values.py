"""Reading cells and coordinate-system declarations the way Italian offices write them (no database)."""

import pytest

from commons.services.imports.crs import srid_from_geojson_crs, srid_from_prj
from commons.services.imports.errors import ImportFailure
from commons.services.imports.readers import decode_text, istat_code, sniff_delimiter
from commons.services.imports.values import parse_number


@pytest.mark.parametrize("cell, expected", [
    ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234,5", 1234.5),
    ("1.234.567", 1234567.0), ("-7,25", -7.25), (41.9, 41.9), ("", None), ("n.d.", None), ("NULL", None), ("nan", None),
])
def test_numbers_with_decimal_commas_and_thousands_separators(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "12,5,6", "1e400", "12°30'", "1,2.3,4"])
def test_things_that_are_not_numbers_raise(cell):
    with pytest.raises(ValueError):
        parse_number(cell)


def test_forced_decimal_comma_reads_a_lone_dot_as_thousands():
    assert parse_number("1.234", decimal=",") == 1234.0 and parse_number("1.234") == 1.234


@pytest.mark.parametrize("prj, srid", [
    ('PROJCS["Monte_Mario_Italy_1",GEOGCS["GCS_Monte_Mario"]]', 3003),
    ('PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984"]]', 32633),
    ('PROJCS["ETRS89 / UTM zone 32N",GEOGCS["ETRS89",AUTHORITY["EPSG","4258"]],AUTHORITY["EPSG","25832"]]', 25832),
    ('PROJCRS["RDN2008 / UTM zone 33N",BASEGEOGCRS["RDN2008",ID["EPSG",6706]],ID["EPSG",7792]]', 7792),
    ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"]]', 4326),
    ('PROJCS["Lambert home made",PARAMETER["+init=http://evil.invalid/x"]]', None),
    ("+proj=utm +zone=33", None),
])
def test_prj_files_are_read_as_integer_epsg_codes_only(prj, srid):
    assert srid_from_prj(prj) == srid


@pytest.mark.parametrize("name, srid", [
    ("urn:ogc:def:crs:EPSG::3003", 3003), ("EPSG:32632", 32632), ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
    ("http://www.opengis.net/def/crs/EPSG/0/25833", 25833),
])
def test_geojson_crs_names_give_epsg_codes(name, srid):
    assert srid_from_geojson_crs({"type": "name", "properties": {"name": name}}) == srid


@pytest.mark.parametrize("member", [
    {"type": "link", "properties": {"href": "http://evil.invalid/crs"}},
    {"type": "name", "properties": {"name": "+proj=longlat +datum=WGS84"}},
    "EPSG:3003",
])
def test_geojson_crs_that_is_not_an_epsg_name_is_refused(member):
    with pytest.raises(ImportFailure) as raised:
        srid_from_geojson_crs(member)
    assert raised.value.code == "srid_not_allowed"


def test_csv_text_is_decoded_as_utf8_or_latin1_and_its_delimiter_guessed():
    assert decode_text("Città;Proprietà".encode("latin-1")) == "Città;Proprietà"
    assert decode_text("\ufeffCittà".encode("utf-8")) == "Città"
    assert sniff_delimiter("a;b;c\n1,5;2;3") == ";" and sniff_delimiter("a\tb\n") == "\t"
    assert sniff_delimiter("a,b,c\n") == ","


@pytest.mark.parametrize("cell, code", [("58091", "058091"), ("001272", "001272"), ("1272.0", "001272"), ("", "")])
def test_istat_codes_are_zero_padded(cell, code):
    assert istat_code(cell) == code
