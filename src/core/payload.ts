import { sign } from './signature.js';

/** What a delivery carries; the body is derived from it byte-for-byte the same on every attempt. */
export interface DeliveryEnvelope {
  deliveryId: string;
  eventId: string;
  event: string;
  webhookId: string;
  tenant: string;
  /** When the event was emitted (ISO-8601). */
  timestamp: string;
  /** `data` already serialized: kept as text so every attempt sends identical bytes. */
  dataJson: string;
}

/** The delivery body with exactly the seven top-level keys of SPEC §4, in a fixed order. */
export function buildBody(envelope: DeliveryEnvelope): string {
  return (
    `{"deliveryId":${JSON.stringify(envelope.deliveryId)}` +
    `,"eventId":${JSON.stringify(envelope.eventId)}` +
    `,"event":${JSON.stringify(envelope.event)}` +
    `,"webhookId":${JSON.stringify(envelope.webhookId)}` +
    `,"tenant":${JSON.stringify(envelope.tenant)}` +
    `,"timestamp":${JSON.stringify(envelope.timestamp)}` +
    `,"data":${envelope.dataJson}}`
  );
}

export function buildHeaders(
  envelope: DeliveryEnvelope,
  attempt: number,
  body: string,
  secret: string | null,
  version: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `sigma-hooks/${version}`,
    'x-sigma-event': envelope.event,
    'x-sigma-delivery': envelope.deliveryId,
    'x-sigma-webhook': envelope.webhookId,
    'x-sigma-attempt': String(attempt),
  };
  if (secret !== null) headers['x-sigma-signature'] = sign(secret, body);
  return headers;
}
