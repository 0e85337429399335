"""Page-or-fragment: the one helper every view that htmx may ask for a fragment renders with."""

from flask import render_template, request


def render(template: str, fragment: str | None = None, **context):
    """Render the whole page, or only its fragment when htmx asked for it."""
    if fragment and request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render_template(fragment, **context)
    return render_template(template, **context)
