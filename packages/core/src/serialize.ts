// The value codec for step results, params, events and outputs. It keeps what structured clone keeps
// (Date, Map, Set, RegExp, typed arrays, Error, undefined, NaN, ±Infinity, -0, shared references and
// cycles) plus BigInt, as a JSON string any store can hold. Layout, after devalue: a flat array whose
// entry 0 is the root; containers hold indices of their members; a negative index is a constant.

import { SerializationError, ValidationError } from './errors.js';

const UNDEFINED = -1;
const HOLE = -2;
const NAN = -3;
const POSITIVE_INFINITY = -4;
const NEGATIVE_INFINITY = -5;
const NEGATIVE_ZERO = -6;

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** The built-in error classes, by name: a stored error comes back as the same class. */
export const ERROR_TYPES: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

type Entry = unknown;

/**
 * Values nest at most this deep (objects, arrays, maps, sets, error properties): deeper ones are refused when
 * written, so that any stored value can be read back by any process (decoding recurses once per level).
 */
export const MAX_NESTING_DEPTH = 1000;

/** Sets `object[key]`, as an own property even for `__proto__` (which plain assignment would take as the prototype). */
export function defineOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** Encodes a value; throws SerializationError (name `DataCloneError`) naming `what` and the path. */
export function serialize(value: unknown, what = 'The value'): string {
  try {
    return encode(value, what, false);
  } catch (error) {
    // Paths cost a string per member: they are built only to name where a value failed.
    if (error instanceof SerializationError || error instanceof ValidationError) return encode(value, what, true);
    throw error;
  }
}

function encode(value: unknown, what: string, withPaths: boolean): string {
  const constant = constantIndex(value);
  if (constant !== undefined) return String(constant);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    return JSON.stringify([value]);
  }
  const entries: Entry[] = [];
  const seen = new Map<unknown, number>();

  const flatten: Flatten = (item, path, depth) => {
    const special = constantIndex(item);
    if (special !== undefined) return special;
    if (typeof item === 'object' && item !== null) {
      const known = seen.get(item);
      if (known !== undefined) return known;
    }
    const index = entries.length;
    entries.push(undefined);
    switch (typeof item) {
      case 'string':
      case 'boolean':
      case 'number':
        entries[index] = item;
        return index;
      case 'bigint':
        entries[index] = ['BigInt', item.toString()];
        return index;
      case 'function':
        throw new SerializationError(what, path, 'a function');
      case 'symbol':
        throw new SerializationError(what, path, 'a symbol');
      default:
        break;
    }
    if (item === null) {
      entries[index] = null;
      return index;
    }
    if (depth >= MAX_NESTING_DEPTH) {
      throw new ValidationError(`${what} nesting`, `at most ${MAX_NESTING_DEPTH} levels of nested objects and arrays`, `more at ${path.slice(0, 60)}...`);
    }
    const object = item as object;
    seen.set(object, index);
    entries[index] = encodeObject(object, path, depth, flatten, what, withPaths);
    return index;
  };

  flatten(value, '$', 0);
  return JSON.stringify(entries);
}

type Flatten = (item: unknown, path: string, depth: number) => number;

function encodeObject(object: object, path: string, depth: number, flatten: Flatten, what: string, withPaths: boolean): Entry {
  // `p ? … : path`: no path string is built unless it may be shown (see `serialize`).
  const p = withPaths;
  const next = depth + 1;
  if (Array.isArray(object)) {
    const out: number[] = new Array(object.length);
    for (let i = 0; i < object.length; i++) {
      out[i] = i in object ? flatten(object[i], p ? `${path}[${i}]` : path, next) : HOLE;
    }
    return out;
  }
  if (object instanceof Date) return ['Date', Number.isNaN(object.getTime()) ? '' : object.toISOString()];
  if (object instanceof Map) {
    const out: Entry[] = ['Map'];
    let i = 0;
    for (const [key, item] of object) {
      out.push(flatten(key, p ? `${path}.<key ${i}>` : path, next), flatten(item, p ? `${path}.get(${i})` : path, next));
      i++;
    }
    return out;
  }
  if (object instanceof Set) {
    const out: Entry[] = ['Set'];
    let i = 0;
    for (const item of object) {
      out.push(flatten(item, p ? `${path}.<item ${i}>` : path, next));
      i++;
    }
    return out;
  }
  if (object instanceof RegExp) return ['RegExp', object.source, object.flags];
  if (object instanceof Error) {
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(object)) defineOwn(props, key, (object as unknown as Record<string, unknown>)[key]);
    return ['Error', object.name, object.message, object.stack ?? '', flatten(props, p ? `${path}.<props>` : path, next)];
  }
  if (object instanceof ArrayBuffer) return ['ArrayBuffer', Buffer.from(object).toString('base64')];
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    const name = object.constructor.name;
    if (TYPED_ARRAYS[name]) {
      const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
      return [name, bytes.toString('base64')];
    }
  }
  for (const Boxed of [String, Number, Boolean] as const) {
    if (object instanceof Boxed) return ['Object', flatten(object.valueOf(), path, next)];
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const className = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'anonymous';
    throw new SerializationError(what, path, `an instance of class ${className}`);
  }
  // No prototype: a `__proto__` key is stored as data, as structured clone keeps it.
  const out: Record<string, number> = Object.create(null);
  for (const key of Object.keys(object)) {
    out[key] = flatten((object as Record<string, unknown>)[key], p ? `${path}.${key}` : path, next);
  }
  return out;
}

function constantIndex(value: unknown): number | undefined {
  if (value === undefined) return UNDEFINED;
  if (typeof value !== 'number') return undefined;
  if (Number.isNaN(value)) return NAN;
  if (value === Infinity) return POSITIVE_INFINITY;
  if (value === -Infinity) return NEGATIVE_INFINITY;
  if (value === 0 && 1 / value < 0) return NEGATIVE_ZERO;
  return undefined;
}

/** Decodes what `serialize` produced. Every call returns fresh objects. */
export function deserialize<T = unknown>(text: string): T {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'number') return hydrateConstant(parsed) as T;
  if (!Array.isArray(parsed)) throw new TypeError('Not a Cairn-serialized value');
  const entries = parsed as Entry[];
  const hydrated = new Array<unknown>(entries.length);
  const done = new Uint8Array(entries.length);

  const hydrate = (index: number): unknown => {
    if (index < 0) return hydrateConstant(index);
    if (done[index]) return hydrated[index];
    const entry = entries[index];
    done[index] = 1;
    if (typeof entry !== 'object' || entry === null) {
      hydrated[index] = entry;
      return entry;
    }
    if (Array.isArray(entry)) {
      if (typeof entry[0] === 'string') return hydrateTagged(index, entry, hydrated, hydrate);
      const array: unknown[] = new Array(entry.length);
      hydrated[index] = array;
      for (let i = 0; i < entry.length; i++) {
        const member = entry[i] as number;
        if (member !== HOLE) array[i] = hydrate(member);
      }
      return array;
    }
    const object: Record<string, unknown> = {};
    hydrated[index] = object;
    for (const [key, member] of Object.entries(entry as Record<string, number>)) defineOwn(object, key, hydrate(member));
    return object;
  };

  return hydrate(0) as T;
}

function hydrateTagged(index: number, entry: Entry[], hydrated: unknown[], hydrate: (index: number) => unknown): unknown {
  const tag = entry[0] as string;
  let value: unknown;
  switch (tag) {
    case 'Date':
      value = new Date(entry[1] === '' ? Number.NaN : (entry[1] as string));
      break;
    case 'BigInt':
      value = BigInt(entry[1] as string);
      break;
    case 'RegExp':
      value = new RegExp(entry[1] as string, entry[2] as string);
      break;
    case 'Map': {
      const map = new Map<unknown, unknown>();
      hydrated[index] = map;
      for (let i = 1; i < entry.length; i += 2) map.set(hydrate(entry[i] as number), hydrate(entry[i + 1] as number));
      return map;
    }
    case 'Set': {
      const set = new Set<unknown>();
      hydrated[index] = set;
      for (let i = 1; i < entry.length; i++) set.add(hydrate(entry[i] as number));
      return set;
    }
    case 'Error': {
      const Builtin = ERROR_TYPES[entry[1] as string] ?? Error;
      const error = new Builtin(entry[2] as string);
      hydrated[index] = error;
      error.name = entry[1] as string;
      error.stack = entry[3] as string;
      for (const [key, item] of Object.entries(hydrate(entry[4] as number) as Record<string, unknown>))
        defineOwn(error as unknown as Record<string, unknown>, key, item);
      return error;
    }
    case 'Object':
      value = Object(hydrate(entry[1] as number));
      break;
    case 'ArrayBuffer': {
      const bytes = Buffer.from(entry[1] as string, 'base64');
      value = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      break;
    }
    default: {
      const Typed = TYPED_ARRAYS[tag];
      if (!Typed) throw new TypeError(`Unknown serialized tag "${tag}"`);
      const bytes = Buffer.from(entry[1] as string, 'base64');
      value = new Typed(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  hydrated[index] = value;
  return value;
}

function hydrateConstant(index: number): unknown {
  switch (index) {
    case UNDEFINED:
      return undefined;
    case NAN:
      return Number.NaN;
    case POSITIVE_INFINITY:
      return Infinity;
    case NEGATIVE_INFINITY:
      return -Infinity;
    case NEGATIVE_ZERO:
      return -0;
    default:
      throw new TypeError(`Unknown serialized constant ${index}`);
  }
}

/** UTF-8 byte length of a string, computed only when it could matter for `limit`. */
export function byteLengthExceeds(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}
