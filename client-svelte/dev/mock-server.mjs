// A small stand-in for dailies-server, for working on the client without the Rust
// server (and for checking the e2e flow against features main does not have yet).
// It follows protocol.ts; the real server is the authority. Usage:
//   node dev/mock-server.mjs [--port 8095] [--web-root dist] [--demo]
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer } from 'ws';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const PORT = Number(arg('--port', '8095'));
const WEB_ROOT = arg('--web-root', null) && resolve(arg('--web-root'));
const DEMO = process.argv.includes('--demo');
const DATA = mkdtempSync(join(tmpdir(), 'dailies-mock-'));

const SEED_MEDIA = Number(arg('--seed-media', '0'));
const SEED_COMMENTS = Number(arg('--seed-comments', '0'));
const media = new Map(); // id -> MediaInfo
const rooms = new Map(); // id -> { seq, log: [{seq, event}], comments: Map, collab, members: Map<sessionId, member> }
const sockets = new Set();
let nextComment = 1;
// The team review fields (docs/sharing.md); the mock has no sharing or guest routes.
const NEW_REVIEW = { review_status: 'needs_review', link_access: 'comment' };
const OPEN_NOTE = { guest: false, resolved_by: null, resolved_by_name: null, resolved_at: null };
let nextSession = 1;

function who(req) {
  if (DEMO) return { id: 'demo', name: 'Demo', is_admin: true };
  const id = req.headers['x-remote-user-id'];
  if (!id) return null;
  return { id: String(id), name: String(req.headers['x-remote-user-name'] ?? id), is_admin: id === 'bob' };
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function room(id) {
  let r = rooms.get(id);
  if (!r) {
    r = {
      seq: 0,
      log: [],
      comments: new Map(),
      members: new Map(),
      /** What the members were last told of each other (session id -> JSON), for deltas. */
      told: new Map(),
      collab: { active: false, leader: null, playing: false, frame: 0, at_server_time: Date.now(), rate: 1, loop_range: null, version: 0, locked: false },
    };
    rooms.set(id, r);
    // Load testing: many comments (a fifth of them replies) spread over the clip.
    const frames = media.get(id)?.frame_count ?? 100;
    for (let i = 0; i < SEED_COMMENTS; i++) {
      const parent = i % 5 === 4 ? nextComment - 1 : null;
      const c = {
        id: nextComment++, media_id: id, parent_id: parent, user_id: i % 3 ? 'carol' : 'dave', user_name: i % 3 ? 'Carol' : 'Dave',
        text: `Seeded note ${i}: ${'the grade drifts warm here; '.repeat(1 + (i % 4))}`, frame: Math.floor((i * 7919) % frames),
        end_frame: null, drawing: null, created_at: new Date().toISOString(), edited_at: null, deleted: false, ...OPEN_NOTE,
      };
      r.comments.set(c.id, c);
    }
  }
  return r;
}

function broadcast(mediaId, msg) {
  const text = JSON.stringify(msg);
  for (const s of sockets) if (s.rooms.has(mediaId)) s.send(text);
}
function toOwner(m, msg) {
  const text = JSON.stringify(msg);
  for (const s of sockets) if (s.user.id === m.owner_id || s.user.is_admin) s.send(text);
}
function roomEvent(mediaId, event) {
  const r = room(mediaId);
  r.seq += 1;
  r.log.push({ seq: r.seq, event });
  broadcast(mediaId, { type: 'room_event', media_id: mediaId, seq: r.seq, event });
}
/** Protocol 2: what changed among the members since they were last told (no list limit here). */
function presence(mediaId) {
  const r = room(mediaId);
  const changes = [];
  for (const sid of r.told.keys()) if (!r.members.has(sid)) changes.push({ type: 'member_left', session_id: sid });
  for (const [sid, m] of r.members) {
    const was = r.told.get(sid);
    if (was === undefined) changes.push({ type: 'member_joined', member: m });
    else if (was !== JSON.stringify(m)) changes.push({ type: 'member_changed', member: m });
  }
  r.told = new Map([...r.members].map(([sid, m]) => [sid, JSON.stringify(m)]));
  if (changes.length) broadcast(mediaId, { type: 'presence_delta', media_id: mediaId, changes, member_count: r.members.size });
}

const PAGE = 100;
const EVENTS_PAGE = 200;
/** The page of comments older than `before` (all when null), newest first, and the next cursor. */
function commentPage(r, before) {
  const older = [...r.comments.values()].filter((c) => before == null || c.id < before).sort((a, b) => b.id - a.id);
  const page = older.slice(0, PAGE);
  return { comments: page, before: older.length > PAGE ? page[page.length - 1].id : null };
}
/** The catch-up page after `seq`; `more` asks the client to acknowledge it. */
function eventPage(r, seq) {
  const rest = r.log.filter((e) => e.seq > seq);
  return { events: rest.slice(0, EVENTS_PAGE), more: rest.length > EVENTS_PAGE };
}
function collab(mediaId) {
  const r = room(mediaId);
  r.collab.version += 1;
  for (const m of r.members.values()) m.leader = m.session_id === r.collab.leader;
  broadcast(mediaId, { type: 'collab', media_id: mediaId, state: r.collab });
}

function probe(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,nb_frames,codec_name:format=duration', '-of', 'json', file]);
  const j = JSON.parse(out.toString());
  const s = j.streams?.[0] ?? {};
  const [num, den] = (s.r_frame_rate ?? '25/1').split('/').map(Number);
  return { width: s.width, height: s.height, num, den, frames: Number(s.nb_frames) || null, duration: Number(j.format?.duration) || null, codec: s.codec_name };
}

async function ingest(id, file) {
  const m = media.get(id);
  const dir = join(DATA, id);
  for (const [p, stage] of [[0.2, 'probe'], [0.5, 'proxy'], [0.8, 'thumbnails']]) {
    await new Promise((r) => setTimeout(r, 300));
    m.progress = p;
    toOwner(m, { type: 'media_progress', media_id: id, progress: p, stage });
  }
  try {
    const p = probe(file);
    const cols = 5;
    const rows = 4;
    const n = cols * rows;
    const fpsSheet = n / Math.max(0.1, p.duration ?? 1);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(Math.min(1, (p.duration ?? 0) / 2)), '-i', file, '-frames:v', '1', '-vf', 'scale=320:-2', join(dir, 'thumb.jpg')]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-vf', `fps=${fpsSheet},scale=160:120,tile=${cols}x${rows}`, '-frames:v', '1', join(dir, 'sheet.jpg')]);
    Object.assign(m, {
      status: 'ready', kind: 'video', duration: p.duration, fps: p.num / p.den, fps_rational: { num: p.num, den: p.den },
      frame_count: p.frames, width: p.width, height: p.height, video_codec: p.codec, audio_codec: 'aac',
      playback_url: `/files/${id}/original.mp4`, thumb_url: `/files/${id}/thumb.jpg`, progress: null,
      sheet: { url: `/files/${id}/sheet.jpg`, columns: cols, rows, tile_width: 160, tile_height: 120, times: Array.from({ length: n }, (_, i) => i / fpsSheet) },
    });
  } catch (e) {
    Object.assign(m, { status: 'failed', error: `ffprobe could not read the file: ${String(e.message).split('\n')[0]}`, progress: null });
  }
  toOwner(m, { type: 'media_updated', media: m });
}

const inboxes = new Map(); // user id -> UserMessage[]
let nextMessage = 1;
function inbox(userId) {
  if (!inboxes.has(userId)) inboxes.set(userId, []);
  return inboxes.get(userId);
}
function notify(userId, fields) {
  const message = { id: nextMessage++, seen: false, created_at: new Date().toISOString(), media_id: null, comment_id: null, ...fields };
  inbox(userId).push(message);
  const text = JSON.stringify({ type: 'user_message_added', message });
  for (const s of sockets) if (s.user.id === userId) s.send(text);
}

function newId() {
  const id = Math.random().toString(36).slice(2, 12);
  mkdirSync(join(DATA, id));
  return id;
}

function addMedia(id, user, name, file) {
  const info = {
    id, title: name.replace(/\.[^.]+$/, ''), owner_id: user.id, status: 'processing', error: null, kind: null, duration: null,
    fps: null, fps_rational: null, frame_count: null, width: null, height: null, video_codec: null, audio_codec: null,
    playback_url: null, thumb_url: null, sheet: null, progress: 0, created_at: new Date().toISOString(), ...NEW_REVIEW,
  };
  media.set(id, info);
  toOwner(info, { type: 'media_updated', media: info });
  void ingest(id, file);
}

// tus 1.0 (creation, termination): enough for tus-js-client, resumable across drops.
const tusUploads = new Map(); // id -> { length, offset, name, user }
function tus(req, res, user, id) {
  const h = { 'Tus-Resumable': '1.0.0', 'Cache-Control': 'no-store' };
  if (req.method === 'OPTIONS') return res.writeHead(204, { ...h, 'Tus-Version': '1.0.0', 'Tus-Extension': 'creation,termination' }).end();
  if (req.method === 'POST' && !id) {
    const meta = Object.fromEntries(
      String(req.headers['upload-metadata'] ?? '').split(',').filter(Boolean).map((kv) => {
        const [k, v = ''] = kv.trim().split(' ');
        return [k, Buffer.from(v, 'base64').toString()];
      }),
    );
    const uid = newId();
    tusUploads.set(uid, { length: Number(req.headers['upload-length']), offset: 0, name: meta.filename ?? 'upload', user });
    writeFileSync(join(DATA, uid, 'original.mp4'), '');
    req.resume();
    return res.writeHead(201, { ...h, Location: `/api/tus/${uid}` }).end();
  }
  const up = tusUploads.get(id);
  if (!up || up.user.id !== user.id) return res.writeHead(404, h).end();
  if (req.method === 'HEAD') return res.writeHead(200, { ...h, 'Upload-Offset': up.offset, 'Upload-Length': up.length }).end();
  if (req.method === 'DELETE') {
    tusUploads.delete(id);
    return res.writeHead(204, h).end();
  }
  if (req.method === 'PATCH') {
    if (Number(req.headers['upload-offset']) !== up.offset) return res.writeHead(409, h).end();
    const out = createWriteStream(join(DATA, id, 'original.mp4'), { flags: 'a' });
    req.on('data', (c) => (up.offset += c.length));
    req.pipe(out);
    out.on('finish', () => {
      const extra = {};
      if (up.offset >= up.length) {
        tusUploads.delete(id);
        addMedia(id, user, up.name, join(DATA, id, 'original.mp4'));
        extra['X-Media-Id'] = id;
      }
      res.writeHead(204, { ...h, 'Upload-Offset': up.offset, ...extra }).end();
    });
    return;
  }
  return res.writeHead(405, h).end();
}

function serveFile(req, res, path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return json(res, 404, { error: 'not_found', message: 'no such file' });
  }
  const type = { '.mp4': 'video/mp4', '.jpg': 'image/jpeg', '.webp': 'image/webp' }[extname(path)] ?? 'application/octet-stream';
  const range = /bytes=(\d*)-(\d*)/.exec(req.headers.range ?? '');
  if (range) {
    const start = range[1] ? Number(range[1]) : 0;
    const end = range[2] ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
    res.writeHead(206, { 'Content-Type': type, 'Content-Range': `bytes ${start}-${end}/${st.size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
    createReadStream(path, { start, end }).pipe(res);
  } else {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': st.size, 'Accept-Ranges': 'bytes' });
    createReadStream(path).pipe(res);
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  if (path === '/api/health') return json(res, 200, { status: 'ok', version: 'mock' });
  if (path.startsWith('/api/') || path.startsWith('/files/')) {
    const user = who(req);
    if (!user) return json(res, 401, { error: 'unauthorized', message: 'no identity' });
    const visible = (m) => m && (m.owner_id === user.id || user.is_admin);
    if (path === '/api/media' && req.method === 'GET') {
      return json(res, 200, [...media.values()].filter(visible).sort((a, b) => b.created_at.localeCompare(a.created_at)));
    }
    let m = /^\/api\/media\/([^/]+)$/.exec(path);
    if (m) {
      const item = media.get(m[1]);
      if (!visible(item)) return json(res, 404, { error: 'not_found', message: 'no such media' });
      if (req.method === 'GET') return json(res, 200, item);
      if (req.method === 'DELETE') {
        media.delete(item.id);
        broadcast(item.id, { type: 'room_closed', media_id: item.id, reason: 'deleted' });
        toOwner(item, { type: 'media_removed', media_id: item.id });
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'PATCH') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          item.title = JSON.parse(body).title;
          roomEvent(item.id, { kind: 'media_renamed', title: item.title });
          toOwner(item, { type: 'media_updated', media: item });
          json(res, 200, item);
        });
        return;
      }
    }
    if (path === '/api/upload' && req.method === 'POST') {
      const id = newId();
      const file = join(DATA, id, 'original.mp4');
      const out = createWriteStream(file);
      req.pipe(out);
      out.on('finish', () => {
        addMedia(id, user, decodeURIComponent(String(req.headers['x-file-name'] ?? 'upload')), file);
        json(res, 201, { id });
      });
      return;
    }
    if (path.startsWith('/api/tus/')) return tus(req, res, user, path.slice('/api/tus/'.length));
    m = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
    if (m && visible(media.get(m[1]))) return serveFile(req, res, join(DATA, m[1], m[2]));
    return json(res, 404, { error: 'not_found', message: 'no such API route' });
  }
  if (!WEB_ROOT) return json(res, 404, { error: 'not_found', message: 'no web root' });
  const file = normalize(join(WEB_ROOT, path === '/' ? 'index.html' : path));
  let body;
  try {
    body = readFileSync(file.startsWith(WEB_ROOT) ? file : join(WEB_ROOT, 'index.html'));
  } catch {
    body = readFileSync(join(WEB_ROOT, 'index.html'));
    return res.writeHead(200, { 'Content-Type': 'text/html' }).end(body);
  }
  const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, { 'Content-Type': type }).end(body);
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const user = who(req);
  if (!user || !req.url?.startsWith('/api/ws')) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.user = user;
    ws.id = nextSession++;
    ws.rooms = new Set();
    sockets.add(ws);
    const send = (msg) => ws.send(JSON.stringify(msg));
    send({ type: 'welcome', protocol_version: 2, server_version: 'mock', user });
    ws.on('close', () => {
      sockets.delete(ws);
      for (const id of ws.rooms) {
        const r = room(id);
        r.members.delete(ws.id);
        if (r.collab.leader === ws.id) {
          r.collab.leader = [...r.members.values()].find((x) => x.in_session)?.session_id ?? null;
          r.collab.active = r.collab.leader != null;
          collab(id);
        }
        presence(id);
      }
    });
    ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return send({ type: 'error', code: 'bad_message', message: 'not JSON', request: null });
      }
      const id = msg.media_id;
      const r = id ? room(id) : null;
      const me = r?.members.get(ws.id);
      switch (msg.type) {
        case 'ping':
          return send({ type: 'pong', client_time: msg.client_time, server_time: Date.now() });
        case 'list_media':
          return send({ type: 'media_list', items: [...media.values()].filter((m) => m.owner_id === user.id || user.is_admin) });
        case 'list_messages': {
          const items = inbox(user.id);
          return send({ type: 'user_messages', items: [...items].reverse(), unseen: items.filter((m) => !m.seen).length });
        }
        case 'mark_messages_seen': {
          const items = inbox(user.id);
          for (const m of items) if (msg.ids.includes(m.id)) m.seen = true;
          return send({ type: 'messages_seen', ids: msg.ids, unseen: items.filter((m) => !m.seen).length });
        }
        case 'join_room': {
          const m = media.get(id);
          if (!m) return send({ type: 'error', code: 'not_found', message: 'no such media', request: 'join_room' });
          ws.rooms.add(id);
          r.members.set(ws.id, { session_id: ws.id, user_id: user.id, user_name: user.name, in_session: false, leader: false });
          const catchUp = msg.since_seq != null && msg.since_seq <= r.seq;
          const page = catchUp ? null : commentPage(r, null);
          send({ type: 'room_joined', media: m, comments: page?.comments ?? null, comments_before: page?.before ?? null, resync: false,
            members: [...r.members.values()], member_count: r.members.size, collab: r.collab, seq: r.seq, session_id: ws.id,
            // No sharing here: the owner and admins manage, everyone else comments.
            access: m.owner_id === user.id || user.is_admin ? 'manage' : 'comment' });
          // Unlike the real server, live events are not held back during the catch-up.
          if (catchUp) send({ type: 'room_events', media_id: id, ...eventPage(r, msg.since_seq) });
          return presence(id);
        }
        case 'room_events_ack':
          return send({ type: 'room_events', media_id: id, ...eventPage(r, msg.seq) });
        case 'load_comments': {
          const page = commentPage(r, msg.before);
          return send({ type: 'comments_page', media_id: id, comments: page.comments, before: page.before });
        }
        case 'leave_room':
          ws.rooms.delete(id);
          r.members.delete(ws.id);
          return presence(id);
        case 'add_comment': {
          const c = {
            id: nextComment++, media_id: id, parent_id: msg.parent_id, user_id: user.id, user_name: user.name, text: msg.text,
            frame: msg.frame, end_frame: msg.end_frame, drawing: msg.drawing, created_at: new Date().toISOString(), edited_at: null, deleted: false,
            ...OPEN_NOTE,
          };
          r.comments.set(c.id, c);
          roomEvent(id, { kind: 'comment_added', comment: c, client_ref: msg.client_ref });
          const parent = c.parent_id != null ? r.comments.get(c.parent_id) : null;
          if (parent && parent.user_id !== user.id) notify(parent.user_id, { kind: 'reply', media_id: id, comment_id: c.id, text: `${user.name} replied: ${c.text.slice(0, 120)}` });
          return;
        }
        case 'edit_comment':
        case 'delete_comment': {
          for (const [mid, rr] of rooms) {
            const c = rr.comments.get(msg.comment_id);
            if (!c) continue;
            if (c.user_id !== user.id) return send({ type: 'error', code: 'forbidden', message: 'not your comment', request: msg.type });
            if (msg.type === 'edit_comment') {
              Object.assign(c, { text: msg.text, drawing: msg.drawing, edited_at: new Date().toISOString() });
              return roomEvent(mid, { kind: 'comment_edited', comment: c });
            }
            rr.comments.delete(c.id);
            return roomEvent(mid, { kind: 'comment_deleted', comment_id: c.id, comment: null });
          }
          return send({ type: 'error', code: 'not_found', message: 'no such comment', request: msg.type });
        }
        case 'resolve_comment': {
          for (const [mid, rr] of rooms) {
            const c = rr.comments.get(msg.comment_id);
            if (!c || c.parent_id != null) continue;
            const at = msg.resolved ? new Date().toISOString() : null;
            Object.assign(c, { resolved_by: at && user.id, resolved_by_name: at && user.name, resolved_at: at });
            return roomEvent(mid, { kind: 'comment_resolved', comment: c });
          }
          return send({ type: 'error', code: 'not_found', message: 'no such note', request: msg.type });
        }
        case 'session_join':
          if (!me) return;
          me.in_session = true;
          if (!r.collab.active) Object.assign(r.collab, { active: true, leader: ws.id, at_server_time: Date.now() });
          collab(id);
          return presence(id);
        case 'session_leave':
          if (!me) return;
          me.in_session = false;
          if (r.collab.leader === ws.id) {
            r.collab.leader = [...r.members.values()].find((x) => x.in_session)?.session_id ?? null;
            r.collab.active = r.collab.leader != null;
            collab(id);
          }
          return presence(id);
        case 'session_control': {
          if (!me?.in_session) return send({ type: 'error', code: 'forbidden', message: 'join the session first', request: 'session_control' });
          const c = msg.control;
          const st = r.collab;
          const now = Date.now();
          // Whoever drives, leads (as the real server does).
          st.leader = ws.id;
          if (c.action === 'play') Object.assign(st, { playing: true, frame: c.frame, at_server_time: now + 150 });
          else if (c.action === 'pause' || c.action === 'seek') {
            Object.assign(st, { playing: c.action === 'seek' ? st.playing : false, frame: c.frame, at_server_time: now });
          } else if (c.action === 'rate') Object.assign(st, { rate: c.rate });
          else if (c.action === 'loop') st.loop_range = c.range;
          collab(id);
          return presence(id);
        }
        case 'live_stroke':
          return broadcast(id, { type: 'live_stroke', media_id: id, session_id: ws.id, user_id: user.id, shape: msg.shape });
        case 'live_clear':
          return broadcast(id, { type: 'live_clear', media_id: id, session_id: ws.id, all: !!msg.all });
        default:
          return send({ type: 'error', code: 'bad_message', message: `${msg.type} is not available in the mock`, request: msg.type });
      }
    });
  });
});

for (let i = 0; i < SEED_MEDIA; i++) {
  const id = `seed${i}`;
  media.set(id, {
    id, title: `Shot ${String(i).padStart(4, '0')} — comp v${1 + (i % 7)}`, owner_id: DEMO ? 'demo' : 'alice',
    status: i % 50 === 3 ? 'failed' : i % 40 === 5 ? 'processing' : 'ready', error: i % 50 === 3 ? 'ffprobe found no video or audio stream' : null,
    kind: 'video', duration: 4 + (i % 90), fps: 25, fps_rational: { num: 25, den: 1 }, frame_count: 100, width: 1920, height: 1080,
    video_codec: 'h264', audio_codec: 'aac', playback_url: null, thumb_url: null, sheet: null, progress: i % 40 === 5 ? 0.4 : null,
    created_at: new Date(Date.now() - i * 60000).toISOString(), ...NEW_REVIEW,
  });
}

server.listen(PORT, '127.0.0.1', () => console.log(`mock dailies on http://127.0.0.1:${PORT} (data ${DATA})`));
writeFileSync(join(DATA, '.mock'), '');
