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
    actor: Actor, case: Case, source: str, mention: rules.Mention | None, *, new=False
) -> RecruiterLink | None:
    """Link a case's intake or visit (`source`) to the recruiter and agency it names: found by
    their identifiers, made when new, merged when it shows two to be one. Once per source: a
    second call for the same source changes nothing (`new`: the source was just stored, so it
    cannot be linked yet and that is not asked)."""
    if mention is None:
        return None
    with transaction():
        if not new and queries.link_of(case.id, source) is not None:
            return None
        agency = _agency(mention.agency, actor.at)
        found = rules.identifiers(mention)
        recruiter, made, merged = None, False, ()
        if mention.names_a_recruiter:
            recruiter, made, merged = _recruiter(actor, case, mention, found)
        elif agency is None:  # an agency's name that folds to nothing ("PT."): no one named
            return None
        link = RecruiterLink.create(
            case=case.id,
            recruiter=recruiter,
            agency=agency,
            source=source,
            name=mention.name,
            created_at=actor.at,
        )
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


def _agency(name: str | None, at) -> Agency | None:
    key = rules.fold_agency(name)
    if key is None:
        return None
    agency = queries.agency_by_key(key)
    if agency is None:
        # Another push may name the same new agency at the same moment: the first one stays.
        Agency.insert(name=name, key=key, created_at=at).on_conflict_ignore().execute()
        agency = queries.agency_by_key(key)
    return agency


def _recruiter(actor: Actor, case: Case, mention: rules.Mention, found: tuple):
    """The recruiter a mention is (made when new, from its identifiers `found`), whether it
    was made, and the ids merged into it."""
    holding = queries.holding(found)
    known = {identifier: person.id for identifier, person in holding.items()}
    plan = rules.plan_link(known)
    made = False
    if plan.recruiter is not None:
        recruiter = next(p for p in holding.values() if p.id == plan.recruiter)
    else:
        # Nothing ties it elsewhere; within its own case the same name is the same person.
        same = queries.recruiter_in_case_named(case.id, rules.fold_name(mention.name))
        if same is not None:
            recruiter = same
        else:
            recruiter = Recruiter.create(name=mention.name, created_at=actor.at)
            made = True
    for other in plan.merge:
        _merge(actor, recruiter, other)
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


@events.visit_stored.connect
def _link_a_visit(case: Case, actor: Actor, visit_uuid: str, interview: dict):
    source = visit_source(visit_uuid)  # the visit was just stored: its uuid is new
    link_mention(actor, case, source, rules.mention_from(interview), new=True)


@events.case_facts.connect
def _recruiter_facts(case: Case) -> dict:
    return rules.ties_facts(queries.ties_of_case(case.id))


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
