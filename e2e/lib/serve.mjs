// A static file server for the test pages, on loopback, that forwards the API
// (`/v1`, `/api`) to a gateway as a merchant's own web server would. The pages and
// the widget talk to their own origin, as on the demo page.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

/**
 * Serves `mounts` (`{'/prefix/': '/dir'}`, longest prefix first) and forwards `/v1`
 * and `/api` to `gateway()` (a function, so a restarted gateway can take over).
 * `headers(urlPath)` adds response headers to files (e.g. a CSP for one page).
 * `generated` (`{'/prefix/': {'name.html': html}}`) are pages made in memory,
 * served before the files of that prefix.
 */
export async function serve({ mounts, gateway, headers = () => ({}), generated = {} }) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (/^\/(v1|api)\//.test(url.pathname)) return forward(req, res, gateway());
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    const prefix = prefixes.find((p) => url.pathname.startsWith(p));
    if (!prefix) return notFound(res);
    let rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const made = generated[prefix]?.[rel];
    if (made !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-cache', ...headers(url.pathname) });
      return res.end(made);
    }
    const file = path.join(mounts[prefix], rel);
    if (!file.startsWith(path.resolve(mounts[prefix]))) return notFound(res);
    fs.readFile(file, (err, body) => {
      if (err) return notFound(res);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        // As a merchant should: the loader asks for the widget with ?v=<content
        // hash>, so those answers never change; everything else is revalidated.
        'cache-control': url.searchParams.has('v') ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...headers(url.pathname),
      });
      res.end(body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(ok);
      }),
  };
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

// Forwards the request as is (the Host header too, so the gateway's result URLs
// point at this server); a gateway that is down answers 502 like a real proxy.
function forward(req, res, target) {
  const to = new URL(target);
  const upstream = http.request(
    { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    }
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway');
  });
  req.pipe(upstream);
}
