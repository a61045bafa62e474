#!/usr/bin/env node
// Browser seek and step latency on proxies made with different keyframe intervals
// (issue 18, part 5: choosing the default `[transcode] keyframe_interval`).
//
// For each interval a dailies-server in demo mode makes a proxy of the same source; then
// headless Chromium opens a <video muted preload=auto> of each proxy, served with the page
// by that same server (same origin), and times random seeks and single frame steps from
// setting `currentTime` until requestVideoFrameCallback reports the target frame. The runs
// are interleaved (round 1: every interval, round 2: every interval, ...) so a change in the
// machine's load falls on every setting alike.
//
//   node scripts/bench-seek.mjs [--intervals 2,1,0.5,0.2] [--rounds 2] [--seeks 100]
//     [--steps 100] [--seed 18] [--source clip.mov] [--work DIR] [--bin PATH] [--json out.json]
//
// With --gops 1,2,5,10 it compares instead browser-ready originals against their scrub
// proxies (`[transcode] scrub_proxy_above`): for each GOP length (seconds) a 1080p25 H.264
// MP4 of --secs seconds with that keyframe interval is made, uploaded to one server that
// makes a scrub proxy of every original above 0.6 s, and both the original (as the server
// plays it) and its scrub proxy are timed; the cost of measuring the GOP is printed too.
//
// Without --source a 60 s 1080p25 MPEG-4 .mov (testsrc2 with temporal noise, so every
// frame differs) is made in the work dir. The server binary defaults to
// target/release/dailies-server; playwright-core comes from client-svelte/node_modules.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'client-svelte', 'package.json'));
const { chromium } = require('playwright-core');

// ---- options --------------------------------------------------------------------------
const opts = {
  intervals: '2,1,0.5,0.2',
  rounds: '2',
  seeks: '100',
  steps: '100',
  seed: '18',
  source: '',
  work: '',
  bin: join(repo, 'target/release/dailies-server'),
  json: '',
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  keep: '',
  gops: '',
  secs: '30',
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  const k = a.slice(2);
  if (!(k in opts)) throw new Error(`unknown option ${a}`);
  opts[k] = k === 'keep' ? '1' : process.argv[++i];
}
const gops = opts.gops ? opts.gops.split(',').map(Number) : [];
// Rows of the report: keyframe intervals of proxies, or originals and scrub proxies by GOP.
const intervals = gops.length ? gops.flatMap((g) => [`orig-${g}s`, `scrub-${g}s`]) : opts.intervals.split(',').map(Number);
const rounds = Number(opts.rounds);
const nSeeks = Number(opts.seeks);
const nSteps = Number(opts.steps);
const seed = Number(opts.seed);
if (!existsSync(opts.bin)) throw new Error(`${opts.bin} is missing: cargo build --release -p dailies-server`);
const work = opts.work || mkdtempSync(join(tmpdir(), 'bench-seek-'));
mkdirSync(work, { recursive: true });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('#', ...a);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// ---- the source clip --------------------------------------------------------------------
function makeSource() {
  const out = join(work, 'source-1080p25-60s.mov');
  if (existsSync(out)) return out;
  log('making the source clip', out);
  execFileSync('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=60',
    '-vf', 'noise=alls=6:allf=t', '-c:v', 'mpeg4', '-q:v', '4', '-pix_fmt', 'yuv420p', out]);
  return out;
}

// ---- the page ---------------------------------------------------------------------------
// The server's CSP allows only same-origin scripts, so the page's script is a file beside it.
const webRoot = join(work, 'web');
mkdirSync(webRoot, { recursive: true });
writeFileSync(join(webRoot, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>seek bench</title></head>
<body style="margin:0;background:#000">
<video id="v" muted preload="auto" playsinline style="width:960px;height:540px"></video>
<script src="/bench.js"></script>
</body></html>
`);
writeFileSync(join(webRoot, 'bench.js'), `'use strict';
const v = document.getElementById('v');
const src = new URLSearchParams(location.search).get('src');
if (src) v.src = src;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until the video can play (or a timeout), reports what was buffered.
window.ready = async (timeoutMs) => {
  const t0 = performance.now();
  while (v.readyState < 4 && performance.now() - t0 < timeoutMs) await sleep(50);
  return { readyState: v.readyState, duration: v.duration, ms: performance.now() - t0,
    buffered: [...Array(v.buffered.length).keys()].map((i) => [v.buffered.start(i), v.buffered.end(i)]),
    h264: v.canPlayType('video/mp4; codecs="avc1.640028"'), error: v.error && v.error.message };
};

// Sets currentTime to the middle of frame n and resolves once a frame whose mediaTime is
// frame n has been presented: { ms (set -> that frame's callback), seekedMs (set -> the
// 'seeked' event, which Chromium may fire after the frame is shown), seen (frames whose
// callbacks ran, the target last) }.
window.show = (n, fps, offset, timeoutMs) => new Promise((resolve) => {
  let seekedMs = null, frameMs = null, seen = [], done = false, grace = null;
  const t0 = performance.now();
  const finish = (r) => { if (done) return; done = true; clearTimeout(timer); clearTimeout(grace);
    v.removeEventListener('seeked', onSeeked); resolve(r); };
  const result = () => ({ ok: true, ms: frameMs, seekedMs, seen });
  const onSeeked = () => { seekedMs = performance.now() - t0; if (frameMs !== null) finish(result()); };
  v.addEventListener('seeked', onSeeked, { once: true });
  const onFrame = (now, meta) => {
    const t = performance.now() - t0;
    const f = Math.round((meta.mediaTime - offset) * fps);
    seen.push(f);
    if (f !== n) { if (!done) v.requestVideoFrameCallback(onFrame); return; }
    frameMs = t;
    if (seekedMs !== null) finish(result());
    else grace = setTimeout(() => finish(result()), 1000);
  };
  v.requestVideoFrameCallback(onFrame);
  const timer = setTimeout(() => finish({ ok: false, ms: performance.now() - t0, seekedMs, seen,
    currentTime: v.currentTime }), timeoutMs);
  v.currentTime = (n + 0.5) / fps;
});

// How far mediaTime is from n / fps (0 unless the file has a start offset): seeks to the
// middle of frame 10 and reads the mediaTime of the frame shown.
window.offset = (fps) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), 10000);
  v.requestVideoFrameCallback((now, meta) => { clearTimeout(timer); resolve(meta.mediaTime - 10 / fps); });
  v.currentTime = 10.5 / fps;
});
`);

// ---- servers ------------------------------------------------------------------------------
async function waitHealthy(url, proc, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited before ${url} answered`);
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(150);
  }
  throw new Error(`${url}/api/health did not answer within ${timeoutMs / 1000} s`);
}

async function startServer(ki, extra = ['--transcode-keyframe-interval', String(ki)]) {
  const dataDir = join(work, `data-ki${ki}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // An empty config of its own, so a packaged /etc/dailies/server.toml plays no part.
  const config = join(dataDir, 'server.toml');
  writeFileSync(config, '');
  const port = await freePort();
  const args = ['--config', config, '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
    '--web-root', webRoot, '--log', 'warn', ...extra];
  // setsid: its own process group, so stopping it stops its ffmpeg too. Niced while it
  // transcodes (the machine is shared); put back to 0 before the browser runs.
  const proc = spawn('setsid', ['nice', '-n', '10', opts.bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc);
  return { ki, url, proc, dataDir };
}

function stopServer(s) {
  try {
    process.kill(-s.proc.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
}

// Uploads `source` and waits until the media is ready and `done(media)` holds.
async function uploadAndWait(s, source, name, done = (m) => !!m.playback_url) {
  const t0 = Date.now();
  const out = execFileSync('curl', ['-sS', '--fail', '-X', 'POST', '--data-binary', `@${source}`,
    '-H', `X-File-Name: ${name}`, `${s.url}/api/upload`]).toString();
  const { id } = JSON.parse(out);
  let m;
  for (;;) {
    m = await (await fetch(`${s.url}/api/media/${id}`)).json();
    m = m.media ?? m;
    if (m.status === 'ready' && done(m)) break;
    if (m.status === 'failed') throw new Error(`processing failed: ${JSON.stringify(m)}`);
    if (Date.now() - t0 > 30 * 60_000) throw new Error('processing took over 30 min');
    await sleep(500);
  }
  return { id, m, transcodeS: (Date.now() - t0) / 1000 };
}

async function makeProxy(s, source) {
  const { id, m, transcodeS } = await uploadAndWait(s, source, 'clip.mov');
  return { id, transcodeS, ...(await servedFile(s, m.playback_url, `proxy-ki${s.ki}.mp4`)) };
}

// Downloads a served file and reads its keyframes and frames with ffprobe.
async function servedFile(s, url, name) {
  const r = await fetch(`${s.url}${url}`);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  const file = join(work, name);
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const playbackUrl = url;
  const bytes = statSync(file).size;
  // Keyframes and frames of the proxy, as ffprobe reads its packets.
  const pk = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'packet=pts_time,flags', '-of', 'csv=p=0', file]).toString().trim().split('\n');
  const keys = pk.filter((l) => l.split(',')[1]?.includes('K')).map((l) => Number(l.split(',')[0])).sort((a, b) => a - b);
  const gaps = keys.slice(1).map((k, i) => k - keys[i]);
  const st = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height,r_frame_rate,nb_frames,has_b_frames,profile', '-of', 'json', file]).toString()).streams[0];
  return { playbackUrl, file, bytes, packets: pk.length, keyframes: keys.length, keyTimes: keys,
    maxKeyGapS: Math.max(...gaps), stream: st };
}

// A browser-ready 1080p25 H.264 MP4 (noisy, so every frame differs) with a keyframe every
// `gop` seconds, as a camera would write it.
function makeOriginal(gop) {
  const out = join(work, `original-gop${gop}.mp4`);
  if (existsSync(out)) return out;
  const g = String(Math.round(gop * 25));
  log(`making a ${opts.secs} s original with a keyframe every ${gop} s`);
  execFileSync('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${opts.secs}`,
    '-vf', 'noise=alls=6:allf=t', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20',
    '-maxrate', '8000k', '-bufsize', '16000k', '-g', g, '-keyint_min', g, '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out]);
  return out;
}

// What measuring an original's GOP costs the server: the same ffprobe over the first 20 s.
function gopProbeMs(file) {
  const t0 = process.hrtime.bigint();
  execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+20',
    '-show_entries', 'packet=pts_time,dts_time,flags', '-of', 'json', file]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// ---- the plan: the same positions for every interval ---------------------------------------
function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plan(frames) {
  const rnd = mulberry32(seed);
  const pick = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const seeks = [];
  let last = -1;
  while (seeks.length < nSeeks) {
    const n = pick(0, frames - 1);
    if (n !== last) seeks.push((last = n));
  }
  const steps = [];
  for (let i = 0; i < nSteps; i++) {
    const back = i % 2 === 1; // alternate: half forward, half back
    const from = back ? pick(1, frames - 1) : pick(0, frames - 2);
    steps.push({ from, to: back ? from - 1 : from + 1, dir: back ? 'back' : 'fwd' });
  }
  const warm = Array.from({ length: 5 }, () => pick(0, frames - 1));
  return { seeks, steps, warm };
}

// ---- one browser run ----------------------------------------------------------------------
async function run(browser, s, proxy, fps, frames, p) {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${s.url}/?src=${encodeURIComponent(proxy.playbackUrl)}`);
  const ready = await page.evaluate((t) => window.ready(t), 60_000);
  if (ready.readyState < 2) throw new Error(`video not ready: ${JSON.stringify(ready)}`);
  const offset = await page.evaluate((fps) => window.offset(fps), fps);
  if (offset === null || Math.abs(offset) > 0.5 / fps) throw new Error(`frame 10 shows at an offset of ${offset} s`);
  const TIMEOUT = 5_000;
  const show = (n) => page.evaluate(([n, fps, off, t]) => window.show(n, fps, off, t), [n, fps, offset, TIMEOUT]);
  for (const n of p.warm) await show(n);
  await sleep(300);
  const res = { seek: [], fwd: [], back: [], timeouts: [], seekedGap: [], detail: [] };
  const note = (kind, n, r) => res.detail.push({ kind, n, ms: +r.ms.toFixed(2), seekedMs: r.seekedMs && +r.seekedMs.toFixed(2), seen: r.seen.length });
  for (const n of p.seeks) {
    await sleep(100);
    const r = await show(n);
    if (!r.ok) res.timeouts.push({ kind: 'seek', n, ...r });
    else {
      res.seek.push(r.ms);
      note('seek', n, r);
      if (r.seekedMs !== null) res.seekedGap.push(r.seekedMs - r.ms);
    }
  }
  for (const st of p.steps) {
    const a = await show(st.from);
    if (!a.ok) {
      res.timeouts.push({ kind: 'step-start', n: st.from, ...a });
      continue;
    }
    await sleep(100);
    const r = await show(st.to);
    if (!r.ok) res.timeouts.push({ kind: st.dir, n: st.to, ...r });
    else {
      res[st.dir].push(r.ms);
      note(st.dir, st.to, r);
    }
  }
  await ctx.close();
  return { ready: { ms: ready.ms, buffered: ready.buffered, h264: ready.h264 }, offset, errors, ...res };
}

// ---- statistics ---------------------------------------------------------------------------
function pct(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]; // nearest rank
}
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

// ---- main -----------------------------------------------------------------------------------
const source = gops.length ? makeOriginal(gops[0]) : opts.source || makeSource();
const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
  'stream=r_frame_rate,nb_frames,width,height,codec_name:format=duration,size', '-of', 'json', source]).toString());
const [fn, fd] = probe.streams[0].r_frame_rate.split('/').map(Number);
const fps = fn / fd;
const frames = Math.floor(Number(probe.format.duration) * fps + 1e-6);
log(`source ${source}: ${probe.streams[0].codec_name} ${probe.streams[0].width}x${probe.streams[0].height} ` +
  `${fps} fps, ${frames} frames, ${(probe.format.size / 1e6).toFixed(1)} MB`);
const p = plan(frames);

const servers = [];
const proxies = {};
const cleanup = () => servers.forEach(stopServer);
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const targets = [];
if (gops.length) {
  // One server: every original plays as is, and each gets a scrub proxy beside it.
  const s = await startServer('gops', ['--transcode-scrub-proxy-above', '0.6']);
  servers.push(s);
  for (const g of gops) {
    const file = makeOriginal(g);
    const probeMs = [1, 2, 3].map(() => gopProbeMs(file));
    log(`GOP ${g} s: uploading to ${s.url} (load ${load()}); GOP probe ${probeMs.map((x) => x.toFixed(1)).join(', ')} ms`);
    const { m, transcodeS } = await uploadAndWait(s, file, `gop${g}.mp4`, (m) => !!m.scrub_url);
    if (!m.playback_url.endsWith('/original.mp4')) throw new Error(`the original is not played as is: ${m.playback_url}`);
    proxies[`orig-${g}s`] = { ...(await servedFile(s, m.playback_url, `orig-gop${g}.mp4`)), transcodeS: 0, probeMs };
    proxies[`scrub-${g}s`] = { ...(await servedFile(s, m.scrub_url, `scrub-gop${g}.mp4`)), transcodeS };
    targets.push({ ...s, ki: `orig-${g}s` }, { ...s, ki: `scrub-${g}s` });
    for (const k of [`orig-${g}s`, `scrub-${g}s`]) {
      const pr = proxies[k];
      log(`  ${k}: ${(pr.bytes / 1e6).toFixed(2)} MB, ${pr.keyframes} keyframes in ${pr.packets} frames ` +
        `(largest gap ${pr.maxKeyGapS.toFixed(2)} s)`);
    }
  }
  execFileSync('renice', ['-n', '0', '-g', String(s.proc.pid)], { stdio: 'ignore' });
}
// Proxies one after the other (they would only slow each other down); the servers stay up.
for (const ki of gops.length ? [] : intervals) {
  const s = await startServer(ki);
  servers.push(s);
  log(`keyframe interval ${ki} s: transcoding on ${s.url} (load ${load()})`);
  proxies[ki] = await makeProxy(s, source);
  try {
    execFileSync('renice', ['-n', '0', '-g', String(s.proc.pid)], { stdio: 'ignore' });
  } catch {
    log('renice failed: the server stays at nice 10');
  }
  const pr = proxies[ki];
  log(`  ${(pr.bytes / 1e6).toFixed(2)} MB, ${pr.keyframes} keyframes in ${pr.packets} frames ` +
    `(largest gap ${pr.maxKeyGapS.toFixed(2)} s), ${pr.transcodeS.toFixed(0)} s to make`);
  targets.push(s);
}

const browser = await chromium.launch({
  executablePath: opts.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
log(`chromium ${browser.version()}`);
const runs = [];
for (let r = 1; r <= rounds; r++) {
  for (const s of targets) {
    const before = load();
    const t0 = Date.now();
    const res = await run(browser, s, proxies[s.ki], fps, frames, p);
    const row = { round: r, ki: s.ki, loadBefore: before, loadAfter: load(), wallS: (Date.now() - t0) / 1000, ...res };
    runs.push(row);
    log(`round ${r} ki ${s.ki}: seek p50 ${f1(pct(res.seek, 0.5))} p99 ${f1(pct(res.seek, 0.99))}, ` +
      `fwd p50 ${f1(pct(res.fwd, 0.5))} p99 ${f1(pct(res.fwd, 0.99))}, back p50 ${f1(pct(res.back, 0.5))} ` +
      `p99 ${f1(pct(res.back, 0.99))} ms; ${res.timeouts.length} timeouts; load ${before} -> ${row.loadAfter}`);
    if (res.errors.length) log('  page errors:', res.errors.join('; '));
  }
}
await browser.close();

// ---- report ---------------------------------------------------------------------------------
const cases = ['seek', 'fwd', 'back'];
console.log(`\nsource: ${frames} frames at ${fps} fps; ${nSeeks} seeks, ${nSteps} steps (half forward, half back) per run; ` +
  `${rounds} rounds, interleaved; seed ${seed}`);
console.log('times in ms, from setting currentTime to the requestVideoFrameCallback of the target frame\n');
if (gops.length) {
  for (const g of gops) {
    const pm = proxies[`orig-${g}s`].probeMs;
    console.log(`GOP ${g} s: measuring it took ${pm.map((x) => x.toFixed(1)).join(', ')} ms; scrub proxy ready ` +
      `${proxies[`scrub-${g}s`].transcodeS.toFixed(1)} s after the upload`);
  }
  console.log('');
}
console.log('| keyframe interval s | keyframes | proxy MB | seek p50 | seek p99 | seek max | fwd p50 | fwd p99 | fwd max | back p50 | back p99 | back max | timeouts |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const ki of intervals) {
  const rs = runs.filter((x) => x.ki === ki);
  const cell = (c, q) => {
    const all = rs.flatMap((x) => x[c]);
    const per = rs.map((x) => pct(x[c], q));
    const v = q === 1 ? Math.max(...all) : pct(all, q);
    return `${f1(v)} (${per.map(f1).join('/')})`;
  };
  const cols = cases.flatMap((c) => [cell(c, 0.5), cell(c, 0.99), cell(c, 1)]);
  console.log(`| ${ki} | ${proxies[ki].keyframes} | ${(proxies[ki].bytes / 1e6).toFixed(2)} | ${cols.join(' | ')} | ` +
    `${rs.reduce((a, x) => a + x.timeouts.length, 0)} |`);
}
// Frames the decoder must get through for a target: from the keyframe at or before it.
console.log('\nframes from the last keyframe to the target (mean), and ms per such frame (least squares slope over all samples):');
for (const ki of intervals) {
  const kf = proxies[ki].keyTimes.map((t) => Math.round(t * fps));
  const dist = (n) => n - Math.max(...kf.filter((k) => k <= n));
  const d = runs.filter((x) => x.ki === ki).flatMap((x) => x.detail.map((y) => [dist(y.n), y.ms]));
  const mx = d.reduce((a, [x]) => a + x, 0) / d.length, my = d.reduce((a, [, y]) => a + y, 0) / d.length;
  const slope = d.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / d.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  console.log(`  ki ${ki}: mean ${mx.toFixed(1)} frames; ${f1(slope)} ms per frame, ${f1(my - slope * mx)} ms at the keyframe`);
}
console.log('\neach cell: pooled over all rounds (each round\'s own figure in brackets)');
const gaps = runs.flatMap((x) => x.seekedGap);
console.log(`target frame callback -> seeked event (seeks): p50 ${f1(pct(gaps, 0.5))} ms, p99 ${f1(pct(gaps, 0.99))} ms`);
for (const x of runs) {
  if (x.timeouts.length) console.log(`timeouts round ${x.round} ki ${x.ki}:`, JSON.stringify(x.timeouts.slice(0, 5)));
}
if (opts.json) {
  writeFileSync(opts.json, JSON.stringify({ source, fps, frames, seed, proxies, runs }, null, 1));
  log(`raw figures in ${opts.json}`);
}
cleanup();
if (!opts.work && !opts.keep) rmSync(work, { recursive: true, force: true });
else log(`work dir kept: ${work}`);
