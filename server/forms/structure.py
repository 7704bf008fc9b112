"""An XForm's body as a tree with labels in every language, and a submission's answers laid out on it. Pure.

The supervisor's submission page shows every answer under its label in the chosen language, grouped as the
form groups them, repeats as tables, and what changed between two versions. ODK Central's frontend does the
same from the form schema (lib/data/schema.js); we read the XForm directly:

- languages come from <itext><translation lang="Tiếng Việt (vi)">; the code is the "(vi)" suffix;
- labels are `jr:itext('id')` refs or plain text (stored under the key "");
- choices are inline <item>s or an <itemset> over an internal secondary instance (pyxform writes every
  choice list that way, labels as `jr:itext(itextId)`); a list read from a CSV attachment (`src=...`)
  cannot be resolved from the form alone and gives no choices, so such answers display their raw value.

Paths are tuples of element names below the instance root, as fields.Field.path. In answers and changes a
repeat instance's step carries its 1-based position, ("members[2]", "name"), so the two can be matched.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from lxml import etree

from ..safexml import parse_xml
from .xform import NS

ODK_NS = "http://www.opendatakit.org/xforms"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"
ITEXT_REF = re.compile(r"""^\s*jr:itext\(\s*['"]([^'"]*)['"]\s*\)\s*$""")
LANGUAGE_CODE = re.compile(r"\(([^()]+)\)\s*$")
INSTANCE_CALL = re.compile(r"""^\s*instance\(\s*['"]([^'"]+)['"]\s*\)(.*)$""", re.S)
MULTIPLE = ("select", "rank", "odk:rank")  # space-separated values
NOT_CONTROLS = ("label", "hint", "help", "setvalue", "odk:setgeopoint", "action")
IGNORED_CHANGES = {("meta", "instanceID"), ("meta", "deprecatedID")}  # new on every edit, by design


@dataclass(frozen=True)
class Question:
    """A body control (or, with control None, a field that has only a bind). label/hint: {lang code or "": text}."""
    path: tuple
    control: str | None  # input, select1, select, upload, trigger, range, rank, odk:rank, …
    type: str  # bind type without prefix; "string" when the form has no bind
    label: dict = field(default_factory=dict)
    hint: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)  # {value: {lang: label}}
    appearance: str = ""
    readonly: bool = False  # a readonly input is a note
    mediatype: str = ""  # of an upload: image/*, audio/*, video/*, …
    kind: ClassVar[str] = "question"


@dataclass(frozen=True)
class Group:
    """A body <group> or <repeat> (repeat=True; pyxform's wrapping group is merged into it)."""
    path: tuple
    label: dict
    children: tuple
    repeat: bool = False
    kind: ClassVar[str] = "group"


@dataclass(frozen=True)
class FormStructure:
    languages: tuple  # ((code, name), …), the default translation first; () without itext
    nodes: tuple  # Group and Question, in body order
    hidden: tuple  # Question(control=None) for binds with no body control, in bind order
    questions: dict = field(default_factory=dict, repr=False, compare=False)  # {path: Question}, body and hidden


@dataclass
class Answer:
    path: tuple  # repeat steps indexed: ("members[1]", "name")
    label: str
    hint: str
    type: str
    control: str | None
    value: str  # the raw text, "" when unanswered or absent
    display: str  # choice labels in the language, else the value
    files: list  # [file name] for an answered binary field, else []
    mediatype: str = ""
    kind: ClassVar[str] = "answer"


@dataclass
class Section:
    path: tuple
    label: str
    children: list  # Answer, Section, RepeatTable
    kind: ClassVar[str] = "section"


@dataclass
class RepeatTable:
    """One row per repeat instance. Groups inside the repeat are flattened into columns; a nested repeat is one
    column whose cell in each row is itself a RepeatTable (kind "repeat")."""
    path: tuple
    label: str
    columns: list  # [(form path, label)]
    rows: list  # [[Answer | RepeatTable, one per column]]
    kind: ClassVar[str] = "repeat"


@dataclass(frozen=True)
class Change:
    path: tuple
    old: str
    new: str


@lru_cache(maxsize=256)
def read_structure(xml: bytes) -> FormStructure:
    """The form's languages, body tree and hidden fields. Cached: a stored form version never changes, so callers
    must not mutate what they get. :raise UnsafeXML: the XML is hostile or not well-formed."""
    root = parse_xml(xml)
    model = root.find("h:head/xf:model", NS)
    languages, texts = _read_itext(model)
    binds, bind_ids = _read_binds(model)
    context = _Context(texts, binds, _read_instances(model), bind_ids)
    body = root.find("h:body", NS)
    nodes = tuple(_body_nodes(body, (), context)) if body is not None else ()
    questions, shown = {}, set()
    _index(nodes, questions, shown)
    hidden = tuple(Question(path, None, kind) for path, (kind, _) in context.binds.items() if path not in shown)
    questions.update((question.path, question) for question in hidden)
    return FormStructure(languages, nodes, hidden, questions)


def label_in(texts: dict, lang: str, default: str | None = None) -> str:
    """The text in `lang`, else in `default`, else the plain ("") text, else the first one (texts are built in
    language order, default translation first, so that is the default language's), else ""."""
    for key in (lang, default, ""):
        if key is not None and texts.get(key):
            return texts[key]
    return next((text for text in texts.values() if text), "")


def display_value(question: Question, value: str, lang: str) -> str:
    """What a person reads for `value`: choice label(s) in `lang` for selects, joined with ", "; else the value."""
    if question.control == "select1":
        return label_in(question.choices.get(value, {}), lang) or value
    if question.control in MULTIPLE:
        return ", ".join(label_in(question.choices.get(one, {}), lang) or one for one in value.split())
    return value


def question_at(structure: FormStructure, path: tuple) -> Question | None:
    """The question at a form path or an indexed answer/change path ("members[2]" → "members"), or None."""
    return structure.questions.get(tuple(re.sub(r"\[\d+\]$", "", step) for step in path))


def answer_tree(structure: FormStructure, root: etree._Element, lang: str) -> list:
    """The submission `root` (its instance root element) as Answer / Section / RepeatTable nodes in body order.
    Unanswered questions are kept (value ""); empty notes, empty sections and hidden fields are left out."""
    return _answers(structure.nodes, root, (), (), lang)


def answer_of(question: Question, root: etree._Element, lang: str) -> Answer:
    """The answer to one question outside repeats (what a table cell shows), without laying out the rest."""
    return _answer(question, root, (), (), lang)


def changed_answers(old_root: etree._Element, new_root: etree._Element,
                    structure: FormStructure | None = None) -> list[Change]:
    """Every leaf whose text differs between two versions, new document order first. Repeat instances are
    compared by position; a step is indexed ("members[2]") when its name occurs more than once among its
    siblings in either version or, given the `structure`, whenever it is a repeat (the paths answer_tree uses)."""
    repeats = set()
    if structure is not None:
        _collect_repeats(structure.nodes, repeats)
    changes = []
    _compare(old_root, new_root, (), (), repeats, changes)
    return changes


# Reading the form


@dataclass
class _Context:
    texts: dict  # {itext id: {lang code: text}}
    binds: dict  # {path: (type, readonly)} in bind order
    instances: dict  # {secondary instance id: <instance> element}
    bind_ids: dict = field(default_factory=dict)  # {bind id: path}


def _read_itext(model):
    languages, texts = [], {}
    translations = model.findall("xf:itext/xf:translation", NS) if model is not None else []
    translations.sort(key=lambda translation: (translation.get("default") or "false") in ("false", "false()"))
    for translation in translations:
        name = translation.get("lang") or ""
        match = LANGUAGE_CODE.search(name)
        code = match.group(1).strip() if match else name
        languages.append((code, name))
        for text in translation.findall("xf:text", NS):
            value = next((value for value in text.findall("xf:value", NS) if not value.get("form")), None)
            if value is not None:  # values with a form= are media or guidance, not the label
                texts.setdefault(text.get("id") or "", {})[code] = _flat_text(value)
    return tuple(languages), texts


def _read_binds(model):
    binds, bind_ids = {}, {}
    for bind in model.findall("xf:bind", NS) if model is not None else []:
        path = _path(bind.get("nodeset") or "", ())
        if path:
            readonly = (bind.get("readonly") or "").replace(" ", "") in ("true()", "true")
            binds[path] = ((bind.get("type") or "string").split(":")[-1], readonly)
            if bind.get("id"):
                bind_ids[bind.get("id")] = path
    return binds, bind_ids


def _read_instances(model):
    instances = model.findall("xf:instance", NS)[1:] if model is not None else []
    return {instance.get("id"): instance for instance in instances if instance.get("id")}


def _body_nodes(container, parent_path, context):
    nodes = []
    for element in container:
        name = _control_name(element)
        if name is None or name in NOT_CONTROLS or element.get("event"):
            continue
        if name == "group":
            nodes.append(_group(element, parent_path, context))
        elif name == "repeat":
            path = _ref_path(element, parent_path, context, "nodeset") or parent_path
            nodes.append(Group(path, _label(element, "label", context), tuple(_body_nodes(element, path, context)),
                               True))
        elif _ref_path(element, parent_path, context):
            nodes.append(_question(element, name, _ref_path(element, parent_path, context), context))
        else:  # an element we do not know (a div, a custom wrapper): look through it
            nodes.extend(_body_nodes(element, parent_path, context))
    return nodes


def _group(element, parent_path, context):
    path = _ref_path(element, parent_path, context) or parent_path
    label = _label(element, "label", context)
    children = tuple(_body_nodes(element, path, context))
    if len(children) == 1 and isinstance(children[0], Group) and children[0].repeat and children[0].path == path:
        return Group(path, label or children[0].label, children[0].children, True)  # pyxform's group + repeat
    return Group(path, label, children)


def _question(element, control, path, context):
    kind, readonly = context.binds.get(path, ("string", False))
    return Question(path, control, kind, _label(element, "label", context), _label(element, "hint", context),
                    _choices(element, context), element.get("appearance") or "", readonly,
                    element.get("mediatype") or "")


def _choices(element, context):
    choices = {}
    for child in element:
        name = _control_name(child)
        if name == "item":
            choices[_child_text(child, "value")] = _label(child, "label", context)
        elif name == "itemset":
            choices.update(_itemset_choices(child, context))
    return choices


def _itemset_choices(itemset, context):
    match = INSTANCE_CALL.match(itemset.get("nodeset") or "")
    instance = context.instances.get(match.group(1)) if match else None
    if instance is None or instance.get("src"):  # over the primary instance, or an attached CSV/XML file
        return {}
    items = [instance]
    for step in (step for step in _strip_predicates(match.group(2)).split("/") if step):
        items = [child for item in items for child in item if step in ("*", _local(child))]
    value_ref = _ref_of(itemset, "value") or "name"
    label_ref = _ref_of(itemset, "label") or "label"
    return {_child_text(item, value_ref): _item_label(item, label_ref, context) for item in items}


def _item_label(item, label_ref, context):
    inner = re.match(r"^\s*jr:itext\(\s*([\w.-]+)\s*\)\s*$", label_ref)  # jr:itext(itextId): id read from the item
    if inner:
        return dict(context.texts.get(_child_text(item, inner.group(1)), {}))
    text = _child_text(item, label_ref)
    return {"": text} if text else {}


def _label(element, tag, context):
    """{lang: text} of the first <label> or <hint> child: an itext ref, else its own text."""
    child = next((child for child in element if _control_name(child) == tag), None)
    if child is None:
        return {}
    match = ITEXT_REF.match(child.get("ref") or "")
    if match and match.group(1) in context.texts:
        return dict(context.texts[match.group(1)])
    text = _flat_text(child)
    return {"": text} if text else {}


def _ref_path(element, parent_path, context, attribute="ref"):
    ref = element.get(attribute) or element.get("ref")
    if ref:
        return _path(ref, parent_path)
    return context.bind_ids.get(element.get("bind")) if element.get("bind") else None


def _path(ref, parent_path):
    """Element names below the instance root: "/data/grp/x" → ("grp", "x"); a relative ref is read against the
    enclosing group's path."""
    ref = _strip_predicates(ref).strip()
    steps = [step.strip().split(":")[-1] for step in ref.split("/")]
    if ref.startswith("/"):
        return tuple(step for step in steps[2:] if step) or None
    path = list(parent_path)
    for step in (step for step in steps if step not in ("", ".")):
        if step == "..":
            path = path[:-1]
        else:
            path.append(step)
    return tuple(path) or None


def _index(nodes, questions, shown):
    for node in nodes:
        shown.add(node.path)
        if isinstance(node, Question):
            questions[node.path] = node
        else:
            _index(node.children, questions, shown)


def _collect_repeats(nodes, repeats):
    for node in nodes:
        if isinstance(node, Group):
            if node.repeat:
                repeats.add(node.path)
            _collect_repeats(node.children, repeats)


# Laying out a submission


def _answers(nodes, element, form_prefix, path_prefix, lang):
    out = []
    for node in nodes:
        if isinstance(node, Question):
            answer = _answer(node, element, form_prefix, path_prefix, lang)
            if not (_is_note(node) and not answer.value):
                out.append(answer)
        elif node.repeat:
            out.append(_table(node, element, form_prefix, path_prefix, lang))
        else:
            children = _answers(node.children, element, form_prefix, path_prefix, lang)
            relative = node.path[len(form_prefix):]
            if children:
                out.append(Section(path_prefix + relative, label_in(node.label, lang), children))
    return out


def _answer(question, element, form_prefix, path_prefix, lang):
    relative = question.path[len(form_prefix):]
    found = _find(element, relative)
    value = (found.text or "").strip() if found is not None else ""
    return Answer(path_prefix + relative, label_in(question.label, lang), label_in(question.hint, lang),
                  question.type, question.control, value, display_value(question, value, lang),
                  [value] if value and question.type == "binary" else [], question.mediatype)


def _table(group, element, form_prefix, path_prefix, lang):
    relative = group.path[len(form_prefix):]
    parent = _find(element, relative[:-1]) if relative else None
    instances = [child for child in _elements(parent)
                 if _local(child) == relative[-1] and child.get(JR_TEMPLATE) is None]
    cells = list(_flatten(group.children))
    rows = []
    for position, instance in enumerate(instances, 1):
        prefix = path_prefix + relative[:-1] + (f"{relative[-1]}[{position}]",)
        rows.append([_answer(cell, instance, group.path, prefix, lang) if isinstance(cell, Question)
                     else _table(cell, instance, group.path, prefix, lang) for cell in cells])
    keep = [index for index, cell in enumerate(cells)
            if not (isinstance(cell, Question) and _is_note(cell) and not any(row[index].value for row in rows))]
    columns = [(cells[index].path, label_in(cells[index].label, lang)) for index in keep]
    return RepeatTable(path_prefix + relative, label_in(group.label, lang), columns,
                       [[row[index] for index in keep] for row in rows])


def _flatten(nodes):
    for node in nodes:
        if isinstance(node, Group) and not node.repeat:
            yield from _flatten(node.children)
        else:
            yield node


def _is_note(question):
    return question.control == "input" and question.readonly


def _find(element, relative):
    for step in relative:  # "{*}name": that name in any namespace or none, matched by lxml itself
        element = next(element.iterchildren("{*}" + step), None) if element is not None else None
    return element


def _compare(old, new, path, plain, repeats, changes):
    old_children, new_children = _elements(old), _elements(new)
    if not old_children and not new_children:
        before, after = _leaf_text(old), _leaf_text(new)
        if before != after and plain not in IGNORED_CHANGES:
            changes.append(Change(path, before, after))
        return
    names = list(dict.fromkeys(_local(child) for child in new_children + old_children))
    for name in names:
        olds = [child for child in old_children if _local(child) == name]
        news = [child for child in new_children if _local(child) == name]
        indexed = plain + (name,) in repeats or len(olds) > 1 or len(news) > 1
        for position in range(max(len(olds), len(news))):
            step = f"{name}[{position + 1}]" if indexed else name
            _compare(olds[position] if position < len(olds) else None,
                     news[position] if position < len(news) else None, path + (step,), plain + (name,),
                     repeats, changes)


# XML helpers


def _local(element):
    """The tag's name without its namespace ("{uri}name" → "name"); None for comments and processing
    instructions."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


def _control_name(element):
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return f"odk:{qname.localname}" if qname.namespace == ODK_NS else qname.localname


def _elements(element):
    return [child for child in element if isinstance(child.tag, str)] if element is not None else []


def _leaf_text(element):
    return (element.text or "").strip() if element is not None else ""


def _child_text(element, name):
    child = next((child for child in element if _local(child) == name.strip()), None)
    return _flat_text(child) if child is not None else ""


def _ref_of(element, tag):
    child = next((child for child in element if _control_name(child) == tag), None)
    return (child.get("ref") or "").strip() if child is not None else ""


def _flat_text(element):
    """The text of a label or value; an <output value="/data/x"/> inside it reads ${x}, as designers write it."""
    parts = [element.text or ""]
    for child in element:
        if _local(child) == "output":
            parts.append("${%s}" % (child.get("value") or child.get("ref") or "").strip().split("/")[-1])
        elif isinstance(child.tag, str):
            parts.append(_flat_text(child))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def _strip_predicates(text):
    """Drop [...] predicates (they may hold slashes) so a path splits on its steps."""
    depth, kept = 0, []
    for character in text:
        depth += character == "["
        if depth == 0:
            kept.append(character)
        depth -= character == "]" and depth > 0
    return "".join(kept)
