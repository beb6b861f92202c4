"""Questions waiting for an answer: the not-sure questions from the review log,
grouped by similarity, from which an editor makes a new topic or adds example
questions to a topic. The page is with the other content pages because editors
act on it by writing content; the questions and their grouping are the review
log's (staff/review/waiting.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bot import paths
from bot.content import editing, examples, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts
from staff.editor.models import Approval, Draft
from staff.review import waiting

# A new topic's link carries at most this many of a group's questions.
NEW_TOPIC_QUESTIONS = 30


def _topics() -> list[tuple[str, str]]:
    content = loader.load(paths.CONTENT_DIR)
    return sorted(((t.id, t.title) for t in content.topics.values()), key=lambda t: t[1])


class ExamplesForm(forms.Form):
    """Some waiting questions, as example questions of one topic."""

    topic = forms.ChoiceField()
    questions = forms.ModelMultipleChoiceField(
        queryset=waiting.not_sure(),
        error_messages={"required": "Tick at least one question first."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = _topics()


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def listing(request):
    groups = waiting.grouped(waiting.questions())
    asked = sum(g.asked for g in groups)
    # Masked, but still what patients wrote: who read the list is recorded.
    log.record(request.user, "viewed questions waiting for an answer", "review log",
               f"{asked} questions in {len(groups)} groups")  # fmt: skip
    return render(
        request,
        "staff/editor/waiting.html",
        {
            "groups": groups,
            "topics": _topics(),
            "new_topic_questions": NEW_TOPIC_QUESTIONS,
            "approval": Approval.required(),
        },
    )


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def add_examples(request):
    """The ticked questions join the topic's examples: as drafts for a second
    person when approval is on, else written to content/ at once."""
    form = ExamplesForm(request.POST)
    if not form.is_valid():
        flash.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("editor:waiting")
    topic = form.cleaned_data["topic"]
    chosen = form.cleaned_data["questions"]
    texts = waiting.texts([m.pk for m in chosen])
    if Approval.required():
        added, problems = _propose(request.user, topic, texts)
        said = f"Sent {_questions(added)} for approval as examples of “{topic}”."
    else:
        added, problems = _add(request.user, topic, texts)
        said = (f"Added {_questions(added)} to the examples of “{topic}”. "
                "The assistant learns them at the next training.")  # fmt: skip
    waiting.answered(texts, topic)
    log.record(request.user, "added example questions", topic,
               f"{added} from the questions waiting for an answer")  # fmt: skip
    (flash.success if added else flash.info)(request, said)
    for problem in problems:
        flash.error(request, problem)
    return redirect("editor:waiting")


def _questions(n: int) -> str:
    return f"{n} question{'s' if n != 1 else ''}"


def _propose(user, topic: str, texts: list[str]) -> tuple[int, list[str]]:
    added, problems = 0, []
    for text in texts:
        try:
            draft = drafts.propose(user, Draft.EXAMPLE, topic, {"question": text},
                                   changed="example question")  # fmt: skip
        except editing.Invalid as invalid:
            problems += [m for ms in invalid.errors.values() for m in ms]
            continue
        added += draft is not None
    return added, problems


def _add(user, topic: str, texts: list[str]) -> tuple[int, list[str]]:
    # Started before the change, so the change is a commit of its own.
    history = common.history()
    changed, problems = set(), []
    for text in texts:
        try:
            changed.add(examples.add(paths.CONTENT_DIR, topic, text))
        except examples.ExampleError as exc:
            problems.append(str(exc))
    if changed:
        history.commit(sorted(changed), common.author(user),
                       f"{topic}: example questions waiting for an answer")  # fmt: skip
    return len(texts) - len(problems), problems
