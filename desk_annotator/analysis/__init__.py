"""Analysis of coded projects: tables and exports computed headlessly (no Qt, no SQL)."""
