// Text for people: durations, times, values. And `toJson`: any deserialized value as plain JSON.

import { deserialize } from '@cairn/core';

/** 850ms, 1.25s, 2m03s, 1h02m, 3d04h. */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** An offset from a reference time: +0ms, +1.25s. */
export function formatOffset(ms: number): string {
  return `+${formatDuration(ms)}`;
}

/** 2025-01-31 12:00:03 (UTC). */
export function formatTime(epochMs: number | null): string {
  if (epochMs === null) return '-';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function isoTime(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** A stored (serialized) value as JSON-safe data; a value that cannot be decoded is shown as its text. */
export function decodeStored(text: string | null): unknown {
  if (text === null) return null;
  try {
    return toJson(deserialize(text));
  } catch {
    return text;
  }
}

/** Dates become ISO strings, BigInts `"12n"`, Maps `{ "Map": [[k, v]] }`, Sets arrays, cycles "[Circular]". */
function toJson(value: unknown, seen: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
      try {
        if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
        if (value instanceof RegExp) return String(value);
        if (value instanceof Error) return { name: value.name, message: value.message };
        if (value instanceof Map) return { Map: [...value].map(([k, v]) => [toJson(k, seen), toJson(v, seen)]) };
        if (value instanceof Set) return [...value].map((item) => toJson(item, seen));
        if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, (item) => toJson(item, seen));
        if (Array.isArray(value)) return value.map((item) => toJson(item, seen));
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toJson(item, seen);
        return out;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return value;
  }
}

/** A value on one line for a table or a summary, cut to `max` characters. */
export function inline(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
