import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS, DimseModule, type AccessRequirement } from '@tessera/platform';
import { ROLE_MODULES } from './app.module';
import { HealthController } from './health.controller';

/** One HTTP route of Tessera and what it asks of its caller. */
export interface Route {
  readonly method: string;
  /** Nest's path, parameters as `:name`. */
  readonly path: string;
  /** undefined: none declared, which the access guard refuses to everyone. */
  readonly requirement: AccessRequirement | undefined;
  readonly handler: string;
}

function controllersOf(module: Type, seen = new Set<Type>()): Type[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const own = (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module) as Type[] | undefined) ?? [];
  const imported = (Reflect.getMetadata(MODULE_METADATA.IMPORTS, module) as unknown[] | undefined) ?? [];
  return [...own, ...imported.filter((m): m is Type => typeof m === 'function').flatMap((m) => controllersOf(m, seen))];
}

const paths = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : [String(value ?? '')]);
const join = (...parts: string[]): string => `/${parts.map((p) => p.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`;

/** Every route of every role, read from the controllers' own metadata (so none can be missed). */
export function routeTable(): Route[] {
  const controllers = [...new Set([HealthController, ...controllersOf(DimseModule), ...Object.values(ROLE_MODULES).flatMap((m) => controllersOf(m))])];
  const routes: Route[] = [];
  for (const controller of controllers) {
    const bases = paths(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const routePath = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (routePath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const requirement = (Reflect.getMetadata(ACCESS, handler) ?? Reflect.getMetadata(ACCESS, controller)) as AccessRequirement | undefined;
      for (const base of bases) for (const sub of paths(routePath)) routes.push({ method, path: join(base, sub), requirement, handler: `${controller.name}.${name}` });
    }
  }
  return routes;
}
