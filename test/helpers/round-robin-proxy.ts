import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy in front of several app instances, as a load balancer without stickiness:
 * each request goes to the next backend in turn. A request carrying `x-test-backend: <i>`
 * goes to backend i instead, so a test can choose where a given step lands. `served`
 * counts the requests each backend answered.
 */
export class RoundRobinProxy {
  #server: http.Server | undefined;
  #next = 0;
  readonly served: number[];

  constructor(private readonly backends: string[]) {
    this.served = backends.map(() => 0);
  }

  /** Starts listening; resolves with the proxy's base URL. */
  async start(): Promise<string> {
    this.#server = http.createServer((req, res) => {
      const pinned = req.headers['x-test-backend'];
      const i = typeof pinned === 'string' ? Number(pinned) : this.#next++ % this.backends.length;
      this.served[i]! += 1;
      const upstream = http.request(new URL(req.url ?? '/', this.backends[i]), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
