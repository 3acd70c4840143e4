// The -o formats kubectl shares between verbs: yaml, json, name, and objects wrapped in a List
// the way kubectl wraps several.
import {isJsonObject, type KubeObject} from '../api/object.js'
import {goJson} from '../printers/kubectl/go-json.js'
import {goYaml} from '../printers/kubectl/go-yaml.js'
import {KubectlError} from './errors.js'
import {type ApiResource, kindName} from './resources.js'

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name'

export function outputFormatOf(value: string, allowed: readonly string[] = ['', 'wide', 'yaml', 'json', 'name']): OutputFormat {
  if (!allowed.includes(value)) {
    const listed = allowed.filter((format) => format !== '').map((format) => (format === 'wide' ? 'wide' : format))
    throw new KubectlError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${listed.join(',')}`)
  }
  return value === '' ? 'table' : (value as OutputFormat)
}

export function asList(items: readonly unknown[]): Record<string, unknown> {
  return {apiVersion: 'v1', items, kind: 'List', metadata: {resourceVersion: ''}}
}

export function printObjects(format: 'yaml' | 'json', objects: readonly unknown[], single: boolean): string {
  const value = single && objects.length === 1 ? objects[0] : asList(objects)
  return format === 'yaml' ? goYaml(value) : `${goJson(value)}\n`
}

export function nameOf(resource: ApiResource, object: KubeObject): string {
  return `${kindName(resource)}/${object.metadata.name ?? ''}`
}

export function isKubeObject(value: unknown): value is KubeObject {
  return isJsonObject(value) && isJsonObject(value.metadata)
}
