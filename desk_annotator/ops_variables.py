"""Custom document variables as undoable ops: define, rename, delete, set values.

Definitions are rows of ``variables``; values rows of ``document_variables`` (one per
document and variable; clearing a value deletes its row). Setting a built-in (author, outlet,
date, url, language) goes through SetDocumentMetadata, so one import can fill both kinds in
one undoable step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import OperationError
from .models import ImportReport, new_id
from .ops import Op
from .ops_documents import SetDocumentMetadata, require_document
from .store import ChangeRecorder
from .store import variable_queries as vq
from .store.queries import Queries
from .variables import (
    TYPES,
    Variable,
    clean_categories,
    clean_name,
    custom_variables,
    find_variable,
    parse_value,
)


def _check_free(q: Queries, name: str, but: str | None = None) -> None:
    for var in custom_variables(q):
        if var.id != but and var.name.casefold() == name.casefold():
            raise OperationError(f"there is already a variable named {var.name!r}")


@dataclass
class DefineVariable(Op):
    name: str
    type: str = "text"
    categories: list[str] | str | None = None
    kind: ClassVar[str] = "define-variable"

    def describe(self, q: Queries) -> str:
        return f"Define variable {' '.join(str(self.name).split())}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> Variable:
        name = clean_name(self.name)
        if self.type not in TYPES:
            raise OperationError(f"a variable's type is one of {', '.join(TYPES)}, "
                                 f"not {self.type!r}")
        _check_free(q, name)
        categories: tuple[str, ...] = ()
        if self.type == "category":
            categories = clean_categories(self.categories)
        elif self.categories:
            raise OperationError("only a category variable has categories")
        position = max((v.position for v in custom_variables(q)), default=-1) + 1
        var = Variable(new_id(), name, self.type, categories, position)
        rec.insert("variables", {"id": var.id, "name": name, "type": var.type,
                                 "categories": json.dumps(list(categories), ensure_ascii=False),
                                 "position": position})
        return var


@dataclass
class RenameVariable(Op):
    name: str
    new_name: str
    kind: ClassVar[str] = "rename-variable"

    def describe(self, q: Queries) -> str:
        return f"Rename variable {self.name} to {' '.join(str(self.new_name).split())}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        var = find_variable(q, self.name, builtin=False)
        new = clean_name(self.new_name)
        if new == var.name:
            return False
        _check_free(q, new, but=var.id)
        rec.update("variables", {"id": var.id}, {"name": new})
        return True


@dataclass
class DeleteVariable(Op):
    """Remove a custom variable with its values. Returns how many values went with it."""

    name: str
    kind: ClassVar[str] = "delete-variable"

    def describe(self, q: Queries) -> str:
        return f"Delete variable {self.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        var = find_variable(q, self.name, builtin=False)
        removed = rec.delete_where("document_variables", "variable_id = ?", (var.id,))
        rec.delete("variables", {"id": var.id})
        return len(removed)


def write_value(rec: ChangeRecorder, q: Queries, document_id: str, var: Variable,
                value: str | None) -> bool:
    """Store one canonical value (None clears it); returns whether it changed."""
    old = vq.value_of(q, document_id, var.id)
    if old == value:
        return False
    key = {"document_id": document_id, "variable_id": var.id}
    if value is None:
        rec.delete("document_variables", key)
    elif old is None:
        rec.insert("document_variables", {**key, "value": value})
    else:
        rec.update("document_variables", key, {"value": value})
    return True


@dataclass
class SetVariableValues(Op):
    """Set many (document id, variable name, raw value) at once, as one undoable step. Every
    value is checked first: one bad value refuses them all (its line says which and why).
    A blank value clears. Returns how many values changed."""

    values: list[tuple[str, str, Any]] = field(default_factory=list)
    description: str = ""
    kind: ClassVar[str] = "set-variable-values"

    def describe(self, q: Queries) -> str:
        return self.description or f"Set {len(self.values)} variable value(s)"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        checked: list[tuple[str, Variable, str | None]] = []
        problems: list[str] = []
        known = {d.id for d in q.document_infos()} if len(self.values) > 1 else None
        for doc_id, name, raw in self.values:
            try:
                if known is None:
                    require_document(q, doc_id)
                elif doc_id not in known:
                    raise OperationError(f"no document with id {doc_id}")
                var = find_variable(q, name)
                checked.append((doc_id, var, raw if var.builtin else parse_value(var, raw)))
            except OperationError as exc:
                problems.append(str(exc))
        if problems:
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise OperationError("; ".join(problems[:5]) + more)
        changed = 0
        for doc_id, var, value in checked:
            if var.builtin:
                changed += len(SetDocumentMetadata(doc_id, **{var.name: value}).apply(rec, q))
            else:
                changed += write_value(rec, q, doc_id, var, value)
        return changed


@dataclass
class SetVariableValue(Op):
    """One document's value of one variable (blank or None clears it); returns whether it
    changed."""

    document_id: str
    name: str
    value: Any
    kind: ClassVar[str] = "set-variable-value"

    def describe(self, q: Queries) -> str:
        return f"Set {self.name} of a document"

    def apply(self, rec: ChangeRecorder, q: Queries) -> bool:
        return bool(SetVariableValues([(self.document_id, self.name, self.value)]).apply(rec, q))


def adopt_variable_metadata(rec: ChangeRecorder, q: Queries, rows: Iterable[dict[str, Any]],
                            report: ImportReport | None = None) -> int:
    """Inside an import: metadata keys of newly inserted document ``rows`` that name a
    defined custom variable become its values (dataset JSONL ``metadata`` carries them).
    A value that does not fit the type stays in the metadata, with a warning."""
    customs = {v.name: v for v in custom_variables(q)}
    if not customs:
        return 0
    adopted = 0
    for row in rows:
        extra = json.loads(row.get("extra_metadata") or "{}")
        kept = dict(extra)
        for key, raw in extra.items():
            var = customs.get(key)
            if var is None:
                continue
            try:
                value = parse_value(var, raw)
            except OperationError as exc:
                if report is not None:
                    report.warnings.append(f"“{row['title']}”: {exc}; kept as metadata")
                continue
            kept.pop(key)
            adopted += write_value(rec, q, row["id"], var, value)
        if kept != extra:
            rec.update("documents", {"id": row["id"]},
                       {"extra_metadata": json.dumps(kept, ensure_ascii=False)})
    return adopted
