"""Stack file edits change one value and keep every other byte: comments, order, quotes."""

from __future__ import annotations

from novactl.stack.edit import StackFileEditor

ORIGINAL = """\
# Staging stack: comments survive edits.
config:
  aws:region: us-west-2
  nova-platform:services:
    feed-service:
      active: blue  # the live colour
      tags:
        blue: "1.0.0"
    search-service:
      active: green
      tags:
        green: '2.0.0'
"""


def edit(tmp_path, *args, **kwargs):
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(ORIGINAL)
    editor = StackFileEditor(path)
    editor.set_path(*args, **kwargs)
    editor.save()
    return path.read_text()


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=True) if old != new]


def test_setting_active_changes_exactly_that_line(tmp_path):
    after = edit(tmp_path, "nova-platform:services", ["feed-service", "active"], "green")
    # The comment stays in its column.
    assert changed_lines(ORIGINAL, after) == [
        ("      active: blue  # the live colour", "      active: green # the live colour")
    ]


def test_adding_a_tag_inserts_one_quoted_line(tmp_path):
    after = edit(tmp_path, "nova-platform:services", ["feed-service", "tags", "green"], "1.1.0", quoted=True)
    assert after.replace('        green: "1.1.0"\n', "", 1) == ORIGINAL


def test_single_quotes_elsewhere_are_preserved(tmp_path):
    after = edit(tmp_path, "nova-platform:services", ["feed-service", "active"], "green")
    assert "green: '2.0.0'" in after
    assert after.startswith("# Staging stack: comments survive edits.\n")
