import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, TimeoutError } from 'got';
import { RESPONSE_BODY_LIMIT } from '../core/delivery.js';

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type AttemptResult =
  | { statusCode: number; responseBody: string }
  | { error: string };

/** Sends one attempt. Never throws: every failure becomes `{error}`. */
export type Transport = (request: AttemptRequest) => Promise<AttemptResult>;

/**
 * The got transport: exactly one try per call (retries are the daemon's, on its own schedule),
 * no redirects followed (a 3xx is a failed attempt), no status treated as an exception.
 */
export function createGotTransport(options: { maxSockets?: number } = {}): Transport {
  const agent = {
    http: new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 }),
  };
  const client = got.extend({
    method: 'POST',
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    decompress: true,
    responseType: 'buffer',
    agent,
  });
  return async ({ url, headers, body, timeoutMs }) => {
    try {
      const response = await client(url, { headers, body, timeout: { request: timeoutMs } });
      return {
        statusCode: response.statusCode,
        responseBody: response.rawBody.subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'),
      };
    } catch (error) {
      return { error: describeFailure(error, timeoutMs) };
    }
  };
}

export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return `timeout: no response within ${timeoutMs}ms`;
  if (error instanceof RequestError) {
    switch (error.code) {
      case 'ECONNREFUSED': return 'connection refused (ECONNREFUSED)';
      case 'ECONNRESET': return 'connection reset (ECONNRESET)';
      case 'ENOTFOUND': return `DNS lookup failed (ENOTFOUND ${error.options?.url instanceof URL ? error.options.url.hostname : ''})`.replace(' )', ')');
      case 'EAI_AGAIN': return 'DNS lookup failed (EAI_AGAIN)';
      case 'EHOSTUNREACH': return 'host unreachable (EHOSTUNREACH)';
      case 'ETIMEDOUT': return 'connection timed out (ETIMEDOUT)';
      case 'EPIPE': return 'connection closed while sending (EPIPE)';
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'CERT_HAS_EXPIRED':
        return `TLS error (${error.code})`;
      default:
        return `${error.code ? `${error.code}: ` : ''}${error.message}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
