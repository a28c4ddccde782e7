import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

/** Reads a flag value given as `@file`, `-` (stdin) or literal text. */
export async function readTextArg(value: string, flag: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (value === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return value;
}
