"""axe-core, the pinned npm copy (bench/package.json, installed by `make install-test`), run in a
Playwright page with every rule axe enables by default plus `color-contrast-enhanced`: text
contrast at least 7:1 (4.5:1 for large text), WCAG AAA, for a phone read in bright sun.

The script is evaluated through the DevTools protocol, which the pages' Content Security Policy
does not govern, so the page is audited exactly as it is served.
"""

import json
from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "bench" / "node_modules" / "axe-core" / "axe.min.js"

# Every rule axe runs by default, and the AAA contrast rule it leaves off by default.
OPTIONS = {
    "rules": {"color-contrast-enhanced": {"enabled": True}},
    "resultTypes": ["violations"],
}


@cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        raise FileNotFoundError(
            f"{AXE_JS} is missing: run `make install-test` (it installs the pinned npm tools "
            "of bench/package.json)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def axe_version() -> str:
    return json.loads((AXE_JS.parent / "package.json").read_text())["version"]


def run_axe(page) -> list[dict]:
    """axe's violations on the page as it shows now (hidden elements are not audited)."""
    if not page.evaluate("typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async (options) => {
            const results = await window.axe.run(document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(" "),
                    html: n.html.slice(0, 200),
                    summary: n.failureSummary || "",
                })),
            }));
        }""",
        OPTIONS,
    )


def report(violations: list[dict], where: str = "") -> str:
    """One readable block per rule: its id, the failing elements and why each fails."""
    lines = []
    for violation in violations:
        lines.append(
            f"{where}{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} element(s)]"
        )
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}  {node['html']}")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)
