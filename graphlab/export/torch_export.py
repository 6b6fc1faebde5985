"""A document as a readable PyTorch file: an ``nn.Module`` and a training-loop skeleton.

``forward`` computes one local variable per node, named after the node id, in the graph's
topological order, and returns the predictions followed by the loss. Parameters and
batchnorm running statistics are loaded from a ``.npz`` beside the file (keys
``param:<id>`` and ``state:<id>:<name>``, as in a project file). Batchnorm and dropout
follow ``model.train()`` / ``model.eval()``; GraphLab's batchnorm momentum m is PyTorch's
``1 - m``, and its keep probability p is PyTorch's drop probability ``1 - p``.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from string import Template

import numpy as np

from engine.backend import to_numpy
from engine.ops.base import normalise_axes
from engine.ops.linalg import permutation
from engine.optim import optimizer_class, validate_settings
from graphlab.atomic import save_target
from graphlab.custom_ops import torch_code
from graphlab.document import GraphDocument
from graphlab.export import (
    LEAF_OPS,
    ExportPlan,
    export_plan,
    python_names,
    torch_fields,
    unsupported,
)
from graphlab.export.preprocess_export import stored_preprocessing, torch_arrays, torch_lines
from graphlab.fileformat import write_atomically
from graphlab.project_arrays import parameter_members

#: names the generated file uses for itself
RESERVED = ("self", "torch", "nn", "F", "np", "Path", "PARAMETERS", "svm_loss", "arrays")
#: engine op -> PyTorch expression; {port} is the input's variable, {attr} the attr's repr
EXPRESSIONS = {
    "add": "{a} + {b}",
    "subtract": "{a} - {b}",
    "multiply": "{a} * {b}",
    "divide": "{a} / {b}",
    "max": "torch.maximum({a}, {b})",
    "min": "torch.minimum({a}, {b})",
    "negate": "-{x}",
    "reciprocal": "torch.reciprocal({x})",
    "exp": "torch.exp({x})",
    "log": "torch.log({x})",
    "power": "{x} ** {exponent}",
    "abs": "torch.abs({x})",
    "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})",
    "relu": "torch.relu({x})",
    "leaky_relu": "F.leaky_relu({x}, {slope})",
    "elu": "F.elu({x}, {alpha})",
    "prelu": "torch.where({x} > 0, {x}, {x} * {slope})",
    "maxout": "{x}.unflatten(1, (-1, {k})).max(dim=2).values",
    "conv2d": ("F.conv2d({conv_x}, {w}, {b}, stride={stride}, padding={conv_pad}{conv_extra})"),
    "maxpool": ("F.max_pool{d}d({pool_x}, {kernel}, {window_stride}{pool_extra})"),
    "avgpool": ("F.avg_pool{d}d({pool_x}, {kernel}, {window_stride}{pool_extra}){divide}"),
    "matmul": "{a} @ {b}",
    "affine": "{x}{flat} @ {w} + {b}",
    "reshape": "{x}.reshape({shape})",
    "flatten": "{flat_expr}",
    "concat": "torch.cat([{a}, {b}], dim={axis})",
    "pad": "F.pad({x}, {pad_args})",
    "squeeze": "{x}.squeeze({dims})",
    "unsqueeze": "{x}{unsqueezes}",
    "sqrt": "torch.sqrt({x})",
    "pow": "torch.pow({a}, {b})",
    "clip": "torch.clamp({x}, {low}, {high})",
    "transpose": "{x}.permute({perm})",
    "softmax": "torch.softmax({x}, dim={axis})",
    "log_softmax": "torch.log_softmax({x}, dim={axis})",
    "softmax_cross_entropy": "F.cross_entropy({scores}, {labels})",
    "svm_loss": "svm_loss({scores}, {labels}, {margin})",
    "nll_loss": "F.nll_loss({logp}, {labels}{nll_options})",
    "mse": "F.mse_loss({prediction}, {target})",
    "l2_penalty": "{strength} * ({w} * {w}).sum()",
    "l1_penalty": "{strength} * {w}.abs().sum()",
    "elastic_penalty": "{strength} * ({beta} * {w} * {w} + {w}.abs()).sum()",
    "batchnorm": (
        "F.batch_norm(\n            {x},\n            self.{node}_running_mean,\n            self.{node}_running_var,"
        "\n            {gamma},\n            {beta},\n            training=self.training,"
        "\n            momentum={torch_momentum},\n            eps={eps},\n        )"
    ),
    "dropout": "F.dropout({x}, p={drop}, training=self.training)",
    "sum": "{x}.sum({reduce})",
    "mean": "{x}.mean({reduce})",
    "reduce_max": "{x}.amax({reduce})",
    "reduce_min": "{x}.amin({reduce})",
}
SUPPORTED = {*LEAF_OPS, *EXPRESSIONS}
#: op -> why PyTorch cannot express it (the export's error message says it); none today
UNSUPPORTED: dict[str, str] = {}
SVM_LOSS = '''

def svm_loss(scores, labels, margin):
    """Multiclass hinge loss as GraphLab computes it: summed margins, averaged over samples."""
    correct = scores.gather(1, labels[:, None])
    margins = torch.clamp(scores - correct + margin, min=0).scatter(1, labels[:, None], 0.0)
    return margins.sum() / scores.shape[0]
'''
#: engine optimizer -> (torch class, torch keyword -> the engine setting (a tuple: several)
#: or a literal True)
OPTIMIZERS = {
    "sgd": ("SGD", {"lr": "lr"}),
    "momentum": ("SGD", {"lr": "lr", "momentum": "momentum"}),
    "nesterov": ("SGD", {"lr": "lr", "momentum": "momentum", "nesterov": True}),
    "adagrad": (
        "Adagrad",
        {"lr": "lr", "eps": "eps", "initial_accumulator_value": "initial_accumulator_value"},
    ),
    "rmsprop": ("RMSprop", {"lr": "lr", "alpha": "decay", "eps": "eps"}),
    "adam": ("Adam", {"lr": "lr", "betas": ("beta1", "beta2"), "eps": "eps"}),
    "lbfgs": (
        "LBFGS",
        {"lr": "lr", "history_size": "history", "max_iter": "max_iter",
         "tolerance_grad": "tolerance_grad", "tolerance_change": "tolerance_change"},
    ),
}  # fmt: skip


def torch_optimizer(training: dict) -> tuple[str, dict, dict]:
    """(torch.optim class name, its keyword arguments, the engine's settings) of a document's
    training settings (the optimizer's defaults filled in)."""
    name = training.get("optimizer", "adam")
    settings = dict(training.get("optimizer_settings", {}))
    settings["lr"] = training.get("lr", settings.get("lr", 1e-3))
    settings = validate_settings(optimizer_class(name), settings)
    cls, table = OPTIMIZERS[name]
    arguments = {
        key: tuple(settings[k] for k in value) if isinstance(value, tuple)
        else settings[value] if isinstance(value, str) else value
        for key, value in table.items()
    }  # fmt: skip
    return cls, arguments, settings


def class_name(name: str) -> str:
    """``cnn-digits`` -> ``CnnDigits``."""
    words = [w for w in re.split(r"[\W_]+", name) if w]
    result = "".join(w[0].upper() + w[1:] for w in words)
    return result if result[:1].isalpha() else f"Graph{result}"


def _expression(plan: ExportPlan, nid: str, names: dict[str, str]) -> str:
    """The PyTorch expression of node ``nid``, its inputs named by ``names``."""
    graph = plan.graph
    op, attrs = graph.nodes[nid].op, dict(graph.attrs[nid])
    ports = graph.ops[nid].inputs
    fields = {port: names[graph.sources[nid][port]] for port in ports}
    if graph.ops[nid].user:
        return torch_code.expression(graph.ops[nid], list(fields.values()), attrs)
    shape = graph.shapes[graph.sources[nid][ports[0]]] if ports else ()
    if ports:
        fields.update(torch_fields.fields(op, fields[ports[0]], attrs, shape))
    if op == "transpose":
        fields["perm"] = permutation(attrs["axes"], shape)
    if op in ("sum", "mean", "reduce_max", "reduce_min"):
        axes = normalise_axes(attrs["axis"], len(shape))
        whole = attrs["axis"] is None and not attrs["keepdims"]
        fields["reduce"] = "" if whole else f"dim={axes}, keepdim={attrs['keepdims']}"
    if op == "batchnorm":
        fields.update(node=names[nid], torch_momentum=_complement(attrs["momentum"]))
    if op == "dropout":
        fields["drop"] = _complement(attrs["p"])
    if op == "affine":
        fields["flat"] = "" if len(shape) == 2 else ".flatten(1)"
    if op == "reshape":
        fields["shape"] = tuple(attrs["shape"])
    for key, value in attrs.items():
        fields.setdefault(key, repr(value))
    return EXPRESSIONS[op].format(**fields)


MODULE = Template('''"""$title

Exported from GraphLab. forward computes one variable per node of the graph, in topological
order, and returns $returns_doc.$params_doc
"""

$imports
$parameters_path

class $cls(nn.Module):
    def __init__(self, ${parameters_argument}dtype=torch.float32):
        super().__init__()
$init
    def forward($arguments):
$body
        return $returns
$helpers''')
TRAINING = Template('''

def train(model, data, labels, epochs=$epochs, batch_size=$batch_size):
    """Minibatch training with GraphLab's settings.

    $optimizer: $settings$schedule
    """
    optimizer = torch.optim.$torch_optimizer(model.parameters(), $torch_settings)
    data = torch.as_tensor(data, dtype=torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.long)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(data))
        for start in range(0, len(data), batch_size):
            batch = order[start : start + batch_size]

            def closure(batch=batch):
                optimizer.zero_grad()
                loss = model($data_input=data[batch], $label_input=labels[batch])$pick_loss
                loss.backward()
                return loss

            loss = optimizer.step(closure)
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
    model.eval()


def load_data():
    """(data, labels) arrays to train on.

    In GraphLab this graph was bound to the dataset $dataset.
    """
    raise NotImplementedError("load_data: return (data, labels) for inputs $data_input, $label_input")


if __name__ == "__main__":
    train($cls(), *load_data())
''')
CIRCUIT = Template("""

#: the input values stored in the GraphLab document
INPUTS = $inputs

if __name__ == "__main__":
    inputs = {name: torch.tensor(value, requires_grad=True) for name, value in INPUTS.items()}
    output = $cls()(**inputs)$backward
    print("output:", output)
    for name, value in inputs.items():
        print(f"gradient of {name}:", value.grad)
""")


def module_source(doc: GraphDocument, plan: ExportPlan, npz_name: str, main: bool = True) -> str:
    """The text of the PyTorch file for ``doc`` (parameters in ``npz_name`` beside it); with
    ``main``, a training-loop skeleton or a run on the stored inputs follows the module."""
    graph = plan.graph
    names = python_names(plan.nodes, RESERVED)
    inputs = [nid for nid in plan.nodes if graph.nodes[nid].op == "input"]
    init = ["arrays = np.load(parameters, allow_pickle=False)"] if graph.params else []
    body = []
    for nid in plan.nodes:
        op, name = graph.nodes[nid].op, names[nid]
        if op == "parameter":
            frozen = ", requires_grad=False" if graph.attrs[nid]["frozen"] else ""
            init.append(f'self.{name} = nn.Parameter(tensor(arrays["param:{nid}"]){frozen})')
            names[nid] = f"self.{name}"
        elif op == "constant":
            value = graph.attrs[nid]["value"]
            init.append(f'self.register_buffer("{name}", tensor({value!r}))')
            names[nid] = f"self.{name}"
        elif op != "input":
            note = "" if name == nid else f"  # node {nid!r}"
            body.append(f"{name} = {_expression(plan, nid, names)}{note}")
        if op == "batchnorm":
            for stat in ("running_mean", "running_var"):
                value = (
                    f'tensor(arrays["state:{nid}:{stat}"])'
                    if graph.state[nid]
                    else _default(graph, nid, stat)
                )
                init.append(f'self.register_buffer("{name}_{stat}", {value})')
    stored = stored_preprocessing(doc, plan.nodes)
    if stored:
        lines, first = torch_lines(names[stored[0]], stored[1], bool(graph.params))
        init, body = [*init, *lines], [first, *body]
    cls = class_name(doc.name)
    returns = [names[nid] for nid in plan.outputs]
    helpers = SVM_LOSS if any(graph.nodes[n].op == "svm_loss" for n in plan.nodes) else ""
    helpers += torch_code.helpers({graph.ops[n] for n in plan.nodes if graph.ops[n].user})
    params_doc = f"\nParameters load from {npz_name} beside this file." if graph.params else ""
    source = MODULE.substitute(
        title=f"{doc.name}: {doc.description}".strip(": "),
        returns_doc=", ".join(plan.outputs),
        params_doc=params_doc,
        imports=_imports(bool(graph.params), any("F." in line for line in body)),
        parameters_path=f'\nPARAMETERS = Path(__file__).with_name("{npz_name}")\n'
        if graph.params
        else "",
        parameters_argument="parameters=PARAMETERS, " if graph.params else "",
        cls=cls,
        init=_lines([*TENSOR, *init]) if init else "",
        arguments=", ".join(["self", *(names[nid] for nid in inputs)]),
        body="\n".join(f"        {line}" for line in body),
        returns=", ".join(returns),
        helpers=helpers,
    )
    return source + _main(doc, plan, names, cls) if main else source


#: the first lines of __init__ when it loads values
TENSOR = ("def tensor(value):", "    return torch.tensor(value, dtype=dtype)", "")


def _lines(lines) -> str:
    """Lines of __init__'s body, each after a newline, blank lines without indentation."""
    return "".join(f"\n        {line}" if line else "\n" for line in lines) + "\n"


def _complement(value: float) -> str:
    """1 - value as people write it (0.1, not 0.09999999999999998)."""
    return repr(round(1 - value, 12))


def _imports(arrays: bool, functional: bool) -> str:
    lines = ["from pathlib import Path", "", "import numpy as np"] if arrays else []
    lines.append("import torch")
    lines += ["import torch.nn.functional as F"] if functional else []
    return "\n".join([*lines, "from torch import nn"])


def _default(graph, nid: str, stat: str) -> str:
    """Running statistics of a batchnorm node that never trained: zeros and ones."""
    channels = graph.shapes[graph.sources[nid]["x"]][1]
    return f"torch.{'zeros' if stat == 'running_mean' else 'ones'}({channels}, dtype=dtype)"


def _main(doc: GraphDocument, plan: ExportPlan, names: dict[str, str], cls: str) -> str:
    """The training loop (a graph bound to a dataset) or a run on the stored inputs."""
    binding = doc.dataset
    if binding.get("data_input") in names and binding.get("label_input") in names:
        training = doc.training
        torch_class, arguments, settings = torch_optimizer(training)
        return TRAINING.substitute(
            epochs=int(training.get("epochs", 10)),
            batch_size=int(training.get("batch_size", 64)),
            optimizer=training.get("optimizer", "adam"),
            settings=", ".join(f"{k}={v!r}" for k, v in settings.items()),
            torch_optimizer=torch_class,
            torch_settings=", ".join(f"{k}={v!r}" for k, v in arguments.items()),
            data_input=names[binding["data_input"]],
            label_input=names[binding["label_input"]],
            pick_loss="[-1]" if len(plan.outputs) > 1 else "",
            dataset=binding.get("spec"),
            schedule=_schedule(training.get("schedule")),
            cls=cls,
        )
    scalar = len(plan.outputs) == 1 and plan.graph.shapes[plan.outputs[0]] == ()
    stored = {names[nid]: value for nid, value in doc.inputs.items() if nid in names}
    return CIRCUIT.substitute(
        inputs=json.dumps(stored), cls=cls, backward="\n    output.backward()" if scalar else ""
    )


def _schedule(schedule) -> str:
    """A docstring line for a learning-rate schedule other than a constant rate."""
    if not schedule or schedule in ("constant", {"name": "constant"}):
        return ""
    return f"\n    learning-rate schedule (add a torch.optim.lr_scheduler): {schedule}"


def parameter_arrays(graph) -> dict[str, np.ndarray]:
    """The arrays the module loads: ``param:<id>`` and ``state:<id>:<name>`` (the project
    file's names, :func:`graphlab.project_arrays.parameter_members`)."""
    return parameter_members(graph.params, graph.state, to_numpy)


def export_torch(doc: GraphDocument, path: str | os.PathLike) -> list[Path]:
    """Write ``doc`` as a PyTorch module at ``path`` and its parameters beside it (``.npz``,
    when it has any); returns the paths written."""
    plan = export_plan(doc, include_loss=True)
    users = {plan.graph.nodes[n].op for n in plan.nodes if plan.graph.ops[n].user}
    unsupported(plan.graph, plan.nodes, SUPPORTED | users, "PyTorch", UNSUPPORTED)
    path = Path(path)
    npz_path = path.with_suffix(".npz")
    graph = plan.graph
    for target in (path, npz_path) if graph.params else (path,):
        save_target(target)  # both checked before either is written
    if graph.params:
        arrays = parameter_arrays(graph)
        stored = stored_preprocessing(doc, plan.nodes)
        arrays.update(torch_arrays(stored[1]) if stored else {})
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_atomically(npz_path, lambda f: f.write(buffer.getvalue()))
    text = module_source(doc, plan, npz_path.name).encode()
    write_atomically(path, lambda f: f.write(text))
    return [path, npz_path] if graph.params else [path]
