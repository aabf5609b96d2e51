"""Production settings, read in real subprocesses with their environment: check --deploy is clean (S2), the
secret key is mandatory, media go to S3 by configuration, replicas add a router, the health check fails closed."""

import json
import re
import textwrap

import pytest

from tests.ops.conftest import PYTHON, REPO, manage, production_env

pytestmark = pytest.mark.django_db

CHECK_ID = re.compile(r"\(([a-z_]+\.[A-Z]\d{3})\)")


def settings_probe(code, **env):
    """Run `code` after django.setup() with production settings; return its JSON output."""
    import subprocess

    script = "import django, json\ndjango.setup()\n" + textwrap.dedent(code)
    result = subprocess.run([PYTHON, "-c", script], cwd=REPO, env=production_env(**env), capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_prints_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    ids = CHECK_ID.findall(output)
    print(f"S2 check --deploy: return code {result.returncode}, ids {ids}")  # the figure for the battery
    assert result.returncode == 0, output
    assert ids == [] and "System check identified no issues" in output


def test_check_deploy_does_warn_when_https_is_switched_off():
    """The check is live: turning the hardening off by environment is reported, not silently accepted."""
    result = manage("check", "--deploy", env=production_env(DJANGO_SECURE_SSL_REDIRECT=0, DJANGO_HSTS_SECONDS=0))
    assert {"security.W004", "security.W008"} <= set(CHECK_ID.findall(result.stdout + result.stderr))


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_cookies_hsts_proxy_and_cache_settings():
    values = settings_probe("""
        from django.conf import settings as s
        print(json.dumps({name: getattr(s, name) for name in [
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
            "CSRF_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
            "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "ALLAUTH_TRUSTED_PROXY_COUNT", "DEBUG"]}
            | {"cache": s.CACHES["default"]["BACKEND"], "num_proxies": s.REST_FRAMEWORK["NUM_PROXIES"],
               "throttles": s.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]}))
    """)
    assert values["SESSION_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_PRELOAD"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["num_proxies"] == values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    assert values["throttles"] == ["mapping.api.throttles.WriteBurstThrottle",
                                   "mapping.api.throttles.WriteSustainedThrottle"]


def test_the_csp_lets_the_map_load_its_basemap_and_nothing_else():
    policy = settings_probe("""
        from csp.utils import build_policy
        print(json.dumps(build_policy(nonce="abc")))
    """, BASEMAP_TILE_URL="https://{s}.tiles.example.net/osm/{z}/{x}/{y}.png")
    directives = dict((part.split(" ", 1) + [""])[:2] for part in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self' 'nonce-abc'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in policy
    assert directives["img-src"].split() == ["'self'", "data:", "blob:", "https://*.tiles.example.net"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_media_go_to_s3_compatible_storage_by_environment():
    found = settings_probe("""
        from django.conf import settings as s
        from django.core.files.storage import storages
        from csp.utils import build_policy
        media = storages["default"]
        print(json.dumps({"class": type(media).__module__ + "." + type(media).__name__,
                          "url": media.url("photos/2025/01/a.jpg"), "csp": build_policy()}))
    """, MEDIA_STORAGE="s3", S3_BUCKET="beco-media", S3_CUSTOM_DOMAIN="media.example.org",
        S3_ENDPOINT_URL="https://s3.example.net", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    assert found["class"] == "storages.backends.s3.S3Storage"
    assert found["url"] == "https://media.example.org/media/photos/2025/01/a.jpg"
    assert "https://media.example.org" in found["csp"]


def test_an_unknown_media_storage_is_refused():
    result = manage("check", env=production_env(MEDIA_STORAGE="ftp"))
    assert result.returncode != 0 and "MEDIA_STORAGE" in result.stderr


def test_replica_urls_add_databases_the_router_and_its_middleware():
    found = settings_probe("""
        from django.conf import settings as s
        print(json.dumps({"aliases": sorted(s.DATABASES), "routers": s.DATABASE_ROUTERS,
                          "mirror": s.DATABASES["replica_1"]["TEST"], "port": s.DATABASES["replica_1"]["PORT"],
                          "middleware": s.MIDDLEWARE.index("config.db_router.PrimaryPinMiddleware")
                                        - s.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware")}))
    """, DATABASE_REPLICA_URLS="postgis://beco@10.0.0.2:5432/beco, postgis://beco@10.0.0.3:5433/beco")
    assert found["aliases"] == ["default", "replica_0", "replica_1"]
    assert found["routers"] == ["config.db_router.ReplicaRouter"]
    assert found["mirror"]["MIRROR"] == "default" and found["port"] == 5433
    assert found["middleware"] == 1


def test_health_is_503_when_the_database_is_unreachable():
    dead = "postgis://beco@127.0.0.1:9/nowhere"  # the discard port: nothing listens
    found = settings_probe("""
        from django.test import Client
        response = Client().get("/health/", HTTP_HOST="registry.example.org", HTTP_X_FORWARDED_PROTO="https")
        print(json.dumps({"status": response.status_code, "body": response.json(),
                          "cache": response.headers.get("Cache-Control", "")}))
    """, DATABASE_URL=dead)
    assert found["status"] == 503
    assert found["body"] == {"status": "error", "database": "unavailable"}
    assert "no-cache" in found["cache"]
