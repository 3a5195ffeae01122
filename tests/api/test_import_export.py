"""GET /stock/export (CSV, XLSX) and POST /movements/import: all rows or none, each bad
row named (header = row 1), and an export that imports back."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pandas as pd
import pytest

from tests.api.api_support import (
    FAR_EXPIRY,
    Api,
    Facts,
    Snapshot,
    assert_problem,
    csv_bytes,
    new_key,
    new_lot_no,
)

EXPORT_COLUMNS = [
    "depot",
    "item",
    "name_vi",
    "name_en",
    "category",
    "unit",
    "lot_no",
    "expiry_date",
    "calibration_due",
    "condition",
    "status",
    "on_hand",
    "reserved",
    "available",
]
SHARED_COLUMNS = [c for c in EXPORT_COLUMNS if c != "name_vi"]
IMPORT_COLUMNS = ["depot", "item", "quantity", "lot_no", "expiry_date", "reference"]
FORMATS = ["csv", "xlsx"]


def _key_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["depot"], row["item"], row["lot_no"] or None)


def _as_api_rows(records: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Exported rows keyed like the API's, with empty cells as None and dates as ISO text."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        row = {k: (None if v is None or v == "" or v != v else v) for k, v in record.items()}
        for column in ("expiry_date", "calibration_due"):
            if isinstance(row[column], dt.datetime):
                row[column] = row[column].date().isoformat()
        for column in ("on_hand", "reserved", "available"):
            row[column] = int(row[column])
        out[_key_of(row)] = row
    return out


def _texts(row: dict[str, Any]) -> dict[str, str | None]:
    """The columns an export shares with GET /stock, as text, so cells and JSON values
    compare (the API's `item_name` is the export's `name_en`)."""
    row = {"name_en": row.get("item_name"), **row}
    return {c: None if row[c] in (None, "") else str(row[c]) for c in SHARED_COLUMNS}


def _read_export(content: bytes, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        return list(frame.to_dict(orient="records"))
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["stock"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


# ------------------------------------------------------------------- export
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_of_a_depot_matches_its_stock_by_lot(api: Api, facts: Facts, fmt: str) -> None:
    depot = facts.lot(tracking="lot", status="expired")["depot"]

    response = api.client.get("/stock/export", params={"format": fmt, "depot": depot})

    assert response.status_code == 200, response.text
    assert f'filename="stock-{depot}.{fmt}"' in response.headers["content-disposition"]
    expected_type = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats"
    assert response.headers["content-type"].startswith(expected_type)
    records = _read_export(response.content, fmt)
    assert records
    assert list(records[0]) == EXPORT_COLUMNS
    exported = _as_api_rows(records)
    stock = {_key_of(r): r for r in api.stock_lots(depot=depot)}
    assert exported.keys() == stock.keys()
    for key, row in exported.items():
        assert _texts(row) == _texts(stock[key]), key
    assert sum(r["on_hand"] for r in exported.values()) == sum(r["on_hand"] for r in stock.values())


def test_an_export_of_one_item_covers_every_depot_holding_it(api: Api, facts: Facts) -> None:
    item = facts.lot(tracking="lot", status="quarantined")["item"]

    response = api.client.get("/stock/export", params={"item": item})

    assert response.status_code == 200
    exported = _as_api_rows(_read_export(response.content, "csv"))
    stock = api.stock_lots(item=item)
    assert exported.keys() == {_key_of(r) for r in stock}
    assert len({r["depot"] for r in stock}) > 1
    assert {r["status"] for r in exported.values()} == {r["status"] for r in stock}


def test_an_export_for_an_unknown_depot_is_a_404_naming_the_depot(api: Api) -> None:
    response = api.client.get("/stock/export", params={"depot": "NO-SUCH"})

    assert_problem(response, 404, "depot")


def test_an_export_in_an_unknown_format_is_a_422_naming_format(api: Api) -> None:
    assert_problem(api.client.get("/stock/export", params={"format": "pdf"}), 422, "format")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_names_each_item_in_vietnamese_beside_english(
    api: Api, facts: Facts, fmt: str
) -> None:
    depot = facts.lot(tracking="lot")["depot"]

    response = api.client.get("/stock/export", params={"format": fmt, "depot": depot})

    records = _read_export(response.content, fmt)
    names = {(r["item"], r["name_vi"], r["name_en"]) for r in records}
    assert names == {(i, facts.items[i]["name_vi"], facts.items[i]["name_en"]) for i, _, _ in names}
    assert any(not name_vi.isascii() for _, name_vi, _ in names)  # diacritics kept


def test_a_csv_export_is_utf8_with_a_byte_order_mark_so_excel_shows_diacritics(
    api: Api, facts: Facts
) -> None:
    depot = facts.lot(tracking="lot")["depot"]

    content = api.client.get("/stock/export", params={"depot": depot}).content

    assert content.startswith(b"\xef\xbb\xbfdepot,item,name_vi,name_en,")
    text = content.decode("utf-8-sig")
    assert any(
        item["name_vi"] in text for item in facts.items.values() if not item["name_vi"].isascii()
    )


def _filters_of(facts: Facts) -> list[dict[str, str]]:
    """One set of GET /stock filters per kind, each matching some stock."""
    quarantined = facts.lot(tracking="lot", status="quarantined")
    return [
        {"lot": quarantined["lot_no"]},
        {"condition": "quarantined"},
        {"depot": quarantined["depot"], "category": facts.items[quarantined["item"]]["category"]},
        {"item": quarantined["item"], "condition": "serviceable"},
    ]


@pytest.mark.parametrize("which", range(4), ids=["lot", "condition", "depot+category", "item"])
def test_an_export_takes_the_filters_of_get_stock(api: Api, facts: Facts, which: int) -> None:
    filters = _filters_of(facts)[which]

    response = api.client.get("/stock/export", params={"format": "csv", **filters})

    assert response.status_code == 200, response.text
    exported = _as_api_rows(_read_export(response.content, "csv"))
    stock = {_key_of(r): r for r in api.stock_lots(**filters)}
    assert exported and exported.keys() == stock.keys()
    assert len(stock) < len(facts.lots)
    for key, row in exported.items():
        assert _texts(row) == _texts(stock[key]), key


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"item": "NO-SUCH-ITEM"}, 404, "item"),
        ({"condition": "broken"}, 422, "condition"),
        ({"lot": "bad\u200blot"}, 422, "lot"),
    ],
    ids=["unknown-item", "unknown-condition", "invisible-character-in-lot"],
)
def test_an_export_with_a_bad_filter_is_a_problem_naming_it(
    api: Api, params: dict[str, str], status: int, field: str
) -> None:
    assert_problem(api.client.get("/stock/export", params=params), status, field)


# ------------------------------------------------------------ import basics
def _receipt_rows(facts: Facts) -> tuple[list[list[Any]], list[tuple[str, str]], str]:
    """Two good rows (an untracked item, a new lot of a lot-tracked item), the depot x
    item pairs they touch, and the new lot number."""
    untracked = facts.lot(tracking="none")
    item = facts.item_with("lot", shelf_life=True)["code"]
    depot = facts.receiving_depot(item)
    lot_no = new_lot_no()
    rows = [
        [untracked["depot"], untracked["item"], 4, "", "", "GRN-1"],
        [depot, item, 6, lot_no, FAR_EXPIRY.isoformat(), "GRN-2"],
    ]
    return rows, [(untracked["depot"], untracked["item"]), (depot, item)], lot_no


def _snapshots(api: Api, pairs: list[tuple[str, str]]) -> list[Snapshot]:
    return [api.snapshot(depot, item) for depot, item in pairs]


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_receipts_posts_every_row(api: Api, facts: Facts, fmt: str) -> None:
    rows, pairs, lot_no = _receipt_rows(facts)
    before = [api.on_hand(depot, item) for depot, item in pairs]

    response = api.import_table(fmt, IMPORT_COLUMNS, rows)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["rows"] == 2
    assert len(result["movement_ids"]) == 2
    assert result["replayed"] is False
    assert [api.on_hand(d, i) for d, i in pairs] == [before[0] + 4, before[1] + 6]
    [lot] = [x for x in api.detail(*pairs[1])["lots"] if x["lot_no"] == lot_no]
    assert (lot["on_hand"], lot["expiry_date"]) == (6, FAR_EXPIRY.isoformat())
    assert api.card(*pairs[0])[-1]["reference"] == "GRN-1"


def test_a_retried_import_replays_and_a_changed_file_with_the_same_key_is_409(
    api: Api, facts: Facts
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    content = csv_bytes(IMPORT_COLUMNS, rows)
    key = new_key()
    first = api.import_file(content, "receipts.csv", key=key)
    after_first = _snapshots(api, pairs)

    retry = api.import_file(content, "receipts.csv", key=key)
    changed = api.import_file(csv_bytes(IMPORT_COLUMNS, rows[:1]), "receipts.csv", key=key)

    assert first.status_code == 201, first.text
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == {**first.json(), "replayed": True}
    assert_problem(changed, 409, "Idempotency-Key")
    assert _snapshots(api, pairs) == after_first


# --------------------------------------------------------- import refusals
def _assert_import_refused(
    api: Api, fmt: str, columns: list[str], rows: list[list[Any]], pairs: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The file is refused with 422, nothing is posted; returns the errors[] list."""
    before = _snapshots(api, pairs)

    response = api.import_table(fmt, columns, rows)

    problem = assert_problem(response, 422)
    assert _snapshots(api, pairs) == before
    errors: list[dict[str, Any]] = problem["errors"]
    assert all(set(e) == {"row", "field", "message"} and e["message"] for e in errors)
    assert problem["field"] == errors[0]["field"]
    return errors


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("missing", ["depot", "item", "quantity"])
def test_an_import_missing_a_column_is_refused_at_row_1(
    api: Api, facts: Facts, fmt: str, missing: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    keep = [i for i, c in enumerate(IMPORT_COLUMNS) if c != missing]

    errors = _assert_import_refused(
        api, fmt, [IMPORT_COLUMNS[i] for i in keep], [[r[i] for i in keep] for r in rows], pairs
    )

    assert [(e["row"], e["field"]) for e in errors] == [(1, missing)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_an_unknown_column_is_refused_at_row_1(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)

    errors = _assert_import_refused(
        api, fmt, [*IMPORT_COLUMNS, "colour"], [[*r, "red"] for r in rows], pairs
    )

    assert [(e["row"], e["field"]) for e in errors] == [(1, "colour")]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("quantity", ["abc", "2.5", "0", "-3", ""])
def test_an_import_with_a_bad_number_is_refused_naming_the_row_and_quantity(
    api: Api, facts: Facts, fmt: str, quantity: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows[1][2] = quantity

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "quantity")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_an_unknown_item_is_refused_naming_the_row_and_item(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows[0][1] = "NO-SUCH-ITEM"

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(2, "item")]
    assert "NO-SUCH-ITEM" in errors[0]["message"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_one_good_row_and_two_bad_numbers_posts_nothing_and_names_both(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows = [rows[0], [*rows[0][:2], "abc", *rows[0][3:]], [*rows[1][:2], "-1", *rows[1][3:]]]

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "quantity"), (4, "quantity")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_one_good_row_and_two_unknown_codes_posts_nothing_and_names_both(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows = [rows[0], [rows[0][0], "NO-SUCH-ITEM", *rows[0][2:]], ["NO-SUCH-DEPOT", *rows[1][1:]]]

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "item"), (4, "depot")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_refuses_rows_that_break_ledger_rules_naming_each(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    untracked, lot_tracked = rows
    rows = [
        untracked,
        [*untracked[:3], "LOT-ON-UNTRACKED", *untracked[4:]],
        [*lot_tracked[:3], "", *lot_tracked[4:]],
    ]

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "lot_no"), (4, "lot_no")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_a_good_row_a_bad_number_and_an_unknown_item_names_both_bad_rows(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows = [
        rows[0],
        [*rows[1][:2], "abc", *rows[1][3:]],
        [rows[0][0], "NO-SUCH-ITEM", 1, "", "", ""],
    ]

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "quantity"), (4, "item")]


#: the Vietnamese headers, in IMPORT_COLUMNS order, as a sheet might spell them
VIETNAMESE_HEADERS = ["Kho", "MÃ VẬT TƯ", " Số  lượng ", "số lô", "Hạn sử dụng", "Chứng từ"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_vietnamese_headers_and_day_first_dates_posts_every_row(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, lot_no = _receipt_rows(facts)
    rows[1][4] = FAR_EXPIRY.strftime("%d/%m/%Y")
    before = [api.on_hand(depot, item) for depot, item in pairs]

    response = api.import_table(fmt, VIETNAMESE_HEADERS, rows)

    assert response.status_code == 201, response.text
    assert [api.on_hand(d, i) for d, i in pairs] == [before[0] + 4, before[1] + 6]
    [lot] = [x for x in api.detail(*pairs[1])["lots"] if x["lot_no"] == lot_no]
    assert lot["expiry_date"] == FAR_EXPIRY.isoformat()
    assert api.card(*pairs[0])[-1]["reference"] == "GRN-1"


def test_an_xlsx_import_reads_a_real_date_cell_as_its_date(api: Api, facts: Facts) -> None:
    rows, pairs, lot_no = _receipt_rows(facts)
    rows[1][4] = dt.datetime.combine(FAR_EXPIRY, dt.time(0))

    response = api.import_table("xlsx", IMPORT_COLUMNS, rows)

    assert response.status_code == 201, response.text
    [lot] = [x for x in api.detail(*pairs[1])["lots"] if x["lot_no"] == lot_no]
    assert lot["expiry_date"] == FAR_EXPIRY.isoformat()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "cell",
    ["2028/11/30", "30-11-2028", "11/30/2028", "30/11/28", "31/02/2028", "1764460800", "soon"],
)
def test_an_import_date_that_is_neither_iso_nor_dd_mm_yyyy_is_refused_naming_the_row_and_field(
    api: Api, facts: Facts, fmt: str, cell: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows[1][4] = cell

    errors = _assert_import_refused(api, fmt, IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "expiry_date")]
    assert cell in errors[0]["message"]


def test_an_xlsx_date_cell_with_a_time_of_day_is_refused_naming_the_row_and_field(
    api: Api, facts: Facts
) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    rows[1][4] = dt.datetime.combine(FAR_EXPIRY, dt.time(8, 30))

    errors = _assert_import_refused(api, "xlsx", IMPORT_COLUMNS, rows, pairs)

    assert [(e["row"], e["field"]) for e in errors] == [(3, "expiry_date")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_import_with_two_headers_for_one_column_is_refused_at_row_1(
    api: Api, facts: Facts, fmt: str
) -> None:
    rows, pairs, _ = _receipt_rows(facts)

    errors = _assert_import_refused(
        api, fmt, [*IMPORT_COLUMNS, "Kho"], [[*r, r[0]] for r in rows], pairs
    )

    assert [(e["row"], e["field"]) for e in errors] == [(1, "depot")]
    assert "'depot' and 'Kho'" in errors[0]["message"]


def test_an_import_row_number_counts_blank_lines_like_a_spreadsheet(api: Api, facts: Facts) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    good = csv_bytes(IMPORT_COLUMNS, rows[:1]).decode()
    bad = csv_bytes(IMPORT_COLUMNS, [[*rows[1][:2], "abc", *rows[1][3:]]]).decode()
    content = (good + "\n" + bad.split("\n", 1)[1]).encode()  # line 3 is blank
    before = _snapshots(api, pairs)

    response = api.import_file(content, "receipts.csv")

    problem = assert_problem(response, 422)
    assert _snapshots(api, pairs) == before
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(4, "quantity")]


@pytest.mark.parametrize(
    ("filename", "content", "status"),
    [
        ("receipts.pdf", b"%PDF-1.4", 415),
        ("receipts.csv", b"", 422),
        ("receipts.csv", b"depot,item,quantity\n", 422),
        ("receipts.xlsx", b"not a zip file", 422),
    ],
    ids=["unsupported-type", "empty-file", "header-only", "corrupt-xlsx"],
)
def test_an_unreadable_or_empty_upload_is_refused_naming_the_file(
    api: Api, facts: Facts, filename: str, content: bytes, status: int
) -> None:
    row = facts.lot(tracking="none")
    before = api.snapshot(row["depot"], row["item"])

    response = api.import_file(content, filename)

    assert_problem(response, status, "file")
    assert api.snapshot(row["depot"], row["item"]) == before


def test_an_import_needs_an_idempotency_key_and_a_file(api: Api, facts: Facts) -> None:
    rows, pairs, _ = _receipt_rows(facts)
    before = _snapshots(api, pairs)

    no_key = api.client.post(
        "/movements/import",
        files={"file": ("receipts.csv", csv_bytes(IMPORT_COLUMNS, rows), "text/csv")},
    )
    no_file = api.client.post("/movements/import", headers={"Idempotency-Key": new_key()})

    assert_problem(no_key, 422, "Idempotency-Key")
    assert_problem(no_file, 422, "file")
    assert _snapshots(api, pairs) == before


# --------------------------------------------------------------- round trip
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imported_back_doubles_every_lot_it_lists(
    api: Api, facts: Facts, fmt: str
) -> None:
    depot, item = facts.fefo_case()
    exported = api.client.get("/stock/export", params={"format": fmt, "depot": depot, "item": item})
    records = _read_export(exported.content, fmt)
    columns = ["depot", "item", "quantity", "lot_no", "expiry_date", "calibration_due", "condition"]
    rows = [
        [
            r["depot"],
            r["item"],
            r["on_hand"],
            r["lot_no"],
            r["expiry_date"],
            r["calibration_due"],
            r["condition"],
        ]
        for r in records
    ]
    before = {_key_of(r): r for r in api.stock_lots(depot=depot, item=item)}

    response = api.import_table(fmt, columns, rows)

    assert response.status_code == 201, response.text
    assert response.json()["rows"] == len(records) == len(before)
    after = {_key_of(r): r for r in api.stock_lots(depot=depot, item=item)}
    assert after.keys() == before.keys()
    for key, row in after.items():
        assert row["on_hand"] == 2 * before[key]["on_hand"], key
        assert (row["expiry_date"], row["condition"], row["status"]) == (
            before[key]["expiry_date"],
            before[key]["condition"],
            before[key]["status"],
        )
    again = _as_api_rows(
        _read_export(
            api.client.get(
                "/stock/export", params={"format": fmt, "depot": depot, "item": item}
            ).content,
            fmt,
        )
    )
    assert {k: r["on_hand"] for k, r in again.items()} == {
        k: r["on_hand"] for k, r in after.items()
    }
