// A manifest's YAML read as kubectl reads it, faults worded as kubectl words them. kubectl splits
// a stream at `---` lines and converts each document with sigs.k8s.io/yaml, whose go-yaml v2 fork
// names a fault its own way and places it at `line N` (the fault's 0-based line for parser errors,
// 1-based for scanner errors, left out when that is 0), counted from the document's first line.
// The YAML parser kubemu uses finds the same faults but names and places them differently; the
// common ones are translated here, the rest keep the parser's words behind go-yaml's prefix.
import {parseAllDocuments} from 'yaml'

export interface YamlFault {
  readonly code: string
  readonly message: string
  /** Offset in the document where the parser placed the fault. */
  readonly offset: number
}

const lineOf = (text: string, offset: number) => text.slice(0, Math.max(0, offset)).split('\n').length - 1
const isBlank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#')

/** go-yaml's prefix: the line when it is not 0. */
function where(line: number): string {
  return line > 0 ? `line ${line}: ` : ''
}

/** A scanner error's `line N`: its 0-based line plus one, or nothing on the first line. */
const scannerLine = (line: number) => where(line === 0 ? 0 : line + 1)

/** The 0-based line of the next token after `line`: the next line that is not blank, else the end of the text. */
function nextTokenLine(text: string, line: number): number {
  const lines = text.split('\n')
  for (let index = line + 1; index < lines.length; index++) if (!isBlank(lines[index]!)) return index
  return lines.length - 1
}

/** go-yaml v2's `line N: message` for a fault, or undefined when kubemu knows no translation. */
export function goYamlV2Fault(text: string, fault: YamlFault): string | undefined {
  const line = lineOf(text, fault.offset)
  switch (fault.code) {
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return `${scannerLine(line)}found character that cannot start any token`
    case 'MISSING_CHAR': {
      // An unclosed quote runs to the end of the stream, where the scanner stops.
      if (/^Missing closing ["']quote/.test(fault.message)) return `${scannerLine(lineOf(text, text.length))}found unexpected end of stream`
      // A key on its own: the scanner gives up on it at the next token.
      if (fault.message.startsWith('Implicit map keys need to be followed by map values')) return `${scannerLine(nextTokenLine(text, line))}could not find expected ':'`
      return undefined
    }
    case 'MULTILINE_IMPLICIT_KEY':
      return `${scannerLine(nextTokenLine(text, line))}could not find expected ':'`
    case 'BLOCK_AS_IMPLICIT_KEY': {
      if (fault.message.startsWith('Nested mappings')) {
        const colon = /:(?=[ \t\n]|$)/g
        colon.lastIndex = fault.offset
        const found = colon.exec(text)
        return `${scannerLine(found ? lineOf(text, found.index) : line)}mapping values are not allowed in this context`
      }
      return `${where(line)}did not find expected key`
    }
    case 'BAD_INDENT': {
      if (fault.message.startsWith('Flow sequence')) return `${where(line)}did not find expected ',' or ']'`
      if (fault.message.startsWith('Flow map')) return `${where(line)}did not find expected ',' or '}'`
      if (fault.message.startsWith('All mapping items')) return `${where(line)}did not find expected key`
      return undefined
    }
    case 'UNEXPECTED_TOKEN':
      return fault.message.includes('at node end') ? `${where(line)}did not find expected key` : undefined
    case 'TAG_RESOLVE_FAILED':
      // A named handle (!x!) no %TAG directive declares: go-yaml's parser stops at it.
      return fault.message.startsWith('Could not resolve tag: !') ? `${where(line)}found undefined tag handle` : undefined
    default:
      return undefined
  }
}

/** kubectl's YAML reader: a stream cut at each line that is `---` and nothing but spaces after. */
export function yamlDocumentTexts(text: string): string[] {
  const documents: string[] = []
  let current: string[] = []
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('---') && line.slice(3).trim() === '') {
      if (current.length > 0) documents.push(current.join(''))
      current = []
    } else {
      current.push(line)
    }
  }
  if (current.length > 0) documents.push(current.join(''))
  return documents
}

/** The value of one document as sigs.k8s.io/yaml reads it (a repeated key: the last one wins), or go-yaml's fault text. */
export function readYamlDocument(text: string): {value: unknown} | {fault: string} {
  const documents = parseAllDocuments(text, {version: '1.1', uniqueKeys: false})
  // go-yaml's Unmarshal reads the first document only.
  const document = documents[0]
  if (document === undefined) return {value: null}
  const error = document.errors[0]
  if (error !== undefined) {
    const translated = goYamlV2Fault(text, {code: error.code, message: error.message, offset: error.pos[0]})
    if (translated !== undefined) return {fault: translated}
    const line = error.linePos?.[0]?.line
    return {fault: `${line ? `line ${line}: ` : ''}${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`}
  }
  try {
    return {value: document.toJS({maxAliasCount: 10_000})}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const alias = /^Unresolved alias[^:]*: (.*)$/.exec(message)
    return {fault: alias ? `unknown anchor '${alias[1]}' referenced` : message}
  }
}
