"""The local stack: Kring's functions on one machine, wired exactly as template.yaml wires them."""
