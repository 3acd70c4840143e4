// Go's text/template syntax as kubectl 1.32 parses `-o go-template`: the lexer's tokens (with
// their byte positions, which error messages report), `{{- -}}` trimming, comments, and the
// parser's tree: pipelines of commands, field chains, variables, if/with/range (with else and
// else-if), break/continue, template/define/block. Errors read as Go's: `template: output:LINE: …`.
import {lex, numberValue, type Token, type TokenType, unquote} from './go-template-lexer.js'

export class GoTemplateError extends Error {
  /** What the template wrote before it failed: kubectl's writer has printed it already. */
  partialOutput = ''
}

/** The template does not parse (kubectl: `error parsing template`), as opposed to failing while it runs. */
export class GoTemplateParseError extends GoTemplateError {}

/** Templates nest at most this deep. */
export const templateDepthMax = 32

export type ArgNode =
  | {type: 'field'; pos: number; idents: string[]}
  | {type: 'variable'; pos: number; idents: string[]}
  | {type: 'chain'; pos: number; node: ArgNode; fields: string[]}
  | {type: 'identifier'; pos: number; name: string}
  | {type: 'pipe'; pos: number; pipe: PipeNode}
  | {type: 'dot'; pos: number}
  | {type: 'nil'; pos: number}
  | {type: 'bool'; pos: number; value: boolean}
  | {type: 'number'; pos: number; text: string; value: number; float: boolean}
  | {type: 'string'; pos: number; quoted: string; value: string}

export interface CommandNode {
  readonly pos: number
  readonly args: ArgNode[]
}

export interface PipeNode {
  readonly pos: number
  /** `$x :=` / `$x =` / `$i, $e :=` */
  readonly declarations: string[]
  readonly assign: boolean
  readonly commands: CommandNode[]
}

export type TemplateNode =
  | {type: 'text'; text: string}
  | {type: 'action'; pos: number; pipe: PipeNode}
  | {type: 'if' | 'with' | 'range'; pos: number; pipe: PipeNode; list: TemplateNode[]; elseList: TemplateNode[] | null}
  | {type: 'break' | 'continue'; pos: number}
  | {type: 'template'; pos: number; name: string; pipe: PipeNode | null}

/** The node as Go's String() shows it in `at <…>`. */
export function nodeText(node: ArgNode | CommandNode | PipeNode): string {
  if ('commands' in node) {
    const declared = node.declarations.length > 0 ? `${node.declarations.join(', ')} ${node.assign ? '=' : ':='} ` : ''
    return declared + node.commands.map(nodeText).join(' | ')
  }
  if ('args' in node) return node.args.map((arg) => (arg.type === 'pipe' ? `(${nodeText(arg.pipe)})` : nodeText(arg))).join(' ')
  switch (node.type) {
    case 'field':
      return node.idents.map((ident) => `.${ident}`).join('')
    case 'variable':
      return node.idents.join('.')
    case 'chain':
      return `${node.node.type === 'pipe' ? `(${nodeText(node.node.pipe)})` : nodeText(node.node)}${node.fields.map((field) => `.${field}`).join('')}`
    case 'identifier':
      return node.name
    case 'pipe':
      return nodeText(node.pipe)
    case 'dot':
      return '.'
    case 'nil':
      return 'nil'
    case 'bool':
      return String(node.value)
    case 'number':
      return node.text
    case 'string':
      return node.quoted
  }
}

/** A parsed template: the main tree and the templates it defines by name. */
export interface ParsedTemplate {
  readonly source: string
  readonly root: TemplateNode[]
  readonly defined: Map<string, TemplateNode[]>
}

export function parseGoTemplate(source: string, functionNames: ReadonlySet<string>): ParsedTemplate {
  const lineOf = (pos: number) => source.slice(0, pos).split('\n').length
  const fail = (pos: number, message: string): never => {
    throw new GoTemplateParseError(`template: output:${lineOf(pos)}: ${message}`)
  }
  const tokens = lex(source, fail)
  let index = 0
  const defined = new Map<string, TemplateNode[]>()
  const peek = () => tokens[index]!
  const next = () => tokens[index++]!
  const peekNonSpace = () => {
    while (peek().type === 'space') index++
    return peek()
  }
  const nextNonSpace = () => {
    peekNonSpace()
    return next()
  }
  /** Variables in scope, as a stack with marks per block. */
  const variables: string[] = ['$']

  // Go's item.String(): EOF, <keyword>, or the quoted text (cut at 10 characters).
  const tokenText = (token: Token) =>
    token.type === 'eof' ? 'EOF' : token.type === 'keyword' || token.type === 'dot' || token.type === 'nil' ? `<${token.value}>` : token.value.length > 10 ? `${JSON.stringify(token.value.slice(0, 10))}...` : JSON.stringify(token.value)
  const unexpected = (token: Token, context: string): never => fail(token.pos, `unexpected ${tokenText(token)} in ${context}`)

  function term(): ArgNode | null {
    const token = nextNonSpace()
    switch (token.type) {
      case 'identifier':
        if (!functionNames.has(token.value)) fail(token.pos, `function "${token.value}" not defined`)
        return {type: 'identifier', pos: token.pos, name: token.value}
      case 'dot':
        return {type: 'dot', pos: token.pos}
      case 'nil':
        return {type: 'nil', pos: token.pos}
      case 'variable':
        if (!variables.includes(token.value)) fail(token.pos, `undefined variable "${token.value}"`)
        return {type: 'variable', pos: token.pos, idents: [token.value]}
      case 'field':
        return {type: 'field', pos: token.pos, idents: [token.value.slice(1)]}
      case 'bool':
        return {type: 'bool', pos: token.pos, value: token.value === 'true'}
      case 'char': {
        const value = unquote(`"${token.value.slice(1, -1)}"`).codePointAt(0) ?? 0
        return {type: 'number', pos: token.pos, text: token.value, value, float: false}
      }
      case 'number': {
        const parsed = numberValue(token.value)
        if (!parsed) fail(token.pos, `bad number syntax: "${token.value}"`)
        return {type: 'number', pos: token.pos, text: token.value, value: parsed!.value, float: parsed!.float}
      }
      case 'lparen': {
        const pipe = pipeline('parenthesized pipeline', 'rparen')
        return {type: 'pipe', pos: token.pos, pipe}
      }
      case 'string':
      case 'raw':
        return {type: 'string', pos: token.pos, quoted: token.value, value: unquote(token.value)}
    }
    index--
    return null
  }

  function operand(): ArgNode | null {
    const node = term()
    if (!node) return null
    if (peek().type !== 'field') return node
    const chainPos = peek().pos
    const fields: string[] = []
    while (peek().type === 'field') fields.push(next().value.slice(1))
    if (node.type === 'field') return {type: 'field', pos: chainPos, idents: [...node.idents, ...fields]}
    if (node.type === 'variable') return {type: 'variable', pos: chainPos, idents: [...node.idents, ...fields]}
    if (node.type === 'bool' || node.type === 'string' || node.type === 'number' || node.type === 'nil' || node.type === 'dot') fail(chainPos, `unexpected . after term "${nodeText(node)}"`)
    return {type: 'chain', pos: chainPos, node, fields}
  }

  function command(): CommandNode {
    const args: ArgNode[] = []
    const pos = peekNonSpace().pos
    for (;;) {
      peekNonSpace()
      const argument = operand()
      if (argument) args.push(argument)
      const token = peek()
      if (token.type === 'space') {
        index++
        continue
      }
      if (token.type === 'right' || token.type === 'rparen' || token.type === 'pipe') break
      unexpected(token, 'operand')
    }
    if (args.length === 0) fail(pos, 'empty command')
    return {pos, args}
  }

  function pipeline(context: string, end: 'right' | 'rparen', allowDeclarations = false): PipeNode {
    const start = peekNonSpace()
    const declarations: string[] = []
    let assign = false
    if (start.type === 'variable') {
      // `$x :=`, `$x =`, or (range only) `$i, $e :=`
      const saved = index
      index++
      const after = peekNonSpace()
      if (after.type === 'declare' || after.type === 'assign') {
        index++
        declarations.push(start.value)
        assign = after.type === 'assign'
        if (!assign) variables.push(start.value)
        else if (!variables.includes(start.value)) fail(start.pos, `undefined variable "${start.value}"`)
      } else if (after.type === 'comma' && allowDeclarations) {
        index++
        const second = nextNonSpace()
        if (second.type !== 'variable') fail(second.pos, `range can only initialize variables`)
        const op = nextNonSpace()
        if (op.type !== 'declare' && op.type !== 'assign') fail(op.pos, `expected := or = in range`)
        declarations.push(start.value, second.value)
        assign = op.type === 'assign'
        if (!assign) variables.push(start.value, second.value)
      } else index = saved
    }
    const commands: CommandNode[] = []
    const operandStarts: ReadonlySet<TokenType> = new Set(['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'raw', 'string', 'variable', 'lparen'])
    for (;;) {
      const token = peekNonSpace()
      if (token.type === end) {
        index++
        if (commands.length === 0) fail(token.pos, `missing value for ${context}`)
        // Only the first command may start with a value that is not executable.
        commands.slice(1).forEach((stage, stageIndex) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(stage.args[0]!.type)) fail(stage.pos, `non executable command in pipeline stage ${stageIndex + 2}`)
        })
        return {pos: start.pos, declarations, assign, commands}
      }
      if (!operandStarts.has(token.type)) unexpected(token, context)
      commands.push(command())
      if (peek().type === 'pipe') index++
    }
  }

  type Stop = {keyword: 'end' | 'else' | 'eof'; pos: number; elseIf?: 'if' | 'with'}

  function list(depth: number, inRange: boolean): {nodes: TemplateNode[]; stop: Stop} {
    if (depth > templateDepthMax) fail(peek().pos, 'template nests too deep')
    const nodes: TemplateNode[] = []
    for (;;) {
      const token = next()
      if (token.type === 'eof') return {nodes, stop: {keyword: 'eof', pos: token.pos}}
      if (token.type === 'text') {
        nodes.push({type: 'text', text: token.value})
        continue
      }
      // an action
      const word = peekNonSpace()
      if (word.type === 'keyword') {
        index++
        switch (word.value) {
          case 'end':
            expectRight('end')
            return {nodes, stop: {keyword: 'end', pos: word.pos}}
          case 'else': {
            const after = peekNonSpace()
            if (after.type === 'keyword' && (after.value === 'if' || after.value === 'with')) {
              index++
              return {nodes, stop: {keyword: 'else', pos: word.pos, elseIf: after.value}}
            }
            expectRight('else')
            return {nodes, stop: {keyword: 'else', pos: word.pos}}
          }
          case 'if':
          case 'with':
          case 'range':
            nodes.push(control(word.value, word.pos, depth, inRange))
            continue
          case 'break':
          case 'continue':
            if (!inRange) fail(word.pos, `{{${word.value}}} outside {{range}}`)
            expectRight(word.value)
            nodes.push({type: word.value, pos: word.pos})
            continue
          case 'template':
            nodes.push(templateCall(word.pos))
            continue
          case 'define': {
            const name = nameToken('define clause')
            expectRight('define clause')
            const body = list(depth + 1, false)
            if (body.stop.keyword !== 'end') fail(body.stop.pos, body.stop.keyword === 'eof' ? 'unexpected EOF' : 'unexpected {{else}}')
            defined.set(name, body.nodes)
            continue
          }
          case 'block': {
            const name = nameToken('block clause')
            const pipe = pipeline('block clause', 'right')
            const body = list(depth + 1, false)
            if (body.stop.keyword !== 'end') fail(body.stop.pos, body.stop.keyword === 'eof' ? 'unexpected EOF' : 'unexpected {{else}}')
            defined.set(name, body.nodes)
            nodes.push({type: 'template', pos: word.pos, name, pipe})
            continue
          }
        }
      }
      const pipe = pipeline('command', 'right')
      nodes.push({type: 'action', pos: word.pos, pipe})
    }
  }

  function expectRight(context: string): void {
    const token = nextNonSpace()
    if (token.type !== 'right') unexpected(token, context)
  }

  function nameToken(context: string): string {
    const token = nextNonSpace()
    if (token.type !== 'string' && token.type !== 'raw') unexpected(token, context)
    return unquote(token.value)
  }

  function templateCall(pos: number): TemplateNode {
    const token = nextNonSpace()
    if (token.type !== 'string' && token.type !== 'raw') unexpected(token, 'template clause')
    const name = unquote(token.value)
    if (peekNonSpace().type === 'right') {
      index++
      return {type: 'template', pos: token.pos, name, pipe: null}
    }
    void pos
    return {type: 'template', pos: token.pos, name, pipe: pipeline('template clause', 'right')}
  }

  function control(keyword: 'if' | 'with' | 'range', pos: number, depth: number, inRange: boolean): TemplateNode {
    const mark = variables.length
    const pipe = pipeline(keyword, 'right', keyword === 'range')
    const body = list(depth + 1, inRange || keyword === 'range')
    let elseList: TemplateNode[] | null = null
    if (body.stop.keyword === 'else') {
      if (body.stop.elseIf) {
        // `{{else if …}}` is an if inside the else, ending at the same {{end}}.
        elseList = [control(body.stop.elseIf, body.stop.pos, depth + 1, inRange)]
      } else {
        const otherwise = list(depth + 1, inRange)
        if (otherwise.stop.keyword !== 'end') fail(otherwise.stop.pos, otherwise.stop.keyword === 'eof' ? 'unexpected EOF' : 'unexpected {{else}}')
        elseList = otherwise.nodes
      }
    } else if (body.stop.keyword !== 'end') fail(body.stop.pos, 'unexpected EOF')
    variables.length = mark
    return {type: keyword, pos, pipe, list: body.nodes, elseList}
  }

  const top = list(0, false)
  if (top.stop.keyword !== 'eof') fail(top.stop.pos, `unexpected {{${top.stop.keyword}}}`)
  return {source, root: top.nodes, defined}
}
