import type { Attempt, Delivery, DeliveryStatus } from './delivery.js';
import { buildBody } from './payload.js';

/** A delivery as the API and `--json` show it; `nextAttemptAt` only when one is due. */
export interface DeliveryView {
  deliveryId: string;
  eventId: string;
  event: string;
  webhookId: string;
  tenant: string;
  status: DeliveryStatus;
  createdAt: string;
  timestamp: string;
  attemptCount: number;
  lastAttempt: Attempt | null;
  attempts?: Attempt[];
  nextAttemptAt?: string;
  cancelReason?: string;
  body?: string;
}

export function deliveryView(delivery: Delivery, options: { detail?: boolean } = {}): DeliveryView {
  const view: DeliveryView = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    event: delivery.event,
    webhookId: delivery.webhookId,
    tenant: delivery.tenant,
    status: delivery.status,
    createdAt: delivery.createdAt,
    timestamp: delivery.timestamp,
    attemptCount: delivery.attempts.length,
    lastAttempt: delivery.attempts[delivery.attempts.length - 1] ?? null,
  };
  if (options.detail) view.attempts = delivery.attempts;
  if (delivery.nextAttemptAt !== null) view.nextAttemptAt = new Date(delivery.nextAttemptAt).toISOString();
  if (delivery.cancelReason !== undefined) view.cancelReason = delivery.cancelReason;
  if (options.detail) view.body = buildBody(delivery);
  return view;
}
