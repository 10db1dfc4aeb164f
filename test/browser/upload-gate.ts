// A gate in front of s3rver for the browser tests of runs: uploads (PUTs) wait at the gate until the
// test lets them through, so a run lasts exactly as long as the test needs to watch it, however
// slow the machine. Everything else passes at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UploadGate {
  endpoint: string;
  /** Uploads that reached s3rver. */
  passed: number;
  /** Uploads waiting at the gate. */
  waiting(): number;
  /** Lets `n` waiting or coming uploads through. */
  release(n: number): void;
  /** Lets every upload through from now on. */
  open(): void;
  /** Holds uploads again. */
  close(): void;
  /**
   * Resolves once no upload let through is still under way. s3rver writes an object's file and its
   * metadata one after the other, and a listing that reads them in between fails with InternalError.
   */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startUploadGate(target: string): Promise<UploadGate> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const queue: (() => void)[] = [];
  let allowance = 0;
  let isOpen = true;
  let underWay = 0;
  let onSettled: (() => void)[] = [];
  const finished = () => {
    if (--underWay > 0) return;
    for (const resolve of onSettled) resolve();
    onSettled = [];
  };

  const server = http.createServer((req, res) => {
    const forward = () => {
      if (req.destroyed) return; // the run gave up on it (cancelled) while it waited
      if (req.method === 'PUT') {
        gate.passed++;
        underWay++;
        res.once('close', finished);
      }
      const up = http.request(
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
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.socket?.destroy());
      res.once('close', () => {
        if (!res.writableFinished) up.destroy(); // the client gave up: so does s3rver's side
      });
      req.pipe(up);
    };
    if (req.method !== 'PUT' || isOpen) return forward();
    if (allowance > 0) {
      allowance--;
      return forward();
    }
    queue.push(forward);
  });
  const drain = () => {
    while (queue.length && (isOpen || allowance > 0)) {
      if (!isOpen) allowance--;
      queue.shift()!();
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gate: UploadGate = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    passed: 0,
    waiting: () => queue.length,
    release(n) {
      allowance += n;
      drain();
    },
    open() {
      isOpen = true;
      drain();
    },
    close() {
      isOpen = false;
      allowance = 0;
    },
    settled: () => (underWay === 0 ? Promise.resolve() : new Promise((resolve) => onSettled.push(resolve))),
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return gate;
}
