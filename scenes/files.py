"""Checks on the files a scene names, made before they are opened."""

from __future__ import annotations

import os
import stat

MISSING = "missing"


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a file, found without opening it (a FIFO would block
    the read forever): ``MISSING``, ``"not a regular file"`` or ``"cannot stat (...)"``;
    None when it is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except OSError as exc:
        return f"cannot stat ({exc.strerror})"
    return None if stat.S_ISREG(mode) else "not a regular file"
