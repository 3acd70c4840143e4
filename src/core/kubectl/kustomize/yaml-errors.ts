// A YAML syntax error as go-yaml v3 (which kustomize reads with) words it: its message, and its
// line as go-yaml reports it (the line of the construct being parsed, 0-based for parser errors
// and 1-based for scanner errors, left out when it is 0). The YAML parser kubemu uses finds the
// same faults but names and places them its own way; the common ones are translated here.

export interface YamlFault {
  readonly code: string
  readonly message: string
  /** Offset in the text where the parser placed the fault. */
  readonly offset: number
}

const lineOf = (text: string, offset: number) => text.slice(0, Math.max(0, offset)).split('\n').length - 1
const indentOf = (line: string) => line.length - line.trimStart().length
const isBlank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#')

function where(line: number): string {
  return line > 0 ? `line ${line}: ` : ''
}

/** go-yaml's line for "did not find expected key": the start of the block mapping being parsed. */
function mappingContextLine(text: string, faultLine: number): number {
  const lines = text.split('\n')
  const indent = indentOf(lines[faultLine] ?? '')
  let keyLine = -1
  for (let index = faultLine - 1; index >= 0; index--) {
    if (!isBlank(lines[index]!) && indentOf(lines[index]!) <= indent) {
      keyLine = index
      break
    }
  }
  if (keyLine < 0) return faultLine
  const mappingIndent = indentOf(lines[keyLine]!)
  let start = keyLine
  for (let index = keyLine - 1; index >= 0; index--) {
    if (isBlank(lines[index]!)) continue
    const lineIndent = indentOf(lines[index]!)
    if (lineIndent < mappingIndent) break
    if (lineIndent === mappingIndent) start = index
  }
  return start !== 0 ? start : faultLine
}

/** The line of the flow collection (`[` or `{`) still open at `offset` (go-yaml gives the fault's when that is 0). */
function openFlowLine(text: string, offset: number, opener: string): number {
  const opened = openingLine(text, offset, opener)
  return opened !== 0 ? opened : lineOf(text, offset)
}

function openingLine(text: string, offset: number, opener: string): number {
  const closer = opener === '[' ? ']' : '}'
  let depth = 0
  for (let index = Math.min(offset, text.length) - 1; index >= 0; index--) {
    if (text[index] === closer) depth++
    else if (text[index] === opener) {
      if (depth === 0) return lineOf(text, index)
      depth--
    }
  }
  return lineOf(text, offset)
}

/** go-yaml's `line N: message` for a fault, or undefined when kubemu knows no translation. */
export function goYamlFault(text: string, fault: YamlFault): string | undefined {
  const line = lineOf(text, fault.offset)
  switch (fault.code) {
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return `${where(line === 0 ? 0 : line + 1)}found character that cannot start any token`
    case 'MISSING_CHAR': {
      const quote = fault.message.includes('"quote') ? '"' : fault.message.includes("'quote") ? "'" : undefined
      if (quote === undefined) return undefined
      const opened = lineOf(text, text.lastIndexOf(quote, fault.offset - 1))
      return `${where(opened !== 0 ? opened + 1 : line + 1)}found unexpected end of stream`
    }
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY': {
      if (fault.code === 'MULTILINE_IMPLICIT_KEY' || fault.message.startsWith('Nested mappings')) {
        const colon = /:(?=[ \t\n]|$)/g
        colon.lastIndex = fault.offset
        const found = colon.exec(text)
        const colonLine = found ? lineOf(text, found.index) : line
        return `${where(colonLine === 0 ? 0 : colonLine + 1)}mapping values are not allowed in this context`
      }
      return `${where(mappingContextLine(text, line))}did not find expected key`
    }
    case 'BAD_INDENT': {
      if (fault.message.startsWith('Flow sequence')) return `${where(openFlowLine(text, fault.offset, '['))}did not find expected ',' or ']'`
      if (fault.message.startsWith('Flow map')) return `${where(openFlowLine(text, fault.offset, '{'))}did not find expected ',' or '}'`
      if (fault.message.startsWith('All mapping items')) return `${where(mappingContextLine(text, line))}did not find expected key`
      return undefined
    }
    default:
      return undefined
  }
}
