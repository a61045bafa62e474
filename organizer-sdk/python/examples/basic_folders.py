#!/usr/bin/env python3
"""basic_folders: personal folders for every user — the Python twin of organizer-sdk's
examples/basic_folders.rs, answering the same pages, commands and verdicts and keeping the
same documents in the server's key-value store (either can take over from the other).

Each user gets a tree of folders (create, rename, nest, delete, move media between them);
a new upload lands in the folder the user last opened. An owner shares a folder with named
users as `viewer` or `commenter`: they may watch (and comment on) everything in it and in
its subfolders, also what is placed there later, and find it in their "Shared with me".
Admins also get "/users": every user's tree, to browse and manage.

Paths: `/` (own home), `/f/<folder>`, `/shared`, `/shared/<owner>/<folder>`, and for
admins `/users`, `/users/<id>`, `/users/<id>/f/<folder>`.

Run by the server: dailies-server --organizer-cmd "python3 basic_folders.py"
"""
import asyncio
import copy
import logging
import unicodedata

from dailies_organizer import CommandOutcome, Organizer, Page, Scope, Status, allow, builtin, deny, run

log = logging.getLogger("basic_folders")

SHARED_ID = "shared"
SHARED = "/shared"
MAX_NAME = 120
MAX_SHARES = 1000
TITLE_NAMES = 4
ROLES = ("viewer", "commenter")  # ordered: a commenter may do all a viewer may


def is_control(c):
    return unicodedata.category(c) == "Cc"


def role_max(a, b):
    return a if ROLES.index(a) >= ROLES.index(b) else b


# ------------------------------------------------------------------------------ the tree

def new_tree():
    return {"next_id": 0, "folders": {}, "placed": {}, "current": None}


def fix_tree(t):
    t = t or new_tree()
    for k, v in new_tree().items():
        t.setdefault(k, v)
    return t


def clean_name(name):
    n = "".join(c for c in name if not is_control(c)).strip()
    if not n or len(n) > MAX_NAME:
        raise Status.invalid_argument(f"a folder name has 1 to {MAX_NAME} characters")
    return n


def folder_of(t, fid):
    f = t["folders"].get(fid)
    if f is None:
        raise Status.not_found(f"no folder {fid}")
    return f


def exists(t, fid):
    if fid is not None and fid not in t["folders"]:
        raise Status.not_found(f"no folder {fid}")


def children(t, parent):
    kids = [(i, f) for i, f in sorted(t["folders"].items()) if f.get("parent") == parent]
    return sorted(kids, key=lambda x: x[1]["name"].lower())


def item_count(t, fid):
    return (sum(1 for f in t["folders"].values() if f.get("parent") == fid)
            + sum(1 for f in t["placed"].values() if f == fid))


def media_in(t, fid):
    return [m for m, f in sorted(t["placed"].items()) if f == fid]


def chain(t, fid):
    out, cur = [], fid
    while cur is not None and cur in t["folders"] and len(out) <= len(t["folders"]):
        f = t["folders"][cur]
        out.append((cur, f["name"]))
        cur = f.get("parent")
    return out[::-1]


def create(t, name, parent):
    exists(t, parent)
    name = clean_name(name)
    t["next_id"] += 1
    fid = str(t["next_id"])
    t["folders"][fid] = {"name": name, "parent": parent}
    return fid


def delete(t, fid):
    gone = t["folders"].pop(fid, None)
    if gone is None:
        raise Status.not_found(f"no folder {fid}")
    parent = gone.get("parent")
    for f in t["folders"].values():
        if f.get("parent") == fid:
            f["parent"] = parent
    for m in media_in(t, fid):
        if parent is None:
            del t["placed"][m]
        else:
            t["placed"][m] = parent
    if t["current"] == fid:
        t["current"] = parent
    return gone


def move_folder(t, fid, parent):
    exists(t, fid)
    exists(t, parent)
    if parent is not None and any(c == fid for c, _ in chain(t, parent)):
        raise Status.invalid_argument("a folder cannot go inside itself")
    folder_of(t, fid)["parent"] = parent


def place(t, media, fid):
    exists(t, fid)
    if fid is None:
        t["placed"].pop(media, None)
    else:
        t["placed"][media] = fid


def share(t, fid, owner, grants):
    if any(u == owner for u, _ in grants):
        raise Status.invalid_argument("a folder is not shared with its owner")
    f = folder_of(t, fid)
    shared = dict(f.get("shared", {}))
    shared.update(grants)
    if len(shared) > MAX_SHARES:
        raise Status.invalid_argument(f"a folder is shared with at most {MAX_SHARES} users")
    f["shared"] = dict(sorted(shared.items()))


def unshare(t, fid, users):
    f = folder_of(t, fid)
    shared = f.get("shared", {})
    if users is None:
        gone = sorted(shared)
        shared = {}
    else:
        gone = [u for u in users if u in shared]
        shared = {u: r for u, r in shared.items() if u not in users}
    if shared:
        f["shared"] = shared
    else:
        f.pop("shared", None)
    return gone


def audience(t, fid):
    out = {}
    for c, _ in chain(t, fid):
        for u, r in t["folders"][c].get("shared", {}).items():
            out[u] = role_max(out.get(u, r), r)
    return dict(sorted(out.items()))


def role_in(t, fid, user):
    roles = [t["folders"][c].get("shared", {}).get(user) for c, _ in chain(t, fid)]
    roles = [r for r in roles if r]
    return max(roles, key=ROLES.index) if roles else None


def media_role(t, media, user):
    fid = t["placed"].get(media)
    return role_in(t, fid, user) if fid is not None else None


def shared_chain(t, fid, user):
    c = chain(t, fid)
    for i, (f, _) in enumerate(c):
        if user in t["folders"][f].get("shared", {}):
            return c[i:]
    return None


# ------------------------------------------------------------------------------ paths

def escape(s):
    return s.replace("%", "%25").replace("/", "%2F")


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "%" and s[i:i + 3] == "%25":
            out.append("%")
            i += 3
        elif s[i] == "%" and s[i:i + 3] in ("%2F", "%2f"):
            out.append("/")
            i += 3
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def parse(user, path):
    parts = [p for p in path.split("/") if p]
    own = ("tree", user.id, None, False)
    if len(parts) == 2 and parts[0] == "f":
        return ("tree", user.id, parts[1], False)
    if parts == ["shared"]:
        return ("shared_list",)
    if len(parts) == 3 and parts[0] == "shared":
        return ("shared", unescape(parts[1]), parts[2])
    if user.is_admin and parts == ["users"]:
        return ("users",)
    if user.is_admin and len(parts) == 2 and parts[0] == "users":
        return ("tree", parts[1], None, parts[1] != user.id)
    if user.is_admin and len(parts) == 4 and parts[0] == "users" and parts[2] == "f":
        return ("tree", parts[1], parts[3], parts[1] != user.id)
    return own


def tree_path(owner, other, folder):
    base = f"/users/{owner}" if other else ""
    if folder is not None:
        return f"{base}/f/{folder}"
    return base or "/"


def shared_path(owner, folder):
    return f"{SHARED}/{escape(owner)}/{folder}"


# ------------------------------------------------------------------------------ arguments

def text_arg(args, name):
    v = args.get(name)
    if not isinstance(v, str):
        raise Status.invalid_argument(f'argument "{name}" (text) is missing')
    return v


def folder_arg(args, name):
    v = args.get(name)
    if v is None or v in ("", "/"):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    raise Status.invalid_argument(f'argument "{name}" must be a folder id')


def shared_folder_arg(args):
    f = folder_arg(args, "folder") or folder_arg(args, "folder_id")
    if f is None:
        raise Status.invalid_argument('argument "folder" (a folder id) is missing')
    return f


def parse_role(v):
    if isinstance(v, str) and v.strip() in ROLES:
        return v.strip()
    raise Status.invalid_argument(f'a role is "viewer" or "commenter", not {v!r}')


def user_id_arg(v):
    if not isinstance(v, str):
        raise Status.invalid_argument('a user in "users" is not a user id')
    v = v.strip()
    if not v or any(is_control(c) for c in v):
        raise Status.invalid_argument(f"{v!r} is not a user id")
    return v


def user_entries(args):
    v = args.get("users")
    if isinstance(v, list):
        entries = v
    elif isinstance(v, str):
        entries = [p.strip() for p in v.split(",") if p.strip()]
    else:
        raise Status.invalid_argument('argument "users" (user ids, or [{"user_id", "role"}]) is missing')
    if len(entries) > MAX_SHARES:
        raise Status.invalid_argument(f"at most {MAX_SHARES} users at once")
    return entries


def grants_arg(args):
    default = "viewer" if args.get("role") is None else parse_role(args["role"])
    out = {}
    for e in user_entries(args):
        if isinstance(e, dict):
            if not isinstance(e.get("user_id"), str):
                raise Status.invalid_argument('each of "users" needs a "user_id" (text)')
            out[user_id_arg(e["user_id"])] = default if e.get("role") is None else parse_role(e["role"])
        else:
            out[user_id_arg(e)] = default
    if not out:
        raise Status.invalid_argument("name at least one user to share with")
    return sorted(out.items())


def user_ids_arg(args):
    if args.get("users") is None:
        return None
    out = set()
    for e in user_entries(args):
        out.add(user_id_arg(e.get("user_id", "") if isinstance(e, dict) else e))
    if not out:
        raise Status.invalid_argument(
            'name at least one user (or leave "users" out to stop sharing with everyone)')
    return sorted(out)


# ------------------------------------------------------------------------------ the store

class Docs:
    """JSON documents in the server's key-value store, one per id, cached: the plugin is the
    only writer of its store. A document never stored reads as `default()`."""

    def __init__(self, prefix, default, fix=lambda d: d):
        self.prefix, self.default, self.fix = prefix, default, fix
        self.cache, self.locks = {}, {}

    def _lock(self, key):
        return self.locks.setdefault(key, asyncio.Lock())

    async def _load(self, ctx, key):
        if key not in self.cache:
            got = await ctx.inbox.kv_get_json(self.prefix + key)
            self.cache[key] = self.fix(got if got is not None else self.default())
        return self.cache[key]

    async def read(self, ctx, key, f):
        async with self._lock(key):
            return f(await self._load(ctx, key))

    async def get(self, ctx, key):
        return await self.read(ctx, key, copy.deepcopy)

    async def update(self, ctx, key, f):
        """Changes the document under its lock and stores it; when `f` fails or the store
        refuses, the document stays as it was."""
        async with self._lock(key):
            after = copy.deepcopy(await self._load(ctx, key))
            r = f(after)
            await ctx.inbox.kv_set_json(self.prefix + key, after)
            self.cache[key] = after
            return r


def name_of(names, uid):
    return names.get(uid, uid)


def shared_title(name, aud, names):
    if not aud:
        return name
    who = [f"{name_of(names, u)} ({r})" for u, r in list(aud.items())[:TITLE_NAMES]]
    if len(aud) > TITLE_NAMES:
        who.append(f"and {len(aud) - TITLE_NAMES} more")
    return f"{name} · shared with {', '.join(who)}"


def own_folder(args, keys):
    for k in keys:
        if args.get(k) == SHARED_ID:
            raise Status.invalid_argument(
                "“Shared with me” lists what others shared with you: it is not one of your folders")


def verdict(req, role):
    if req.builtin_allowed:
        return allow()
    kind = req.object.kind if req.HasField("object") else ""
    action = req.action if kind == "media" else ""
    if action == "view" and role:
        return allow()
    if action == "comment" and role == "commenter":
        return allow()
    if action == "comment" and role == "viewer":
        return deny("this media is in a folder shared with you to watch: ask its owner to make you a commenter")
    return builtin(req)


class BasicFolders(Organizer):
    name = "basic_folders"
    version = "0.2.0"

    def __init__(self):
        self.trees = Docs("folders/", new_tree, fix_tree)
        self.shared_with = Docs("shared_with/", lambda: {"folders": []})
        self.sharing = asyncio.Lock()

    async def names(self, ctx, ids):
        return {u.id: u.name for u in await ctx.inbox.users_by_id(list(ids))}

    # --------------------------------------------------------------- sharing

    async def confirmed(self, ctx, at, user):
        def look(t):
            f = t["folders"].get(at["folder"])
            if f is not None and user in f.get("shared", {}):
                return f["name"], item_count(t, at["folder"])
            return None
        return await self.trees.read(ctx, at["owner"], look)

    async def shared_entries(self, ctx, user):
        index = await self.shared_with.get(ctx, user)
        out, stale = [], []
        for at in index["folders"]:
            got = await self.confirmed(ctx, at, user)
            if got:
                out.append((at, got[0], got[1]))
            else:
                stale.append(at)
        if stale:
            async with self.sharing:
                gone = [at for at in stale if not await self.confirmed(ctx, at, user)]
                await self.shared_with.update(
                    ctx, user, lambda s: s.__setitem__("folders", [f for f in s["folders"] if f not in gone]))
        return out

    @staticmethod
    def index_add(at):
        def f(s):
            if at not in s["folders"]:
                s["folders"].append(at)
                s["folders"].sort(key=lambda x: (x["owner"], x["folder"]))
        return f

    async def share(self, ctx, by, owner, folder, grants):
        known = {u.id for u in await ctx.inbox.users_by_id([u for u, _ in grants])}
        unknown = [u for u, _ in grants if u not in known]
        if unknown:
            raise Status.not_found(
                f"no user {', '.join(unknown)} (a user can be shared with once they have signed in)")
        async with self.sharing:
            # Tried on a copy first: the index must not list a share the tree then refuses.
            await self.trees.read(ctx, owner, lambda t: share(copy.deepcopy(t), folder, owner, grants))
            at = {"owner": owner, "folder": folder}
            for u, _ in grants:
                await self.shared_with.update(ctx, u, self.index_add(at))

            def do(t):
                before = dict(t["folders"].get(folder, {}).get("shared", {}))
                share(t, folder, owner, grants)
                return before, t["folders"][folder]["name"]
            before, name = await self.trees.update(ctx, owner, do)
        for u, role in grants:
            if before.get(u) == role:
                continue
            what = "to watch" if role == "viewer" else "to watch and comment on"
            try:
                await ctx.inbox.send_user_message(u, f"{by.name} shared the folder “{name}” with you {what}.")
                await ctx.inbox.refresh_user(u)
            except Status:
                pass  # telling is a courtesy: the share is made whether or not it reaches them
        return await self.sharing_of(ctx, owner, folder)

    async def unshare(self, ctx, owner, folder, users):
        async with self.sharing:
            gone = await self.trees.update(ctx, owner, lambda t: unshare(t, folder, users))
            await self.forget(ctx, owner, folder, gone)
        return await self.sharing_of(ctx, owner, folder)

    async def forget(self, ctx, owner, folder, users):
        at = {"owner": owner, "folder": folder}
        for u in users:
            try:
                await self.shared_with.update(
                    ctx, u, lambda s: s.__setitem__("folders", [f for f in s["folders"] if f != at]))
                await ctx.inbox.refresh_user(u)
            except Status as e:
                log.warning("cannot update the shared-with index of %s: %s", u, e)

    async def sharing_of(self, ctx, owner, folder):
        def look(t):
            exists(t, folder)
            return dict(t["folders"][folder].get("shared", {})), audience(t, folder)
        direct, aud = await self.trees.read(ctx, owner, look)
        names = await self.names(ctx, aud)

        def listing(m):
            return [{"user_id": u, "user_name": name_of(names, u), "role": r} for u, r in sorted(m.items())]
        return {"folder": folder, "users": listing(direct), "audience": listing(aud)}

    # --------------------------------------------------------------- pages

    async def user_page(self, ctx, user, path):
        loc = parse(user, path)
        if loc[0] == "users":
            return await self.users_page(ctx)
        if loc[0] == "tree":
            return await self.tree_page(ctx, user, loc[1], loc[2], loc[3])
        if loc[0] == "shared_list":
            return await self.shared_list_page(ctx, user)
        return await self.shared_page(ctx, user, loc[1], loc[2])

    async def users_page(self, ctx):
        page = Page("/users", "Users").crumb("Users", "/users")
        for u in await ctx.inbox.users():
            items = len(await ctx.inbox.media_by_owner(u.id))
            page.folder(u.id, f"{u.name} ({u.id})", f"/users/{u.id}", items)
        return page

    async def tree_page(self, ctx, viewer, owner, folder, other):
        tree = await self.trees.get(ctx, owner)
        if folder not in tree["folders"]:
            folder = None  # gone (deleted in another tab): the top level instead
        if not other and tree["current"] != folder:
            def cur(t):
                t["current"] = folder
                return copy.deepcopy(t)
            tree = await self.trees.update(ctx, owner, cur)
        aud = audience(tree, folder) if folder else {}
        names = await self.names(ctx, aud) if aud else {}
        if folder:
            title = shared_title(tree["folders"][folder]["name"], aud, names)
        else:
            title = f"{owner}'s media" if other else "My media"
        page = Page(tree_path(owner, other, folder), title)
        if viewer.is_admin:
            page.crumb("Users", "/users")
        page.crumb(owner if other else "My media", tree_path(owner, other, None))
        if folder:
            for fid, name in chain(tree, folder):
                page.crumb(name, tree_path(owner, other, fid))
        if folder is None and not other:
            shared = await self.shared_entries(ctx, owner)
            if shared:
                page.folder(SHARED_ID, "Shared with me", SHARED, len(shared))
        for fid, f in children(tree, folder):
            page.folder(fid, f["name"], tree_path(owner, other, fid), item_count(tree, fid))
        if folder:
            page.media_ids = media_in(tree, folder)
        else:
            page.media_ids = [m.id for m in await ctx.inbox.media_by_owner(owner) if m.id not in tree["placed"]]
        own_actions(page, tree, owner, folder, names)
        return page

    async def shared_list_page(self, ctx, user):
        entries = await self.shared_entries(ctx, user.id)
        owners = await self.names(ctx, {at["owner"] for at, _, _ in entries})
        entries.sort(key=lambda e: (name_of(owners, e[0]["owner"]).lower(), e[1].lower(),
                                    e[0]["owner"], e[0]["folder"]))
        page = Page(SHARED, "Shared with me").crumb("My media", "/").crumb("Shared with me", SHARED)
        for at, name, items in entries:
            page.folder(at["folder"], f"{name} ({name_of(owners, at['owner'])})",
                        shared_path(at["owner"], at["folder"]), items)
        return page

    async def shared_page(self, ctx, user, owner, folder):
        tree = await self.trees.get(ctx, owner)
        c = shared_chain(tree, folder, user.id) if folder in tree["folders"] else None
        if c is None:
            return await self.shared_list_page(ctx, user)
        owners = await self.names(ctx, [owner])
        role = role_in(tree, folder, user.id) or "viewer"
        title = f"{c[-1][1]} · shared by {name_of(owners, owner)} ({role})"
        page = Page(shared_path(owner, folder), title).crumb("My media", "/").crumb("Shared with me", SHARED)
        for fid, name in c:
            page.crumb(name, shared_path(owner, fid))
        for fid, f in children(tree, folder):
            page.folder(fid, f["name"], shared_path(owner, fid), item_count(tree, fid))
        page.media_ids = media_in(tree, folder)
        return page

    # --------------------------------------------------------------- authorization and events

    async def authorize(self, ctx, req):
        if not req.HasField("user") or not req.HasField("object"):
            return builtin(req)
        if req.builtin_allowed or req.object.kind != "media" or req.action not in ("view", "comment"):
            return verdict(req, None)
        try:
            role = await self.trees.read(ctx, req.object.owner_id, lambda t: media_role(t, req.object.id, req.user.id))
        except Status as e:
            log.warning("cannot read the folder tree of %s: %s", req.object.owner_id, e)
            return builtin(req)  # not knowing the tree, grant nothing more than the server would
        return verdict(req, role)

    async def on_event(self, ctx, event):
        kind = event.WhichOneof("kind")
        if kind == "media_added":
            m = event.media_added.media

            def land(t):
                cur = t["current"]
                if cur is not None and cur in t["folders"]:
                    t["placed"][m.id] = cur
            await self.trees.update(ctx, m.owner_id, land)
        elif kind == "media_deleted":
            d = event.media_deleted
            await self.trees.update(ctx, d.owner_id, lambda t: t["placed"].pop(d.media_id, None))

    # --------------------------------------------------------------- commands

    async def command(self, ctx, user, name, args, path):
        args = args if isinstance(args, dict) else {}
        owner = args.get("owner") if isinstance(args.get("owner"), str) else user.id
        if owner != user.id and not user.is_admin:
            raise Status.permission_denied("only admins manage other users' folders")
        own_folder(args, ("folder", "folder_id", "parent"))
        done = CommandOutcome.refreshed
        if name == "create_folder":
            n, parent = text_arg(args, "name"), folder_arg(args, "parent")
            return done({"id": await self.trees.update(ctx, owner, lambda t: create(t, n, parent))})
        if name == "rename_folder":
            f, n = text_arg(args, "folder"), text_arg(args, "name")
            n = clean_name(n)
            await self.trees.update(ctx, owner, lambda t: folder_of(t, f).__setitem__("name", n))
            return done(None)
        if name == "delete_folder":
            f = text_arg(args, "folder")
            async with self.sharing:
                gone = await self.trees.update(ctx, owner, lambda t: delete(t, f))
                await self.forget(ctx, owner, f, sorted(gone.get("shared", {})))
            return done(None)
        if name == "move_folder":
            f, parent = text_arg(args, "folder"), folder_arg(args, "parent")
            await self.trees.update(ctx, owner, lambda t: move_folder(t, f, parent))
            return done(None)
        if name == "move_media":
            m = args.get("media")
            if isinstance(m, str):
                ids = [m]
            elif isinstance(m, list):
                ids = [x for x in m if isinstance(x, str)]
            else:
                raise Status.invalid_argument('argument "media" (an id or a list of ids) is missing')
            folder = folder_arg(args, "folder")
            found = await ctx.inbox.media(ids)
            if len(found) != len(ids) or any(x.owner_id != owner for x in found):
                raise Status.not_found(f"not all of that media belongs to {owner}")

            def put(t):
                for i in ids:
                    place(t, i, folder)
            await self.trees.update(ctx, owner, put)
            if owner != user.id:
                await ctx.inbox.refresh_user(owner)
            return done({"moved": len(ids)})
        if name == "set_current":
            folder = folder_arg(args, "folder")

            def cur(t):
                exists(t, folder)
                t["current"] = folder
            await self.trees.update(ctx, owner, cur)
            return CommandOutcome.value(None)
        if name == "share_folder":
            f, grants = shared_folder_arg(args), grants_arg(args)
            return done(await self.share(ctx, user, owner, f, grants))
        if name == "unshare_folder":
            f, users = shared_folder_arg(args), user_ids_arg(args)
            return done(await self.unshare(ctx, owner, f, users))
        if name == "folder_sharing":
            return CommandOutcome.value(await self.sharing_of(ctx, owner, shared_folder_arg(args)))
        raise Status.unimplemented(f"basic_folders has no command {name!r}")


def own_actions(page, tree, owner, folder, names):
    o = {"owner": owner}
    page.action(Scope.PAGE, "create_folder", "New folder", {"owner": owner, "parent": folder}, ["name"])
    page.action(Scope.FOLDER, "rename_folder", "Rename", o, ["name"])
    page.action(Scope.FOLDER, "delete_folder", "Delete folder", o)
    page.action(Scope.FOLDER, "share_folder", "Share to watch…", {"owner": owner, "role": "viewer"}, ["users"])
    page.action(Scope.FOLDER, "share_folder", "Share to comment…", {"owner": owner, "role": "commenter"}, ["users"])
    page.action(Scope.FOLDER, "unshare_folder", "Stop sharing with…", o, ["users"])
    page.action(Scope.MEDIA, "move_media", "Move to folder", o, ["folder"])
    if folder is None:
        return
    parent = tree["folders"][folder].get("parent")
    page.action(Scope.MEDIA, "move_media", "Move up", {"owner": owner, "folder": parent})
    for role, label in (("viewer", "Share this folder to watch…"), ("commenter", "Share this folder to comment…")):
        page.action(Scope.PAGE, "share_folder", label, {"owner": owner, "folder": folder, "role": role}, ["users"])
    for u, r in sorted(tree["folders"][folder].get("shared", {}).items()):
        page.action(Scope.PAGE, "unshare_folder", f"Stop sharing with {name_of(names, u)} ({r})",
                    {"owner": owner, "folder": folder, "users": [u]})


if __name__ == "__main__":
    run(BasicFolders())
