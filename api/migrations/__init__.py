"""Alembic migrations of the centre's databases (shipped inside the package).

Two branches with their own bases: `alerts` (the rules service's alert store, which
may live in its own database) and `centre` (registry, people, tokens). `bk api migrate`
upgrades each database to the head of the branch it holds.
"""
