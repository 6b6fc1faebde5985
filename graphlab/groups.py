"""Groups as gates: a named set of nodes (and nested groups) drawn as one node.

A group changes no value: the document keeps every node and wire; a group only records which
nodes it holds (``members``: node ids and the ids of groups nested in it), its title, its
position and the names its ports show. Its ports are the wires crossing its border, keyed by
the node whose value crosses (an input port per outside node feeding it, an output port per
inside node feeding the outside or feeding nothing), so the engine runs the grouped graph
exactly as the ungrouped one and every export stays flat. All functions here are pure: they
take a groups mapping and return a new one (the document stores it, undo swaps it back).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import GraphLabError

#: the most groups one file may hold (each is a few ids; the loader stays bounded)
MAX_GROUPS = 10_000
GROUP_KEYS = {"id", "members", "label", "pos", "ports"}


class GroupError(GraphLabError):
    """A grouping the graph does not allow (the message says why)."""


@dataclass(frozen=True)
class Group:
    """One group: ``members`` (node or group ids, directly inside), its title, its position
    and its port names (port key, the id of the node whose value crosses -> shown name)."""

    id: str
    members: tuple[str, ...]
    label: str = ""
    pos: tuple[float, float] = (0.0, 0.0)
    ports: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.id


@dataclass(frozen=True)
class Ports:
    """A group's ports: ``inputs`` (outside node ids feeding it) and ``outputs`` (inside node
    ids whose values leave it or end the graph), each in document edge/node order."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def parents(groups: dict[str, Group]) -> dict[str, str]:
    """Member id (node or group) -> the id of the group directly holding it."""
    return {member: g.id for g in groups.values() for member in g.members}


def leaves(groups: dict[str, Group], gid: str) -> list[str]:
    """Every node id inside group ``gid``, nested groups included."""
    found, todo = [], [gid]
    while todo:
        for member in groups[todo.pop()].members:
            (todo if member in groups else found).append(member)
    return found


def scope_members(groups: dict[str, Group], nodes: Iterable[str], scope: str = "") -> list[str]:
    """What is drawn at ``scope`` ("" the whole graph, else a group id): its direct members."""
    if scope:
        return list(groups[scope].members)
    inside = parents(groups)
    return [g for g in groups if g not in inside] + [n for n in nodes if n not in inside]


def representatives(groups: dict[str, Group], nodes: Iterable[str], scope: str = "") -> dict:
    """Node id -> the item drawn for it at ``scope`` (itself or the group holding it there);
    nodes outside ``scope`` are left out."""
    shown = {}
    for member in scope_members(groups, nodes, scope):
        for nid in leaves(groups, member) if member in groups else [member]:
            shown[nid] = member
    return shown


def ports_of(inside: set[str], nodes: Iterable[str], edges) -> Ports:
    """The ports of a group holding the node ids ``inside`` (edges: DocEdge-like records)."""
    inputs, outputs, fed = {}, {}, set()
    for e in edges:
        if e.dst in inside and e.src not in inside:
            inputs[e.src] = None
        if e.src in inside:
            fed.add(e.src)
            if e.dst not in inside:
                outputs[e.src] = None
    sinks = [n for n in nodes if n in inside and n not in fed]
    ordered = [n for n in nodes if n in outputs or n in sinks]
    return Ports(tuple(inputs), tuple(ordered))


def port_name(group: Group, key: str, labels: dict[str, str] | None = None) -> str:
    """The name port ``key`` shows: a rename, else the crossing node's label or id."""
    return group.ports.get(key) or (labels or {}).get(key) or key


def new_group_id(groups: dict[str, Group], taken: Iterable[str], prefix: str = "group") -> str:
    """A fresh id like ``group2`` that no group or node has."""
    used = set(groups) | set(taken)
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def make_group(
    groups: dict[str, Group], selection: Iterable[str], gid: str, pos, label: str = ""
) -> dict[str, Group]:
    """Groups with ``selection`` (node or group ids sharing one parent) collapsed into a new
    group ``gid`` at ``pos``, nested where the selection was."""
    chosen = list(dict.fromkeys(selection))
    if not chosen:
        raise GroupError("select the nodes to group first")
    if gid in groups:
        raise GroupError(f"there is already a group {gid!r}")
    inside = parents(groups)
    homes = {inside.get(member, "") for member in chosen}
    if len(homes) > 1:
        raise GroupError("the selection lies in different groups; group inside one of them")
    home = homes.pop()
    result = dict(groups)
    if home:
        chosen_set = set(chosen)
        kept = [m for m in groups[home].members if m not in chosen_set]
        result[home] = replace(groups[home], members=(*kept, gid))
    result[gid] = Group(gid, tuple(chosen), label, (float(pos[0]), float(pos[1])))
    return result


def ungroup(groups: dict[str, Group], gid: str) -> dict[str, Group]:
    """Groups with ``gid`` dissolved: its members go back to the group that held it."""
    if gid not in groups:
        raise GroupError(f"no group {gid!r}")
    home = parents(groups).get(gid, "")
    result = {k: g for k, g in groups.items() if k != gid}
    if home:
        members = []
        for member in groups[home].members:
            members.extend(groups[gid].members if member == gid else [member])
        result[home] = replace(groups[home], members=tuple(members))
    return result


def with_members(groups: dict[str, Group], gid: str, ids: Iterable[str]) -> dict[str, Group]:
    """Groups with the node ids ``ids`` added to group ``gid`` (nodes made inside it)."""
    return {**groups, gid: replace(groups[gid], members=(*groups[gid].members, *ids))}


def copied_groups(
    part: dict[str, Group], id_map: dict[str, str], taken: Iterable[str], offset=(0.0, 0.0)
) -> dict[str, Group]:
    """A pasted fragment's groups with fresh ids (none in ``taken``), node members renamed by
    ``id_map`` (old id -> pasted id) and positions moved by ``offset``."""
    used, fresh = set(taken), {}
    for gid in part:
        fresh[gid] = new_group_id({}, used, re.sub(r"\d+$", "", gid) or "group")
        used.add(fresh[gid])
    return {
        fresh[g.id]: replace(
            g,
            id=fresh[g.id],
            members=tuple(fresh.get(m) or id_map[m] for m in g.members),
            pos=(g.pos[0] + offset[0], g.pos[1] + offset[1]),
        )
        for g in part.values()
    }


def top_level(groups: dict[str, Group], ids: Iterable[str]) -> list[str]:
    """Of ``ids`` (node or group ids), those no group of ``groups`` holds."""
    inside = parents(groups)
    return [i for i in ids if i not in inside]


def moved(groups: dict[str, Group], positions: dict[str, tuple]) -> dict[str, Group]:
    """Groups with new positions (group id -> (x, y))."""
    result = dict(groups)
    for gid, (x, y) in positions.items():
        result[gid] = replace(groups[gid], pos=(float(x), float(y)))
    return result


def renamed(groups: dict[str, Group], gid: str, label: str, ports=None) -> dict[str, Group]:
    """Groups with group ``gid`` titled ``label`` and its port names updated by ``ports``
    (key -> name; an empty name goes back to the node's)."""
    names = {**groups[gid].ports, **(ports or {})}
    names = {k: v for k, v in names.items() if v}
    return {**groups, gid: replace(groups[gid], label=label, ports=names)}


def prune(groups: dict[str, Group], nodes: Iterable[str]) -> dict[str, Group]:
    """Groups without members that are gone (node ids not in ``nodes``); emptied groups go."""
    alive, result = set(nodes), dict(groups)
    changed = True
    while changed:
        changed = False
        for gid, g in list(result.items()):
            kept = tuple(m for m in g.members if m in alive or m in result)
            if not kept:
                del result[gid]
                changed = True
            elif kept != g.members:
                result[gid] = replace(g, members=kept)
                changed = True
    return result


# -- the file form ------------------------------------------------------------------------


def groups_to_json(groups: dict[str, Group]) -> list[dict[str, Any]]:
    """The JSON-ready form (a list, in document order)."""
    return [
        {
            "id": g.id,
            "members": list(g.members),
            "label": g.label,
            "pos": list(g.pos),
            "ports": dict(g.ports),
        }  # fmt: skip
        for g in groups.values()
    ]


def groups_from_json(data: Any, nodes: Iterable[str], fail) -> dict[str, Group]:
    """Validate the file's ``groups`` list against the node ids; ``fail(place, message)``
    raises (the loader's one error path)."""
    if not isinstance(data, list):
        fail("groups", f"expected a list, got {type(data).__name__}")
    if len(data) > MAX_GROUPS:
        fail("groups", f"more than {MAX_GROUPS} groups")
    node_ids, groups = set(nodes), {}
    for i, item in enumerate(data):
        place = f"groups[{i}]"
        if not isinstance(item, dict) or not set(item) <= GROUP_KEYS or "id" not in item:
            fail(place, f"expected an object with keys {', '.join(sorted(GROUP_KEYS))}")
        gid, members = item["id"], item.get("members")
        if not isinstance(gid, str) or not re.fullmatch(r"\w+", gid) or gid in node_ids:
            fail(f"{place}.id", f"expected a new id (letters, digits, _), got {gid!r}")
        if gid in groups:
            fail(f"{place}.id", f"duplicate group id {gid!r}")
        if (
            not isinstance(members, list)
            or not members
            or not all(isinstance(m, str) for m in members)
        ):
            fail(f"{place}.members", "expected a non-empty list of node or group ids")
        label, pos, ports = item.get("label", ""), item.get("pos", [0, 0]), item.get("ports", {})
        if not isinstance(label, str):
            fail(f"{place}.label", f"expected a string, got {label!r}")
        if not valid_pos(pos):
            fail(f"{place}.pos", f"expected [x, y] with two finite numbers, got {pos!r}")
        if not isinstance(ports, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in ports.items()
        ):
            fail(f"{place}.ports", "expected an object of port names")
        groups[gid] = Group(gid, tuple(members), label, (float(pos[0]), float(pos[1])), ports)
    _check_tree(groups, node_ids, fail)
    return groups


def _check_tree(groups: dict[str, Group], node_ids: set[str], fail) -> None:
    """Each member is a node or group, held by one group only, and no group holds itself."""
    held: dict[str, str] = {}
    for g in groups.values():
        for member in g.members:
            if member not in node_ids and member not in groups:
                fail(f"group {g.id!r}", f"member {member!r} is no node or group")
            if member in held:
                fail(f"group {g.id!r}", f"{member!r} is already in group {held[member]!r}")
            held[member] = g.id
    for gid in groups:
        seen, at = {gid}, held.get(gid)
        while at is not None:
            if at in seen:
                fail(f"group {gid!r}", "groups nest in a circle")
            seen.add(at)
            at = held.get(at)


def valid_pos(pos: Any) -> bool:
    """Whether a saved position is ``[x, y]`` with two finite numbers (nodes and groups)."""
    return (
        isinstance(pos, list)
        and len(pos) == 2
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pos
        )
    )
