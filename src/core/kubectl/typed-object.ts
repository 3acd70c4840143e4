// An object as kubectl prints it after decoding it into its Go type and encoding it again (what
// `set … --local -o yaml|json` prints): kind and apiVersion first, then the Go struct's fields in
// its order; a struct that is not a pointer always written (`strategy: {}`, `resources: {}`,
// `status: {}`), a zero metav1.Time as null (`creationTimestamp: null`); empty strings, numbers,
// lists and maps left out; quantities in their canonical form; fields the type lacks dropped.
// The structs come from the Kubernetes 1.32 messages kubemu already reads protobuf bodies with.
// Which fields lack `omitempty` comes from the OpenAPI descriptions' required fields: those are
// written zero (`numberReady: 0`) or null when absent, every other zero scalar, list and map left out.
import {canonicalQuantity} from '../api/quantity.js'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {requiredFieldsOfSchema} from '../api/openapi.js'
import {type FieldDefinition, goStructFields, goStructOfKind} from '../server/kubernetes-protobuf.js'

/** Structs nest at most this deep (a pod template in a job in a cron job is about ten). */
const structNestingDepthMax = 100

const metaPackage = 'k8s.io.apimachinery.pkg.apis.meta.v1'
/** Types whose JSON is their own (a string, a number, raw JSON), not a struct's fields. */
const intOrStringType = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString'
const opaqueTypes = new Set([`${metaPackage}.Duration`, `${metaPackage}.FieldsV1`, 'k8s.io.apimachinery.pkg.runtime.RawExtension'])
const timeTypes = new Set([`${metaPackage}.Time`, `${metaPackage}.MicroTime`])
const quantityType = 'k8s.io.apimachinery.pkg.api.resource.Quantity'
const scalarTypes = new Set(['double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32', 'sfixed32', 'sfixed64', 'sint32', 'sint64'])

/** The object as a Go typed round trip writes it; unchanged for a kind kubemu has no Go struct of. */
export function asTypedObject(object: KubeObject): KubeObject {
  const struct = goStructOfKind(object.apiVersion ?? '', object.kind ?? '')
  if (struct === null) return object
  const fields = encodeStruct(struct.typeName, struct.fields, object, 0)
  return {kind: object.kind, apiVersion: object.apiVersion, ...fields} as KubeObject
}

/** Optional fields whose Go tag still lacks `omitempty` (the OpenAPI data cannot tell them). */
const writtenWhenZero: Readonly<Record<string, readonly string[]>> = {
  'k8s.io.api.apps.v1.StatefulSetStatus': ['availableReplicas'],
  'k8s.io.api.core.v1.Event': ['reportingComponent', 'reportingInstance'],
  // A role's rules: null when an aggregated ClusterRole has none yet.
  'k8s.io.api.rbac.v1.Role': ['rules'],
  'k8s.io.api.rbac.v1.ClusterRole': ['rules'],
  // `kubectl create token -o yaml` shows `boundObjectRef: null` for a token bound to nothing.
  'k8s.io.api.authentication.v1.TokenRequestSpec': ['boundObjectRef'],
}

/** The OpenAPI name of a message: k8s.io.api.apps.v1.X is io.k8s.api.apps.v1.X. */
const schemaNameOf = (typeName: string) => typeName.replace(/^k8s\.io\./, 'io.k8s.')

/** Go's zero value of a scalar field as encoding/json writes it. */
function scalarZero(type: string): unknown {
  if (type === 'string' || type === 'bytes') return ''
  return type === 'bool' ? false : 0
}

function encodeStruct(typeName: string, fields: readonly FieldDefinition[], value: Record<string, unknown>, depth: number): Record<string, unknown> {
  if (depth > structNestingDepthMax) throw new Error(`an object nested more than ${structNestingDepthMax} deep`)
  const required = requiredFieldsOfSchema(schemaNameOf(typeName))
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    if (field.inline) {
      const embedded = goStructFields(field.type ?? '')
      if (embedded) Object.assign(out, encodeStruct(field.type!, embedded.fields, value, depth + 1))
      continue
    }
    const present = value[field.name]
    const always = required.has(field.name) || (writtenWhenZero[typeName]?.includes(field.name) ?? false)
    if (field.map) {
      if (!isJsonObject(present) || (Object.keys(present).length === 0 && !always)) {
        if (always) out[field.name] = null
        continue
      }
      // encoding/json writes a map's keys sorted.
      const valueType = field.map.value
      const keys = Object.keys(present).sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
      out[field.name] = Object.fromEntries(keys.map((key) => [key, scalarTypes.has(valueType) ? present[key] : encodeValue(valueType, present[key], depth + 1)]))
    } else if (field.repeated) {
      if (!Array.isArray(present) || (present.length === 0 && !always)) {
        if (always) out[field.name] = null
        continue
      }
      out[field.name] = scalarTypes.has(field.type!) ? present : present.map((item) => encodeValue(field.type!, item, depth + 1))
    } else if (scalarTypes.has(field.type!)) {
      if (present === undefined || present === null) {
        if (always) out[field.name] = field.pointer ? null : scalarZero(field.type!)
      } else if (field.pointer || always || (present !== '' && present !== 0 && present !== false)) {
        out[field.name] = present
      }
    } else if (field.pointer) {
      if (present !== undefined && present !== null) out[field.name] = encodeValue(field.type!, present, depth + 1)
      else if (always) out[field.name] = null
    } else {
      // A struct held by value: Go writes it whatever it holds, `{}` or null (a zero time) when nothing.
      out[field.name] = encodeValue(field.type!, present ?? null, depth + 1)
    }
  }
  return out
}

function encodeValue(type: string, value: unknown, depth: number): unknown {
  if (timeTypes.has(type)) return typeof value === 'string' && value !== '' ? value : null
  if (type === quantityType) return typeof value === 'string' || typeof value === 'number' ? canonicalOrAsIs(value) : value
  // A zero IntOrString held by value is the integer 0 (`targetPort: 0`).
  if (type === intOrStringType) return value ?? 0
  if (opaqueTypes.has(type)) return value
  const struct = goStructFields(type)
  if (struct === null || struct.slice) return value
  return encodeStruct(type, struct.fields, isJsonObject(value) ? value : {}, depth)
}

/** A quantity in Go's canonical form; one that does not parse stays as given (the decode would have refused it). */
function canonicalOrAsIs(value: string | number): string | number {
  try {
    return canonicalQuantity(value)
  } catch {
    return value
  }
}
