"""deploy/nginx/ as shipped, run for real: nginx (TLS with a throw-away certificate) in front of gunicorn with
production settings. Tiles are cached (MISS then HIT), static and media come from disk, plain HTTP redirects
except the health check, oversize bodies stop at the proxy, and the client address Django sees is nginx's."""

import gzip
import json
import os
import shutil
import signal
import ssl
import subprocess
import time
from http.client import HTTPSConnection
from pathlib import Path

import pytest

from commons.models import Site
from commons.services.demo import seed_demo
from tests.ops.conftest import ALLOWED_HOST, REPO, fetch, free_ports
from tests.ops.test_uploads_privacy import tile_path

pytestmark = pytest.mark.django_db(transaction=True)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def certificate(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={ALLOWED_HOST}", "-addext", f"subjectAltName=DNS:{ALLOWED_HOST}"],
                   check=True, capture_output=True, timeout=60)
    return key, cert


def nginx_config(tmp_path, *, app_port, http_port, https_port, static, media):
    """deploy/nginx/*.conf with only paths and ports changed (each change must apply, or the files moved on)."""
    key, cert = certificate(tmp_path)
    conf = tmp_path / "beco"
    conf.mkdir()
    replacements = {
        "/etc/nginx/beco/": f"{conf}/", "/var/cache/nginx/beco-tiles": str(tmp_path / "cache"),
        "/srv/beco/static/": f"{static}/", "/srv/beco/media/": f"{media}/",
        "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}", "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        f"/etc/letsencrypt/live/{ALLOWED_HOST}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{ALLOWED_HOST}/privkey.pem": str(key),
    }
    texts = {name: (REPO / "deploy" / "nginx" / name).read_text() for name in ("http.conf", "locations.conf",
                                                                               "registry.conf")}
    for old, new in replacements.items():
        assert any(old in text for text in texts.values()), f"{old} is no longer in deploy/nginx"
        texts = {name: text.replace(old, new) for name, text in texts.items()}
    for name, text in texts.items():
        (conf / name).write_text(text)
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
error_log {tmp_path}/error.log warn;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    {temp}
    include {conf}/registry.conf;
}}
""")
    return main


@pytest.fixture
def nginx(tmp_path, collected_static):
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    processes = []

    def start(app_port):
        http_port, https_port = free_ports(2)
        ports = {"http_port": http_port, "https_port": https_port}
        media = tmp_path / "media"
        (media / "photos").mkdir(parents=True)
        main = nginx_config(tmp_path, app_port=app_port, static=collected_static, media=media, **ports)
        checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True,
                                 text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        with open(tmp_path / "nginx.out", "wb") as out:
            process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
                                       stdout=out, stderr=subprocess.STDOUT)
        processes.append(process)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                fetch(f"http://127.0.0.1:{ports['http_port']}/health/", headers={"Host": ALLOWED_HOST}, timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        return {**ports, "media": media}

    yield start
    for process in processes:
        process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def https(port, path, method="GET", body=None, headers=None):
    context = ssl.create_default_context()
    context.check_hostname = False  # the certificate names registry.example.org; we dial 127.0.0.1
    context.verify_mode = ssl.CERT_NONE
    conn = HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": ALLOWED_HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_nginx_caches_tiles_serves_files_and_fronts_the_app(prod_server, nginx):
    seed_demo(sites=150, seed=8)
    site = Site.objects.visible().order_by("id").first()
    app = prod_server(workers=2)
    proxy = nginx(int(app.url.rsplit(":", 1)[1]))
    port = proxy["https_port"]

    tile = tile_path(site.location.x, site.location.y)
    first, second = https(port, tile), https(port, tile)
    assert (first[0], second[0]) == (200, 200) and first[2] == second[2] and len(first[2]) > 0
    assert (first[1]["x-cache-status"], second[1]["x-cache-status"]) == ("MISS", "HIT")
    assert first[1]["cache-control"] == "public, max-age=300"
    # A browser asks for gzip: nginx does not compress tiles itself; the app's gzip variant is cached beside the
    # plain one (Vary: Accept-Encoding), and each client keeps getting its own.
    overview = tile_path(site.location.x, site.location.y, z=5)
    plain = https(port, overview)
    assert plain[0] == 200 and len(plain[2]) >= 200 and "content-encoding" not in plain[1]  # worth compressing
    packed = [https(port, overview, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
    assert [p[1]["x-cache-status"] for p in packed] == ["MISS", "HIT"]
    assert all(p[1]["content-encoding"] == "gzip" and gzip.decompress(p[2]) == plain[2] for p in packed)
    again = https(port, overview)
    assert again[1]["x-cache-status"] == "HIT" and "content-encoding" not in again[1] and again[2] == plain[2]

    status, headers, _ = https(port, "/")
    assert status == 200 and headers["strict-transport-security"].startswith("max-age=31536000")
    assert "script-src" in headers["content-security-policy"]
    redirect = fetch(f"http://127.0.0.1:{proxy['http_port']}/elenco/", headers={"Host": ALLOWED_HOST})
    assert redirect.status == 301 and redirect.header("Location") == f"https://{ALLOWED_HOST}/elenco/"
    health = fetch(f"http://127.0.0.1:{proxy['http_port']}/health/", headers={"Host": ALLOWED_HOST})
    assert health.status == 200 and health.json()["database"] == "ok"

    manifest = json.loads((Path(app.env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]
    status, headers, body = https(port, f"/static/{manifest['css/registry.css']}")
    assert status == 200 and "immutable" in headers["cache-control"] and b"{" in body
    (proxy["media"] / "photos" / "p.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    status, headers, body = https(port, "/media/photos/p.jpg")
    assert status == 200 and headers["content-type"] == "image/jpeg" and headers["x-content-type-options"] == "nosniff"

    status, _, _ = https(port, "/api/v1/sites/", "POST", body=b"x" * (12 * 1024 * 1024),
                         headers={"Content-Type": "application/json"})
    assert status == 413  # refused by the proxy before the app reads a byte
    https(port, "/api/v1/stats/", headers={"X-Forwarded-For": "6.6.6.6"})  # a forged client address
    app.stop()
    access = [json.loads(line) for line in app.output().splitlines() if '"gunicorn.access"' in line]
    stats = [record for record in access if record["path"] == "/api/v1/stats/"]
    assert stats and stats[-1]["forwarded_for"] == "127.0.0.1"  # nginx overwrote it with the real peer
    assert sum(record["path"] == tile for record in access) == 1  # the second tile never reached the app
    assert sum(record["path"] == overview for record in access) == 2  # once plain, once gzip; never repeated
    print("Proxy: tile MISS then HIT (1 app request for 2; plain and gzip variants cached apart), static immutable, "
          "media nosniff, 12 MB body -> 413 at nginx, forged X-Forwarded-For replaced")
