/**
 * Runs the real `create` prompts (@inquirer/prompts) in-process: keystrokes go in through a
 * stream the way a terminal delivers them, the rendered screen comes back through another.
 */
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { OperationError } from '../../src/core/errors.js';
import { cancellable, promptForMissing, type CreateOptions } from '../../src/cli/prompts.js';

const KEY = { enter: '\r', space: ' ', down: '\u001b[B', up: '\u001b[A', clearLine: '\u0015' } as const;

/** A fake terminal screen. Inquirer ends its output after every prompt; a terminal stays open. */
class Screen extends Writable {
  text = '';
  private mark = 0;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += String(chunk);
    this.emit('text');
    callback();
  }

  override end(): this {
    return this;
  }

  /** Resolves once `pattern` appears after the last match; rejects with the screen after 5 s. */
  waitFor(pattern: RegExp, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.text.slice(this.mark));
        if (!match) return;
        this.mark += match.index + match[0].length;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${String(pattern)} did not appear; screen so far:\n${JSON.stringify(this.text)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('text', check);
      };
      this.on('text', check);
      check();
    });
  }
}

class Terminal {
  readonly input = new PassThrough();
  readonly screen = new Screen();

  /** Waits for the prompt, then types each key as its own chunk (as a terminal sends them). */
  async answer(prompt: RegExp, ...keys: string[]): Promise<void> {
    await this.screen.waitFor(prompt);
    for (const key of keys) this.input.write(key);
  }

  run(options: CreateOptions, opts: { color?: boolean } = {}): Promise<CreateOptions> {
    return promptForMissing(options, { input: this.input, output: this.screen }, opts);
  }
}

let term: Terminal;
afterEach(() => {
  term.input.destroy();
});

describe('promptForMissing', () => {
  test('asks for name, URL, events and the secret, and returns the options the flags would', async () => {
    term = new Terminal();
    const result = term.run({ id: 'wh_prompted', description: 'kept' });
    await term.answer(/Name/, ...'My hook', KEY.enter);
    await term.answer(/Receiver URL/, ...'https://erp.example.com/hooks', KEY.enter);
    // The cursor starts on entity.created: select it, move down once, select entity.updated.
    await term.answer(/Events/, KEY.space, KEY.down, KEY.space, KEY.enter);
    await term.answer(/Sign deliveries with a generated secret\?/, 'n', KEY.enter);
    expect(await result).toEqual({
      id: 'wh_prompted',
      description: 'kept',
      name: 'My hook',
      url: 'https://erp.example.com/hooks',
      events: 'entity.created,entity.updated',
      generateSecret: false,
    });
    expect(term.screen.text).toContain('entity.transition');
    expect(term.screen.text).toContain('variant.*');
  });

  test('the secret question defaults to yes', async () => {
    term = new Terminal();
    const result = term.run({ name: 'n', url: 'https://e.example/h', events: 'entity.*' });
    await term.answer(/generated secret/, KEY.enter);
    expect(await result).toEqual({ name: 'n', url: 'https://e.example/h', events: 'entity.*', generateSecret: true });
  });

  test('asks only for what is missing', async () => {
    term = new Terminal();
    const result = term.run({ name: 'given', url: 'https://e.example/h', generateSecret: true });
    await term.answer(/Events/, ...Array<string>(9).fill(KEY.down), KEY.space, KEY.enter);
    expect(await result).toEqual({ name: 'given', url: 'https://e.example/h', events: '*', generateSecret: true });
    expect(term.screen.text).not.toMatch(/Name|Receiver URL|generated secret/);
  });

  test('asks nothing when the flags gave everything', async () => {
    term = new Terminal();
    const options = { name: 'n', url: 'https://e.example/h', events: 'entity.created', secret: 's'.repeat(16) };
    expect(await term.run(options)).toEqual(options);
    expect(term.screen.text).toBe('');
  });

  test('re-asks with the validation message until the answer is valid', async () => {
    term = new Terminal();
    const result = term.run({ secret: 's'.repeat(16) });
    await term.answer(/Name/, KEY.enter);
    await term.answer(/must not be empty/, ...'Fixed name', KEY.enter);
    await term.answer(/Receiver URL/, ...'ftp://files.example.com', KEY.enter);
    await term.answer(/must use http: or https:/, KEY.clearLine, ...' https://ok.example/h ', KEY.enter);
    await term.answer(/Events/, KEY.enter);
    await term.answer(/at least one/i, KEY.down, KEY.down, KEY.down, KEY.space, KEY.enter);
    expect(await result).toEqual({
      secret: 's'.repeat(16),
      name: 'Fixed name',
      url: 'https://ok.example/h',
      events: 'entity.transition',
    });
  });

  test('with colour off every prompt is drawn without colour', async () => {
    term = new Terminal();
    const result = term.run({ id: 'x' }, { color: false });
    await term.answer(/Name/, KEY.enter);
    await term.answer(/must not be empty/, ...'n', KEY.enter);
    await term.answer(/Receiver URL/, ...'https://e.example/h', KEY.enter);
    await term.answer(/Events/, KEY.space, KEY.enter);
    await term.answer(/generated secret/, KEY.enter);
    expect(await result).toEqual({ id: 'x', name: 'n', url: 'https://e.example/h', events: 'entity.created', generateSecret: true });
    // eslint-disable-next-line no-control-regex
    expect(term.screen.text).not.toMatch(/\u001b\[[0-9;]*m/);
    expect(term.screen.text).toContain('✔');
  });

  test('cancelling at a prompt is a cancelled operation (exit 1), not a crash', async () => {
    term = new Terminal();
    const abort = new AbortController();
    const result = promptForMissing({}, { input: term.input, output: term.screen, signal: abort.signal });
    await term.screen.waitFor(/Name/);
    abort.abort();
    const error = await result.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/cancelled/);
  });
});

describe('cancellable', () => {
  test('passes answers and other errors through', async () => {
    await expect(cancellable(() => Promise.resolve(3))).resolves.toBe(3);
    const other = new Error('boom');
    await expect(cancellable(() => Promise.reject(other))).rejects.toBe(other);
  });
});
