/**
 * Helpers for tests that run the real delivery daemon (or another long-running CLI command) as a
 * child process, and talk to it over its Unix socket.
 *
 * - `startDaemonProcess({home, retryDelays: '50ms,100ms,150ms'})` spawns
 *   `node bin/sigma-hooks.js --home HOME daemon …` in the foreground, captures every stdout and
 *   stderr line, and resolves once `GET /health` answers on the home's Unix socket (polled with a
 *   deadline). It rejects — with the daemon's output in the message — if the daemon exits first.
 * - `spawnDaemon(options)` spawns without waiting, for daemons expected to refuse to start.
 * - `DaemonProcess` can `kill9()`, `terminate()` (SIGTERM, graceful), `pause()`/`resume()`
 *   (SIGSTOP/SIGCONT: freezes the daemon's timers so a test can change something "while a retry
 *   is pending" without racing the retry), wait for an output line, and talk to its socket.
 * - `spawnCliProcess(args, home)` runs any other long-running command (`listen`) as a
 *   `CliProcess`, the base of `DaemonProcess`: output captured, `waitForLine`, `stop(signal)`.
 * - `stopAllDaemons()` kills every daemon this module spawned that is still running: call it from
 *   `afterEach`. `killDetachedDaemon(home)` does the same for a daemon started by
 *   `sigma-hooks daemon start` (found through HOME/daemon.pid).
 * - `socketRequest(socketPath, {method, path, headers, body, chunked})` is a tiny raw HTTP client
 *   over a Unix socket (any content type, any body, chunked or not); `api()` sends and parses
 *   JSON; `createWebhook`, `emitEvent`, `getDelivery`, `waitForDelivery` are API shortcuts.
 * - `pollUntil(fn, {timeoutMs, what})` polls until `fn` returns something other than
 *   `undefined`/`false`, or rejects naming `what` after the deadline. Use it instead of sleeps.
 *   `Waiters` is the event-driven counterpart, for state that changes on events (output lines,
 *   received requests): `notify()` on every change, `until(check, …)` to wait.
 * - `readJournal(home)` returns the journal's lines and parsed records.
 *
 * The daemon under test is `dist/`, so build first (`npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import { BIN, DIST_MAIN, REPO_ROOT, cliEnv } from './cli.js';

/** Retry delays every fast test uses: 4 attempts within a few hundred ms. */
export const FAST_RETRY_DELAYS = '50ms,100ms,150ms';
/** Parsed `FAST_RETRY_DELAYS`, for assertions. */
export const FAST_RETRY_DELAYS_MS: readonly number[] = [50, 100, 150];

/** The files of one home folder (SPEC §3). */
export interface HomeFiles {
  home: string;
  webhooks: string;
  journal: string;
  socket: string;
  pid: string;
  log: string;
}

export function homeFiles(home: string): HomeFiles {
  return {
    home,
    webhooks: join(home, 'webhooks.json'),
    journal: join(home, 'deliveries.jsonl'),
    socket: join(home, 'daemon.sock'),
    pid: join(home, 'daemon.pid'),
    log: join(home, 'daemon.log'),
  };
}

// ---------------------------------------------------------------------------------------------
// Polling

export interface PollOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** Pause between tries. Default 20 ms. */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

/**
 * Calls `fn` until it returns a value other than `undefined` or `false` and resolves that value.
 * Errors thrown by `fn` count as "not yet" (the last one is reported on timeout).
 */
export async function pollUntil<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Event-driven waiting on state that changes on events: whoever changes the state calls
 * `notify()`, and every pending `until()` checks again at once. No polling, no sleeps.
 */
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Checks every pending wait again. */
  notify(): void {
    for (const check of [...this.pending]) check();
  }

  /**
   * Resolves with the first value other than `undefined` that `check` returns — checked now, on
   * every `notify()` and once more at the deadline. Rejects with what `check` throws, at once, or
   * after `timeoutMs` with the message `timeoutMessage()` gives.
   */
  until<T>(check: () => T | undefined, timeoutMs: number, timeoutMessage: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const run = (atDeadline: boolean): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          done();
          reject(error);
          return;
        }
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (atDeadline) {
          done();
          reject(new Error(timeoutMessage()));
        }
      };
      const onNotify = () => run(false);
      const timer = setTimeout(() => run(true), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(onNotify);
      };
      this.pending.add(onNotify);
      run(false);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP client over the Unix socket

export interface SocketRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  /** Sent as is; a string is sent as UTF-8. No content-type is added. */
  body?: string | Buffer;
  /** Send the body with chunked transfer encoding instead of a Content-Length. */
  chunked?: boolean;
  timeoutMs?: number;
}

export interface SocketResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  json: unknown;
}

/**
 * One HTTP/1.1 request over a Unix socket, on a fresh connection (`Connection: close`), framed by
 * hand on node:net so that nothing is added or hidden (any method, content type or body; a
 * `content-length` header given without a body is sent as is, to declare a size without sending
 * it). The request goes out in 16 KiB pieces and stops once the server starts answering, so an
 * early answer (413 while the body is still coming) is read rather than lost to EPIPE.
 *
 * A limit of node:net, not of the server: if the server answers and closes between two pieces,
 * the failing write destroys the socket and unread input is gone (a blocking client would still
 * read it). To test an early refusal of a declared size, declare it and send no body.
 *
 * Rejects when the connection fails or closes without a complete answer, or after `timeoutMs`
 * (default 10 s).
 */
export function socketRequest(socketPath: string, req: SocketRequest): Promise<SocketResponse> {
  const method = req.method ?? 'GET';
  const timeoutMs = req.timeoutMs ?? 10_000;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headerLines = [`${method} ${req.path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  for (const [name, value] of Object.entries(req.headers ?? {})) headerLines.push(`${name}: ${value}`);
  if (body !== undefined) headerLines.push(req.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`);
  const head = Buffer.from(`${headerLines.join('\r\n')}\r\n\r\n`, 'latin1');

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect(socketPath);
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) {
        reject(error);
        return;
      }
      const parsed = parseResponse(Buffer.concat(chunks), true);
      if (parsed) resolve(parsed);
      else reject(new Error(`${method} ${req.path}: the connection closed without a complete HTTP answer (${Buffer.concat(chunks).length} bytes)`));
    };
    const timer = setTimeout(() => finish(new Error(`no answer to ${method} ${req.path} within ${timeoutMs} ms`)), timeoutMs);
    // The request goes out in small pieces, each after the previous one was taken by the kernel,
    // and stops as soon as the server starts answering: a server refusing a body early (413)
    // closes the connection, and node:net drops unread input when a write then fails (EPIPE).
    const pieces: Buffer[] = [];
    const wire = Buffer.concat([head, body === undefined ? Buffer.alloc(0) : req.chunked ? chunkedBody(body) : body]);
    for (let at = 0; at < wire.length; at += 16 * 1024) pieces.push(wire.subarray(at, at + 16 * 1024));
    let next = 0;
    const sendNext = (): void => {
      if (settled || chunks.length > 0 || next >= pieces.length) return;
      socket.write(pieces[next++]!, (error) => {
        if (!error) setImmediate(sendNext);
      });
    };
    socket.on('connect', sendNext);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Done as soon as a complete answer is in, even if the server keeps the connection open.
      if (parseResponse(Buffer.concat(chunks))) finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE/ECONNRESET while sending: the server answered early and closed; read what it said.
      if (chunks.length > 0 || error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        if (parseResponse(Buffer.concat(chunks))) finish();
        return;
      }
      finish(error);
    });
    socket.on('close', () => finish());
  });
}

/** `body` in chunked transfer encoding, in 64 KiB chunks, with the terminating chunk. */
function chunkedBody(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 64 * 1024) {
    const part = body.subarray(at, at + 64 * 1024);
    parts.push(Buffer.from(`${part.length.toString(16)}\r\n`, 'latin1'), part, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/**
 * Parses a complete HTTP/1.1 answer (Content-Length, chunked, or ended by the close when
 * `closed`); undefined while incomplete.
 */
function parseResponse(raw: Buffer, closed = false): SocketResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${String(previous)}, ${value}`;
  }
  let rest = raw.subarray(end + 4);
  let bodyBytes: Buffer;
  if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd === -1) return undefined;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) return undefined;
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    bodyBytes = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return undefined;
    bodyBytes = rest.subarray(0, length);
  } else if (status === 204 || status === 304) {
    bodyBytes = Buffer.alloc(0);
  } else {
    // Delimited by the end of the connection.
    if (!closed) return undefined;
    bodyBytes = rest;
  }
  const text = bodyBytes.toString('utf8');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}

export interface ApiOptions {
  /** Sent as `X-Sigma-Tenant` (an empty string too). */
  tenant?: string;
  /** More headers; a `content-type` here replaces `application/json`. */
  headers?: Record<string, string | number>;
}

/**
 * A JSON request to the daemon's API: sends `body` (when given) as JSON with content-type
 * `application/json`, sets `X-Sigma-Tenant` when `tenant` is given, and adds `headers`.
 */
export function api(socketPath: string, method: string, path: string, body?: unknown, options: ApiOptions = {}): Promise<SocketResponse> {
  const headers: Record<string, string | number> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  if (options.tenant !== undefined) headers['x-sigma-tenant'] = options.tenant;
  return socketRequest(socketPath, {
    method,
    path,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Resolves once `GET /health` answers 200 on `socketPath`. */
export async function waitForHealth(socketPath: string, timeoutMs = 10_000): Promise<unknown> {
  return pollUntil(
    async () => {
      const res = await socketRequest(socketPath, { path: '/health', timeoutMs: 2_000 });
      return res.status === 200 ? res.json : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `GET /health on ${socketPath}` },
  );
}

// ---------------------------------------------------------------------------------------------
// Long-running CLI processes: the daemon, `listen`

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Which output `waitForLine` looks at. */
export type OutputStream = 'stdout' | 'stderr' | 'both';

/**
 * A long-running `sigma-hooks` process (a foreground daemon, `listen`): every stdout and stderr
 * line captured as it arrives, event-driven waits for a line or the exit, and signals.
 */
export class CliProcess {
  /** Every line the process printed on stdout, in order. */
  readonly stdoutLines: string[] = [];
  /** Every line the process printed on stderr, in order. */
  readonly stderrLines: string[] = [];
  /** Resolves when the process has exited (and its output is fully read). */
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private readonly text = { stdout: '', stderr: '' };
  private readonly lineWaiters = new Waiters();

  /** `label` names the process in output and failure messages. */
  constructor(readonly child: ChildProcess, readonly home: string, readonly label: string) {
    this.capture(child.stdout, 'stdout', this.stdoutLines);
    this.capture(child.stderr, 'stderr', this.stderrLines);
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        this.lineWaiters.notify();
        resolve(this.exitStatus);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Everything printed on stdout so far, as is (a line still being written included). */
  stdout(): string {
    return this.text.stdout;
  }

  /** Everything printed on stderr so far, as is. */
  stderr(): string {
    return this.text.stderr;
  }

  /** Everything printed so far (stdout, then stderr), for assertion messages. */
  output(): string {
    return `--- ${this.label} stdout\n${this.stdoutLines.join('\n')}\n--- ${this.label} stderr\n${this.stderrLines.join('\n')}`;
  }

  /**
   * Resolves with the first complete line of `stream` (default: stdout or stderr) matching,
   * waiting up to `timeoutMs`; rejects with the output if the process exits first.
   */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs = 10_000, stream: OutputStream = 'both'): Promise<string> {
    const test = typeof match === 'function' ? match : (line: string) => match.test(line);
    const lines = () => (stream === 'stdout' ? this.stdoutLines : stream === 'stderr' ? this.stderrLines : [...this.stdoutLines, ...this.stderrLines]);
    return this.lineWaiters.until(
      () => {
        const line = lines().find(test);
        if (line === undefined && !this.running) {
          throw new Error(`${this.label} exited (${JSON.stringify(this.exitStatus)}) without printing ${String(match)}\n${this.output()}`);
        }
        return line;
      },
      timeoutMs,
      () => `no ${this.label} line matched ${String(match)} within ${timeoutMs} ms\n${this.output()}`,
    );
  }

  /** Waits for the exit, killing the process (SIGKILL) and rejecting after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL');
        reject(new Error(`${this.label} (pid ${this.pid}) did not exit within ${timeoutMs} ms\n${this.output()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `signal` (after SIGCONT, in case the process is paused) and waits for the exit;
   * SIGKILL and reject after `timeoutMs`. Resolves at once if the process has already exited.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitStatus> {
    this.signal('SIGCONT');
    this.signal(signal);
    return this.waitForExit(timeoutMs);
  }

  protected signal(signal: NodeJS.Signals): void {
    if (this.running) {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  private capture(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr', into: string[]): void {
    if (!stream) return;
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.text[name] += chunk;
      const text = rest + chunk;
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      into.push(...lines);
      if (lines.length > 0) this.lineWaiters.notify();
    });
    stream.on('end', () => {
      if (rest !== '') into.push(rest);
      rest = '';
      this.lineWaiters.notify();
    });
  }
}

/** Spawns `sigma-hooks --home HOME ...args` (a long-running command such as `listen`) and returns at once. */
export function spawnCliProcess(args: readonly string[], home: string): CliProcess {
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} does not exist: run \`npm run build\` first`);
  const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv({ home }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(child, home, `sigma-hooks ${args.join(' ')}`);
}

export interface DaemonProcessOptions {
  home: string;
  /** `--retry-delays`. Default `FAST_RETRY_DELAYS`. */
  retryDelays?: string;
  /** `--timeout`. Default `500ms`; `null` passes none (the daemon's own default, 10 s). */
  timeout?: string | null;
  /** `--concurrency`. */
  concurrency?: number;
  /** `--endpoint-concurrency`. */
  endpointConcurrency?: number;
  /** More arguments after `daemon …`. */
  extraArgs?: readonly string[];
  /** Extra environment (see `cliEnv`). */
  env?: Record<string, string | undefined>;
}

const live = new Set<DaemonProcess>();

/** A foreground daemon: a `CliProcess` that also knows its home's files and speaks to its socket. */
export class DaemonProcess extends CliProcess {
  readonly files: HomeFiles;

  constructor(child: ChildProcess, home: string) {
    super(child, home, 'daemon');
    this.files = homeFiles(home);
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get socket(): string {
    return this.files.socket;
  }

  /** Resolves once `/health` answers; rejects with the output if the daemon exits first. */
  async waitUntilHealthy(timeoutMs = 15_000): Promise<void> {
    const exitedEarly = this.exited.then((status) => {
      throw new Error(`the daemon exited during start (${JSON.stringify(status)})\n${this.output()}`);
    });
    exitedEarly.catch(() => undefined);
    await Promise.race([waitForHealth(this.socket, timeoutMs), exitedEarly]).catch((error: unknown) => {
      throw error instanceof Error && error.message.includes('--- daemon stdout')
        ? error
        : new Error(`${error instanceof Error ? error.message : String(error)}\n${this.output()}`);
    });
  }

  /** kill -9: no cleanup at all, exactly like a crash. Resolves on exit. */
  kill9(): Promise<ExitStatus> {
    return this.stop('SIGKILL');
  }

  /** SIGTERM (graceful stop) and wait for the exit; SIGKILL and reject after `timeoutMs`. */
  terminate(timeoutMs = 10_000): Promise<ExitStatus> {
    return this.stop('SIGTERM', timeoutMs);
  }

  /** SIGSTOP: the daemon stops running (its timers do not fire) until `resume()`. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT after `pause()`: due timers fire at once. */
  resume(): void {
    this.signal('SIGCONT');
  }

  /** A raw request to this daemon's socket. */
  request(req: SocketRequest): Promise<SocketResponse> {
    return socketRequest(this.socket, req);
  }

  /** A JSON request to this daemon's API. */
  api(method: string, path: string, body?: unknown, options: ApiOptions = {}): Promise<SocketResponse> {
    return api(this.socket, method, path, body, options);
  }
}

/** The argument list of a foreground daemon for `options`. */
export function daemonArgs(options: DaemonProcessOptions): string[] {
  const args = [BIN, '--home', options.home, '--no-color', 'daemon'];
  args.push('--retry-delays', options.retryDelays ?? FAST_RETRY_DELAYS);
  if (options.timeout !== null) args.push('--timeout', options.timeout ?? '500ms');
  if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
  if (options.endpointConcurrency !== undefined) args.push('--endpoint-concurrency', String(options.endpointConcurrency));
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Spawns a foreground daemon and returns at once (it may still be starting, or refuse to). */
export function spawnDaemon(options: DaemonProcessOptions): DaemonProcess {
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} does not exist: run \`npm run build\` first`);
  const child = spawn(process.execPath, daemonArgs(options), {
    cwd: REPO_ROOT,
    env: cliEnv({ home: options.home, ...(options.env ? { env: options.env } : {}) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new DaemonProcess(child, options.home);
}

/** Spawns a foreground daemon and resolves once `/health` answers. */
export async function startDaemonProcess(options: DaemonProcessOptions): Promise<DaemonProcess> {
  const daemon = spawnDaemon(options);
  try {
    await daemon.waitUntilHealthy();
  } catch (error) {
    await daemon.kill9().catch(() => undefined);
    throw error;
  }
  return daemon;
}

/** Kills (SIGKILL) every daemon spawned here that is still running, and waits for the exits. */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...live].map((daemon) => daemon.kill9().catch(() => undefined)));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills the detached daemon of `home` (started by `sigma-hooks daemon start`) if its pid file
 * names a live process, and waits until it is gone. For `afterEach` of tests that use it.
 */
export async function killDetachedDaemon(home: string): Promise<void> {
  const text = await readFile(homeFiles(home).pid, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await pollUntil(() => !isAlive(pid), { timeoutMs: 5_000, what: `pid ${pid} to exit` });
}

export { isAlive as isProcessAlive };

// ---------------------------------------------------------------------------------------------
// The journal

export interface JournalContents {
  /** The raw text. */
  text: string;
  /** Complete lines (a torn last line without its newline is left out). */
  lines: string[];
  /** Each complete line parsed. */
  records: Array<Record<string, unknown>>;
}

/** Reads HOME/deliveries.jsonl (empty when it does not exist). */
export async function readJournal(home: string): Promise<JournalContents> {
  const text = await readFile(homeFiles(home).journal, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const parts = text.split('\n');
  parts.pop(); // what follows the last newline: '' or a torn line
  const lines = parts.filter((line) => line.trim() !== '');
  return { text, lines, records: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

// ---------------------------------------------------------------------------------------------
// API shortcuts (what most daemon tests do over and over)

export interface WebhookInput {
  id: string;
  url: string;
  events?: string[];
  name?: string;
  secret?: string;
  active?: boolean;
  tenant?: string;
}

/** Creates a webhook through `POST /api/v1/webhooks` (the same store the CLI writes). */
export async function createWebhook(socketPath: string, input: WebhookInput): Promise<void> {
  const { tenant, ...rest } = input;
  const res = await api(socketPath, 'POST', '/api/v1/webhooks', { name: input.id, events: ['*'], ...rest }, tenant === undefined ? {} : { tenant });
  if (res.status !== 201) throw new Error(`creating webhook ${input.id} answered ${res.status}: ${res.text}`);
}

/** Emits through `POST /events` and returns the 202 answer (throws on anything else). */
export async function emitEvent(
  socketPath: string,
  event: string,
  data: Record<string, unknown> = {},
  options: { tenant?: string; idempotencyKey?: string } = {},
): Promise<EmitAnswer> {
  const body: Record<string, unknown> = { event, data };
  if (options.idempotencyKey !== undefined) body.idempotencyKey = options.idempotencyKey;
  const res = await api(socketPath, 'POST', '/events', body, options.tenant === undefined ? {} : { tenant: options.tenant });
  if (res.status !== 202) throw new Error(`POST /events answered ${res.status}: ${res.text}`);
  return res.json as EmitAnswer;
}

/** `GET /api/v1/deliveries/:id` (throws unless 200): the detail view, with `attempts` and `body`. */
export async function getDelivery(socketPath: string, deliveryId: string, options: { tenant?: string } = {}): Promise<DeliveryView> {
  const res = await api(socketPath, 'GET', `/api/v1/deliveries/${encodeURIComponent(deliveryId)}`, undefined, options);
  if (res.status !== 200) throw new Error(`GET delivery ${deliveryId} answered ${res.status}: ${res.text}`);
  return res.json as DeliveryView;
}

/** Polls a delivery until `predicate` holds (default: it has reached `status`). */
export function waitForDelivery(
  socketPath: string,
  deliveryId: string,
  status: DeliveryView['status'] | ((delivery: DeliveryView) => boolean),
  timeoutMs = 10_000,
): Promise<DeliveryView> {
  const predicate = typeof status === 'function' ? status : (d: DeliveryView) => d.status === status;
  let last: DeliveryView | undefined;
  return pollUntil(
    async () => {
      last = await getDelivery(socketPath, deliveryId);
      return predicate(last) ? last : undefined;
    },
    { timeoutMs, what: `delivery ${deliveryId} to reach ${typeof status === 'string' ? status : 'the expected state'}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`);
  });
}
