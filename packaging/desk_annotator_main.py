"""The frozen program's entry point: the same click group the ``desk-annotator`` script runs.

PyInstaller needs a script file, not a ``module:function`` reference; this is that file and
nothing more, so the bundle and the pip-installed command can never behave differently.
"""

import multiprocessing

from desk_annotator.cli import main

if __name__ == "__main__":
    # A frozen program that starts worker processes (joblib, multiprocessing) re-runs this
    # file in each worker on Windows and macOS; freeze_support makes those workers do their
    # job instead of opening another window.
    multiprocessing.freeze_support()
    main()
