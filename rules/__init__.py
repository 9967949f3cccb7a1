"""mountlint's policy library: one module per rule.

Each module has a Markdown docstring (the rule's documentation, shown by ``mountlint --explain``),
a ``RULE`` with its metadata and a ``check()`` generator. Add a module here to register it.
"""

RULE_MODULES: tuple[str, ...] = (
    "host_mount_pins_runtime_mounts",
    "unused_suppression",
    "yaml_syntax_error",
)
