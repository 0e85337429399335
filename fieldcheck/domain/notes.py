"""A note an officer writes on a case from the phone (`note.add`): the case and the text."""

from pydantic import ConfigDict

from fieldcheck.domain.payloads import Integer, Payload, Text
from fieldcheck.domain.visits import MAX_CASE_ID

MAX_NOTE = 4000


class NotePayload(Payload):
    """A note on a case (other names in it are ignored)."""

    model_config = ConfigDict(extra="ignore")

    case_id: Integer(1, MAX_CASE_ID)
    text: Text(MAX_NOTE, required=True)
