"""One vocabulary of audit actions: every action is a `noun.verb` constant of fieldcheck.audit,
each named once, and no code records an action written out as a string."""

import ast
import re
from pathlib import Path

from fieldcheck import audit

APP = Path(__file__).resolve().parents[2] / "fieldcheck"
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")
RECORDERS = {"record", "audit_event", "record_list_read"}


def _actions() -> dict[str, str]:
    """The `noun.verb` constants audit.py itself assigns (not the names it imports)."""
    tree = ast.parse((APP / "audit.py").read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return {
        name: value
        for name, value in vars(audit).items()
        if name in assigned and name.isupper() and isinstance(value, str) and ACTION.match(value)
    }


def test_each_action_is_a_noun_verb_constant_named_once():
    actions = _actions()
    assert len(actions) > 40
    assert len(set(actions.values())) == len(actions), "two constants name the same action"


def test_no_action_is_recorded_as_a_string_written_in_place():
    written_out = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in RECORDERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    written_out.append(f"{path.relative_to(APP)}:{node.lineno} {first.value}")
    assert written_out == []


def test_no_module_but_audit_defines_an_action():
    elsewhere = []
    actions = set(_actions().values())
    for path in APP.rglob("*.py"):
        if path.name == "audit.py" and path.parent == APP:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value in actions
            ):
                elsewhere.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert elsewhere == []
