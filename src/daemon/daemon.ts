import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { chmod, unlink, writeFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { OperationError } from '../core/errors.js';
import { DEFAULT_RETRY_DELAYS_MS } from '../core/retry.js';
import type { Retention } from '../core/delivery.js';
import { Journal } from '../journal/journal.js';
import { ensureHome, homePaths, type HomePaths } from '../store/home.js';
import { WebhookStore } from '../store/webhook-store.js';
import { VERSION } from '../version.js';
import { Dispatcher, type AttemptReport } from './dispatcher.js';
import { Emitter } from './emitter.js';
import { createRequestHandler } from './routes.js';
import { createGotTransport, type Transport } from './transport.js';

export interface DaemonOptions {
  home: string;
  retryDelays?: readonly number[];
  timeoutMs?: number;
  concurrency?: number;
  endpointConcurrency?: number;
  retention?: Retention;
  compactAfterLines?: number;
  /** How long a graceful stop waits for attempts in flight. */
  shutdownGraceMs?: number;
  transport?: Transport;
  now?: () => number;
  onAttempt?: (report: AttemptReport) => void;
  log?: (line: string) => void;
}

export const DAEMON_DEFAULTS = {
  timeoutMs: 10_000,
  concurrency: 64,
  endpointConcurrency: 8,
  shutdownGraceMs: 5_000,
} as const;

const RETENTION_SWEEP_MS = 3_600_000;

export interface RunningDaemon {
  paths: HomePaths;
  stop(): Promise<void>;
}

/**
 * Starts the daemon for one home folder: claims the socket (refusing if a live daemon answers,
 * cleaning up after a crashed one), replays the journal, resumes pending work and serves the API.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const paths = homePaths(options.home);
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  await ensureHome(paths.home);

  // Held only while claiming: two daemons starting at once must not both decide the socket is stale.
  const release = await lockfile.lock(paths.socket, {
    realpath: false,
    lockfilePath: `${paths.socket}.lock`,
    stale: 10_000,
    retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
    onCompromised: () => undefined,
  }).catch((error: unknown) => {
    throw new OperationError(`could not lock ${paths.home}: ${(error as Error).message}`);
  });

  let server: Server | undefined;
  let journal: Journal | undefined;
  let pidWritten = false;
  try {
    await claimSocket(paths);
    journal = await Journal.open({
      path: paths.journal,
      now,
      ...(options.retention ? { retention: options.retention } : {}),
      ...(options.compactAfterLines ? { compactAfterLines: options.compactAfterLines } : {}),
    });
    const store = new WebhookStore(paths.webhooks);
    const webhooks = () => store.readAll();
    const dispatcher = new Dispatcher({
      journal,
      webhooks,
      transport: options.transport ?? createGotTransport(),
      now,
      retryDelays: options.retryDelays ?? DEFAULT_RETRY_DELAYS_MS,
      timeoutMs: options.timeoutMs ?? DAEMON_DEFAULTS.timeoutMs,
      concurrency: options.concurrency ?? DAEMON_DEFAULTS.concurrency,
      endpointConcurrency: options.endpointConcurrency ?? DAEMON_DEFAULTS.endpointConcurrency,
      version: VERSION,
      ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
      onCancel: (delivery, reason) => log(`cancelled ${delivery.deliveryId} (${delivery.event} → ${delivery.webhookId}): ${reason}`),
      onError: (error) => log(`dispatcher error: ${error instanceof Error ? error.message : String(error)}`),
    });
    const emitter = new Emitter({
      journal,
      webhooks,
      now,
      onDurable: (ids) => {
        const at = now();
        for (const id of ids) dispatcher.schedule(id, at);
      },
    });
    const handler = createRequestHandler({
      store, journal, dispatcher, emitter, now, version: VERSION, startedAt: now(), log,
    });
    server = createServer({ keepAlive: true }, handler);
    server.on('clientError', (_error, socket) => {
      // As Node's own handler: once a response went out on this socket, another one would be
      // an unsolicited extra answer, so just close.
      const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && !inFlight?.headersSent) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n{"error":{"code":"bad_request","message":"malformed HTTP request"}}');
      else socket.destroy();
    });
    // The pid file goes first: whoever sees /health answer can rely on it being there.
    await writeFile(paths.pid, `${process.pid}\n`, { mode: 0o600 });
    pidWritten = true;
    await listen(server, paths.socket);
    await chmod(paths.socket, 0o600);
    dispatcher.start();

    const liveServer = server;
    const liveJournal = journal;
    // Growth triggers compaction on its own; this applies the 7-day age limit to a quiet daemon too.
    const retentionTimer = setInterval(() => {
      liveJournal.compact().catch((error: unknown) => log(`compaction failed: ${(error as Error).message}`));
    }, RETENTION_SWEEP_MS);
    retentionTimer.unref();
    let stopping: Promise<void> | undefined;
    return {
      paths,
      stop: () => {
        stopping ??= (async () => {
          clearInterval(retentionTimer);
          const closed = new Promise<void>((resolve) => liveServer.close(() => resolve()));
          liveServer.closeIdleConnections();
          await dispatcher.stop(options.shutdownGraceMs ?? DAEMON_DEFAULTS.shutdownGraceMs);
          liveServer.closeAllConnections();
          await closed;
          await liveJournal.close();
          await unlink(paths.pid).catch(() => undefined);
          // server.close() removes the socket file itself; this covers the odd case it did not.
          await unlink(paths.socket).catch(() => undefined);
        })();
        return stopping;
      },
    };
  } catch (error) {
    server?.close();
    await journal?.close().catch(() => undefined);
    if (pidWritten) await unlink(paths.pid).catch(() => undefined);
    throw error;
  } finally {
    await release().catch(() => undefined);
  }
}

/** Refuses when a daemon answers on the socket; removes a socket or pid file left by a crash. */
async function claimSocket(paths: HomePaths): Promise<void> {
  const state = await probeSocket(paths.socket);
  if (state === 'live') {
    throw new OperationError(`a daemon is already running for ${paths.home} (socket ${paths.socket})`, {
      hint: 'Use `sigma-hooks daemon status` to see it, or `sigma-hooks daemon stop` to stop it.',
    });
  }
  if (state === 'stale') await unlink(paths.socket);
  await unlink(paths.pid).catch(() => undefined);
}

function probeSocket(path: string): Promise<'live' | 'stale' | 'absent'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ENOENT' ? 'absent' : 'stale');
    });
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The socket is created with the umask's mode; 0177 makes it 0600 from the first instant.
    const previous = process.umask(0o177);
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
    process.umask(previous);
  });
}
