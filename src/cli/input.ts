import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

/**
 * Reads a flag value given as `@file`, `-` (stdin) or literal text, as raw bytes: a signature
 * covers bytes, and decoding then re-encoding could change them.
 */
export async function readBytesArg(value: string, flag: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (value === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  }
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      return await readFile(path);
    } catch (error) {
      throw new UsageError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return Buffer.from(value, 'utf8');
}

export async function readTextArg(value: string, flag: string, stdin: NodeJS.ReadableStream): Promise<string> {
  return (await readBytesArg(value, flag, stdin)).toString('utf8');
}
