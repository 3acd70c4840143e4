// The -o formats kubectl shares between verbs: yaml, json, name, and objects wrapped in a List
// the way kubectl wraps several.
import {readFileSync} from 'node:fs'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {type CustomColumn, parseCustomColumns, parseCustomColumnsFile, printCustomColumns} from '../printers/kubectl/custom-columns.js'
import {GoTemplateError, GoTemplateParseError, goObjectText, runGoTemplate} from '../printers/kubectl/go-template.js'
import {parseGoTemplate} from '../printers/kubectl/go-template-parse.js'
import {goTemplateFunctionNames} from '../printers/kubectl/go-template-functions.js'
import {goSyntaxText} from '../printers/kubectl/go-values.js'
import {JsonPathError, JsonPathExecutionError, parseTemplate, runJsonPath, runJsonPathAsJson} from '../printers/kubectl/jsonpath.js'
import {goJson, goJsonCompact} from '../util/go-json.js'
import {goYaml} from '../printers/kubectl/go-yaml.js'
import {KubectlError} from './errors.js'
import {type ApiResource, kindName} from './resources.js'

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name' | 'jsonpath' | 'custom-columns' | 'go-template'

const templateFormats = ['custom-columns', 'custom-columns-file', 'go-template', 'go-template-file', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'template', 'templatefile']

/**
 * -o: the format, and for templates their text (a file's content for the -file forms). A
 * --template without -o means go-template, and a template format without `=TEXT` takes --template's.
 */
/** A template file's text; one that cannot be read is kubectl's error, in Go's words (`open PATH: no such file or directory`). */
function readTemplateFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? `open ${path}: no such file or directory` : code === 'EACCES' ? `open ${path}: permission denied` : code === 'EISDIR' ? `read ${path}: is a directory` : (error as Error).message
    throw new KubectlError(`error reading ${what} ${path}, ${reason}`)
  }
}

export function outputFormatOf(given: string, templateFlag = '', allowMissingKeysFlag = ''): {format: OutputFormat; template: string; columns?: CustomColumn[]; asJson?: boolean; allowMissingKeys?: boolean} {
  const allowMissingKeys = allowMissingKeysFlag !== 'false'
  let value = given === '' && templateFlag !== '' ? 'go-template' : given
  if (value === '') return {format: 'table', template: ''}
  if (templateFormats.includes(value) && !value.startsWith('custom-columns')) {
    if (templateFlag === '') throw new KubectlError('template format specified but no template given')
    value = `${value}=${templateFlag}`
  }
  if (['wide', 'yaml', 'json', 'name'].includes(value)) return {format: value as OutputFormat, template: ''}
  const equals = value.indexOf('=')
  const kind = equals < 0 ? value : value.slice(0, equals)
  const argument = equals < 0 ? '' : value.slice(equals + 1)
  if (argument === '' && templateFormats.includes(kind) && !kind.startsWith('custom-columns')) throw new KubectlError('template format specified but no template given')
  try {
    if (kind === 'jsonpath' || kind === 'jsonpath-as-json') return {format: 'jsonpath', template: argument, asJson: kind === 'jsonpath-as-json', allowMissingKeys}
    if (kind === 'jsonpath-file') return {format: 'jsonpath', template: readTemplateFile(argument, '--template'), allowMissingKeys}
    if (kind === 'go-template' || kind === 'template') return {format: 'go-template', template: argument, allowMissingKeys}
    if (kind === 'go-template-file' || kind === 'templatefile') return {format: 'go-template', template: readTemplateFile(argument, '--template'), allowMissingKeys}
    if (kind === 'custom-columns') return {format: 'custom-columns', template: '', columns: parseCustomColumns(argument)}
    if (kind === 'custom-columns-file') {
      readTemplateFile(argument, 'template')
      return {format: 'custom-columns', template: '', columns: parseCustomColumnsFile(argument)}
    }
  } catch (error) {
    throw new KubectlError((error as Error).message)
  }
  // cobra lists the formats sorted.
  const allowed = ['json', 'yaml', 'name', ...templateFormats, 'wide'].sort()
  throw new KubectlError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${allowed.join(',')}`)
}

/** A template's parse error as kubectl's printer reports it when it is made (before a verb's first request, in verbs that make it first). */
export function checkTemplateParses(format: {format: OutputFormat; template: string}): void {
  try {
    if (format.format === 'go-template') parseGoTemplate(format.template, goTemplateFunctionNames)
    if (format.format === 'jsonpath') parseTemplate(format.template)
  } catch (error) {
    if (error instanceof GoTemplateParseError) throw new KubectlError(`error parsing template ${format.template}, ${error.message}`)
    if (error instanceof JsonPathError) throw new KubectlError(`error parsing jsonpath ${format.template}, ${error.message}`)
    throw error
  }
}

/** Prints objects with a template or custom columns: unlike json and yaml, with their managedFields, as kubectl does. */
export function printTemplated(format: {format: OutputFormat; template: string; columns?: CustomColumn[]; asJson?: boolean; allowMissingKeys?: boolean}, objects: readonly unknown[], single: boolean, noHeaders: boolean): string {
  if (format.format === 'custom-columns') {
    try {
      return printCustomColumns(format.columns!, objects, noHeaders)
    } catch (error) {
      // kubectl has written the header when a cell's path fails (`array index out of bounds`).
      if (error instanceof JsonPathExecutionError) throw new KubectlError(error.message, 1, noHeaders ? '' : printCustomColumns(format.columns!, [], false))
      throw error
    }
  }
  if (format.format === 'go-template') {
    try {
      return runGoTemplate(format.template, single && objects.length === 1 ? objects[0] : asList(objects), format.allowMissingKeys !== false)
    } catch (error) {
      if (error instanceof GoTemplateParseError) throw new KubectlError(`error parsing template ${format.template}, ${error.message}`)
      if (error instanceof GoTemplateError) {
        // kubectl prints what it gave the template on stdout, to help debug it, then the error.
        const data = single && objects.length === 1 ? objects[0] : asList(objects)
        const help = `${error.partialOutput}Error executing template: ${error.message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t${format.template}\n\traw data was:\n\t\t${goJsonCompact(data)}\n\tobject given to template engine was:\n\t\t${goObjectText(data)}\n\n`
        throw new KubectlError(`error executing template ${JSON.stringify(format.template)}: ${error.message}`, 1, help)
      }
      throw error
    }
  }
  try {
    const value = single && objects.length === 1 ? objects[0] : asList(objects)
    return format.asJson ? runJsonPathAsJson(format.template, value) : runJsonPath(format.template, value, format.allowMissingKeys !== false)
  } catch (error) {
    if (error instanceof JsonPathError) throw new KubectlError(`error parsing jsonpath ${format.template}, ${error.message}`)
    if (error instanceof JsonPathExecutionError) {
      const data = single && objects.length === 1 ? objects[0] : asList(objects)
      throw new KubectlError(`error executing jsonpath ${JSON.stringify(format.template)}: Error executing template: ${error.message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t${format.template}\n\tobject given to jsonpath engine was:\n\t\t${goSyntaxText(data)}\n\n\n`)
    }
    throw error
  }
}

export function asList(items: readonly unknown[]): Record<string, unknown> {
  return {apiVersion: 'v1', items, kind: 'List', metadata: {resourceVersion: ''}}
}

export function printObjects(format: 'yaml' | 'json', objects: readonly unknown[], single: boolean, showManagedFields = false): string {
  const shown = showManagedFields ? objects : objects.map(withoutManagedFields)
  const value = single && shown.length === 1 ? shown[0] : asList(shown)
  return format === 'yaml' ? goYaml(value) : `${goJson(value)}\n`
}

export function nameOf(resource: ApiResource, object: KubeObject): string {
  return `${kindName(resource)}/${object.metadata.name ?? ''}`
}

/** kubectl's OmitManagedFieldsPrinter: managedFields are left out unless --show-managed-fields. */
export function withoutManagedFields<T>(value: T): T {
  if (!isJsonObject(value)) return value
  if (Array.isArray(value.items)) return {...value, items: value.items.map(withoutManagedFields)} as T
  if (!isJsonObject(value.metadata) || value.metadata.managedFields === undefined) return value
  const {managedFields: _managedFields, ...metadata} = value.metadata
  return {...value, metadata} as T
}

/**
 * kubectl's printer for a verb that changed objects (label, annotate, patch, scale): each object
 * alone in -o json, yaml (a `---` before each after the first), name or a template; without -o
 * `KIND/NAME MESSAGE`. `typed` for an object decoded into its Go type: its JSON in struct order.
 */
export class ChangedObjectPrinter {
  private printedCount = 0
  private readonly format: ReturnType<typeof outputFormatOf> | null

  constructor(output: string, template: string, private readonly showManagedFields = false, allowMissingKeysFlag = '') {
    this.format = output !== '' || template !== '' ? outputFormatOf(output, template, allowMissingKeysFlag) : null
  }

  /** What to write for one object: `label` is KIND/NAME, `message` the verb's words with any dry-run suffix. */
  print(object: KubeObject, label: string, message: string, typed = false): string {
    const format = this.format?.format
    const shown = this.showManagedFields ? object : withoutManagedFields(object)
    if (format === 'yaml') return `${this.printedCount++ > 0 ? '---\n' : ''}${goYaml(shown)}`
    if (format === 'json') return `${goJson(shown, !typed)}\n`
    if (format === 'jsonpath' || format === 'go-template' || format === 'custom-columns') return printTemplated(this.format!, [object], true, false)
    if (format === 'name') return `${label}\n`
    return `${label} ${message}\n`
  }
}
