import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Where a command writes and how: colour and spinners only on a terminal, never with
 * NO_COLOR, --no-color or --json (so `--json` output is one clean JSON document).
 */
export interface Output {
  readonly json: boolean;
  /** stdout is a terminal: tables get borders, spinners may spin. */
  readonly tty: boolean;
  /** stdin and stdout are terminals: prompts may ask. */
  readonly interactive: boolean;
  readonly color: ChalkInstance;
  print(text: string): void;
  printJson(value: unknown): void;
  /** Progress and notices go to stderr, so stdout stays data. */
  note(text: string): void;
}

export interface OutputOptions {
  json: boolean;
  colorFlag: boolean;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export function wantsColor(opts: Pick<OutputOptions, 'json' | 'colorFlag' | 'env'>, isTTY: boolean): boolean {
  if (opts.json || !opts.colorFlag || !isTTY) return false;
  const noColor = opts.env.NO_COLOR;
  return noColor === undefined || noColor === '';
}

export function createOutput(opts: OutputOptions): Output {
  const tty = opts.stdout.isTTY === true;
  const color = new Chalk({ level: wantsColor(opts, tty) ? 1 : 0 });
  return {
    json: opts.json,
    tty,
    interactive: tty && opts.stdin.isTTY === true,
    color,
    print: (text) => {
      opts.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    printJson: (value) => {
      opts.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note: (text) => {
      opts.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}
