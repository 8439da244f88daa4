"""Builds on a two-node Ray cluster started here (``--address``), into a directory and into
``s3://`` on a loopback S3 server (moto); credentials reach every process by the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from build_kit import TINY, cli, digests, free_port, write_config

from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import parse_config

RAY = str(Path(sys.executable).with_name("ray"))
CONFIG = {**TINY, "name": "cluster"}


@pytest.fixture(scope="module")
def s3_env():
    """A moto S3 server on loopback with one bucket; the environment pyarrow reads."""
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], **boto_credentials(env)).create_bucket(
        Bucket="spatialqa"
    )
    yield env
    server.stop()


def boto_credentials(env: dict) -> dict:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """End a ``ray start --block`` and every process it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the session
    except ProcessLookupError:
        pass
    process.communicate()


@pytest.fixture(scope="module")
def cluster(s3_env):
    """A head without CPUs and a worker node with one: shards can only run on the second node."""
    port = free_port()
    temp = tempfile.mkdtemp(prefix="rc")  # short: Ray's socket paths have a length limit
    env = {**os.environ, **s3_env, "RAY_AUTH_MODE": "disabled"}
    common = ["--block", "--disable-usage-stats", "--object-store-memory=80000000"]
    nodes = []

    def start(*args: str) -> subprocess.Popen:
        nodes.append(
            subprocess.Popen(
                [RAY, "start", *args, *common],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        )
        return nodes[-1]

    try:
        head = start(
            "--head",
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=0",
            '--resources={"head": 1}',
            "--include-dashboard=false",
            f"--temp-dir={temp}",
        )
        wait_for_port(port, head)
        start(
            f"--address=127.0.0.1:{port}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=1",
            '--resources={"worker": 1}',
        )
        yield f"127.0.0.1:{port}"
    finally:
        for node in reversed(nodes):
            stop(node)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def local_build(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    build(parse_config(CONFIG), out, progress=False)
    return out


def run_build(config: Path, out: str, address: str, env: dict) -> str:
    child = cli("build", str(config), "--out", out, "--address", address, "--quiet", env=env)
    try:
        printed, _ = child.communicate(timeout=240)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert child.returncode == 0, printed
    return printed


def test_a_two_node_cluster_builds_into_s3_the_bytes_of_a_local_build(
    cluster, s3_env, local_build, tmp_path
):
    """One build for both (each costs a Ray job on 2 shared cores): the head has no CPUs, so
    the shards ran on the second node, and the objects written to S3 are compared byte for
    byte with the files of a local build."""
    config = write_config(tmp_path / "c.yaml", CONFIG)
    printed = run_build(config, "s3://spatialqa/runs/tiny", cluster, s3_env)
    assert "scenes built: 2, skipped: 0" in printed

    host_port = s3_env["AWS_ENDPOINT_URL"].removeprefix("http://")
    s3 = pafs.S3FileSystem(
        access_key=s3_env["AWS_ACCESS_KEY_ID"],
        secret_key=s3_env["AWS_SECRET_ACCESS_KEY"],
        region=s3_env["AWS_DEFAULT_REGION"],
        endpoint_override=host_port,
        scheme="http",
    )
    stored = s3.get_file_info(pafs.FileSelector("spatialqa/runs/tiny", recursive=True))
    names = sorted(i.path.removeprefix("spatialqa/runs/tiny/") for i in stored if i.is_file)
    assert names == ["README.md", *sorted(digests(local_build)), "manifest.json"]
    for relative, digest in digests(local_build).items():
        with s3.open_input_stream(f"spatialqa/runs/tiny/{relative}") as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == digest
    table = pq.read_table("spatialqa/runs/tiny/data", filesystem=s3)
    assert table.num_rows == pq.read_table(local_build / "data").num_rows > 0
    with s3.open_input_stream("spatialqa/runs/tiny/manifest.json") as stream:
        manifest = json.loads(stream.read())
    assert manifest["complete"] and manifest["samples"] == table.num_rows

    again = run_build(config, "s3://spatialqa/runs/tiny", cluster, s3_env)  # verifies, builds none
    assert "resumed: 2 shards verified and kept" in again
