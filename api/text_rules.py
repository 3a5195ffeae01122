"""The string rules of every request, in one place: each string is NFC-normalised and fits
its column; free text carries no NUL (PostgreSQL cannot store one); codes and lot numbers
carry no control (Unicode Cc) or invisible format (Cf) character either, so "LOT\u200b1"
cannot become a look-alike lot.

Use the `code_rule(n)` / `text_rule(n)` types in body schemas and `Query`/`Path`
parameters alike: the JSON API and the CSV import (api/tabular.py) then apply the very same
rules, and the OpenAPI schema states them (`maxLength`, `pattern`; the pattern covers the
Basic Multilingual Plane, the validator every plane)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

#: Unicode categories refused in codes and lot numbers (anywhere else only NUL is; a lone
#: surrogate, category Cs, pydantic itself refuses as not a valid string).
_NOT_IN_CODES = frozenset({"Cc", "Cf"})


def _bmp_ranges(categories: frozenset[str]) -> list[tuple[int, int]]:
    """Runs of Basic Multilingual Plane code points in `categories` (for a JSON Schema
    pattern, whose `\\uXXXX` escapes reach the BMP only)."""
    runs: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) in categories:
            if runs and runs[-1][1] == cp - 1:
                runs[-1] = (runs[-1][0], cp)
            else:
                runs.append((cp, cp))
    return runs


def _pattern(runs: list[tuple[int, int]]) -> str:
    """A JSON Schema (ECMA 262) pattern of strings free of the given code points."""
    parts = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in runs)
    return f"^[^{parts}]*$"


CODE_PATTERN = _pattern(_bmp_ranges(_NOT_IN_CODES))
TEXT_PATTERN = _pattern([(0, 0)])


@dataclass(frozen=True)
class _Rule:
    """Pydantic metadata of a string: its length (after stripping surrounding spaces if
    `strip`), then NFC normalisation, then the characters `strict` forbids. The length is
    checked again after normalisation, which can (rarely) lengthen a string."""

    max_length: int
    min_length: int
    strip: bool
    strict: bool

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        shape = core_schema.str_schema(
            strip_whitespace=self.strip, min_length=self.min_length, max_length=self.max_length
        )
        return core_schema.no_info_after_validator_function(self.check, shape)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = CODE_PATTERN if self.strict else TEXT_PATTERN
        return json_schema

    def check(self, value: str) -> str:
        value = unicodedata.normalize("NFC", value)
        for index, char in enumerate(value):
            category = unicodedata.category(char)
            if char == "\x00" or (self.strict and category in _NOT_IN_CODES):
                raise PydanticCustomError(
                    "forbidden_character",
                    "character {char} ({name}, category {category}) at position {index} is "
                    "not allowed here",
                    {
                        "char": f"U+{ord(char):04X}",
                        "name": unicodedata.name(char, "unnamed"),
                        "category": category,
                        "index": index,
                    },
                )
        if len(value) > self.max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": self.max_length},
            )
        return value


def code_rule(max_length: int) -> _Rule:
    """A code or lot number: surrounding spaces stripped, 1..max_length characters, no
    control or invisible format characters."""
    return _Rule(max_length, 1, strip=True, strict=True)


def text_rule(max_length: int, *, min_length: int = 0, strip: bool = False) -> _Rule:
    """Free text (a reference, a note, a reason): any text, newlines included, no NUL."""
    return _Rule(max_length, min_length, strip=strip, strict=False)


#: Column lengths of inventory.models, named once for the schemas.
DEPOT_CODE_LENGTH = 16
ITEM_CODE_LENGTH = 24
LOT_NO_LENGTH = 60
#: `note` and `description` are TEXT columns: this is the API's own bound.
NOTE_LENGTH = 500

DepotCode = Annotated[str, code_rule(DEPOT_CODE_LENGTH)]
ItemCode = Annotated[str, code_rule(ITEM_CODE_LENGTH)]
LotNo = Annotated[str, code_rule(LOT_NO_LENGTH)]
#: locations.code (a destination such as an incident site)
LocationCode = Annotated[str, code_rule(60)]
#: items.category, jobs.kind, movements.reason
ShortCode = Annotated[str, code_rule(40)]
NodeId = Annotated[str, code_rule(40)]
#: movements.reference, reservations.reference
Reference = Annotated[str, text_rule(120)]
Note = Annotated[str, text_rule(NOTE_LENGTH)]
#: movements.reason (free words, e.g. a reversal's why)
MovementReason = Annotated[str, text_rule(40, min_length=1)]
