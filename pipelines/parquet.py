"""Parquet tables: the output schema, Hugging Face features, byte-stable encoding."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = 3
"""Bumped when the columns, their types or their encoding change (2: ``split``; 3:
``scaffold``)."""
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
DEGRADATION = pa.struct([("type", pa.string()), ("severity", pa.int8()), ("params", pa.string())])
OBJECT = pa.struct([("instance_id", pa.int64()), ("category", pa.string()), ("role", pa.string())])

SAMPLE_FIELDS = [
    ("id", pa.string()),
    ("scene_id", pa.string()),
    ("source", pa.string()),
    ("split", pa.string()),
    ("task", pa.string()),
    ("family", pa.string()),
    ("question", pa.string()),
    ("question_vsi", pa.string()),
    ("answer_type", pa.string()),
    ("answer", pa.string()),
    ("choices", pa.list_(pa.string())),
    ("value", pa.float64()),
    ("unit", pa.string()),
    ("metric", pa.string()),
    ("objects", pa.list_(OBJECT)),
    ("views", pa.list_(pa.string())),
    ("images", pa.list_(IMAGE)),
    ("degradation", DEGRADATION),
    ("program", pa.string()),
    ("rationale", pa.string()),
    ("margin", pa.float64()),
    ("answerable", pa.bool_()),
    ("abstain_reason", pa.string()),
    ("answerable_views", pa.list_(pa.string())),
    ("labels", pa.string()),
    ("seed", pa.int64()),
    ("scaffold", pa.string()),
]
FRAME_FIELDS = [
    ("scene_id", pa.string()),
    ("split", pa.string()),
    ("frame_id", pa.string()),
    ("degradation", DEGRADATION),
    ("timestamp", pa.float64()),
    ("pose", pa.list_(pa.list_(pa.float64()))),
    ("K", pa.list_(pa.list_(pa.float64()))),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("image", IMAGE),
]


def hf_feature(arrow_type: pa.DataType) -> object:
    """The ``datasets`` feature of an Arrow type; ``{bytes, path}`` structs are images.

    Lists use the ``[feature]`` form, which every ``datasets`` release since 2.x reads.
    """
    if arrow_type == IMAGE:
        return {"_type": "Image"}
    if pa.types.is_list(arrow_type):
        return [hf_feature(arrow_type.value_type)]
    if pa.types.is_struct(arrow_type):
        return {field.name: hf_feature(field.type) for field in arrow_type}
    dtype = {pa.binary(): "binary", pa.bool_(): "bool", pa.string(): "string"}.get(
        arrow_type, str(arrow_type)
    )
    return {"dtype": dtype, "_type": "Value"}


def with_features(fields: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """An Arrow schema whose metadata lets ``datasets.load_dataset`` decode the images."""
    features = {name: hf_feature(arrow_type) for name, arrow_type in fields}
    metadata = {"huggingface": json.dumps({"info": {"features": features}})}
    return pa.schema(fields, metadata=metadata)


SAMPLES = with_features(SAMPLE_FIELDS)
FRAMES = with_features(FRAME_FIELDS)


def encode(rows: list[dict], schema: pa.Schema, row_group_size: int) -> bytes:
    """``rows`` as Parquet bytes; the same rows give the same bytes.

    One chunk, fixed options and fixed metadata: nothing of the writing process (time, host,
    worker) reaches the file. Shards are written whole, so they are built in memory.
    """
    table = pa.Table.from_pylist(rows, schema=schema).combine_chunks()
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        row_group_size=row_group_size,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
    )
    return sink.getvalue().to_pybytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
