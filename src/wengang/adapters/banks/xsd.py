"""The official ISO 20022 schemas, found once and cached, and a safe parse that validates against them."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from lxml import etree

from wengang.adapters.banks.files import BankFileError

ENV = "WENGANG_ISO20022_DIR"
MESSAGES = ("pain.001.001.03", "pain.001.001.09", "pain.002.001.08", "camt.054.001.06")
_SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "iso20022"
PACKAGED = Path(__file__).with_name("schemas")  # byte-identical copies of the official XSDs (tested)


class SchemaUnavailable(FileNotFoundError):
    """The XSDs are not where we looked; nothing is written or read without them."""


def namespace(message: str) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{message}"


def schema_dir() -> Path:
    """$WENGANG_ISO20022_DIR when set, else the shared folder next to the repository, else the packaged copy."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return _SHARED if _SHARED.is_dir() else PACKAGED


def schema(message: str) -> etree.XMLSchema:
    """The compiled XSD of one message (e.g. "pain.001.001.09")."""
    if message not in MESSAGES:
        raise ValueError(f"unknown ISO 20022 message {message!r}; known: {', '.join(MESSAGES)}")
    path = schema_dir() / f"{message}.xsd"
    if not path.is_file():
        raise SchemaUnavailable(f"找不到 XSD / the official schema {path.name} is not in {path.parent}; "
                                f"set {ENV} to the folder holding {', '.join(m + '.xsd' for m in MESSAGES)}")
    return _compiled(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _compiled(path: str, _mtime: int) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path, _parser()))


def _parser() -> etree.XMLParser:
    """Bank files come from outside: no entities, no network, big files allowed."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)


def parse(source: Path | str | bytes, message: str, name: str | Path | None = None) -> etree._ElementTree:
    """Parse a file (or bytes) and validate it against `message`'s XSD; BankFileError names file and line."""
    label = Path(name if name is not None else (source if not isinstance(source, bytes) else "<bytes>"))
    xsd = schema(message)
    try:
        if isinstance(source, bytes):
            tree = etree.ElementTree(etree.fromstring(source, _parser()))
        else:
            tree = etree.parse(str(source), _parser())
    except etree.XMLSyntaxError as exc:
        raise BankFileError(label, message, exc.lineno, f"XML 格式错误 / not well-formed XML: {exc.msg}") from None
    except OSError as exc:
        raise BankFileError(label, message, None, f"无法读取 / cannot read: {exc}") from None
    if tree.docinfo.doctype:
        raise BankFileError(label, message, 1, "不允许 DOCTYPE / a DOCTYPE (entities) is not allowed in a bank file")
    root = tree.getroot()
    tag = str(root.tag)                          # a parsed element's tag is a str (a set one may be other)
    expected = f"{{{namespace(message)}}}Document"
    if tag != expected:
        raise BankFileError(label, message, root.sourceline,
                            f"根元素为 {tag}, 应为 {expected} / the root is {tag}, expected {expected}")
    try:
        valid = xsd.validate(tree)
    except etree.XMLSchemaValidateError as exc:
        raise BankFileError(label, message, None, f"XSD 校验失败 / validation failed: {exc}") from None
    if not valid:
        errors = list(xsd.error_log)
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BankFileError(label, message, first.line, f"XSD: {first.message}{more}")
    return tree


def message_of(path: Path | str) -> str:
    """Which ISO 20022 message a file says it is, from its root's namespace, before validating it."""
    try:
        _, root = next(etree.iterparse(str(path), events=("start",), resolve_entities=False, no_network=True,
                                       huge_tree=True, load_dtd=False))
    except etree.XMLSyntaxError as exc:
        raise BankFileError(path, "ISO 20022", exc.lineno, f"XML 格式错误 / not well-formed XML: {exc.msg}") from None
    except OSError as exc:
        raise BankFileError(path, "ISO 20022", None, f"无法读取 / cannot read: {exc}") from None
    prefix = "{urn:iso:std:iso:20022:tech:xsd:"
    tag = str(root.tag)                          # a parsed element's tag is a str (a set one may be other)
    if not tag.startswith(prefix):
        raise BankFileError(path, "ISO 20022", root.sourceline, f"不是 ISO 20022 文档 / the root is {tag}")
    return tag[len(prefix):].split("}", 1)[0]
