"""mountlint's policy library: one module per rule.

Each module has a Markdown docstring (the rule's documentation, shown by ``mountlint --explain``),
a ``RULE`` with its metadata and a ``check()`` generator. Add a module here to register it.
"""

RULE_MODULES: tuple[str, ...] = (
    "bidirectional_broad_host_mount",
    "bidirectional_on_windows",
    "bidirectional_requires_privileged",
    "chart_not_rendered",
    "duplicate_mount_path",
    "host_mount_pins_runtime_mounts",
    "host_path_not_allowed",
    "host_path_not_normalized",
    "host_path_root_recycle",
    "invalid_host_path",
    "invalid_mount_propagation",
    "invalid_recursive_read_only",
    "invalid_sub_path",
    "mount_conflicts_with_device",
    "mount_references_unknown_volume",
    "pod_security_baseline_host_path",
    "propagation_ignored_on_windows",
    "propagation_with_subpath",
    "recursive_read_only_requires_private",
    "recursive_read_only_requires_read_only",
    "runtime_socket_mount",
    "sensitive_host_path",
    "untyped_host_path",
    "unused_suppression",
    "writable_host_path",
    "yaml_syntax_error",
)
