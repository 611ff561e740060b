"""Files written atomically: one way to replace a file, for ``nn.save`` and viz's pictures.

The new bytes go to a temporary file in the same folder, which is flushed to disk and
then renamed over the old file in one step, so a reader or a crash sees the old file
or the new one, never half of either. A symbolic link is written through, as ``cp``,
shell redirection and editors do: the file it leads to is replaced (in that file's
folder) and the link stays. Replacing by rename gives the file a new inode, so another
hard link to the old file keeps the old bytes.
"""

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644
"""The permissions of a file that did not exist before; a replaced file keeps its own."""

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def kind_of(mode: int) -> str:
    """Name what a ``st_mode`` is: "a regular file", "a named pipe (FIFO)", "a folder", ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` in one step; on any failure the old file stays.

    A symbolic link is followed and the file it leads to is replaced; a folder, pipe or
    device is refused with an ``OSError`` that says what is there.
    """
    given = os.fspath(path)
    target = _resolve(given)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"the folder {str(folder)!r} does not exist", given)
    try:
        mode: int | None = stat.S_IMODE(_regular_file_mode(target, given))
    except FileNotFoundError:
        mode = None
    # The temporary file's name starts with a dot (hidden) and stays within NAME_MAX.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            # A full disk or a failing device often shows only here: before the rename.
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the old file's mode, or a usual one.
        os.chmod(tmp, NEW_FILE_MODE if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _resolve(given: str) -> Path:
    """The file ``given`` leads to, through every symbolic link, as an absolute path."""
    resolved = os.path.realpath(given)
    # realpath stops at a link it cannot follow (a loop); replacing it would drop the link.
    if os.path.islink(resolved):
        raise OSError(errno.ELOOP, "it is a symbolic link that leads back to itself", given)
    return Path(resolved)


def _regular_file_mode(target: Path, given: str) -> int:
    """``target``'s st_mode if it is a regular file; FileNotFoundError if nothing is there."""
    mode = os.stat(target).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", given)
    if not stat.S_ISREG(mode):
        # Renaming over a pipe or a device would remove it, not write to it.
        raise OSError(
            errno.EINVAL, f"it is {kind_of(mode)}; only a regular file can be replaced", given
        )
    return mode


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the renamed file, so the rename survives a power cut."""
    # Best effort: Windows and some file systems cannot open or sync a folder; the data is
    # already written and renamed, so there is nothing to undo.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
