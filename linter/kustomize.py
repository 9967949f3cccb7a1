"""Kustomize: lint what ``kustomize build`` deploys, and report each finding where it was written.

A folder with a kustomization is built with ``kustomize build`` or ``kubectl kustomize`` (whichever
is on PATH) through a temporary wrapper kustomization that only lists that folder and sets
``buildMetadata: [originAnnotations]``, so the user's files are never touched to build. The
``config.kubernetes.io/origin`` annotation names each object's source file; it is read only from
``metadata.annotations`` (where kustomize overwrites it) and only when it names a file the
kustomization itself reads, so a resource cannot redirect a fix elsewhere. The built object is
matched to its object in that file by kind, name and namespace, undoing the build's namePrefix,
nameSuffix and namespace (by content only when no object there has its name, and only when one
object holds the node), or else to a patch of the build that applies to it. The offending YAML node
is then found in that object by content, since kustomize reorders keys and rewrites quoting; fixes
are re-made on the source file's own text. What cannot be located, or only ambiguously, is reported
at the kustomization file, with no fix written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import field, replace
from pathlib import Path

from mountlint.edits import (
    Applicability,
    Edit,
    EditBuilder,
    Fix,
    apply_edits,
    content_end,
    select_non_overlapping,
)
from mountlint.engine import analyze_text, any_document_may_hold_findings, relevant_documents
from mountlint.findings import Finding, Location, RelatedLocation, locate
from mountlint.gotuning import go_environment
from mountlint.records import record
from mountlint.scope import RealPaths
from mountlint.settings import Settings
from mountlint.sources import SKIPPED_DIRS, Decoded, FileStamp, decode, may_hold_findings
from mountlint.usercache import KeyDigest, cache_dir, prune, read_blob, write_blob
from mountlint.version import __version__
from mountlint.yamlnodes import (
    Document,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    all_nodes,
    get,
    get_path,
    is_null,
    items,
    parse_stream,
    scalar_text,
    string_value,
)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
BUILD_TIMEOUT_SECONDS = 120
_IDENTITY_KEYS = ("mountPath", "name", "path", "devicePath")
_ENTRY = re.compile(r"^[\s,]*([A-Za-z][\w-]*): (.*?)\s*$")


def _absolute(path: Path) -> Path:
    """An absolute, normalised path that keeps symlinks as the user sees them."""
    return Path(os.path.normpath(path.absolute()))


def _anywhere(path: Path) -> bool:
    return True


def _nowhere(path: Path) -> bool:
    return False


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, if it has one."""
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def build_command() -> list[str] | None:
    """``kustomize build`` or ``kubectl kustomize``, whichever is on PATH (kustomize first)."""
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    return None


def find_roots(paths: Iterable[Path], excluded: Callable[[Path], bool] = _nowhere) -> list[Path]:
    """Folders with a buildable kustomization among ``paths`` and below them, in a stable order.

    A ``kind: Component`` cannot be built on its own: it is linted through the kustomizations
    that use it. Symlinked folders are not entered, and ``excluded`` kustomizations not built.
    """
    roots: list[Path] = []
    for path in paths:
        if not path.is_dir():
            continue
        for directory, subdirectories, _files in os.walk(path):
            subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRS)
            found = kustomization_file(Path(directory))
            if found is not None and not excluded(found) and not _is_component(found):
                roots.append(Path(directory))
    return roots


def _is_component(path: Path) -> bool:
    decoded = _read(path)
    if decoded is None:
        return False
    stream = parse_stream(decoded.text)
    return (
        bool(stream.documents)
        and string_value(get(stream.documents[0].root, "kind")) == "Component"
    )


# --- what a build reads ----------------------------------------------------------------------


@record(frozen=True)
class Naming:
    """How a build renames the objects of a resource file: the ``namePrefix``, ``nameSuffix``
    and ``namespace`` of the kustomizations (and their components) that include it, composed."""

    prefix: str = ""
    suffix: str = ""
    namespace: str | None = None  #: the outermost ``namespace`` set, which kustomize applies last

    def inside(self, prefix: str, suffix: str, namespace: str | None) -> Naming:
        """The naming of a kustomization with these settings, included under this one."""
        return Naming(self.prefix + prefix, suffix + self.suffix, self.namespace or namespace)


@record(frozen=True)
class PatchTarget:
    """The ``target`` a kustomization gives a patch (None: what the patch names)."""

    kind: str | None = None
    name: str | None = None


@record
class Inputs:
    """The files a kustomization reads, which of them are patches, and how names change."""

    files: set[Path] = field(default_factory=set)
    patches: list[Path] = field(default_factory=list)
    kustomizations: list[Path] = field(default_factory=list)
    #: for each resource file (by real path), the namings of the paths that include it
    namings: dict[Path, set[Naming]] = field(default_factory=dict)
    #: for each patch file, the targets the kustomizations give it (None: no target)
    patch_targets: dict[Path, list[PatchTarget | None]] = field(default_factory=dict)
    #: every ``namePrefix`` and ``nameSuffix`` in the build
    prefixes: set[str] = field(default_factory=set)
    suffixes: set[str] = field(default_factory=set)
    #: other files the build reads: transformer configurations, plugin configs, OpenAPI schemas
    settings: set[Path] = field(default_factory=set)
    #: parts whose content cannot be read ahead: remote, missing, unreadable, helm charts
    opaque: list[str] = field(default_factory=list)
    #: generator, transformer and validator plugins: what they read is not followed here
    plugins: list[str] = field(default_factory=list)


#: Paths through the kustomizations followed before giving up on recording more namings (a
#: diamond of bases doubles them at each level); objects not covered are matched by content.
_MAX_INCLUSIONS = 2000


@record
class _Walk:
    """The kustomizations entered so far (with their naming), each file parsed once."""

    seen: set[tuple[Path, Naming]] = field(default_factory=set)
    entered: set[Path] = field(default_factory=set)
    parsed: dict[Path, Node | None] = field(default_factory=dict)
    real: Callable[[str], str] = os.path.realpath

    def settings(self, path: Path) -> Node | None:
        """The top node of the kustomization file ``path`` (None if unreadable or empty)."""
        if path not in self.parsed:
            decoded = _read(path)
            stream = parse_stream(decoded.text) if decoded else None
            self.parsed[path] = stream.documents[0].root if stream and stream.documents else None
        return self.parsed[path]


def read_inputs(root: Path, real: Callable[[str], str] = os.path.realpath) -> Inputs:
    """Follow resources, components and patches from ``root`` (local paths only). ``real`` is
    ``os.path.realpath``, or a memo of it."""
    inputs = Inputs()
    _collect(_absolute(root), inputs, Naming(), _Walk(real=real), ())
    return inputs


#: Kustomization fields whose output comes from outside the files it names (charts, fetched)
_OPAQUE_FIELDS = ("helmCharts", "helmChartInflationGenerator", "helmGlobals")
#: Kustomization fields that name files (or kustomizations) configuring transformers
_SETTING_FIELDS = ("configurations", "generators", "transformers", "validators")
#: Kustomization fields whose plugins may read files their configuration names
_PLUGIN_FIELDS = ("generators", "transformers", "validators")
#: Builtin plugins that read nothing but their own configuration
_SELF_CONTAINED_PLUGINS = frozenset(
    {
        "AnnotationsTransformer",
        "HashTransformer",
        "IAMPolicyGenerator",
        "ImageTagTransformer",
        "LabelTransformer",
        "NamespaceTransformer",
        "PrefixTransformer",
        "ReplicaCountTransformer",
        "SortOrderTransformer",
        "SuffixTransformer",
        "ValueAddTransformer",
    }
)
#: Fields a kustomization listing plugin configurations may use for them to stay as written
_PLUGIN_LIST_FIELDS = frozenset({"apiVersion", "kind", "resources", "namespace"})


def _collect(
    directory: Path,
    inputs: Inputs,
    outer: Naming,
    walk: _Walk,
    including: tuple[Path, ...],
    component: bool = False,
) -> None:
    """Record what the kustomization in ``directory`` reads, included with naming ``outer``.

    A folder is entered again when another path includes it with another naming (a base under
    two overlays), never when it includes itself. A component's settings apply to the
    kustomization that uses it, so they are part of ``outer`` already.
    """
    seen = walk.seen
    if (directory, outer) in seen or directory in including:
        return
    if directory in walk.entered and len(seen) >= _MAX_INCLUSIONS:
        return  # enough namings: each folder is still entered once, for the files it reads
    seen.add((directory, outer))
    walk.entered.add(directory)
    including = (*including, directory)
    path = kustomization_file(directory)
    if path is None:
        inputs.opaque.append(str(directory))
        return
    inputs.files.add(path)
    if path not in inputs.kustomizations:
        inputs.kustomizations.append(path)
    root = walk.settings(path)
    if not isinstance(root, MappingNode) or all(
        str(key.value) in ("apiVersion", "kind") for key, _ in root.value
    ):
        inputs.opaque.append(str(path))  # empty, or not a mapping: kustomize says what is wrong
        return
    inputs.opaque.extend(key for key in _OPAQUE_FIELDS if get(root, key) is not None)
    inputs.plugins.extend(_plugins(root, directory, path))

    def local(value: Node | None) -> Path | None:
        text = string_value(value)
        if not text or "://" in text or text.startswith(("git@", "github.com/")):
            if text:
                inputs.opaque.append(text)
            return None
        return _absolute(directory / text)

    naming = outer if component else outer.inside(*_own_naming(root, local, inputs, walk))
    for key in ("resources", "bases", "components", "crds"):
        for item in items(get(root, key)):
            target = local(item)
            if target is None:
                continue
            if target.is_dir():
                _collect(target, inputs, naming, walk, including, component=key == "components")
            elif target.is_file():
                inputs.files.add(target)
                real = Path(walk.real(str(target)))
                inputs.namings.setdefault(real, set()).add(naming)
            else:
                inputs.opaque.append(str(target))
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge", "replacements"):
        for item in items(get(root, key)):
            target = local(get(item, "path") if isinstance(item, MappingNode) else item)
            if target is not None and target.is_file():
                inputs.files.add(target)
                if target not in inputs.patches:
                    inputs.patches.append(target)
                selector = get(item, "target") if isinstance(item, MappingNode) else None
                inputs.patch_targets.setdefault(target, []).append(_patch_target(selector))
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in items(get(root, key)):
            for list_key in ("files", "envs", "env"):  # ``env``: the older spelling, one file
                listed = get(generator, list_key)
                for item in [listed] if isinstance(listed, ScalarNode) else items(listed):
                    text = string_value(item) or ""
                    target = local(ScalarNode("tag:yaml.org,2002:str", text.split("=", 1)[-1]))
                    if target is not None and target.is_file():
                        inputs.files.add(target)
    _collect_settings(root, directory, inputs, (naming, walk, including))


def _plugins(root: Node, directory: Path, path: Path) -> list[str]:
    """The plugins of a kustomization that may read files or run code, by field and entry.

    A builtin plugin that reads nothing but its own configuration does not count, whether that
    configuration is inline, in a file, or in the files a folder's kustomization lists as they
    are written (a folder that also patches or generates them counts).
    """
    found = []
    for key in _PLUGIN_FIELDS:
        for item in items(get(root, key)):
            text = string_value(item)
            if text is None or not _self_contained(text, directory):
                label = text.splitlines()[0] if text else "?"
                found.append(f"{path}: {key}: {label}")
    return found


def _self_contained(entry: str, directory: Path) -> bool:
    """Whether a plugin entry (inline, a file or a folder) holds only self-contained builtins."""
    if "\n" in entry:
        return _builtin_configs(entry)
    if "://" in entry or entry.startswith(("git@", "github.com/")):
        return False
    target = _absolute(directory / entry)
    if target.is_file():
        decoded = _read(target)
        return decoded is not None and _builtin_configs(decoded.text)
    found = kustomization_file(target) if target.is_dir() else None
    decoded = _read(found) if found is not None else None
    stream = parse_stream(decoded.text) if decoded is not None else None
    listing = stream.documents[0].root if stream and len(stream.documents) == 1 else None
    if not isinstance(listing, MappingNode):
        return False
    if any(str(key.value) not in _PLUGIN_LIST_FIELDS for key, _ in listing.value):
        return False
    for item in items(get(listing, "resources")):
        listed = string_value(item)
        if not listed or "://" in listed:
            return False
        resource = _absolute(target / listed)
        decoded = _read(resource) if resource.is_file() else None
        if decoded is None or not _builtin_configs(decoded.text):
            return False
    return True


def _builtin_configs(text: str) -> bool:
    """Whether every document of ``text`` configures a self-contained builtin plugin."""
    stream = parse_stream(text)
    return not stream.problem and all(
        is_null(document.root)  # an empty document configures nothing
        or (
            isinstance(document.root, MappingNode)
            and string_value(get(document.root, "apiVersion")) == "builtin"
            and string_value(get(document.root, "kind")) in _SELF_CONTAINED_PLUGINS
        )
        for document in stream.documents
    )


def _collect_settings(
    root: Node, directory: Path, inputs: Inputs, context: tuple[Naming, _Walk, tuple[Path, ...]]
) -> None:
    """Files that configure transformers and plugins: they can steer where fields are written."""
    openapi = get(root, "openapi")
    named = [get(openapi, "path")] if isinstance(openapi, MappingNode) else []
    for key in _SETTING_FIELDS:
        named.extend(items(get(root, key)))
    for item in named:
        text = string_value(item)
        if text is None or "\n" in text:
            continue  # an inline configuration, part of the kustomization's own text
        if "://" in text or text.startswith(("git@", "github.com/")):
            inputs.opaque.append(text)
            continue
        target = _absolute(directory / text)
        if target.is_dir():
            _collect(target, inputs, *context)
        elif target.is_file():
            inputs.settings.add(target)
        else:
            inputs.opaque.append(str(target))


def _own_naming(
    root: Node, local: Callable[[Node | None], Path | None], inputs: Inputs, walk: _Walk
) -> tuple[str, str, str | None]:
    """The prefix, suffix and namespace a kustomization and its components give what it builds.

    Components run after the kustomization's resources are gathered, in order, and the
    kustomization's own settings after them.
    """
    own_prefix = string_value(get(root, "namePrefix")) or ""
    own_suffix = string_value(get(root, "nameSuffix")) or ""
    prefix, suffix, namespace = "", "", None
    inputs.prefixes.add(own_prefix)
    inputs.suffixes.add(own_suffix)
    for item in items(get(root, "components")):
        target = local(item)
        found = kustomization_file(target) if target is not None and target.is_dir() else None
        settings = walk.settings(found) if found is not None else None
        if settings is None:
            continue
        component_prefix = string_value(get(settings, "namePrefix")) or ""
        component_suffix = string_value(get(settings, "nameSuffix")) or ""
        inputs.prefixes.add(component_prefix)
        inputs.suffixes.add(component_suffix)
        prefix = component_prefix + prefix
        suffix += component_suffix
        namespace = string_value(get(settings, "namespace")) or namespace
    namespace = string_value(get(root, "namespace")) or namespace
    return own_prefix + prefix, suffix + own_suffix, namespace


def _patch_target(selector: Node | None) -> PatchTarget | None:
    """A patch's ``target`` by kind and name; a name that is a pattern selects by content only."""
    if selector is None:
        return None
    name = string_value(get(selector, "name"))
    if name is not None and not re.fullmatch(r"[\w:-]+", name):
        name = None  # kustomize reads it as a regular expression
    return PatchTarget(string_value(get(selector, "kind")), name)


def _read(path: Path) -> Decoded | None:
    try:
        decoded = decode(path.read_bytes())
    except OSError:
        return None
    return decoded if isinstance(decoded, Decoded) else None


# --- which builds can matter ----------------------------------------------------------------

#: Escapes that can spell a word in YAML or JSON without its letters in a row: ``\u0050``,
#: ``\x50``, and a backslash before a line break, which joins the lines of a quoted scalar.
_HIDING_ESCAPE = re.compile(rb"\\(?:[xuU]|\r?\n)")


def _may_hide_findings(raw: bytes, resource: bool) -> bool:
    """Can a file of these bytes contribute a mount to a build's output?

    In a ``resource`` file only documents count whose kind can embed a pod spec, as when
    linting plain YAML; patches and kustomizations count whenever they mention a mount.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True  # UTF-16 or UTF-32: escapes are not found in the bytes
    if _HIDING_ESCAPE.search(raw) is not None:
        return True
    if not may_hold_findings(raw):
        return False
    if not resource:
        return True
    try:
        return any_document_may_hold_findings(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return True


def _mounts_host_path(raw: bytes, resource: bool) -> bool:
    """Does a file of these bytes mount a host path: a patch or kustomization that mentions
    ``hostPath``, or a resource document that can embed a pod spec and does?"""
    if b"hostPath" not in raw:
        return False
    if not resource:
        return True
    try:
        return any_document_may_hold_findings(raw.decode("utf-8"), ("hostPath",))
    except UnicodeDecodeError:
        return False


def build_plan(inputs: Inputs) -> bool | None:
    """None when building cannot produce a finding (see :func:`needs_build`); otherwise whether
    to build with origin annotations at once (see :func:`expects_findings`). Each file of the
    closure is read once for both."""
    steering = {*inputs.patches, *inputs.kustomizations, *inputs.settings}
    needed = bool(inputs.opaque)
    for path in sorted(inputs.files | inputs.settings):
        try:
            raw = path.read_bytes()
        except OSError:
            needed = True  # unreadable files can hide anything
            continue
        resource = path not in steering
        if _mounts_host_path(raw, resource):
            return True  # a mount of a host path is a mount: needed too
        needed = needed or _may_hide_findings(raw, resource)
    return False if needed else None


def needs_build(root: Path, inputs: Inputs | None = None) -> bool:
    """Can building ``root`` produce a finding at all?

    Only if some file of its closure (resources, bases, components, patches, generators' and
    transformers' files, and the kustomizations themselves) mentions a mount outside a
    CustomResourceDefinition (or another kind without pod specs), or if part of it cannot be
    read ahead: remote, missing or unreadable parts, and helm charts. Reading the
    kustomization files takes milliseconds; a build takes a fraction of a second. ``inputs``
    is ``read_inputs(root)``, when the caller has it already.
    """
    return build_plan(inputs if inputs is not None else read_inputs(root)) is not None


def expects_findings(inputs: Inputs) -> bool:
    """Is a build of ``inputs`` likely to hold findings, so that it is worth building with
    origin annotations at once (see :func:`lint_roots`)?

    Yes when a patch or kustomization of the closure, or a resource document that can embed a
    pod spec, mentions ``hostPath``: most rules need one. A wrong guess costs time only: a
    build with annotations that holds no finding (a fifth more CPU), or one without them that
    holds findings and runs again.
    """
    return build_plan(inputs) is True


# --- building --------------------------------------------------------------------------------


@record
class Build:
    """The output of one build, with the source file of each output document."""

    root: Path
    kustomization: Path
    rendered: str = ""
    error: str | None = None
    inputs: Inputs = field(default_factory=Inputs)
    wrapper: Path | None = None  #: the (removed) folder the origin annotations are relative to
    #: whether the output carries origin annotations (see :func:`run_build`)
    origins: bool = True


def run_build(
    root: Path,
    command: list[str],
    timeout: float = BUILD_TIMEOUT_SECONDS,
    inputs: Inputs | None = None,
    origins: bool = True,
) -> Build:
    """Build ``root`` through a temporary wrapper, which asks for origin annotations when
    ``origins`` is set.

    The annotations name the file each object came from, but they cost kustomize a fifth more
    time; most builds hold no finding, so a run builds without them first unless findings are
    likely (see :func:`lint_roots`). Apart from the annotations, both outputs are the same, and
    so are the errors (checked on every build of the corpus).

    The output of a build whose every input is known is remembered in the user cache, and a
    later build with the same inputs reads it back instead of running (see :func:`_build_key`).
    ``inputs`` is ``read_inputs(root)``, when the caller has it already.
    """
    kustomization = kustomization_file(root)
    assert kustomization is not None
    if inputs is None:
        inputs = read_inputs(root)
    build = Build(root=root, kustomization=kustomization, inputs=inputs, origins=origins)
    key = _build_key(root, command, build.inputs, origins) if cache_dir() is not None else None
    if key is not None and _recall(build, key):
        return build
    _build(build, command, timeout)
    if (
        key is not None
        and build.error is None
        and key == _build_key(root, command, build.inputs, origins)
    ):
        _remember(build, key)  # unless an input changed while it was built
    return build


def _wrapper_text(listed: str, origins: bool = True) -> str:
    """The wrapper kustomization: it lists the folder to build, and may ask for origins."""
    metadata = "buildMetadata: [originAnnotations]\n" if origins else ""
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n- {listed}\n{metadata}"
    )


def _build(build: Build, command: list[str], timeout: float) -> None:
    """Run the build of ``build.root``, recording its output or its error in ``build``."""
    root = build.root
    with tempfile.TemporaryDirectory(prefix="mountlint-kustomize-") as wrapper:
        relative = os.path.relpath(_absolute(root), wrapper)
        text = _wrapper_text(relative, build.origins)
        Path(wrapper, "kustomization.yaml").write_text(text, encoding="utf-8")
        try:
            completed = subprocess.run(
                [*command, wrapper],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=go_environment(),
            )
        except subprocess.TimeoutExpired:
            build.error = f"timed out after {timeout:g} seconds"
            return
        except OSError as error:
            build.error = str(error)
            return
        if completed.returncode != 0:
            build.error = (
                _one_line(completed.stderr, relative) or f"exit status {completed.returncode}"
            )
            return
        build.rendered = completed.stdout
        build.wrapper = Path(wrapper)


#: Finished builds whose outputs may wait in memory to be linted, per job (see :func:`lint_roots`)
BUILDS_AHEAD_PER_JOB = 8
#: The kind of user-cache entry that holds a build's output
_CACHE_KIND = "kustomize-build"
#: The space remembered builds may take; those unused the longest go first
CACHE_MAX_BYTES = 256 * 1024 * 1024


def _build_key(root: Path, command: list[str], inputs: Inputs, origins: bool = True) -> str | None:
    """A sha256 of everything a build's output depends on; None when that is not all known.

    That is the build command (its binary by real path, size and modification time, and its
    words), mountlint's version, the wrapper (with the folder it lists as an absolute path),
    the path, real path and bytes of every file the build reads, and which kustomization file
    names exist in each folder it enters (kustomize refuses a folder with two). A closure with
    an opaque part (remote, missing, unreadable, helm charts) or a plugin has no key.
    """
    if inputs.opaque or inputs.plugins or not command:
        return None
    digest = KeyDigest()
    add = digest.add
    try:
        binary = os.stat(command[0])
        add(b"mountlint kustomize build 1")
        add(__version__.encode())
        add(os.fsencode(os.path.realpath(command[0])))
        add(f"{binary.st_size} {binary.st_mtime_ns}".encode())
        for word in command:
            add(os.fsencode(word))
        add(_wrapper_text(str(_absolute(root)), origins).encode("utf-8", "surrogateescape"))
        for path in sorted(inputs.files | inputs.settings):
            add(os.fsencode(path))
            add(os.fsencode(os.path.realpath(path)))
            add(path.read_bytes())
        for kustomization in inputs.kustomizations:
            folder = kustomization.parent
            names = [name for name in KUSTOMIZATION_NAMES if os.path.lexists(folder / name)]
            add(os.fsencode(folder))
            add("\n".join(names).encode())
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _recall(build: Build, key: str) -> bool:
    """Fill ``build`` with the output an earlier run remembered under ``key``, if any.

    The wrapper folder of that run comes back with it: origin annotations are relative to it.
    """
    data = read_blob(_CACHE_KIND, key)
    if data is None or b"\0" not in data:
        return False
    wrapper, rendered = data.split(b"\0", 1)
    if not os.path.isabs(os.fsdecode(wrapper)):
        return False
    try:
        build.rendered = rendered.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    build.wrapper = Path(os.fsdecode(wrapper))
    return True


def _remember(build: Build, key: str) -> None:
    """Keep the output of ``build`` (and the wrapper folder it is relative to) for later runs."""
    if build.wrapper is None:
        return
    try:
        rendered = build.rendered.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:
        return
    write_blob(_CACHE_KIND, key, os.fsencode(build.wrapper) + b"\0" + rendered)


_FAILED_RESOURCE = re.compile(r"accumulating resources from '(.+?)': ")
_GIT_FATAL = re.compile(r"\bfatal: (.+)")


def _one_line(stderr: str, wrapped: str = "") -> str:
    """kustomize's error as one line, naming the resource that failed.

    kustomize prints one long error chain, sometimes followed by lines that say nothing (git's
    ``: exit status 128``, the end of an HTML page fetched instead of YAML). The innermost
    ``accumulating resources from '...'`` names the resource (``wrapped``, the folder the
    wrapper lists, is not one of the user's); git's own ``fatal:`` line, when there is one, says
    why a remote resource could not be fetched. Some kubectl builds log the error instead, on
    one line (``err="..."``) or on the lines after ``err=<``.
    """
    lines = [line.strip() for line in stderr.splitlines() if re.search(r"[A-Za-z]{2}", line)]
    opened = next((index for index, line in enumerate(lines) if line.endswith("err=<")), None)
    if opened is not None:
        lines = lines[opened + 1 :]  # klog's multi-line value: the error, then a lone ">"
    if not lines:
        return ""
    logged = [match.group(1) for line in lines if (match := re.search(r'err="(.*)"\s*$', line))]
    chain = next((line for line in lines if line.lower().startswith("error:")), lines[0])
    message = logged[0] if logged else re.sub(r"(?i)^error:\s*", "", chain)
    resources = list(_FAILED_RESOURCE.finditer(message))
    if not resources:
        return message
    failed = resources[-1]
    fatal = [match.group(1).strip() for line in lines if (match := _GIT_FATAL.search(line))]
    as_file = message[failed.end() :].split("': ", 1)[0]
    if fatal:
        cause = fatal[-1]
    elif "must resolve to a file" in as_file:  # a folder: the error of building it follows
        cause = re.sub(r"^couldn't make target for path '[^']*': ", "", _after_err(message, failed))
    else:
        cause = as_file
    return cause if failed.group(1) == wrapped else f"resource {failed.group(1)}: {cause}"


def _after_err(message: str, failed: re.Match[str]) -> str:
    """What follows ``accumulation err='...'``: the error of loading the resource as a folder."""
    rest = message[failed.end() :]
    return rest.split("': ", 1)[1] if "': " in rest else rest


def _origin(root: Node, build: Build, files: dict[str, Path]) -> Path | None:
    """The source file named by the origin annotation of a built document, if the build read it.

    Only ``metadata.annotations`` counts: kustomize sets the annotation there, replacing any the
    resource had, while the same text under another key is the resource's own. The path is
    relative to the wrapper and must resolve to one of ``files`` (real path -> path as read).
    """
    text = string_value(get_path(root, "metadata", "annotations", ORIGIN_ANNOTATION))
    if not text or build.wrapper is None:
        return None
    stream = parse_stream(text)
    fields = stream.documents[0].root if stream.documents else None
    path = string_value(get(fields, "path"))
    if not path or get(fields, "repo") is not None:
        return None
    return files.get(os.path.realpath(_absolute(build.wrapper / path)))


# --- locating findings in the files people wrote ---------------------------------------------


@record(frozen=True)
class _Target:
    """The rendered node of a finding, in words that survive kustomize's rewriting."""

    mapping: MappingNode  #: the node's mapping (the node itself, or the mapping holding it)
    key: str | None  #: the key of the node inside ``mapping``, None when the node is ``mapping``
    context: str | None  #: the key above ``mapping`` (``volumeMounts``, ``hostPath`` ...)
    node_is_key: bool = False
    ancestors: tuple[str, ...] = ()  #: names of the mappings above (container, volume ...)


def _parents(root: Node) -> dict[int, tuple[Node, str | int]]:
    """For each node id: its parent and the key or index it sits under."""
    parents: dict[int, tuple[Node, str | int]] = {}
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                parents.setdefault(id(value), (node, str(key.value)))
                parents.setdefault(id(key), (node, str(key.value)))
                stack.append(value)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                parents.setdefault(id(item), (node, index))
                stack.append(item)
    return parents


def _context(node: Node, parents: dict[int, tuple[Node, str | int]]) -> str | None:
    """The mapping key a node hangs under, looking through lists and JSON-patch ``value``s."""
    parent = parents.get(id(node))
    while parent is not None:
        holder, key = parent
        if isinstance(key, str):
            if key == "value" and isinstance(holder, MappingNode) and get(holder, "op") is not None:
                patch_path = string_value(get(holder, "path")) or ""
                segments = [s for s in patch_path.split("/") if s and s != "-" and not s.isdigit()]
                return segments[-1] if segments else None
            return key
        parent = parents.get(id(holder))
    return None


def _ancestor_names(node: Node, parents: dict[int, tuple[Node, str | int]]) -> tuple[str, ...]:
    """``name`` values of the mappings above ``node``, nearest first (which container ...)."""
    names: list[str] = []
    parent = parents.get(id(node))
    while parent is not None and len(names) < 3:
        holder = parent[0]
        if isinstance(holder, MappingNode):
            name = string_value(get(holder, "name"))
            if name is not None and get(holder, "op") is None:
                names.append(name)
        parent = parents.get(id(holder))
    return tuple(names)


def _pairs(mapping: MappingNode) -> dict[str, str]:
    pairs = {}
    for key, value in mapping.value:
        text = scalar_text(value)
        if text is not None:
            pairs[str(key.value)] = text
    return pairs


def _rendered_target(root: Node, location: Location) -> _Target | None:
    parents = _parents(root)
    for node in all_nodes(root):
        if node.start_mark.index != location.offset:
            continue
        if isinstance(node, MappingNode):
            return _Target(
                node, None, _context(node, parents), ancestors=_ancestor_names(node, parents)
            )
        parent = parents.get(id(node))
        if parent is not None and isinstance(parent[0], MappingNode) and isinstance(parent[1], str):
            holder = parent[0]
            is_key = any(key is node for key, _ in holder.value)
            return _Target(
                holder,
                parent[1],
                _context(holder, parents),
                node_is_key=is_key,
                ancestors=_ancestor_names(holder, parents),
            )
    return None


def _match(target: _Target, root: Node) -> tuple[MappingNode, Node] | None:
    """The mapping under ``root`` that is ``target``'s source, and the node to report."""
    wanted = _pairs(target.mapping)
    identity = next((key for key in _IDENTITY_KEYS if key in wanted), None)
    parents = _parents(root)
    best: list[tuple[tuple[int, int], MappingNode]] = []
    for node in all_nodes(root):
        if not isinstance(node, MappingNode):
            continue
        pairs = _pairs(node)
        if not pairs or any(wanted.get(key) != value for key, value in pairs.items()):
            continue
        if target.key is not None and not any(str(k.value) == target.key for k, _ in node.value):
            continue
        if target.key is None and (identity is None or identity not in pairs):
            continue
        if _context(node, parents) != target.context:
            continue
        names = _ancestor_names(node, parents)
        shared = sum(1 for a, b in zip(names, target.ancestors, strict=False) if a == b)
        best.append(((len(pairs), shared), node))
    if not best:
        return None
    best.sort(key=lambda item: item[0], reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None  # ambiguous
    mapping = best[0][1]
    if target.key is None:
        return mapping, mapping
    for key, value in mapping.value:
        if str(key.value) == target.key:
            return mapping, key if target.node_is_key else value
    return None


@record(frozen=True)
class _Identity:
    """What kustomize identifies an object by."""

    kind: str | None
    name: str | None
    namespace: str | None


def _identity(node: Node) -> _Identity:
    return _Identity(
        string_value(get(node, "kind")),
        string_value(get_path(node, "metadata", "name")),
        string_value(get_path(node, "metadata", "namespace")),
    )


def _objects(document: Document) -> list[Node]:
    """The objects a source document holds: itself, or the items of a ``kind: List``."""
    kind = string_value(get(document.root, "kind")) or ""
    listed = get(document.root, "items")
    if kind.endswith("List") and isinstance(listed, SequenceNode):
        return list(listed.value)
    return [document.root]


def _renamed(source: _Identity, namings: Iterable[Naming], built: _Identity) -> bool:
    """Whether one of ``namings`` turns the object written as ``source`` into ``built``."""
    if source.kind != built.kind or source.name is None:
        return False
    return any(
        naming.prefix + source.name + naming.suffix == built.name
        and built.namespace in (source.namespace, naming.namespace)
        for naming in namings
    )


#: Names tried when undoing prefixes and suffixes (a hostile name and affixes would try them all)
_MAX_RENAMINGS = 10_000


def _renamed_from(built: str, name: str, prefixes: set[str], suffixes: set[str]) -> bool:
    """Whether ``built`` is ``name`` with some of the build's prefixes and suffixes added."""
    prefixes, suffixes = {p for p in prefixes if p}, {s for s in suffixes if s}
    pending = [(0, len(built))]  # the part of ``built`` left, as a slice
    seen = set(pending)
    while pending and len(seen) < _MAX_RENAMINGS:
        low, high = pending.pop()
        if high - low == len(name) and built.startswith(name, low):
            return True
        shorter = [(low + len(p), high) for p in prefixes if built.startswith(p, low, high)]
        shorter += [(low, high - len(s)) for s in suffixes if built.endswith(s, low, high)]
        for part in shorter:
            if part[1] - part[0] >= len(name) and part not in seen:
                seen.add(part)
                pending.append(part)
    return False


def _may_patch(
    patch: _Identity, targets: list[PatchTarget | None], built: _Identity, inputs: Inputs
) -> bool:
    """Whether a patch may apply to ``built``: by its kustomization's ``target``, or by the kind
    and name it names (the object's name before or after renaming, as kustomize accepts)."""
    for target in targets or [None]:
        wanted = patch if target is None else _Identity(target.kind, target.name, None)
        if wanted.kind is not None and wanted.kind != built.kind:
            continue
        if wanted.name is None or _renamed_from(
            built.name or "", wanted.name, inputs.prefixes, inputs.suffixes
        ):
            return True
    return False


@record(frozen=True)
class _Place:
    """Where a rendered node was written: the file, the document and the source mapping."""

    path: Path
    document: Document
    mapping: MappingNode
    node: Node


def _transplant(
    fix: Fix, rendered: str, target: _Target, source: MappingNode, builder: EditBuilder
) -> Fix | None:
    """Re-make ``fix`` on the source file: the same key set, added or removed there."""
    edits: list[Edit] = []
    for edit in fix.edits:
        made: Edit | None = None
        if edit.start == edit.end:
            match = _ENTRY.match(edit.content.replace("\r", "").strip("\n"))
            if match:
                made = builder.set_entry(source, match.group(1), match.group(2))
        elif edit.content == "":
            removed = rendered[edit.start : edit.end]
            match = _ENTRY.match(removed.strip().split("\n")[0])
            if match:
                made = builder.remove_entry(source, match.group(1))
        elif target.key is not None:
            made = builder.set_entry(source, target.key, edit.content)
        if made is None:
            return None
        edits.append(made)
    return Fix(fix.description, fix.applicability, tuple(edits))


@record
class _SourceFile:
    path: Path
    display: str
    decoded: Decoded
    documents: list[Document]
    stamp: FileStamp | None = None


class BuildLinter:
    """Lints builds and maps their findings to source files (cached across builds).

    Findings located in an ``excluded`` file are dropped; fixes of files that are not
    ``writable`` become display-only, and those files are listed in ``outside``. ``real`` is
    ``os.path.realpath``, or a memo of it.
    """

    def __init__(
        self,
        display: Callable[[Path], str] = str,
        excluded: Callable[[Path], bool] = _nowhere,
        writable: Callable[[Path], bool] = _anywhere,
        real: Callable[[str], str] = os.path.realpath,
    ) -> None:
        self._real = real
        self._files: dict[Path, _SourceFile | None] = {}
        self._identified: dict[Path, list[tuple[Document, Node, _Identity]]] = {}
        self._by_name: dict[Path, dict[str, list[tuple[Document, Node, _Identity]]]] = {}
        self._display = display
        self._excluded = excluded
        self._writable = writable
        self.outside: dict[Path, set[Applicability]] = {}

    def by_display(self, display: str) -> _SourceFile | None:
        return next(
            (item for item in self._files.values() if item is not None and item.display == display),
            None,
        )

    def source(self, path: Path) -> _SourceFile | None:
        if path not in self._files:
            decoded = _read(path)
            if decoded is None:
                self._files[path] = None
            else:
                stream = parse_stream(decoded.text)
                self._files[path] = _SourceFile(
                    path, self._display(path), decoded, stream.documents, FileStamp.of(path)
                )
        return self._files[path]

    def lint(self, build: Build, settings: Settings) -> list[Finding] | None:
        """Findings of ``build``'s output, each located in the file that holds its node; None
        when there are findings to locate but the output has no origin annotations.

        Documents that cannot hold a finding (CRDs above all) are blanked before parsing, as
        in plain files: kserve's output is megabytes of them.
        """
        display = self._display(build.kustomization)
        rendered_display = f"{display} (kustomize build)"
        if not may_hold_findings(build.rendered.encode()):
            return []
        stream = parse_stream(relevant_documents(build.rendered, trailing=False))
        result = analyze_text(build.rendered, rendered_display, settings, stream)
        if result.findings and not build.origins:
            return None
        documents = stream.documents
        files = {self._real(str(path)): path for path in build.inputs.files}
        origins = [_origin(document.root, build, files) for document in documents]
        spans = [(doc.root.start_mark.index, doc.root.end_mark.index) for doc in documents]
        starts = [low for low, _ in spans]
        mapped = []
        for finding in result.findings:
            # documents are in text order: the last one starting at or before the finding
            last = bisect_right(starts, finding.location.offset) - 1
            inside = last >= 0 and finding.location.offset <= spans[last][1]
            index = last if inside else None
            located = self._map(finding, build, documents, origins, index, display)
            if located is not None:
                mapped.append(located)
        return mapped

    def _map(
        self,
        finding: Finding,
        build: Build,
        documents: list[Document],
        origins: list[Path | None],
        index: int | None,
        display: str,
    ) -> Finding | None:
        """``finding`` located in its source file; None when that file is excluded."""
        rendered_at = RelatedLocation(
            Location(display, 1, 1, 1, 1, 0, 0),
            f"kustomize build of this folder renders it at output line {finding.location.line}",
        )
        note = "the source of this node was not found"
        fix: Fix | None = None
        if index is not None:
            target = _rendered_target(documents[index].root, finding.location)
            origin = origins[index]
            if target is not None:
                places = self._places(target, _identity(documents[index].root), origin, build)
                if len(places) == 1:
                    [place] = places
                    if self._excluded(place.path):
                        return None
                    located = self._locate(finding, target, place, build.rendered)
                    located = self._withhold_fix_outside(located, place.path)
                    return replace(located, related=(*located.related, rendered_at))
                if places:
                    files = sorted({self._display(place.path) for place in places})
                    note = f"several objects in {', '.join(files)} could be its source"
                    if finding.fix is not None:
                        fix = Fix(
                            f"{finding.fix.description} (edit the source by hand)",
                            Applicability.DISPLAY_ONLY,
                            (),
                        )
            if origin is not None and self._excluded(origin):
                return None  # an object from an excluded file
        where = Location(display, 1, 1, 1, 1, 0, 0)
        return replace(
            finding,
            location=where,
            message=f"{finding.message} (in the output of kustomize build, line "
            f"{finding.location.line}; {note})",
            fix=fix,
            related=(rendered_at,),
        )

    def _places(
        self, target: _Target, built: _Identity, origin: Path | None, build: Build
    ) -> list[_Place]:
        """Where the node of ``target`` in the object ``built`` was written; several if unsure.

        The object is found in its origin file by kind, name and namespace, with the build's
        renaming undone; by content only when no object there has its name, and only if one
        object has the node. A node that is not in the object comes from a patch that applies to
        it and holds the node.
        """
        if origin is not None:
            namings = build.inputs.namings.get(Path(os.path.realpath(origin)), set())
            named = self._named(origin, namings, built)
            if not named:  # kustomize does not prefix a Namespace or a CustomResourceDefinition
                unchanged = {Naming(namespace=naming.namespace) for naming in namings} or {Naming()}
                named = self._named(origin, unchanged, built)
            found = self._matches(target, origin, named or self._objects(origin))
            if found:
                return found
        places: list[_Place] = []
        for path in build.inputs.patches:
            if path == origin:
                continue
            targets = build.inputs.patch_targets.get(path, [])
            applying = [
                item
                for item in self._objects(path)
                if _may_patch(item[2], targets, built, build.inputs)
            ]
            places += self._matches(target, path, applying)
        return places

    def _objects(self, path: Path) -> list[tuple[Document, Node, _Identity]]:
        """The objects of a source file with their identities (computed once per file)."""
        if path not in self._identified:
            source = self.source(path)
            documents = source.documents if source is not None else []
            self._identified[path] = [
                (document, item, _identity(item))
                for document in documents
                for item in _objects(document)
            ]
        return self._identified[path]

    def _named(
        self, path: Path, namings: Iterable[Naming], built: _Identity
    ) -> list[tuple[Document, Node, _Identity]]:
        """The objects of ``path`` that one of ``namings`` turns into ``built``."""
        if path not in self._by_name:
            by_name: dict[str, list[tuple[Document, Node, _Identity]]] = {}
            for item in self._objects(path):
                by_name.setdefault(item[2].name or "", []).append(item)
            self._by_name[path] = by_name
        name = built.name or ""
        found = []
        for naming in namings:
            if len(name) < len(naming.prefix) + len(naming.suffix):
                continue
            written = name[len(naming.prefix) : len(name) - len(naming.suffix)]
            for item in self._by_name[path].get(written, []):
                if _renamed(item[2], [naming], built) and item not in found:
                    found.append(item)
        return found

    @staticmethod
    def _matches(
        target: _Target, path: Path, objects: list[tuple[Document, Node, _Identity]]
    ) -> list[_Place]:
        places = []
        for document, item, _ in objects:
            matched = _match(target, item)
            if matched is not None:
                places.append(_Place(path, document, *matched))
        return places

    def _withhold_fix_outside(self, finding: Finding, path: Path) -> Finding:
        """A fix of a file that is not writable is only shown; the file goes into ``outside``."""
        fix = finding.fix
        if fix is None or fix.applicability is Applicability.DISPLAY_ONLY or self._writable(path):
            return finding
        self.outside.setdefault(path, set()).add(fix.applicability)
        return replace(finding, fix=fix.as_display_only("outside the paths given"))

    def _locate(self, finding: Finding, target: _Target, place: _Place, rendered: str) -> Finding:
        """``finding`` at ``place``, its fix re-made on the source file's text."""
        source = self.source(place.path)
        assert source is not None  # the place was found in it
        fix = finding.fix
        if fix is not None and fix.edits:
            builder = EditBuilder(source.decoded.text, place.document.shared)
            moved = _transplant(fix, rendered, target, place.mapping, builder)
            fix = moved or Fix(
                f"{fix.description} (edit {source.display} by hand)",
                Applicability.DISPLAY_ONLY,
                (),
            )
        end = content_end(place.node)
        return replace(
            finding,
            location=locate(source.decoded.text, source.display, place.node)
            if end is not None
            else finding.location,
            fix=fix,
            related=(),
        )


# --- a whole run -----------------------------------------------------------------------------


@record
class KustomizeRun:
    """Findings of every build (each once), the files the builds consumed, and what went wrong."""

    findings: list[Finding] = field(default_factory=list)
    consumed: set[Path] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    linter: BuildLinter | None = None
    #: source files outside the paths given, whose fixes (of these kinds) are not written
    outside: dict[Path, set[Applicability]] = field(default_factory=dict)


def lint_roots(
    roots: list[Path],
    settings_for: Callable[[Path], Settings],
    display: Callable[[Path], str],
    timeout: float = BUILD_TIMEOUT_SECONDS,
    jobs: int = 1,
    excluded: Callable[[Path], bool] = _nowhere,
    writable: Callable[[Path], bool] = _anywhere,
    skip_inert: bool = True,
) -> KustomizeRun:
    """Build and lint each root; a base built by several roots reports each finding once.

    Findings in ``excluded`` files are not reported; files that are not ``writable`` get
    display-only fixes (see :class:`BuildLinter`). With ``skip_inert``, a root whose closure
    cannot hold a finding (see :func:`build_plan`) is not built. A root is built with origin
    annotations when it likely holds findings (see :func:`expects_findings`); otherwise
    without them, and again with them when its output holds findings (see :func:`run_build`).
    """
    run = KustomizeRun(roots=roots)
    if not roots:
        return run
    command = build_command()
    if command is None:
        run.notices.append(
            "neither kustomize nor kubectl is on PATH: kustomizations are linted as plain YAML"
        )
        return run
    real = RealPaths()  # the files of many roots lie in the same few folders
    linter = run.linter = BuildLinter(display, excluded, writable, real)
    run.outside = linter.outside
    deployed_by: dict[tuple[str, int, int, str, str], list[str]] = {}
    first: dict[tuple[str, int, int, str, str], Finding] = {}
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    lanes = max(1, jobs)
    pool = ThreadPoolExecutor(max_workers=lanes)
    ahead: deque[tuple[Path, Future[Build]]] = deque()

    def take() -> None:
        """Lint the oldest build started (waiting for it) and keep its findings."""
        root, future = ahead.popleft()
        build = future.result()
        settings = settings_for(build.kustomization)
        found = linter.lint(build, settings) if build.error is None else []
        if found is None:  # findings to locate: build again, with the origin of each object
            build = run_build(root, command, timeout, build.inputs)
            found = linter.lint(build, settings) if build.error is None else []
        if build.error is not None:
            run.notices.append(
                f"{display(build.kustomization)}: kustomize build failed: {build.error}; "
                "its files are linted as plain YAML"
            )
            return
        run.consumed.update(Path(real(str(path))) for path in build.inputs.files)
        for finding in found or ():
            key = (
                finding.location.path,
                finding.location.line,
                finding.location.column,
                finding.rule.code,
                finding.message,
            )
            builders = deployed_by.setdefault(key, [])
            if display(root) not in builders:  # a patch applied to several objects of one build
                builders.append(display(root))
            first.setdefault(key, finding)

    def make_room() -> None:
        """Lint the finished builds at the head of the line; then wait, if need be, until a lane
        is free (one more build may wait for it) and few enough finished outputs wait in memory.
        Waiting for any build, not the oldest, keeps the lanes busy behind a long one."""
        while True:
            while ahead and ahead[0][1].done():
                take()
            unfinished = [future for _, future in ahead if not future.done()]
            waiting = len(ahead) - len(unfinished)
            if len(unfinished) <= lanes and waiting < BUILDS_AHEAD_PER_JOB * lanes:
                return
            wait(unfinished, return_when=FIRST_COMPLETED)

    built = False
    try:
        # builds run while later roots are read and earlier builds linted, in the roots' order
        for root in roots:
            inputs = read_inputs(root, real)
            plan = build_plan(inputs)
            if skip_inert and plan is None:
                # nothing it deploys can hold a finding: its files count as linted through it
                run.consumed.update(Path(real(str(path))) for path in inputs.files)
                continue
            make_room()
            origins = plan is True
            ahead.append((root, pool.submit(run_build, root, command, timeout, inputs, origins)))
            built = True
        while ahead:
            take()
    except BaseException:  # Ctrl-C: the builds not started are dropped
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if built:
        prune(_CACHE_KIND, CACHE_MAX_BYTES)
    for key, finding in first.items():
        builders = deployed_by[key]
        if len(builders) > 1:
            finding = replace(
                finding, message=f"{finding.message} (deployed by {', '.join(builders)})"
            )
        run.findings.append(finding)
    run.findings.sort(key=lambda f: (f.location.path, f.location.offset, f.rule.code))
    return run


@record
class SourceFix:
    """Fixed text for one source file of a build."""

    path: Path
    display: str
    decoded: Decoded
    stamp: FileStamp | None
    text: str
    applied: list[Finding]


def plan_fixes(run: KustomizeRun, unsafe: bool) -> list[SourceFix]:
    """Apply the applicable fixes of ``run`` to their source files' text (nothing is written)."""
    from mountlint.edits import is_applicable

    if run.linter is None:
        return []
    by_file: dict[str, list[Finding]] = {}
    for finding in run.findings:
        if is_applicable(finding.fix, unsafe):
            by_file.setdefault(finding.location.path, []).append(finding)
    planned = []
    for display, findings in by_file.items():
        source = run.linter.by_display(display)
        if source is None:
            continue
        chosen = select_non_overlapping([f.fix for f in findings if f.fix is not None])
        text = apply_edits(source.decoded.text, [edit for fix in chosen for edit in fix.edits])
        before, after = parse_stream(source.decoded.text), parse_stream(text)
        if len(before.documents) != len(after.documents) or (after.problem and not before.problem):
            continue
        applied = [f for f in findings if f.fix in chosen]
        planned.append(SourceFix(source.path, display, source.decoded, source.stamp, text, applied))
    return planned
