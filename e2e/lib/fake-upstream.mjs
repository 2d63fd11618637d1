// A fake of the hosted try-on API (the contract in docs/api.md):
// a real HTTP server on loopback for the gateway's `upstream` engine. Every job takes
// `jobMs`, then completes with one result image that this server also serves.
import http from 'node:http';
import fs from 'node:fs';

export async function startFakeUpstream({ jobMs = 4000, resultImage }) {
  const jobs = new Map();
  const seen = { submits: 0, reads: 0 };
  const image = fs.readFileSync(resultImage);
  let base = '';
  const server = http.createServer((req, res) => {
    const send = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/api/v1/tryon/clothes') {
      req.resume();
      req.on('end', () => {
        seen.submits += 1;
        const id = `job-${seen.submits}`;
        jobs.set(id, Date.now());
        send(200, { id, error: null });
      });
      return;
    }
    const status = /^\/api\/v1\/status\/([\w-]+)$/.exec(req.url);
    if (req.method === 'GET' && status) {
      seen.reads += 1;
      const started = jobs.get(status[1]);
      if (started === undefined) return send(404, { error: 'NotFound', message: 'no such job' });
      if (Date.now() - started < jobMs) return send(200, { id: status[1], status: 'processing', error: null });
      return send(200, { id: status[1], status: 'completed', output: [`${base}/results/${status[1]}.png`], error: null });
    }
    if (req.method === 'GET' && req.url.startsWith('/results/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
      res.end(image);
      return;
    }
    send(404, { error: 'NotFound', message: req.url });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base,
    seen,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(ok);
      }),
  };
}
