// The %YAML and %TAG directives at the head of one document, as go-yaml v2 (inside
// sigs.k8s.io/yaml) reads them when kubectl converts the document to JSON. kubectl cuts the stream
// at every `---` line first, so a directive never reaches go-yaml with its `---`: any document
// that starts with directives fails, and the fault named is the first go-yaml meets: a malformed
// directive (a scanner fault), a repeated %YAML or %TAG handle, a version other than 1.1, else the
// missing document start. Lines as go-yaml places them: a parser fault at its 0-based line, a
// scanner fault one further, and no `line N` at all on the first line.

const versionDigitsMax = 9

/** A fault: the 0-based line and whether the scanner (not the parser) found it. */
interface DirectiveFault {
  readonly line: number
  readonly scanner: boolean
  readonly message: string
}

const isBlankCharacter = (character: string | undefined) => character === undefined || character === ' ' || character === '\t' || character === '\r'
const isNameCharacter = (character: string | undefined) => character !== undefined && /[0-9A-Za-z_-]/.test(character)
const isUriCharacter = (character: string | undefined) => character !== undefined && /[0-9A-Za-z_\-;/?:@&=+$,.!~*'()[\]%#]/.test(character)

/** go-yaml's `line N: message` for a document's head, or undefined when it has no directive. */
export function yamlDirectiveFault(text: string): string | undefined {
  const fault = firstDirectiveFault(text)
  if (fault === undefined) return undefined
  const shown = fault.line === 0 ? 0 : fault.scanner ? fault.line + 1 : fault.line
  return `${shown > 0 ? `line ${shown}: ` : ''}${fault.message}`
}

/**
 * A directive line after a document's content (the line's 0-based index): go-yaml's scanner reads
 * it while ending the document, so only its own malformation is a fault there.
 */
export function trailingDirectiveFault(line: string, index: number): string | undefined {
  const scanned = scanDirective(line.replace(/\r?\n$/, '').replace(/\r$/, ''))
  if (!('message' in scanned)) return undefined
  return `${index > 0 ? `line ${index + 1}: ` : ''}${scanned.message}`
}

function firstDirectiveFault(text: string): DirectiveFault | undefined {
  const lines = text.split('\n')
  let directives = 0
  let versionSeen = false
  const tagHandles = new Set<string>()
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '')
    const trimmed = line.trimStart()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    if (!line.startsWith('%')) {
      // The document's first token: content needs a `---` before it once directives were given.
      if (directives === 0 || (line.startsWith('---') && isBlankCharacter(line[3]))) return undefined
      return {line: index, scanner: false, message: 'did not find expected <document start>'}
    }
    const scanned = scanDirective(line)
    if ('message' in scanned) return {line: index, scanner: true, message: scanned.message}
    if (scanned.kind === 'YAML') {
      if (versionSeen) return {line: index, scanner: false, message: 'found duplicate %YAML directive'}
      if (scanned.major !== 1 || scanned.minor !== 1) return {line: index, scanner: false, message: 'found incompatible YAML document'}
      versionSeen = true
    } else {
      if (tagHandles.has(scanned.handle)) return {line: index, scanner: false, message: 'found duplicate %TAG directive'}
      tagHandles.add(scanned.handle)
    }
    directives++
  }
  if (directives === 0) return undefined
  // The end of the stream, on the line after the last line break (or after an unfinished last line).
  const endLine = lines.length - 1 + (lines[lines.length - 1] === '' ? 0 : 1)
  return {line: endLine, scanner: false, message: 'did not find expected <document start>'}
}

type ScannedDirective = {kind: 'YAML'; major: number; minor: number} | {kind: 'TAG'; handle: string} | {message: string}

/** One directive line as go-yaml's scanner reads it. */
function scanDirective(line: string): ScannedDirective {
  let position = 1
  const start = position
  while (isNameCharacter(line[position])) position++
  const name = line.slice(start, position)
  if (name === '') return {message: 'could not find expected directive name'}
  if (!isBlankCharacter(line[position])) return {message: 'found unexpected non-alphabetical character'}
  const skipBlanks = () => {
    while (line[position] === ' ' || line[position] === '\t') position++
  }
  let scanned: ScannedDirective
  if (name === 'YAML') {
    skipBlanks()
    const number = (): number | {message: string} => {
      const from = position
      while (/[0-9]/.test(line[position] ?? '')) {
        position++
        if (position - from > versionDigitsMax) return {message: 'found extremely long version number'}
      }
      return position === from ? {message: 'did not find expected version number'} : Number(line.slice(from, position))
    }
    const major = number()
    if (typeof major !== 'number') return major
    if (line[position] !== '.') return {message: "did not find expected digit or '.' character"}
    position++
    const minor = number()
    if (typeof minor !== 'number') return minor
    scanned = {kind: 'YAML', major, minor}
  } else if (name === 'TAG') {
    skipBlanks()
    if (line[position] !== '!') return {message: "did not find expected '!'"}
    const from = position
    position++
    while (isNameCharacter(line[position])) position++
    if (line[position] === '!') position++
    // A handle is `!`, `!!` or `!name!`: a name without its closing `!` is no handle.
    else if (position - from > 1) return {message: "did not find expected '!'"}
    const handle = line.slice(from, position)
    if (line[position] !== ' ' && line[position] !== '\t') return {message: 'did not find expected whitespace'}
    skipBlanks()
    const prefixFrom = position
    while (isUriCharacter(line[position])) position++
    if (position === prefixFrom) return {message: 'did not find expected tag URI'}
    if (!isBlankCharacter(line[position])) return {message: 'did not find expected whitespace or line break'}
    scanned = {kind: 'TAG', handle}
  } else {
    return {message: 'found unknown directive name'}
  }
  skipBlanks()
  if (line[position] === '#') return scanned
  return position >= line.length || line[position] === '\r' ? scanned : {message: 'did not find expected comment or line break'}
}
