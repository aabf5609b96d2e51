"""Two edits from the same version: the second is refused and nothing is lost (C2, service level)."""

import threading

import pytest
from django.db import connection

from commons.errors import StaleVersionError
from commons.models import Site
from commons.services.sites import site_update
from tests.factories import SiteFactory, moderator_user


@pytest.mark.django_db
def test_the_second_edit_from_the_same_version_is_refused():
    site, moderator = SiteFactory(title="Ex scuola"), moderator_user()
    site_update(actor=moderator, site_id=site.pk, expected_version=1, changes={"title": "Ex scuola media"})
    with pytest.raises(StaleVersionError) as error:
        site_update(actor=moderator, site_id=site.pk, expected_version=1, changes={"description": "Nuova descrizione"})
    assert error.value.current_version == 2
    site.refresh_from_db()
    assert (site.title, site.description, site.version) == ("Ex scuola media", "Edificio scolastico chiuso dal 2010.", 2)


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_from_the_same_version_let_exactly_one_through():
    site, moderator = SiteFactory(), moderator_user()
    results = []
    barrier = threading.Barrier(8)

    def edit(n):
        try:
            barrier.wait()
            site_update(actor=moderator, site_id=site.pk, expected_version=1, changes={"title": f"Titolo {n}"})
            results.append("ok")
        except StaleVersionError:
            results.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["stale"] * 7
    assert Site.objects.get(pk=site.pk).version == 2
