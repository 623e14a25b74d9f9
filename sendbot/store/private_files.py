"""Files that hold personal data are readable by their owner only, from their first byte.

Writing a file and then `chmod`-ing it leaves a moment when others on the server can read
it (and a file that already existed keeps its old mode until the chmod), so such files are
created with mode 0600 by `os.open` or `mkstemp` and only then written. The process's umask
can only take permissions away, never add them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600


def write_private(path: Path, data: str | bytes) -> None:
    """Write `data` to `path`, readable by this user only, replacing any file there.

    The text goes into a new file made private when it was created, which then takes the
    place of the old one: someone who could read the old file never sees the new text.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def create_private(path: Path) -> bool:
    """Create `path` empty with mode 0600 if it does not exist; True if it was created.

    For a file another library fills in later (an SQLite database): it keeps the mode.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return False
    os.close(fd)
    return True
