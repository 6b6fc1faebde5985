"""Only the document writes its fields: every other module calls its methods (issue 14).

An AST scan of every module of the three packages for assignments (plain, item, augmented,
deletions) and mutating calls (``.update(``, ``.pop(``, ``.append(``, ...) whose target goes
through ``<something>doc.<field>`` for a field of the document. The document itself and the
loaders (the file format, which builds a document from bytes) are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

from graphlab.document import DOCUMENT_FIELDS, GraphDocument

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "graphlab", "ui")
#: the document, and the loaders that build a fresh one from a file
EXEMPT = {"graphlab/document.py", "graphlab/fileformat.py", "graphlab/project_arrays.py"}
MUTATORS = {
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
    "setdefault", "sort", "reverse", "__setitem__", "__delitem__",
}  # fmt: skip
FIELDS = set(DOCUMENT_FIELDS) | {"extra_arrays"}


def _doc_field(node: ast.AST) -> str | None:
    """The document field ``node``'s chain of attributes/items goes through, if any:
    ``doc.params[k]``, ``self.doc.nodes[n].attrs[a]`` ... (a base whose name ends in doc)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        base = node.value
        if isinstance(node, ast.Attribute) and node.attr in FIELDS:
            text = ast.unparse(base)
            if text == "doc" or text.endswith((".doc", "_doc")) or text == "document":
                return node.attr
        node = base
    return None


def writes(source: str) -> list[tuple[int, str]]:
    """(line, code) of each write to a document field in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
        ):
            targets = [node.func.value]
        for target in targets:
            for part in ast.walk(target) if isinstance(target, ast.Tuple) else [target]:
                if _doc_field(part) is not None:
                    found.append((node.lineno, ast.unparse(node).splitlines()[0]))
    return sorted(found)


def test_the_scan_finds_each_kind_of_write():
    source = "\n".join(
        [
            "doc.training = {}",
            "self.doc.params[k] = v",
            "doc.nodes[n].attrs['x'] = 1",
            "self.doc.edges.append(e)",
            "doc.state.update(s)",
            "im.doc.loss = 'l'",
            "doc.params.pop(k, None)",
            "del doc.inputs[k]",
            "doc.training['lr'] += 1",
            "x = doc.params.get(k)",  # a read: not a write
            "graph.params[k] = v",  # not a document
        ]
    )
    assert [line for line, _ in writes(source)] == list(range(1, 10))


def test_no_module_outside_the_document_and_the_loaders_writes_document_fields():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in EXEMPT:
                continue
            found += [f"{rel}:{line}: {code}" for line, code in writes(path.read_text())]
    assert not found, "write through GraphDocument methods instead:\n" + "\n".join(found)


def test_the_scanned_fields_are_the_documents():
    doc = GraphDocument()
    assert {k for k in vars(doc) if not k.startswith("_")} == FIELDS
