// kubectl's -o go-template: Go's text/template run over the object as kubectl gives it to the
// engine (decoded JSON), with text/template's built-in functions and kubectl's two own (exists,
// base64decode), and Go's errors word for word: `template: output:LINE:COL: executing "output"
// at <NODE>: …`, `error calling index: …`, `range can't iterate over …`. A missing map key prints
// <no value>, as kubectl's default missingkey option does (an error under missingkey=error).
import {type ArgNode, type CommandNode, GoTemplateError, nodeText, parseGoTemplate, type ParsedTemplate, type PipeNode, type TemplateNode} from './go-template-parse.js'
import {builtins, CallError, goTemplateFunctionNames, isMap, truth} from './go-template-functions.js'
import {goQuote, goTypeName, goValueText, GoNumber, missing} from './go-values.js'

export {GoTemplateError, GoTemplateParseError} from './go-template-parse.js'

/** A range runs at most this many times in all; templates call each other at most this deep. */
export const templateRangeItemsMax = 1_000_000
export const templateCallDepthMax = 100

/** Go's %v of the object kubectl gives the engine, as its debugging help prints it. */
export function goObjectText(value: unknown): string {
  return goValueText(value, false)
}

/** Control flow of {{break}} and {{continue}}. */
class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

class Execution {
  /** Name, value, and whether Go holds the value as its own type (a pipeline's result) or as interface {} (a map or slice element). */
  private readonly variables: Array<[string, unknown, boolean]> = []
  private node: {pos: number; text: string} | null = null
  private rangeItems = 0
  /** Whether dot is a pipeline's result (see walk). */
  private dotConcrete = true
  private depth = 0
  readonly out: string[] = []

  constructor(
    private readonly template: ParsedTemplate,
    root: unknown,
    /** text/template's missingkey=error (kubectl's --allow-missing-template-keys=false): a missing map key fails. */
    private readonly missingKeyIsError = false,
  ) {
    this.variables.push(['$', root, true])
  }

  /** text/template's errorf: the position and text of the node being evaluated. */
  fail(message: string): never {
    if (!this.node) throw new GoTemplateError(`template: output: ${message}`)
    const before = this.template.source.slice(0, this.node.pos)
    const line = before.split('\n').length
    const column = this.node.pos - (before.lastIndexOf('\n') + 1)
    throw new GoTemplateError(`template: output:${line}:${column}: executing "output" at <${this.node.text}>: ${message}`)
  }

  private at(node: {pos: number}, text: string): void {
    this.node = {pos: node.pos, text}
  }

  /** `concrete`: dot is a pipeline's result (Go names its own type in errors), not a map or slice element (interface {}). */
  walk(nodes: readonly TemplateNode[], dot: unknown, concrete = true): void {
    const outerConcrete = this.dotConcrete
    this.dotConcrete = concrete
    try {
      this.walkNodes(nodes, dot, concrete)
    } finally {
      this.dotConcrete = outerConcrete
    }
  }

  private walkNodes(nodes: readonly TemplateNode[], dot: unknown, concrete: boolean): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          this.out.push(node.text)
          break
        case 'action': {
          const value = this.pipeline(dot, node.pipe)
          if (node.pipe.declarations.length === 0) this.out.push(goValueText(value, false))
          break
        }
        case 'if':
        case 'with': {
          const mark = this.variables.length
          const value = this.pipeline(dot, node.pipe)
          if (truth(value)) this.walk(node.list, node.type === 'with' ? value : dot, node.type === 'with' ? true : concrete)
          else if (node.elseList) this.walk(node.elseList, dot, concrete)
          this.variables.length = mark
          break
        }
        case 'range':
          this.range(node, dot, concrete)
          break
        case 'break':
        case 'continue':
          throw new LoopSignal(node.type)
        case 'template': {
          const body = this.template.defined.get(node.name)
          this.at(node, `{{template ${goQuote(node.name)}${node.pipe ? ` ${nodeText(node.pipe)}` : ''}}}`)
          if (!body) this.fail(`template ${goQuote(node.name)} not defined`)
          if (++this.depth > templateCallDepthMax) this.fail(`exceeded maximum template depth (${templateCallDepthMax})`)
          const value = node.pipe ? this.pipeline(dot, node.pipe) : null
          const mark = this.variables.length
          this.variables.push(['$', value, true])
          this.walk(body!, value)
          this.variables.length = mark
          this.depth--
          break
        }
      }
    }
  }

  private range(node: TemplateNode & {type: 'if' | 'with' | 'range'}, dot: unknown, concrete: boolean): void {
    const mark = this.variables.length
    const value = this.pipeline(dot, {...node.pipe, declarations: []})
    let entries: Array<[unknown, unknown]>
    if (value === missing || value === null) entries = []
    else if (Array.isArray(value)) entries = value.map((item, index) => [new GoNumber(index, 'int'), item])
    else if (isMap(value)) entries = Object.keys(value).sort().map((key) => [key, value[key]])
    else this.fail(`range can't iterate over ${goValueText(value, false)}`)
    if (entries!.length === 0) {
      if (node.elseList) this.walk(node.elseList, dot, concrete)
      this.variables.length = mark
      return
    }
    for (const [key, item] of entries!) {
      if (++this.rangeItems > templateRangeItemsMax) this.fail('range over too many items')
      this.variables.length = mark
      const [first, second] = node.pipe.declarations
      if (first !== undefined) this.setVariable(first, second === undefined ? item : key, node.pipe.assign, second !== undefined)
      if (second !== undefined) this.setVariable(second, item, node.pipe.assign, false)
      try {
        this.walk(node.list, item, false)
      } catch (signal) {
        if (!(signal instanceof LoopSignal)) throw signal
        if (signal.kind === 'break') break
      }
    }
    this.variables.length = mark
  }

  private setVariable(name: string, value: unknown, assign: boolean, concrete = true): void {
    if (assign) {
      for (let index = this.variables.length - 1; index >= 0; index--) {
        if (this.variables[index]![0] === name) {
          this.variables[index] = [name, value, concrete]
          return
        }
      }
      this.fail(`undefined variable: ${name}`)
    }
    this.variables.push([name, value, concrete])
  }

  private variable(name: string): {value: unknown; concrete: boolean} {
    for (let index = this.variables.length - 1; index >= 0; index--) {
      const [known, value, concrete] = this.variables[index]!
      if (known === name) return {value, concrete}
    }
    return this.fail(`undefined variable: ${name}`)
  }

  pipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: unknown = missing
    let first = true
    for (const command of pipe.commands) {
      value = this.command(dot, command, first ? undefined : value)
      first = false
    }
    // A nil interface is no value.
    if (value === null) value = missing
    if (pipe.declarations.length > 0) this.setVariable(pipe.declarations[0]!, value, pipe.assign)
    return value
  }

  private command(dot: unknown, command: CommandNode, final: unknown): unknown {
    const [head, ...rest] = command.args
    const hasFinal = final !== undefined
    const hasArguments = rest.length > 0 || hasFinal
    switch (head!.type) {
      case 'identifier':
        return this.call(dot, head!, command, rest, final, hasFinal)
      case 'field':
        this.at(head!, nodeText(head!))
        return this.fields(dot, this.dotConcrete, head!.idents, hasArguments)
      case 'variable': {
        this.at(head!, nodeText(head!))
        const {value, concrete} = this.variable(head!.idents[0]!)
        if (head!.idents.length === 1) {
          if (hasArguments) this.notAFunction(head!)
          return value
        }
        return this.fields(value, concrete, head!.idents.slice(1), hasArguments)
      }
      case 'chain':
        // Go does not move its error position to the chain: errors name the node evaluated last.
        return this.fields(this.chainBase(dot, head!), true, head!.fields, hasArguments)
      case 'pipe':
        if (hasArguments) this.notAFunction(head!)
        return this.pipeline(dot, head!.pipe)
    }
    this.at(head!, nodeText(head!))
    if (hasArguments) this.notAFunction(head!)
    if (head!.type === 'nil') this.fail('nil is not a command')
    return this.argument(dot, head!)
  }

  private chainBase(dot: unknown, chain: Extract<ArgNode, {type: 'chain'}>): unknown {
    return chain.node.type === 'pipe' ? this.pipeline(dot, chain.node.pipe) : this.argument(dot, chain.node)
  }

  private notAFunction(head: ArgNode): never {
    this.at(head, nodeText(head))
    return this.fail(`can't give argument to non-function ${nodeText(head)}`)
  }

  /**
   * evalFieldChain: each name looked up in the map before it. Go names the receiver's type in its
   * errors: its own for a pipeline's result, interface {} for a map's or slice's element.
   */
  private fields(receiver: unknown, concrete: boolean, names: readonly string[], hasArguments: boolean): unknown {
    let current = receiver
    for (const [position, name] of names.entries()) {
      if (current === missing) return missing
      if (current === null) this.fail(`nil pointer evaluating interface {}.${name}`)
      if (isMap(current)) {
        if (hasArguments && position === names.length - 1) this.fail(`${name} is not a method but has arguments`)
        if (!Object.hasOwn(current, name) && this.missingKeyIsError) this.fail(`map has no entry for key ${goQuote(name)}`)
        current = Object.hasOwn(current, name) ? current[name] : missing
        continue
      }
      this.fail(`can't evaluate field ${name} in type ${position === 0 && concrete ? goTypeName(current) : 'interface {}'}`)
    }
    return current
  }

  private argument(dot: unknown, node: ArgNode): unknown {
    this.at(node, nodeText(node))
    switch (node.type) {
      case 'dot':
        return dot
      case 'nil':
        return null
      case 'bool':
        return node.value
      case 'string':
        return node.value
      case 'number':
        return new GoNumber(node.value, node.float ? 'float64' : node.text.startsWith("'") ? 'int32' : 'int')
      case 'field':
        return this.fields(dot, this.dotConcrete, node.idents, false)
      case 'variable': {
        const {value, concrete} = this.variable(node.idents[0]!)
        return node.idents.length === 1 ? value : this.fields(value, concrete, node.idents.slice(1), false)
      }
      case 'chain':
        return this.fields(this.chainBase(dot, node), true, node.fields, false)
      case 'pipe':
        return this.pipeline(dot, node.pipe)
      case 'identifier':
        return this.call(dot, node, {pos: node.pos, args: [node]}, [], undefined, false)
    }
  }

  /** An argument Go declares as a string (printf's format, base64decode's text): checked as evalArg does. */
  private stringArgument(dot: unknown, node: ArgNode): string {
    if (node.type === 'number' || node.type === 'bool' || node.type === 'nil') {
      this.at(node, nodeText(node))
      this.fail(`expected string; found ${nodeText(node)}`)
    }
    const value = this.argument(dot, node)
    if (typeof value === 'string') return value
    this.at(node, nodeText(node))
    if (value === missing) this.fail('invalid value; expected string')
    return this.fail(`wrong type for value; expected string; got ${value === null ? 'interface {}' : goTypeName(value)}`)
  }

  private call(dot: unknown, head: Extract<ArgNode, {type: 'identifier'}>, command: CommandNode, rest: readonly ArgNode[], final: unknown, hasFinal: boolean): unknown {
    const builtin = builtins[head.name]!
    const given = rest.length + (hasFinal ? 1 : 0)
    this.at(head, head.name)
    if (builtin.variadic ? given < builtin.min : given !== builtin.min) {
      this.fail(`wrong number of args for ${head.name}: want ${builtin.variadic ? 'at least ' : ''}${builtin.min} got ${given}`)
    }
    // and/or stop at the first argument that decides.
    if (head.name === 'and' || head.name === 'or') {
      let value: unknown = missing
      for (const node of rest) {
        value = this.argument(dot, node)
        if (truth(value) === (head.name === 'or')) return value
      }
      if (hasFinal) value = final
      return value
    }
    const stringParameters = head.name === 'printf' ? 1 : head.name === 'base64decode' ? 1 : 0
    const args = rest.map((node, position) => (position < stringParameters ? this.stringArgument(dot, node) : this.argument(dot, node)))
    if (hasFinal) args.push(final)
    this.at(command, nodeText(command))
    try {
      return builtin.call(args, rest)
    } catch (error) {
      if (error instanceof CallError) this.fail(`error calling ${head.name}: ${error.message}`)
      throw error
    }
  }
}

export function runGoTemplate(template: string, value: unknown, allowMissingKeys = true): string {
  const parsed = parseGoTemplate(template, goTemplateFunctionNames)
  const execution = new Execution(parsed, value, !allowMissingKeys)
  try {
    execution.walk(parsed.root, value)
  } catch (error) {
    if (error instanceof GoTemplateError) error.partialOutput = execution.out.join('')
    if (error instanceof LoopSignal) return execution.out.join('')
    throw error
  }
  return execution.out.join('')
}
