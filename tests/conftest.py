"""Shared fixtures: caches in temporary folders, one local Ray for the whole session."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ["HF_HUB_OFFLINE"] = "1"
_hf = tempfile.mkdtemp(prefix="spatialqa-hf-")
os.environ["HF_HOME"] = _hf
os.environ["HF_DATASETS_CACHE"] = os.path.join(_hf, "datasets")


@pytest.fixture(scope="session")
def ray_local():
    """A 2-CPU local Ray with a small object store, started once and stopped at the end."""
    import ray

    temp = tempfile.mkdtemp(prefix="rq")  # short: Ray's socket paths have a length limit
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024**2,
        log_to_driver=False,
        _temp_dir=temp,
    )
    yield ray
    ray.shutdown()
