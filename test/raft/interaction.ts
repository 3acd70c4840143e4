// Replays a trace file in the manner of etcd-io/raft's datadriven interaction tests. A file is a
// list of blocks, each a command line, a `----` line and the output the command must print,
// ended by a blank line; `#` lines between blocks are comments:
//
//   campaign 1
//   ----
//   1: StateCandidate (Voter) Term:1 Lead:0
//
// replayTrace runs every block against a fresh InteractionEnv and returns the file as the run
// printed it: equal to the input when behaviour matches, the new expectation to write when
// behaviour changed on purpose (REWRITE=1), and the material for a diff otherwise.
import {InteractionEnv, type TraceCommand, TraceError} from './interaction-env.js'

/** Lines of diff shown per failing block; the rest is summarized. */
export const diffLinesMax = 60

interface TraceBlock {
  /** Comments and blank lines before the command, kept as they are on rewrite. */
  readonly preamble: readonly string[]
  readonly commandLine: string
  /** 1-based line of the command, for messages. */
  readonly line: number
  readonly expected: readonly string[]
}

export interface TraceMismatch {
  readonly line: number
  readonly commandLine: string
  readonly expected: readonly string[]
  readonly actual: readonly string[]
}

export interface TraceRun {
  readonly rewritten: string
  readonly mismatches: readonly TraceMismatch[]
}

export function parseTrace(text: string): {blocks: TraceBlock[]; trailer: string[]} {
  const lines = text.replace(/\n$/, '').split('\n')
  const blocks: TraceBlock[] = []
  let preamble: string[] = []
  let position = 0
  while (position < lines.length) {
    const line = lines[position]!
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line)
      position++
      continue
    }
    if (lines[position + 1] !== '----') throw new TraceError(`line ${position + 1}: \`${line}\` must be followed by a \`----\` line`)
    const expected: string[] = []
    let cursor = position + 2
    while (cursor < lines.length && lines[cursor]!.trim() !== '') expected.push(lines[cursor++]!)
    blocks.push({preamble, commandLine: line, line: position + 1, expected})
    preamble = []
    position = cursor
  }
  return {blocks, trailer: preamble}
}

/** `name word word key=value key=(a,b)` */
export function parseCommand(line: string): TraceCommand {
  const [name, ...rest] = line.trim().split(/\s+/)
  const words: string[] = []
  const options = new Map<string, string[]>()
  for (const part of rest) {
    const match = /^([a-z-]+)=(.*)$/.exec(part)
    if (!match) {
      words.push(part)
      continue
    }
    const value = match[2]!
    const list = value.startsWith('(') && value.endsWith(')')
    options.set(match[1]!, list ? value.slice(1, -1).split(',').filter((item) => item !== '') : [value])
  }
  return {name: name!, words, options}
}

export function replayTrace(text: string): TraceRun {
  const {blocks, trailer} = parseTrace(text)
  const env = new InteractionEnv()
  const out: string[] = []
  const mismatches: TraceMismatch[] = []
  for (const block of blocks) {
    let actual: string[]
    try {
      actual = env.handle(parseCommand(block.commandLine))
    } catch (error) {
      if (!(error instanceof TraceError)) throw error
      actual = [`error: ${error.message}`]
    }
    // A blank line ends a block, so the output never has one; an empty output prints `ok`.
    if (actual.length === 0) actual = ['ok']
    if (actual.join('\n') !== block.expected.join('\n')) mismatches.push({line: block.line, commandLine: block.commandLine, expected: block.expected, actual})
    // The blank line that ends a block is the first line of the next one's preamble.
    out.push(...block.preamble, block.commandLine, '----', ...actual)
  }
  return {rewritten: [...out, ...trailer].join('\n').replace(/\n*$/, '\n'), mismatches}
}

/** A readable account of what differs: per block, its line and command, then - expected / + actual. */
export function describeMismatches(file: string, mismatches: readonly TraceMismatch[]): string {
  return mismatches
    .map((mismatch) => {
      const diff = lineDiff(mismatch.expected, mismatch.actual)
      const shown = diff.length > diffLinesMax ? [...diff.slice(0, diffLinesMax), `  … ${diff.length - diffLinesMax} more lines`] : diff
      return [`${file}:${mismatch.line}: ${mismatch.commandLine}`, ...shown].join('\n')
    })
    .join('\n\n')
}

/** The longest common subsequence of lines, printed as `  same`, `- expected`, `+ actual`. */
function lineDiff(expected: readonly string[], actual: readonly string[]): string[] {
  const rows = expected.length
  const columns = actual.length
  const common: number[][] = Array.from({length: rows + 1}, () => new Array<number>(columns + 1).fill(0))
  for (let row = rows - 1; row >= 0; row--) {
    for (let column = columns - 1; column >= 0; column--) {
      common[row]![column] = expected[row] === actual[column] ? common[row + 1]![column + 1]! + 1 : Math.max(common[row + 1]![column]!, common[row]![column + 1]!)
    }
  }
  const lines: string[] = []
  let row = 0
  let column = 0
  while (row < rows || column < columns) {
    if (row < rows && column < columns && expected[row] === actual[column]) {
      lines.push(`  ${expected[row++]}`)
      column++
    } else if (row < rows && (column === columns || common[row + 1]![column]! >= common[row]![column + 1]!)) {
      lines.push(`- ${expected[row++]}`)
    } else {
      lines.push(`+ ${actual[column++]}`)
    }
  }
  return lines
}
