"""`Inbox`: the typed asyncio client of the server's OrganizerInbox — read media, comments,
users, shares and statuses; act (comments, titles, statuses, owners, messages, opening
things on a user's clients); and keep the plugin's own data in the server's key-value store.

Every call raises `Status` with the server's code and message when it is refused."""
import json
from typing import Any, Iterable, List, Optional, Tuple

import grpc

from ._pb import organizer_pb2 as pb
from ._pb import organizer_pb2_grpc as rpc
from .status import Status


class Inbox:
    def __init__(self, address: str, token: str):
        # gRPC core names a Unix socket peer by its path; HTTP/2 servers want a host name.
        target = address.removeprefix("http://")
        self._channel = grpc.aio.insecure_channel(target, options=[("grpc.default_authority", "localhost")])
        self._stub = rpc.OrganizerInboxStub(self._channel)
        self._meta = (("authorization", f"Bearer {token}"),)

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, name: str, msg):
        try:
            return await getattr(self._stub, name)(msg, metadata=self._meta)
        except grpc.aio.AioRpcError as e:
            raise Status.of_rpc_error(e) from None

    # ---------------------------------------------------------------- reading

    async def media(self, ids: Iterable[str]) -> List[pb.Media]:
        """Media by id, in the order asked; unknown ids are left out."""
        return list((await self._call("GetMedia", pb.GetMediaRequest(ids=list(ids)))).items)

    async def media_by_owner(self, owner_id: str) -> List[pb.Media]:
        """Everything `owner_id` owns, newest first."""
        return list((await self._call("ListMediaByOwner", pb.ListMediaByOwnerRequest(owner_id=owner_id))).items)

    async def comments(self, media_id: str) -> List[pb.Comment]:
        return list((await self._call("ListComments", pb.ListCommentsRequest(media_id=media_id))).items)

    async def users(self) -> List[pb.User]:
        """Every user the server has seen."""
        return list((await self._call("ListUsers", pb.ListUsersRequest())).items)

    async def users_by_id(self, ids: Iterable[str]) -> List[pb.User]:
        """The users with these ids (unknown ones left out). No ids, no users."""
        ids = list(ids)
        if not ids:
            return []
        return list((await self._call("ListUsers", pb.ListUsersRequest(ids=ids))).items)

    async def sharing(self, media_id: str) -> pb.ShareList:
        """Who the media is shared with, and its link access (protocol 1.2)."""
        return await self._call("GetSharing", pb.GetSharingRequest(media_id=media_id))

    async def review_status(self, media_id: str) -> pb.StatusView:
        """The media's review status and its history, newest first (protocol 1.2)."""
        return await self._call("GetReviewStatus", pb.GetReviewStatusRequest(media_id=media_id))

    # ---------------------------------------------------------------- acting

    async def assign_media(self, media_id: str, new_owner_id: str) -> pb.Media:
        """Gives a media file to another (known) user."""
        return (await self._call("AssignMedia", pb.AssignMediaRequest(media_id=media_id,
                                                                       new_owner_id=new_owner_id))).media

    async def send_user_message(self, user_id: str, text: str, media_id: Optional[str] = None) -> int:
        """Stores a notification for `user_id` and pushes it live; answers its id."""
        r = await self._call("SendUserMessage", pb.SendUserMessageRequest(user_id=user_id, text=text,
                                                                           media_id=media_id or ""))
        return r.id

    async def refresh_user(self, user_id: str) -> None:
        """Makes `user_id`'s open sessions reload their organizer page."""
        await self._call("RefreshUser", pb.RefreshUserRequest(user_id=user_id))

    async def add_comment(self, media_id: str, text: str, frame: int = 0, parent_id: int = 0,
                          as_user: Optional[str] = None) -> pb.Comment:
        """Comments on a media as `as_user` (who must be allowed to comment), or as the
        plugin itself; open rooms see it at once, marked as written through the plugin."""
        return await self._call("AddComment", pb.AddCommentRequest(
            media_id=media_id, text=text, frame=frame, parent_id=parent_id, as_user_id=as_user or ""))

    async def edit_comment(self, comment_id: int, text: str, as_user: Optional[str] = None) -> pb.Comment:
        return await self._call("EditComment", pb.EditCommentRequest(comment_id=comment_id, text=text,
                                                                      as_user_id=as_user or ""))

    async def delete_comment(self, comment_id: int, as_user: Optional[str] = None) -> None:
        await self._call("DeleteComment", pb.DeleteCommentRequest(comment_id=comment_id, as_user_id=as_user or ""))

    async def set_media_title(self, media_id: str, title: str, as_user: Optional[str] = None) -> pb.Media:
        return await self._call("SetMediaTitle", pb.SetMediaTitleRequest(media_id=media_id, title=title,
                                                                          as_user_id=as_user or ""))

    async def set_review_status(self, media_id: str, status: str, as_user: Optional[str] = None) -> pb.StatusView:
        """`status`: needs_review, in_progress, changes_requested or approved."""
        return await self._call("SetReviewStatus", pb.SetReviewStatusRequest(media_id=media_id, status=status,
                                                                              as_user_id=as_user or ""))

    async def open_media(self, user_id: str, media_id: str, frame: int = 0) -> int:
        """Tells the user's open clients to open a media file at a frame; answers how many
        sessions were told."""
        r = await self._call("OpenOnClient", pb.OpenOnClientRequest(user_id=user_id, media_id=media_id, frame=frame))
        return r.sessions

    async def open_page(self, user_id: str, path: str) -> int:
        """Tells the user's open clients to open one of the plugin's pages."""
        r = await self._call("OpenOnClient", pb.OpenOnClientRequest(user_id=user_id, path=path))
        return r.sessions

    # ---------------------------------------------------------------- key-value store

    async def kv_get(self, key: str) -> Optional[bytes]:
        r = await self._call("KvGet", pb.KvGetRequest(key=key))
        return r.value if r.found else None

    async def kv_set(self, key: str, value: bytes) -> None:
        await self._call("KvSet", pb.KvSetRequest(key=key, value=value))

    async def kv_delete(self, key: str) -> bool:
        """Answers whether the key existed."""
        return (await self._call("KvDelete", pb.KvDeleteRequest(key=key))).existed

    async def kv_list(self, prefix: str = "") -> List[Tuple[str, bytes]]:
        """Entries whose key starts with `prefix`, in key order."""
        r = await self._call("KvList", pb.KvListRequest(prefix=prefix))
        return [(e.key, e.value) for e in r.entries]

    async def kv_get_json(self, key: str) -> Any:
        """A stored JSON document, or None."""
        raw = await self.kv_get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError as e:
            raise Status.data_loss(f"stored value of {key} is not valid: {e}") from None

    async def kv_set_json(self, key: str, value: Any) -> None:
        await self.kv_set(key, json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
