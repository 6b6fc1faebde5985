"""A lesson's text as HTML (the window) or plain text (the command line), Qt-free.

The Markdown subset: paragraphs, ``- `` and ``1. `` lists, ``|`` tables, ``**bold**``,
``*italic*`` and ``code``. Math between ``$...$`` is written with symbols, not TeX: the
LaTeX commands a lesson uses become characters (``\\sigma`` -> σ, ``\\partial`` -> ∂),
``^{..}``/``_{..}`` superscripts and subscripts, ``\\frac{a}{b}`` a/b, variables italic.
"""

from __future__ import annotations

import html
import re

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ",
    "phi": "φ", "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "sum": "∑", "infty": "∞", "in": "∈", "top": "T", "odot": "⊙", "|": "‖",
    "max": "max", "min": "min", "exp": "exp", "log": "log", "quad": "  ", ",": " ",
    "ldots": "…", "dots": "…", "mid": "|", "left": "", "right": "",
}  # fmt: skip
_SUPERSCRIPTS = str.maketrans("0123456789+-()T", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵀ")
_SUBSCRIPTS = str.maketrans("0123456789+-()", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎")
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


def math(tex: str, rich: bool) -> str:
    """One ``$...$`` formula as HTML (``rich``) or plain Unicode."""
    text = re.sub(r"\\([A-Za-z]+|\|)", lambda m: SYMBOLS.get(m[1], m[0]), tex)
    text = text.replace("∂ ", "∂")
    for _ in range(3):  # nested \frac and \sqrt
        text = re.sub(rf"\\frac\s*{_GROUP}\s*{_GROUP}", lambda m: _fraction(m[1], m[2]), text)
        text = re.sub(rf"\\sqrt\s*{_GROUP}", r"√(\1)", text)
    text = re.sub(r"\\(mathrm|text|operatorname|mathbf)\s*" + _GROUP, r"\2", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = text.replace("\\,", " ").replace("\\;", " ")
    if not rich:
        text = re.sub(r"\^" + _GROUP, lambda m: _script(m[1], _SUPERSCRIPTS, "^"), text)
        text = re.sub(r"_" + _GROUP, lambda m: _script(m[1], _SUBSCRIPTS, "_"), text)
        text = re.sub(r"\^(\w)", lambda m: _script(m[1], _SUPERSCRIPTS, "^"), text)
        text = re.sub(r"_(\w)", lambda m: _script(m[1], _SUBSCRIPTS, "_"), text)
        return text.replace("{", "").replace("}", "")
    text = html.escape(text, quote=False)
    text = re.sub(r"(?<![A-Za-z])([A-Za-z])(?![A-Za-z])", r"<i>\1</i>", text)
    for _ in range(2):
        text = re.sub(r"\^" + _GROUP, r"<sup>\1</sup>", text)
        text = re.sub(r"_" + _GROUP, r"<sub>\1</sub>", text)
    text = re.sub(r"\^(<i>\w</i>|[\w−-])", r"<sup>\1</sup>", text)
    text = re.sub(r"_(<i>\w</i>|\w)", r"<sub>\1</sub>", text)
    text = text.replace("{", "").replace("}", "")
    return f'<span style="font-family: serif; font-size: 110%">{text}</span>'


def _fraction(top: str, bottom: str) -> str:
    wrap = lambda s: s.strip() if re.fullmatch(r"[^\s+\-*/()]+", s.strip()) else f"({s.strip()})"  # noqa: E731
    return f"{wrap(top)}/{wrap(bottom)}"


def _script(text: str, table: dict, mark: str) -> str:
    mapped = text.translate(table)
    return mapped if all(c != o or not o.isalnum() for c, o in zip(mapped, text, strict=True)) \
        else f"{mark}({text})" if len(text) > 1 else f"{mark}{text}"  # fmt: skip


def _inline(text: str, rich: bool) -> str:
    """Math, code, bold and italic in one line of Markdown."""
    pieces = re.split(r"(\$[^$]+\$|`[^`]+`)", text)
    out = []
    for piece in pieces:
        if piece.startswith("$") and piece.endswith("$") and len(piece) > 1:
            out.append(math(piece[1:-1], rich))
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            code = piece[1:-1]
            out.append(f"<code>{html.escape(code)}</code>" if rich else code)
        elif rich:
            piece = html.escape(piece, quote=False)
            piece = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", piece)
            out.append(re.sub(r"(?<!\*)\*([^*]+)\*(?!\*)", r"<i>\1</i>", piece))
        else:
            out.append(piece.replace("**", ""))
    return "".join(out)


def inline_html(text: str) -> str:
    """One line of Markdown (a hint, a worked line) as HTML."""
    return _inline(" ".join(text.split()), True)


def to_html(markdown: str) -> str:
    """The lesson text as HTML for a QTextBrowser."""
    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.strip() for line in block.strip().splitlines()]
        if all(re.match(r"[-*] ", line) for line in lines):
            items = "".join(f"<li>{_inline(line[2:], True)}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif all(re.match(r"\d+\. ", line) for line in lines):
            items = "".join(f"<li>{_inline(line.split(' ', 1)[1], True)}</li>" for line in lines)
            blocks.append(f"<ol>{items}</ol>")
        elif all(line.startswith("|") for line in lines):
            blocks.append(_table(lines))
        else:
            blocks.append(f"<p>{_inline(' '.join(lines), True)}</p>")
    return "\n".join(blocks)


def _table(lines: list[str]) -> str:
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in lines
        if not re.fullmatch(r"\|[\s:|-]+\|?", line)
    ]
    head = "".join(f"<th>{_inline(c, True)}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{_inline(c, True)}</td>" for c in row) + "</tr>" for row in rows[1:]
    )
    return f'<table border="1" cellspacing="0" cellpadding="4"><tr>{head}</tr>{body}</table>'


def to_text(markdown: str) -> str:
    """The lesson text as plain text for a terminal (math in Unicode)."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [_inline(line.strip(), False) for line in block.strip().splitlines()]
        listed = all(re.match(r"([-*]|\d+\.|\|) ?", line) for line in lines)
        paragraphs.append("\n".join(lines) if listed else " ".join(lines))
    return "\n\n".join(paragraphs)
