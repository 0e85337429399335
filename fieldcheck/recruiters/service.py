"""Linking the recruiters and agencies a case names: each one function, audited.

A case's intake (when it is made, by hand or by the CSV import: events.case_referred) and each
of its visits (when the push stores it: events.visit_stored) name at most one recruiter and
one agency. fieldcheck.domain.recruiters says which identifiers a mention has; here they find
the recruiter that already holds them, or make one, and two recruiters they show to be one are
merged. The links feed the case's risk signals through events.case_facts.
"""

import itertools

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    AGENCY_READ,
    RECRUITER_LINK,
    RECRUITER_LINK_VICTIMS,
    RECRUITER_MERGE,
    RECRUITER_READ,
)
from fieldcheck.db import database, transaction
from fieldcheck.domain import case_states
from fieldcheck.domain import recruiters as rules
from fieldcheck.models import (
    Agency,
    Case,
    Recruiter,
    RecruiterIdentifier,
    RecruiterLink,
    RecruiterVictimLink,
)
from fieldcheck.recruiters import queries

INTAKE = "intake"


def visit_source(uuid: str) -> str:
    return f"visit:{uuid}"


def link_mention(
    actor: Actor,
    case: Case,
    source: str,
    mention: rules.Mention | None,
    *,
    new=False,
    batch: "Batch | None" = None,
) -> RecruiterLink | None:
    """Link a case's intake or visit (`source`) to the recruiter and agency it names: found by
    their identifiers, made when new, merged when it shows two to be one. Once per source: a
    second call for the same source changes nothing (`new`: the source was just stored, so it
    cannot be linked yet and that is not asked). `batch`: what a batch of mentions looked up
    for all of them (Batch), kept up to date with the link."""
    if mention is None:
        return None
    with transaction():
        if not new and queries.link_of(case.id, source) is not None:
            return None
        agency = _agency(mention.agency, actor.at, batch)
        found = rules.identifiers(mention)
        recruiter, made, merged = None, False, ()
        if mention.names_a_recruiter:
            recruiter, made, merged = _recruiter(actor, case, mention, found, batch)
        elif agency is None:  # an agency's name that folds to nothing ("PT."): no one named
            return None
        row = dict(
            case=case.id,
            recruiter=recruiter.id if recruiter else None,
            agency=agency.id if agency else None,
            source=source,
            name=mention.name,
            created_at=actor.at,
        )
        link = batch.link(case, row) if batch is not None else RecruiterLink.create(**row)
        subject = ("recruiter", recruiter.id) if recruiter else ("agency", agency.id)
        actor.record(
            RECRUITER_LINK,
            subject,
            {
                "case": case.id,
                "source": source,
                "new": made,
                "agency": agency.id if agency else None,
                "identifiers": sorted({i.kind for i in found}),
                "merged": list(merged),
            },
        )
    return link


def _agency(name: str | None, at, batch: "Batch | None") -> Agency | None:
    key = rules.fold_agency(name)
    if key is None:
        return None
    agency = batch.agencies.get(key) if batch is not None else None
    if agency is None:
        agency = queries.agency_by_key(key)
    if agency is None:
        # Another push may name the same new agency at the same moment: the first one stays.
        Agency.insert(name=name, key=key, created_at=at).on_conflict_ignore().execute()
        agency = queries.agency_by_key(key)
    if batch is not None:
        batch.agencies[key] = agency
    return agency


def _recruiter(actor: Actor, case: Case, mention: rules.Mention, found: tuple, batch):
    """The recruiter a mention is (made when new, from its identifiers `found`), whether it
    was made, and the ids merged into it."""
    holding = batch.holding_of(found) if batch is not None else queries.holding(found)
    known = {identifier: person.id for identifier, person in holding.items()}
    plan = rules.plan_link(known)
    made = False
    if plan.recruiter is not None:
        recruiter = next(p for p in holding.values() if p.id == plan.recruiter)
    else:
        # Nothing ties it elsewhere; within its own case the same name is the same person.
        folded = rules.fold_name(mention.name)
        if batch is not None:
            same = batch.recruiter_in_case_named(case.id, folded)
        else:
            same = queries.recruiter_in_case_named(case.id, folded)
        if same is not None:
            recruiter = same
        else:
            recruiter = Recruiter.create(name=mention.name, created_at=actor.at)
            made = True
            if batch is not None:
                batch.made(recruiter)
    for other in plan.merge:
        _merge(actor, recruiter, other)
        if batch is not None:
            batch.merged(recruiter.id, other)
    written = _written(mention)
    for identifier in found:
        if identifier not in known:
            # A push linking the same new identifier at the same moment keeps it: the next
            # mention naming both merges the two recruiters.
            RecruiterIdentifier.insert(
                recruiter=recruiter.id,
                kind=identifier.kind,
                value=identifier.value,
                written=(written[identifier.kind] or identifier.value)[:420],
                created_at=actor.at,
            ).on_conflict_ignore().execute()
            if batch is not None:
                batch.holding[identifier] = recruiter
    if not recruiter.name and mention.name:
        recruiter.name = mention.name
        recruiter.save(only=[Recruiter.name])
    return recruiter, made, plan.merge


def _merge(actor: Actor, into: Recruiter, other_id: int):
    """Recruiter `other_id` is `into`: its identifiers and links move, it keeps a pointer."""
    RecruiterIdentifier.update(recruiter=into.id).where(
        RecruiterIdentifier.recruiter == other_id
    ).execute()
    RecruiterLink.update(recruiter=into.id).where(RecruiterLink.recruiter == other_id).execute()
    RecruiterVictimLink.update(recruiter=into.id).where(
        RecruiterVictimLink.recruiter == other_id
    ).execute()
    Recruiter.update(merged_into=into.id).where(Recruiter.id == other_id).execute()
    Recruiter.update(merged_into=into.id).where(Recruiter.merged_into == other_id).execute()
    actor.record(RECRUITER_MERGE, ("recruiter", into.id), {"merged": other_id})


def intake_mention(case: Case) -> rules.Mention | None:
    """The recruiter intake recorded on a case."""
    return rules.mention_from({name: getattr(case, name) for name in rules.ANSWERS})


@events.case_referred.connect
def _link_a_new_case(case: Case, actor: Actor):
    """What intake named, linked before the new case's risk is first evaluated."""
    link_mention(actor, case, INTAKE, intake_mention(case), new=True)


class Batch:
    """What linking the visits of a batch (a sync push) looks up, once for all of them: the
    recruiters holding the identifiers they name, the agencies, the recruiters their cases name
    already and the cases those recruiters are linked to. Linking keeps it up to date, so that
    neither a link nor a case's ties (its risk facts) asks the database again; the links are
    handed to `insert` (SyncEngine.insert: written with the push's other rows at its end).

    A recruiter's links to the batch's own cases are kept case by case; their other cases are
    counted by the database (by office and refusal: a recruiter named in thousands of cases is
    a few rows), and read case by case only for a case naming two recruiters, whose cases may
    overlap, and after a merge.

    It holds what the database holds with what was handed to `insert`, no more: when a rollback
    takes back what the batch wrote (and the engine drops what it was handed), the batch must
    be dropped (the sync handlers drop it with the rest of what a push looked up), and linking
    goes on without one.
    """

    def __init__(self, cases: dict[int, list[rules.Mention]], insert):
        self.insert = insert
        self.cases = list(cases)  # the batch's case ids
        mentions = [m for named in cases.values() for m in named]
        self.asked = {i for m in mentions for i in rules.identifiers(m)}
        self.holding = queries.holding(self.asked)  # identifier -> Recruiter
        keys = {rules.fold_agency(m.agency) for m in mentions} - {None}
        self.agencies = queries.agencies_by_keys(keys)  # folded name -> Agency
        # case id -> [(name as written, recruiter id)] of the case's links to a recruiter;
        # recruiter id -> case id -> rules.LinkedCase: their links to the batch's cases
        self.names, self.own = queries.recruiters_of_cases(cases)
        recruiters = {p.id for p in self.holding.values()}
        recruiters.update(r for named in self.names.values() for _, r in named)
        # Their links to other cases: counted (recruiter id -> LinkedCase -> how many), or,
        # once read case by case, recruiter id -> case id -> LinkedCase.
        self.summed = queries.cases_of_recruiters_summed(recruiters, besides=self.cases)
        self.others = {}
        # recruiter id -> victim id -> the case its record matched: victims' records naming them
        self.victims = queries.victims_of_recruiters(recruiters)
        self.held = []  # the link rows handed to `insert`, not written yet

    def holding_of(self, found) -> dict:
        """The recruiters holding some of these identifiers (as queries.holding)."""
        unasked = set(found) - self.asked
        if unasked:
            self.holding.update(queries.holding(unasked))
            self.asked |= unasked
        return {i: self.holding[i] for i in found if i in self.holding}

    def recruiter_in_case_named(self, case_id: int, folded: str | None) -> Recruiter | None:
        """As queries.recruiter_in_case_named, with the batch's own links."""
        if case_id not in self.names:
            return queries.recruiter_in_case_named(case_id, folded)
        for name, recruiter_id in self.names[case_id]:
            if folded and rules.fold_name(name) == folded:
                return Recruiter.get_by_id(recruiter_id)
        return None

    def _known(self, recruiter_id: int):
        """Look up a recruiter the batch was not given (found by an identifier asked later)."""
        if recruiter_id not in self.summed and recruiter_id not in self.others:
            self.summed.update(
                queries.cases_of_recruiters_summed([recruiter_id], besides=self.cases)
            )
        self.own.setdefault(recruiter_id, {})

    def _others_of(self, recruiter_id: int) -> dict:
        """The recruiter's cases outside the batch, case by case (read now if only counted)."""
        self._known(recruiter_id)
        if recruiter_id in self.summed:
            del self.summed[recruiter_id]
            self.others.update(queries.cases_of_recruiters([recruiter_id], besides=self.cases))
        return self.others[recruiter_id]

    def _victims_of(self, recruiter_id: int) -> dict:
        if recruiter_id not in self.victims:
            self.victims.update(queries.victims_of_recruiters([recruiter_id]))
        return self.victims[recruiter_id]

    def made(self, recruiter: Recruiter):
        """A new recruiter: linked to nothing yet."""
        self.own[recruiter.id], self.summed[recruiter.id] = {}, {}
        self.victims[recruiter.id] = {}

    def link(self, case: Case, row: dict) -> RecruiterLink:
        """Hand a link's row to `insert` (written at once for a case the batch was not given:
        its ties are read from the database); the link as it will be stored."""
        if case.id in self.names:
            self.insert(RecruiterLink, row)
            self.held.append(row)
        else:
            RecruiterLink.insert(row).execute()
        recruiter_id = row["recruiter"]
        if recruiter_id is not None:
            linked = rules.LinkedCase(case.office_id, case.state == case_states.REFUSED)
            self._known(recruiter_id)
            if case.id in self.names:
                self.own[recruiter_id][case.id] = linked
                self.names[case.id].append((row["name"], recruiter_id))
            else:
                self._others_of(recruiter_id)[case.id] = linked
        return RecruiterLink(**row)

    def merged(self, into: int, other: int):
        """Recruiter `other` was merged into `into` (_merge, which moved its stored links): so
        are the links held, and `into`'s other cases are read again, `other`'s with them."""
        for row in self.held:  # written as they are when the push ends (SyncEngine.insert)
            if row["recruiter"] == other:
                row["recruiter"] = into
        self.own.setdefault(into, {}).update(self.own.pop(other, {}))
        for held in (self.summed, self.others):
            held.pop(into, None)
            held.pop(other, None)
        self.others.update(queries.cases_of_recruiters([into], besides=self.cases))
        self._victims_of(into).update(self._victims_of(other))
        del self.victims[other]
        for case_id, named in self.names.items():
            self.names[case_id] = [(n, into if r == other else r) for n, r in named]
        for identifier, person in self.holding.items():
            if person.id == other:
                self.holding[identifier] = Recruiter(id=into, name=person.name)

    def ties(self, case_id: int) -> rules.Ties | None:
        """The case's ties, or None for a case the batch was not given."""
        if case_id not in self.names:
            return None
        recruiters = {r for _, r in self.names[case_id]}
        for recruiter_id in recruiters:
            self._known(recruiter_id)
        victims = [self._victims_of(r) for r in recruiters]
        own = [self.own[r] for r in recruiters]
        if len(recruiters) == 1 and (only := next(iter(recruiters))) in self.summed:
            return rules.tally_ties(case_id, own, victims, summed=self.summed[only])
        # Two recruiters may share cases: their other cases are counted case by case.
        return rules.tally_ties(case_id, own + [self._others_of(r) for r in recruiters], victims)


_BATCH = "recruiters"  # the Batch's key in a batch's cache (events' `cache` argument)


@events.visits_arriving.connect
def _look_up_for_a_batch(_sender, cases: dict, cache: dict, insert):
    """Before a push's visits are stored: what linking them will read, read for all at once."""
    mentions = {
        case_id: [m for m in map(rules.mention_from, interviews) if m is not None]
        for case_id, interviews in cases.items()
    }
    cache[_BATCH] = Batch(mentions, insert)


@events.visit_stored.connect
def _link_a_visit(case: Case, actor: Actor, visit_uuid: str, interview: dict, cache=None):
    source = visit_source(visit_uuid)  # the visit was just stored: its uuid is new
    batch = cache.get(_BATCH) if cache is not None else None
    link_mention(actor, case, source, rules.mention_from(interview), new=True, batch=batch)


@events.case_facts.connect
def _recruiter_facts(case: Case, cache=None) -> dict:
    batch = cache.get(_BATCH) if cache is not None else None
    ties = batch.ties(case.id) if batch is not None else None
    return rules.ties_facts(ties if ties is not None else queries.ties_of_case(case.id))


def victim_source(victim_id: int) -> str:
    """How a victim's record is named as the source of a mention (in audit events)."""
    return f"repatriation:{victim_id}"


def link_victims(actor: Actor, mentions: list[tuple[int, rules.Mention]], subject) -> int:
    """Link repatriated victims' records (victim id, the mention its recruiter columns make) to
    the recruiters and agencies they name, as a case's intake is linked (the same identifiers,
    a name alone linking nothing: such a record links its agency only, if it names one), in the
    caller's transaction; how many links were made. Audited once, under `subject` (the file;
    None: a run of the command).

    A file may name the same recruiter in thousands of records: the recruiters holding their
    identifiers and the agencies are read (and new agencies made) in a few statements first,
    then followed here as links are made; new identifiers and the links are written in bulk."""
    if not mentions:
        return 0
    found = {victim: rules.identifiers(mention) for victim, mention in mentions}
    wanted = {i for ids in found.values() for i in ids}
    known = {i: person.id for i, person in queries.holding_many(wanted).items()}
    agencies = _agencies([mention.agency for _, mention in mentions], actor.at)
    made, merged, rows, new_identifiers = [], {}, [], []
    for victim, mention in mentions:
        agency, recruiter_id = agencies.get(rules.fold_agency(mention.agency)), None
        # Unlike a case's, a record naming the recruiter by a name alone makes no recruiter:
        # nothing could ever find them again (a name alone links no one), no case shows them.
        if found[victim]:
            plan = rules.plan_link({i: known[i] for i in found[victim] if i in known})
            recruiter_id = plan.recruiter
            if recruiter_id is None:
                recruiter_id = Recruiter.create(name=mention.name, created_at=actor.at).id
                made.append(recruiter_id)
            for other in plan.merge:
                _merge(actor, Recruiter(id=recruiter_id), other)
                merged[other] = recruiter_id
                known = {i: recruiter_id if r == other else r for i, r in known.items()}
            written = _written(mention)
            for identifier in found[victim]:
                if identifier not in known:
                    known[identifier] = recruiter_id
                    new_identifiers.append(
                        {
                            "recruiter": recruiter_id,
                            "kind": identifier.kind,
                            "value": identifier.value,
                            "written": (written[identifier.kind] or identifier.value)[:420],
                            "created_at": actor.at,
                        }
                    )
        elif agency is None:
            continue
        rows.append(
            {
                "victim": victim,
                "recruiter": recruiter_id,
                "agency": agency.id if agency else None,
                "name": mention.name,
                "created_at": actor.at,
            }
        )
    for row in (*rows, *new_identifiers):  # one merged after its row was made: where it went
        while row["recruiter"] in merged:
            row["recruiter"] = merged[row["recruiter"]]
    for table, written_rows in (
        (RecruiterIdentifier, new_identifiers),
        (RecruiterVictimLink, rows),
    ):
        for start in range(0, len(written_rows), BATCH):
            # A push linking the same new identifier at the same moment keeps it (as for a case).
            table.insert_many(written_rows[start : start + BATCH]).on_conflict_ignore().execute()
    actor.record(
        RECRUITER_LINK_VICTIMS,
        subject,
        {
            "links": {str(row["victim"]): [row["recruiter"], row["agency"]] for row in rows},
            "new": made,
            "merged": sorted(merged),
        },
    )
    return len(rows)


def _written(mention: rules.Mention) -> dict:
    """How a mention wrote each kind of identifier (kept beside the normalised value)."""
    return {
        rules.PHONE: mention.phone,
        rules.HANDLE: mention.handle,
        rules.ACCOUNT: mention.account,
        rules.NAME_AGENCY: f"{mention.name} | {mention.agency}",
    }


def _agencies(names, at) -> dict[str, Agency]:
    """The agencies these names are (folded name -> agency), the new ones made: a few
    statements for a whole file."""
    first = {}
    for name in names:
        key = rules.fold_agency(name)
        if key is not None:
            first.setdefault(key, name)
    found = queries.agencies_by_keys(first)
    missing = [{"name": first[k], "key": k, "created_at": at} for k in first if k not in found]
    for start in range(0, len(missing), BATCH):
        Agency.insert_many(missing[start : start + BATCH]).on_conflict_ignore().execute()
    if missing:
        found.update(queries.agencies_by_keys([row["key"] for row in missing]))
    return found


@events.victims_loaded.connect
def _link_a_file(batch, actor: Actor):
    """A file of repatriated victims' records was stored: the recruiters they name join the
    network, in the load's transaction."""
    mentions = [
        (record["id"], mention)
        for record in queries.victims_naming_a_recruiter(batch=batch.id)
        if (mention := rules.mention_from(record)) is not None
    ]
    link_victims(actor, mentions, ("repatriation_import", batch.id))


BATCH = 500  # mentions linked a transaction by link_all


def link_all(actor: Actor) -> int:
    """Link every case's intake and visit, and every repatriated victim's record, not linked
    yet (after the upgrade that brought recruiters, for what was recorded before it), BATCH a
    transaction; how many links were made. Risks are left as they are: they change when the
    case next learns something."""
    mentions = itertools.chain(
        ((case, INTAKE, intake_mention(case)) for case in queries.cases_naming_a_recruiter()),
        (
            (case, visit_source(uuid), rules.mention_from(interview))
            for case, uuid, interview in queries.visits_with_interviews()
        ),
    )
    made = 0
    while batch := list(itertools.islice(mentions, BATCH)):
        with database.atomic():
            for case, source, mention in batch:
                made += link_mention(actor, case, source, mention) is not None
    victims = (
        (record["id"], mention)
        for record in queries.victims_naming_a_recruiter(unlinked=True)
        if (mention := rules.mention_from(record)) is not None
    )
    while batch := list(itertools.islice(victims, BATCH)):
        with database.atomic():
            made += link_victims(actor, batch, None)
    return made


def record_read(actor: Actor, subject: tuple, rows, victims=()) -> None:
    """A recruiter's or an agency's page read: which cases it showed, and of those the ones
    whose applicant it named (the reader's own office's), and which repatriated victims'
    records (as office and date). One INSERT, atomic on its own."""
    action = RECRUITER_READ if subject[0] == "recruiter" else AGENCY_READ
    details = {
        "cases": [row.case_id for row in rows],
        "applicants_shown": [row.case_id for row in rows if row.own],
    }
    if victims:
        details["victims"] = [victim.victim_id for victim in victims]
    actor.record(action, subject, details)
