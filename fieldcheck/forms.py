"""The base of the app's forms: WTForms' own messages in the reader's language.

WTForms ships no Indonesian catalogue, so the errors it writes itself ("Not a valid choice.",
"This field is required." when a form gives no message of its own) reached an Indonesian reader
in English, in a form or in a CSV import's dry run. AppForm looks them up in the app's catalogue
instead, where WTFORMS_MESSAGES puts them (`make messages` keeps only what the code names).
"""

from flask_babel import get_translations
from flask_wtf import FlaskForm


def N_(message: str) -> str:  # marks a message for the catalogue; WTForms translates it itself
    return message


def ngettext(singular: str, plural: str) -> tuple[str, str]:  # the same, singular and plural
    return singular, plural


# Every message of WTForms 3 (its wtforms.pot) and Flask-WTF's file fields, as they write them.
WTFORMS_MESSAGES = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("File does not have an approved extension."),
    N_("File does not have an approved extension: {extensions}"),
)


class CatalogueTranslations:
    """WTForms' translations interface over the app's catalogue for the current request.

    Unformatted: WTForms fills the placeholders itself after translating (flask_babel's gettext
    would try to fill them first, and fail on `%(min)d`)."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


CATALOGUE = CatalogueTranslations()


class AppForm(FlaskForm):
    """A Flask-WTF form (CSRF and all) whose built-in messages come from the app's catalogue."""

    class Meta:
        def get_translations(self, form):
            return CATALOGUE
