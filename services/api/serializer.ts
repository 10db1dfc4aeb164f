// How answers are written: each route's response schema, as the JSON Schema of what goes on the wire (a
// timestamp is a date-time string), compiled once by fast-json-stringify into a function that writes just the
// schema's properties. Encoding with zod instead walked and checked every value on every answer (every uuid
// against its pattern, every date): a fifth of the API's CPU on a page of runs.
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) =>
  fastJson(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as fastJson.AnySchema);
