"""Importers and exporters for the exchange formats (pure functions over models.py)."""
