"""The document stays consistent under any sequence of commands, and saved work reopens
(issue 24): a hypothesis state machine over the editor's undoable commands, training-like
writes, undo/redo, example switches, saves and loads.

After every step the consistency rule holds (``doc.problems() == []``); every save reloads
to an equal document; an undo right after a command brings back the document before it.
CI runs 200 sequences of 50 steps. The longer run::

    GRAPHLAB_STATEFUL_EXAMPLES=5000 QT_QPA_PLATFORM=offscreen \\
        python -m pytest tests/ui/test_document_consistency.py -q -p no:cacheprovider
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PySide6.QtGui import QUndoStack

from engine.errors import GraphLabError
from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict, load_document, save_document
from ui.commands import AddNodes, Connect, Disconnect, RemoveNodes, SetAttrs, SetLabel

EXAMPLES = ("linear-softmax-spiral", "circuit-add-mul", "batchnorm-dropout-mlp", "vector-norm")
NEW_OPS = ("negate", "relu", "add", "multiply", "batchnorm", "input", "parameter")
SHAPES = ([3], [4, 3], [2, 2], [8], [2])


def canonical(doc: GraphDocument) -> tuple:
    """A comparable form of everything a document holds (JSON text plus named arrays)."""
    arrays = {f"param:{k}": v for k, v in doc.params.items()}
    arrays.update({f"state:{n}:{k}": v for n, s in doc.state.items() for k, v in s.items()})
    arrays.update({f"extra:{g}:{k}": v for g, a in doc.extra_arrays.items() for k, v in a.items()})
    text = json.dumps(document_to_dict(doc), sort_keys=True)
    return text, {k: np.asarray(v).tolist() for k, v in sorted(arrays.items())}


class DocumentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.doc, self.stack = GraphDocument(), QUndoStack()
        self.folder = Path(tempfile.mkdtemp(prefix="graphlab-stateful-"))
        self.saved: tuple | None = None
        self.before_push: tuple | None = None  # the document before the last command

    def teardown(self) -> None:
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()

    @initialize(name=st.sampled_from(EXAMPLES))
    def open_first(self, name):
        self.open_example(name)

    # -- helpers --------------------------------------------------------------------------

    def push(self, command) -> None:
        self.before_push = canonical(self.doc)
        self.stack.push(command)

    def wrote_outside_the_stack(self) -> None:
        self.before_push = None

    def ids(self, op: str | None = None) -> list[str]:
        return [nid for nid, n in self.doc.nodes.items() if op is None or n.op == op]

    # -- the editor's commands ------------------------------------------------------------

    @rule(op=st.sampled_from(NEW_OPS), shape=st.sampled_from(SHAPES))
    def add(self, op, shape):
        attrs = {"shape": shape} if op in ("input", "parameter") else {}
        node = DocNode(self.doc.new_id(op), op, attrs, (0.0, 0.0))
        self.push(AddNodes(self.doc, [node], [], f"Add {op}"))

    @precondition(lambda self: self.doc.nodes)
    @rule(data=st.data(), op=st.sampled_from(("batchnorm", "relu")))
    def paste_wired(self, data, op):
        """A pasted node wired to an existing one (and, for batchnorm, feeding its x)."""
        src = data.draw(st.sampled_from(self.ids()))
        node = DocNode(self.doc.new_id(op), op, {}, (0.0, 0.0))
        self.push(AddNodes(self.doc, [node], [DocEdge(src, node.id, "x")], "Paste"))

    @precondition(lambda self: self.doc.nodes)
    @rule(data=st.data())
    def delete(self, data):
        ids = data.draw(st.lists(st.sampled_from(self.ids()), min_size=1, max_size=3, unique=True))
        self.push(RemoveNodes(self.doc, ids))

    @precondition(lambda self: len(self.doc.nodes) > 1)
    @rule(data=st.data())
    def wire(self, data):
        src, dst = data.draw(st.lists(st.sampled_from(self.ids()), min_size=2, max_size=2))
        ports = get_op(self.doc.nodes[dst].op).inputs
        if not ports:
            return
        edge = DocEdge(src, dst, data.draw(st.sampled_from(ports)))
        if self.doc.wire_problem(edge) is None:
            self.push(Connect(self.doc, edge))

    @precondition(lambda self: self.doc.edges)
    @rule(data=st.data())
    def unwire(self, data):
        self.push(Disconnect(self.doc, data.draw(st.sampled_from(self.doc.edges))))

    @precondition(lambda self: self.ids("parameter") or self.ids("input"))
    @rule(data=st.data(), shape=st.sampled_from(SHAPES))
    def set_shape(self, data, shape):
        nid = data.draw(st.sampled_from(self.ids("parameter") + self.ids("input")))
        attrs = {**self.doc.nodes[nid].attrs, "shape": shape}
        self.push(SetAttrs(self.doc, nid, attrs))

    @precondition(lambda self: self.ids("parameter"))
    @rule(data=st.data())
    def freeze(self, data):
        nid = data.draw(st.sampled_from(self.ids("parameter")))
        frozen = not self.doc.nodes[nid].attrs.get("frozen", False)
        self.push(SetAttrs(self.doc, nid, {**self.doc.nodes[nid].attrs, "frozen": frozen}))

    @precondition(lambda self: self.doc.nodes)
    @rule(data=st.data(), label=st.text(max_size=8))
    def rename(self, data, label):
        self.push(SetLabel(self.doc, data.draw(st.sampled_from(self.ids())), label))

    @precondition(lambda self: self.ids("input"))
    @rule(data=st.data())
    def bind_dataset(self, data):
        data_input, label_input = (data.draw(st.sampled_from(self.ids("input"))) for _ in "xy")
        spec = {"name": "spiral"}
        self.doc.set_dataset({"spec": spec, "data_input": data_input, "label_input": label_input})
        self.wrote_outside_the_stack()

    @precondition(lambda self: self.doc.nodes)
    @rule(data=st.data())
    def name_the_loss(self, data):
        self.doc.set_loss(data.draw(st.sampled_from(self.ids())))
        self.wrote_outside_the_stack()

    @rule(seed=st.integers(0, 3))
    def train(self, seed):
        """Write values as a finished training run does (when the graph compiles)."""
        try:
            graph = self.doc.compile(dtype="float32", seed=seed)
        except GraphLabError:
            return
        params = {k: np.asarray(v) + seed for k, v in graph.params.items()}
        state = {
            nid: {"running_mean": np.full(graph.shapes[nid][1], 0.5, np.float32)}
            for nid in graph.nodes_of("batchnorm")
        }
        size = sum(v.size for v in params.values())
        extra = {"optimizer_state": {"m": np.zeros(size, np.float32)}}
        run = {"name": f"run {seed}", "ratios": {k: [[1, 0.01]] for k in params}}
        self.doc.set_params(params, state, extra)
        progress = {"epoch": 1, "step": 3, "parameter_steps": dict.fromkeys(params, 3)}
        runs = [*self.doc.training.get("runs", []), run]
        self.doc.set_training({**self.doc.training, "progress": progress, "runs": runs})
        self.wrote_outside_the_stack()

    @precondition(lambda self: self.stack.canUndo())
    @rule()
    def undo(self):
        expected, self.before_push = self.before_push, None
        self.stack.undo()
        if expected is not None:
            assert canonical(self.doc) == expected

    @precondition(lambda self: self.stack.canRedo())
    @rule()
    def redo(self):
        self.stack.redo()
        self.wrote_outside_the_stack()

    @rule(name=st.sampled_from(EXAMPLES))
    def open_example(self, name):
        self.doc.replace_with(open_graph(name))
        self.stack.clear()
        self.wrote_outside_the_stack()
        assert not (self.doc.params or self.doc.state or self.doc.extra_arrays)

    @rule()
    def save(self):
        path = self.folder / "p.graphlab"
        save_document(self.doc, path)
        self.saved = canonical(self.doc)
        warnings: list[str] = []
        assert canonical(load_document(path, warnings)) == self.saved and warnings == []

    @precondition(lambda self: self.saved is not None)
    @rule()
    def load(self):
        self.doc.replace_with(load_document(self.folder / "p.graphlab"))
        self.stack.clear()
        self.wrote_outside_the_stack()
        assert canonical(self.doc) == self.saved

    @invariant()
    def consistent(self):
        assert self.doc.problems() == []


DocumentMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("GRAPHLAB_STATEFUL_EXAMPLES", 200)),
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
TestDocumentConsistency = DocumentMachine.TestCase
