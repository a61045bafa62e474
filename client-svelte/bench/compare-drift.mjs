#!/usr/bin/env node
// Compare playback drift (docs/benchmarks.md): two 1080p proxies, v1 and v2 of one stack,
// played together on the compare page in Debian's Chromium for 60 s; each animation frame
// the frame each <video> last presented (requestVideoFrameCallback) is sampled and the
// difference counted. Prints the distribution; the goal is never more than one frame.
//
//   node client-svelte/bench/compare-drift.mjs [--seconds 60] [--width 1920 --height 1080]
//
// Needs target/debug/dailies-server (or DAILIES_SERVER_BIN) and client-svelte/dist.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAs, startServer, until } from '../e2e/harness.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    width: { type: 'string', default: '1920' },
    height: { type: 'string', default: '1080' },
    fps: { type: 'string', default: '25' },
  },
});
const seconds = Number(opt.seconds);
const fps = Number(opt.fps);
const USER = { 'X-Remote-User-Id': 'bench', 'X-Remote-User-Name': 'Bench' };

function clip(dir, name, label) {
  const out = join(dir, name);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${opt.width}x${opt.height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine',
    '-vf', `drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='${label} %{frame_num}':fontsize=96:fontcolor=white:box=1:boxcolor=black:x=40:y=40`,
    '-t', String(seconds + 8), '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-g', String(fps * 2),
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', out,
  ]);
  return out;
}

async function upload(apiUrl, file, versionOf) {
  const q = versionOf ? `?version_of=${encodeURIComponent(versionOf)}` : '';
  const res = await fetch(`${apiUrl}/api/upload${q}`, {
    method: 'POST',
    headers: { ...USER, 'X-File-Name': encodeURIComponent(file.split('/').pop()), 'Content-Type': 'video/mp4' },
    body: readFileSync(file),
  });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

async function ready(apiUrl, id) {
  await until(
    async () => {
      const m = await (await fetch(`${apiUrl}/api/media/${id}`, { headers: USER })).json();
      if (m.status === 'failed') throw new Error(`processing failed: ${m.error}`);
      return m.status === 'ready';
    },
    { what: `${id} ready`, timeout: 15 * 60_000, interval: 1000 },
  );
}

// The clips are kept between runs (they take minutes to make on a loaded 2-core machine).
const dir = join(tmpdir(), `dailies-bench-drift-${opt.width}x${opt.height}-${fps}-${seconds + 8}s`);
mkdirSync(dir, { recursive: true });
const files = ['v1', 'v2'].map((label) => {
  const f = join(dir, `drift_${label}.mp4`);
  if (existsSync(f)) return f;
  console.error(`# making a ${opt.width}x${opt.height} clip of ${seconds + 8} s (${label})…`);
  return clip(dir, `drift_${label}.mp4.part.mp4`, label) && (renameSync(join(dir, `drift_${label}.mp4.part.mp4`), f), f);
});
const server = await startServer();
let browser;
try {
  const v1 = await upload(server.apiUrl, files[0]);
  await ready(server.apiUrl, v1);
  const v2 = await upload(server.apiUrl, files[1], v1);
  await ready(server.apiUrl, v2);
  browser = await openAs(USER['X-Remote-User-Id'], USER['X-Remote-User-Name'], { width: 1600, height: 900 });
  const page = browser.page;
  await page.goto(`${server.url}/#/media/${v2}?compare=${v1}`);
  await page.waitForFunction(
    () => ['[data-testid=video]', '[data-testid=compare-video]'].every((s) => (document.querySelector(s)?.readyState ?? 0) >= 3),
    null,
    { timeout: 60_000 },
  );
  const load = loadavg()[0];
  console.error(`# playing ${seconds} s…`);
  const result = await page.evaluate(
    async ({ seconds, fps }) => {
      const left = document.querySelector('[data-testid=video]');
      const right = document.querySelector('[data-testid=compare-video]');
      const shown = new Map([[left, -1], [right, -1]]);
      let seeks = 0;
      right.addEventListener('seeking', () => seeks++);
      for (const v of [left, right]) {
        const tick = (_now, meta) => {
          shown.set(v, Math.floor(meta.mediaTime * fps + 1e-4));
          v.requestVideoFrameCallback(tick);
        };
        v.requestVideoFrameCallback(tick);
      }
      const hist = {};
      let samples = 0;
      let presented = 0;
      let lastLeft = -1;
      document.querySelector('[data-testid=play-button]').click();
      const start = performance.now();
      await new Promise((done) => {
        const sample = () => {
          const a = shown.get(left);
          const b = shown.get(right);
          if (!left.paused && a >= 0 && b >= 0) {
            const d = b - a;
            hist[d] = (hist[d] ?? 0) + 1;
            samples++;
            if (a !== lastLeft) presented++;
            lastLeft = a;
          }
          if (performance.now() - start >= seconds * 1000) done();
          else requestAnimationFrame(sample);
        };
        requestAnimationFrame(sample);
      });
      left.pause();
      return { hist, samples, presented, seeks, played: left.currentTime };
    },
    { seconds, fps },
  );
  const diffs = Object.entries(result.hist).map(([d, n]) => [Number(d), n]).sort((x, y) => x[0] - y[0]);
  const abs = (d) => Math.abs(d);
  const max = Math.max(...diffs.map(([d]) => abs(d)));
  const within = diffs.filter(([d]) => abs(d) <= 1).reduce((s, [, n]) => s + n, 0);
  const exact = result.hist[0] ?? 0;
  // p99 of |difference|
  const sorted = diffs.map(([d, n]) => [abs(d), n]).sort((x, y) => x[0] - y[0]);
  let acc = 0;
  let p99 = 0;
  for (const [d, n] of sorted) {
    acc += n;
    if (acc >= result.samples * 0.99) {
      p99 = d;
      break;
    }
  }
  console.log(`compare drift: ${opt.width}x${opt.height} ${fps} fps, v1 and v2 side by side, ${seconds} s in chromium (${result.played.toFixed(1)} s of media played)`);
  console.log(`  samples (animation frames): ${result.samples}, distinct left frames presented: ${result.presented}`);
  console.log(`  right - left, frames: ${diffs.map(([d, n]) => `${d > 0 ? '+' : ''}${d}: ${n} (${((100 * n) / result.samples).toFixed(2)} %)`).join(', ')}`);
  console.log(`  same frame: ${((100 * exact) / result.samples).toFixed(2)} %, within one frame: ${((100 * within) / result.samples).toFixed(2)} %, p99 |diff|: ${p99}, max |diff|: ${max}`);
  console.log(`  follower seeks: ${result.seeks}; load average at start: ${load.toFixed(2)} on ${cpus().length} cores`);
} finally {
  await browser?.close();
  await server.stop();
}
