"""mountlint's policy library: one module per rule.

Each module has a Markdown docstring (the rule's documentation, shown by ``mountlint --explain``),
a ``RULE`` with its metadata and a ``check()`` generator. Add a module and its line in ``RULES``
to register it (a test checks that the table and the modules agree).
"""

#: Each rule's code and module, in code order. A rule's name is its module's, with dashes
#: (``writable_host_path`` is ``writable-host-path``). A run reads this table to select rules,
#: and imports only the modules of the rules it selects.
RULES: dict[str, str] = {
    "ML001": "yaml_syntax_error",
    "ML002": "unused_suppression",
    "ML003": "chart_not_rendered",
    "ML101": "host_mount_pins_runtime_mounts",
    "ML102": "bidirectional_broad_host_mount",
    "ML103": "propagation_with_subpath",
    "ML104": "propagation_ignored_on_windows",
    "ML201": "runtime_socket_mount",
    "ML202": "sensitive_host_path",
    "ML203": "writable_host_path",
    "ML204": "untyped_host_path",
    "ML205": "host_path_not_allowed",
    "ML206": "host_path_not_normalized",
    "ML207": "pod_security_baseline_host_path",
    "ML301": "invalid_mount_propagation",
    "ML302": "bidirectional_requires_privileged",
    "ML303": "bidirectional_on_windows",
    "ML304": "recursive_read_only_requires_read_only",
    "ML305": "recursive_read_only_requires_private",
    "ML306": "invalid_recursive_read_only",
    "ML307": "mount_references_unknown_volume",
    "ML308": "duplicate_mount_path",
    "ML309": "invalid_sub_path",
    "ML310": "invalid_host_path",
    "ML311": "mount_conflicts_with_device",
    "ML312": "host_path_root_recycle",
}

#: Rules that run only when a selection names them (``select:``, ``--select``).
OFF_BY_DEFAULT: frozenset[str] = frozenset({"ML207"})
