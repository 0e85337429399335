"""Views read input, call a service or a query, and render (STYLE.md, item 14): no query is
built in a views module or in the API's modules, and no view grows long.

Queries live in each blueprint's `queries` module (cases/query.py for the case list) or in a
model's own query methods; services change things. This test reads the source (ast), so a
query that creeps back into a view fails here before review.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "fieldcheck"
VIEW_MODULES = sorted([*ROOT.glob("*/views.py"), ROOT / "views.py", *ROOT.glob("api/*.py")])

# Methods that build or run a query on a peewee model, query or database. (`.get(` is left
# out: request.args.get and dict.get read input; nor is `.replace(`, a string's; a string's
# own `.join(` is told apart by the string it is called on.)
QUERY_METHODS = {
    "select",
    "where",
    "join",
    "switch",
    "get_or_none",
    "get_by_id",
    "get_or_create",
    "execute_sql",
    "raw",
    "insert",
    "insert_many",
    "bulk_update",
    "bulk_create",
    "delete",
    "delete_instance",
    "group_by",
    "order_by",
    "paginate",
}
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM")
LONGEST_VIEW = 25  # lines, the decorators and docstring not counted


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT.parent)) if path.is_relative_to(ROOT.parent) else path.name


def _is_view(node: ast.FunctionDef) -> bool:
    """A function routed by a blueprint's decorator (bp.route, bp.get, bp.post...)."""
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in {"route", "get", "post", "delete"}:
            return True
    return False


def _body_lines(node: ast.FunctionDef) -> int:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_id)
def test_a_views_module_builds_no_query(path):
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        attribute = isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Constant)
        if attribute and node.attr in QUERY_METHODS:
            found.append(f"line {node.lineno}: .{node.attr}(")
        if isinstance(node, ast.Name) and node.id == "fn":
            found.append(f"line {node.lineno}: peewee's fn")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.upper()
            if any(word in text for word in SQL_WORDS) and (" FROM " in text or "INTO" in text):
                found.append(f"line {node.lineno}: SQL text")
    assert not found, f"{_id(path)} builds queries:\n" + "\n".join(found)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_id)
def test_no_view_is_longer_than_about_25_lines(path):
    tree = ast.parse(path.read_text())
    long = [
        f"{node.name} (line {node.lineno}): {_body_lines(node)} lines"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and _is_view(node)
        if _body_lines(node) > LONGEST_VIEW
    ]
    assert not long, f"{_id(path)}: views to split (queries or a service):\n" + "\n".join(long)


def test_the_check_sees_a_query_in_a_view(tmp_path):
    """The scan itself: a view that selects is caught (the test cannot pass by reading nothing)."""
    assert VIEW_MODULES and all(p.exists() for p in VIEW_MODULES)
    planted = tmp_path / "views.py"
    planted.write_text("def page():\n    return Case.select().where(Case.id == 1)\n")
    with pytest.raises(AssertionError, match=r"\.select\("):
        test_a_views_module_builds_no_query(planted.resolve())
