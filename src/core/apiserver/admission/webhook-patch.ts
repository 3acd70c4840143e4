// RFC 6902 JSON Patch, as a mutating webhook answers with (patchType JSONPatch): add, remove,
// replace, move, copy and test, applied in order to a copy; any failing operation fails the whole.
import {isJsonObject, jsonEqual} from '../../api/object.js'

export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonPatchError'
  }
}

/** Operations in one patch at most (a webhook's answer is bounded like any request body). */
export const jsonPatchOperationsMax = 10_000

type Container = Record<string, unknown> | unknown[]

/** RFC 6901: "/a/b~1c" → ["a", "b/c"]. */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`)
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function arrayIndex(array: unknown[], token: string, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return array.length
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`invalid array index ${JSON.stringify(token)} in ${pointer}`)
  const index = Number(token)
  if (index > array.length || (!forAdd && index === array.length)) throw new JsonPatchError(`index out of bounds in ${pointer}`)
  return index
}

/** The parent container of a pointer's target and the last token; the root has no parent. */
function parentOf(document: unknown, pointer: string): {parent: Container; token: string} {
  const tokens = parsePointer(pointer)
  if (tokens.length === 0) throw new JsonPatchError('the whole document cannot be the target')
  let current: unknown = document
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[arrayIndex(current, token, false, pointer)]
    else if (isJsonObject(current) && Object.hasOwn(current, token)) current = current[token]
    else throw new JsonPatchError(`missing value at ${pointer}`)
  }
  if (!Array.isArray(current) && !isJsonObject(current)) throw new JsonPatchError(`missing value at ${pointer}`)
  return {parent: current, token: tokens[tokens.length - 1]!}
}

function read(document: unknown, pointer: string): unknown {
  if (pointer === '') return document
  const {parent, token} = parentOf(document, pointer)
  if (Array.isArray(parent)) return parent[arrayIndex(parent, token, false, pointer)]
  if (!Object.hasOwn(parent, token)) throw new JsonPatchError(`missing value at ${pointer}`)
  return parent[token]
}

function add(document: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value
  const {parent, token} = parentOf(document, pointer)
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, true, pointer), 0, value)
  else parent[token] = value
  return document
}

function remove(document: unknown, pointer: string): unknown {
  const {parent, token} = parentOf(document, pointer)
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, false, pointer), 1)
  else {
    if (!Object.hasOwn(parent, token)) throw new JsonPatchError(`missing value at ${pointer}`)
    delete parent[token]
  }
  return document
}

/** The patched document; the input is left as it was. */
export function applyJsonPatch(input: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new JsonPatchError('a JSON patch is a list of operations')
  if (patch.length > jsonPatchOperationsMax) throw new JsonPatchError(`a JSON patch has at most ${jsonPatchOperationsMax} operations`)
  let document: unknown = structuredClone(input)
  for (const operation of patch) {
    if (!isJsonObject(operation)) throw new JsonPatchError('a JSON patch operation is an object')
    const op = operation.op
    const path = operation.path
    if (typeof path !== 'string') throw new JsonPatchError(`operation ${JSON.stringify(op)} has no path`)
    const from = typeof operation.from === 'string' ? operation.from : null
    const needsValue = op === 'add' || op === 'replace' || op === 'test'
    if (needsValue && !Object.hasOwn(operation, 'value')) throw new JsonPatchError(`operation ${op} at ${path} has no value`)
    if ((op === 'move' || op === 'copy') && from === null) throw new JsonPatchError(`operation ${op} at ${path} has no from`)
    switch (op) {
      case 'add':
        document = add(document, path, structuredClone(operation.value))
        break
      case 'remove':
        document = remove(document, path)
        break
      case 'replace':
        read(document, path)
        document = path === '' ? structuredClone(operation.value) : add(remove(document, path), path, structuredClone(operation.value))
        break
      case 'move': {
        if (path.startsWith(`${from!}/`)) throw new JsonPatchError(`cannot move ${from!} into its own child ${path}`)
        const value = read(document, from!)
        document = add(remove(document, from!), path, value)
        break
      }
      case 'copy':
        document = add(document, path, structuredClone(read(document, from!)))
        break
      case 'test':
        if (!jsonEqual(read(document, path), operation.value)) throw new JsonPatchError(`testing value ${path} failed`)
        break
      default:
        throw new JsonPatchError(`unexpected kind of operation ${JSON.stringify(op)}`)
    }
  }
  return document
}
