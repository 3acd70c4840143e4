// The content hash kubectl's `create configmap|secret --append-hash` and kustomize's generators add
// to a name: sha256 of a JSON encoding of the object's content, its first ten hex digits with 0, 1,
// 3, a and e swapped for letters so the suffix never reads as a number or a word.
import {createHash} from 'node:crypto'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {goJsonCompact} from '../util/go-json.js'

const swappedDigits: Readonly<Record<string, string>> = {'0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't'}

/** The suffix for the JSON text of what is hashed (encodeHash of sha256). */
export function hashSuffix(encodedJson: string): string {
  const hex = createHash('sha256').update(encodedJson).digest('hex')
  return [...hex.slice(0, 10)].map((digit) => swappedDigits[digit] ?? digit).join('')
}

/**
 * kubectl's ConfigMapHash and SecretHash (kubectl/pkg/util/hash): kind, the object's name and
 * data (a ConfigMap's binaryData when it has some, a Secret's type), as Go's json.Marshal writes
 * that map; then the name with `-` and the suffix.
 */
export function nameWithHash(object: KubeObject): string {
  const name = object.metadata.name ?? ''
  // kubectl's generators start from empty maps: no data is `{}`, not null.
  const data = object.data ?? {}
  const encoded: Record<string, unknown> = object.kind === 'Secret'
    ? {kind: 'Secret', type: object.type ?? '', name, data}
    : {kind: 'ConfigMap', name, data, ...(isJsonObject(object.binaryData) && Object.keys(object.binaryData).length > 0 ? {binaryData: object.binaryData} : {})}
  return `${name}-${hashSuffix(goJsonCompact(encoded))}`
}
