"""U1 measured: pixel floods and oversize uploads are refused without the worker's memory growing (peak RSS of a
real process posting them). A3 swept: a citizen's report with a GPS-tagged photo leaves no e-mail, IP, account
name or EXIF in any public representation (API, exports, tiles, pages, feed, the stored photo)."""

import io
import json
import subprocess
import textwrap

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commons.models import Photo, Site
from tests.factories import ROMA, SiteFactory, verified_user
from tests.ops.conftest import PYTHON, REPO, database_url

PROBE = """
import io, json, os, resource, struct, zlib
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\\0" * 1_000_000)) + chunk(b"IEND", b""))

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

client = APIClient()
client.credentials(HTTP_AUTHORIZATION="Token " + os.environ["PROBE_TOKEN"])
url = "/api/v1/sites/%s/photos/" % os.environ["PROBE_SITE"]
client.get(url)  # imports and first request done before the baseline
baseline = peak_mb()
cases = {"100 Mpx PNG": png(10_000, 10_000), "400 Mpx PNG": png(20_000, 20_000),
         "12 MB file": b"\\xff\\xd8\\xff" + os.urandom(12 * 1024 * 1024)}
statuses = {}
for name, content in cases.items():
    response = client.post(url, {"image": SimpleUploadedFile("photo.jpg", content)}, format="multipart")
    statuses[name] = [response.status_code, response.json()["errors"][0]["code"], len(content)]
print(json.dumps({"baseline_mb": baseline, "peak_mb": peak_mb(), "statuses": statuses}))
"""


@pytest.mark.django_db(transaction=True)
def test_pixel_floods_and_oversize_files_are_refused_without_memory_growth():
    user = verified_user()
    site = SiteFactory(reporter=user)
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
           "PROBE_TOKEN": Token.objects.create(user=user).key, "PROBE_SITE": str(site.pk), "PATH": "/usr/bin:/bin",
           "DJANGO_ALLOWED_HOSTS": "testserver"}
    result = subprocess.run([PYTHON, "-c", textwrap.dedent(PROBE)], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    growth = found["peak_mb"] - found["baseline_mb"]
    print(f"U1: {found['statuses']}; peak RSS {found['peak_mb']:.0f} MB, growth {growth:.0f} MB "
          "(400 Mpx decoded would need ~1,200 MB)")
    assert {name: status[:2] for name, status in found["statuses"].items()} == {
        "100 Mpx PNG": [413, "too_many_pixels"], "400 Mpx PNG": [413, "too_many_pixels"],
        "12 MB file": [413, "too_large"]}
    assert growth < 80  # the 12 MB body itself is read once; no image is ever decoded
    assert not Photo.objects.exists()


def gps_jpeg():
    image = Image.new("RGB", (80, 60), "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (45.0, 27.0, 51.0), 3: "E", 4: (9.0, 11.0, 24.0)}
    exif[0x010F], exif[0x013B] = "PrivateCam", "Giulia Segreta"  # Make, Artist
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def tile_path(lon, lat, z=14):
    import math

    n = 2 ** z
    return f"/tiles/sites/{z}/{int((lon + 180) / 360 * n)}/" \
           f"{int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)}.pbf"


@pytest.mark.django_db
def test_no_personal_data_of_a_reporter_in_public_representations(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    user = verified_user(username="giulia.segreta", email="giulia.segreta@posta.example", first_name="Giulia",
                       last_name="Segreta")
    api = APIClient(REMOTE_ADDR="198.51.100.23")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    created = api.post("/api/v1/sites/", {"title": "Ex scuola Manzoni", "kind": "building", "location": {
        "type": "Point", "coordinates": list(ROMA)}}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    photo = api.post(f"/api/v1/sites/{pk}/photos/", {"image": SimpleUploadedFile("IMG_0001.jpg", gps_jpeg()),
                                                    "caption": "Facciata"}, format="multipart")
    assert photo.status_code == 201, photo.content
    site = Site.objects.get(pk=pk)

    public = [
        f"/api/v1/sites/{pk}/", "/api/v1/sites/?limit=1000", "/api/v1/sites/?bbox=12.4,41.8,12.6,41.95",
        "/api/v1/exports/sites.geojson", "/api/v1/exports/sites.csv", "/api/v1/exports/sites.gpkg",
        "/api/v1/stats/", tile_path(*ROMA), f"/beni/{pk}/", "/elenco/", "/", f"/feed/regione/{site.region_id}/",
        f"/feed/comune/{site.municipality_id}/",
    ]
    secrets = [user.email, user.username, "Segreta", "198.51.100.23", "203.0.113.77", "PrivateCam", "IMG_0001"]
    leaks, checked, showing = {}, 0, 0
    for path in public:
        response = client.get(path)
        if response.status_code == 404 and path.startswith("/feed/"):
            continue  # the feed URL scheme belongs to the workflow pages; those that exist are checked
        assert response.status_code == 200, (path, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        checked += 1
        showing += site.title.encode() in body  # the representation really carries the report
        found = [secret for secret in secrets if secret.encode() in body or secret.lower().encode() in body]
        if found:
            leaks[path] = found
    stored = (tmp_path / Photo.objects.get().image.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        exif_tags = dict(image.getexif())
    print(f"A3: {checked} public representations ({showing} showing the report) + the stored photo checked for "
          f"{len(secrets)} personal values; leaks {len(leaks)}; EXIF tags left {len(exif_tags)}")
    assert leaks == {} and showing >= 8
    assert exif_tags == {} and b"PrivateCam" not in stored and b"Giulia" not in stored
