"""Custom op code under a time limit: an endless loop is stopped with one sentence naming the op
and the line, the previous SIGALRM handler and timer come back, module-level code is limited
too, a thread has no limit, and a shape that ran out of time is not looked for again."""

import signal
import threading
import time

import numpy as np
import pytest

from graphlab.custom_ops import CustomOpError, parse_definition, registered, time_limit, trust
from tests.custom_op_sources import SPIN, SPIN_LINES

IDENTITY = """
def forward(x, *, attrs):
    return x, None


def backward(dout, cache, *, attrs):
    return (dout,)
"""


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(time_limit, "SECONDS", 0.2)


def op(name: str, source: str):
    trust([parse_definition(name, source)])
    return registered(name)


def forward(custom, rows: int = 2):
    return custom.forward(np, [np.ones((rows, 3))], {}, None)[0]


def test_an_endless_forward_is_stopped_with_its_line(short_limit):
    handler = signal.getsignal(signal.SIGALRM)
    with pytest.raises(CustomOpError) as raised:
        forward(op("spin", SPIN))
    text = str(raised.value)
    said = "custom op 'spin': forward ran over 0.2 s and was stopped (an endless loop?) "
    assert text.startswith(said) and text[len(said) :] in SPIN_LINES
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_outer_handler_and_timer_come_back(short_limit):
    heard = []
    outer = signal.signal(signal.SIGALRM, lambda *_: heard.append("outer"))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        assert forward(op("same", IDENTITY)).shape == (2, 3)
        with pytest.raises(CustomOpError):
            forward(op("spin", SPIN))
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 29.0 < left < 30.0 and heard == []
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        time.sleep(0.1)  # the outer timer fires into its own handler
        assert heard == ["outer"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer)


def test_code_that_catches_the_interruption_is_stopped_again(short_limit):
    caught = IDENTITY.replace(
        "    return x, None",
        "    try:\n        while True:\n            pass\n    except BaseException:\n"
        "        pass\n    while True:\n        pass",
    )
    with pytest.raises(CustomOpError, match=r"ran over 0.2 s .* \(line [89]: (while True:|pass)\)"):
        forward(op("stubborn", caught))


def test_an_endless_loop_at_the_top_of_the_code_gives_a_placeholder(short_limit):
    custom = op("top", "while True:\n    pass\n" + IDENTITY)
    assert not custom.runnable
    assert custom.problem.startswith("custom op 'top': its code ran over 0.2 s and was stopped")
    assert custom.problem.endswith(("(line 1: while True:)", "(line 2: pass)"))


def test_off_the_main_thread_there_is_no_limit(short_limit):
    sleepy = op("sleepy", "import time\n" + IDENTITY.replace("    return", "    time.sleep(0.4)\n    return"))  # fmt: skip
    with pytest.raises(CustomOpError, match="line 4: time.sleep"):
        forward(sleepy)
    results = []
    thread = threading.Thread(target=lambda: results.append(forward(sleepy)))
    thread.start()
    thread.join()
    assert results and results[0].shape == (2, 3)


def test_a_shape_that_ran_out_of_time_is_not_looked_for_again(short_limit):
    counted = SPIN.replace("    turns = 0\n", "    CALLS.append(x.shape)\n    turns = 0\n")
    counted = counted.replace("def output_shape", "CALLS = []\n\n\ndef unused_shape")
    custom = op("counted", counted)
    for _ in range(2):
        with pytest.raises(CustomOpError, match="forward ran over 0.2 s"):
            custom.infer_shape([(None, 3)], {})
    assert custom.code["CALLS"] == [(2, 3)]  # forward on zeros ran once


def test_another_thread_interrupts_op_code_only_while_it_runs():
    assert not time_limit.interrupt(threading.get_ident())  # not in op code: nothing happens
    spin, said = op("spin", SPIN), []

    def call():
        try:
            forward(spin)
        except CustomOpError as exc:
            said.append(str(exc))

    thread = threading.Thread(target=call, daemon=True)  # no timer off the main thread
    thread.start()
    deadline = time.monotonic() + 10
    while not time_limit.interrupt(thread.ident) and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.join(10)
    assert not thread.is_alive()
    text = "custom op 'spin': forward was still running when training was stopped (an endless loop?) "  # fmt: skip
    assert said[0].startswith(text) and said[0][len(text) :] in SPIN_LINES
    assert not time_limit.interrupt(thread.ident)
