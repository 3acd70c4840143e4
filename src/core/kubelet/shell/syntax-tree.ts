// The simulated shell's parsed script: words with their expansions, commands, pipelines and
// lists, as syntax.ts builds them from lexer.ts's tokens and the interpreter walks them.
import type {ParameterOperator} from './parameter.js'

export type WordPart =
  | {readonly kind: 'text'; readonly text: string; readonly quoted: boolean}
  | {readonly kind: 'variable'; readonly name: string; readonly quoted: boolean}
  | {readonly kind: 'substitution'; readonly script: CommandList; readonly quoted: boolean}
  | {readonly kind: 'parameter'; readonly name: string; readonly operator: ParameterOperator; readonly argument: Word; readonly quoted: boolean}
  | {readonly kind: 'arithmetic'; readonly expression: string; readonly quoted: boolean}

export type Word = readonly WordPart[]

export interface Redirect {
  readonly descriptor: 0 | 1 | 2
  /** `>`, `>>`, `>&` (to another descriptor); `<` (a file as stdin); `<<` (a here-document: `target` is its body). */
  readonly operator: '>' | '>>' | '>&' | '<' | '<<'
  readonly target: Word
}

export type Command =
  | {readonly kind: 'simple'; readonly assignments: ReadonlyArray<{name: string; value: Word}>; readonly words: readonly Word[]; readonly redirects: readonly Redirect[]}
  | {readonly kind: 'if'; readonly branches: ReadonlyArray<{condition: CommandList; body: CommandList}>; readonly otherwise: CommandList | null}
  | {readonly kind: 'loop'; readonly until: boolean; readonly condition: CommandList; readonly body: CommandList}
  | {readonly kind: 'for'; readonly name: string; readonly items: readonly Word[]; readonly body: CommandList}
  | {readonly kind: 'group'; readonly body: CommandList}

export interface Pipeline {
  readonly negated: boolean
  readonly commands: readonly Command[]
}

export interface AndOr {
  readonly first: Pipeline
  readonly rest: ReadonlyArray<{operator: '&&' | '||'; pipeline: Pipeline}>
}

export type CommandList = readonly AndOr[]

export class ShellSyntaxError extends Error {}
