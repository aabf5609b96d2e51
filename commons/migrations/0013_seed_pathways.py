from django.db import migrations


def seed(apps, schema_editor):
    from commons.pathways import seed_pathways

    seed_pathways(apps.get_model("commons", "Pathway"), apps.get_model("commons", "PathwayStep"))


class Migration(migrations.Migration):
    """The eight seed pathways (commons/pathways.py), so a fresh clone has them; moderators edit them afterwards."""

    dependencies = [("commons", "0012_pathways_milestones_support")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
