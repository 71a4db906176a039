"""A safe, position-keeping XML reader for untrusted XML (configs, VOC files).

ElementTree drops line numbers, and every message about a file must say which
line to edit, so we run expat directly. DOCTYPE and entity declarations are
refused: the input is untrusted (billion laughs, XXE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from labelmate.core.errors import ConfigError, InputError, Location

MAX_DEPTH = 100


@dataclass(slots=True)
class XmlNode:
    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""  # character data directly inside, when read with keep_text

    def find(self, tag: str) -> XmlNode | None:
        return next((c for c in self.children if c.tag == tag), None)

    def text_of(self, tag: str) -> str | None:
        child = self.find(tag)
        return child.text.strip() if child is not None else None


def line_of(text: str, index: int) -> int:
    """1-based line of `text[index]`, counting line breaks as expat does (\\r\\n, \\r, \\n)."""
    head = text[:index].replace("\r\n", "\n").replace("\r", "\n")
    return head.count("\n") + 1


def read_tree(
    xml_text: str,
    source: str,
    *,
    what: str = "labeling config",
    error: type[InputError] = ConfigError,
    keep_text: bool = False,
    max_depth: int = MAX_DEPTH,
) -> XmlNode:
    """Expat → a tree of `XmlNode`s keeping each start tag's line and column.

    `what` names the kind of file in messages; `error` is the error type raised.
    """

    def fail(message: str, line: int | None, column: int | None) -> InputError:
        return error(message, Location(file=source, line=line, column=column))

    if not isinstance(xml_text, str):
        raise fail(f"the {what} must be text, got {type(xml_text).__name__}", None, None)
    if not xml_text.strip():
        raise fail(f"the {what} is empty", 1, 1)
    try:
        data = xml_text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise fail(
            f"the {what} contains a character that is not valid text",
            line_of(xml_text, err.start),
            None,
        ) from None

    # The encoding is fixed: we hand expat UTF-8 whatever the XML declaration claims.
    parser = expat.ParserCreate("utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[XmlNode] = []
    roots: list[XmlNode] = []

    def here() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        line, column = here()
        if len(stack) >= max_depth:
            raise fail(f"tags are nested more than {max_depth} levels deep", line, column)
        node = XmlNode(tag, dict(attrs), line, column)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse_doctype(*_args: object) -> None:
        raise fail(f"DOCTYPE and entity declarations are not allowed in a {what}", *here())

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if keep_text:
        parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        message = expat.errors.messages.get(err.code, str(err)) if err.code else str(err)
        raise fail(f"XML syntax error: {message}", err.lineno, err.offset + 1) from None
    if not roots:  # pragma: no cover - expat reports "no element found" first
        raise fail(f"the {what} has no tags", 1, 1)
    return roots[0]
