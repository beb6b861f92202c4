"""The assistant's model, seen from the answers section: whether the example
questions changed since the model that answers now was trained, "Retrain now",
and the training's progress. The trainer process does the work
(bot/training/trainer.py); the supervisor moves patients to the new model."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bot import paths, trainings
from bot.content import loader
from bot.training import trainer
from staff.accounts import roles
from staff.audit import log


def _shown(training: trainings.Training | None) -> dict | None:
    if training is None:
        return None
    return {
        "id": training.id,
        "state": training.state,
        "under_way": training.under_way,
        "step": training.step,
        "percent": training.percent,
        "message": training.message,
        "requested_by": training.requested_by,
        "requested_at": timezone.localtime(training.requested_at).strftime("%Y-%m-%d %H:%M"),
    }


def _latest_and_live() -> tuple[trainings.Training | None, str | None]:
    store = trainings.TrainingStore()
    try:
        return store.latest(), store.live_model()
    finally:
        store.close()


def panel() -> dict:
    """What the answers page says about the model."""
    latest, live = _latest_and_live()
    content = loader.load(paths.CONTENT_DIR)
    wanted = None if content.errors else trainer.model_for(content)
    under_way = latest is not None and latest.under_way
    return {
        "latest": _shown(latest),
        "needs_training": wanted is not None and wanted != live and not under_way,
        "content_errors": bool(content.errors),
    }


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def status(request):
    """The training's progress, asked for every 3 s while one is under way: only
    the record, not the content (the page reloads when the training ends)."""
    return JsonResponse({"latest": _shown(_latest_and_live()[0])})


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def retrain(request):
    store = trainings.TrainingStore()
    try:
        training = store.request(request.user.get_username())
    except trainings.AlreadyUnderWay as busy:
        flash.info(
            request,
            f"A training is already under way (asked for by {busy.training.requested_by}). "
            "Changes saved after it began are learned at the next training.",
        )
    else:
        log.record(request.user, "asked for training", f"training {training.id}")
        flash.success(
            request,
            "Training started. The current model keeps answering patients until the new one "
            "has passed the safety and accuracy checks.",
        )
    finally:
        store.close()
    return redirect("editor:topics")
