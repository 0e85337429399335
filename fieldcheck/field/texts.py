"""Texts the phone's scripts show, from the same catalogue as the pages (rendered into each
field page, so they work offline in the officer's language)."""

from flask_babel import lazy_gettext as _l

from fieldcheck.errors import MESSAGES

TEXTS = {
    "pending": _l("Waiting to send: %(n)s"),
    "attention": _l("Needs attention: %(n)s"),
    "last_sync": _l("Last sync: %(when)s"),
    "never_synced": _l("Not synced yet"),
    "syncing": _l("Sending…"),
    "synced": _l("Everything is sent."),
    "offline": _l("No network: your findings are kept on this phone."),
    "sign_in_again": _l("Enrol this phone again for %(user)s to send %(n)s waiting findings."),
    "saved_on_phone": _l("Saved on this phone. It will be sent when there is a network."),
    "sign_out_refused": _l("%(n)s findings are not sent yet. Sync before signing out."),
    "signed_out_offline": _l(
        "The case data is removed from this phone. It could not reach the office: ask your "
        "supervisor to sign this phone out under Phones."
    ),
    "revoked": _l(
        "This phone was signed out: case data was removed from it. Unsent findings are kept."
    ),
    "on_phone": _l("On this phone"),
    "not_on_phone": _l("Not on this phone yet"),
    # The list page's status (field-app.js): storage in plain words, what left the phone, sent.
    "storage_used": _l("Cases and findings use %(used)s on this phone."),
    "storage_kept": _l("The phone keeps them until they are sent or removed."),
    "storage_at_risk": _l("The phone may delete them when its memory runs low."),
    "storage_refused": _l(
        "The phone did not agree. Add FieldCheck to the home screen, then try again."
    ),
    "purged": _l(
        "Case data was removed from this phone: it had not synced for %(days)s days. "
        "Sync to get your cases again."
    ),
    "sent_at": _l("Sent %(when)s"),
    "gps_getting": _l("Getting the location…"),
    "gps_fixed": _l("Location recorded (accuracy %(m)s m)."),
    "gps_denied": _l("Location permission was refused: the visit is recorded without it."),
    "gps_unavailable": _l("No location could be found: the visit is recorded without it."),
    "photo_added": _l("Photo added."),
    "photo_failed": _l("This photo could not be read."),
    "remove": _l("Remove"),
    "state_stored": _l("Stored"),
    "state_incomplete": _l("Stored, photos still to send"),
    "state_late": _l("Stored as late (the case moved on)"),
    "state_second": _l("Stored as a second submission"),
    "state_conflict": _l("Stored as a conflict (made on an old version)"),
    "state_attention": _l("Needs attention"),
    "state_pending": _l("Waiting to send"),
    "resend": _l("Send again"),
    "mend": _l("Mend"),
    "draft_restored": _l("Your unsent draft was restored."),
    "field_error": _l("%(field)s: %(message)s"),
    "applicant": _l("Applicant"),
}


# The names of the form's fields, for the server's per-field answers (same words as the form).
FIELDS = {
    "case_id": _l("Application"),
    "visited_at": _l("Time of the visit"),
    "household": _l("Household visit"),
    "household.address_found": _l("Was the address found?"),
    "household.met_name": _l("Who was met (name)"),
    "household.met_relation": _l("Their relation to the applicant"),
    "household.applicant_lives_there": _l("Does the applicant live there?"),
    "household.aware_of_trip": _l("Does the household know of the trip?"),
    "household.purpose_matches": _l("Does the household tell the same purpose?"),
    "household.account": _l("What the household says of the trip"),
    "household.living_conditions": _l("Living conditions"),
    "gps": _l("Location"),
    "family": _l("Family member %(n)s"),
    "family.relation": _l("Relation to the applicant"),
    "family.kk_relation": _l("Relationship on the family card"),
    "family.name": _l("Name"),
    "family.nik": _l("NIK"),
    "family.birth_date": _l("Date of birth"),
    "interview": _l("Interview"),
    "interview.purpose": _l("Purpose of the trip"),
    "interview.job_offer_channel": _l("How the job was offered"),
    "interview.recruiter_name": _l("Recruiter's name"),
    "interview.recruiter_phone": _l("Recruiter's phone"),
    "interview.recruiter_agency": _l("Recruiter's agency or company"),
    "interview.recruiter_handle": _l("Recruiter's social-media or messaging account"),
    "interview.recruiter_account": _l("Bank account the applicant was asked to pay into"),
    "interview.promised_salary_idr": _l("Promised salary per month (Rp)"),
    "interview.costs_paid_by": _l("Who pays the passport and ticket"),
    "interview.contract_seen": _l("Was a contract seen?"),
    "interview.visa_type": _l("Visa type"),
    "interview.knowledge": _l("What the applicant knows of the employer and the destination"),
    "photos": _l("Photos"),
    "assessment": _l("The officer's assessment"),
    "recommendation": _l("Recommendation"),
}


def script_texts() -> dict:
    """The texts and the server's error messages, in the reader's language."""
    texts = {key: str(value) for key, value in TEXTS.items()}
    texts["errors"] = {code: str(message) for code, message in MESSAGES.items()}
    texts["fields"] = {path: str(label) for path, label in FIELDS.items()}
    return texts
