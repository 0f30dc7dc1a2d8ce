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

/** The error body every Cairn HTTP answer uses: `{ error: { code, name, message } }`. */
export function problemBody(code: string, message: string, name = 'HttpProblem') {
  return { error: { code, name, message } };
}

/** An error answer: `problemBody` as JSON, with extra headers (`allow`, `retry-after`, `www-authenticate`). */
export function problemResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(toJsonText(problemBody(code, message)), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}
