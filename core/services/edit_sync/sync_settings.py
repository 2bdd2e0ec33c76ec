"""A store's edit-sync switches, kept in `store.settings`:

- `sync_auto_apply`: apply Instagram's changes to products nobody edited in Vendly (on), or
  always ask a person through a conflict (off).
- `sync_on_delete`: when a product's post is deleted, "hide" the product or "flag" it only.
  Either way it is marked "source post deleted"; it is never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.models import Store
from core.security import Actor
from core.services.people.stores import update_store_settings

ON_DELETE_CHOICES = ("flag", "hide")


@dataclass(frozen=True)
class EditSyncSettings:
    auto_apply_untouched: bool = True
    on_delete: str = "flag"


def edit_sync_settings(store: Store) -> EditSyncSettings:
    settings = store.settings or {}
    on_delete = settings.get("sync_on_delete", "flag")
    return EditSyncSettings(
        auto_apply_untouched=bool(settings.get("sync_auto_apply", True)),
        on_delete=on_delete if on_delete in ON_DELETE_CHOICES else "flag",
    )


def update_edit_sync_settings(
    session: Session, actor: Actor, store_id: str, *, auto_apply_untouched: bool, on_delete: str
) -> EditSyncSettings:
    """Save the switches (scoped to the actor's store) and commit."""
    if on_delete not in ON_DELETE_CHOICES:
        raise ValidationFailed("Choose what happens when a post is deleted: hide or flag only.",
                               {"on_delete": f"one of {', '.join(ON_DELETE_CHOICES)}"})
    store = update_store_settings(session, actor, store_id, {
        "sync_auto_apply": bool(auto_apply_untouched), "sync_on_delete": on_delete,
    })
    session.commit()
    return edit_sync_settings(store)
