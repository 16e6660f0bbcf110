"""Programs that are valid but probably not meant (issue 9): ``I(3, 224, 224)`` written
channels-first, and a line indented under a ``def`` as if it went on with the block.
Python gets a ``symcnn.SymcnnWarning``; the command line prints one line."""

import subprocess
import sys
import warnings

import pytest

import symcnn


def warned(text: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        symcnn.parse(text)
    assert all(w.category is symcnn.SymcnnWarning for w in caught)
    assert all(w.filename == __file__ for w in caught)  # the caller's line
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("text, suggestion", [
    ("I(3, 224, 224) C(8, 3)", "I(224, 224, 3)"),
    ("I(1, 28, 28) D(10)", "I(28, 28, 1)"),
    ("I(4, 64, 32)", "I(64, 32, 4)"),
])
def test_an_input_written_channels_first(text, suggestion):
    (message,) = warned(text)
    assert message.startswith("line 1, column 1: ")
    assert "channels-last" in message and message.endswith(suggestion)


@pytest.mark.parametrize("text", ["I(224, 224, 3)", "I(1, 1, 512)", "I(4, 4, 64)",
                                  "I(3, 224, 8)", "I(2, 224, 224)", "I(n, 224, 224)",
                                  "I(3)", "I(3, 224, c)"])
def test_inputs_that_read_channels_last_are_not_warned_about(text):
    assert warned(text) == []


def test_the_network_is_computed_as_written():
    with pytest.warns(symcnn.SymcnnWarning):
        net = symcnn.parse("I(3, 224, 224) C(8, 3)")
    assert net.output_shape == (1, 222, 8)


DEF_THEN_INDENTED = "I(28, 28, 1)\ndef block(c) = C(c, 3)\n    ReLU\nblock(8)\n"


def test_a_line_indented_under_a_def():
    (message,) = warned(DEF_THEN_INDENTED)
    assert message.startswith("line 3, column 5: this line is indented as if it went on "
                              "with the block block of line 2")
    assert "in [ ]" in message
    with pytest.warns(symcnn.SymcnnWarning):
        net = symcnn.parse(DEF_THEN_INDENTED)
    assert [r.kind for r in net.layers] == ["I", "ReLU", "C"]  # as written


@pytest.mark.parametrize("text", [
    "I(28, 28, 1)\ndef block(c) = [C(c, 3)\n    ReLU]\nblock(8)",  # the body in [ ]
    "    def block(c) = C(c, 3) ReLU\n    I(28, 28, 1) block(8)",  # all indented alike
    "def block(c) = C(c, 3); I(28, 28, 1)\n  block(8)",  # after a ; the def has ended
    "def a = ReLU\ndef b = a a\nI(1) b",
])
def test_lines_that_do_not_go_on_with_a_def(text):
    assert warned(text) == []


def test_the_command_line_prints_one_line(tmp_path):
    file = tmp_path / "def.cnn"
    file.write_text(DEF_THEN_INDENTED, encoding="utf-8")
    for args in (["I(3, 224, 224) C(8, 3)"], ["-f", str(file)]):
        result = subprocess.run([sys.executable, "-m", "symcnn", *args],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0
        (line,) = result.stderr.splitlines()
        assert line.startswith("symcnn: warning: line ")
        assert "layer" in result.stdout
