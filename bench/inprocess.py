"""In-process cost of the hot requests (Django's test client, no HTTP, no gunicorn): the median of N calls after
a warm-up, per path. `bench/inprocess.py CHECKOUT DATABASE_URL [CALLS]` — run it alternately on two checkouts
(e.g. a `git worktree` of the previous commit and this one) against their bench databases to compare the
Python work of a change on a machine too busy for wrk figures to be compared.
"""

import os
import statistics
import sys
import time

TILE_FILTER = "status=reported,verified,assigned,in_reuse&kind=building,land"
PATHS = {
    "tile z5 filtered": f"/tiles/sites/5/17/11.pbf?{TILE_FILTER}",
    "tile z8 filtered": f"/tiles/sites/8/136/95.pbf?{TILE_FILTER}",
    "tile z11": "/tiles/sites/11/1094/759.pbf",
    "tile z14": "/tiles/sites/14/8759/6079.pbf",
    "stats": "/api/v1/stats/",
    "stats filtered": "/api/v1/stats/?inner=aree_interne&status=reported,verified",
    "health": "/health/",
    "list 100 bbox": "/api/v1/sites/?bbox=12.3,41.8,12.6,42.0&limit=100",
}


def main(checkout, database_url, calls=150):
    os.chdir(checkout)
    sys.path.insert(0, checkout)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    medians = {}
    for name, path in PATHS.items():
        for _ in range(20):
            assert client.get(path).status_code == 200, name
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        medians[name] = statistics.median(times)
    print(checkout, " ".join(f"{name}={ms:.2f}" for name, ms in medians.items()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 150)
