// etcdctl txn: compares, a blank line, success operations, a blank line, failure operations,
// read from stdin (or interactively with -i), parsed exactly as etcdctl 3.4 parses them.
import type {Compare, CompareResult, RequestOp, TxnRequest} from '../../mvcc/types.js'
import {goQuote, printTxn} from '../../printers/etcdctl.js'
import {FlagError, parseFlags} from '../flags.js'
import {type Verb, ExitError, argumentBytes, exitCodes, isSet} from '../verb.js'
import {buildDelete, buildPut, buildRange, deleteFlags, getFlags, putFlags} from './kv.js'

/** Lines one txn may carry; etcd refuses more than 128 operations per branch anyway. */
export const txnLinesMax = 1024

/** Go's strconv.Unquote for a double-quoted string. */
function goUnquote(quoted: string): string | null {
  try {
    const value: unknown = JSON.parse(quoted.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b'))
    return typeof value === 'string' ? value : null
  } catch {
    return null
  }
}

/** etcdctl's argify: words, "double-quoted" (Go-unquoted) and 'single-quoted' arguments. */
export function argify(line: string): string[] {
  const words = line.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?/g) ?? []
  return words.map((word, _position, all) => {
    if (word.startsWith("'")) {
      // etcdctl 3.4 slices with the number of arguments instead of the word's length
      // (args[i][1 : len(args)-1]); kept, since scripts see its result.
      return word.slice(1, Math.max(1, all.length - 1))
    }
    if (word.startsWith('"')) {
      const unquoted = goUnquote(word)
      if (unquoted === null) throw new ExitError(exitCodes.invalidInput, `invalid syntax`)
      return unquoted
    }
    return word
  })
}

const targets: Record<string, Compare['target']> = {ver: 'version', version: 'version', c: 'create', create: 'create', m: 'mod', mod: 'mod', val: 'value', value: 'value', lease: 'lease'}
const results: Record<string, CompareResult> = {'=': 'equal', '!=': 'not_equal', '<': 'less', '>': 'greater'}

/**
 * Go's fmt.Sscanf(rest, "%q) %s %q", &key, &op, &val): how many items it filled and their
 * values, which etcdctl quotes back in its error.
 */
function scanCompare(rest: string): {filled: number; key: string; op: string; value: string} {
  const scanned = {filled: 0, key: '', op: '', value: ''}
  const quoted = /^"(?:[^"\\]|\\.)*"/
  let position = 0
  const keyMatch = quoted.exec(rest)
  const key = keyMatch ? goUnquote(keyMatch[0]) : null
  if (key === null) return scanned
  scanned.key = key
  scanned.filled = 1
  position = keyMatch![0].length
  if (rest[position] !== ')') return scanned
  position++
  while (rest[position] === ' ' || rest[position] === '\t') position++
  const opMatch = /^\S+/.exec(rest.slice(position))
  if (!opMatch) return scanned
  scanned.op = opMatch[0]
  scanned.filled = 2
  position += opMatch[0].length
  while (rest[position] === ' ' || rest[position] === '\t') position++
  const valueMatch = quoted.exec(rest.slice(position))
  const value = valueMatch ? goUnquote(valueMatch[0]) : null
  if (value === null) return scanned
  scanned.value = value
  scanned.filled = 3
  return scanned
}

/** Go's %q of a string, for error messages. */
function quoteText(text: string): string {
  return goQuote(argumentBytes(text))
}

/** etcdctl's parseCompare: `target("key") op "value"`. */
export function parseCompare(line: string): Compare {
  const open = line.indexOf('(')
  if (open < 0) throw new ExitError(exitCodes.invalidInput, `malformed comparison: ${line}`)
  const targetName = line.slice(0, open)
  const {filled, key, op, value} = scanCompare(line.slice(open + 1))
  if (filled !== 3) {
    throw new ExitError(exitCodes.invalidInput, `malformed comparison: ${line}; got ${targetName}(${quoteText(key)}) ${op} ${quoteText(value)}`)
  }
  const target = targets[targetName]
  if (!target) throw new ExitError(exitCodes.invalidInput, `malformed comparison: ${line} (unknown target ${targetName})`)
  const result = results[op]
  // clientv3.Compare panics on an unknown operator; etcdctl dies with it.
  if (!result) throw new ExitError(2, `panic: Unknown result op, "${op}"`)
  const compare = {key: argumentBytes(key), target, result}
  if (target === 'value') return {...compare, value: argumentBytes(value)}
  // etcdctl 3.4 passes a lease comparison's value to clientv3 as a string, which panics.
  if (target === 'lease') throw new ExitError(2, 'panic: bad value')
  if (!/^[-+]?\d+$/.test(value)) throw new ExitError(exitCodes.invalidInput, `invalid txn compare request: ${line}`)
  const number = Number(value)
  return target === 'version' ? {...compare, version: number} : target === 'create' ? {...compare, createRevision: number} : {...compare, modRevision: number}
}

/** etcdctl's parseRequestUnion: a get, put or del command line. */
export async function parseOperation(line: string): Promise<RequestOp> {
  const words = argify(line)
  if (words.length < 2) throw new ExitError(exitCodes.invalidInput, `invalid txn compare request: ${line}`)
  const [verb, ...rest] = words
  const specs = verb === 'get' ? getFlags : verb === 'put' ? putFlags : verb === 'del' ? deleteFlags : null
  if (!specs) throw new ExitError(exitCodes.invalidInput, `invalid txn request: ${line}`)
  let flags
  try {
    flags = parseFlags(rest, specs)
  } catch (error) {
    if (error instanceof FlagError) throw new ExitError(exitCodes.invalidInput, `invalid txn request: ${line}`)
    throw error
  }
  if (verb === 'get') return {requestRange: buildRange(flags)}
  if (verb === 'put') return {requestPut: await buildPut(flags, async () => new Uint8Array())}
  return {requestDeleteRange: buildDelete(flags)}
}

/** Reads lines up to a blank one; running out of input first is etcdctl's `Error: EOF`. */
function takeSection(lines: string[]): string[] {
  const section: string[] = []
  for (;;) {
    const line = lines.shift()
    if (line === undefined) throw new ExitError(exitCodes.invalidInput, 'EOF')
    if (line.trim().length === 0) return section
    section.push(line.trim())
    if (section.length > txnLinesMax) throw new ExitError(exitCodes.invalidInput, 'too many lines in txn')
  }
}

export const txnVerbs: Record<string, Verb> = {
  txn: {
    flags: [{name: 'interactive', shorthand: 'i', kind: 'bool', defaultValue: 'false'}],
    async run({flags, io, format, withClient}) {
      if (flags.positionals.length > 0) throw new ExitError(exitCodes.badArgs, 'txn command does not accept argument')
      const interactive = isSet(flags, 'interactive')
      const text = Buffer.from(await io.readStdin()).toString('utf8')
      // Only complete lines count: Go's ReadString('\n') reports EOF for a last unterminated one.
      const lines = text.split('\n')
      lines.pop()
      if (interactive) io.stdout('compares:\n')
      const compare = takeSection(lines).map(parseCompare)
      if (interactive) io.stdout('success requests (get, put, del):\n')
      const success = await Promise.all(takeSection(lines).map(parseOperation))
      if (interactive) io.stdout('failure requests (get, put, del):\n')
      const failure = await Promise.all(takeSection(lines).map(parseOperation))
      const request: TxnRequest = {compare, success, failure}
      await withClient(async (client) => io.stdout(printTxn(await client.kv.txn(request), format, {hex: isSet(flags, 'hex')})))
      return exitCodes.success
    },
  },
}
