// YAML as kustomize reads it (go-yaml v3 under kyaml): YAML 1.2's core schema, except that
// integers are read as Go's strconv.ParseInt reads them, so a leading 0 is octal (0755 is 493),
// and 0b/0o/0x prefixes and digit underscores are allowed.
import {parseAllDocuments, type ScalarTag} from 'yaml'
import {KustomizeError} from './errors.js'
import {goYamlFault} from './yaml-errors.js'

const goInteger: ScalarTag = {
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?(?:0[0-7_]+|0[bB][01_]+|0[oO][0-7_]+|[1-9][0-9]*_[0-9_]*)$/,
  resolve(text) {
    const sign = text.startsWith('-') ? -1 : 1
    const digits = text.replace(/^[-+]/, '').replaceAll('_', '')
    const lower = digits.toLowerCase()
    if (lower.startsWith('0b')) return sign * parseInt(lower.slice(2), 2)
    if (lower.startsWith('0o')) return sign * parseInt(lower.slice(2), 8)
    return sign * (digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10))
  },
}

/** The non-empty documents of a YAML stream as JSON values; a syntax error names `source`. */
export function yamlDocuments(text: string, source: string): unknown[] {
  const values: unknown[] = []
  for (const document of parseAllDocuments(text, {customTags: (tags) => [goInteger, ...tags]})) {
    if (document.errors.length > 0) {
      const error = document.errors[0]!
      const line = error.linePos?.[0]?.line
      const fault = goYamlFault(text, {code: error.code, message: error.message, offset: error.pos[0]})
      const message = fault ?? `${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`
      throw new KustomizeError(`MalformedYAMLError: yaml: ${message} in File: ${source}`)
    }
    const value: unknown = document.toJS()
    if (value !== null && value !== undefined) values.push(value)
  }
  return values
}
