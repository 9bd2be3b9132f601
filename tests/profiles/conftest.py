from tests.node.conftest import nodes, process_nodes  # noqa: F401
