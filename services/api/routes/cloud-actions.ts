// What connectors offer beyond the contract (Google Photos' Picker sessions, a Takeout source's
// export status): each action a connector declares is mounted here once, at /clouds/:id/<path>,
// with its own schemas. The cloud must be the caller's (another user's is not found) and of a kind
// that declares the action; the call is bounded in time and its errors map as every cloud call's.
import { connectors } from '../../../connectors/index.ts';
import type { CloudAction } from '../../../connectors/types.ts';
import { audit } from '../../core/audit.ts';
import { toAppError } from '../../core/clouds.ts';
import { errors } from '../../core/errors.ts';
import type { App, Services } from '../app.ts';
import { userOf } from '../auth.ts';
import { errorsFor, idParams } from '../schemas.ts';

// An action that takes longer than this is reported as unreachable.
export const ACTION_TIMEOUT_MS = 20_000;

interface Mount {
  method: CloudAction['method'];
  path: string;
  /** The action as each kind that declares it has it. */
  byKind: Map<string, CloudAction>;
}

/** Every action of every registered connector, one mount per method and path. */
export function actionMounts(): Mount[] {
  const mounts = new Map<string, Mount>();
  for (const def of connectors.values()) {
    for (const action of def.actions ?? []) {
      const key = `${action.method} ${action.path}`;
      const mount = mounts.get(key) ?? { method: action.method, path: action.path, byKind: new Map() };
      const first = mount.byKind.values().next().value;
      // One route has one set of schemas: kinds that share an action share them.
      if (first && (first.params !== action.params || first.body !== action.body || first.response !== action.response))
        throw new Error(`${def.kind} declares ${key} with schemas of its own: a shared action shares its schemas.`);
      mount.byKind.set(def.kind, action);
      mounts.set(key, mount);
    }
  }
  return [...mounts.values()];
}

export function cloudActionRoutes(app: App, s: Services): void {
  for (const mount of actionMounts()) {
    const action = mount.byKind.values().next().value!;
    const status = action.status ?? 200;
    const titles = [...mount.byKind.keys()].map((k) => connectors.get(k)!.title);
    app.route({
      method: mount.method,
      url: `/clouds/:id/${mount.path}`,
      schema: {
        tags: ['clouds'],
        summary: action.summary,
        params: action.params ? idParams.extend(action.params.shape) : idParams,
        ...(action.body ? { body: action.body } : {}),
        // 403: a change without its CSRF token.
        response: {
          [status]: action.response,
          ...(mount.method === 'GET' ? errorsFor(400, 401, 404, 422, 502) : errorsFor(400, 401, 403, 404, 422, 502)),
        },
      },
      handler: async (request, reply) => {
        const user = userOf(request);
        const { id, ...params } = request.params as { id: string } & Record<string, string>;
        try {
          // Another user's cloud is not found; one of a kind without the action is refused before it is opened.
          const cloud = await s.clouds.get(user.id, id);
          const own = mount.byKind.get(cloud.kind);
          if (!own) {
            const route = `${mount.method} /clouds/:id/${mount.path}`;
            throw errors.invalid(`${cloud.name} has no ${route}: only a ${titles.join(' or ')} cloud does.`);
          }
          const { config } = await s.clouds.configOf(user.id, id);
          const result = await own.run(
            { cloud: config, env: s.connectorEnv, signal: AbortSignal.timeout(ACTION_TIMEOUT_MS) },
            { params: action.params ? params : undefined, body: action.body ? request.body : undefined },
          );
          if (own.audit) {
            const entry = own.audit(result);
            await audit(s.db, { userId: user.id, targetId: id, ip: request.ip, ...entry });
          }
          return reply.status(status).send(result);
        } catch (err) {
          if ((err as Error).name === 'TimeoutError') {
            throw errors.cloudUnreachable(`The cloud did not answer within ${ACTION_TIMEOUT_MS / 1000} seconds.`, err);
          }
          throw toAppError(err);
        }
      },
    });
  }
}
