// The pages mails link to (mail/messages.ts `links`). Until the web UI serves them, they lead to the
// resource itself, which a signed-in browser can read; the links in mails already sent keep working.
import { idParams } from '../schemas.ts';
import type { App } from '../app.ts';

export function linkRoutes(app: App): void {
  for (const kind of ['runs', 'clouds'] as const) {
    app.get(`/${kind}/:id`, { schema: { hide: true, params: idParams } }, async (request, reply) =>
      reply.redirect(`/api/v1/${kind}/${request.params.id}`, 302),
    );
  }
}
