"""Arguments shared by the ``graphlab`` subcommands."""

from engine.backend import DEVICES


def add_graph_argument(parser) -> None:
    """The GRAPH positional argument every graph command takes."""
    parser.add_argument("graph", metavar="GRAPH", help="a graph file or a bundled example's name")


def add_device_argument(parser) -> None:
    """--device cpu|cuda (cuda without cupy or a GPU is a one-line error, exit 2)."""
    parser.add_argument(
        "--device", choices=DEVICES, default="cpu", help="where to compute (default cpu)"
    )
