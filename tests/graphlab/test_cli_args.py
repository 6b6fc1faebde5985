"""The shared shape of every subcommand (graphlab.cli_args.add_command) and the checked
number types every command's options use."""

import argparse

import pytest

from graphlab.cli import build_parser
from graphlab.cli_args import add_command, add_json_argument


def subcommands(parser, path=()):
    """(path, parser) of every command, nested ones ("lesson show") included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


def test_add_command_gives_the_help_line_the_description_and_the_handler():
    parser = argparse.ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="command")
    p = add_command(sub, "go", len, "one line in the list", "What go does, in full.")
    add_json_argument(p)
    args = parser.parse_args(["go", "--json"])
    assert args.handler is len and args.json is True
    assert "one line in the list" in parser.format_help()
    assert "What go does, in full." in p.format_help() and "machine-readable" in p.format_help()
    nested = add_command(sub, "group", None, "a command of subcommands")
    assert nested.get_default("handler") is None


def test_every_command_runs_a_handler_and_explains_itself():
    commands = dict(subcommands(build_parser()))
    assert {"run", "ensemble", "race", "zoo", "predict", "lesson show"} <= {
        " ".join(path) for path in commands
    }
    for path, parser in commands.items():
        if path == ("lesson",):  # its actions run
            continue
        assert callable(parser.get_default("handler")), path
        assert parser.format_help().startswith(f"usage: graphlab {' '.join(path)}"), path


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["ensemble", "cnn-digits", "--members=0"], "--members"),
        (["ensemble", "cnn-digits", "--epochs=-1"], "--epochs"),
        (["ensemble", "cnn-digits", "--seed=-1"], "--seed"),
        (["ensemble", "cnn-digits", "--snapshots=0"], "--snapshots"),
        (["ensemble", "cnn-digits", "--average=1.5"], "--average"),
        (["race", "--seed=-1"], "--seed"),
        (["predict", "cnn-digits", "a.png", "--top=0"], "--top"),
        (["zoo", "--transfer", "--epochs=0"], "--epochs"),
    ],
)
def test_numbers_are_checked_at_the_door_in_every_command(argv, option, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err
