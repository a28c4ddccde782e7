import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PayloadTooLargeError,
  SigmaError,
  UnsupportedMediaTypeError,
  UsageError,
  ValidationError,
  quote,
} from '../core/errors.js';

export const MAX_BODY_BYTES = 1 << 20;

export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected before the request body ended');
  }
}

/**
 * Reads a request body of at most 1 MiB. Resolves undefined for an empty body; refuses a
 * non-JSON content type with 415 and bad JSON with 400, naming the body.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    return Promise.reject(new PayloadTooLargeError(`body: ${declared} bytes is over the limit of ${MAX_BODY_BYTES} bytes (1 MiB)`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new PayloadTooLargeError(`body: over the limit of ${MAX_BODY_BYTES} bytes (1 MiB)`));
        return;
      }
      chunks.push(chunk);
    });
    // A request stream error means the connection broke mid-body ("aborted"): nobody to answer.
    req.on('error', () => {
      if (!failed) reject(new ClientGoneError());
      failed = true;
    });
    req.on('close', () => {
      // The client went away before sending the whole body: nothing to answer.
      if (!failed && !req.complete) reject(new ClientGoneError());
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      failed = true;
      if (size === 0) {
        resolve(undefined);
        return;
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && !type.endsWith('+json')) {
        reject(new UnsupportedMediaTypeError(`Content-Type: expected application/json, got ${type === '' ? 'none' : quote(type)}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(new UsageError(`body: not valid JSON (${(error as Error).message})`));
      }
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Every error leaves as `{error: {code, message}}`; unexpected ones say nothing of the internals. */
export function sendError(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof ClientGoneError) return;
  if (error instanceof SigmaError) {
    const body: { error: { code: string; message: string; fields?: unknown } } = {
      error: { code: error.code, message: error.message },
    };
    if (error instanceof ValidationError) body.error.fields = error.issues;
    const headers: Record<string, string> = {};
    // After an oversized body the rest of it is still in the socket; close rather than drain it.
    if (error instanceof PayloadTooLargeError) headers.connection = 'close';
    sendJson(res, error.httpStatus, body, headers);
    return;
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  sendJson(res, 500, { error: { code: 'internal_error', message: 'internal error; see the daemon log' } });
}
