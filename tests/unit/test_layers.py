"""Which code may import which: the domain rules stand alone, and test modules share helpers
through tests/factories.py, tests/helpers.py and conftest.py, never through each other."""

import ast
import json
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# Frameworks the domain must not need: the web stack and the database layer.
FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_limiter", "werkzeug")
FRAMEWORKS += ("peewee", "playhouse")

# Run in a fresh interpreter: each domain module is imported in turn, and whatever it brings
# into sys.modules (directly or through another module) is held against it.
FIND_IMPORTS = """
import importlib, json, pkgutil, sys
import fieldcheck.domain
frameworks = set(sys.argv[1].split(","))
before = set(sys.modules)
found = {}
for module in sorted(m.name for m in pkgutil.iter_modules(fieldcheck.domain.__path__)):
    importlib.import_module("fieldcheck.domain." + module)
    new, before = set(sys.modules) - before, set(sys.modules)
    found[module] = sorted(
        name for name in new
        if name.split(".")[0] in frameworks
        or (name.startswith("fieldcheck.") and not name.startswith("fieldcheck.domain."))
    )
print(json.dumps(found))
"""


def imports_of_the_domain() -> dict[str, list[str]]:
    """Each module of fieldcheck.domain: the framework and app modules importing it loads."""
    result = subprocess.run(
        [sys.executable, "-c", FIND_IMPORTS, ",".join(FRAMEWORKS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_domain_imports_neither_flask_peewee_werkzeug_nor_the_rest_of_the_app():
    found = imports_of_the_domain()
    assert {"identity", "passwords", "second_factor", "visits"} <= set(found)
    assert {module: names for module, names in found.items() if names} == {}


def test_the_import_check_sees_a_framework_loaded_through_another_module(tmp_path):
    """The check holds indirect imports too: a module importing the app's web layer shows."""
    code = FIND_IMPORTS.replace("fieldcheck.domain.__path__", "[sys.argv[2]]").replace(
        '"fieldcheck.domain." + module', "module"
    )
    (tmp_path / "leaky.py").write_text("import fieldcheck.errors\n")
    sys_path = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
    result = subprocess.run(
        [sys.executable, "-c", sys_path + code, ",".join(FRAMEWORKS), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    leaked = json.loads(result.stdout)["leaky"]
    assert "fieldcheck.errors" in leaked and "flask_babel" in leaked


def imported_test_modules(path: Path, root: Path = TESTS.parent) -> list[str]:
    """The test modules (tests/**/test_*.py) that a Python file under `root` imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = node.module or ""
            if node.level:  # relative: resolved from the file's own package
                parts = path.relative_to(root).with_suffix("").parts[: -node.level]
                package = ".".join([*parts, *([package] if package else [])])
            names += [package, *(f"{package}.{alias.name}" for alias in node.names)]
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] == "tests":
            at = next((i for i, part in enumerate(parts) if part.startswith("test_")), None)
            if at is not None:
                found.add(".".join(parts[: at + 1]))
    return sorted(found)


def test_no_test_module_imports_another():
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 50
    found = {str(p.relative_to(TESTS)): imported_test_modules(p) for p in modules}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_test_import_check_sees_every_way_of_importing(tmp_path):
    folder = tmp_path / "tests" / "web"
    folder.mkdir(parents=True)
    module = folder / "test_new.py"
    module.write_text(
        "import tests.web.test_sync_api\n"
        "from tests.web.test_review import reviewed\n"
        "from tests.web import test_openapi\n"
        "from .test_registry import desk\n"
        "from tests import factories\n"
        "from tests.helpers import Web\n"
    )
    assert imported_test_modules(module, root=tmp_path) == [
        "tests.web.test_openapi",
        "tests.web.test_registry",
        "tests.web.test_review",
        "tests.web.test_sync_api",
    ]
