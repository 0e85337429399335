"""The password rule (OWASP ASVS 4.0 V2.1): long enough, not common, not guessable, not built
from the owner's username, name or office; each refusal says which rule it breaks."""

import subprocess
import sys

import pytest

from fieldcheck.domain import passwords
from fieldcheck.domain.passwords import password_problems

OFFICE = "Kantor Imigrasi Kelas I Bandung"
OWNER = {"username": "field1", "name": "Dewi Lestari", "office_name": OFFICE}
GOOD = "Jalan-Braga-kopi-hujan-7"


def codes(password, **owner):
    return [problem.code for problem in password_problems(password, **owner)]


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaaaa", "password_repeat"),
        ("123456789012", "password_common"),
        ("qwertyuiop12", "password_common"),
        ("iloveyou1234", "password_common"),
        ("passwordpassword", "password_repeat"),
        # zxcvbn scores it 3: refused as a common password once its digits are taken away.
        ("bandung20262026", "password_common"),
        ("field1-field1-2026", "password_username"),
        ("Kantor Imigrasi Bandung 2026", "password_office"),
        ("hunter2hunter2", "password_repeat"),
        ("abcdefghijklmnop", "password_sequence"),
        ("zxcvbnm,./zxcv", "password_keyboard"),
        ("17081945-2026", "password_date"),
        ("Indonesia2026!", "password_words"),
        ("Lestari!2026#x", "password_name"),
        ("K4nt0r-1m1gr4s1-7", "password_office"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(password, code):
    assert code in codes(password, **OWNER)


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "1111111111", "qwerty1234", "iloveyou12", "bandung2026"]
)
def test_the_passwords_the_review_found_accepted_are_refused(password):
    found = codes(password, **OWNER)
    assert "password_too_short" in found
    assert len(found) >= 2  # and the reason it would be guessed besides


def test_a_passphrase_is_accepted():
    assert password_problems(GOOD, **OWNER) == []
    assert password_problems("dua kucing tidur di atas genteng", **OWNER) == []


def test_length_is_at_least_12_and_at_most_128_characters():
    assert codes("kG7#pQ2!vX9") == ["password_too_short"]
    assert codes("kG7#pQ2!vX9z") == []
    assert password_problems("kG7#pQ2!vX9") == [
        passwords.Problem("password_too_short", {"min": 12})
    ]
    long_enough = (GOOD + "-") * 5  # 125 characters
    assert codes(long_enough[:128]) == []
    assert password_problems(long_enough + "abcd") == [
        passwords.Problem("password_too_long", {"max": 128})
    ]


def test_a_password_without_letters_must_be_very_hard_to_guess():
    assert codes("2026-01-01-2026") == ["password_date"]
    assert codes("8302917465018") == []  # thirteen digits no one would guess


def test_the_username_counts_in_any_case_and_inside_other_text():
    assert codes("My-FIELD1-garden-path", username="field1") == ["password_username"]
    assert codes("s1t1.r4h4yu-garden", username="siti.rahayu") == ["password_username"]
    assert codes("My-FIELD1-garden-path", username="other") == []


def test_name_and_office_words_of_four_letters_or_more_count():
    owner = {"name": "Nur Aini", "office_name": "Kantor Imigrasi Kelas I Bandung"}
    assert codes("nurhayati-pergi-ke-pasar", **owner) == []  # "Nur" is too short to refuse
    assert codes("aini-pergi-ke-pasar-77", **owner) == ["password_name"]
    assert codes("pergi-ke-b4ndung-naik-kereta", **owner) == ["password_office"]
    assert codes("pergi-ke-bandung-naik-kereta") == []  # another office's person may


def test_what_only_zxcvbn_sees_of_the_owner_is_refused_too():
    # The username written backwards: no word of it is in the password, zxcvbn finds it.
    assert codes("uyahar.itis12", username="siti.rahayu") == ["password_personal"]


def test_the_rule_imports_neither_flask_nor_peewee():
    code = (
        "import sys, fieldcheck.domain.passwords; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'peewee', 'werkzeug'}))"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, our own code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
