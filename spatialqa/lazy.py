"""Package exports loaded on first use, so importing a light module never pays for a heavy one."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from typing import Any

from spatialqa import moved


def exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A package ``__getattr__``: ``homes`` maps each exported name to the submodule defining it
    (imported, then kept, on first use); a submodule's name gives the submodule, as it would
    once imported; names that moved away resolve through ``moved``."""

    def __getattr__(name: str) -> Any:
        if name in homes:
            value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")
        else:
            return moved.old_name(package, name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
