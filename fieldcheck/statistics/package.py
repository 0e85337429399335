"""The statistics as a Frictionless Tabular Data Package: one CSV per table and the
`datapackage.json` that describes them (fields, types, units, licence, the period and the
privacy rule), zipped; or the same descriptor with each table's rows inline, as one JSON.

Pure: it takes published statistics (fieldcheck.domain.statistics) and region names and
returns bytes, so the partners' files can be checked without a server.
"""

import csv
import io
import json
import zipfile
from datetime import datetime

from fieldcheck.domain import repatriation_statistics as victims
from fieldcheck.domain import statistics as rules
from fieldcheck.domain.kanonymity import Release
from fieldcheck.domain.statistics import Published, PublishedStatistics

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
HTCDS = {
    "title": "Human Trafficking Case Data Standard (HTCDS) 2.0 by IOM, CC BY 4.0",
    "path": "https://github.com/UNMigration/HTCDS",
}
TOTAL_ROW = "TOTAL"  # the key of a table's last row when it holds the column totals

COUNT = {"type": "integer", "constraints": {"minimum": 0}, "unit": "cases"}


def _count(name: str, description: str, unit: str = "cases") -> dict:
    return {"name": name, **COUNT, "unit": unit, "description": description}


OFFICE = {
    "name": "office",
    "type": "string",
    "description": "The immigration office (Kantor Imigrasi) whose cases are counted: its code.",
}
PERIOD = [
    {"name": "period_start", "type": "date", "description": "First day counted (office's day)."},
    {"name": "period_end", "type": "date", "description": "Last day counted (office's day)."},
]

# Each table: its key fields (what a row is), then one count field per column.
TABLES = {
    "activity": {
        "title": "Cases referred, checked, verified, refused and returned, by period",
        "keys": [
            {
                "name": "period",
                "type": "string",
                "description": "First day of the month or ISO week (Monday), or TOTAL: the "
                "whole period.",
            }
        ],
        "columns": {
            "referred": "Cases referred for a field check.",
            "checked": "Cases whose first field visit reached the office.",
            "verified": "Cases a supervisor verified.",
            "refused": "Cases a supervisor refused.",
            "returned": "Field visits a supervisor returned to the officer for correction.",
        },
    },
    "regions": {
        "title": "Cases referred, by the applicant's regency and province",
        "keys": [
            {
                "name": "regency_code",
                "type": "string",
                "description": "Kemendagri code of the regency/city the applicant's NIK names "
                "(e.g. 32.04), 'unknown', or TOTAL.",
            },
            {"name": "regency", "type": "string", "description": "Its name."},
            {"name": "province_code", "type": "string", "description": "Its province's code."},
            {
                "name": "province",
                "type": "string",
                "description": "Its province's name (as HTCDS prs_MailingState, a province).",
            },
        ],
        "columns": {"cases": "Cases referred."},
    },
    "provinces": {
        "title": "Cases referred, by the applicant's province",
        "keys": [
            {
                "name": "province_code",
                "type": "string",
                "description": "Kemendagri code of the province the applicant's NIK names "
                "(its first two digits, e.g. 32), 'unknown', or TOTAL.",
            },
            {
                "name": "province",
                "type": "string",
                "description": "Its name (as HTCDS prs_MailingState, a province).",
            },
        ],
        "columns": {"cases": "Cases referred."},
    },
    "destinations": {
        "title": "Cases referred, by destination country and stated purpose",
        "keys": [
            {
                "name": "destination",
                "type": "string",
                "description": "Destination country, ISO 3166-1 alpha-2 (as HTCDS codes "
                "countries), or TOTAL.",
            }
        ],
        "columns": None,  # one per purpose, then total
    },
    "signals": {
        "title": "Risk signals fired on the cases referred, and how often a refusal followed",
        "keys": [
            {"name": "signal", "type": "string", "description": "The risk signal's id."},
            {"name": "signal_title", "type": "string", "description": "Its title (English)."},
        ],
        "columns": {
            "refused": "Cases it fired on that were refused.",
            "not_refused": "Cases it fired on that were not (yet) refused.",
        },
    },
    "teams": {
        "title": "Field visits stored, by district supervision team",
        "keys": [{"name": "team", "type": "string", "description": "The team, or TOTAL."}],
        "columns": {"visits": "Field visits (submissions) stored."},
        "unit": "visits",
    },
    "registry": {
        "title": "Civil registry (Dukcapil) answers, by kind of record and answer",
        "keys": [
            {"name": "kind", "type": "string", "description": "The kind of record, or TOTAL."}
        ],
        "columns": {
            "match": "The registry confirmed the record.",
            "mismatch": "The registry holds other values.",
            "not_found": "The registry has no such record.",
        },
        "unit": "answers",
    },
    "repatriation": {
        "title": "Repatriated victims' records received, traced to a field check, and reports "
        "flagged, by period of return",
        "keys": [
            {
                "name": "period",
                "type": "string",
                "description": "First day of the month or ISO week (Monday) of the return, or "
                "TOTAL: the whole period.",
            }
        ],
        "columns": {
            "received": "Records of victims repatriated, sent to the office that issued the "
            "passport.",
            "traced": "Of them, those whose passport followed a field check of the office.",
            "flagged": "Of them, those whose field check's report was flagged for review.",
        },
        "unit": "victims",
    },
    "repatriated_victims": {
        "title": "Repatriated victims: whether a field check preceded the passport, by "
        "destination, year of return, sex and age band (HTCDS names and codes)",
        "keys": [
            {
                "name": "hte_Country",
                "type": "string",
                "description": "HTCDS hte_Country: the destination country, ISO 3166-1 alpha-2, "
                "'unknown', or TOTAL.",
            },
            {"name": "year", "type": "string", "description": "Year of return."},
            {
                "name": "prs_Gender",
                "type": "string",
                "description": "HTCDS prs_Gender: Feminine, Masculine or NonSpecifiedUnknown "
                "(from the record, else the NIK).",
            },
            {
                "name": "age_band",
                "type": "string",
                "description": "Age at return in completed years, in the Counter-Trafficking "
                "Data Collaborative's bands (0-8, 9-17, 18-20, ..., 48+), or 'unknown'.",
            },
        ],
        "columns": {
            "field_check": "Victims whose passport followed a field check of the office.",
            "no_field_check": "Victims whose passport was issued without a field check.",
        },
        "unit": "victims",
    },
}

RECORDS = "repatriated_victims_records"
RECORD_FIELDS = [
    {
        "name": "office",
        "type": "string",
        "description": "The office that issued the passport, or * (generalised away).",
    },
    {
        "name": "hte_Country",
        "type": "string",
        "description": "HTCDS hte_Country: the destination, ISO 3166-1 alpha-2; generalised: its "
        "UN M49 sub-region (e.g. South-eastern Asia), or *.",
    },
    {
        "name": "year",
        "type": "string",
        "description": "Year of return; generalised: a five-year period (2026-2030), or *.",
    },
    {
        "name": "prs_Gender",
        "type": "string",
        "description": "HTCDS prs_Gender: Feminine, Masculine, NonSpecifiedUnknown, or *.",
    },
    {
        "name": "age_band",
        "type": "string",
        "description": "Age at return in CTDC bands; generalised: 0-17, 18-29, 30+, then 0-17 "
        "and 18+, or *.",
    },
    {
        "name": "field_check",
        "type": "boolean",
        "description": "Whether a field check of the office preceded the passport.",
    },
]


def privacy(k: int | None) -> dict:
    """The privacy rule a package states."""
    if k is None:
        return {"rule": "exact counts (not for sharing)"}
    return {
        "rule": "k-anonymity by suppression of small counts",
        "k": k,
        "suppressed_as": rules.suppressed_text(k),
        "primary": f"every count from 1 to {k - 1} is shown as {rules.suppressed_text(k)}; "
        "a zero is shown",
        "secondary": "further counts (the smallest non-zero one of the row or column, else its "
        "total) are suppressed until no row or column with a published total has exactly one "
        "suppressed count, so none can be recovered by subtraction from a total",
        "timeliness": f"median and 90th percentile withheld when fewer than {k} cases were decided",
    }


def rows_of(
    stats: PublishedStatistics, name: str, region_names: dict, signal_titles: dict
) -> list[dict]:
    """The rows of one table as the CSV writes them (a hidden count as "<k")."""
    table = stats.tables[name]
    base = {"office": stats.office, **_period(stats)}
    keys = list(table.rows) + ([rules.TOTAL] if table.column_total is not None else [])
    rows = []
    for row in keys:
        label = TOTAL_ROW if row == rules.TOTAL else row
        record = {**base, **_keys(name, label, region_names, signal_titles)}
        record.update({column: table.text(row, column) for column in table.columns})
        if table.row_total is not None:
            record["total" if name != "signals" else "fired"] = table.text(row, rules.TOTAL)
        rows.append(record)
    return rows


def _period(stats: PublishedStatistics) -> dict:
    return {
        "period_start": stats.filters.start.isoformat(),
        "period_end": stats.filters.end.isoformat(),
    }


def _keys(name: str, row: str, region_names: dict, signal_titles: dict) -> dict:
    if name == "activity":
        return {"period": row}
    if name == "regions":
        if row in (TOTAL_ROW, "unknown"):
            return {"regency_code": row, "regency": "", "province_code": "", "province": ""}
        return {
            "regency_code": row,
            "regency": region_names.get(row, ""),
            "province_code": row[:2],
            "province": region_names.get(row[:2], ""),
        }
    if name == "provinces":
        name_of = "" if row in (TOTAL_ROW, "unknown") else region_names.get(row, "")
        return {"province_code": row, "province": name_of}
    if name == "repatriated_victims":
        if row == TOTAL_ROW:
            return dict.fromkeys(victims.KEY_FIELDS, "") | {"hte_Country": TOTAL_ROW}
        return dict(zip(victims.KEY_FIELDS, row.split(victims.SEPARATOR), strict=True))
    if name == "signals":
        return {"signal": row, "signal_title": signal_titles.get(row, "")}
    return {TABLES[name]["keys"][0]["name"]: row}


def schema_of(name: str, table: Published, k: int | None) -> dict:
    """The Table Schema of one table's CSV."""
    spec = TABLES[name]
    unit = spec.get("unit", "cases")
    columns = spec["columns"] or {c: f"Cases whose stated purpose is {c}." for c in table.columns}
    fields = [OFFICE, *PERIOD, *spec["keys"]]
    fields += [_count(column, columns.get(column, column), unit) for column in table.columns]
    if table.row_total is not None:
        if name == "signals":
            fields.append(_count("fired", "Cases the signal fired on.", unit))
        else:
            fields.append(_count("total", "The row's total.", unit))
    return {"fields": fields, "missingValues": missing_values(k)}


def missing_values(k: int | None) -> list[str]:
    """What a hidden entry shows in the files (Table Schema's missingValues)."""
    return [""] if k is None else ["", rules.suppressed_text(k), rules.COMPLEMENTARY]


TIMELINESS_SCHEMA = {
    "fields": [
        OFFICE,
        *PERIOD,
        _count("decided", "Cases decided in the period."),
        {
            "name": "median_days_to_decision",
            "type": "number",
            "unit": "days",
            "description": "Median time from referral to the first decision.",
        },
        {
            "name": "p90_days_to_decision",
            "type": "number",
            "unit": "days",
            "description": "90th percentile (nearest rank) of that time.",
        },
        _count("open_overdue", "Open cases past their due date on the office's last day."),
    ]
}


def timeliness_rows(stats: PublishedStatistics) -> list[dict]:
    t = stats.timeliness
    small = rules.suppressed_text(stats.k or rules.K_ANONYMITY)

    def show(value, marker=small):
        return marker if value is None else value

    return [
        {
            "office": stats.office,
            **_period(stats),
            "decided": show(t.decided),
            "median_days_to_decision": show(t.median_days, rules.COMPLEMENTARY),
            "p90_days_to_decision": show(t.p90_days, rules.COMPLEMENTARY),
            "open_overdue": show(t.open_overdue),
        }
    ]


def records_privacy(release: Release, k: int) -> dict:
    """What the record release states of its k-anonymity."""
    return {
        "rule": "k-anonymity of the records by generalisation and suppression (Datafly)",
        "k": k,
        "quasi_identifiers": [f["name"] for f in RECORD_FIELDS[:-1]],
        "levels": release.levels,
        "suppressed_records": release.suppressed,
        "guarantee": f"every combination of the quasi-identifiers occurs in at least {k} records",
    }


def _resource(name: str, title: str, schema: dict, inline: dict | None) -> dict:
    resource = {"name": name, "title": title, "profile": "tabular-data-resource"}
    if inline is None:
        resource.update(path=f"data/{name}.csv", format="csv", mediatype="text/csv")
        resource["encoding"] = "utf-8"
    else:
        resource["data"] = inline[name]
    resource["schema"] = schema
    return resource


def descriptor(
    stats: list[PublishedStatistics],
    created: datetime,
    inline: dict | None = None,
    release: Release | None = None,
) -> dict:
    """The datapackage.json of these offices' statistics (and `release`, the repatriated
    victims' k-anonymous records); `inline`: each resource's rows, put in the descriptor itself
    (the JSON export) instead of beside it as CSV."""
    first = stats[0]
    k = first.k
    resources = []
    for name in [*TABLES, "timeliness"]:
        if name == "timeliness":
            schema, title = dict(TIMELINESS_SCHEMA), "Time from referral to decision; overdue"
        else:
            schema, title = schema_of(name, first.tables[name], k), TABLES[name]["title"]
        schema["missingValues"] = missing_values(k)
        resources.append(_resource(name, title, schema, inline))
    filters = first.filters
    extra = {}
    if release is not None:
        title = (
            "Repatriated victims as records, k-anonymous: office, destination, year, sex and "
            "age band generalised or the record left out until each combination holds at least "
            f"{k} records"
        )
        schema = {"fields": RECORD_FIELDS, "missingValues": [""]}
        resources.append(_resource(RECORDS, title, schema, inline))
        extra = {"records_privacy": records_privacy(release, k)}
    return {
        "profile": "tabular-data-package",
        "name": "fieldcheck-statistics",
        "title": "FieldCheck statistics: field checks of passport applications",
        "description": "Counts of the field checks of doubtful passport applications by "
        "Indonesian immigration offices, without names or identity numbers.",
        "created": created.isoformat(timespec="seconds"),
        "licenses": [LICENCE],
        "sources": [HTCDS],
        "temporal": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "fieldcheck": {
            "offices": [s.office for s in stats],
            "filters": filters.as_args(),
            "privacy": privacy(k),
            **extra,
        },
        "resources": resources,
    }


def record_rows(release: Release) -> list[dict]:
    """The released records as the CSV writes them."""
    names = [f["name"] for f in RECORD_FIELDS]
    return [dict(zip(names, record, strict=True)) for record in release.records]


def all_rows(stats: list[PublishedStatistics], region_names, signal_titles, release=None) -> dict:
    """Each resource's rows, every office's in turn."""
    rows = {name: [] for name in [*TABLES, "timeliness"]}
    for office in stats:
        for name in TABLES:
            rows[name] += rows_of(office, name, region_names, signal_titles)
        rows["timeliness"] += timeliness_rows(office)
    if release is not None:
        rows[RECORDS] = record_rows(release)
    return rows


def as_json(stats, created, region_names, signal_titles, release=None) -> bytes:
    """The data package with its rows inline, as one JSON document (the records as arrays, their
    header first: an empty release is still a table with its header)."""
    inline = all_rows(stats, region_names, signal_titles, release)
    if release is not None:
        names = [f["name"] for f in RECORD_FIELDS]
        inline[RECORDS] = [names, *(list(r) for r in release.records)]
    package = descriptor(stats, created, inline, release)
    return json.dumps(package, ensure_ascii=False, indent=1).encode()


def as_zip(stats, created, region_names, signal_titles, release=None) -> bytes:
    """datapackage.json and data/<table>.csv, zipped."""
    package = descriptor(stats, created, release=release)
    rows = all_rows(stats, region_names, signal_titles, release)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=1))
        for resource in package["resources"]:
            names = [f["name"] for f in resource["schema"]["fields"]]
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=names, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows[resource["name"]])
            archive.writestr(resource["path"], text.getvalue())
    return out.getvalue()
