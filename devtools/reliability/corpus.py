"""Hostile CA DOJ research-file extracts, each with the outcome the pipeline owes it.

Every case writes its file(s) deterministically (fabricated data only: made-up subjects, names
and dates) and states its expected outcome:

* `Quarantine`: the run succeeds; the listed lines are in raw.doj_rejects with exactly the given
  reason, every other record is staged (`staged` per file), and the listed decisions hold.
  Exact duplicates are quarantined by the ingest asset (SQL, after every file is read), not by
  the reader: `reader_staged` / `reader_rejects` give what the reader alone must produce.
* `Failure`: the run fails (exit code 1) with a message containing `message`, which names the
  file and the problem.

Decisions are stated as of `AS_OF` under `RUN_OPTIONS` (the earlier tool's options file with
"dismiss when under 21 at the offense" turned on, so that a birth date decides something).
Every case uses its own subject ids and file names, so all Quarantine cases can run together
in one run without one case's records duplicating another's. Records default to county
SACRAMENTO; only `county_spellings` uses SAN JOAQUIN (in three spellings).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingest.doj_format import COLUMNS, INDEX

AS_OF = "2025-07-01"
RUN_OPTIONS: dict = {"additionalRelief": {"subjectUnder21AtConviction": True}}
PROP64 = "us_ca_prop64"

# Steps, dispositions and levels as the research file writes them.
CA = "COURT ACTION"
AR = "ARREST/DETAINED/CITED"
CONV = "CONVICTED-PROBATION"
FEL, MIS = "FELONY", "MISDEMEANOR"
COURT_CNT = "101002001000"  # cycle 101, step 002 (the court action), count 001
ARREST_CNT = "101001001000"

# Reject reasons, exactly as the reader and the ingest asset write them.
UNDECODABLE = "undecodable bytes (not UTF-8)"
NUL = "NUL byte in record"
UNBALANCED = "unbalanced quote"
MISPLACED = "misplaced quote (a field is quoted only in part)"
NO_SUBJECT = "missing SUBJECT_ID"


def fields(n: int) -> str:
    return f"wrong number of fields: {n} (expected 95)"


def duplicate_of(file: str, line: int) -> str:
    return f"duplicate of {file}:{line}"


# --- expected outcomes -------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The decision on one count (subject + CNT_ORDER) under `program`; determination None
    means there must be no decision row at all (not in the law's scope, or never staged)."""

    subject: str
    cnt_order: str
    determination: str | None
    decisive_rule: str | None = None
    relief: str | None = None
    program: str = PROP64
    county: str | None = None  # the county column of the decision, when it matters


@dataclass(frozen=True)
class FieldValue:
    """A staged record's field, as text: `equals` exactly, or of `length` characters."""

    file: str
    line: int
    column: str
    equals: str | None = None
    length: int | None = None


@dataclass(frozen=True)
class Quarantine:
    """The run succeeds: `rejects` (file -> line -> exact reason) are in raw.doj_rejects, and
    `staged` (file -> records) are in raw.doj_extract; nothing else of those files."""

    staged: dict[str, int]
    rejects: dict[str, dict[int, str]] = field(default_factory=dict)
    blank_lines: dict[str, int] = field(default_factory=dict)
    decisions: tuple[Decision, ...] = ()
    values: tuple[FieldValue, ...] = ()

    def _duplicates(self, file: str) -> dict[int, str]:
        return {
            ln: r for ln, r in self.rejects.get(file, {}).items() if r.startswith("duplicate of")
        }

    def reader_rejects(self, file: str) -> dict[int, str]:
        """What the reader alone rejects (duplicates are found later, across files, in SQL)."""
        dups = self._duplicates(file)
        return {ln: r for ln, r in self.rejects.get(file, {}).items() if ln not in dups}

    def reader_staged(self, file: str) -> int:
        return self.staged[file] + len(self._duplicates(file))

    def duplicates(self) -> int:
        return sum(len(self._duplicates(f)) for f in self.staged)


@dataclass(frozen=True)
class Failure:
    """The run fails (exit code 1); its output contains `message`."""

    message: str


@dataclass(frozen=True)
class HostileCase:
    name: str
    description: str
    build: Callable[[Path], list[Path]]  # writes the case's file(s) into a folder
    expect: Quarantine | Failure


# --- record building ---------------------------------------------------------------------


def rec(
    subject: str,
    cnt_order: str,
    step: str,
    date: str,
    offense: str = "",
    *,
    disp: str = "",
    stat: str = "",
    county: str = "SACRAMENTO",
    comment: str = "",
    dob: str = "19700101",
    cyc_date: str = "",
    name: str = "ROE,ALEX",
    record_id: str = "",
) -> list[str]:
    """One 95-field record (fabricated)."""
    row = [""] * len(COLUMNS)
    values = {
        "RECORD_ID": record_id,
        "SUBJECT_ID": subject,
        "CII_NUMBER": f"CII{subject}",
        "PRI_NAME": name,
        "PRI_DOB": dob,
        "CYC_DATE": cyc_date or date,
        "STP_EVENT_DATE": date,
        "STP_TYPE_DESCR": step,
        "STP_ORI_DESCR": f"CASC {county.strip()}",
        "STP_ORI_CNTY_NAME": county,
        "CNT_ORDER": cnt_order,
        "OFN": f"CASE-{subject}" if step == CA else "",
        "OFFENSE_DESCR": offense,
        "DISP_DESCR": disp,
        "CONV_STAT_DESCR": stat,
        "COMMENT_TEXT": comment,
    }
    for k, v in values.items():
        row[INDEX[k]] = v
    return row


def conviction(subject: str, date: str, offense: str, level: str = MIS, **kw) -> list[str]:
    kw.setdefault("disp", CONV)
    return rec(subject, kw.pop("cnt_order", COURT_CNT), CA, date, offense, stat=level, **kw)


def arrest(subject: str, date: str, offense: str, **kw) -> list[str]:
    return rec(subject, kw.pop("cnt_order", ARREST_CNT), AR, date, offense, **kw)


def line(row: list[str], encoding: str = "utf-8") -> bytes:
    """One CSV line (minimal quoting, as DOJ writes it), no line ending."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(row)  # so a CR or LF in a field is quoted
    return buf.getvalue().removesuffix("\r\n").encode(encoding)


HEADER = ",".join(COLUMNS).encode()
BOM = b"\xef\xbb\xbf"


def write(path: Path, *lines: bytes, header: bool = True, eol: bytes = b"\n") -> Path:
    """Header (optional) and lines, each ended by `eol` (pass a line ending inside a line to
    mix them; pass b"" as eol to leave the last line unterminated)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [HEADER] if header else []
    path.write_bytes(b"".join(ln + eol for ln in [*body, *lines]))
    return path


def _misd(subject: str, date: str = "20140519", **kw) -> list[str]:
    return conviction(subject, date, "11357(B)HS-POSSESS MARIJUANA", MIS, **kw)


def _eligible_misd(subject: str, **kw) -> Decision:
    return Decision(subject, COURT_CNT, "eligible", "misdemeanor", "dismiss", **kw)


# --- the cases ---------------------------------------------------------------------------


def _empty(folder: Path) -> list[Path]:
    p = folder / "empty_file.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")
    return [p]


def _header_only(folder: Path) -> list[Path]:
    return [write(folder / "header_only.csv")]


def _same_name_two_folders(folder: Path) -> list[Path]:
    return [
        write(folder / "delivery_1" / "same_name.csv", line(_misd("SN001"))),
        write(folder / "delivery_2" / "same_name.csv", line(_misd("SN002"))),
    ]


def _truncated(folder: Path) -> list[Path]:
    cut = conviction("TR003", "20100101", "11359 HS-POSSESS FOR SALE", FEL)
    a = folder / "truncated_last_record.csv"
    a.parent.mkdir(parents=True, exist_ok=True)
    a.write_bytes(
        HEADER
        + b"\n"
        + line(_misd("TR001"))
        + b"\n"
        + line(conviction("TR002", "20120101", "11358 HS-CULTIVATE", FEL))
        + b"\n"
        + line(cut[:40])  # the transfer stopped here: 40 fields, no final newline
    )
    # ... and one cut inside a quoted field: the quote never closes
    quoted = line(_misd("TQ002", comment="SEEN AT 5TH, THEN RELEASED"))
    b = folder / "truncated_in_quote.csv"
    b.write_bytes(
        HEADER + b"\n" + line(_misd("TQ001")) + b"\n" + quoted[: quoted.index(b"5TH,") + 4]
    )
    return [a, b]


def _unterminated_quote(folder: Path) -> list[Path]:
    unterminated = line(_misd("UQ002", name="DOE,JANE")).replace(b'"DOE,JANE"', b'"DOE,JANE')
    quoted_in_part = line(_misd("UQ004", name="DOE,JANE")).replace(b'"DOE,JANE"', b'"DOE" JANE')
    inner_quotes = line(_misd("UQ005", name='DOE "JJ" JANE')).replace(
        b'"DOE ""JJ"" JANE"', b'DOE "JJ" JANE'
    )
    return [
        write(
            folder / "unterminated_quote.csv",
            line(_misd("UQ001", name='O"NEIL,PAT')),  # quoted properly: "O""NEIL,PAT"
            unterminated,  # must not swallow the next line
            line(_misd("UQ003")),
            quoted_in_part,
            inner_quotes,
        )
    ]


def _field_counts(folder: Path) -> list[Path]:
    row94 = _misd("FC002")[:94]
    row96 = [*_misd("FC003"), "EXTRA"]
    return [
        write(
            folder / "field_count_94_96.csv",
            line(_misd("FC001")),
            line(row94),
            line(row96),
            line(_misd("FC004")),
        )
    ]


def _crlf(folder: Path) -> list[Path]:
    return [
        write(
            folder / "crlf_line_endings.csv",
            line(_misd("CR001")),
            line(_misd("CR002")),
            line(_misd("CR003", comment="A, B")),
            eol=b"\r\n",
        )
    ]


def _mixed(folder: Path) -> list[Path]:
    return [
        write(
            folder / "mixed_line_endings.csv",
            line(_misd("ML001")) + b"\r",  # CRLF
            line(_misd("ML002")),  # LF
            line(_misd("ML003")) + b"\r",  # CRLF
            # a lone CR (old Mac) does not end a line: two records read as one of 189 fields
            line(_misd("ML004")) + b"\r" + line(_misd("ML005")),
            line(_misd("ML006")),
            line(_misd("ML007")) + b"\r",
        )
    ]


def _bom(folder: Path) -> list[Path]:
    a = folder / "utf8_bom_header.csv"
    write(a, line(_misd("BH001", record_id="BH-1")), line(_misd("BH002")))
    a.write_bytes(BOM + a.read_bytes())
    b = folder / "utf8_bom_no_header.csv"
    write(b, line(_misd("BN001", record_id="BN-1")), line(_misd("BN002")), header=False)
    b.write_bytes(BOM + b.read_bytes())
    c = folder / "utf8_bom_blank_first_line.csv"
    write(c, b"", line(_misd("BB001", record_id="BB-1")), header=False)
    c.write_bytes(BOM + c.read_bytes())  # BOM + newline: a blank line, not a record
    return [a, b, c]


def _latin1(folder: Path) -> list[Path]:
    name = "MUÑOZ,JOSÉ"
    return [
        write(
            folder / "latin1_bytes.csv",
            line(_misd("LT001", name=name)),  # UTF-8: fine
            line(_misd("LT002", name=name), encoding="latin-1"),  # Ñ as the byte 0xD1
            # Windows-1252 curly quotes as single bytes
            line(_misd("LT003", comment="SAID \x93NO\x94"))
            .replace(b"\xc2\x93", b"\x93")
            .replace(b"\xc2\x94", b"\x94"),
            line(_misd("LT004")),
        )
    ]


def _nul(folder: Path) -> list[Path]:
    return [
        write(
            folder / "nul_bytes.csv",
            line(_misd("NB001")),
            line(_misd("NB002", comment="BAD\x00SECTOR")),
            b"\x00" * 40,  # disk padding
            line(_misd("NB003")),
            line(_misd("NB004")) + b"\x00",
        )
    ]


ONE_MB = 1 << 20


def _one_mb_field(folder: Path) -> list[Path]:
    comment = ("NOTE, SEE FILE " * (ONE_MB // 15 + 1))[:ONE_MB]  # commas: a quoted field
    return [
        write(
            folder / "one_mb_field.csv",
            line(arrest("MB001", "20140501", "11357 HS-POSSESS", comment=comment)),
            line(_misd("MB001")),
        )
    ]


def _blank_rows(folder: Path) -> list[Path]:
    no_subject = _misd("AB002")
    no_subject[INDEX["SUBJECT_ID"]] = ""
    spaces = [""] * len(COLUMNS)
    spaces[INDEX["SUBJECT_ID"]] = "   "
    nbsp = _misd("AB004")
    nbsp[INDEX["SUBJECT_ID"]] = "\u00a0"
    return [
        write(
            folder / "all_blank_rows.csv",
            line(_misd("AB001")),
            b"," * 94,  # 95 empty fields
            line(spaces),
            line(no_subject),  # a whole conviction, nobody's
            line(nbsp),  # a no-break space is no subject either
            b"   ",  # blank: not a record
            line(_misd("AB003")),
        )
    ]


def _duplicates(folder: Path) -> list[Path]:
    a, b, c = _misd("DR001"), _misd("DR002"), _misd("DR003")
    near = _misd("DR001", comment=" ")  # one field differs by a space: not a duplicate
    return [
        write(
            folder / "duplicate_records.csv",
            line(a),
            line(b),
            line(a),
            line(c),
            line(b),
            line(a),
            line(near),
        )
    ]


def _conflicting_dob(folder: Path) -> list[Path]:
    def history(subject: str, arrest_dob: str, court_dob: str) -> list[bytes]:
        return [
            line(arrest(subject, "20100601", "11359 HS-POSSESS FOR SALE", dob=arrest_dob)),
            line(
                conviction(
                    subject,
                    "20100715",
                    "11359 HS-POSSESS FOR SALE",
                    FEL,
                    dob=court_dob,
                    cyc_date="20100601",
                )
            ),
        ]

    return [
        write(
            folder / "conflicting_dob.csv",
            *history("CD001", "19700101", "19920301"),  # 40 or 18 at the offense?
            *history("CD002", "19920301", "19920301"),  # 18: under 21
            *history("CD003", "19700101", "19700101"),  # 40
        )
    ]


def _impossible_dates(folder: Path) -> list[Path]:
    sale = "11359 HS-POSSESS FOR SALE"
    return [
        write(
            folder / "impossible_dates.csv",
            line(conviction("ID001", "20231341", sale, FEL)),  # month 13, day 41
            line(conviction("ID002", "20230230", sale, FEL)),  # February 30
            line(conviction("ID003", "20100601", sale, FEL, dob="19921341")),
        )
    ]


def _future_dates(folder: Path) -> list[Path]:
    return [
        write(
            folder / "future_dates.csv",
            line(_misd("FD001", date="20300115")),
            line(conviction("FD002", "20991231", "11358 HS-CULTIVATE", FEL)),
        )
    ]


def _partial_dates(folder: Path) -> list[Path]:
    sale = "11359 HS-POSSESS FOR SALE"
    return [
        write(
            folder / "partial_dates.csv",
            line(conviction("PD001", "19900000", "11358 HS-CULTIVATE", FEL)),  # 1990
            line(conviction("PD002", "20161100", sale, FEL)),  # November 2016
            line(conviction("PD003", "20160000", sale, FEL)),  # 2016
            line(_misd("PD004", date="20150100")),  # January 2015
        )
    ]


FILLER = 149  # 1 malformed CNT_ORDER in 150 records: under the GE suite's 1% tolerance


def _short_cnt_order(folder: Path) -> list[Path]:
    filler = [
        line(arrest("SC900", "20100101", "23152(A) VC-DUI", cnt_order=f"{i:03d}001001000"))
        for i in range(1, FILLER + 1)
    ]
    return [
        write(
            folder / "short_cnt_order.csv",
            line(_misd("SC001", cnt_order="10100")),
            *filler,
        )
    ]


def _unknown_disposition(folder: Path) -> list[Path]:
    return [
        write(
            folder / "unknown_disposition.csv",
            line(_misd("UD001", disp="HELD TO ANSWER ??")),
            line(_misd("UD002", disp="CONVICTION SET ASIDE")),  # not CONVICTED...
            line(_misd("UD003", disp="convicted-probation")),  # lower case: a conviction
            line(_misd("UD004", disp="")),
        )
    ]


def _county_spellings(folder: Path) -> list[Path]:
    return [
        write(
            folder / "county_spellings.csv",
            line(_misd("KS001", county="SAN JOAQUIN")),
            line(_misd("KS002", county="San Joaquin")),
            line(_misd("KS003", county=" san  joaquin ")),
        )
    ]


def _same_content(folder: Path) -> list[Path]:
    a = write(
        folder / "same_content_a.csv",
        line(_misd("SA001")),
        line(arrest("SA002", "20120301", "11360 HS-TRANSPORT")),
        line(conviction("SA002", "20120401", "11360 HS-TRANSPORT", FEL)),
    )
    b = folder / "same_content_b.csv"  # the same delivery again, under another name
    b.write_bytes(a.read_bytes())
    return [a, b]


CASES: list[HostileCase] = [
    HostileCase(
        "empty_file",
        "A zero-byte extract (a failed transfer).",
        _empty,
        Failure("empty_file.csv: no records (empty file or header only)"),
    ),
    HostileCase(
        "header_only",
        "The header row and nothing else.",
        _header_only,
        Failure("header_only.csv: no records (empty file or header only)"),
    ),
    HostileCase(
        "same_name_two_folders",
        "Two deliveries with the same file name: lineage keys on the name.",
        _same_name_two_folders,
        Failure("two extracts share a file name (same_name.csv)"),
    ),
    HostileCase(
        "truncated_last_record",
        "The last record cut short with no final newline; another cut inside a quoted field.",
        _truncated,
        Quarantine(
            staged={"truncated_last_record.csv": 2, "truncated_in_quote.csv": 1},
            rejects={
                "truncated_last_record.csv": {4: fields(40)},
                "truncated_in_quote.csv": {3: UNBALANCED},
            },
            decisions=(
                _eligible_misd("TR001"),
                Decision("TR002", COURT_CNT, "eligible", "dismiss_section", "dismiss"),
                Decision("TR003", COURT_CNT, None),
                Decision("TQ002", COURT_CNT, None),
            ),
        ),
    ),
    HostileCase(
        "unterminated_quote",
        "A quote that never closes (the next line survives), and quotes around part of a field.",
        _unterminated_quote,
        Quarantine(
            staged={"unterminated_quote.csv": 2},
            rejects={"unterminated_quote.csv": {3: UNBALANCED, 5: MISPLACED, 6: MISPLACED}},
            values=(FieldValue("unterminated_quote.csv", 2, "PRI_NAME", equals='O"NEIL,PAT'),),
            decisions=(_eligible_misd("UQ003"),),
        ),
    ),
    HostileCase(
        "field_count_94_96",
        "A record one field short and one a field long.",
        _field_counts,
        Quarantine(
            staged={"field_count_94_96.csv": 2},
            rejects={"field_count_94_96.csv": {3: fields(94), 4: fields(96)}},
            decisions=(_eligible_misd("FC004"), Decision("FC002", COURT_CNT, None)),
        ),
    ),
    HostileCase(
        "crlf_line_endings",
        "Windows line endings throughout, header included.",
        _crlf,
        Quarantine(
            staged={"crlf_line_endings.csv": 3},
            values=(
                FieldValue("crlf_line_endings.csv", 2, "END_OF_REC", equals=""),
                FieldValue("crlf_line_endings.csv", 4, "COMMENT_TEXT", equals="A, B"),
                FieldValue("crlf_line_endings.csv", 4, "END_OF_REC", equals=""),
            ),
            decisions=(_eligible_misd("CR001"),),
        ),
    ),
    HostileCase(
        "mixed_line_endings",
        "LF and CRLF mixed; a lone CR joins two records into one line of 189 fields.",
        _mixed,
        Quarantine(
            staged={"mixed_line_endings.csv": 5},
            rejects={"mixed_line_endings.csv": {5: fields(189)}},
            values=(
                FieldValue("mixed_line_endings.csv", 2, "END_OF_REC", equals=""),
                FieldValue("mixed_line_endings.csv", 7, "END_OF_REC", equals=""),
            ),
            decisions=(_eligible_misd("ML007"), Decision("ML004", COURT_CNT, None)),
        ),
    ),
    HostileCase(
        "utf8_bom",
        "A UTF-8 byte-order mark before the header, before a first record, before a blank line.",
        _bom,
        Quarantine(
            staged={
                "utf8_bom_header.csv": 2,
                "utf8_bom_no_header.csv": 2,
                "utf8_bom_blank_first_line.csv": 1,
            },
            blank_lines={"utf8_bom_blank_first_line.csv": 1},
            values=(
                FieldValue("utf8_bom_header.csv", 2, "RECORD_ID", equals="BH-1"),
                FieldValue("utf8_bom_no_header.csv", 1, "RECORD_ID", equals="BN-1"),
                FieldValue("utf8_bom_blank_first_line.csv", 2, "RECORD_ID", equals="BB-1"),
            ),
            decisions=(_eligible_misd("BN001"),),
        ),
    ),
    HostileCase(
        "latin1_bytes",
        "Latin-1 / Windows-1252 bytes in an otherwise UTF-8 file.",
        _latin1,
        Quarantine(
            staged={"latin1_bytes.csv": 2},
            rejects={"latin1_bytes.csv": {3: UNDECODABLE, 4: UNDECODABLE}},
            values=(FieldValue("latin1_bytes.csv", 2, "PRI_NAME", equals="MUÑOZ,JOSÉ"),),
        ),
    ),
    HostileCase(
        "nul_bytes",
        "NUL bytes inside a field, after the last field, and a line of NUL padding.",
        _nul,
        Quarantine(
            staged={"nul_bytes.csv": 2},
            rejects={"nul_bytes.csv": {3: NUL, 4: NUL, 6: NUL}},
            decisions=(_eligible_misd("NB003"), Decision("NB002", COURT_CNT, None)),
        ),
    ),
    HostileCase(
        "one_mb_field",
        "A 1 MiB comment (with commas, so quoted) on an arrest record.",
        _one_mb_field,
        Quarantine(
            staged={"one_mb_field.csv": 2},
            values=(FieldValue("one_mb_field.csv", 2, "COMMENT_TEXT", length=ONE_MB),),
            decisions=(_eligible_misd("MB001"),),
        ),
    ),
    HostileCase(
        "all_blank_rows",
        "95 empty fields; blank, space-only and no-break-space SUBJECT_IDs; a blank line.",
        _blank_rows,
        Quarantine(
            staged={"all_blank_rows.csv": 2},
            rejects={
                "all_blank_rows.csv": {3: NO_SUBJECT, 4: NO_SUBJECT, 5: NO_SUBJECT, 6: NO_SUBJECT}
            },
            blank_lines={"all_blank_rows.csv": 1},
            decisions=(_eligible_misd("AB003"),),
        ),
    ),
    HostileCase(
        "duplicate_records",
        "The same record three times and another twice in one file; a near-duplicate stays.",
        _duplicates,
        Quarantine(
            staged={"duplicate_records.csv": 4},
            rejects={
                "duplicate_records.csv": {
                    4: duplicate_of("duplicate_records.csv", 2),
                    6: duplicate_of("duplicate_records.csv", 3),
                    7: duplicate_of("duplicate_records.csv", 2),
                }
            },
            decisions=(_eligible_misd("DR001"), _eligible_misd("DR002")),
        ),
    ),
    HostileCase(
        "conflicting_dob",
        "One subject with two dates of birth (18 or 40 at the offense): the age rule cannot say.",
        _conflicting_dob,
        Quarantine(
            staged={"conflicting_dob.csv": 6},
            decisions=(
                Decision("CD001", COURT_CNT, "needs_review", "under_21"),
                Decision("CD002", COURT_CNT, "eligible", "under_21", "dismiss"),
                Decision("CD003", COURT_CNT, "eligible", "reduce_section", "reduce"),
            ),
        ),
    ),
    HostileCase(
        "impossible_dates",
        "Dates that are no day at all (20231341, 20230230), as conviction date and birth date.",
        _impossible_dates,
        Quarantine(
            staged={"impossible_dates.csv": 3},
            values=(FieldValue("impossible_dates.csv", 2, "STP_EVENT_DATE", equals="20231341"),),
            decisions=(
                Decision("ID001", COURT_CNT, "needs_review", "post_prop64"),
                Decision("ID002", COURT_CNT, "needs_review", "post_prop64"),
                Decision("ID003", COURT_CNT, "needs_review", "under_21"),
            ),
        ),
    ),
    HostileCase(
        "future_dates",
        "Conviction dates after the as-of date (2030, 2099).",
        _future_dates,
        Quarantine(
            staged={"future_dates.csv": 2},
            decisions=(
                Decision("FD001", COURT_CNT, "not_eligible", "post_prop64"),
                Decision("FD002", COURT_CNT, "not_eligible", "post_prop64"),
            ),
        ),
    ),
    HostileCase(
        "partial_dates",
        "Year-only and year-month conviction dates, on both sides of 11/9/2016.",
        _partial_dates,
        Quarantine(
            staged={"partial_dates.csv": 4},
            decisions=(
                Decision("PD001", COURT_CNT, "eligible", "dismiss_section", "dismiss"),
                Decision("PD002", COURT_CNT, "needs_review", "post_prop64"),
                Decision("PD003", COURT_CNT, "needs_review", "post_prop64"),
                _eligible_misd("PD004"),
            ),
        ),
    ),
    HostileCase(
        "short_cnt_order",
        "A CNT_ORDER too short to parse: staged and kept apart as a count of its own.",
        _short_cnt_order,
        Quarantine(
            staged={"short_cnt_order.csv": 1 + FILLER},
            decisions=(Decision("SC001", "10100", "eligible", "misdemeanor", "dismiss"),),
        ),
    ),
    HostileCase(
        "unknown_disposition",
        "Disposition strings nobody listed: staged, not convictions.",
        _unknown_disposition,
        Quarantine(
            staged={"unknown_disposition.csv": 4},
            decisions=(
                Decision("UD001", COURT_CNT, None),
                Decision("UD002", COURT_CNT, None),
                _eligible_misd("UD003"),
                Decision("UD004", COURT_CNT, None),
            ),
        ),
    ),
    HostileCase(
        "county_spellings",
        "One county in three spellings: one county folder.",
        _county_spellings,
        Quarantine(
            staged={"county_spellings.csv": 3},
            decisions=tuple(
                _eligible_misd(s, county="SAN JOAQUIN") for s in ("KS001", "KS002", "KS003")
            ),
        ),
    ),
    HostileCase(
        "same_content_two_names",
        "One extract delivered twice under two names: the second is all duplicates.",
        _same_content,
        Quarantine(
            staged={"same_content_a.csv": 3, "same_content_b.csv": 0},
            rejects={
                "same_content_b.csv": {
                    ln: duplicate_of("same_content_a.csv", ln) for ln in (2, 3, 4)
                }
            },
            decisions=(
                _eligible_misd("SA001"),
                Decision("SA002", COURT_CNT, "eligible", "reduce_section", "reduce"),
            ),
        ),
    ),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
