"""Reading a receipts file (`api.import_parsing`): Vietnamese headers, day-first dates and
real Excel date cells, each refusal naming its row and field; no database needed."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest

from api.import_parsing import (
    HEADER_ALIASES,
    OPTIONAL,
    REQUIRED,
    ImportRejected,
    parse_date,
    parse_receipts,
    read_table,
)
from api.settings import ROOT
from inventory.commands import Receipt
from inventory.models import Condition


def _csv(text: str) -> tuple[list[tuple[int, Receipt]], list[dict[str, Any]]]:
    return parse_receipts(read_table(text.encode(), "receipts.csv", max_rows=100))


def _xlsx(rows: list[list[Any]]) -> tuple[list[tuple[int, Receipt]], list[dict[str, Any]]]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return parse_receipts(read_table(buf.getvalue(), "receipts.xlsx", max_rows=100))


def _header_refusal(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as refused:
        read_table(text.encode(), "receipts.csv", max_rows=100)
    return [(e["row"], e["field"]) for e in refused.value.errors or []]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2028-11-30", dt.date(2028, 11, 30)),
        ("30/11/2028", dt.date(2028, 11, 30)),
        ("1/2/2028", dt.date(2028, 2, 1)),
        ("01/02/2028", dt.date(2028, 2, 1)),
        ("29/02/2028", dt.date(2028, 2, 29)),
    ],
)
def test_an_import_date_is_iso_or_day_first_as_vietnam_writes_it(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize(
    "text",
    [
        "2028/11/30",
        "11/30/2028",
        "30/11/28",
        "30.11.2028",
        "29/02/2027",
        "2028-11-30T00:00:00",
        "2028-11-30 08:00:00",
        " 30/11/2028",
        "\u0663\u0660/\u0661\u0661/\u0662\u0660\u0662\u0668",  # Arabic-Indic digits: \d, not [0-9]
        "1764460800",
    ],
)
def test_anything_else_is_not_an_import_date_and_the_reason_quotes_it(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_date(text)


def test_a_row_with_a_bad_date_names_its_row_and_field_and_the_rest_still_parse() -> None:
    receipts, errors = _csv(
        "depot,item,quantity,lot_no,expiry_date,calibration_due\n"
        "D-AAA,HTH,2,H-1,30/11/2028,\n"
        "D-AAA,HTH,2,H-2,30/11/28,2028-13-01\n"
    )

    assert [(row, r.expiry_date) for row, r in receipts] == [(2, dt.date(2028, 11, 30))]
    assert [(e["row"], e["field"]) for e in errors] == [
        (3, "expiry_date"),
        (3, "calibration_due"),
    ]
    assert "dd/mm/yyyy" in errors[0]["message"]
    assert "not a calendar date" in errors[1]["message"]


def test_vietnamese_headers_are_their_columns_whatever_their_case_and_spacing() -> None:
    receipts, errors = _csv(
        "KHO, mã  vật tư ,Số lượng,Số lô,Hạn sử dụng,Hạn hiệu chuẩn,Tình trạng,Nguồn,"
        "Chứng từ,Ghi chú\n"
        "D-AAA,HTH,7,H-1,31/01/2029,,quarantined,production,PN-12,Hàng về từ Hải Phòng\n"
    )

    assert errors == []
    assert [r for _, r in receipts] == [
        Receipt(
            depot="D-AAA",
            item="HTH",
            quantity=7,
            lot_no="H-1",
            expiry_date=dt.date(2029, 1, 31),
            condition=Condition.QUARANTINED,
            source="production",
            reference="PN-12",
            note="Hàng về từ Hải Phòng",
        )
    ]


def test_a_decomposed_vietnamese_header_is_read_as_its_composed_self() -> None:
    decomposed = "So\u0302\u0301 lu\u031bo\u031b\u0323ng"  # "Số lượng" as macOS may write it

    receipts, errors = _csv(f"Kho,Mã vật tư,{decomposed}\nD-AAA,BOOM,3\n")

    assert (errors, [r.quantity for _, r in receipts]) == ([], [3])


def test_a_header_stripped_of_its_diacritics_is_an_unknown_column() -> None:
    assert _header_refusal("Kho,Ma vat tu,So luong\nD-AAA,BOOM,3\n") == [
        (1, "Ma vat tu"),
        (1, "So luong"),
        (1, "item"),
        (1, "quantity"),
    ]


@pytest.mark.parametrize(
    "header", ["depot,Kho,item,quantity", "depot,item,quantity,DEPOT", "Kho,kho,item,quantity"]
)
def test_two_headers_that_mean_one_column_are_refused_at_row_1(header: str) -> None:
    assert _header_refusal(f"{header}\nD-AAA,D-AAA,BOOM,3\n") == [(1, "depot")]


def test_a_filled_column_without_a_header_is_refused_and_an_empty_one_ignored() -> None:
    assert _header_refusal("depot,item,quantity,\nD-AAA,BOOM,3,x\n") == [(1, "column 4")]
    receipts, errors = _csv("depot,item,,quantity\nD-AAA,BOOM,,3\n")
    assert (errors, [r.quantity for _, r in receipts]) == ([], [3])


def test_an_xlsx_date_cell_reads_as_its_date_and_one_with_a_time_is_refused() -> None:
    receipts, errors = _xlsx(
        [
            ["Kho", "Mã vật tư", "Số lượng", "Số lô", "Hạn sử dụng"],
            ["D-AAA", "HTH", 2, "H-1", dt.datetime(2028, 11, 30)],
            ["D-AAA", "HTH", 2, "H-2", dt.date(2029, 1, 31)],
            ["D-AAA", "HTH", 2, "H-3", "30/11/2028"],
            ["D-AAA", "HTH", 2, "H-4", dt.datetime(2028, 11, 30, 8, 0)],
        ]
    )

    assert [(row, r.expiry_date) for row, r in receipts] == [
        (2, dt.date(2028, 11, 30)),
        (3, dt.date(2029, 1, 31)),
        (4, dt.date(2028, 11, 30)),
    ]
    assert [(e["row"], e["field"]) for e in errors] == [(5, "expiry_date")]


def test_the_readme_documents_every_import_column_and_alias() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Import columns\n", 1)[1].split("\n#", 1)[0]
    rows = {
        cells[1].strip("` "): cells[2]
        for line in section.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) > 3
    }
    assert set(rows) == set(REQUIRED + OPTIONAL)
    for column, aliases in HEADER_ALIASES.items():
        assert all(f"`{alias}`" in rows[column] for alias in aliases), column
