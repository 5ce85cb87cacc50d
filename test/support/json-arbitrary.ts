import fc from 'fast-check';

/** The JSON Schema keywords `z.toJSONSchema` emits for our schemas (draft 2020-12). */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

// why: arrays and strings as long as a schema allows (100 participants, 4,000 characters) make every run slow;
// the hostile generators cover the big sizes on purpose
const SMALL = 8;

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 40, Math.max(minLength, 40));
  switch (s.format) {
    case 'uri':
      return fc.webUrl({ validSchemes: ['https'] });
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case undefined:
    default:
      break;
  }
  if (s.pattern !== undefined)
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= minLength && v.length <= maxLength);
  // why: names on Object.prototype are where plain-object lookups break (D5); give them a fair share of runs
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength, unit: 'binary' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...PROTOTYPE_NAMES).filter((v) => v.length >= minLength && v.length <= maxLength),
    },
  );
}

function numberOf(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : undefined);
  if (integer)
    return fc.integer({
      min: Math.max(min ?? -1e6, Number.MIN_SAFE_INTEGER, -2_147_483_648),
      max: Math.min(max ?? 1e6, 2_147_483_647),
    });
  return fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true });
}

/** Values the schema accepts (mostly: patterns and refinements the JSON Schema cannot state are left to chance). */
export function arbitraryOf(s: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (s === undefined || Object.keys(s).length === 0) return fc.jsonValue({ maxDepth: 2 });
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum !== undefined) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) return fc.oneof(...union.map(arbitraryOf));
  if (s.allOf?.[0] !== undefined) return arbitraryOf(s.allOf[0]);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => arbitraryOf({ ...s, type })));
  switch (s.type) {
    case 'string':
      return stringOf(s);
    case 'integer':
      return numberOf(s, true);
    case 'number':
      return numberOf(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (s.prefixItems !== undefined) return fc.tuple(...s.prefixItems.map(arbitraryOf));
      const minLength = s.minItems ?? 0;
      return fc.array(arbitraryOf(s.items), { minLength, maxLength: Math.min(s.maxItems ?? SMALL, SMALL) });
    }
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = arbitraryOf(v);
      if (Object.keys(model).length === 0)
        return fc.dictionary(
          fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...PROTOTYPE_NAMES)),
          fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: hostileValue }),
          { maxKeys: 4 },
        );
      return fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
    }
    case undefined:
    default:
      break;
  }
  return fc.jsonValue({ maxDepth: 2 });
}

/** Strings that broke parsers before: prototype names, lone surrogates, control characters, huge and empty. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\udfff',
    'a\ud83dz',
    '../../etc/passwd',
    '%2e%2e%2f',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '{"$where":"1"}',
    "'; DROP TABLE c; --",
    '\u202e\u200b',
    '9'.repeat(400),
  ),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** Numbers at the edges of every range we check. */
export const hostileNumber: fc.Arbitrary<number> = fc.constantFrom(
  -1,
  0,
  0.5,
  -0,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e308,
);

/** JSON nested `depth` levels, as objects or arrays. */
const deep = (depth: number, arrays: boolean): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
};

/** Any JSON value, hostile on purpose: wrong types, deep nesting, huge arrays, prototype keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}),
  fc.integer({ min: 10, max: 3000 }).chain((d) => fc.boolean().map((arrays) => deep(d, arrays))),
  fc.nat({ max: 20_000 }).map((n) => Array.from({ length: n }, () => 1)),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    { constructor: { prototype: { polluted: true } } },
    { toString: 1, valueOf: 'x' },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

/** A schema-shaped object with one field replaced by, or one extra key holding, a hostile value. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, hostileValue, fc.oneof(hostileString, fc.constant('')), fc.boolean())
    .map(([v, bad, key, replace]) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad;
      const keys = Object.keys(v);
      const target = replace && keys.length > 0 ? (keys[key.length % keys.length] as string) : key;
      const out = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
      Object.defineProperty(out, target, { value: bad, enumerable: true, writable: true, configurable: true });
      return out;
    });
}
