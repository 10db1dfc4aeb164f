// How answers are written: each route's response schema, as the JSON Schema of what goes on the wire (a
// timestamp is a date-time string), compiled once by fast-json-stringify into a function that writes just the
// schema's properties. Encoding with zod instead walked and checked every value on every answer (every uuid
// against its pattern, every date): half the API's CPU on a page of runs.
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

// One function per schema, whichever routes and statuses share it (the error body is every route's), compiled
// when first used: compiling takes a millisecond or two a schema, and a process starting would otherwise spend
// half a second on hundreds of them, most never used by its clients.
const compiled = new WeakMap<z.ZodType, (data: unknown) => string>();

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    let write = compiled.get(schema);
    if (!write) {
      write = fastJson(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as fastJson.AnySchema);
      compiled.set(schema, write);
    }
    return write(data);
  };
