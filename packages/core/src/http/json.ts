// Outputs leave the REST API as plain JSON. Workflow values may hold what JSON cannot (bigint, Map, Set,
// Error), so they are mapped to the nearest JSON shape; clients that need exact values use the SDK.

export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (item instanceof Map) return [...item.entries()];
    if (item instanceof Set) return [...item.values()];
    if (item instanceof Error) return { name: item.name, message: item.message };
    if (item instanceof RegExp) return item.toString();
    if (ArrayBuffer.isView(item) && !(item instanceof DataView)) return Array.from(item as unknown as ArrayLike<number>);
    return item;
  });
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(toJsonText(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
