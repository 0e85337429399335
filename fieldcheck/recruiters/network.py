"""A recruiter's network as the page draws it: the nodes and edges of a RecruiterPage in the
reader's words, laid out by fieldcheck.domain.recruiters.network_drawing."""

from flask import url_for
from flask_babel import gettext as _

from fieldcheck import labels
from fieldcheck.domain import recruiters as rules
from fieldcheck.recruiters.queries import RecruiterPage

SHOWN_KINDS = (rules.PHONE, rules.HANDLE, rules.ACCOUNT)


def drawing(page: RecruiterPage, case_urls: dict[int, str]) -> rules.Drawing:
    """The page's recruiter, what identifies them, their agencies, the recruiters tied to them
    by a case or an agency, their cases (linked to `case_urls`, those the reader may open) and
    the repatriated victims' records that name them, and the offices of those."""
    states = labels.in_words(labels.STATES)
    me = f"r:{page.recruiter.id}"
    nodes = [
        rules.Node(
            "recruiter",
            me,
            page.recruiter.name or _("Recruiter %(id)d", id=page.recruiter.id),
            "self",
        )
    ]
    edges = []
    for identifier in page.identifiers:
        if identifier.kind in SHOWN_KINDS:
            key = f"i:{identifier.id}"
            nodes.append(rules.Node("identifier", key, identifier.value, identifier.kind))
            edges.append((key, me))
    for agency in page.agencies:
        key = f"a:{agency.id}"
        href = url_for("recruiters.agency", agency_id=agency.id)
        nodes.append(rules.Node("identifier", key, agency.name, "agency", href))
        edges.append((key, me))
    for other, cases, agencies in page.related:
        key = f"r:{other.id}"
        label = other.name or _("Recruiter %(id)d", id=other.id)
        href = url_for("recruiters.show", recruiter_id=other.id)
        nodes.append(rules.Node("recruiter", key, label, "related", href))
        edges += [(f"a:{a}", key) for a in agencies] + [(key, f"c:{c}") for c in cases]
    offices = {}
    for drawn, row in enumerate(page.rows):
        key = f"c:{row.case_id}"
        label = row.application_number if row.own else f"{states[row.state]} · {row.on}"
        # A case past the column's MAX_PER_COLUMN is in its "+ more" box: no link to make.
        href = case_urls.get(row.case_id) if drawn < rules.MAX_PER_COLUMN else None
        nodes.append(rules.Node("case", key, label, row.state, href))
        edges.append((me, key))
        offices.setdefault(row.office, f"o:{len(offices)}")
        edges.append((key, offices[row.office]))
    for victim in page.victims:  # a victim's record: what any reader may see, nothing more
        key = f"v:{victim.victim_id}"
        label = _("Victim · %(date)s", date=victim.returned_on)  # fits its box
        href = url_for("repatriation.show", record_id=victim.victim_id) if victim.openable else None
        nodes.append(rules.Node("case", key, label, "victim", href))
        edges.append((me, key))
        offices.setdefault(victim.office, f"o:{len(offices)}")
        edges.append((key, offices[victim.office]))
    nodes += [rules.Node("office", key, name, "office") for name, key in offices.items()]
    more = {column: _("+ %(n)s more", n="{n}") for column in rules.COLUMNS}
    return rules.network_drawing(nodes, edges, more=more)
