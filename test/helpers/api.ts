/**
 * Helpers for the REST API tests (test/api): a real foreground daemon process, raw HTTP over its
 * Unix socket, a plain node:http receiver that keeps the raw body bytes, polling with deadlines
 * and a seeded PRNG. The daemon is the built CLI (`dist/`), so build first.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BIN, REPO_ROOT, cliEnv } from './cli.js';

export const MASK = '••••••••';

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP over the Unix socket

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
}

export interface ApiRequestOptions {
  /** A value to send as JSON (content-type application/json unless `headers` says otherwise). */
  json?: unknown;
  /** Raw body bytes/text, sent as is. */
  body?: string | Buffer;
  headers?: Record<string, string | number>;
  timeoutMs?: number;
}

export function api(socketPath: string, method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The `{error: {code, message, fields?}}` of an error response; fails loudly when the shape is wrong. */
export function errorOf(res: ApiResponse): { code: string; message: string; fields?: Array<{ field: string; message: string }> } {
  const body = res.json as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | undefined;
  if (!body?.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error document (status ${res.status}): ${res.text.slice(0, 500)}`);
  }
  return body.error as { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

// ---------------------------------------------------------------------------------------------
// A real daemon process

export interface DaemonProcess {
  home: string;
  socket: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the daemon printed so far (stdout + stderr). */
  output(): string;
  /** Waits until the output matches `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  alive(): boolean;
  /** SIGTERM and wait for the exit; resolves the exit code. SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  request(method: string, path: string, options?: ApiRequestOptions): Promise<ApiResponse>;
}

export async function startDaemon(home: string, extraArgs: readonly string[] = ['--retry-delays', '50ms,100ms,150ms']): Promise<DaemonProcess> {
  const socket = join(home, 'daemon.sock');
  const child = spawn(process.execPath, [BIN, '--home', home, '--no-color', 'daemon', ...extraArgs], {
    cwd: REPO_ROOT,
    env: cliEnv({ home }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stdin.end();

  const daemon: DaemonProcess = {
    home,
    socket,
    child,
    output: () => out,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      waitFor(`daemon output matching ${String(pattern)}\n--- output so far:\n${out}`, () => {
        if (exited && !pattern.test(out)) throw new Error(`daemon exited; output:\n${out}`);
        return out.match(pattern) ?? undefined;
      }, timeoutMs),
    alive: () => !exited,
    stop: async (timeoutMs = 10_000) => {
      if (exited) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
    request: (method, path, options) => api(socket, method, path, options),
  };
  try {
    await daemon.waitForOutput(/listening on/, 15_000);
    await waitFor('daemon /health', async () => (await api(socket, 'GET', '/health')).status === 200, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return daemon;
}

// ---------------------------------------------------------------------------------------------
// A plain node:http receiver that keeps every request's raw bytes

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** The status to answer (may be changed at any time). */
  status: number;
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: TestReceiver = {
    url: '',
    requests,
    status: 200,
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitFor(`${count} requests at the receiver (got ${requests.length})`, () => (requests.length >= count ? requests : undefined), timeoutMs),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(receiver.status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32)

export interface Random {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    chance: (p: number) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------
// A long-running CLI command (`listen`), its output captured

export interface LongCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves the exit code and signal. SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: readonly string[], home: string): LongCli {
  const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv({ home }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  child.stdin.end();
  const waitIn = (stream: () => string, name: string) => (pattern: RegExp, timeoutMs = 10_000) =>
    waitFor(`${name} of sigma-hooks ${args.join(' ')} to match ${String(pattern)}`, () => {
      const match = stream().match(pattern);
      if (match) return match;
      if (exited) throw new Error(`exited (${JSON.stringify(exited)})\n--- stdout\n${out}\n--- stderr\n${err}`);
      return undefined;
    }, timeoutMs);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: waitIn(() => out, 'stdout'),
    waitForStderr: waitIn(() => err, 'stderr'),
    stop: async (signal = 'SIGINT', timeoutMs = 10_000) => {
      if (exited) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
