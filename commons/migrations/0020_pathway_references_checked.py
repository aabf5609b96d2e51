"""The seeded pathways' texts after checking their legal references against the official texts (issue 15).

A row is changed only where it still holds the seeded text, so what moderators edited in the admin stays theirs.
A fresh database already gets the corrected texts from 0013 (commons/pathways.py); this one brings existing ones
up to date. The texts are frozen here, as a migration must not follow later edits of commons/pathways.py:

- confiscati-art-48: D.Lgs. 159/2011 art. 48 c. 3 lett. c) also names cooperatives with prevailing mutuality
  without profit aim, not only social cooperatives;
- valorizzazione-demanio-art-3-bis: D.L. 351/2001 art. 3-bis c. 3 gives the municipalities involved in the
  procedure 10% of the rent for the whole term (not an unspecified share to "the municipality");
- uso-temporaneo-art-23-quater: D.P.R. 380/2001 art. 23-quater c. 2 asks for initiatives of *rilevante* public
  or general interest.
"""

from django.db import migrations

# (slug, field, seeded text, corrected text)
CORRECTIONS = [
    ('confiscati-art-48', 'summary_it',
     ('Un immobile confiscato in via definitiva passa, di regola, al patrimonio del Comune in cui si trova '
      '(o della Provincia o della Regione) per finalità sociali o istituzionali. Il Comune può gestirlo '
      'direttamente o darlo in concessione gratuita, con un avviso pubblico, a enti del Terzo settore, '
      "cooperative sociali e altri soggetti senza scopo di lucro. L'Agenzia nazionale (ANBSC) può anche "
      'assegnarlo direttamente a questi enti con un proprio bando (lettera c-bis).'),
     ('Un immobile confiscato in via definitiva passa, di regola, al patrimonio del Comune in cui si trova '
      '(o della Provincia o della Regione) per finalità sociali o istituzionali. Il Comune può gestirlo '
      'direttamente o darlo in concessione gratuita, con un avviso pubblico, a enti del Terzo settore, '
      'cooperative sociali, altre cooperative a mutualità prevalente senza scopo di lucro e altri enti '
      "senza scopo di lucro. L'Agenzia nazionale (ANBSC) può anche assegnarlo direttamente a questi enti "
      'con un proprio bando (lettera c-bis).')),
    ('confiscati-art-48', 'summary_en',
     ('A property whose confiscation is final normally passes to the municipality where it lies (or to the '
      'province or region) for social or institutional purposes. The municipality may run it itself or '
      'grant it free of charge, after a public call, to third-sector bodies, social cooperatives and other '
      'non-profit bodies. The national agency (ANBSC) may also assign it directly to such bodies through a '
      'call of its own (letter c-bis).'),
     ('A property whose confiscation is final normally passes to the municipality where it lies (or to the '
      'province or region) for social or institutional purposes. The municipality may run it itself or '
      'grant it free of charge, after a public call, to third-sector bodies, social cooperatives, other '
      'non-profit cooperatives with prevailing mutuality and other non-profit bodies. The national agency '
      '(ANBSC) may also assign it directly to such bodies through a call of its own (letter c-bis).')),
    ('valorizzazione-demanio-art-3-bis', 'summary_it',
     ('Gli immobili dello Stato individuati per la valorizzazione possono essere dati in concessione o in '
      "locazione a titolo oneroso a privati che li recuperano, anche con nuove destinazioni d'uso, per "
      "attività economiche o servizi ai cittadini. L'Agenzia del Demanio li mette a gara con bandi come "
      '«Valore Paese»; il Comune riceve una parte del canone.'),
     ('Gli immobili dello Stato individuati per la valorizzazione possono essere dati in concessione o in '
      "locazione a titolo oneroso a privati che li recuperano, anche con nuove destinazioni d'uso, per "
      "attività economiche o servizi ai cittadini. L'Agenzia del Demanio li mette a gara con bandi come "
      '«Valore Paese»; ai Comuni coinvolti nel procedimento va il 10% del canone per tutta la durata.')),
    ('valorizzazione-demanio-art-3-bis', 'summary_en',
     ('State properties selected for valorisation may be granted or leased, for a fee, to private parties '
      'that restore them, also for new uses, for economic activities or services to citizens. The State '
      'Property Agency (Agenzia del Demanio) tenders them through calls such as "Valore Paese"; the '
      'municipality receives a share of the rent.'),
     ('State properties selected for valorisation may be granted or leased, for a fee, to private parties '
      'that restore them, also for new uses, for economic activities or services to citizens. The State '
      'Property Agency (Agenzia del Demanio) tenders them through calls such as "Valore Paese"; the '
      'municipalities involved in the procedure receive 10% of the rent for its whole term.')),
    ('uso-temporaneo-art-23-quater', 'summary_it',
     ("Per avviare la rigenerazione di immobili e aree dismesse, il Comune può consentirne l'uso "
      'temporaneo anche per usi diversi da quelli del piano urbanistico, senza cambiarne la destinazione. '
      'Vale per beni pubblici e privati, per iniziative di interesse pubblico o generale; una convenzione '
      'fissa durata, modalità, ripristino e garanzie. Per i beni pubblici il gestore si sceglie con '
      'procedura pubblica. Molte Regioni hanno leggi proprie sugli usi temporanei.'),
     ("Per avviare la rigenerazione di immobili e aree dismesse, il Comune può consentirne l'uso "
      'temporaneo anche per usi diversi da quelli del piano urbanistico, senza cambiarne la destinazione. '
      'Vale per beni pubblici e privati, per iniziative di rilevante interesse pubblico o generale; una '
      'convenzione fissa durata, modalità, ripristino e garanzie. Per i beni pubblici il gestore si '
      'sceglie con procedura pubblica. Molte Regioni hanno leggi proprie sugli usi temporanei.')),
    ('uso-temporaneo-art-23-quater', 'summary_en',
     ('To start regenerating disused buildings and areas, the municipality may allow their temporary use, '
      'also for uses other than those of the zoning plan, without changing their designated use. It '
      'applies to public and private property, for initiatives of public or general interest; an agreement '
      'sets the duration, the terms, the restoration and the guarantees. For public property the operator '
      'is chosen through a public procedure. Many regions have laws of their own on temporary uses.'),
     ('To start regenerating disused buildings and areas, the municipality may allow their temporary use, '
      'also for uses other than those of the zoning plan, without changing their designated use. It '
      'applies to public and private property, for initiatives of significant public or general interest; '
      'an agreement sets the duration, the terms, the restoration and the guarantees. For public property '
      'the operator is chosen through a public procedure. Many regions have laws of their own on temporary '
      'uses.')),
]


def correct(apps, schema_editor):
    pathway = apps.get_model("commons", "Pathway")
    for slug, field, seeded, corrected in CORRECTIONS:
        pathway.objects.filter(slug=slug, **{field: seeded}).update(**{field: corrected})


def restore(apps, schema_editor):
    pathway = apps.get_model("commons", "Pathway")
    for slug, field, seeded, corrected in CORRECTIONS:
        pathway.objects.filter(slug=slug, **{field: corrected}).update(**{field: seeded})


class Migration(migrations.Migration):
    dependencies = [("commons", "0018_recheck_area_followers")]

    operations = [migrations.RunPython(correct, restore)]
