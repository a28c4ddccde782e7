/**
 * A recording webhook receiver for tests and the bench, on node:http, listening on 127.0.0.1
 * port 0 (a free port).
 *
 * Every request is recorded with its method, url, headers, raw body bytes and arrival time, and
 * answered by a programmable behaviour chosen by path (`receiver.on('/hang', {hang: true})`) or
 * the default one (`receiver.setDefault({status: 500})`):
 *
 * - `status` (default 200) and `body` (default `ok`);
 * - `failFirst: N` — answer 500 to the first N requests of each deliveryId (X-Sigma-Delivery),
 *   then `status`;
 * - `hang: true` — never answer (the connection stays open until the client gives up or the
 *   receiver closes);
 * - `redirectTo: URL` — answer 302 with that Location;
 * - `delayMs` — wait this long before answering.
 *
 * Waiting is event-driven: `waitFor(predicate, timeoutMs)` resolves as soon as a recorded request
 * makes `predicate(requests)` true, and rejects after the deadline with a summary of what did
 * arrive. No sleeps.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Waiters } from './daemon.js';

export interface Behavior {
  /** Status of the answer (after `failFirst` is used up). Default 200. */
  status?: number;
  /** Body of the answer. Default `ok`. */
  body?: string;
  /** Answer 500 to the first N requests of each deliveryId. */
  failFirst?: number;
  /** Never answer. */
  hang?: boolean;
  /** Answer 302 with this Location. */
  redirectTo?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface RecordedRequest {
  /** 0-based position among all requests this receiver got. */
  index: number;
  method: string;
  /** The request target as sent, e.g. `/hooks/a?x=1`. */
  url: string;
  /** The path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes. */
  body: Buffer;
  /** `Date.now()` when the request's headers arrived. */
  receivedAt: number;
  /** `Date.now()` when the connection or response closed (set later; undefined while open). */
  closedAt: number | undefined;
  /** The status this receiver answered, or undefined (hang, or not yet answered). */
  answeredStatus: number | undefined;
  /** X-Sigma-Delivery, X-Sigma-Attempt (as a number), X-Sigma-Event, X-Sigma-Webhook. */
  deliveryId: string | undefined;
  attempt: number | undefined;
  event: string | undefined;
  webhookId: string | undefined;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

type Predicate = (requests: readonly RecordedRequest[]) => boolean;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class Receiver {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly behaviors = new Map<string, Behavior>();
  private defaultBehavior: Behavior = {};
  private readonly seenPerDelivery = new Map<string, number>();
  private readonly waiters = new Waiters();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Starts a receiver on 127.0.0.1, port 0. */
  static async start(defaultBehavior: Behavior = {}): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => receiver!.handle(req, res));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    receiver = new Receiver(server, (server.address() as AddressInfo).port);
    receiver.defaultBehavior = defaultBehavior;
    return receiver;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The absolute URL of `path` on this receiver. */
  urlFor(path: string): string {
    return `${this.url}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Sets the behaviour for requests to exactly `path` (query ignored). */
  on(path: string, behavior: Behavior): this {
    this.behaviors.set(path, behavior);
    return this;
  }

  /** Sets the behaviour for paths without their own. */
  setDefault(behavior: Behavior): this {
    this.defaultBehavior = behavior;
    return this;
  }

  /** Requests to `path`. */
  at(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Requests carrying X-Sigma-Delivery `deliveryId`, in arrival order. */
  forDelivery(deliveryId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.deliveryId === deliveryId);
  }

  /** Requests whose connection is still open (hung ones the client has not given up on). */
  open(): RecordedRequest[] {
    return this.requests.filter((r) => r.closedAt === undefined);
  }

  /**
   * Resolves with all requests as soon as `predicate(requests)` holds (checked now and on every
   * new or closed request); rejects after `timeoutMs` with a summary of what arrived.
   */
  waitFor(predicate: Predicate, timeoutMs = 10_000, what = 'the expected requests'): Promise<RecordedRequest[]> {
    return this.waiters.until(
      () => (predicate(this.requests) ? this.requests : undefined),
      timeoutMs,
      () => `receiver ${this.url}: timed out after ${timeoutMs} ms waiting for ${what}; got ${this.summary()}`,
    );
  }

  /** Resolves with the first `count` requests of `deliveryId` once they have arrived. */
  async waitForDelivery(deliveryId: string, count = 1, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    await this.waitFor((all) => all.filter((r) => r.deliveryId === deliveryId).length >= count, timeoutMs, `${count} request(s) of ${deliveryId}`);
    return this.forDelivery(deliveryId).slice(0, count);
  }

  /** Resolves once `count` requests to `path` have arrived. */
  async waitForPath(path: string, count = 1, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    await this.waitFor((all) => all.filter((r) => r.path === path).length >= count, timeoutMs, `${count} request(s) to ${path}`);
    return this.at(path).slice(0, count);
  }

  /** One line per request, for failure messages. */
  summary(): string {
    if (this.requests.length === 0) return 'no requests';
    return `${this.requests.length} request(s):\n${this.requests
      .map((r) => `  #${r.index} ${r.method} ${r.url} delivery=${r.deliveryId ?? '-'} attempt=${r.attempt ?? '-'} → ${r.answeredStatus ?? (r.closedAt === undefined ? 'open' : 'closed unanswered')}`)
      .join('\n')}`;
  }

  /** Stops listening and drops every connection, hung ones included. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? url;
      const body = Buffer.concat(chunks);
      const attemptText = header(req.headers, 'x-sigma-attempt');
      const recorded: RecordedRequest = {
        index: this.requests.length,
        method: req.method ?? '',
        url,
        path,
        headers: req.headers,
        body,
        receivedAt,
        closedAt: undefined,
        answeredStatus: undefined,
        deliveryId: header(req.headers, 'x-sigma-delivery'),
        attempt: attemptText === undefined ? undefined : Number(attemptText),
        event: header(req.headers, 'x-sigma-event'),
        webhookId: header(req.headers, 'x-sigma-webhook'),
        text: () => body.toString('utf8'),
        json: <T>() => JSON.parse(body.toString('utf8')) as T,
      };
      res.once('close', () => {
        recorded.closedAt = Date.now();
        this.waiters.notify();
      });
      this.requests.push(recorded);
      this.answer(recorded, res);
      this.waiters.notify();
    });
  }

  private answer(recorded: RecordedRequest, res: ServerResponse): void {
    const behavior = this.behaviors.get(recorded.path) ?? this.defaultBehavior;
    if (behavior.hang) return;
    let status = behavior.status ?? 200;
    let body = behavior.body ?? 'ok';
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (behavior.failFirst !== undefined && recorded.deliveryId !== undefined) {
      const seen = (this.seenPerDelivery.get(recorded.deliveryId) ?? 0) + 1;
      this.seenPerDelivery.set(recorded.deliveryId, seen);
      if (seen <= behavior.failFirst) {
        status = 500;
        body = `failing attempt ${seen} of the first ${behavior.failFirst}`;
      }
    }
    if (behavior.redirectTo !== undefined) {
      status = 302;
      headers.location = behavior.redirectTo;
      body = `see ${behavior.redirectTo}`;
    }
    const send = () => {
      if (res.destroyed) return;
      recorded.answeredStatus = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (behavior.delayMs !== undefined && behavior.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, behavior.delayMs);
      this.timers.add(timer);
    } else {
      send();
    }
  }
}

/** Starts a receiver (see `Receiver`). */
export function startReceiver(defaultBehavior: Behavior = {}): Promise<Receiver> {
  return Receiver.start(defaultBehavior);
}
