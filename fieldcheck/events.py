"""What happens to a case, announced to whoever must react (blinker signals, which Flask ships).

A service that must react to another's change subscribes here instead of being called by it,
so that services never import each other: the registry asks its questions when a case is
made, without the intake desk knowing the registry exists.
"""

from blinker import Namespace

_signals = Namespace()

# Sent by fieldcheck.cases.service.create_case inside the case's transaction, after its
# creation event: `case_created.send(case, actor=actor, source=...)`, the source "intake" (the
# form) or "import" (the passport system's CSV export). Receivers take **kwargs.
case_created = _signals.signal("case-created")
