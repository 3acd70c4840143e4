// A manifest's YAML read as kubectl reads it, faults worded as kubectl words them. kubectl splits
// a stream at `---` lines and converts each document with sigs.k8s.io/yaml, whose go-yaml v2 fork
// names a fault its own way and places it at `line N` (the fault's 0-based line for parser errors,
// 1-based for scanner errors, left out when that is 0), counted from the document's first line.
// The YAML parser kubemu uses finds the same faults but names and places them differently; the
// common ones are translated here, the rest keep the parser's words behind go-yaml's prefix.
import {parseAllDocuments} from 'yaml'
import {trailingDirectiveFault, yamlDirectiveFault} from './yaml-directives.js'
import {goYamlV2Options} from './go-yaml-scalars.js'
import {goJsonKeys, mapKeyFault} from './yaml-map-keys.js'

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

/** The 0-based line of go-yaml's end of stream: a last line without its line break gets one. */
function streamEndLine(text: string): number {
  const breaks = text.split('\n').length - 1
  return text.length > 0 && !text.endsWith('\n') ? breaks + 1 : breaks
}

/** The 0-based line of the next token after `line`: the next line that is not blank, else the end of the stream. */
function nextTokenLine(text: string, line: number): number {
  const lines = text.split('\n')
  for (let index = line + 1; index < lines.length; index++) if (!isBlank(lines[index]!)) return index
  return streamEndLine(text)
}

/**
 * The flow collections (`[`, `{`) still open at the end of the text, innermost last, outside
 * quotes and comments; and the last character that is not blank.
 */
function openFlowsAtEnd(text: string): {open: string[]; last: string} {
  const open: string[] = []
  let quote: string | null = null
  let last = ''
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (quote) {
      if (character === quote) quote = null
      continue
    }
    if (character === '#' && (index === 0 || /\s/.test(text[index - 1]!))) {
      while (index + 1 < text.length && text[index + 1] !== '\n') index++
      continue
    }
    if (!/\s/.test(character)) last = character
    if ((character === '"' || character === "'") && (index === 0 || /[\s[{,:]/.test(text[index - 1]!))) quote = character
    else if (character === '[' || character === '{') open.push(character)
    else if ((character === ']' || character === '}') && open.length > 0) open.pop()
  }
  return {open, last}
}

/**
 * go-yaml's fault for a flow collection the text leaves open: the parser meets the end of the
 * stream where it wanted a node (right after `[`, `{` or `,`) or the collection's next `,` or its end.
 */
function unclosedFlowFault(text: string, offset: number): string | undefined {
  // Only a fault at the end of the text is the end of the stream.
  if (text.slice(offset).trim() !== '') return undefined
  const {open, last} = openFlowsAtEnd(text)
  const innermost = open[open.length - 1]
  if (innermost === undefined) return undefined
  const expected = last === '[' || last === '{' || last === ',' ? 'did not find expected node content' : `did not find expected ',' or '${innermost === '[' ? ']' : '}'}'`
  return `${where(streamEndLine(text))}${expected}`
}

/** A block collection the parser was in when a token did not fit: a sequence when the line before is an entry (`- …`). */
function blockCollectionFault(text: string, line: number): string {
  const lines = text.split('\n')
  let previous = line - 1
  while (previous >= 0 && isBlank(lines[previous]!)) previous--
  const inSequence = previous >= 0 && /^-(?:\s|$)/.test(lines[previous]!.trimStart())
  return `${where(line)}did not find expected ${inSequence ? "'-' indicator" : 'key'}`
}

/** go-yaml v2's `line N: message` for a fault, or undefined when kubemu knows no translation. */
export function goYamlV2Fault(text: string, fault: YamlFault): string | undefined {
  const line = lineOf(text, fault.offset)
  switch (fault.code) {
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return `${scannerLine(line)}found character that cannot start any token`
    case 'MISSING_CHAR': {
      if (/^Flow (?:sequence|map) must end with/.test(fault.message)) return unclosedFlowFault(text, fault.offset)
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
      const unclosed = /^Flow (?:sequence|map) in block collection/.test(fault.message) ? unclosedFlowFault(text, fault.offset) : undefined
      if (unclosed !== undefined) return unclosed
      if (fault.message.startsWith('Flow sequence')) return `${where(line)}did not find expected ',' or ']'`
      if (fault.message.startsWith('Flow map')) return `${where(line)}did not find expected ',' or '}'`
      if (fault.message.startsWith('All mapping items')) return `${where(line)}did not find expected key`
      return undefined
    }
    case 'UNEXPECTED_TOKEN':
      return fault.message.includes('at node end') ? blockCollectionFault(text, line) : undefined
    case 'TAG_RESOLVE_FAILED':
      // A named handle (!x!) no %TAG directive declares: go-yaml's parser stops at it.
      return fault.message.startsWith('Could not resolve tag: !') ? `${where(line)}found undefined tag handle` : undefined
    default:
      return undefined
  }
}

/** A line kubectl's reader takes for a separator but refuses: `---` followed by more than a comment. */
export interface YamlSeparatorFault {
  readonly separatorFault: string
}

/**
 * kubectl's YAML reader: a stream cut at each line that starts with `---` and has nothing but
 * spaces or a comment after; a line with anything else after its `---` ends the stream with
 * kubectl's "invalid Yaml document separator" (after the documents before the one it ends).
 */
export function yamlDocumentTexts(text: string): Array<string | YamlSeparatorFault> {
  const documents: Array<string | YamlSeparatorFault> = []
  let current: string[] = []
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('---')) {
      const rest = line.slice(3).trim()
      if (rest.length > 0 && !rest.startsWith('#')) {
        // kubectl's reader fails here at once: the document it was reading is never decoded.
        documents.push({separatorFault: `invalid Yaml document separator: ${rest}`})
        return documents
      }
      if (current.length > 0) documents.push(current.join(''))
      current = []
    } else {
      current.push(line)
    }
  }
  if (current.length > 0) documents.push(current.join(''))
  return documents
}

/**
 * The text go-yaml reads as the first document: a `%` at the start of a line after the content
 * begins the next document's directives (go-yaml ends the document there and reads no further).
 * Only the block context is considered: a `%` line inside a quoted or flow value stays in it.
 */
function firstDocumentText(text: string): {text: string; fault?: string} {
  const lines = text.split(/(?<=\n)/)
  const contentStart = lines.findIndex((line) => !isBlank(line))
  if (contentStart < 0) return {text}
  const directive = lines.findIndex((line, index) => index > contentStart && line.startsWith('%'))
  if (directive < 0) return {text}
  const head = lines.slice(0, directive).join('')
  // A value still open at that line (a quote or a flow collection) is go-yaml's to fault, not a cut.
  if (/["'[{]/.test(head)) return {text}
  const fault = trailingDirectiveFault(lines[directive]!, directive)
  return fault === undefined ? {text: head} : {text: head, fault}
}

/** The value of one document as sigs.k8s.io/yaml reads it (a repeated key: the last one wins), or go-yaml's fault text. */
export function readYamlDocument(text: string): {value: unknown; unsupported?: string} | {fault: string} {
  const directiveFault = yamlDirectiveFault(text)
  if (directiveFault !== undefined) return {fault: directiveFault}
  const first = firstDocumentText(text)
  const documents = parseAllDocuments(first.text, {...goYamlV2Options, uniqueKeys: false})
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
  if (first.fault !== undefined) return {fault: first.fault}
  const keyFault = mapKeyFault(document)
  if (keyFault !== null && 'decode' in keyFault) return {fault: keyFault.decode}
  goJsonKeys(document)
  try {
    const value = document.toJS({maxAliasCount: 10_000}) as unknown
    return keyFault === null ? {value} : {value, unsupported: keyFault.convert}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const alias = /^Unresolved alias[^:]*: (.*)$/.exec(message)
    return {fault: alias ? `unknown anchor '${alias[1]}' referenced` : message}
  }
}
