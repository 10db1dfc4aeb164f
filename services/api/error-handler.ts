// The one error handler: every failure leaves as { error: { code, message } } with its status.
// Anything unexpected is a 500 that says nothing of the internals; the log has the details.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../core/errors.ts';
import type { WebApp } from './web-app.ts';

function send(code: ErrorCode, status: number, message: string) {
  return { status, body: new AppError(code, status, message).render() };
}

function classify(
  err: FastifyError & { code?: string },
): { status: number; body: ReturnType<AppError['render']> } | undefined {
  if (err instanceof AppError) return { status: err.status, body: err.render() };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const detail = err.validation
      .map((v) => {
        const field = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${where}${field ? `.${field}` : ''}: ${v.message}`;
      })
      .join('; ');
    return send('invalid_request', 400, detail || `Invalid ${where}.`);
  }
  if (isResponseSerializationError(err)) return undefined;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send('malformed_json', 400, `The body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send('payload_too_large', 413, 'The body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send('unsupported_media_type', 415, 'Send JSON with Content-Type: application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return send('invalid_request', 400, 'Content-Length does not match the body.');
    // The router's own errors (see frameworkErrors below).
    case 'FST_ERR_BAD_URL':
      return send('invalid_request', 400, 'The URL is malformed: its path has an invalid percent-encoding.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return send('invalid_request', 414, 'The URL is too long: a part of its path exceeds the length allowed.');
  }
  // JSON.parse failures surface as SyntaxError with a 400 status.
  if (err instanceof SyntaxError && err.statusCode === 400)
    return send('malformed_json', 400, `The body is not valid JSON: ${err.message}`);
  // PostgreSQL data exceptions (class 22: a value out of range, a malformed timestamp in a cursor…)
  // come from input that passed validation but is still unusable.
  if (typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code))
    return send('invalid_request', 400, 'A value in the request is out of range or malformed.');
  if (err.statusCode === 429) return send('rate_limited', 429, err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own messages are about the request; other libraries' may name server paths or hosts.
    const message = err.code?.startsWith('FST_')
      ? err.message
      : `The request was refused: ${http.STATUS_CODES[err.statusCode] ?? 'client error'}.`;
    return send(err.statusCode === 404 ? 'not_found' : 'invalid_request', err.statusCode, message);
  }
  return undefined;
}

function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = classify(err);
  if (known) {
    if (known.status >= 500) request.log.warn({ err }, 'request failed');
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return reply.status(known.status).send(known.body);
  }
  // Never err.message: it may hold server paths, addresses or SQL.
  request.log.error({ err }, 'unhandled error');
  return reply
    .status(500)
    .send(new AppError('internal', 500, `Internal error (request ${request.id}); it has been logged.`).render());
}

/** Fastify's frameworkErrors option: the router's errors (bad URL, too long a parameter) leave as any other. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void handleError(err, request, reply);
}

/**
 * Fastify's clientErrorHandler option: requests Node's HTTP parser refuses never reach Fastify, so
 * the answer is written to the socket here, in the same shape. `this` is the Fastify instance.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // A reset connection has no one to answer; an answer already started cannot be replaced.
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  let status = 400;
  let message = 'The request is malformed HTTP.';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'The request line and headers are too large.';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'The request took too long to arrive.';
  }
  // Not the error itself: its rawPacket holds the request as sent, cookies and tokens included.
  this.log.debug({ code: err.code }, 'malformed request refused');
  const body = JSON.stringify(new AppError('invalid_request', status, message).render());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; ` +
      `charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Errors in the one shape; what no route answers is the web app's (its files and pages), else a 404. */
export function installErrorHandler(app: FastifyInstance, web?: WebApp): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    if (web?.serve(request, reply)) return reply;
    return reply
      .status(404)
      .send(new AppError('not_found', 404, `No route ${request.method} ${request.url.split('?')[0]}.`).render());
  });
}
