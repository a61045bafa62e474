// The browsers' way in: a small proxy in front of the server that can cut every live
// connection for a while (to test reconnects), and serves dist/ itself when the server
// does not serve the client yet.
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { Transform } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.png': 'image/png',
};

/** `dist`: serve the client from here; null: the server serves it, proxy everything. */
export function startFront(dist, backendPort) {
  const live = new Set();
  const inflight = new Set();
  let downUntil = 0;
  let uploadRate = 0; // bytes per second for upload bodies; 0: unlimited
  const isDown = () => Date.now() < downUntil;

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!dist || path.startsWith('/api/') || path.startsWith('/files/')) {
      if (isDown()) {
        res.socket?.destroy();
        return;
      }
      // agent: false, a fresh connection per request: a kept-alive one that the server
      // closes as idle just when a request goes out on it answers that request with a reset
      // (a 502 here), about once in twenty runs of a suite.
      const up = request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      const pair = { up, socket: req.socket };
      inflight.add(pair);
      res.on('close', () => inflight.delete(pair));
      const isUpload = req.method === 'PATCH' || (req.method === 'POST' && path === '/api/upload');
      if (isUpload && uploadRate > 0) req.pipe(throttle(uploadRate)).pipe(up);
      else req.pipe(up);
      return;
    }
    const file = normalize(join(dist, path === '/' ? 'index.html' : path));
    try {
      const body = await readFile(file.startsWith(dist) ? file : join(dist, 'index.html'));
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(200, { 'Content-Type': TYPES['.html'] });
      res.end(await readFile(join(dist, 'index.html')));
    }
  });

  server.on('upgrade', (req, socket, head) => {
    if (isDown()) {
      socket.destroy();
      return;
    }
    const up = connect(backendPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head?.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const pair = { up, socket };
    live.add(pair);
    const end = () => {
      live.delete(pair);
      up.destroy();
      socket.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
    up.on('close', end);
    socket.on('close', end);
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        /** Drops every connection (websockets, requests in flight) and refuses new ones for `ms`. */
        cut(ms) {
          downUntil = Date.now() + ms;
          for (const { up, socket } of [...live, ...inflight]) {
            up.destroy();
            socket.destroy();
          }
          inflight.clear();
        },
        /** Slows upload bodies to `bytesPerSecond` (0: full speed). */
        throttleUploads(bytesPerSecond) {
          uploadRate = bytesPerSecond;
        },
        close: () =>
          new Promise((r) => {
            for (const { up, socket } of [...live]) {
              up.destroy();
              socket.destroy();
            }
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Passes bytes on no faster than `rate` per second. */
function throttle(rate) {
  return new Transform({
    transform(chunk, _enc, done) {
      setTimeout(() => done(null, chunk), (chunk.length / rate) * 1000);
    },
  });
}
