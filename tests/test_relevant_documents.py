"""Big streams parse only their relevant documents, with the same findings as a parse of all."""

from __future__ import annotations

from mountlint.engine import SPARSE_FROM_CHARACTERS, analyze_text, relevant_documents
from mountlint.settings import Settings
from mountlint.yamlnodes import parse_stream

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: rootfs
spec:
  containers:
  - name: c
    image: busybox
    volumeMounts:
    - name: root
      mountPath: /rootfs
  volumes:
  - name: root
    hostPath:
      path: /
"""
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{n}\ndata:\n  a: '{pad}'\n"


def _fillers(count: int) -> str:
    return "".join("---\n" + CONFIG_MAP.format(n=n, pad="x" * 200) for n in range(count))


def _stream(*parts: str) -> str:
    text = "".join(parts)
    assert len(text) > SPARSE_FROM_CHARACTERS
    return text


def _report(text: str) -> list[tuple[str, int, int, int, str]]:
    result = analyze_text(text, "stream.yaml", Settings())
    return [
        (f.rule.code, f.location.line, f.location.column, f.location.offset, f.message)
        for f in result.findings
    ]


def _report_of_whole_parse(text: str) -> list[tuple[str, int, int, int, str]]:
    stream = parse_stream(relevant_documents(text))  # every document, trailing ones too
    result = analyze_text(text, "stream.yaml", Settings(), stream)
    return [
        (f.rule.code, f.location.line, f.location.column, f.location.offset, f.message)
        for f in result.findings
    ]


def test_trailing_irrelevant_documents_are_not_parsed() -> None:
    text = _stream("---\n", POD, _fillers(400))
    trimmed = relevant_documents(text, trailing=False)
    assert len(trimmed) < len(POD) + 100  # the pod and the ``---`` line after it
    assert text.startswith(trimmed)
    assert _report(text) == _report_of_whole_parse(text)
    assert any(code == "ML101" for code, *_ in _report(text))


def test_a_problem_at_the_end_of_the_last_relevant_document_is_the_same() -> None:
    broken = POD.replace("path: /\n", "path: [/\n")  # a flow list the next ``---`` interrupts
    text = _stream(_fillers(10), "---\n", broken, _fillers(400))
    trimmed_report = _report(text)
    assert [code for code, *_ in trimmed_report] == ["ML001"]
    assert trimmed_report == _report_of_whole_parse(text)


def test_a_document_start_line_that_holds_a_node_is_still_read() -> None:
    # ``--- {a: 1, a: 2}``: a duplicate key on the marker line of an irrelevant document
    text = _stream("---\n", POD, _fillers(200), "--- {a: 1, a: 2}\n", _fillers(200))
    report = _report(text)
    assert report == _report_of_whole_parse(text)
    assert any(code == "ML001" and "already defined" in message for code, *_, message in report)


def test_a_stream_with_nothing_relevant_parses_to_nothing() -> None:
    # the first piece (before any ``---``) is an irrelevant document: none of it is read
    text = _stream(CONFIG_MAP.format(n="first", pad="y" * 200), _fillers(300))
    assert relevant_documents(text, trailing=False).strip() == ""
    assert parse_stream(relevant_documents(text, trailing=False)).documents == []
