/**
 * Shared helpers for tests that run the built `sigma-hooks` CLI as a real child process.
 *
 * - `makeTempHome()` gives every test its own state folder (and removes it again).
 * - `runCli(args, opts)` spawns `node bin/sigma-hooks.js …args` with `SIGMA_HOOKS_HOME` pointing
 *   at that folder, stdin piped (so never a TTY), and resolves `{code, stdout, stderr}`.
 * - `runCliJson(args, opts)` does the same and parses stdout as one JSON document.
 * - `cliEnv(opts)` builds the environment `runCli` uses, for tests that spawn long-running
 *   commands (`daemon`, `listen`) themselves.
 *
 * The CLI under test is `dist/`, so build first (`npm test` does: `npm run build && vitest run`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file is test/helpers/cli.ts). */
export const REPO_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of the CLI launcher. */
export const BIN: string = join(REPO_ROOT, 'bin', 'sigma-hooks.js');

/** The compiled entry the launcher imports; it must exist before any CLI test runs. */
export const DIST_MAIN: string = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface TempHome {
  /** A fresh, empty folder under the OS temp dir (mode 0700 from mkdtemp). */
  path: string;
  /** Removes the folder and everything in it; safe to call twice. */
  cleanup: () => Promise<void>;
}

/** A fresh temp folder to use as `SIGMA_HOOKS_HOME` (or as a parent of one). */
export async function makeTempHome(prefix = 'sigma-hooks-test-'): Promise<TempHome> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
}

export interface RunCliOptions {
  /** Sets `SIGMA_HOOKS_HOME`. Without it the variable is removed (the CLI would use ~/.sigma-hooks). */
  home?: string;
  /**
   * Extra environment. A value of `undefined` removes the variable. `NO_COLOR`, `FORCE_COLOR`,
   * `NODE_DISABLE_COLORS` and every `SIGMA_HOOKS_*` variable of the test runner are removed unless
   * given here.
   */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. Without it stdin is closed at once. */
  input?: string;
  /** Kill the child (SIGKILL) and reject after this long. Default 15 s. */
  timeoutMs?: number;
  /** Working directory of the child. Default the repository root. */
  cwd?: string;
}

export interface CliResult {
  /** The exit code; `null` only if the child died from a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliJsonResult<T> extends CliResult {
  json: T;
}

/** Variables of the test runner's own environment that would change the CLI's behaviour. */
const SCRUBBED = /^(NO_COLOR|FORCE_COLOR|NODE_DISABLE_COLORS|SIGMA_HOOKS_.*)$/;

/** The environment `runCli` gives the child: the runner's, scrubbed, plus `home` and `env`. */
export function cliEnv(opts: Pick<RunCliOptions, 'home' | 'env'> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!SCRUBBED.test(key)) env[key] = value;
  }
  if (opts.home !== undefined) env.SIGMA_HOOKS_HOME = opts.home;
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

let distChecked = false;
function assertBuilt(): void {
  if (distChecked) return;
  if (!existsSync(DIST_MAIN)) {
    throw new Error(`${DIST_MAIN} does not exist: run \`npm run build\` before the CLI tests (npm test does)`);
  }
  distChecked = true;
}

/** Runs `sigma-hooks ...args` to completion. Never rejects on a non-zero exit; check `code`. */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  assertBuilt();
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: cliEnv(opts),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    // The child may exit without reading stdin; that EPIPE is not the test's concern.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(
        `sigma-hooks ${args.join(' ')} did not finish within ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
      ));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs the CLI and parses stdout as JSON. Rejects (with both streams in the message) when stdout
 * is not exactly one JSON document — whatever the exit code — so a test sees why.
 */
export async function runCliJson<T = unknown>(args: readonly string[], opts: RunCliOptions = {}): Promise<CliJsonResult<T>> {
  const result = await runCli(args, opts);
  try {
    return { ...result, json: JSON.parse(result.stdout) as T };
  } catch (error) {
    throw new Error(
      `sigma-hooks ${args.join(' ')} (exit ${String(result.code)}) did not print JSON: ${(error as Error).message}\n` +
        `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
}

/** Matches any ANSI escape sequence (colour, cursor movement). */
// eslint-disable-next-line no-control-regex
export const ANSI_PATTERN = /\u001b\[[0-9;?]*[A-Za-z]/;

/** A line of a JavaScript stack trace, which a user error must never print. */
export const STACK_LINE = /^\s{4}at /m;
