"""What the `tthc` command prints on a terminal: the one place its rich consoles are made, and
the two ways stored data reaches them without being read as rich markup.

rich reads `[...]` in every string it prints as a style tag, and `:name:` as an emoji code. A
procedure name such as "Điều 5 [1] và [/a]" would stop a command with `MarkupError`, and
"[bold]x" would silently lose its brackets. Our own styling ("[red]error:[/red]") stays markup;
data never is:
- a table row of data goes through `add_data_row`, whose cells are `Text`, never parsed;
- a line mixing our styling with data is `safe_markup("[red]error:[/red] {}", reason)`: every
  field, formatted with its spec, is escaped before rich sees it.
tests/structure/test_terminal_output.py keeps the CLI modules on these paths.
"""

from __future__ import annotations

import re
import string
from typing import Any

from rich.console import Console
from rich.progress import TextColumn
from rich.table import Table
from rich.text import Text


def make_console(*, stderr: bool = False, highlight: bool = True) -> Console:
    """A console for the CLI. Emoji codes are off: "08:30:ok:" in a reason is data, not a 👌."""
    return Console(stderr=stderr, highlight=highlight, emoji=False)


def add_data_row(table: Table, *cells: str | Text) -> None:
    """Add a row whose cells are shown exactly as stored (a `Text` passes through as it is)."""
    table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))


# where rich.markup starts a tag: "[" then a letter, "#", "/" or "@", up to the next "]"
_TAG_AT = re.compile(r"\[[a-z#/@][^[]*?]")
_FIELDS = string.Formatter()


def safe_markup(template: str, *args: Any, **kwargs: Any) -> str:
    """`template.format(...)` for rich: the template's tags style, the fields stay literal text.

    `safe_markup("[green]{}[/green] {code}", outcome, code="[/a]")` -> "[green]created[/green]
    \\[/a]", which rich prints as "created [/a]". Fields are `{}`, `{0}`, `{name}`, with a
    conversion and a format spec (`{!r}`, `{:.1f}`). A "[" of the template is markup as ever
    ("\\[" for a literal one), but never opens a tag whose words come from a field."""
    text, is_field = "", []
    auto = 0
    for literal, field, spec, conversion in _FIELDS.parse(template):
        text += literal
        is_field += [False] * len(literal)
        if field is None:
            continue
        if field == "":
            field, auto = str(auto), auto + 1
        value, _ = _FIELDS.get_field(field, args, kwargs)
        shown = format(_FIELDS.convert_field(value, conversion), spec or "")
        # the template's backslashes just before a field escape nothing there: shown as is
        trailing = len(text) - len(text.rstrip("\\"))
        is_field[len(text) - trailing:] = [True] * trailing
        text += shown
        is_field += [True] * len(shown)
    return _escape_fields(text, is_field)


def _escape_fields(text: str, is_field: list[bool]) -> str:
    """Backslashes before each "[" set as rich.markup reads them: a run of k backslashes before
    a tag shows k // 2 of them and an odd run escapes the tag; before any other "[" one of them
    is dropped. The data's backslashes (`is_field`) are shown as given, the template's keep
    their markup meaning. (rich.markup.escape alone gets a field's trailing backslash wrong
    unless a tag follows, and lets "\\[1]" lose its backslash.)"""
    out: list[str] = []
    data, ours = 0, 0  # backslashes seen and not yet written: from fields, from the template
    for index, char in enumerate(text):
        if char == "\\":
            if is_field[index]:
                data += 1
            else:
                ours += 1
            continue
        run = data + ours
        if char == "[":
            tag = _TAG_AT.match(text, index)
            words_from_field = any(is_field[index:tag.end() if tag else index + 1])
            if tag:
                # the data's backslashes shown as they are, the template's read as markup,
                # and a tag whose words come from a field always escaped
                run = 2 * data + ours
                if words_from_field and ours % 2 == 0:
                    run += 1
            elif data and not ours:
                run += 1  # rich drops one backslash before any other "[": not the data's
        out.append("\\" * run + char)
        data, ours = 0, 0
    out.append("\\" * (data + ours))
    return "".join(out)


def data_column(template: str) -> TextColumn:
    """A progress bar's text column (e.g. "{task.description}") whose text, a file name or a
    label, is shown as it is."""
    return TextColumn(template, markup=False)
