"""Notification messages and the senders that deliver them.

A message says only that a case needs attention and where to look: ``case #12 needs
attention`` and the link ``/cases/12``. It never carries the case's details; the recipient
opens the case page, which checks who may see what.

Senders are pluggable (setting ``FENGQIAO_NOTIFY_SENDER``): ``log`` writes each message to
the log, ``file:<path>`` appends it as a JSON line (the default, ``var/notifications.jsonl``),
and ``<module>:<name>`` names a factory returning any object with ``send(message)``, e.g. an
SMS or instant-messaging gateway.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from engine.casework.notifications import OutboxItem

log = logging.getLogger("fengqiao.notifications")

KIND_TEXT = {
    "reminder": ("提醒", "reminder"),
    "deadline": ("到期", "deadline"),
    "transition": ("进展", "update"),
    "escalation": ("上报", "escalation"),
    "timer_failed": ("期限未能触发", "a deadline is stuck"),
}


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    case_id: int
    role: str
    unit: str | None
    person: str | None
    kind: str
    created_at: datetime

    @classmethod
    def of(cls, item: OutboxItem) -> Message:
        return cls(
            item.id, item.case_id, item.role, item.unit, item.person, item.kind, item.created_at
        )

    @property
    def link(self) -> str:
        return f"/cases/{self.case_id}"

    @property
    def text(self) -> str:
        zh, en = KIND_TEXT.get(self.kind, (self.kind, self.kind))
        return (
            f"【{zh}】案件 #{self.case_id} 需要处理 / [{en}] case #{self.case_id} needs attention"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "to": {"role": self.role, "unit": self.unit, "person": self.person},
            "kind": self.kind,
            "text": self.text,
            "link": self.link,
            "at": self.created_at.isoformat(),
        }


class Sender(Protocol):
    def send(self, message: Message) -> None:
        """Deliver one message; raise if it could not be delivered (it is retried)."""
        ...


class LogSender:
    """Writes each message to the log (logger ``fengqiao.notifications``)."""

    def send(self, message: Message) -> None:
        person = f" ({message.person})" if message.person else ""
        log.info(
            "to %s@%s%s: %s %s",
            message.role,
            message.unit or "-",
            person,
            message.text,
            message.link,
        )


class FileSender:
    """Appends each message to a file as one JSON line: a local sink for demos and audits."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        line = json.dumps(message.as_json(), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)


class SenderSpecError(ValueError):
    """Raised when FENGQIAO_NOTIFY_SENDER names no sender that can be built."""


def sender_from(spec: str) -> Sender:
    """Build the sender a setting names: ``log``, ``file:<path>`` or ``<module>:<factory>``."""
    if spec == "log":
        return LogSender()
    if spec.startswith("file:"):
        return FileSender(spec.removeprefix("file:"))
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise SenderSpecError(
            f"notify sender {spec!r}: expected 'log', 'file:<path>' or '<module>:<factory>'"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SenderSpecError(f"notify sender {spec!r}: {exc}") from exc
    sender = factory()
    if not callable(getattr(sender, "send", None)):
        raise SenderSpecError(f"notify sender {spec!r}: {factory!r}() has no send(message)")
    return sender  # type: ignore[no-any-return]
