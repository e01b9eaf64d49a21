"""The Dagster layer: assets, checks and resources that call the core. Assembled in definitions.py."""
