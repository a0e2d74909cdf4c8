"""app/core/terminal.py: our styling stays markup, data never becomes markup."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from app.core.progress import progress
from app.core.terminal import add_data_row, make_console, safe_markup

HOSTILE = "Điều 5 [1] và [/a] [bold]x[/bold] :thumbs_up: C:\\"


def _shown(renderable: object) -> str:
    screen = make_console()
    with screen.capture() as captured:
        screen.print(renderable, soft_wrap=True)
    return captured.get()


def test_safe_markup_keeps_the_template_s_tags_and_the_fields_literal() -> None:
    line = safe_markup("[red]error:[/red] {} ({count:>3}, {:.1f} s, {!r})", HOSTILE, 2.25,
                       "[/b]", count=7)
    assert _shown(line) == f"error: {HOSTILE} (  7, 2.2 s, '[/b]')\n"
    [red] = Text.from_markup(line).spans
    assert (red.start, red.end, red.style) == (0, len("error:"), "red")


TEMPLATES = ("{}", "[red]{}[/red]", "[green]{}[/green] {}", "{} ({})", "{}{}", "{}/login",
             "\\[{}]", "[{}", "{}bold] y", "\\\\{}", "[b]{}[/b][{}]", "{} [1]",
             # a template backslash right after a field: field and template backslashes meet
             "{}\\[x] {}", "{}\\\\[b]z[/b]{}", "x\\{}[b]y[/b]{}", "{}\\[{}",
             "{}\\\\\\[y]{}", "[b]{}\\[/b]{}")
# what rich reads specially: brackets, backslashes, tag words
FIELD_TEXT = st.lists(st.sampled_from(["[", "]", "\\", "/", "a", "red", " ", "1", "@", "#", "Đ",
                                       "[/a]", "\\[1]"]), max_size=10).map("".join)


@given(template=st.sampled_from(TEMPLATES), fields=st.lists(FIELD_TEXT, min_size=2, max_size=2))
def test_any_field_is_shown_as_given_around_any_template(template: str,
                                                         fields: list[str]) -> None:
    """Backslashes included: rich.markup.escape alone shows "C:\\" as "C:\\\\" unless a tag
    follows, and "\\[1]" loses its backslash."""
    expected = Text.from_markup(template.replace("{}", "\x00")).plain
    for field in fields:
        expected = expected.replace("\x00", field, 1)
    assert Text.from_markup(safe_markup(template, *fields)).plain == expected


def test_a_field_ending_in_a_backslash_keeps_one() -> None:
    assert _shown(safe_markup("[green]{}[/green] {}", "C:\\", "D:\\")) == "C:\\ D:\\\n"


def test_data_rows_are_shown_as_stored_and_text_cells_keep_their_style() -> None:
    table = Table("a", "b")
    add_data_row(table, HOSTILE, Text("đỏ", style="red"))
    console = Console(width=400)  # rich's defaults: markup, emoji codes
    with console.capture() as captured:
        console.print(table)
    assert HOSTILE in captured.get() and "đỏ" in captured.get()


def test_the_cli_console_leaves_emoji_codes_alone() -> None:
    assert _shown(":thumbs_up: 08:30:00") == ":thumbs_up: 08:30:00\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_shows_its_label_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "200")
    with progress("Tính lại [/a] [bold]x", "hồ sơ [red]", interactive=True) as tracker:
        tracker.start(2)
        tracker.advance(1)
    assert "Tính lại [/a] [bold]x" in screen.getvalue()
    assert "hồ sơ [red]" in screen.getvalue()
