/**
 * The CLI entry: declares every command and its flags, loads the command's module only when it
 * runs (so `sigma-hooks list` does not pay for the daemon or HTTP client), and is the one place
 * where errors become messages and exit codes.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { isSigmaError } from '../core/errors.js';
import { resolveHome, resolveTenant } from '../store/home.js';
import { makeContext, type CommandContext } from './context.js';
import { createOutput } from './output.js';
import { VERSION } from '../version.js';

interface GlobalOptions {
  home?: string;
  tenant?: string;
  json?: boolean;
  color: boolean;
  debug?: boolean;
}

type CommandModule = { run: (ctx: CommandContext, ...args: never[]) => Promise<void> };

export interface MainIO {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const stdin = io.stdin ?? process.stdin;
  const env = io.env ?? process.env;
  const abort = new AbortController();
  let debug = argv.includes('--debug');
  let colorOff = argv.includes('--no-color') || Boolean(env.NO_COLOR);

  const lazy = (load: () => Promise<CommandModule>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const positional = args.slice(0, -2);
      const globals = command.optsWithGlobals<GlobalOptions>();
      debug = Boolean(globals.debug);
      colorOff ||= globals.json === true || !globals.color;
      const out = createOutput({ json: Boolean(globals.json), colorFlag: globals.color, env, stdout, stderr, stdin });
      const ctx = makeContext({
        home: resolveHome(globals.home, env),
        tenant: resolveTenant(globals.tenant, env),
        out,
        env,
        stdin,
        signal: abort.signal,
      });
      const module = await load();
      await (module.run as (ctx: CommandContext, ...rest: unknown[]) => Promise<void>)(ctx, ...positional, command.opts());
    };

  const program = new Command('sigma-hooks')
    .description('Manage Sigma PIM webhooks, emit events and watch every signed delivery.')
    .version(VERSION, '-v, --version')
    .option('--home <dir>', 'home folder for all state (env SIGMA_HOOKS_HOME, default ~/.sigma-hooks)')
    .option('--tenant <name>', 'tenant to act on (env SIGMA_HOOKS_TENANT, default "default")')
    .option('--json', 'print data as one JSON document (no colour, no spinner)')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('--debug', 'show stack traces for unexpected errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
    });

  program
    .command('create')
    .description('create a webhook (asks for missing fields on a terminal)')
    .option('--id <id>', 'webhook id (default: generated wh_…)')
    .option('--name <name>', 'display name')
    .option('--url <url>', 'receiver URL (http: or https:)')
    .option('--events <list>', 'comma-separated events or wildcards (entity.*, variant.*, *)')
    .option('--description <text>', 'free text')
    .option('--secret <secret>', 'HMAC signing secret (at least 16 characters)')
    .option('--generate-secret', 'generate a random whsec_… secret (printed once)')
    .option('--inactive', 'create it disabled')
    .action(lazy(() => import('./commands/create.js')));

  program
    .command('list')
    .description("list the tenant's webhooks (secrets masked)")
    .action(lazy(() => import('./commands/list.js')));

  program
    .command('get')
    .description('show one webhook')
    .argument('<id>', 'webhook id')
    .option('--show-secret', 'print the secret in full')
    .action(lazy(() => import('./commands/get.js')));

  program
    .command('update')
    .description('change a webhook')
    .argument('<id>', 'webhook id')
    .option('--name <name>', 'display name')
    .option('--url <url>', 'receiver URL')
    .option('--events <list>', 'replace the events')
    .option('--add-events <list>', 'add events')
    .option('--remove-events <list>', 'remove events')
    .option('--description <text>', 'free text ("" clears it)')
    .addOption(new Option('--secret <secret>', 'set the signing secret').conflicts('removeSecret'))
    .option('--remove-secret', 'stop signing deliveries')
    .option('--active <bool>', 'true or false')
    .action(lazy(() => import('./commands/update.js')));

  program
    .command('enable')
    .description('make a webhook active')
    .argument('<id>', 'webhook id')
    .action(lazy(() => import('./commands/enable.js')));

  program
    .command('disable')
    .description('make a webhook inactive (it receives nothing)')
    .argument('<id>', 'webhook id')
    .action(lazy(() => import('./commands/disable.js')));

  program
    .command('delete')
    .description('delete a webhook (asks to confirm on a terminal)')
    .argument('<id>', 'webhook id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./commands/delete.js')));

  program
    .command('events')
    .description('the event catalog')
    .action(lazy(() => import('./commands/events.js')));

  program
    .command('emit')
    .description('emit an event to every matching active webhook (via the daemon)')
    .argument('<event>', 'event name, e.g. entity.created')
    .option('--data <json>', 'event data: JSON text, @file or - for stdin (default: a realistic sample)')
    .option('--set <key=value>', 'set a data field (repeatable; dotted keys nest)', collect, [])
    .option('--idempotency-key <key>', 'the same key within 24 h returns the first answer and delivers nothing new')
    .option('--wait', 'follow the deliveries to their outcome')
    .action(lazy(() => import('./commands/emit.js')));

  program
    .command('daemon')
    .description('run the delivery daemon in the foreground, or start|stop|status|restart it')
    .addArgument(new Argument('[action]', 'start, stop, status or restart').choices(['start', 'stop', 'status', 'restart']))
    .option('--retry-delays <list>', 'delays before each retry (default 10s,60s,300s)')
    .option('--timeout <duration>', 'per-attempt timeout (default 10s)')
    .option('--concurrency <n>', 'attempts in flight at once, all endpoints (default 64)')
    .option('--endpoint-concurrency <n>', 'attempts in flight at once per endpoint (default 8)')
    .action(lazy(() => import('./commands/daemon.js')));

  const deliveries = program
    .command('deliveries')
    .description('list deliveries, newest first')
    .option('--webhook <id>', 'only this webhook')
    .option('--event <event>', 'only this event')
    .option('--status <status>', 'pending, delivering, retrying, succeeded, failed or cancelled')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(lazy(() => import('./commands/deliveries.js')));
  deliveries
    .command('show')
    .description('one delivery with every attempt')
    .argument('<deliveryId>', 'delivery id')
    .action(lazy(() => import('./commands/deliveries-show.js')));
  deliveries
    .command('redeliver')
    .description('start a new attempt chain (same deliveryId and body)')
    .argument('<deliveryId>', 'delivery id')
    .action(lazy(() => import('./commands/deliveries-redeliver.js')));

  program
    .command('verify')
    .description('check an X-Sigma-Signature against a body')
    .requiredOption('--secret <secret>', 'the webhook secret')
    .requiredOption('--signature <sig>', 'the X-Sigma-Signature value (sha256=… or bare hex)')
    .requiredOption('--body <body>', '@file, - for stdin, or the body text')
    .option('--tolerance <duration>', "also refuse a body whose timestamp is older than this")
    .action(lazy(() => import('./commands/verify.js')));

  program
    .command('listen')
    .description('a local test receiver that prints every delivery')
    .option('--port <port>', 'port to listen on (default 4000; 0 picks a free one)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--secret <secret>', 'verify signatures with this secret')
    .option('--status <code>', 'answer with this status (default 200)')
    .option('--fail-first <n>', 'answer 500 to the first N attempts of each delivery')
    .option('--delay <duration>', 'wait this long before answering')
    .action(lazy(() => import('./commands/listen.js')));

  // `on`, not `once`: proper-lockfile's signal-exit re-raises a signal when it sees no other
  // listener left, which would kill the process before a graceful stop. A second signal forces it.
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return report(error, { stderr, debug, color: !colorOff && stderr.isTTY === true });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The single catch site: user errors become a message and an exit code, never a stack trace. */
function report(error: unknown, opts: { stderr: NodeJS.WriteStream; debug: boolean; color: boolean }): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message. Asked-for help and version exit 0; help shown
    // because no command was given is bad usage.
    return error.exitCode === 0 ? 0 : 2;
  }
  const red = (s: string) => (opts.color ? `\u001b[31m${s}\u001b[39m` : s);
  const dim = (s: string) => (opts.color ? `\u001b[2m${s}\u001b[22m` : s);
  if (isSigmaError(error)) {
    opts.stderr.write(`${red('Error:')} ${error.message}\n`);
    if (error.hint) opts.stderr.write(`${dim(error.hint)}\n`);
    if (opts.debug && error.stack) opts.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  opts.stderr.write(`${red('Error:')} unexpected failure: ${message}\n`);
  opts.stderr.write(opts.debug && error instanceof Error && error.stack ? `${error.stack}\n` : `${dim('Run again with --debug for the stack trace.')}\n`);
  return 1;
}

