"""Joins three changes made side by side on 0018: consultations (0019), the checked pathway references (0020) and the
counts per search term and cell (0022). None depends on another."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("commons", "0019_consultations"),
        ("commons", "0020_pathway_references_checked"),
        ("commons", "0022_site_term_counts"),
    ]

    operations = []
