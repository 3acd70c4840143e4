// kubectl's generic describer (GenericDescriberFor), which it uses for kinds without a describer
// of their own, such as the webhook configurations: name, namespace, labels, annotations, then
// every other field sorted by name under a "smart label" (apiVersion → API Version), nested
// objects indented, and the events.
import type {KubeObject} from '../../api/object.js'
import {isJsonObject} from '../../api/object.js'
import {type DescribeContext, eventsFor} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, printAnnotations, printLabels} from './writer.js'
import {goValueText} from '../../printers/kubectl/go-values.js'

const commonAcronyms = ['API', 'URL', 'UID', 'OSB', 'GUID']
const skippedMetadata = ['managedFields', 'name', 'namespace', 'labels', 'annotations']

/** fatih/camelcase's Split: runs of lower, upper, digit and other characters, "HTTPServer" → HTTP, Server. */
function camelCaseSplit(field: string): string[] {
  const classOf = (character: string) => (/\p{Ll}/u.test(character) ? 1 : /\p{Lu}/u.test(character) ? 2 : /\p{Nd}/u.test(character) ? 3 : 4)
  const runs: string[][] = []
  let lastClass = 0
  for (const character of field) {
    const current = classOf(character)
    if (current === lastClass) runs[runs.length - 1]!.push(character)
    else runs.push([character])
    lastClass = current
  }
  for (let index = 0; index < runs.length - 1; index++) {
    const here = runs[index]!
    const next = runs[index + 1]!
    if (classOf(here[0]!) === 2 && classOf(next[0]!) === 1) {
      next.unshift(here.pop()!)
    }
  }
  return runs.filter((run) => run.length > 0).map((run) => run.join(''))
}

/** smartLabelFor: "timeoutSeconds" → "Timeout Seconds"; names with other than letters and '-' stay as they are. */
export function smartLabelFor(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field
  return camelCaseSplit(field)
    .filter((part) => part !== '_')
    .map((part) => (commonAcronyms.includes(part.toUpperCase()) ? part.toUpperCase() : part.charAt(0).toUpperCase() + part.slice(1)))
    .join(' ')
}

/** Go's %v of a decoded JSON value: floats as %g (1e-05), nested lists and maps as [1 2] and map[a:1]. */
const goValue = (value: unknown) => goValueText(value)

function printContent(writer: DescribeWriter, level: number, content: Record<string, unknown>, skip: readonly string[]): void {
  for (const field of Object.keys(content).sort()) {
    if (skip.includes(field)) continue
    const value = content[field]
    if (isJsonObject(value)) {
      writer.write(level, `${smartLabelFor(field)}:\n`)
      printContent(writer, level + 1, value, [])
    } else if (Array.isArray(value)) {
      writer.write(level, `${smartLabelFor(field)}:\n`)
      for (const child of value) {
        if (isJsonObject(child)) printContent(writer, level + 1, child, [])
        else writer.write(level + 1, `${goValue(child)}\n`)
      }
    } else {
      writer.write(level, `${smartLabelFor(field)}:\t${goValue(value)}\n`)
    }
  }
}

export async function describeUnstructured(object: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${object.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${object.metadata.namespace ?? ''}\n`)
  printLabels(writer, 'Labels', object.metadata.labels)
  printAnnotations(writer, 'Annotations', object.metadata.annotations)
  const {metadata, ...rest} = object
  const content: Record<string, unknown> = {...rest}
  // The metadata heading stays when every field under it is skipped, as kubectl's skip list leaves it.
  content.metadata = Object.fromEntries(Object.entries(metadata).filter(([field]) => !skippedMetadata.includes(field)))
  printContent(writer, 0, content, [])
  describeEvents(writer, await eventsFor(context, object), context.nowMilliseconds)
  return writer.toString()
}
