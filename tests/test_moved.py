"""Every renamed module and name still works under its old spelling, with a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from spatialqa import moved


@pytest.mark.parametrize("old", sorted(moved.MODULES))
def test_old_module_path_is_the_new_module(old):
    new = moved.MODULES[old]
    probe = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = importlib.import_module({old!r})\n"
        f"new = importlib.import_module({new!r})\n"
        "assert old is new, (old, new)\n"
        f"assert new.__spec__.name == {new!r}, new.__spec__\n"
        "assert any(issubclass(w.category, DeprecationWarning) and "
        f"{new!r} in str(w.message) for w in caught), [str(w.message) for w in caught]\n"
    )
    # A fresh interpreter: here the module may already be imported under its old path.
    subprocess.run([sys.executable, "-c", probe], check=True)


@pytest.mark.parametrize(
    "module, name", sorted((m, n) for m, table in moved.NAMES.items() for n in table)
)
def test_old_name_resolves_to_the_new_object(module, name):
    where, path = moved.NAMES[module][name].split(":")
    with pytest.warns(DeprecationWarning, match=f"{where}.{path}"):
        old = getattr(importlib.import_module(module), name)
    new = importlib.import_module(where)
    for attribute in path.split("."):  # "Frame.resized": a method that replaced a function
        new = getattr(new, attribute)
    assert old is new


def test_no_old_module_is_left_as_a_file():
    """The old paths live only in the table: a shim module left behind would shadow it."""
    for old in moved.MODULES:
        parent, _, leaf = old.rpartition(".")
        spec = importlib.machinery.PathFinder.find_spec(
            leaf, importlib.import_module(parent).__path__
        )
        assert spec is None, f"{old} is still a file: {spec.origin}"


@pytest.mark.parametrize("module", sorted(moved.CALLABLE))
def test_a_module_that_was_a_function_still_calls_it(module, monkeypatch):
    imported = importlib.import_module(module)
    function = moved.CALLABLE[module]
    monkeypatch.setattr(imported, function, lambda *args, **kwargs: (args, kwargs))
    with pytest.warns(DeprecationWarning, match=f"{module}.{function}"):
        assert imported(1, two=2) == ((1,), {"two": 2})


def test_unknown_names_still_raise_attribute_error():
    for module in moved.NAMES:
        assert not hasattr(importlib.import_module(module), "no_such_name_at_all")


def test_task_generate_still_draws_the_samples():
    from spatialqa.generators import Context, draw_samples, get_task
    from spatialqa.scenes import procedural_scene

    scene = procedural_scene(0, 0)
    frames = tuple(frame.id for frame in scene.trajectory("walkthrough").frames)
    task = get_task("depth_order")()
    with pytest.warns(DeprecationWarning, match="draw_samples"):
        old = task.generate(Context(scene, frames[::2], seed=0, trajectory=frames), 3)
    assert old and old == draw_samples(
        task, Context(scene, frames[::2], seed=0, trajectory=frames), 3
    )
