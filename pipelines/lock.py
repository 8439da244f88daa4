"""One build per output at a time: two drivers writing one folder would mix their parts under
one manifest, and both would exit 0.

On a local (or mounted) disk the driver holds an exclusive ``flock`` on ``.build.lock`` for the
whole build; the kernel releases it when the process dies, so a killed build never leaves a
stale lock (only the empty file, which the next build takes over). A finishing build removes
the file while still holding it, and a build that locked a file no longer at that path locks
the new one instead.
Object stores have no locks: the driver writes a lease object naming itself and an expiry, and
renews it from a background thread; a second build is refused while a lease it does not own is
unexpired, and a crashed build's lease expires after ``LEASE_S``.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from spatialqa.errors import OutputError
from spatialqa.pipelines.storage import Storage

LOCK_FILE = ".build.lock"
LEASE_S = 600.0
"""An object-store lease lives this long unless renewed (every third of it while building)."""


def _holder() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}


def _busy(storage: Storage, holder: dict) -> OutputError:
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("since", 0)))
    return OutputError(
        f"{storage.display()}: another build is writing here (pid {holder.get('pid')} on "
        f"{holder.get('host')}, since {since}); wait for it to finish, or choose another --out"
    )


@contextmanager
def build_lock(storage: Storage) -> Iterator[None]:
    """Hold the output's lock for the ``with`` block; OutputError when another build holds it."""
    if storage.is_object_store:
        with _lease(storage):
            yield
        return
    handle = _flock(storage)
    try:
        handle.write(json.dumps(_holder()))
        handle.flush()
        yield
    finally:
        os.unlink(handle.name)  # still locked: a build that opened it now sees it gone
        handle.close()


def _flock(storage: Storage) -> TextIO:
    """The lock file, opened and exclusively locked; the file at its path, not an unlinked
    one a finishing build removed between our open and our lock."""
    path = storage.path(LOCK_FILE)
    while True:
        try:
            os.makedirs(storage.root, exist_ok=True)
            handle = open(path, "a+", encoding="utf-8")  # held for the with block
        except OSError as exc:
            raise OutputError(
                f"{storage.display(LOCK_FILE)}: cannot create the lock ({exc})"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                holder = {}
            handle.close()
            raise _busy(storage, holder) from None
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(handle.fileno()).st_ino:
            handle.seek(0)
            handle.truncate()
            return handle
        handle.close()  # removed by the build that held it: lock the new file


@contextmanager
def _lease(storage: Storage) -> Iterator[None]:
    owner = uuid.uuid4().hex
    if storage.exists(LOCK_FILE):
        try:
            lease = json.loads(storage.read(LOCK_FILE))
        except (json.JSONDecodeError, OSError):
            lease = {}
        if lease.get("expires", 0) > time.time():
            raise _busy(storage, lease)

    def renew() -> None:
        lease = {**_holder(), "owner": owner, "expires": time.time() + LEASE_S}
        storage.write(LOCK_FILE, json.dumps(lease).encode())

    renew()
    if json.loads(storage.read(LOCK_FILE)).get("owner") != owner:  # lost a race to another
        raise _busy(storage, json.loads(storage.read(LOCK_FILE)))
    done = threading.Event()

    def keep() -> None:
        while not done.wait(LEASE_S / 3):
            renew()

    keeper = threading.Thread(target=keep, name="spatialqa-lease", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()
        storage.delete(LOCK_FILE)
