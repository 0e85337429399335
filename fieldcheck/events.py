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

# Sent by fieldcheck.cases.service.create_case when a new case's row is stored, before its
# findings and risk: `case_referred.send(case, actor=actor)`. The recruiter and agency intake
# named are linked here (fieldcheck.recruiters.service), so the first evaluation of the case's
# risk already knows what they are tied to.
case_referred = _signals.signal("case-referred")

# Sent by fieldcheck.sync_handlers before a push's field visits are stored, once for all of
# them: `visits_arriving.send(None, cases={case id: [interview, ...]}, cache={}, insert=...)`. A
# receiver may look up at once what it will read for each visit, and keep it in `cache` (a
# dict of the push's, passed again to visit_stored and case_facts; emptied when a rollback takes
# back what the push wrote, so it must hold nothing the database and the rows handed to
# `insert` do not). `insert(model, row)` writes a row with the push's others at its end
# (SyncEngine.insert), for rows nothing reads from the database before then.
visits_arriving = _signals.signal("visits-arriving")

# Sent by fieldcheck.sync_handlers when a field visit is stored (every visit, flagged ones
# too), inside the push's operation, before the case is evaluated again:
# `visit_stored.send(case, actor=actor, visit_uuid=..., interview={...}, cache={...})` with the
# clean interview (fieldcheck.domain.visits) and the push's cache (visits_arriving). The
# recruiters it names are linked here (fieldcheck.recruiters.service).
visit_stored = _signals.signal("visit-stored")

# Sent by fieldcheck.cases.service.facts_for when it gathers a saved case's risk-signal
# facts: `case_facts.send(case, cache=...)`, the cache a sync push keeps (visits_arriving) or
# None; each receiver returns a dict of facts (names of fieldcheck.domain.signals.FACTS) to add,
# so that a part of the app the intake desk does not import (the recruiters' links) can feed
# the signals.
case_facts = _signals.signal("case-facts")

# Sent by fieldcheck.repatriation.service.load_records inside the load's transaction, once the
# file's records are stored: `victims_loaded.send(batch, actor=actor)` with the
# RepatriationImport. The recruiters and agencies the records name are linked here
# (fieldcheck.recruiters.service), so that they join the network of the cases that name them.
victims_loaded = _signals.signal("victims-loaded")
