"""FieldCheck uses its libraries through their public APIs only (STYLE.md, item 13).

A private name of peewee, Flask, Flask-WTF, Flask-Limiter or the libraries they stand on
(werkzeug, WTForms) may change or go in any release without notice, and code that leans on
one breaks silently. So no underscore attribute of theirs is read, written or overridden in
`fieldcheck/`, `sync/` or `bench/`, with two exceptions that the libraries document:
`Model._meta`, peewee's way to a model's fields and table, and `_get_current_object()` of
werkzeug's LocalProxy (what `current_user` is), the documented way to the object behind a
proxy. A speed-up that cannot do without another would live in one module named here, saying
what it relies on, with a test that fails when a release breaks it; there is none today.
"""

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import peewee
import pytest
from flask import Flask
from flask_limiter import Limiter
from flask_wtf import CSRFProtect
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("fieldcheck", "sync", "bench")
LIBRARIES = ("peewee", "playhouse", "flask", "flask_wtf", "flask_limiter", "werkzeug", "wtforms")
ALLOWED = {
    "_meta": "peewee's documented Model._meta (fields, table name, primary key)",
    "_get_current_object": "werkzeug documents LocalProxy._get_current_object()",
}


def _python_names() -> set[str]:
    """Underscore names Python itself gives objects (__init__, __name__, __dict__...), and a
    named tuple's documented _replace, _asdict, _fields and _make."""
    import collections
    import types

    names = set()
    things = (object, type, types.FunctionType, types.ModuleType, int, Exception, property)
    for thing in (*things, collections.namedtuple("Pair", "a b")):
        names |= set(dir(thing))
    return names | {"__wrapped__", "__file__", "__path__", "__slots__", "__annotations__"}


def _library_modules():
    for name in LIBRARIES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), f"{name}."):
            if info.name.endswith(".__main__"):  # runs a command line when imported
                continue
            try:
                yield importlib.import_module(info.name)
            except ImportError:  # an optional part whose own dependency is not installed
                continue


def _library_private_names() -> set[str]:
    """Every underscore name the libraries define: on their classes (methods, attributes) and
    on instances of the ones FieldCheck makes (a model, a database, an app, its extensions)."""
    names = set()
    for module in _library_modules():
        for thing in vars(module).values():
            if inspect.isclass(thing) and thing.__module__.split(".")[0] in LIBRARIES:
                for cls in thing.__mro__:
                    names |= {n for n in vars(cls) if n.startswith("_")}

    class Thing(peewee.Model):
        name = peewee.CharField()

    instances = [
        Thing(name="x"),
        peewee.SqliteDatabase(":memory:"),
        PooledSqliteDatabase(":memory:"),
        PooledPostgresqlDatabase("fieldcheck"),  # made, not connected
        Flask(__name__),
        CSRFProtect(),
        Limiter(lambda: "127.0.0.1"),
    ]
    for instance in instances:
        names |= {n for n in vars(instance) if n.startswith("_")}
    return names - _python_names() - set(ALLOWED)


def _derives_from_a_library(module_name: str, class_name: str) -> bool:
    cls = getattr(importlib.import_module(module_name), class_name, None)
    return inspect.isclass(cls) and any(
        base.__module__.split(".")[0] in LIBRARIES for base in cls.__mro__[1:]
    )


def _uses(path: Path, private: set[str]):
    """(line, name) for each library private name the file reads, writes or overrides. An
    attribute of `self` or `cls` counts only in a class built on a library's class: any
    other class's own private attributes are its business."""
    module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = {}  # a node inside a top-level class -> whether that class is a library's

    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            on_library = _derives_from_a_library(module_name, node.name)
            for inner in ast.walk(node):
                classes[inner] = on_library
            for item in node.body:
                if (
                    on_library
                    and isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and item.name in private
                ):
                    yield item.lineno, f"overrides {item.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private:
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if own and not classes.get(node, False):
                continue
            yield node.lineno, node.attr


def test_no_private_name_of_a_library_is_used():
    private = _library_private_names()
    assert {"__data__", "_dirty", "_is_closed", "_adapter", "_state"} <= private  # the finder
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for package in CHECKED
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in _uses(path, private)
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "def f(case):\n    return case.__data__",
        "def f(case):\n    case._dirty.clear()",
        "def f(db):\n    return db._state",
        "import peewee\nclass Pool(peewee.SqliteDatabase):\n    def _close(self, conn): ...",
    ],
)
def test_the_check_finds_what_it_looks_for(tmp_path, monkeypatch, source):
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "example.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(_uses(package / "example.py", _library_private_names()))
