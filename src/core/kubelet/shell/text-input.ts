// What the text filters (cut, tr, sed, awk) share: their input (operand files or stdin, with
// busybox's error for a missing file), its lines, and POSIX regular expressions in JavaScript.
import {normalizePath} from './filesystem.js'
import type {ShellProcess} from './interpreter.js'

/** The text of the operand files (`-` is stdin), or stdin without operands; a missing file is busybox's error. */
export function inputText(process: ShellProcess, name: string, operands: readonly string[], stdin: string): {text: string; status: number} {
  if (operands.length === 0) return {text: stdin, status: 0}
  let status = 0
  const parts = operands.map((file) => {
    if (file === '-') return stdin
    const read = process.context.fs.readFile(normalizePath(file, process.workingDirectory))
    if ('content' in read) return read.content
    process.error(`${name}: can't open '${file}': ${read.error === 'Permission denied' ? read.error : 'No such file or directory'}\n`)
    status = 1
    return ''
  })
  return {text: parts.join(''), status}
}

export function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** A POSIX basic (or, with -E, extended) regular expression as a JavaScript one. */
export function posixRegExp(pattern: string, extended: boolean, flags = ''): RegExp {
  let body = ''
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!
    if (character === '\\' && index + 1 < pattern.length) {
      const next = pattern[++index]!
      if (!extended && '(){}+?|'.includes(next)) body += next
      else if (next === 'n') body += '\\n'
      else body += `\\${next}`
    } else if (!extended && '(){}+?|'.includes(character)) body += `\\${character}`
    else if (character === '[') {
      const end = pattern.indexOf(']', index + (pattern[index + 1] === '^' ? 3 : 2))
      const set = end < 0 ? '\\[' : pattern.slice(index, end + 1).replace(/\[:([a-z]+):\]/g, (_all, name: string) => ({alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~'} as Record<string, string>)[name] ?? '')
      body += set
      if (end >= 0) index = end
    } else body += character
  }
  return new RegExp(body, flags)
}
