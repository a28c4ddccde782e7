import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorruptError } from '../core/errors.js';

/**
 * A lowdb adapter for files holding secrets. Unlike lowdb's JSONFile it writes mode 0600,
 * fsyncs before the rename (so a crash leaves the old or the new file, never a torn one), and
 * reports unparseable content with the file's path instead of a bare SyntaxError.
 */
export class SecureJsonFile<T> implements Adapter<T> {
  constructor(
    private readonly path: string,
    private readonly checkShape: (value: unknown) => string | undefined,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoreCorruptError(`${this.path} is not valid JSON: ${(error as Error).message}`, {
        hint: 'The file was left untouched. Fix it by hand or move it aside; nothing will overwrite it.',
      });
    }
    const problem = this.checkShape(value);
    if (problem !== undefined) {
      throw new StoreCorruptError(`${this.path} does not have the expected shape: ${problem}`, {
        hint: 'The file was left untouched. Fix it by hand or move it aside; nothing will overwrite it.',
      });
    }
    return value as T;
  }

  async write(data: T): Promise<void> {
    const temp = join(dirname(this.path), `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await rename(temp, this.path);
  }
}
