// Files a kustomization names, resolved as kustomize's loader resolves them: relative to the
// kustomization's folder, symlinks followed, and never outside that folder (kustomize's
// "security" rule for files; bases in other folders are fine).
import {lstatSync, realpathSync} from 'node:fs'
import {isAbsolute, relative, resolve} from 'node:path'
import {KustomizeError} from './errors.js'

/** The real path of `path` (relative to `folder`), or kustomize's evalsymlink error. */
export function realPathOf(folder: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(folder, path)
  try {
    return realpathSync(absolute)
  } catch {
    let reason = 'no such file or directory'
    try {
      lstatSync(absolute)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') reason = 'not a directory'
    }
    throw new KustomizeError(`evalsymlink failure on '${absolute}' : lstat ${absolute}: ${reason}`)
  }
}

export function isWithin(root: string, path: string): boolean {
  const difference = relative(root, path)
  return difference === '' || (!difference.startsWith('..') && !isAbsolute(difference))
}

/** A kustomization's folder, and whether its files must stay inside it (--load-restrictor). */
export interface LoadRoot {
  readonly folder: string
  readonly rootOnly: boolean
}

/** A file a kustomization reads (a resource, patch, generator source), kept inside its root. */
export function resolveInRoot(root: LoadRoot, path: string): string {
  const real = realPathOf(root.folder, path)
  if (root.rootOnly && !isWithin(root.folder, real)) throw new KustomizeError(`security; file '${real}' is not in or below '${root.folder}'`)
  return real
}


