"""The Python API's graph: a :class:`GraphDocument` with run, backward, inspect, save and train.

A thin face of the application core, like the window and the command line: runs compile the
document (:meth:`GraphDocument.compile`), feeds come from :func:`graphlab.binding.sample_feeds`
and :class:`graphlab.user_input.InputReader`, wires are checked by
:meth:`GraphDocument.wire_problem` (as the canvas checks them), training is a
:class:`graphlab.training.session.TrainingSession`. Every failure is a
:class:`engine.errors.GraphLabError` with one sentence.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import GraphError
from graphlab.changes import ChangeKind
from graphlab.document import DocEdge, DocNode, GraphDocument

if TYPE_CHECKING:
    from graphlab.api_train import Run


class Graph:
    """A graph document to run, differentiate, inspect, save, train and show.

    ``Graph()`` starts an empty one (add nodes with :meth:`add_node`, wire them with
    :meth:`connect`); :func:`graphlab.load` opens a file or bundled example.
    """

    def __init__(self, name: str = "untitled", document: GraphDocument | None = None) -> None:
        #: the document this graph edits (what the window and the files hold)
        self.document = document if document is not None else GraphDocument(name)
        self._values: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] = {}
        self._compiled = None
        self._stale = True
        self.document.subscribe(self._changed)

    def _changed(self, change) -> None:
        if change.kind not in (ChangeKind.NODE_MOVED, ChangeKind.INFO_CHANGED):
            self._stale = True  # the last run's values may no longer hold

    @property
    def name(self) -> str:
        """The document's name."""
        return self.document.name

    # -- building (static style) --------------------------------------------------------

    def add_node(self, op: str, id: str | None = None, **attrs: Any) -> str:
        """Add a node of registered ``op`` with ``attrs`` (checked now); returns its id
        (``id``, or a fresh one such as ``relu1``)."""
        from engine.ops import get_op

        doc = self.document
        checked = get_op(op).validate_attrs(attrs)  # AttrError names the attr and what is allowed
        nid = id or doc.new_id(op)
        if not isinstance(nid, str) or not nid.isidentifier():
            raise GraphError(f"node id {nid!r}: expected a name of letters, digits and _")
        keep = {k: v for k, v in attrs.items() if k in checked}
        doc.add_node(DocNode(nid, op, _plain(keep), (220.0 * len(doc.nodes), 0.0)))
        return nid

    def connect(self, src: str, dst: str, port: str | None = None) -> None:
        """Wire ``src``'s output into input ``port`` of ``dst`` (default: its first free port);
        refused with GraphError as the canvas refuses it (cycles, shapes, taken ports)."""
        from engine.ops import get_op

        self._node(src)
        ports = get_op(self._node(dst).op).inputs
        taken = self.document.sources_of(dst)
        if port is None:
            free = [p for p in ports if p not in taken]
            if not free:
                raise GraphError(f"node {dst!r}: every input port is taken ({', '.join(ports)})")
            port = free[0]
        edge = DocEdge(src, dst, port)
        problem = self.document.wire_problem(edge)
        if problem:
            raise GraphError(f"edge {src} -> {dst}.{port}: {problem}")
        self.document.connect(edge)

    def set_loss(self, node: str) -> None:
        """Name the node backward and training start from."""
        self.document.set_loss(self._node(node).id)

    # -- running ------------------------------------------------------------------------

    def run(self, feeds: dict[str, Any] | None = None, /, *, batch: int = 16, seed: int = 0,
            **inputs: Any) -> dict[str, np.ndarray]:  # fmt: skip
        """One forward pass (eval mode) as ``graphlab run`` does it: the given inputs (arrays,
        batch axis first), else the stored ones, else ``batch`` samples of the bound dataset.
        Returns every node's value by node id."""
        from engine.backend import to_numpy
        from graphlab.binding import sample_feeds
        from graphlab.user_input import InputReader

        given = {**(feeds or {}), **inputs}
        doc = self.document.snapshot()
        reader = InputReader(doc)
        for nid, value in given.items():
            doc.set_input_value(nid, reader.fit(nid, np.asarray(value), f"the value of {nid!r}"))
        self._compiled = graph = doc.compile(seed=seed)
        graph.forward(sample_feeds(doc, batch=batch, seed=seed), rng=np.random.default_rng(seed))
        self._values = {k: to_numpy(v) for k, v in graph.values.items()}
        self._grads, self._stale = {}, False
        return dict(self._values)

    def backward(self, node: str | None = None) -> dict[str, np.ndarray]:
        """Backpropagate from ``node`` (default: the loss, else the single sink) through the
        last run (run first with the stored inputs when there was none); gradients by node id."""
        from engine.backend import to_numpy

        if self._stale or self._compiled is None:
            self.run()
        graph = self._compiled
        start = self._node(node).id if node is not None else self.document.loss_node(graph)
        graph.backward(start)
        self._grads = {k: to_numpy(v) for k, v in graph.grads.items()}
        return dict(self._grads)

    def values(self, node: str) -> np.ndarray:
        """The value of ``node`` in the last run (running first when the graph changed)."""
        self._node(node)
        if self._stale:
            self.run()
        return self._values[node]

    def grad(self, node: str) -> np.ndarray:
        """The gradient of the loss with respect to ``node`` from the last :meth:`backward`."""
        self._node(node)
        if self._stale or not self._grads:
            raise GraphError("no gradients yet: call backward() first")
        if node not in self._grads:
            raise GraphError(f"node {node!r} gets no gradient (it does not reach the loss)")
        return self._grads[node]

    def _node(self, nid: str) -> DocNode:
        node = self.document.nodes.get(nid) if isinstance(nid, str) else None
        if node is None:
            known = ", ".join(self.document.nodes) or "none"
            raise GraphError(f"{self.name} has no node {nid!r} (its nodes: {known})")
        return node

    # -- inspecting, saving, showing ----------------------------------------------------

    def describe(self) -> str:
        """Nodes in topological order with op, attrs and shape, and the parameter count (the
        table of ``graphlab describe``)."""
        import contextlib
        import io

        from graphlab.commands import print_description

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            print_description(self.document)
        return out.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the project (``.graphlab``, with weights) or graph (``.json``) to ``path``."""
        from graphlab.fileformat import save_document

        self._lay_out()
        save_document(self.document, path)
        return Path(path)

    def _lay_out(self) -> None:
        """Built in code (every node on one row): the automatic layered layout."""
        from graphlab.layout import layered_positions

        if len({node.pos[1] for node in self.document.nodes.values()}) <= 1:
            for nid, pos in layered_positions(self.document).items():
                self.document.move_node(nid, pos)

    def _repr_svg_(self) -> str:
        """The graph as SVG, with the last run's values and gradients on the edges."""
        from graphlab.svg import graph_svg

        self._lay_out()
        fresh = not self._stale
        return graph_svg(self.document, self._values if fresh else {}, self._grads if fresh else {})

    def __repr__(self) -> str:
        doc = self.document
        return f"<graphlab.Graph {doc.name!r}: {len(doc.nodes)} nodes, {len(doc.edges)} edges>"

    # -- training -----------------------------------------------------------------------

    def train(self, epochs: int | None = None, optimizer: str | None = None,
              lr: float | None = None, dataset: str | None = None, *,
              batch_size: int | None = None, seed: int | None = None, device: str = "cpu",
              progress: bool = True, metrics: str | Path | None = None) -> Run:  # fmt: skip
        """Train on the bound dataset (or bind ``dataset``, a built-in name such as "digits" or
        "spiral", to the graph's float and int inputs); settings not given come from the
        document. Returns the :class:`graphlab.api_train.Run`."""
        from graphlab.api_train import train_document

        if dataset is not None:
            _bind(self.document, dataset)
        overrides = {"epochs": epochs, "optimizer": optimizer, "lr": lr,
                     "batch_size": batch_size, "seed": seed}  # fmt: skip
        run = train_document(self.document, overrides, device, progress, metrics)
        self._stale = True
        return run


def _bind(doc: GraphDocument, dataset: str) -> None:
    """Bind built-in ``dataset`` to ``doc``'s inputs (kept when it already names them)."""
    from graphlab.user_input import InputReader

    binding = dict(doc.dataset)
    if binding.get("data_input") not in doc.nodes or binding.get("label_input") not in doc.nodes:
        reader = InputReader(doc)
        ints = [nid for nid in reader.input_ids() if reader.dtype(nid) == "int"]
        if len(ints) != 1:
            raise GraphError(
                f"{doc.name}: to train on {dataset!r} the graph needs one int input for the "
                f"labels, it has {len(ints)}"
            )
        binding["data_input"], binding["label_input"] = reader.data_input(), ints[0]
    if (binding.get("spec") or {}).get("name") != dataset:
        binding["spec"] = {"name": dataset}
    doc.set_dataset(binding)


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attrs as the file format stores them (lists, not tuples or arrays)."""
    return {k: np.asarray(v).tolist() if isinstance(v, tuple | np.ndarray) else v
            for k, v in attrs.items()}  # fmt: skip


def load(graph: str | Path, trust: bool = False) -> Graph:
    """Open a ``.graphlab`` project, a ``.json`` graph or a bundled example by name;
    ``trust=True`` lets the custom op code it holds run (read it first)."""
    from graphlab.custom_ops import trust as trust_code
    from graphlab.examples import open_graph

    document = open_graph(str(graph), warnings=[])
    if trust:
        trust_code(document.custom_ops.values())
    return Graph(document=document)


def show(graph: Any, screenshot: str | Path | None = None) -> subprocess.Popen:
    """Open the window on ``graph`` (a :class:`Graph` or a tensor of one) in a new process,
    without blocking (a notebook goes on); with ``screenshot``, render the window to that PNG
    and exit. Returns the process (``subprocess.Popen``)."""
    import sys
    import tempfile

    graph = getattr(graph, "graph", graph)
    if not isinstance(graph, Graph):
        raise GraphError(f"show: expected a graphlab Graph or Tensor, got {type(graph).__name__}")
    folder = Path(tempfile.mkdtemp(prefix="graphlab-show-"))
    path = graph.save(folder / f"{_safe(graph.name)}.graphlab")
    command = [sys.executable, "-m", "graphlab.cli", "open", str(path)]  # through run_ui
    if screenshot is not None:
        command += ["--screenshot", str(screenshot)]
    return subprocess.Popen(command)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "graph"
