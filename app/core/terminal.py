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

import string
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import TextColumn
from rich.table import Table
from rich.text import Text


def make_console(*, stderr: bool = False, highlight: bool = True) -> Console:
    """A console for the CLI. Emoji codes are off: "08:30:ok:" in a reason is data, not a 👌."""
    return Console(stderr=stderr, highlight=highlight, emoji=False)


def add_data_row(table: Table, *cells: str | Text) -> None:
    """Add a row whose cells are shown exactly as stored (a `Text` passes through as it is)."""
    table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return escape(super().format_field(value, format_spec))


_FORMATTER = _EscapingFormatter()


def safe_markup(template: str, *args: Any, **kwargs: Any) -> str:
    """`template.format(...)` for rich: the template's tags style, the fields stay literal text.

    `safe_markup("[green]{}[/green] {code}", outcome, code="[/a]")` -> "[green]created[/green]
    \\[/a]", which rich prints as "created [/a]"."""
    return _FORMATTER.format(template, *args, **kwargs)


def data_column(template: str) -> TextColumn:
    """A progress bar's text column (e.g. "{task.description}") whose text, a file name or a
    label, is shown as it is."""
    return TextColumn(template, markup=False)
