"""Read the form templates of a catalog (``CATALOG/forms/*.yaml``); every problem is located (file:line)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from madoguchi.catalog.loader import CatalogIssue, LineDict, LineList, _format_validation, _LineLoader
from madoguchi.shinseisho.models import FormTemplate


class FormsError(Exception):
    def __init__(self, issues: list[CatalogIssue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass
class FormSet:
    root: Path  # the catalog folder
    forms: dict[str, FormTemplate]
    files: dict[str, str] = field(default_factory=dict)  # form id → file (relative to the catalog)
    lines: dict[str, int] = field(default_factory=dict)  # "form" or "form/field" → line
    issues: list[CatalogIssue] = field(default_factory=list)  # problems of forms that did not load

    @property
    def folder(self) -> Path:
        return self.root / "forms"

    def location(self, form_id: str, field_name: str | None = None) -> tuple[str, int]:
        file = self.files.get(form_id, "forms")
        key = f"{form_id}/{field_name}" if field_name else form_id
        return file, self.lines.get(key, self.lines.get(form_id, 1))

    def background_path(self, form: FormTemplate) -> Path | None:
        if not form.background or not _inside(self.folder, form.background):
            return None  # load_forms refuses a background outside forms/
        return self.folder / form.background


def load_forms(catalog_path: str | Path, strict: bool = True) -> FormSet:
    """Load every form of the catalog. With ``strict``, raise FormsError listing every problem."""
    root = Path(catalog_path).resolve()
    folder = root / "forms"
    result = FormSet(root, {})
    issues: list[CatalogIssue] = []

    def add(path: Path, line: int, message: str) -> None:
        issues.append(CatalogIssue(str(path.relative_to(root)), line, message))

    if not folder.is_dir():
        return result
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader
        except UnicodeDecodeError as exc:  # the line of the bad byte, as the catalog loader reports it
            line = exc.object.count(b"\n", 0, exc.start) + 1
            add(path, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            add(path, mark.line + 1 if mark else 1, f"YAML syntax: {exc.problem or 'invalid YAML'}")
            continue
        if not isinstance(data, LineDict):
            add(path, 1, "a form file must be a mapping with id:, title:, fields:")
            continue
        try:
            form = FormTemplate.model_validate(data)
        except ValidationError as exc:
            for line, msg in _format_validation(exc, data, (f"form {data.get('id', path.stem)}",)):
                add(path, _field_line(data, exc, line, msg), msg)
            continue
        if form.id in result.forms:
            add(
                path,
                data.lines.get("id", 1),
                f"duplicate form id {form.id!r} (first in {result.files[form.id]})",
            )
            continue
        if form.id != path.stem:
            add(
                path, data.lines.get("id", 1), f"form id {form.id!r} differs from the file name {path.stem!r}"
            )
        if form.background and not _inside(folder, form.background):
            add(
                path,
                data.lines.get("background", 1),
                f"background {form.background!r} is outside forms/ (give a file name in the forms folder)",
            )
            continue
        if form.background and not (folder / form.background).is_file():
            add(path, data.lines.get("background", 1), f"background {form.background!r} not found in forms/")
            continue
        result.forms[form.id] = form
        result.files[form.id] = str(path.relative_to(root))
        result.lines[form.id] = data.lines.get("id", 1)
        raw_fields = data.get("fields")
        if isinstance(raw_fields, LineList):
            for index, raw in enumerate(raw_fields):
                if isinstance(raw, LineDict) and "name" in raw:
                    result.lines[f"{form.id}/{raw['name']}"] = raw_fields.lines[index]
    result.issues = issues
    if strict and issues:
        raise FormsError(issues)
    return result


def _inside(folder: Path, name: str) -> bool:
    """``name`` (a form's background) names a file inside ``folder``, symbolic links resolved: no absolute
    path, no ``..`` out of it."""
    target = (folder / name).resolve()
    return target.is_relative_to(folder.resolve()) and target != folder.resolve()


def _field_line(data: LineDict, exc: ValidationError, line: int, msg: str) -> int:
    """A model-level error ('field x is used twice') carries no location: find the field's own line."""
    if line != getattr(data, "line", 1):
        return line
    raw_fields = data.get("fields")
    if isinstance(raw_fields, LineList):
        for index, raw in enumerate(raw_fields):
            if isinstance(raw, LineDict) and f"field {raw.get('name')}" in msg:
                return raw_fields.lines[index]
    return line


_cache: dict[Path, tuple[float, FormSet]] = {}
_lock = threading.Lock()


def get_forms(catalog_path: str | Path) -> FormSet:
    """The forms of a catalog, loaded once per process and reloaded when a form file changes."""
    root = Path(catalog_path).resolve()
    stamp = max((p.stat().st_mtime for p in (root / "forms").glob("*")), default=0.0)
    with _lock:
        hit = _cache.get(root)
        if hit and hit[0] == stamp:
            return hit[1]
    forms = load_forms(root)
    with _lock:
        _cache[root] = (stamp, forms)
    return forms
