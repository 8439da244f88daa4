"""A fact's program replayed: through JSON text and back, it re-executes to the same fact."""

import json

from spatialqa.oracle import execute


def re_executes(fact, scene, detail: bool = False) -> None:
    """Assert that ``fact``'s program, through JSON, gives the same value and margin (and
    detail, with ``detail``) on ``scene``."""
    again = execute(json.loads(json.dumps(fact.program)), scene)
    assert again.value == fact.value and again.margin == fact.margin
    if detail:
        assert again.detail == fact.detail
