"""Where a build lives: a local directory or any pyarrow filesystem URI (``s3://bucket/prefix``).

Every file is written so that a reader never sees half of it. On a local (or mounted) disk the
bytes go to a hidden temporary name that is renamed when complete; rename is atomic there. On an
object store (S3, GCS, Azure) an object becomes visible only once its upload completes, single
PUT or multipart alike, so the final key is written directly: a temporary key and a copy would
double the transfer for no gain. Credentials come from the environment as pyarrow reads them
(``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``, instance roles, ...).
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyarrow.fs as pafs

from spatialqa.errors import ConfigError, OutputError

OBJECT_STORES = frozenset({"s3", "gcs", "abfs"})


@dataclass(frozen=True)
class Storage:
    """A root folder on a pyarrow filesystem; paths below it are relative, ``/``-separated.

    Ray tasks receive the URI, never a Storage: each worker opens the filesystem with the
    credentials of its own environment.
    """

    uri: str

    @classmethod
    def at(cls, where: str | Path) -> Storage:
        text = str(where)
        if "://" not in text:
            text = str(Path(text).expanduser().resolve())
        return cls(text)

    @cached_property
    def _fs_root(self) -> tuple[pafs.FileSystem, str]:
        if "://" not in self.uri:
            return pafs.LocalFileSystem(), self.uri
        try:
            fs, root = pafs.FileSystem.from_uri(self.uri)
        except (ValueError, OSError) as exc:
            raise ConfigError(f"{self.uri}: not a filesystem pyarrow can open ({exc})") from None
        return fs, root.rstrip("/")

    @property
    def fs(self) -> pafs.FileSystem:
        return self._fs_root[0]

    @property
    def root(self) -> str:
        return self._fs_root[1]

    @property
    def is_object_store(self) -> bool:
        return self.fs.type_name in OBJECT_STORES

    def path(self, relative: str) -> str:
        return posixpath.join(self.root, relative)

    def display(self, relative: str = "") -> str:
        """The location as the user wrote it, for messages."""
        return posixpath.join(self.uri, relative) if relative else self.uri

    def write(self, relative: str, data: bytes) -> None:
        """Write ``data`` to ``relative`` atomically (see the module docstring).

        Raises OutputError naming the file (a full disk, no permission); the temporary is
        removed first, so a failed write leaves nothing behind.
        """
        fs, final = self.fs, self.path(relative)
        if fs.type_name in OBJECT_STORES:
            try:
                with fs.open_output_stream(final) as stream:
                    stream.write(data)
            except OSError as exc:
                raise OutputError(f"{self.display(relative)}: cannot write ({exc})") from None
            return
        folder, name = posixpath.split(final)
        # unique per writer: a retried task may overlap the attempt it replaces
        temporary = posixpath.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.partial")
        try:
            fs.create_dir(folder, recursive=True)
            with fs.open_output_stream(temporary) as stream:
                stream.write(data)
            fs.move(temporary, final)
        except OSError as exc:
            try:
                fs.delete_file(temporary)
            except OSError:  # never created, or already moved
                pass
            raise OutputError(f"{self.display(relative)}: cannot write ({exc})") from None

    def read(self, relative: str) -> bytes:
        with self.fs.open_input_stream(self.path(relative)) as stream:
            return stream.read()

    def exists(self, relative: str) -> bool:
        return self.fs.get_file_info(self.path(relative)).type == pafs.FileType.File

    def sha256(self, relative: str) -> str | None:
        """The file's sha256, or None when it is missing."""
        if not self.exists(relative):
            return None
        hasher = hashlib.sha256()
        with self.fs.open_input_stream(self.path(relative)) as stream:
            while block := stream.read(1 << 22):
                hasher.update(block)
        return hasher.hexdigest()

    def files(self, folder: str) -> list[str]:
        """Relative paths of the files below ``folder``, sorted; none when it is missing."""
        selector = pafs.FileSelector(self.path(folder), recursive=True, allow_not_found=True)
        found = self.fs.get_file_info(selector)
        start = len(self.root) + 1
        return sorted(info.path[start:] for info in found if info.type == pafs.FileType.File)

    def delete(self, relative: str) -> None:
        if self.exists(relative):
            self.fs.delete_file(self.path(relative))
