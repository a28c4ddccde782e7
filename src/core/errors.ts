/**
 * One error hierarchy for every entry point. The CLI maps `exitCode`, the HTTP API maps
 * `httpStatus` and `code`; both print `message` (and `hint`) and never a stack trace.
 * Messages must never contain a secret.
 */
export type ExitCode = 0 | 1 | 2 | 3;

export interface FieldIssue {
  /** The field or flag, e.g. `url` or `events[2]`. */
  field: string;
  message: string;
}

export class SigmaError extends Error {
  readonly exitCode: ExitCode = 1;
  readonly httpStatus: number = 500;
  readonly code: string = 'internal_error';
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad usage or bad input: exit 2, HTTP 400. */
export class UsageError extends SigmaError {
  override readonly exitCode = 2;
  override readonly httpStatus = 400;
  override readonly code: string = 'invalid_request';
}

/** Input that failed validation; carries every problem found, each naming its field. */
export class ValidationError extends UsageError {
  override readonly code = 'validation_failed';
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], options: { hint?: string } = {}) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('\n'), options);
    this.issues = issues;
  }
}

export class NotFoundError extends SigmaError {
  override readonly httpStatus = 404;
  override readonly code = 'not_found';
}

export class ConflictError extends SigmaError {
  override readonly exitCode = 2;
  override readonly httpStatus = 409;
  override readonly code = 'conflict';
}

export class PayloadTooLargeError extends SigmaError {
  override readonly exitCode = 2;
  override readonly httpStatus = 413;
  override readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends SigmaError {
  override readonly exitCode = 2;
  override readonly httpStatus = 415;
  override readonly code = 'unsupported_media_type';
}

export class MethodNotAllowedError extends SigmaError {
  override readonly exitCode = 2;
  override readonly httpStatus = 405;
  override readonly code = 'method_not_allowed';
}

/** The operation ran and failed (invalid signature, delivery failed, store unreadable): exit 1. */
export class OperationError extends SigmaError {}

/** The store file exists but cannot be used; it is reported and never overwritten. */
export class StoreCorruptError extends SigmaError {
  override readonly code = 'store_corrupt';
}

export class DaemonNotRunningError extends SigmaError {
  override readonly exitCode = 3;
  override readonly httpStatus = 503;
  override readonly code = 'daemon_not_running';
}

export function isSigmaError(error: unknown): error is SigmaError {
  return error instanceof SigmaError;
}

/**
 * Quotes a caller-supplied value for an error message, clipped: a message names what was wrong
 * without echoing a megabyte of input back.
 */
export function quote(value: unknown, max = 80): string {
  const text = String(value);
  return `"${text.length > max ? `${text.slice(0, max)}…` : text}"`;
}
