"""Pre-answering registry questions against a registry extract (fieldcheck.registry.extracts).

Generated: an extract of 100,000 people of one regency (names drawn from common Indonesian
given names, so namesakes abound), and 1,000 open questions: a third the same person under a
name variant with the NIK, a third the name alone with the birth date, a third nobody.
FieldCheck: NameIndex over the extract plus suggest_person for each question (what
extracts.pre_answer does, without the database). Baseline: checking the same extract's CSV
(extracts.parse: decoding every NIK, the work of loading it) — the pre-answer should cost no
more than a small multiple of reading the file.
"""

import csv
import io
import random
from datetime import date, timedelta

import bench
from bench import BenchError, Result, Row, median, progress, timed
from fieldcheck.domain.identity import encode_nik
from fieldcheck.registry import extracts

TITLE = "pre-answering 1,000 registry questions against a 100,000-person extract"

PEOPLE = 100_000
QUESTIONS = 1_000
GIVEN = [
    "Siti",
    "Nurhaliza",
    "Dewi",
    "Lestari",
    "Agus",
    "Setiawan",
    "Muhammad",
    "Rizki",
    "Ahmad",
    "Yusuf",
    "Sri",
    "Wahyuni",
    "Budi",
    "Santoso",
    "Euis",
    "Sumarni",
    "Ujang",
    "Suryana",
    "Dedi",
    "Kurniawan",
    "Rina",
    "Marlina",
    "Nur",
    "Aini",
    "Putri",
    "Ayu",
    "Eka",
    "Fitriani",
    "Wawan",
    "Hidayat",
    "Asep",
    "Saepudin",
    "Yeni",
    "Rahmawati",
    "Iwan",
    "Gunawan",
    "Lina",
    "Marliana",
    "Cecep",
    "Hermawan",
]
DISTRICTS = [f"32.04.{n:02d}" for n in range(1, 40)]


def generate(seed: int = 1):
    rng = random.Random(seed)
    people, serials = [], {}
    for i in range(PEOPLE):
        sex = rng.choice("FM")
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        district = rng.choice(DISTRICTS)
        key = (district, sex, born)
        serials[key] = serials.get(key, 0) + 1
        name = " ".join(rng.sample(GIVEN, rng.choice((2, 2, 3))))
        people.append(
            {
                "nik": encode_nik(district, sex, born, serials[key]),
                "kk": f"3204{i // 4:012d}",
                "name": name,
                "sex": sex,
                "birth_date": born,
                "kk_relation": "child",
                "region_code": district,
            }
        )
    questions = []
    for q in range(QUESTIONS):
        p = rng.choice(people)
        if q % 3 == 0:
            words = p["name"].split()
            questions.append({**p, "name": f"{words[-1]}, {' '.join(words[:-1])}"})
        elif q % 3 == 1:
            questions.append({"name": p["name"], "birth_date": p["birth_date"], "sex": p["sex"]})
        else:
            questions.append({"name": "Zulkarnaen Batubara", "birth_date": date(1990, 1, 1)})
    return people, questions


def to_csv(people) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(extracts.COLUMNS)
    for p in people:
        writer.writerow(
            [p["nik"], p["kk"], p["name"], p["sex"], "Bandung", p["birth_date"], "4", "", ""]
        )
    return out.getvalue().encode()


def pre_answer(people, questions):
    from fieldcheck.domain.names import NameIndex

    index = NameIndex(people)
    return [extracts.suggest_person("nik_identity", q, index) for q in questions]


def run(ctx: bench.Context) -> Result:
    progress(f"generating {PEOPLE:,} people and {QUESTIONS:,} questions")
    people, questions = generate()
    data = to_csv(people)
    ours, theirs, answers = [], [], None
    for _ in range(max(1, ctx.runs)):
        seconds, parsed = timed(extracts.parse, data, ["32.04"], date(2026, 11, 2))
        if len(parsed.valid) != PEOPLE:
            raise BenchError(f"the extract parsed to {len(parsed.valid)} rows, not {PEOPLE}")
        theirs.append(seconds)
        seconds, answers = timed(pre_answer, people, questions)
        ours.append(seconds)
    found = {}
    for a in answers:
        key = a["answer"] if a else "left to the clerk"
        found[key] = found.get(key, 0) + 1
    if found.get("match", 0) < QUESTIONS // 3:
        raise BenchError(f"too few matches: {found}")
    result = Result()
    result.rows.append(
        Row(
            "-",
            "pre-answer: NameIndex + suggest_person",
            median(ours),
            "check the extract CSV (extracts.parse)",
            median(theirs),
            rows=QUESTIONS,
        )
    )
    result.notes.append(f"{PEOPLE:,} people, {QUESTIONS:,} questions; answers: {found}.")
    return result
