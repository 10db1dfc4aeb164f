// An HTTP proxy in front of a real server (s3rver) that injects the faults clouds really produce:
// 429 and 503 with Retry-After, connections reset before an answer, response bodies cut short,
// slow responses, a revoked access key. A rule decides per request; the proxy counts what passes through.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: 403 | 429 | 500 | 503; retryAfter?: string; code?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'truncate'; keep: number }
  | { kind: 'delay'; ms: number };

export interface RequestInfo {
  method: string;
  url: string;
  /** Requests seen so far with this method and path, this one included. */
  seen: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Bytes of request bodies forwarded upstream (uploads that reached the server). */
  uploadedBytes: number;
  /** Connections clients opened to the proxy (a client that keeps them alive opens few). */
  connections: number;
  faults: Record<string, number>;
  requests: { method: string; url: string; fault: string }[];
  rule: (r: RequestInfo) => Fault;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  rule: (r: RequestInfo) => Fault = () => ({ kind: 'pass' }),
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen = new Map<string, number>();
  const proxy: FaultProxy = {
    endpoint: '',
    uploadedBytes: 0,
    connections: 0,
    faults: {},
    requests: [],
    rule,
    close: async () => {},
  };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url!.split('?')[0]}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const fault = proxy.rule({ method: req.method!, url: req.url!, seen: seen.get(key)! });
    proxy.requests.push({ method: req.method!, url: req.url!, fault: fault.kind });
    if (fault.kind !== 'pass' && fault.kind !== 'delay') proxy.faults[fault.kind] = (proxy.faults[fault.kind] ?? 0) + 1;

    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      req.resume();
      req.on('end', () => {
        const code =
          fault.code ??
          (fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'SlowDown' : 'InternalError');
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
        });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>` +
            `${fault.message ?? 'injected fault'}</Message></Error>`,
        );
      });
      return;
    }
    // A client that hangs up is gone for the server too, as over a real network: a delayed
    // request it gave up on is never forwarded, and one in flight is cut.
    let up: http.ClientRequest | undefined;
    let clientGone = false;
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      up?.destroy();
    });
    const forward = () => {
      if (clientGone) return;
      up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (upRes) => {
          res.writeHead(upRes.statusCode!, upRes.headers);
          if (fault.kind === 'truncate') {
            let sent = 0;
            upRes.on('data', (chunk: Buffer) => {
              if (sent >= fault.keep) return;
              const part = chunk.subarray(0, fault.keep - sent);
              sent += part.length;
              res.write(part);
              if (sent >= fault.keep) {
                upRes.destroy();
                res.socket?.destroy(); // the body ends early, as when a connection drops mid-download
              }
            });
            upRes.on('end', () => res.end());
            return;
          }
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.socket?.destroy());
      req.on('data', (chunk: Buffer) => (proxy.uploadedBytes += chunk.length));
      req.pipe(up);
    };
    if (fault.kind === 'delay') setTimeout(forward, fault.ms);
    else forward();
  });
  server.on('connection', () => proxy.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
