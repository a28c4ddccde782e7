import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../core/signature.js';

export interface ReceiverOptions {
  port: number;
  host: string;
  secret: string | undefined;
  status: number;
  failFirst: number;
  delayMs: number;
}

/** What the receiver saw and answered for one request. */
export interface Received {
  seq: number;
  receivedAt: string;
  method: string;
  path: string;
  event: string | null;
  deliveryId: string | null;
  webhookId: string | null;
  attempt: number | null;
  /** `valid`/`invalid`/`missing` when a secret is set, null when there is nothing to check with. */
  signature: 'valid' | 'invalid' | 'missing' | null;
  /** The seq of the first request that carried this deliveryId, when this one repeats it. */
  duplicateOf: number | null;
  status: number;
  body: string;
}

/**
 * Decides the answer to a delivery: `--fail-first N` fails the first N attempts of each
 * deliveryId with 500, then `--status` answers.
 */
export function decideStatus(timesSeen: number, options: Pick<ReceiverOptions, 'failFirst' | 'status'>): number {
  return timesSeen <= options.failFirst ? 500 : options.status;
}

export interface RunningReceiver {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 5 * 1024 * 1024;

/** A local test receiver (`sigma-hooks listen`); it reports through `onReceived` and never prints. */
export function startReceiver(options: ReceiverOptions, onReceived: (r: Received) => void): Promise<RunningReceiver> {
  const firstSeen = new Map<string, { seq: number; count: number }>();
  let seq = 0;
  const server: Server = createServer((req, res) => {
    readRaw(req)
      .then(async (raw) => {
        const number = ++seq;
        const deliveryId = header(req, 'x-sigma-delivery');
        let duplicateOf: number | null = null;
        let timesSeen = 1;
        if (deliveryId !== null) {
          const seen = firstSeen.get(deliveryId);
          if (seen) {
            seen.count++;
            duplicateOf = seen.seq;
            timesSeen = seen.count;
          } else {
            firstSeen.set(deliveryId, { seq: number, count: 1 });
          }
        }
        const signatureHeader = header(req, 'x-sigma-signature');
        let signature: Received['signature'] = null;
        if (options.secret !== undefined) {
          signature = signatureHeader === null ? 'missing' : verifySignature(options.secret, raw, signatureHeader).valid ? 'valid' : 'invalid';
        }
        const status = decideStatus(timesSeen, options);
        const attempt = Number(header(req, 'x-sigma-attempt'));
        if (options.delayMs > 0) await sleep(options.delayMs);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: status < 300, seq: number }));
        onReceived({
          seq: number,
          receivedAt: new Date().toISOString(),
          method: req.method ?? '',
          path: req.url ?? '/',
          event: header(req, 'x-sigma-event'),
          deliveryId,
          webhookId: header(req, 'x-sigma-webhook'),
          attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
          signature,
          duplicateOf,
          status,
          body: raw.toString('utf8'),
        });
      })
      .catch(() => {
        if (!res.headersSent) {
          res.writeHead(413);
          res.end();
        }
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${host}:${address.port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
