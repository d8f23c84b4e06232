"""Property tests (hypothesis) of the three parsers that read what nobody controls.

(a) The DOJ reader on arbitrary byte lines never raises; every physical line is the header, a
    blank line, a staged record or a reject with a reason; the independent recount agrees; the
    result does not depend on the chunk size; a well-formed record is staged verbatim.
(b) The charge-code normalizer (SQL) on arbitrary texts never errors, yields one row per
    distinct text, parse_status in {parsed, no_code, unparsed}, statute NULL unless parsed.
    dbt starts once: hypothesis generates the batch (~2,000 texts), then one dbt build reads
    them all, and the properties are checked text by text.
(c) The canonical reader on arbitrary CSV rows never raises and conserves rows.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dbt.cli.main import dbtRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.canonical_reader import read_table
from orchestration.ingest.doj_format import COLUMNS, INDEX
from orchestration.ingest.reader import read_extract
from orchestration.ingest.recount import count_input_records
from orchestration.rules.compile import TABLES as RULE_TABLES
from orchestration.rules.compile import compile_code_inference
from orchestration.rules.load import load_code_inference

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
BOM = b"\xef\xbb\xbf"

# Bytes that break naive CSV readers: separators, quotes, line-ending and NUL bytes, invalid
# and valid multi-byte UTF-8, a BOM, the header's first word, Unicode line separators.
TOKENS = [
    b",",
    b'"',
    b'""',
    b"\r",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe9",
    BOM,
    b" ",
    b"\t",
    b"\x0b",
    b"a",
    b"1",
    b"\xc3\xa9",
    b"RECORD_ID",
    "\u2028".encode(),
    "\u0085".encode(),
]
# Field values of well-formed records (csv-quoted as needed).
VALUES = [
    *["", " ", "A", "1", "é", "\t", "\x00", "\u2028", "\u0085", "\r", "x\ry"],
    *["a,b", 'q"q', '"', '"a"', 'a"', '"a', ","],
]

BASE = [f"V{i}" for i in range(len(COLUMNS))]


def csv_line(values: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue().removesuffix("\r\n").encode("utf-8")


token_lines = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.binary(max_size=3).filter(lambda b: b"\n" not in b)),
    max_size=20,
).map(b"".join)


@st.composite
def record_lines(draw) -> tuple[bytes, list[str] | None]:
    """A 95-field record (values from VALUES over a base record), sometimes with a token
    spliced in: at the start or end, next to a quote or comma, or anywhere (its fate is then
    not predicted: None)."""
    values = list(BASE)
    for i, v in draw(
        st.dictionaries(
            st.sampled_from([INDEX["SUBJECT_ID"], 0, 1, 50, 93, 94]),
            st.sampled_from(VALUES),
            max_size=4,
        )
    ).items():
        values[i] = v
    raw = csv_line(values)
    spliced = _splice(draw, raw)
    return (raw, values) if spliced is None else (spliced, None)


def _splice(draw, raw: bytes) -> bytes | None:
    """Maybe (None: no) a token spliced into a line: at the start or end, right before or
    after a quote or a comma, or anywhere."""
    where = draw(st.sampled_from(["none", "start", "end", "boundary", "boundary", "anywhere"]))
    marks = [i + d for i, b in enumerate(raw) if b in b'",' for d in (0, 1)]
    if where == "none":
        return None
    if where == "start":
        at = 0
    elif where == "end":
        at = len(raw)
    elif where == "boundary" and marks:
        at = draw(st.sampled_from(marks))
    else:
        at = draw(st.integers(0, len(raw)))
    return raw[:at] + draw(st.sampled_from(TOKENS)) + raw[at:]


any_line = st.one_of(
    record_lines(),
    token_lines.map(lambda b: (b, None)),
    st.sampled_from([b"", b" ", b"\r", b"\t \r"]).map(lambda b: (b, None)),
)


@st.composite
def doj_files(draw) -> tuple[bytes, list[list[str] | None], bool]:
    """(file bytes, predicted values per physical line, header written)."""
    lines = draw(st.lists(any_line, max_size=12))
    header = draw(st.booleans())
    raws = [b",".join(c.encode() for c in COLUMNS)] if header else []
    raws += [raw for raw, _ in lines]
    predicted = [None] * header + [values for _, values in lines]
    if raws and draw(st.booleans()):  # files concatenated: a BOM at the start of a line
        k = draw(st.integers(0, len(raws) - 1))
        raws[k] = BOM + raws[k]
        predicted[k] = None
    data = b"\n".join(raws)
    if raws and draw(st.booleans()):
        data += b"\n"
    if draw(st.booleans()):
        data = BOM + data
    return data, predicted, header


def _read(path: Path, chunk_bytes: int):
    staged, rejects, stats = [], [], None
    for s, r, running in read_extract(path, chunk_bytes=chunk_bytes):
        staged.append(s)
        rejects.append(r)
        stats = running
    return pl.concat(staged), pl.concat(rejects), stats


def _physical_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doj_files(), st.sampled_from([3, 64, 300]))
def test_doj_reader_accounts_for_every_line(file, chunk_bytes):
    EXAMPLES["doj_reader"] = EXAMPLES.get("doj_reader", 0) + 1
    data, predicted, _header = file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(data)
        staged, rejects, stats = _read(path, chunk_bytes)
        whole_staged, whole_rejects, _ = _read(path, 1 << 20)
        recount = count_input_records(path)

    # every physical line is accounted for, once
    assert stats.has_header == data.removeprefix(BOM).startswith(b"RECORD_ID")
    lines = _physical_lines(data)
    assert stats.staged + stats.rejected + stats.blank_lines + stats.has_header == lines
    assert (stats.staged, stats.rejected) == (staged.height, rejects.height)
    assert recount.records == stats.staged + stats.rejected == stats.input_records
    seen = staged["source_line"].to_list() + rejects["source_line"].to_list()
    assert len(seen) == len(set(seen)) and all(1 <= n <= lines for n in seen)
    # every reject says why; every staged record is somebody's
    assert all(isinstance(e, str) and e for e in rejects["error"].to_list())
    assert staged["SUBJECT_ID"].str.contains(r"\S").all()
    # chunking changes nothing
    assert staged.equals(whole_staged) and rejects.equals(whole_rejects)
    # a well-formed record is staged verbatim, or rejected for NUL / no subject
    by_line = {r["source_line"]: r for r in staged.iter_rows(named=True)}
    errors = dict(zip(rejects["source_line"], rejects["error"], strict=True))
    for n, values in enumerate(predicted, start=1):
        if values is None:
            continue
        if any("\x00" in v for v in values):
            assert errors[n] == "NUL byte in record"
        elif not values[INDEX["SUBJECT_ID"]].strip():
            assert errors[n] == "missing SUBJECT_ID"
        else:
            assert [by_line[n][c] for c in COLUMNS] == values


# --- (b) the charge-code normalizer ------------------------------------------------------

CODE_CHARS = "0123456789 HSPCVBWIFG&.-/|+(),ABCDEhspc\"'*#"
charge_texts = st.one_of(
    st.text(alphabet=CODE_CHARS, max_size=30),
    st.from_regex(
        r"(664[-/.]?|182/)?[0-9]{1,6}([.,][0-9]{1,2})?[A-Z]{0,2}[0-9]?"
        r"( ?\([0-9A-Za-z]{1,4}\)){0,3} ?(HS|H&S|H & S|PC|P\.C\.|VC|BP|B&P|WI|hs)?"
        r"([-/][0-9]{1,5})?(-[A-Z ]{0,15})?",
        fullmatch=True,
    ),
    st.text(max_size=40),  # anything at all (no surrogates)
)
# ~3,000 texts (~2,000 distinct) in 15 examples of 200: hypothesis spends most of its time per
# example, not per value, so few large examples are ~5x faster than 2,000 small ones. Larger
# lists (500+) overrun hypothesis' choice buffer and degenerate to one repeated value.
LIST_SIZE, LISTS = 200, 15


def _collect_texts() -> list[str]:
    """Draw the batch with hypothesis (generation only: the properties are checked on the
    whole batch afterwards, after one dbt run, instead of one dbt run per example; a failure
    lists the offending texts, which are short, instead of shrinking them)."""
    texts: list[str] = []

    @settings(
        max_examples=LISTS,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(charge_texts, min_size=LIST_SIZE, max_size=LIST_SIZE))
    def draw(batch: list[str]) -> None:
        texts.extend(batch)

    draw()
    return texts


@pytest.mark.integration  # builds the normalizer's models with dbt
def test_charge_normalizer_never_errors(tmp_path):
    texts = _collect_texts()
    EXAMPLES["normalizer_texts"] = EXAMPLES.get("normalizer_texts", 0) + len(texts)
    assert len(texts) == LIST_SIZE * LISTS
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema raw")
        columns = ", ".join(f'"{name}" varchar' for name in COLUMNS)
        con.execute(
            f"create table raw.doj_extract ({columns}, "
            "source_file varchar, source_line bigint, source_sha256 varchar)"
        )
        canonical = ", ".join(f"{c} varchar" for c in TABLES["charges"].columns)
        con.execute(
            f"create table raw.canonical_charges ({canonical}, source_extract varchar, "
            "source_file varchar, source_line bigint, source_sha256 varchar)"
        )
        frame = pl.DataFrame(  # noqa: F841 (read by DuckDB's replacement scan)
            {
                "OFFENSE_DESCR": texts,
                "DISP_DESCR": ["CONVICTED"] * len(texts),
                "source_file": ["hypothesis.csv"] * len(texts),
                "source_line": list(range(1, len(texts) + 1)),
                "source_sha256": ["0" * 64] * len(texts),
            }
        )
        con.execute("insert into raw.doj_extract by name select * from frame")
        # the real code inference table, as the rulebook asset writes it
        rules_dir = DBT_PROJECT_DIR.parent / "rules"
        rows = [r for t in load_code_inference(rules_dir) for r in compile_code_inference(t)]
        code_inference = pl.DataFrame(rows, schema=RULE_TABLES["code_inference"], orient="row")
        con.execute("create schema rules")
        con.register("code_inference_frame", code_inference.to_arrow())
        con.execute("create table rules.code_inference as select * from code_inference_frame")
    finally:
        con.close()

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLEANSLATE_WAREHOUSE", str(warehouse))
        mp.setenv("DBT_TARGET", "dev")
        result = dbtRunner().invoke(
            [
                "build",
                "--select",
                "stg_doj__events",
                "stg_canonical__charges",
                "stg_rules__code_inference",
                "int_charge_codes_normalized",
                # only the tests of these models (not the conservation tests further down)
                "--indirect-selection",
                "cautious",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path / "logs"),
                "--quiet",
            ]
        )
    failed = [
        f"{r.node.name}: {r.message}"
        for r in (result.result.results if result.result is not None else [])
        if str(r.status) not in {"success", "pass"}
    ]
    assert result.success, f"dbt build failed: {result.exception or failed}"

    con = duckdb.connect(str(warehouse))
    try:
        expected = {
            r[0]
            for r in con.execute(
                "select distinct offense_text from main.stg_doj__events"
                " where offense_text is not null"
            ).fetchall()
        }
        rows = con.execute(
            "select offense_text, parse_status, statute, section from"
            " main.int_charge_codes_normalized"
        ).fetchall()
    finally:
        con.close()
    assert len(expected) > 1000  # the batch is varied
    assert sorted(r[0] for r in rows) == sorted(expected)  # one row per distinct text
    bad = [
        r
        for r in rows
        if r[1] not in {"parsed", "no_code", "unparsed"}
        or (r[1] == "parsed") != (r[2] is not None)
        or (r[1] == "unparsed" and r[3] is not None)
    ]
    assert not bad, bad[:20]
    assert {r[1] for r in rows} == {"parsed", "no_code", "unparsed"}  # all three exercised


# --- (c) the canonical reader ------------------------------------------------------------


@st.composite
def canonical_rows(draw, width: int) -> bytes:
    """A CSV row of about `width` fields, well-formed or spliced with hostile tokens."""
    n = draw(st.integers(max(0, width - 2), width + 1))
    values = draw(
        st.lists(st.sampled_from([*VALUES, "P1", "UT", "2001-02-03"]), min_size=n, max_size=n)
    )
    raw = csv_line(values) if values else b""
    spliced = _splice(draw, raw)
    return raw if spliced is None else spliced


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["persons", "charges", "dispositions"]), st.booleans())
def test_canonical_reader_conserves_rows(data, table_name, bom):
    EXAMPLES["canonical_reader"] = EXAMPLES.get("canonical_reader", 0) + 1
    table = TABLES[table_name]
    rows = data.draw(st.lists(canonical_rows(len(table.columns)), max_size=10))
    chunk = data.draw(st.sampled_from([7, 64, 1 << 20]))
    content = b"\n".join([",".join(table.columns).encode(), *rows]) + b"\n"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ext"
        folder.mkdir()
        path = folder / f"{table_name}.csv"
        path.write_bytes((BOM if bom else b"") + content)
        staged, rejects, stats = [], [], None
        for s, r, running in read_table(folder, table, chunk_bytes=chunk):
            staged.append(s)
            rejects.append(r)
            stats = running
        recount = count_input_records(path, header=True)
    staged_df, rejects_df = pl.concat(staged), pl.concat(rejects)
    assert stats.input_records == stats.staged + stats.rejected == recount.records
    assert (staged_df.height, rejects_df.height) == (stats.staged, stats.rejected)
    seen = staged_df["source_line"].to_list() + rejects_df["source_line"].to_list()
    assert len(seen) == len(set(seen)) and all(2 <= n <= len(rows) + 1 for n in seen)
    assert all(isinstance(e, str) and e for e in rejects_df["error"].to_list())
    for col in table.required:  # a staged row has its required values
        assert staged_df[col].is_not_null().all()


# Examples actually run by the property tests above, for `make reliability`: a key appears when
# its test ran (`-m "not integration"` deselects the normalizer's, which runs dbt).
EXAMPLES: dict[str, int] = {}


def test_property_figures(record_property):
    """Runs last in this file: reports how many generated inputs the properties held for."""
    record_property("reliability", "property")
    record_property("inputs", sum(EXAMPLES.values()))
    assert {"doj_reader", "canonical_reader"} <= EXAMPLES.keys(), EXAMPLES
    assert all(EXAMPLES.values()), EXAMPLES
