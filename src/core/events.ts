/** The Sigma PIM event catalog (SPEC §1) and subscription matching. */

export const EVENT_NAMES = [
  'entity.created',
  'entity.updated',
  'entity.deleted',
  'entity.transition',
  'variant.created',
  'variant.updated',
  'variant.deleted',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

export const WILDCARDS = ['entity.*', 'variant.*', '*'] as const;

export type Subscription = EventName | (typeof WILDCARDS)[number];

export interface EventInfo {
  name: EventName;
  triggeredWhen: string;
  /** Keys `data` carries at least. */
  dataFields: readonly string[];
}

export const EVENT_CATALOG: readonly EventInfo[] = [
  { name: 'entity.created', triggeredWhen: 'a new entity (product record) is created', dataFields: ['entityId', 'entityType', 'state', 'attributes'] },
  { name: 'entity.updated', triggeredWhen: "an entity's attribute values are updated", dataFields: ['entityId', 'entityType', 'changes'] },
  { name: 'entity.deleted', triggeredWhen: 'an entity is deleted', dataFields: ['entityId', 'entityType'] },
  { name: 'entity.transition', triggeredWhen: 'an entity moves between lifecycle states (e.g. Draft to Review)', dataFields: ['entityId', 'entityType', 'from', 'to'] },
  { name: 'variant.created', triggeredWhen: 'a variant is created under an entity', dataFields: ['entityId', 'variantId', 'attributes'] },
  { name: 'variant.updated', triggeredWhen: "a variant's attribute values are updated", dataFields: ['entityId', 'variantId', 'changes'] },
  { name: 'variant.deleted', triggeredWhen: 'a variant is deleted', dataFields: ['entityId', 'variantId'] },
];

const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES);
const SUBSCRIPTION_SET: ReadonlySet<string> = new Set<string>([...EVENT_NAMES, ...WILDCARDS]);

export function isEventName(name: string): name is EventName {
  return EVENT_SET.has(name);
}

export function isSubscription(name: string): name is Subscription {
  return SUBSCRIPTION_SET.has(name);
}

/** What a subscription may name: the events and the wildcards. */
export function validEventList(): string {
  return [...EVENT_NAMES, ...WILDCARDS].join(', ');
}

/** True when a webhook subscribed to `subscriptions` should receive `event`. */
export function matchesEvent(subscriptions: readonly string[], event: string): boolean {
  for (const sub of subscriptions) {
    if (sub === '*' || sub === event) return true;
    if (sub.endsWith('.*') && event.startsWith(sub.slice(0, -1))) return true;
  }
  return false;
}

/**
 * A realistic payload for `emit EVENT` without `--data` (like `stripe trigger`).
 * `suffix` keeps ids distinct between runs; it is injected so the core stays deterministic.
 */
export function sampleData(event: EventName, suffix: string): Record<string, unknown> {
  const entityId = `ent_${suffix}`;
  const variantId = `var_${suffix}`;
  switch (event) {
    case 'entity.created':
      return {
        entityId,
        entityType: 'product',
        state: 'Draft',
        attributes: { sku: `SKU-${suffix.toUpperCase()}`, name: 'Trail Running Shoe', brand: 'Northpeak', price: { amount: 129.9, currency: 'EUR' } },
      };
    case 'entity.updated':
      return {
        entityId,
        entityType: 'product',
        changes: { name: { old: 'Trail Running Shoe', new: 'Trail Running Shoe GTX' }, 'price.amount': { old: 129.9, new: 139.9 } },
      };
    case 'entity.deleted':
      return { entityId, entityType: 'product' };
    case 'entity.transition':
      return { entityId, entityType: 'product', from: 'Draft', to: 'Review' };
    case 'variant.created':
      return { entityId, variantId, attributes: { sku: `SKU-${suffix.toUpperCase()}-42`, size: '42', color: 'Slate Blue' } };
    case 'variant.updated':
      return { entityId, variantId, changes: { stock: { old: 12, new: 7 } } };
    case 'variant.deleted':
      return { entityId, variantId };
  }
}
