"""Sub-commands of the ``relubits`` CLI, one module per capability.

Each module defines ``register(subparsers, common)``: it adds its parsers with
``parents=[common]`` (which provides ``--json``) and sets ``handler`` to a
function ``args -> dict``.  The dict is printed as JSON (``--json``) or as text.
Handlers hold no logic a library user could not call; they raise ``ValueError``
for bad input (the CLI turns that into exit code 2 and one line on stderr).
"""
