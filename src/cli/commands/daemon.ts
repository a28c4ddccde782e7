import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { open, readFile, unlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DaemonNotRunningError, OperationError } from '../../core/errors.js';
import { formatDuration, parseDuration, parseDurationList } from '../../core/duration.js';
import { DEFAULT_RETRY_DELAYS_MS } from '../../core/retry.js';
import { ensureHome } from '../../store/home.js';
import { styleOf, type CommandContext } from '../context.js';
import { daemonClient, startCommand, type Health } from '../daemon-access.js';
import { batchLines } from '../line-batcher.js';
import { parsePositiveInt } from '../parse.js';
import { renderAttemptLine } from '../render/deliveries.js';

export interface DaemonFlags {
  retryDelays?: string;
  timeout?: string;
  concurrency?: string;
  endpointConcurrency?: string;
}

const BIN = fileURLToPath(new URL('../../../bin/sigma-hooks.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

/** Validates the tuning flags up front, so `daemon start` fails here and not in a detached child. */
export function parseDaemonFlags(flags: DaemonFlags) {
  return {
    retryDelays: flags.retryDelays === undefined ? DEFAULT_RETRY_DELAYS_MS : parseDurationList(flags.retryDelays, '--retry-delays'),
    timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout'),
    concurrency: flags.concurrency === undefined ? undefined : parsePositiveInt(flags.concurrency, '--concurrency', 10_000),
    endpointConcurrency: flags.endpointConcurrency === undefined ? undefined : parsePositiveInt(flags.endpointConcurrency, '--endpoint-concurrency', 10_000),
  };
}

export async function run(ctx: CommandContext, action: string | undefined, flags: DaemonFlags): Promise<void> {
  const settings = parseDaemonFlags(flags);
  switch (action) {
    case undefined: return foreground(ctx, settings);
    case 'start': return start(ctx, flags);
    case 'stop': return stop(ctx);
    case 'status': return status(ctx);
    case 'restart':
      await stop(ctx);
      return start(ctx, flags);
  }
}

async function foreground(ctx: CommandContext, settings: ReturnType<typeof parseDaemonFlags>): Promise<void> {
  const { startDaemon } = await import('../../daemon/daemon.js');
  const { createWorkerTransport } = await import('../../daemon/worker-transport.js');
  const delivery = createWorkerTransport();
  const style = styleOf(ctx);
  const stamp = () => new Date().toISOString();
  const logs = batchLines((text) => ctx.out.print(text));
  const daemon = await startDaemon({
    home: ctx.home,
    retryDelays: settings.retryDelays,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
    ...(settings.endpointConcurrency === undefined ? {} : { endpointConcurrency: settings.endpointConcurrency }),
    transport: delivery.transport,
    onAttempt: (report) => logs.line(renderAttemptLine(report, style)),
    log: (line) => logs.line(`${stamp()} ${line}`),
  });
  ctx.out.print(
    `${stamp()} sigma-hooks daemon listening on ${daemon.paths.socket} (pid ${process.pid}); ` +
      `retries after ${settings.retryDelays.map(formatDuration).join(', ')}; Ctrl-C stops`,
  );
  if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  logs.flush();
  ctx.out.print(`${stamp()} stopping: attempts in flight may finish; everything else stays pending on disk`);
  await daemon.stop();
  await delivery.close();
  logs.flush();
  ctx.out.print(`${stamp()} stopped`);
  // Whatever a receiver left open (keep-alive sockets, a hung response) must not keep us alive.
  setTimeout(() => process.exit(), 1000).unref();
}

async function health(ctx: CommandContext): Promise<Health | undefined> {
  try {
    return await daemonClient(ctx).request<Health>('GET', '/health', undefined, 2_000);
  } catch (error) {
    if (error instanceof DaemonNotRunningError) return undefined;
    throw error;
  }
}

async function start(ctx: CommandContext, flags: DaemonFlags): Promise<void> {
  const running = await health(ctx);
  if (running) {
    ctx.out.print(`daemon already running (pid ${running.pid}) on ${ctx.paths.socket}`);
    return;
  }
  await ensureHome(ctx.home);
  const log = await open(ctx.paths.log, 'a', 0o600);
  await log.chmod(0o600);
  const args = [BIN, '--home', ctx.home, '--no-color', 'daemon'];
  if (flags.retryDelays !== undefined) args.push('--retry-delays', flags.retryDelays);
  if (flags.timeout !== undefined) args.push('--timeout', flags.timeout);
  if (flags.concurrency !== undefined) args.push('--concurrency', flags.concurrency);
  if (flags.endpointConcurrency !== undefined) args.push('--endpoint-concurrency', flags.endpointConcurrency);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: ctx.env });
  await log.close();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();

  const spinner = ctx.out.tty && !ctx.out.json ? (await import('ora')).default({ text: 'starting the daemon…', stream: process.stderr }).start() : undefined;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      const answer = await health(ctx);
      if (answer) {
        spinner?.succeed(`daemon started (pid ${answer.pid})`);
        if (!spinner) ctx.out.print(`daemon started (pid ${answer.pid}) on ${ctx.paths.socket}; log: ${ctx.paths.log}`);
        else ctx.out.print(`socket ${ctx.paths.socket}; log ${ctx.paths.log}`);
        return;
      }
      if (exited !== undefined || Date.now() > deadline) {
        spinner?.fail('the daemon did not start');
        const tail = (await readFile(ctx.paths.log, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n');
        throw new OperationError(
          exited !== undefined ? `the daemon exited during start (code ${exited})` : `the daemon did not answer within ${START_TIMEOUT_MS / 1000}s`,
          { hint: tail ? `Last lines of ${ctx.paths.log}:\n${tail}` : `See ${ctx.paths.log}` },
        );
      }
      await sleep(50);
    }
  } finally {
    spinner?.stop();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stop(ctx: CommandContext): Promise<void> {
  const running = await health(ctx);
  if (!running) {
    // A crash leaves a pid file (and maybe a socket) behind; clean them so status tells the truth.
    const pid = Number((await readFile(ctx.paths.pid, 'utf8').catch(() => '')).trim());
    if (pid > 0 && !alive(pid)) {
      await unlink(ctx.paths.pid).catch(() => undefined);
      await unlink(ctx.paths.socket).catch(() => undefined);
      ctx.out.print(`daemon is not running (removed the stale pid file of pid ${pid})`);
    } else {
      ctx.out.print('daemon is not running');
    }
    return;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(running.pid)) {
    if (Date.now() > deadline) {
      process.kill(running.pid, 'SIGKILL');
      ctx.out.note(`the daemon did not stop within ${STOP_TIMEOUT_MS / 1000}s; killed it (pending work is safe on disk)`);
      break;
    }
    await sleep(50);
  }
  ctx.out.print(`daemon stopped (pid ${running.pid})`);
}

async function status(ctx: CommandContext): Promise<void> {
  const running = await health(ctx);
  if (!running) {
    throw new DaemonNotRunningError(`the daemon is not running for ${ctx.home}`, { hint: `Start it with: ${startCommand(ctx)}` });
  }
  if (ctx.out.json) {
    ctx.out.printJson({ ...running, socket: ctx.paths.socket, home: ctx.home });
    return;
  }
  const { queue } = running;
  ctx.out.print(
    `daemon running (pid ${running.pid}, version ${running.version}, up ${formatDuration(running.uptimeSeconds * 1000)})\n` +
      `socket   ${ctx.paths.socket}\nqueue    ${queue.pending} pending, ${queue.retrying} retrying, ${queue.delivering} delivering`,
  );
}
