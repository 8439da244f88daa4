"""Helpers for build tests: tiny configs, file digests, the CLI as a child process."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

# Tiny on purpose: 2 CPU cores are shared by everyone running tests.
TINY = {
    "name": "tiny",
    "seed": 1,
    "scenes": [{"procedural": {"count": 2, "seed": 2, "frames": 8}}],
    "tasks": [{"name": "object_abs_distance", "per_scene": 3}],
    "views": {"frames": 4},
    "render": {"width": 48, "height": 32},
}


def digests(root: Path) -> dict[str, str]:
    """sha256 of every Parquet file below ``root``, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    """``spatialqa ARGS`` in a child process (its own session, so it can be killed whole)."""
    return subprocess.Popen(
        [sys.executable, "-m", "spatialqa.pipelines.cli", *args],
        env={**os.environ, "RAY_AUTH_MODE": "disabled", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **popen,
    )
