import got, { RequestError } from 'got';
import {
  ConflictError,
  DaemonNotRunningError,
  MethodNotAllowedError,
  NotFoundError,
  OperationError,
  PayloadTooLargeError,
  SigmaError,
  UnsupportedMediaTypeError,
  UsageError,
} from '../core/errors.js';

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * The CLI's side of the daemon's socket: JSON over HTTP/1.1 with got. Error answers become the
 * same error classes the CLI already maps to exit codes; no socket becomes exit 3.
 */
export class DaemonClient {
  constructor(
    private readonly socketPath: string,
    private readonly tenant: string,
    private readonly startHint: string,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    let response;
    try {
      response = await got(`http://unix:${this.socketPath}:${path}`, {
        method,
        enableUnixSockets: true,
        headers: { 'x-sigma-tenant': this.tenant },
        ...(body === undefined ? {} : { json: body }),
        retry: { limit: 0 },
        throwHttpErrors: false,
        timeout: { request: timeoutMs },
      });
    } catch (error) {
      throw this.connectionError(error);
    }
    const text = response.body;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new OperationError(`the daemon answered ${response.statusCode} with a body that is not JSON`);
    }
    if (response.statusCode >= 400) throw toError(response.statusCode, parsed as ApiErrorBody | undefined);
    return parsed as T;
  }

  private connectionError(error: unknown): SigmaError {
    const code = error instanceof RequestError ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
      return new DaemonNotRunningError(`the daemon is not running (no answer on ${this.socketPath})`, {
        hint: `Start it with: ${this.startHint}`,
      });
    }
    return new OperationError(`could not talk to the daemon on ${this.socketPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toError(status: number, body: ApiErrorBody | undefined): SigmaError {
  const message = body?.error?.message ?? `the daemon answered HTTP ${status}`;
  switch (status) {
    case 400: return new UsageError(message);
    case 404: return new NotFoundError(message);
    case 405: return new MethodNotAllowedError(message);
    case 409: return new ConflictError(message);
    case 413: return new PayloadTooLargeError(message);
    case 415: return new UnsupportedMediaTypeError(message);
    default: return new OperationError(`the daemon failed (HTTP ${status}): ${message}`);
  }
}
