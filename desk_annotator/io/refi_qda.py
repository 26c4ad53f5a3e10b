"""REFI-QDA 1.0 interoperability: ``.qdpx`` projects and ``.qdc`` codebooks (no database).

    write_qdpx(path, snapshot)   -> project.qde + sources/<GUID>.txt, valid against Project.xsd
    read_qdpx(path)              -> (ProjectSnapshot, warnings)
    write_qdc(path, codebook)    -> valid against Codebook.xsd
    read_qdc(path)               -> (Codebook, warnings)

The warnings are one line per kind of loss ("3 non-text sources were skipped ...: ..."); unsafe
or malformed files raise :class:`desk_annotator.errors.FormatError` with one line.
"""

from __future__ import annotations

from desk_annotator.io.refi_export import write_qdc
from desk_annotator.io.refi_stream_writer import write_qdpx  # streamed (issue 14)
from desk_annotator.io.refi_import import read_qdc, read_qdpx

__all__ = ["read_qdc", "read_qdpx", "write_qdc", "write_qdpx"]
