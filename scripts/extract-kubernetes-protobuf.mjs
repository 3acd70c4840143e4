// Writes data/kubernetes-protobuf/messages.json: the protocol buffer messages of the Kubernetes API types
// (k8s.io/api and k8s.io/apimachinery, Apache License 2.0), for reading request bodies that clients send
// as application/vnd.kubernetes.protobuf. They are read out of a kubectl binary, so they are exactly
// those of its release: the Go code generated from each generated.proto registers it as a gzipped
// FileDescriptorProto (with its gogoproto options: which fields are Go pointers), and Go keeps the
// struct tags (which fields JSON inlines, which JSON names differ from the protobuf ones).
// Only the stable versions kubemu serves are kept.
// Run: node scripts/extract-kubernetes-protobuf.mjs "$(command -v kubectl)"
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {inflateRawSync} from 'node:zlib'
import protobuf from 'protobufjs'
import descriptor from 'protobufjs/ext/descriptor/index.js'

const gzipMemberHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00])
const gzipHeaderBytes = 10
const descriptorBytesMax = 4_000_000
const kept = /^k8s\.io\/(api\/[a-z]+\/(v1|v2)|apimachinery\/pkg\/(api\/resource|apis\/meta\/v1|runtime|util\/intstr))\/generated\.proto$/
// gogoproto's field options (github.com/gogo/protobuf/gogoproto/gogo.proto), which protobufjs does not know.
descriptor.FieldOptions.add(new protobuf.Field('nullable', 65001, 'bool'))
descriptor.FieldOptions.add(new protobuf.Field('customname', 65004, 'string'))
const scalarTypes = {1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64'}
const messageType = 11
const repeatedLabel = 3

const binaryPath = process.argv[2] ?? 'kubectl'
const binary = readFileSync(binaryPath)
const files = new Map()
for (let offset = binary.indexOf(gzipMemberHeader); offset >= 0; offset = binary.indexOf(gzipMemberHeader, offset + 1)) {
  let file
  try {
    file = descriptor.FileDescriptorProto.decode(inflateRawSync(binary.subarray(offset + gzipHeaderBytes, offset + gzipHeaderBytes + descriptorBytesMax)))
  } catch {
    continue // bytes that only look like a gzip header
  }
  if (kept.test(file.name ?? '')) files.set(file.name, file)
}
if (!files.has('k8s.io/api/core/v1/generated.proto')) throw new Error(`no Kubernetes descriptors found in ${binaryPath}`)

// Struct tags: `json:"X,…" … protobuf:"…,name=Y,…"`. X empty with ",inline" is an embedded struct.
const text = binary.toString('latin1')
const inlineNames = new Set()
/** Embedded structs whose tag has no protobuf name: their number alone cannot tell which they are, so they are named here. */
const unnamedInlineTags = []
const unnamedInlineFields = new Map([['k8s.io.api.core.v1.EphemeralContainer', 'ephemeralContainerCommon']])
const jsonNames = new Map()
for (const match of text.matchAll(/json:"([^",]*)((?:,[a-z]+)*)"(?: [a-zA-Z]+:"[^"]*")* protobuf:"([^"]*)"/g)) {
  const [, jsonName, jsonOptions, protobufTag] = match
  const protobufName = /(?:^|,)name=([^,]*)/.exec(protobufTag)?.[1]
  if (jsonName === '' && jsonOptions.includes('inline')) {
    if (protobufName) inlineNames.add(protobufName)
    else unnamedInlineTags.push(protobufTag)
  }
  else if (protobufName && jsonName !== '-' && jsonName !== protobufName) jsonNames.set(protobufName, jsonName)
}

if (unnamedInlineTags.length !== unnamedInlineFields.size) throw new Error(`embedded structs without a protobuf name: ${unnamedInlineTags.join(' ')}; name them in unnamedInlineFields`)
const messages = {}
/** Go named slices (`type ExtraValue []string`): a message of one repeated `items` in protobuf, a bare array in JSON. */
const sliceMessages = new Set()
function addMessage(prefix, message) {
  const fullName = `${prefix}.${message.name}`
  const nested = new Map(message.nestedType.map((type) => [`.${fullName}.${type.name}`, type]))
  for (const type of message.nestedType) if (!type.options?.mapEntry) addMessage(fullName, type)
  const fields = message.field.map((field) => {
    const entry = {number: field.number, name: jsonNames.get(field.name) ?? field.name}
    const mapEntry = nested.get(field.typeName)
    if (mapEntry?.options?.mapEntry) {
      const [key, value] = mapEntry.field
      entry.map = {key: scalarTypes[key.type], value: value.type === messageType ? value.typeName.slice(1) : scalarTypes[value.type]}
      return entry
    }
    if (field.type !== messageType && !scalarTypes[field.type]) throw new Error(`${fullName}.${field.name}: type ${field.type} is neither a message nor a scalar`)
    entry.type = field.type === messageType ? field.typeName.slice(1) : scalarTypes[field.type]
    if (field.label === repeatedLabel) entry.repeated = true
    // gogoproto's nullable defaults to true: a Go pointer, whose zero value JSON still writes.
    // (A decoded message answers defaults for absent fields: ask whether the option is there.)
    const nullable = field.options && Object.hasOwn(field.options, 'nullable') ? field.options.nullable : true
    if (nullable && field.label !== repeatedLabel) entry.pointer = true
    // An embedded Go struct: its Go field name is its type's name.
    const tagged = inlineNames.has(field.name) || unnamedInlineFields.get(fullName) === field.name
    if (tagged && field.options?.customname === entry.type.split('.').pop()) entry.inline = true
    if (message.field.length === 1 && field.name === 'items' && field.label === repeatedLabel && field.type !== messageType) sliceMessages.add(fullName)
    return entry
  })
  messages[fullName] = sliceMessages.has(fullName) ? {fields, slice: true} : {fields}
}
for (const name of [...files.keys()].sort()) for (const message of files.get(name).messageType) addMessage(files.get(name).package, message)
mkdirSync('data/kubernetes-protobuf', {recursive: true})
writeFileSync('data/kubernetes-protobuf/messages.json', `${JSON.stringify({files: [...files.keys()].sort(), messages}, null, 1)}\n`)
console.log(`${files.size} files, ${Object.keys(messages).length} messages; inline: ${[...inlineNames, ...unnamedInlineFields.values()].join(' ')}; renamed: ${[...jsonNames].map(([from, to]) => `${from}->${to}`).join(' ')}`)
