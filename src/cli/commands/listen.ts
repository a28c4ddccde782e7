import { UsageError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { MIN_SECRET_LENGTH } from '../../core/webhook.js';
import { startReceiver, type Received } from '../../listen/receiver.js';
import { styleOf, type CommandContext } from '../context.js';
import { parseNonNegativeInt, parseStatusCode } from '../parse.js';
import { renderReceived } from '../render/listen.js';

export interface ListenOptions {
  port?: string;
  host?: string;
  secret?: string;
  status?: string;
  failFirst?: string;
  delay?: string;
}

export async function run(ctx: CommandContext, options: ListenOptions): Promise<void> {
  const port = options.port === undefined ? 4000 : parseNonNegativeInt(options.port, '--port');
  if (port > 65_535) throw new UsageError(`--port: ${port} must be between 0 and 65535`);
  if (options.secret !== undefined && options.secret.length < MIN_SECRET_LENGTH) {
    throw new UsageError(`--secret: must be at least ${MIN_SECRET_LENGTH} characters, like the webhook's secret`);
  }
  const settings = {
    port,
    host: options.host ?? '127.0.0.1',
    secret: options.secret,
    status: options.status === undefined ? 200 : parseStatusCode(options.status, '--status'),
    failFirst: options.failFirst === undefined ? 0 : parseNonNegativeInt(options.failFirst, '--fail-first'),
    delayMs: options.delay === undefined ? 0 : parseDuration(options.delay, '--delay'),
  };
  const style = styleOf(ctx);
  let count = 0;
  const onReceived = (r: Received) => {
    count++;
    if (ctx.out.json) ctx.out.print(JSON.stringify(r));
    else ctx.out.print(renderReceived(r, style));
  };
  let receiver;
  try {
    receiver = await startReceiver(settings, onReceived);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port: ${port} is already in use; pick another (or 0 for any free port)`);
    throw error;
  }
  ctx.out.note(`Listening on ${receiver.url} — point a webhook at it:`);
  ctx.out.note(`  sigma-hooks create --name local --url ${receiver.url} --events '*'${settings.secret ? ' --secret <the same secret>' : ''}`);
  ctx.out.note('Ctrl-C to stop.');
  if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  await receiver.close();
  ctx.out.note(`\nstopped; ${count} ${count === 1 ? 'request' : 'requests'} received`);
}
