import type { z } from 'zod';
import { defOf, type Def } from './field-marks.js';

/**
 * The object schemas reachable at `path` (wrappers such as default, optional and pipes are
 * looked through; a union gives each of its options), so an "Unrecognized key" can be
 * answered with the keys that are valid right there.
 */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): Def[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return def.innerType ? objectsAt(def.innerType, path) : [];
    case 'pipe':
      return def.in ? objectsAt(def.in, path) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => objectsAt(o, path));
    case 'array':
      return path.length > 0 && typeof path[0] === 'number' && def.element ? objectsAt(def.element, path.slice(1)) : [];
    case 'record':
      return path.length > 0 && def.valueType ? objectsAt(def.valueType, path.slice(1)) : [];
    case 'object': {
      if (path.length === 0) return [def];
      const next = def.shape?.[String(path[0])];
      return next ? objectsAt(next, path.slice(1)) : [];
    }
    default:
      return [];
  }
}

/** Keys a config object at `path` may have (empty when unknown). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))];
}
