// An audit event's data, written for people rather than machines.

const shown = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * An event's data as a person reads it: one `field: value` line each, a change as
 * `field: before → after`, and lists by their length (the CSV export keeps every value).
 */
export function details(data: Record<string, unknown> | null | undefined): string[] {
  return Object.entries(data ?? {}).flatMap(([key, value]) => {
    if (key === 'changes' && value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.entries(value as Record<string, { before?: unknown; after?: unknown }>).map(
        ([field, change]) => `${field}: ${shown(change?.before)} → ${shown(change?.after)}`,
      );
    }
    if (Array.isArray(value)) return [`${key}: ${value.length} ${value.length === 1 ? 'item' : 'items'}`];
    return [`${key}: ${shown(value)}`];
  });
}
