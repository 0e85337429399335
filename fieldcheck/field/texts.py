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
    "sign_in_again": _l("Sign in again as %(user)s to send %(n)s waiting findings."),
    "saved_on_phone": _l("Saved on this phone. It will be sent when there is a network."),
    "sign_out_refused": _l("%(n)s findings are not sent yet. Sync before signing out."),
    "revoked": _l(
        "This phone was signed out: case data was removed from it. Unsent findings are kept."
    ),
    "on_phone": _l("On this phone"),
    "not_on_phone": _l("Not on this phone yet"),
    "storage": _l("Storage: %(used)s of %(quota)s used"),
    "storage_persistent": _l("kept safe from clean-up"),
    "storage_not_persistent": _l("may be cleared by the browser"),
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


def script_texts() -> dict:
    """The texts and the server's error messages, in the reader's language."""
    texts = {key: str(value) for key, value in TEXTS.items()}
    texts["errors"] = {code: str(message) for code, message in MESSAGES.items()}
    return texts
