/**
 * The per-test setup shared by the daemon test files: call `useDaemonTest()` at the top level
 * of a test file and use what it returns inside tests. Each test gets a fresh temp home; after
 * each test every daemon it spawned (foreground or `daemon start`) is killed, every receiver
 * closed and the home removed.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { makeTempHome, runCli, type CliResult, type TempHome } from '../helpers/cli.js';
import {
  killDetachedDaemon,
  startDaemonProcess,
  stopAllDaemons,
  type DaemonProcess,
  type DaemonProcessOptions,
} from '../helpers/daemon.js';
import { startReceiver, type Behavior, type Receiver } from '../helpers/receiver.js';

export interface DaemonTest {
  /** This test's home folder. */
  readonly home: string;
  /** A recording receiver, closed after the test. */
  receiver(behavior?: Behavior): Promise<Receiver>;
  /** A foreground daemon on this home (fast retries unless told otherwise), ready to serve. */
  daemon(options?: Omit<DaemonProcessOptions, 'home'>): Promise<DaemonProcess>;
  /** `sigma-hooks ...args` on this home; `input` goes to stdin. */
  cli(args: readonly string[], input?: string): Promise<CliResult>;
  /** `sigma-hooks ...args --json`, which must exit 0; its stdout parsed. */
  cliJson<T>(...args: string[]): Promise<T>;
}

export function useDaemonTest(): DaemonTest {
  let temp: TempHome | undefined;
  const receivers: Receiver[] = [];

  beforeEach(async () => {
    temp = await makeTempHome();
  });
  afterEach(async () => {
    await stopAllDaemons();
    if (temp) await killDetachedDaemon(temp.path);
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await temp?.cleanup();
    temp = undefined;
  });

  const home = (): string => {
    if (!temp) throw new Error('useDaemonTest(): the home exists only inside a test');
    return temp.path;
  };
  const cli = (args: readonly string[], input?: string) => runCli(args, { home: home(), ...(input === undefined ? {} : { input }) });

  return {
    get home() {
      return home();
    },
    async receiver(behavior = {}) {
      const r = await startReceiver(behavior);
      receivers.push(r);
      return r;
    },
    daemon: (options = {}) => startDaemonProcess({ home: home(), ...options }),
    cli,
    async cliJson<T>(...args: string[]) {
      const result = await cli([...args, '--json']);
      expect(result.code, `sigma-hooks ${args.join(' ')} --json\n${result.stderr}`).toBe(0);
      return JSON.parse(result.stdout) as T;
    },
  };
}
