"""Typed helpers for pages, page actions and authorization verdicts."""
import json
from typing import Any, Iterable, Optional

from ._pb import organizer_pb2 as pb


class Scope:
    """Where the client shows a page action."""

    PAGE = pb.PageAction.SCOPE_PAGE
    FOLDER = pb.PageAction.SCOPE_FOLDER
    MEDIA = pb.PageAction.SCOPE_MEDIA


def _json(v: Any) -> str:
    return "" if v is None else json.dumps(v, separators=(",", ":"))


class Page:
    """What a user sees at a path; `pb` is the protocol message the runner sends.

        page = Page("/", "My media").crumb("My media", "/")
        page.folder("3", "Day 1", "/f/3", items=2)
        page.action(Scope.PAGE, "create_folder", "New folder", {"parent": None}, ["name"])
        page.media_ids = ["m1", "m2"]
    """

    def __init__(self, path: str, title: str = ""):
        self.pb = pb.UserPageResponse(path=path, title=title)

    @property
    def path(self) -> str:
        return self.pb.path

    @property
    def title(self) -> str:
        return self.pb.title

    @property
    def media_ids(self) -> list:
        return list(self.pb.media_ids)

    @media_ids.setter
    def media_ids(self, ids: Iterable[str]) -> None:
        del self.pb.media_ids[:]
        self.pb.media_ids.extend(ids)

    def crumb(self, label: str, path: str) -> "Page":
        self.pb.breadcrumbs.add(label=label, path=path)
        return self

    def folder(self, id: str, name: str, path: str, items: int = 0) -> "Page":
        self.pb.folders.add(id=id, name=name, path=path, item_count=items)
        return self

    def action(self, scope: int, command: str, label: str, args: Optional[dict] = None,
               prompt: Iterable[str] = ()) -> "Page":
        """An action; `args` are preset arguments (a JSON object), `prompt` the names of
        text arguments the client asks the user for."""
        self.pb.actions.add(command=command, label=label, scope=scope, args_json=_json(args),
                            prompt=list(prompt))
        return self


def allow() -> pb.AuthorizeResponse:
    return pb.AuthorizeResponse(allow=True)


def deny(reason: str = "") -> pb.AuthorizeResponse:
    """A refusal; the reason is shown to the user (empty: the server words it)."""
    return pb.AuthorizeResponse(allow=False, reason=reason)


def builtin(req: pb.AuthorizeRequest) -> pb.AuthorizeResponse:
    """What the server's built-in rule answers (it is in the request). A denial carries no
    reason, so the server words it as for its own rule."""
    return allow() if req.builtin_allowed else deny("")


class CommandOutcome:
    """The answer to a custom command: a JSON value for the client, and whether the client
    should reload its page."""

    def __init__(self, result: Any = None, refresh: bool = False):
        self.result = result
        self.refresh = refresh

    @classmethod
    def value(cls, result: Any = None) -> "CommandOutcome":
        return cls(result, False)

    @classmethod
    def refreshed(cls, result: Any = None) -> "CommandOutcome":
        return cls(result, True)
