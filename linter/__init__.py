"""mountlint: lint and fix Kubernetes volume mounts before they reach a cluster."""

__version__ = "0.1.0"

__all__ = ["__version__"]
