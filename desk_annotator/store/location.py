"""Where a project file lives, as far as SQLite's locking is concerned.

SQLite relies on the operating system's file locks. On network file systems (NFS, SMB/CIFS,
SSHFS...) those are often broken or emulated, and cloud-sync clients (Dropbox, OneDrive, Google
Drive, iCloud...) copy the file while it is open and may upload the database without its -wal
file, or replace it under a running program. Either can lose or corrupt work. We cannot detect
every such place; this recognises the common ones so the user is warned before it matters.
Nothing here opens the file (only its path and the mount table are read).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# File system types (as in /proc/mounts) whose locking SQLite cannot rely on.
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs",
    "fuse.gcsfuse", "fuse.davfs2", "fuse.gvfsd-fuse", "fuse.glusterfs", "fuse.ceph",
    "fuse.onedriver", "fuse.google-drive-ocamlfuse", "fuse.dropbox", "fuse.kbfsfuse",
}

# Folder names that cloud-sync clients create (compared case-insensitively, whole names or
# prefixes, e.g. "OneDrive - University of X", "Dropbox (Team)").
CLOUD_FOLDER_PREFIXES = (
    "dropbox", "onedrive", "google drive", "googledrive", "my drive", "icloud drive",
    "icloud~", "mobile documents", "nextcloud", "owncloud", "box sync", "pcloud",
    "megasync", "seafile", "synologydrive", "resilio sync", "tresorit", "sync.com",
)
CLOUD_FOLDER_EXACT = {"box", "mega", "cloudstorage"}

ADVICE = ("SQLite's file locking is not reliable there: keep the project on a local disk while "
          "you work, and share copies (coder packages, exports) instead")


def storage_warning(path: Path) -> str | None:
    """A one-line warning when ``path`` is on a network file system or in a cloud-synced
    folder; None when nothing suspicious is seen."""
    try:
        resolved = path.absolute().resolve()
    except OSError:
        resolved = path.absolute()
    text = str(resolved)
    if text.startswith("\\\\") or text.startswith("//"):
        return f"{path}: the project is on a network share; {ADVICE}"
    fs = _filesystem_type(resolved)
    if fs in NETWORK_FILESYSTEMS:
        return f"{path}: the project is on a network file system ({fs}); {ADVICE}"
    for part in resolved.parts[:-1]:
        low = part.lower()
        if low in CLOUD_FOLDER_EXACT or low.startswith(CLOUD_FOLDER_PREFIXES):
            return f"{path}: the project is in a cloud-synced folder ({part}); {ADVICE}"
    return None


def _filesystem_type(path: Path) -> str | None:
    """The type of the file system holding ``path``, from /proc/mounts (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8",
                                                     errors="replace").splitlines()
    except OSError:
        return None
    best, best_type = "", None
    target = str(path)
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip(os.sep) + os.sep)
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type
