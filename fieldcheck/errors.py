"""One catalogue of what FieldCheck tells people, by stable code, in their language.

The domain and the sync engine speak in codes with parameters; pages, fragments and the API
turn them into words here. The API sends `{"error": {"code": ..., "message": ...}}`.
"""

import json
from datetime import date

from flask import jsonify
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

MESSAGES = {
    # Identity numbers (fieldcheck.domain.identity).
    "nik_not_digits": _l("The NIK may hold only digits."),
    "nik_length": _l("The NIK has %(length)s digits; it must have 16."),
    "nik_province": _l("The NIK begins with %(province)s, which is not a province code."),
    "nik_birth_date": _l("The NIK's date of birth (day %(day)s, month %(month)s) is not a date."),
    "nik_future_birth": _l("The NIK's date of birth, %(birth_date)s, is after %(on)s."),
    "nik_implausible_age": _l(
        "The NIK's date of birth, %(birth_date)s, would make the applicant %(age)s years old."
    ),
    "nik_serial_zero": _l("The NIK's last four digits cannot be 0000."),
    "nik_unknown_district": _l(
        "The NIK's district %(district)s is not in the region table "
        "(regions split over time): check it."
    ),
    "kk_not_digits": _l("The family-card number may hold only digits."),
    "kk_length": _l("The family-card number has %(length)s digits; it must have 16."),
    "kk_province": _l(
        "The family-card number begins with %(province)s, which is not a province code."
    ),
    "kk_issue_date": _l(
        "The family card's issue date (day %(day)s, month %(month)s) is not a date."
    ),
    "kk_future_issue": _l("The family card's issue date, %(issue_date)s, is after %(on)s."),
    "kk_serial_zero": _l("The family-card number's last four digits cannot be 0000."),
    "kk_unknown_district": _l(
        "The family card's district %(district)s is not in the region table: check it."
    ),
    "phone_empty": _l("Enter a phone number."),
    "phone_characters": _l("A phone number may hold only digits, a leading +, spaces and dashes."),
    "phone_prefix": _l(
        "Write an Indonesian number starting with 0, 62 or +62, or a foreign "
        "one with + and its country code."
    ),
    "phone_length": _l(
        "An Indonesian number has 9 to 13 digits after the leading 0; this one has %(digits)s."
    ),
    "phone_foreign_length": _l(
        "An international number has 8 to 15 digits; this one has %(digits)s."
    ),
    # Findings the identity numbers raise.
    "nik_sex_mismatch": _l("The NIK says %(nik_sex)s; the application says %(stated_sex)s."),
    "nik_birth_date_mismatch": _l(
        "The NIK gives the birth date %(nik_birth_date)s; the "
        "application says %(stated_birth_date)s."
    ),
    "nik_outside_office_area": _l(
        "The NIK was issued in district %(district)s, outside this office's area."
    ),
    "minor_unmarried": _l(
        "The applicant is %(age)s years old and not married: both parents must consent."
    ),
    # Fields of what a phone sends (fieldcheck.domain.visits), shown in "needs attention".
    "required": _l("This is required."),
    "not_an_object": _l("This part of the form is missing or damaged."),
    "not_a_boolean": _l("Answer yes or no."),
    "not_a_number": _l("Enter a number."),
    "not_an_integer": _l("Enter a whole number."),
    "not_text": _l("Enter text."),
    "too_long": _l("This is too long (at most %(max)s characters)."),
    "not_a_date": _l("Enter a date."),
    "not_a_datetime": _l("Enter a date and time."),
    "in_the_future": _l("This is in the future: check the phone's clock."),
    "out_of_range": _l("This value is out of range."),
    "unknown_code": _l("Choose one of the options."),
    "not_a_uuid": _l("The record's identifier is damaged."),
    "not_a_list": _l("This list is damaged."),
    "too_many": _l("Too many entries (at most %(max)s)."),
    "duplicate": _l("This entry is there twice."),
    "phone_invalid": _l("This phone number cannot be read."),
    "not_a_sha256": _l("The photo reference is damaged: take the photo again."),
    "unexpected_field": _l("The form sent something the server does not know: update the app."),
    "case_not_found": _l("This case is not (or no longer) your team's."),
    "record_exists": _l("This record was already stored."),
    "amends_unknown": _l("The submission this corrects is not known."),
    "mismatch": _l("This differs from the submission it corrects."),
    # Why the server turned down one operation of a push (the sync engine's, its envelope
    # check's and the handlers' codes; fieldcheck.api.sync puts these words in each result).
    "invalid": _l("Some fields need mending."),
    "record_id_missing": _l("The record's identifier is missing: update the app."),
    "unknown_type": _l("The server does not know this kind of operation: update the app."),
    "op_id_reused": _l(
        "This operation's identifier was already used for other content; the first one stays."
    ),
    "operation_invalid": _l("This operation cannot be read: update the app."),
    "op_id_invalid": _l("The operation's identifier (op_id) must be a UUID."),
    "type_missing": _l("The operation does not say what it is (type)."),
    "record_id_invalid": _l("The record's identifier (record_id) must be a UUID."),
    "base_version_invalid": _l("The case version (base_version) must be a whole number."),
    "payload_invalid": _l("The operation's content (payload) must be an object."),
    # The family tree held against the family card (fieldcheck.domain.family).
    "family_member_not_on_card": _l(
        "%(name)s, recorded as the applicant's %(relation)s, is not on the family card."
    ),
    "family_card_member_not_recorded": _l(
        "%(name)s is on the family card but was not recorded at the visit."
    ),
    "family_relationship_differs": _l("%(name)s: the relationship differs from the family card."),
    "family_birth_date_differs": _l("%(name)s: the birth date differs from the family card."),
    # Registry answers.
    "registry_nik_identity_mismatch": _l(
        "The registry's record of the applicant's NIK differs: %(registry_value)s."
    ),
    "registry_nik_identity_not_found": _l("The registry does not know the applicant's NIK."),
    "registry_kk_membership_mismatch": _l(
        "The family card differs from what was stated: %(registry_value)s."
    ),
    "registry_kk_membership_not_found": _l("The registry does not know this family card."),
    "registry_birth_certificate_mismatch": _l("The birth certificate differs: %(registry_value)s."),
    "registry_birth_certificate_not_found": _l("The registry has no such birth certificate."),
    "registry_member_identity_mismatch": _l(
        "%(name)s: the registry's record differs: %(registry_value)s."
    ),
    "registry_member_identity_not_found": _l("%(name)s: the registry does not know this NIK."),
    # Passwords (fieldcheck.domain.passwords): each names the rule broken.
    "password_too_short": _l("At least %(min)s characters."),
    "password_too_long": _l("At most %(max)s characters."),
    "password_common": _l(
        "This is one of the most common passwords, or one with digits or symbols added."
    ),
    "password_words": _l(
        "This is a single word or name, or one with digits or symbols added: add more words."
    ),
    "password_repeat": _l('This is a repeat like "aaaa" or "abcabc", which is easy to guess.'),
    "password_sequence": _l('This is a sequence like "1234" or "abcd", which is easy to guess.'),
    "password_keyboard": _l('This is a row of keys like "qwerty", which is easy to guess.'),
    "password_date": _l("This is a date or a year, which is easy to guess."),
    "password_guessable": _l("This is too easy to guess: add more words, or make it longer."),
    "password_username": _l("This is built from the username."),
    "password_name": _l("This is built from the person's name."),
    "password_office": _l("This is built from the office's name."),
    "password_personal": _l(
        "This is built from the username, the person's name or the office's name."
    ),
    # Cases.
    "nik_invalid": _l("The NIK is not valid."),
    "duplicate_application": _l("Application %(number)s is already a case of this office."),
    "team_not_in_office": _l("Choose an active team of this office."),
    "officer_not_in_team": _l("The officer must be an active member of the chosen team."),
    # Seen before (issue 16): findings about the applicant's other cases and the prevention list.
    "seen_refused_elsewhere": _l("The same applicant was refused at %(office)s on %(on)s."),
    "seen_in_check_elsewhere": _l(
        "The same applicant is under a field check at %(office)s (application of %(on)s)."
    ),
    "prevention_hold": _l(
        "Hold: someone this case names is on the prevention list. Refer it to the supervisor."
    ),
    "case_on_hold": _l(
        "This case is on hold: it names someone on the prevention list. The supervisor must "
        "look at it first."
    ),
    # The prevention list's entries (fieldcheck.domain.watch.entry_problems).
    "entry_identity_required": _l(
        "Give the NIK or the birth date (or both): a name alone is never matched."
    ),
    "entry_dates": _l("The last day of validity cannot come before the first."),
    # Repatriated victims' records (fieldcheck.domain.watch.victim_problems, the CSV load).
    "victim_identity_required": _l(
        "Give the NIK, the application number or the birth date: a name alone is never matched."
    ),
    "victim_return_future": _l("The date of return is in the future."),
    "victim_birth_after_return": _l("The birth date comes after the date of return."),
    "victim_office_unknown": _l(
        "“%(value)s” is not the code of an immigration office in FieldCheck."
    ),
    "victim_country": _l(
        "“%(value)s” is not a country code: write the country's two letters (ISO 3166), "
        "such as KH for Cambodia."
    ),
    "victim_gender": _l("“%(value)s” is not an HTCDS gender: %(codes)s."),
    # The national lists' CSV files (fieldcheck.csvload).
    "list_columns": _l(
        "The header must name these columns: %(columns)s. Missing: %(missing)s. "
        "Unknown: %(unknown)s."
    ),
    "list_date": _l("“%(value)s” is not a date: write it as YYYY-MM-DD."),
    # The passport system's CSV export (fieldcheck.cases.importer).
    "import_empty": _l("The file is empty."),
    "import_encoding": _l('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'),
    "import_columns": _l(
        "The columns do not match the passport system's export. Missing: "
        "%(missing)s. Unknown: %(unknown)s."
    ),
    "import_cells": _l("This line has more cells than the header has columns."),
    "import_repeated": _l("The same application number is already on line %(line)s of this file."),
    "import_too_many": _l("The file has more than %(max)s rows: split it."),
    "import_too_big": _l("The file is larger than %(size)s: split it."),
    "import_not_csv": _l(
        "Line %(line)s cannot be read as CSV: a quotation mark left open, or a cell too long."
    ),
    "import_code": _l("“%(value)s” is not a code this column takes: %(codes)s."),
    "import_flag": _l("“%(value)s” is neither yes nor no: write ya or tidak (yes or no, 1 or 0)."),
    "import_country": _l(
        "“%(value)s” is not a country code: write the country's two letters (ISO 3166), "
        "such as KH for Cambodia."
    ),
    # The case state machine (fieldcheck.domain.case_states).
    "unknown_action": _l("There is no such action."),
    "unknown_state": _l("The case is in an unknown state."),
    "illegal_transition": _l("A case that is %(state)s cannot be moved that way."),
    "role_not_allowed": _l("Your role may not do that to a case."),
    "reason_required": _l("Give a reason."),
    "comment_required": _l("Write a comment for the officer."),
    "registry_open": _l(
        "%(open_questions)s registry questions are still open: only a "
        "supervisor may go on without them, with a reason."
    ),
    # The supervisor's decisions (fieldcheck.review.service.ReviewError).
    "no_signing_key": _l(
        "No report-signing key exists: the administrator must run "
        "`fieldcheck keys create` first. Nothing was decided."
    ),
    "reasons_required": _l("Choose at least one reason for the refusal."),
    "police_unit_required": _l("Name the Police unit the case is referred to."),
    "nothing_to_return": _l("There is no submission to return."),
    "no_decision": _l(
        "This case was marked verified without a decision record or a field report, so "
        "there is nothing to revoke. Nothing was changed."
    ),
    # The registry clerk's answers (fieldcheck.registry.service.RegistryError).
    "answer_invalid": _l("Choose match, mismatch or not found."),
    "registry_value_required": _l("For a mismatch, write what the registry holds."),
    # A registry extract's file and rows (fieldcheck.registry.extracts).
    "extract_no_file": _l("Choose a CSV file."),
    "extract_empty": _l("The file is empty."),
    "extract_encoding": _l("The file is not UTF-8 text."),
    "extract_columns": _l(
        "The header must be: %(columns)s (missing: %(missing)s; unknown: %(unknown)s)."
    ),
    "extract_too_many": _l("The file has more than %(max)d rows."),
    "extract_not_csv": _l(
        "Line %(line)s cannot be read as CSV: a quotation mark left open, or a cell too long."
    ),
    "extract_cells": _l("The row has more cells than the header."),
    "extract_nik": _l("Not a valid NIK."),
    "extract_outside": _l("The NIK's district %(district)s is outside your regions."),
    "extract_kk": _l("A family-card number has 16 digits."),
    "extract_name": _l("The name is required."),
    "extract_sex": _l("Sex is F/M or P/L."),
    "extract_birth_date": _l("The date is not in the form YYYY-MM-DD."),
    "extract_relationship": _l(
        "Not an SHDK relationship (a code such as head, wife, child, or 1-11)."
    ),
    "extract_too_long": _l("Too long."),
    # Why a submission was kept flagged (fieldcheck.sync_handlers), shown to the supervisor.
    "flag_late": _l("case %(state)s while the officer was offline"),
    "flag_second": _l("the case has a submission already: kept for the supervisor"),
    "flag_not_returned": _l("the case is no longer returned for correction"),
    "flag_old_version": _l("made on case version %(base)s, the case is at version %(version)s"),
    # A device's sign-in (fieldcheck.security.TOKEN_PROBLEMS) and a browser's session.
    "token_unknown": _l("This device is not signed in. Sign in again."),
    "token_revoked": _l(
        "This device was signed out by an administrator or by you. Sign in "
        "again; case data on the device is removed, unsent findings are kept."
    ),
    "token_expired": _l(
        "This device's sign-in has expired. Sign in again: nothing unsent is lost."
    ),
    "account_inactive": _l("This account is no longer active."),
    "token_scope": _l("This device's sign-in does not open this. Sign in on the right device."),
    "token_not_accepted": _l("A device sign-in does not open this. Sign in with your password."),
    "unauthenticated": _l("Sign in first."),
    "session_expired": _l("Your session has expired. Sign in again."),
    # Any page's JSON answer (fieldcheck.views) and the reports' API.
    "not_found": _l("Not found."),
    "method_not_allowed": _l("Method not allowed."),
    "server_error": _l("Something went wrong on the server."),
    "body_invalid": _l("Send %(expected)s as JSON."),
    # The API's other answers (fieldcheck.api, fieldcheck.security, fieldcheck.limits).
    "body_not_json": _l("The body must be a JSON object."),
    "credentials_invalid": _l("Wrong username or password."),
    "second_factor_required": _l("Send the code of your authenticator app as well."),
    "second_factor_invalid": _l("That code is wrong or was already used."),
    "no_token_for_role": _l("Your role works in the web app with a session, not on a device."),
    "password_change_required": _l(
        "Change your temporary password in the web app before going on."
    ),
    "forbidden": _l("This page is for: %(needed)s. You are signed in as: %(mine)s."),
    "csrf_failed": _l(
        "This form has expired or did not come from FieldCheck. "
        "Reload the page and try again; nothing was saved."
    ),
    # A limit was met: what, then how long to wait (the first three are the "what").
    "rate_limited": _l("%(what)s Wait %(limit)s and try again."),
    "too_many_sign_ins": _l("Too many failed sign-in attempts."),
    "too_many_devices": _l("Too many devices were signed in."),
    "too_many_checks": _l("Too many reports were checked in a short time."),
    "too_large": _l("This request is larger than FieldCheck takes here: at most %(size)s."),
    "envelope_invalid": _l(
        "The push cannot be read: send a JSON object with a list of operations."
    ),
    "unsupported_version": _l(
        "This version of the push format is not supported: use version %(version)s."
    ),
    "too_many_operations": _l("At most %(max)s operations in one push: split the batch."),
    "limit_invalid": _l("The limit must be a whole number from 1 to %(max)s."),
    "cursor_invalid": _l("The cursor (since) must be one an earlier pull gave."),
    "sha256_invalid": _l(
        "A photo's address must be its SHA-256: 64 lower-case hexadecimal digits."
    ),
    "hash_mismatch": _l("The bytes sent do not have this SHA-256: send the photo again."),
    "not_an_image": _l("Only JPEG, PNG and WebP photos are accepted."),
    "storage_unavailable": _l(
        "The photo store cannot be reached just now: nothing was lost, try again in a minute."
    ),
    # Phone enrolment by a one-time code (fieldcheck.enrolment).
    "enrolment_code_invalid": _l(
        "This code is not right. Check it, or ask your supervisor for a new one."
    ),
    "enrolment_code_used": _l(
        "This code was used already: a code enrols one phone. Ask your supervisor for a new one."
    ),
    "enrolment_code_expired": _l(
        "This code has expired: a code lasts ten minutes. Ask your supervisor for a new one."
    ),
    "too_many_enrolments": _l("Too many wrong enrolment codes were tried."),
    # Statistics filters (fieldcheck.domain.statistics): a wrong one falls back to its default.
    "statistics_start": _l("The first day is not a date: the default period is shown."),
    "statistics_end": _l("The last day is not a date: the default period is shown."),
    "statistics_end_before_start": _l(
        "The last day is before the first: the default period is shown."
    ),
    "statistics_period_too_long": _l(
        "At most three years are counted at once: the period was cut."
    ),
    "statistics_by": _l("Count by month or by week: by month is shown."),
    "statistics_team": _l("That team is not one of your office's: all teams are shown."),
    "statistics_destination": _l("That is not a country code: all destinations are shown."),
    "statistics_office": _l("There is no such office: all offices are shown."),
}


def coded(code: str, **params) -> str:
    """A message kept as its code and parameters (JSON), for a reader to see in their own
    language later (`in_words`): e.g. why a submission was flagged, stored with it."""
    return json.dumps({"code": code, "params": params}, sort_keys=True, default=str)


def in_words(stored: str | None) -> str:
    """The reader's words for what `coded` kept; text stored before it, as it is."""
    if not stored or not stored.startswith("{"):
        return stored or ""
    try:
        kept = json.loads(stored)
    except ValueError:
        return stored
    return message(kept.get("code", ""), kept.get("params"))


def api_error(status: int, code: str, params: dict | None = None, **extra):
    """The API's answer for an error: {"error": {"code", "message", ...}}, the message the
    catalogue's for `code` in the reader's language."""
    response = jsonify({"error": {"code": code, "message": message(code, params), **extra}})
    response.status_code = status
    return response


def message(code: str, params: dict | None = None) -> str:
    """The message for a code in the reader's language, its parameters put in words."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    return str(template) % _Params({k: _words(k, v) for k, v in (params or {}).items()})


class _Params(dict):
    """A missing parameter shows as "?" rather than losing the whole message."""

    def __missing__(self, key):
        return "?"


def _words(key, value):
    # Imported here: the cases package imports its views, whose forms import this module, so a
    # module-level import made `import fieldcheck.errors` (or any form using it) fail on its own.
    from fieldcheck import labels

    if isinstance(value, date):
        return format_date(value, "medium")
    if key == "on" and isinstance(value, str):  # a date kept in a finding's JSON (issue 16)
        try:
            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    if key in {"nik_sex", "stated_sex"} and value in labels.SEXES:
        return str(labels.SEXES[value]).lower()
    if key == "relation" and value in labels.RELATIONS:
        return str(labels.RELATIONS[value]).lower()
    if key == "state" and value in labels.STATES:
        return str(labels.STATES[value]).lower()
    return value
