// Bad inputs, each named: what a careless client, a fuzzer or an attacker sends to a host's HTTP surface. Every
// one must be answered with a 4xx and Cairn's typed error body, change nothing, and leave the process serving.

export interface BadInput {
  name: string;
  method: string;
  path: string;
  /** null: no Content-Type header. @default 'application/json' when there is a body */
  contentType?: string | null;
  body?: Uint8Array | string;
  /** The status it must get; any 4xx when absent. */
  status?: number;
  /** The error code it must get, when one is fixed. */
  code?: string;
}

const CREATE = '/workflows/PARKED/instances';
const EVENTS = '/workflows/PARKED/instances/parked-1/events';
const bytes = (...values: number[]) => Uint8Array.from(values);
const withBytes = (prefix: string, raw: Uint8Array, suffix: string) => {
  const head = Buffer.from(prefix, 'utf8');
  const tail = Buffer.from(suffix, 'utf8');
  return Uint8Array.from([...head, ...raw, ...tail]);
};
const nested = (depth: number, open = '[', close = ']', inner = '0') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function malformedJson(): BadInput[] {
  const texts = [
    '{',
    '[',
    '{"id":}',
    'nul',
    'tru',
    '{"a":1,}',
    "{'id':'x'}",
    '{"id":"x"} trailing',
    '{}{}',
    '{"a":"\\x"}',
    '{"a":"\\u12"}',
    '"',
    'NaN',
    'Infinity',
    '-',
    '01',
    '1e',
    '.5',
    '/* comment */ {}',
    '{"a" 1}',
    '{a:1}',
    '[1,,2]',
    '{"a":"line\nbreak"}',
    '\ufeff\ufeff{}',
    '{"id":"x"',
  ];
  return texts.map((body, i) => ({ name: `malformed JSON #${i + 1}: ${JSON.stringify(body).slice(0, 30)}`, method: 'POST', path: CREATE, body, status: 400 }));
}

function wrongShapes(): BadInput[] {
  const bodies: Array<[string, unknown]> = [
    ['an array', []],
    ['a number', 1],
    ['a string', 'order'],
    ['null', null],
    ['true', true],
    ['a numeric id', { id: 5 }],
    ['an empty id', { id: '' }],
    ['an id of 200 characters', { id: 'x'.repeat(200) }],
    ['an id with a space', { id: 'has space' }],
    ['an id with a slash', { id: 'a/b' }],
    ['an id of dots', { id: '..' }],
    ['an id with a NUL', { id: 'a\u0000b' }],
    ['an id with a newline', { id: 'a\nb' }],
    ['an id with emoji', { id: 'order-😀' }],
    ['an unknown field', { id: 'x', extra: true }],
    ['retention not an object', { id: 'x', retention: 'forever' }],
    ['retention of an unknown unit', { id: 'x', retention: { successRetention: '3 fortnights' } }],
    ['retention negative', { id: 'x', retention: { successRetention: -5 } }],
    ['retention with an unknown key', { id: 'x', retention: { keep: 1 } }],
  ];
  return bodies.map(([name, value]) => ({ name: `create with ${name}`, method: 'POST', path: CREATE, body: JSON.stringify(value), status: 400 }));
}

function badEvents(): BadInput[] {
  const bodies: Array<[string, unknown]> = [
    ['no type', { payload: 1 }],
    ['an empty type', { type: '' }],
    ['a numeric type', { type: 7 }],
    ['a type of 200 characters', { type: 't'.repeat(200) }],
    ['a type with spaces', { type: 'has space' }],
    ['a type with a slash', { type: 'a/b' }],
    ['an unknown field', { type: 'note', extra: 1 }],
    ['an empty idempotency key', { type: 'note', id: '' }],
    ['an idempotency key of 200 characters', { type: 'note', id: 'k'.repeat(200) }],
    ['an idempotency key with a space', { type: 'note', id: 'a b' }],
    ['a numeric idempotency key', { type: 'note', id: 12 }],
    ['only __proto__', { ['__proto__']: { type: 'note' } }],
  ];
  const cases: BadInput[] = bodies.map(([name, value]) => ({
    name: `event with ${name}`,
    method: 'POST',
    path: EVENTS,
    body: name === 'only __proto__' ? '{"__proto__":{"type":"note"}}' : JSON.stringify(value),
    status: 400,
  }));
  cases.push({
    name: 'event payload of 1.5 MiB',
    method: 'POST',
    path: EVENTS,
    body: JSON.stringify({ type: 'note', payload: 'x'.repeat(1_500_000) }),
    status: 413,
    code: 'payload_too_large',
  });
  return cases;
}

function depths(): BadInput[] {
  return [
    { name: 'params nested 1,009 deep', method: 'POST', path: CREATE, body: `{"id":"deep-1","params":${nested(1_009)}}`, status: 400, code: 'too_deep' },
    {
      name: 'params nested 1,005 deep (past the codec, within the body limit)',
      method: 'POST',
      path: CREATE,
      body: `{"id":"deep-2","params":${nested(1_005)}}`,
      status: 400,
    },
    { name: 'params nested 5,000 deep', method: 'POST', path: CREATE, body: `{"id":"deep-3","params":${nested(5_000)}}`, status: 400, code: 'too_deep' },
    {
      name: 'an event payload nested 5,000 deep',
      method: 'POST',
      path: EVENTS,
      body: `{"type":"note","payload":${nested(5_000)}}`,
      status: 400,
      code: 'too_deep',
    },
    {
      name: 'objects nested 3,000 deep',
      method: 'POST',
      path: EVENTS,
      body: `{"type":"note","payload":${nestedObject(3_000)}}`,
      status: 400,
      code: 'too_deep',
    },
    { name: 'brackets nested 200,000 deep', method: 'POST', path: CREATE, body: nested(200_000), status: 400, code: 'too_deep' },
    { name: 'brackets that never close', method: 'POST', path: CREATE, body: '['.repeat(100_000), status: 400 },
    {
      name: 'mixed nesting 2,000 deep',
      method: 'POST',
      path: EVENTS,
      body: `{"type":"note","payload":${nested(1_000, '[{"a":', '}]')}}`,
      status: 400,
      code: 'too_deep',
    },
  ];
}

function encodings(): BadInput[] {
  const raw: Array<[string, Uint8Array]> = [
    ['a lone 0xFF byte', bytes(0xff)],
    ['a lone continuation byte', bytes(0x80)],
    ['a truncated two-byte sequence', bytes(0xc3)],
    ['an invalid second byte', bytes(0xc3, 0x28)],
    ['an overlong slash', bytes(0xc0, 0xaf)],
    ['an overlong NUL', bytes(0xe0, 0x80, 0x80)],
    ['an encoded surrogate', bytes(0xed, 0xa0, 0x80)],
    ['a truncated four-byte sequence', bytes(0xf0, 0x9f, 0x98)],
    ['a code point past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
    ['a 0xF5 lead byte', bytes(0xf5, 0x80, 0x80, 0x80)],
    ['Latin-1 é', bytes(0xe9)],
  ];
  const cases: BadInput[] = raw.map(([name, value]) => ({
    name: `params string with ${name}`,
    method: 'POST',
    path: CREATE,
    body: withBytes('{"id":"enc-1","params":"', value, '"}'),
    status: 400,
    code: 'invalid_encoding',
  }));
  cases.push({
    name: 'event type with a lone 0xFF byte',
    method: 'POST',
    path: EVENTS,
    body: withBytes('{"type":"', bytes(0xff), '"}'),
    status: 400,
    code: 'invalid_encoding',
  });
  cases.push({
    name: 'a UTF-16 body with a BOM',
    method: 'POST',
    path: CREATE,
    body: Uint8Array.from([0xff, 0xfe, ...Buffer.from('{"id":"x"}', 'utf16le')]),
    status: 400,
  });
  return cases;
}

function contentTypes(): BadInput[] {
  const types: Array<string | null> = [
    null,
    '',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/jsonx',
    'json',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'image/png',
  ];
  return types.map((contentType) => ({
    name: `Content-Type ${contentType === null ? '(none)' : JSON.stringify(contentType)}`,
    method: 'POST',
    path: CREATE,
    contentType,
    body: '{"id":"typed"}',
    status: 415,
    code: 'unsupported_media_type',
  }));
}

function routes(): BadInput[] {
  const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'NOPE'];
  const cases: BadInput[] = names.flatMap((name) => [
    { name: `create on workflow ${name}`, method: 'POST', path: `/workflows/${name}/instances`, body: '{"id":"x"}', status: 404 },
    { name: `read an instance of workflow ${name}`, method: 'GET', path: `/workflows/${name}/instances/x`, status: 404 },
  ]);
  const instancePaths = [
    ['an instance named __proto__', '/workflows/PARKED/instances/__proto__'],
    ['an instance named constructor', '/workflows/PARKED/instances/constructor'],
    ['an encoded NUL in the id', '/workflows/PARKED/instances/a%00b'],
    ['an encoded slash in the id', '/workflows/PARKED/instances/a%2Fb'],
    ['a bad percent-encoding', '/workflows/PARKED/instances/%ZZ'],
    ['a truncated percent-encoding', '/workflows/PARKED/instances/abc%'],
    ['an encoded invalid UTF-8 byte', '/workflows/PARKED/instances/%FF'],
    ['an id of 5,000 characters', `/workflows/PARKED/instances/${'i'.repeat(5_000)}`],
    ['dot segments', '/workflows/PARKED/instances/..%2F..%2Fetc'],
    ['an unknown route', '/workflows/PARKED/instances/parked-1/explode'],
    ['the root', '/'],
    ['a path under no route', '/admin'],
  ];
  for (const [name, path] of instancePaths) cases.push({ name: `GET ${name}`, method: 'GET', path: path! });
  return cases;
}

function methods(): BadInput[] {
  const paths = [CREATE, '/workflows/PARKED/instances/parked-1', EVENTS];
  return ['PUT', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'].flatMap((method) =>
    paths.map((path) => ({ name: `${method} ${path}`, method, path, status: 405, code: 'method_not_allowed' })),
  );
}

function oversized(): BadInput[] {
  return [
    { name: 'a 3 MiB body', method: 'POST', path: CREATE, body: JSON.stringify({ id: 'big', params: 'x'.repeat(3 * 1024 * 1024) }), status: 413 },
    { name: 'a 2 MiB + 1 byte body', method: 'POST', path: EVENTS, body: `{"type":"note","payload":"${'y'.repeat(2 * 1024 * 1024 - 26)}"}`, status: 413 },
    {
      name: 'params of 1.5 MiB',
      method: 'POST',
      path: CREATE,
      body: JSON.stringify({ id: 'big-2', params: 'z'.repeat(1_500_000) }),
      status: 413,
      code: 'payload_too_large',
    },
  ];
}

/** Every bad input, for hosts that serve the REST API. */
export function badInputs(): BadInput[] {
  return [...malformedJson(), ...wrongShapes(), ...badEvents(), ...depths(), ...encodings(), ...contentTypes(), ...routes(), ...methods(), ...oversized()];
}
