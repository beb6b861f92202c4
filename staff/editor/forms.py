"""The editor's forms: a topic (lists as one item per line, facts as
"claim | source | pump type" lines), the clinic's details and the sources list.
A form checks only what it can alone; the content's validator
(bot/content/editing.py) checks the rest, and `add_invalid` puts each of its
messages beside the field it names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from bot.content import clinic_editing, editing
from bot.content.loader import Content
from staff.editor.links import chosen_first, source_label

FACT_SEPARATOR = " | "
NEW_SOURCE_ROWS = 3
# A tampered row count means a refused form, never thousands of rows.
MAX_SOURCE_ROWS = 1000


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


class ContentInvalid:
    """A form the content's validator may refuse after the form's own checks."""

    def add_invalid(self, invalid: editing.Invalid) -> None:
        for name, messages in invalid.errors.items():
            self.add_error(name if name in self.fields else None, list(messages))


class Keys(forms.MultipleChoiceField):
    """Keys the content's validator checks: one no longer among the choices is
    named there, beside the field, not dropped here."""

    def validate(self, value) -> None:
        pass


def _text(label: str, rows: int | None = None, **attrs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs)
    return forms.CharField(label=label, required=False, widget=widget)


class TopicForm(ContentInvalid, forms.Form):
    title = _text("Title")
    answer = _text("Answer", rows=8)
    facts = _text("Facts (one per line: claim | source key | pump type if only one)", rows=5)
    examples = _text("Example questions (one per line)", rows=10)
    sources = Keys(label="Sources", required=False, widget=forms.CheckboxSelectMultiple)
    follow_ups = Keys(
        label="Follow-up buttons", required=False, widget=forms.CheckboxSelectMultiple
    )
    reviewed_by = _text("Reviewed by")
    # Text, not a date: the validator names a wrong date beside the field.
    reviewed_on = _text("Review date (YYYY-MM-DD)")

    def __init__(self, content: Content, current: dict[str, Any], data=None, topic_id: str = ""):
        self.current = current
        super().__init__(data, initial=self.initial_of(current), auto_id="%s")
        answer = current.get("answer")
        # A topic with one answer per pump type keeps them apart.
        self.variants = list(answer) if isinstance(answer, dict) else []
        for kind in self.variants:
            self.fields[f"answer__{kind}"] = _text(
                f"Answer for a {kind.replace('_', '')} pump", rows=8,
                **{"aria-describedby": "answer-help"},
            )  # fmt: skip
        follow_ups = self._ordered("follow_ups")
        self.fields["follow_ups"].choices = chosen_first(
            ((t.id, t.title) for t in content.topics.values() if t.id != topic_id), follow_ups
        )
        self.fields["sources"].choices = chosen_first(
            ((s.key, source_label(s)) for s in content.sources.values()), self._ordered("sources")
        )

    @staticmethod
    def initial_of(fields: dict[str, Any]) -> dict[str, Any]:
        shown = dict(fields)
        shown["examples"] = "\n".join(str(e) for e in fields.get("examples") or [])
        shown["facts"] = "\n".join(
            FACT_SEPARATOR.join(
                part
                for part in (
                    str(f.get("claim", "")),
                    str(f.get("source", "")),
                    str(f.get("pump_type") or ""),
                )
                if part
            )  # fmt: skip
            for f in fields.get("facts") or []
        )
        answer = fields.get("answer")
        if isinstance(answer, dict):
            shown.update({f"answer__{kind}": text for kind, text in answer.items()})
            shown["answer"] = ""
        reviewed = fields.get("reviewed_on")
        shown["reviewed_on"] = reviewed.isoformat() if isinstance(reviewed, dt.date) else reviewed
        shown["follow_ups"] = list(fields.get("follow_ups") or [])
        shown["sources"] = list(fields.get("sources") or [])
        return shown

    def _ordered(self, name: str, chosen: list[str] | None = None) -> list[str]:
        """The topic's order is kept (an untouched list is not a change); newly
        ticked ones follow, in page order."""
        if chosen is None:
            if not self.is_bound:
                return list(self.current.get(name) or [])
            chosen = self.data.getlist(name)
        chosen = list(dict.fromkeys(chosen))
        old = list(self.current.get(name) or [])
        return [k for k in old if k in chosen] + [k for k in chosen if k not in old]

    def topic_fields(self) -> dict[str, Any]:
        """The fields an edit would save (after is_valid)."""
        data = self.cleaned_data
        fields = dict(self.current)
        fields["title"] = data["title"]
        variants = {kind: data[f"answer__{kind}"] for kind in self.variants}
        fields["answer"] = variants if variants else data["answer"]
        fields["examples"] = _lines(data["examples"])
        facts = []
        for line in _lines(data["facts"]):
            parts = [p.strip() for p in line.split("|")]
            fact = {"claim": parts[0], "source": parts[1] if len(parts) > 1 else ""}
            if len(parts) > 2 and parts[2]:
                fact["pump_type"] = parts[2]
            facts.append(fact)
        fields["facts"] = facts
        for name in ("follow_ups", "sources"):
            fields[name] = self._ordered(name, data[name])
            if not data[name] and self.current.get(name) is None:
                fields[name] = None
        fields["reviewed_by"] = data["reviewed_by"]
        try:
            fields["reviewed_on"] = dt.date.fromisoformat(data["reviewed_on"])
        except ValueError:
            fields["reviewed_on"] = data["reviewed_on"]  # the validator names the problem
        return fields


class NewTopicForm(TopicForm):
    id = _text("Topic id (lowercase letters, digits and _)")
    field_order = ["id"]

    def topic_fields(self) -> dict[str, Any]:
        return {**super().topic_fields(), "id": self.cleaned_data["id"]}


class ClinicForm(ContentInvalid, forms.Form):
    """One line per clinic setting, named by its key in content/clinic.yml."""

    def __init__(self, initial: dict[str, Any], data=None):
        super().__init__(data, initial={k: str(v) for k, v in initial.items()}, auto_id="%s")
        for key in clinic_editing.CLINIC_KEYS:
            self.fields[key] = forms.CharField(label=key, required=False, strip=False)

    def values(self) -> dict[str, str]:
        """Only the settings the form sent: one left out stays as it is."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.data}


class SourceForm(forms.Form):
    key = forms.CharField(required=False, strip=False)
    name = forms.CharField(required=False, strip=False)
    citation = forms.CharField(required=False, strip=False)
    url = forms.CharField(required=False, strip=False)

    def __init__(self, *args, row: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        shown = (("key", "Key", 8), ("name", "Short name", None),
                 ("citation", "Citation", 40), ("url", "Address", 30))  # fmt: skip
        for name, label, size in shown:
            attrs = {"aria-label": f"{label}, row {row}"}
            if size:
                attrs["size"] = size
            self.fields[name].widget.attrs.update(attrs)


class BaseSourceFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row is read, even one that looks as it did: the list is replaced whole.
        return {"row": index + 1 if index is not None else 0, "empty_permitted": False}

    def rows(self) -> list[dict[str, str]]:
        """Every row in page order; a row with an empty key is removed on saving."""
        parts = ("key", *clinic_editing.SOURCE_PARTS)
        return [
            {part: form.cleaned_data.get(part, "") for part in parts}
            for form in self.forms
        ]

    def add_invalid(self, invalid: editing.Invalid) -> None:
        """Each message beside its source's row; the rest above the table."""
        rows = {f.cleaned_data.get("key", "").strip(): f for f in self.forms}
        for name, messages in invalid.errors.items():
            key, _, part = name.partition(".")
            form = rows.get(key)
            if form is None:
                self.non_form_errors().extend(messages)
            else:
                form.add_error(part if part in form.fields else None, list(messages))


SourceFormSet = forms.formset_factory(
    SourceForm,
    formset=BaseSourceFormSet,
    extra=NEW_SOURCE_ROWS,
    max_num=MAX_SOURCE_ROWS,
    absolute_max=MAX_SOURCE_ROWS,
    validate_max=True,
)
