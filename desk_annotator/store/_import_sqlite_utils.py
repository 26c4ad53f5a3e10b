"""Import sqlite-utils without pandas and numpy (start-up time, issue 14).

sqlite-utils imports pandas and numpy when they are installed, only to map their scalar types
(``pandas.Timestamp``, ``numpy.int64``…) to column types when it infers a table's columns from
Python values. The project never lets it infer columns from such values (the schema is written
out in store/schema.py), and the two imports are about a second of a cold start. Blocking them
for this one import makes sqlite-utils take its "not installed" path; they stay importable for
everything else (the entries are removed again at once).
"""

from __future__ import annotations

import sys

_BLOCKED = ("pandas", "numpy")

if "sqlite_utils" not in sys.modules:
    blocked = [name for name in _BLOCKED if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                del sys.modules[name]
else:
    import sqlite_utils

__all__ = ["sqlite_utils"]
