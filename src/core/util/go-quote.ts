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
    // A byte that is not valid UTF-8, as byte-text.ts keeps it: Go names the byte.
    else if (code >= 0xdc80 && code <= 0xdcff) out += `\\x${(code - 0xdc00).toString(16)}`
    else out += character
  }
  return `${out}"`
}
