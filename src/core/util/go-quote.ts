// Go's strconv.Quote (as %q prints a string): quotes and backslashes escaped, \n \r \t by name,
// other control characters as \xNN, everything else as it is.

/** A string as Go's strconv.Quote (%q) writes it. */
export function goQuote(text: string): string {
  let out = '"'
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (character === '"' || character === '\\') out += `\\${character}`
    else if (character === '\n') out += '\\n'
    else if (character === '\r') out += '\\r'
    else if (character === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += character
  }
  return `${out}"`
}
