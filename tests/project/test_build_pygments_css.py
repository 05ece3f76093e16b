"""The code-highlighting stylesheet is a build step (``manage.py build_pygments_css``), not part of the renderer."""

import pytest
from django.core.management import CommandError, call_command

from shortscience.management.commands.build_pygments_css import default_path, pygments_css


def test_committed_pygments_css_is_what_the_generator_writes():
    assert default_path().read_text(encoding="utf-8") == pygments_css()


def test_check_passes_on_the_committed_stylesheet(capsys):
    call_command("build_pygments_css", "--check")
    assert "up to date" in capsys.readouterr().out


def test_pygments_css_has_light_and_dark_colours():
    css = pygments_css()
    assert ".highlight .k {" in css
    assert "@media (prefers-color-scheme: dark)" in css
    assert "pre {" not in css  # no rules leaking outside .highlight


def test_command_writes_the_stylesheet(tmp_path):
    path = tmp_path / "css" / "pygments.css"
    call_command("build_pygments_css", "--output", str(path))
    assert path.read_text(encoding="utf-8") == pygments_css()


def test_check_fails_on_a_stale_stylesheet(tmp_path):
    path = tmp_path / "pygments.css"
    path.write_text(".highlight .k { color: red }\n", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_pygments_css", "--check", "--output", str(path))
    assert path.read_text(encoding="utf-8") == ".highlight .k { color: red }\n"
