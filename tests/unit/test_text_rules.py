"""The string rules of api/text_rules.py on their own: normalisation, refused characters,
lengths after normalisation, and a JSON Schema pattern that says what the validator does."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from api.text_rules import CODE_PATTERN, TEXT_PATTERN, LotNo, code_rule, text_rule

LOT = TypeAdapter(LotNo)
NOTE = TypeAdapter(Annotated[str, text_rule(20)])


def test_a_lot_number_is_stripped_and_nfc_normalised() -> None:
    assert LOT.validate_python("  Lo\u0302-1 ") == "Lô-1"


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\t", "\x7f", "\x85", "\u200b", "\u2060", "\ufeff"]
)
def test_a_control_or_format_character_inside_a_lot_number_is_refused(char: str) -> None:
    with pytest.raises(ValidationError) as refused:
        LOT.validate_python(f"L{char}1")

    [error] = refused.value.errors()
    assert error["type"] == "forbidden_character"
    assert f"U+{ord(char):04X}" in error["msg"]


def test_free_text_keeps_newlines_and_tabs_but_refuses_a_nul() -> None:
    assert NOTE.validate_python("a\tb\nc\u200b") == "a\tb\nc\u200b"
    with pytest.raises(ValidationError, match="U\\+0000"):
        NOTE.validate_python("a\x00b")


def test_a_lone_surrogate_is_refused_even_in_free_text() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        NOTE.validate_python("a\ud800")


def test_a_string_that_normalisation_lengthens_past_the_limit_is_refused() -> None:
    # U+0344 (combining greek dialytika tonos) becomes two characters under NFC
    grows = "\u0344" * 3
    assert len(unicodedata.normalize("NFC", grows)) == 6
    short = TypeAdapter(Annotated[str, text_rule(5)])

    with pytest.raises(ValidationError, match="at most 5"):
        short.validate_python(grows)


def test_the_json_schema_states_the_length_and_the_pattern() -> None:
    schema = TypeAdapter(Annotated[str, code_rule(16)]).json_schema()

    assert schema == {"type": "string", "minLength": 1, "maxLength": 16, "pattern": CODE_PATTERN}


def test_the_published_patterns_accept_exactly_what_the_validators_accept_in_the_bmp() -> None:
    code, text = re.compile(CODE_PATTERN), re.compile(TEXT_PATTERN)
    wide = TypeAdapter(Annotated[str, code_rule(4)])
    free = TypeAdapter(Annotated[str, text_rule(4)])

    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF or unicodedata.normalize("NFC", chr(cp)) != chr(cp):
            continue  # surrogates are not characters; normalisation changes the others
        char = f"a{chr(cp)}b"
        assert bool(code.match(char)) == _accepts(wide, char), hex(cp)
        assert bool(text.match(char)) == _accepts(free, char), hex(cp)


def _accepts(adapter: TypeAdapter[str], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True
