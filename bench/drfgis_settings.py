"""Peer for the benchmark: the production settings plus one plain djangorestframework-gis list view
(bench/drfgis_urls.py), what most Django projects ship. Never used by the product."""

from config.settings.production import *  # noqa: F401,F403

ROOT_URLCONF = "bench.drfgis_urls"
