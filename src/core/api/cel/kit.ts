// What every CEL library of kubemu builds on: the loaded @bufbuild/cel module and kube's opaque
// types (Quantity, URL, IP, CIDR). @bufbuild/cel knows values by their type name; an opaque value
// here is a one-field protobuf message of that name, built from a descriptor made at load time,
// whose field holds the value's canonical text (so CEL's equality of messages is kube's equality).
import type {CelFunc, CelObjectType, CelValue} from '@bufbuild/cel'
import type {ReflectMessage} from '@bufbuild/protobuf/reflect'
import {createRequire} from 'node:module'

export type CelLibrary = typeof import('@bufbuild/cel')
type Protobuf = typeof import('@bufbuild/protobuf')
type ProtobufReflect = typeof import('@bufbuild/protobuf/reflect')
type ProtobufWkt = typeof import('@bufbuild/protobuf/wkt')

/** An opaque CEL type: its CEL type, a value of it from its canonical text, and the text back. */
export interface OpaqueType {
  readonly type: CelObjectType
  value(text: string): ReflectMessage
  text(value: CelValue): string
  /** Whether a value is of this type. */
  is(value: unknown): value is ReflectMessage
}

export interface CelKit {
  readonly cel: CelLibrary
  opaque(fullName: string): OpaqueType
}

/** Protobuf's FieldDescriptorProto.Type.TYPE_STRING and Label.LABEL_OPTIONAL. */
const fieldTypeString = 9
const fieldLabelOptional = 1
const valueField = 'kubemu_value'

export function celKit(cel: CelLibrary): CelKit {
  const require = createRequire(import.meta.url)
  const protobuf = require('@bufbuild/protobuf') as Protobuf
  const {reflect, isReflectMessage} = require('@bufbuild/protobuf/reflect') as ProtobufReflect
  const {FileDescriptorProtoSchema} = require('@bufbuild/protobuf/wkt') as ProtobufWkt
  const types = new Map<string, OpaqueType>()
  return {
    cel,
    opaque(fullName) {
      const known = types.get(fullName)
      if (known) return known
      const dot = fullName.lastIndexOf('.')
      const file = protobuf.create(FileDescriptorProtoSchema, {
        name: `kubemu/${fullName}.proto`,
        package: dot >= 0 ? fullName.slice(0, dot) : '',
        syntax: 'proto3',
        messageType: [{name: fullName.slice(dot + 1), field: [{name: valueField, number: 1, type: fieldTypeString, label: fieldLabelOptional, jsonName: 'kubemuValue'}]}],
      })
      const descriptor = protobuf.createFileRegistry(file, () => undefined).getMessage(fullName)!
      const field = descriptor.fields[0]!
      const opaque: OpaqueType = {
        type: cel.objectType(descriptor),
        value: (text) => reflect(descriptor, protobuf.create(descriptor, {kubemuValue: text} as never)),
        text: (value) => {
          if (!opaque.is(value)) throw new Error(`no such overload: ${fullName}`)
          return String(value.get(field))
        },
        is: (value): value is ReflectMessage => isReflectMessage(value) && value.desc.typeName === fullName,
      }
      types.set(fullName, opaque)
      return opaque
    },
  }
}

export type LibraryFunctions = (kit: CelKit) => CelFunc[]
