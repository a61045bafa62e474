// End-to-end harness: the real server binary on a free port with a temporary data dir,
// a clip made by ffmpeg, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startFront } from './front.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const clientDir = resolve(here, '..');
export const repoRoot = resolve(clientDir, '..');
export const artifacts = join(repoRoot, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `/api/health` until it answers 200: a server is used only once it listens. */
async function waitHealthy(url, proc, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < end) {
    // Killed by a signal, exitCode stays null: check both, or a crash waits out the deadline.
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`server exited (${proc.exitCode ?? proc.signalCode}) before ${url} answered`);
    }
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(150);
  }
  throw new Error(`server at ${url} did not answer /api/health within ${timeoutMs / 1000} s (last: ${last})`);
}

/**
 * Starts dailies-server (not in demo mode: identities come from headers). When the
 * binary does not serve the web client yet, a small front server serves dist/ and
 * proxies /api and /files to it, so the same tests run either way.
 */
export async function startServer({ admins = [], organizerCmd = null, extraArgs = [] } = {}) {
  if (process.env.DAILIES_E2E_MOCK) return startMock();
  const bin = process.env.DAILIES_SERVER_BIN ?? join(repoRoot, 'target/debug/dailies-server');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p dailies-server`);
  const dist = join(clientDir, 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error('client-svelte/dist is missing: run npm run build');
  const dataDir = mkdtempSync(join(tmpdir(), 'dailies-e2e-'));
  const port = await freePort();
  // An empty config of its own: a packaged /etc/dailies/server.toml on this machine (say,
  // while scripts/test-deb.sh has the package installed) must not give the suite's server
  // an organizer plugin or other settings. Seen: a run whose library was the plugin's page.
  const config = join(dataDir, 'server.toml');
  writeFileSync(config, '');
  const args = ['--config', config, '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--web-root', dist, '--log', 'warn'];
  for (const a of admins) args.push('--admin-user', a);
  if (organizerCmd) args.push('--organizer-cmd', organizerCmd);
  args.push(...extraArgs);
  // setsid: the server gets its own process group, so stopping it stops its ffmpeg children too.
  const proc = spawn('setsid', [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(apiUrl, proc);
  // Browsers go through a front proxy that can cut their connections (reconnect tests).
  // It serves dist/ itself only while the server does not serve the client yet.
  const index = await fetch(`${apiUrl}/`, { headers: { 'X-Remote-User-Id': 'probe' } }).catch(() => null);
  const html = index && index.ok ? await index.text() : '';
  const serves = html.includes('<div id="app">');
  if (!serves) console.log('# the server does not serve the client yet: the front proxy serves dist/');
  const front = await startFront(serves ? null : dist, port);
  const url = `http://127.0.0.1:${front.port}`;
  return {
    url,
    apiUrl,
    dataDir,
    servesClient: serves,
    cut: (ms) => front.cut(ms),
    throttleUploads: (rate) => front.throttleUploads(rate),
    async stop() {
      await front.close();
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 5000;
      while (proc.exitCode === null && proc.signalCode === null && Date.now() < deadline) await sleep(100);
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The basic_folders organizer plugin (`cargo build -p organizer-sdk --example basic_folders`). */
export const basicFoldersBin = process.env.DAILIES_ORGANIZER_BIN ?? join(repoRoot, 'target/debug/examples/basic_folders');

/** A bigger clip (noise at a high bitrate), for uploads long enough to interrupt. */
export function makeBigClip(dir, megabytes = 6) {
  const out = join(dir, 'noise-big.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'nullsrc=size=640x360:rate=25,geq=random(1)*255:128:128',
    '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-b:v', `${Math.round((megabytes * 8) / 3)}M`,
    '-maxrate', `${Math.round((megabytes * 8) / 3)}M`, '-bufsize', '4M', '-movflags', '+faststart', out,
  ]);
  return out;
}

/** A test clip with a sine tone, H.264/AAC MP4 (by default 4 s at 25 fps). */
export function makeClip(dir, { seconds = 4, rate = '25', name = 'testsrc-4s.mp4' } = {}) {
  const out = join(dir, name);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${rate}`,
    '-f', 'lavfi', '-i', 'sine',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', out,
  ]);
  return out;
}

/** A browser as one user: its own profile, and the reverse proxy's identity headers. */
export async function openAs(userId, userName, opts = {}) {
  const browser = await openBrowser(userId, opts);
  await browser.context.setExtraHTTPHeaders({ 'X-Remote-User-Id': userId, 'X-Remote-User-Name': userName });
  return browser;
}

/** A browser with no identity at all, as a guest of a review link arrives. */
export function openAnonymous(opts = {}) {
  return openBrowser('anonymous', opts);
}

async function openBrowser(label, { width = 1400, height = 860, hasTouch = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), `dailies-chrome-${label}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROME_ARGS,
    viewport: { width, height },
    hasTouch,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** Thrown inside an `until` callback to stop waiting at once. */
export class Fatal extends Error {}

/** Polls `fn` until it returns a truthy value (a Fatal error ends the wait). */
export async function until(fn, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    await sleep(interval);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export function tempDir(prefix = 'dailies-e2e-files-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The dev mock server instead of the real one (DAILIES_E2E_MOCK=1): for client work only. */
async function startMock() {
  const port = await freePort();
  const proc = spawn('setsid', ['node', join(clientDir, 'dev/mock-server.mjs'), '--port', String(port), '--web-root', join(clientDir, 'dist')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(apiUrl, proc);
  const front = await startFront(null, port);
  console.log(`# MOCK server on ${apiUrl}: not the real dailies-server`);
  return {
    url: `http://127.0.0.1:${front.port}`,
    apiUrl,
    cut: (ms) => front.cut(ms),
    throttleUploads: (rate) => front.throttleUploads(rate),
    async stop() {
      await front.close();
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    },
  };
}
