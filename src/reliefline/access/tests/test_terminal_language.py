"""A command speaks the language of the terminal it was typed in, not the site's default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.__main__ import terminal_language


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "uk_UA.UTF-8"}, "uk"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "uk_UA.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "ru_RU.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "uk:en"}, "uk"),
        ({"LANG": "uk_UA.UTF-8", "LANGUAGE": ""}, "uk"),
    ],
)
def test_the_locales_language_is_spoken_when_reliefline_speaks_it(
    environ: dict[str, str], language: str
) -> None:
    assert terminal_language(environ) == language


@given(st.dictionaries(st.sampled_from(["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"]), st.text()))
def test_any_locale_gives_one_of_relieflines_languages(environ: dict[str, str]) -> None:
    assert terminal_language(environ) in ("uk", "ru", "en")


def _adduser_with_unknown_role(tmp_path: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LC_") and key != "DATABASE_URL"
    }
    env.update(LANG=lang, LANGUAGE="", RELIEFLINE_DATA_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "reliefline", "adduser", "bob", "--role", "wizard"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [("C.UTF-8", "Unknown role wizard"), ("ru_RU.UTF-8", "Неизвестная роль wizard")],
)
def test_a_commands_error_is_in_the_terminals_language(
    tmp_path: Path, lang: str, said: str
) -> None:
    result = _adduser_with_unknown_role(tmp_path, lang)

    assert result.returncode != 0
    assert said in result.stderr, result.stderr
