// Shell completion as kubectl 1.32 has it: `kubectl completion SHELL` prints cobra's generated
// script (kept as data, data/kubectl-completion.json, as kubectl prints it), and the script asks
// the program itself through cobra's hidden `__complete` command: one candidate a line (a tab,
// then its description), then `:DIRECTIVE` (cobra's ShellCompDirective bits), its name on stderr.
// Candidates are what kubectl offers: commands, flags, resource types and object names read from
// the cluster by running kubectl's own api-resources and get, as kubectl does.
import {readFileSync} from 'node:fs'
import {KubectlError} from './errors.js'
import {commandWords, type KubectlFlag, parseKubectlFlags, requiredFlags, takesValue} from './flags.js'
import {kubectlHelp} from './help/help.js'
import type {KubectlVerb} from './verb.js'
import {globalFlags} from './session.js'

export const completionShells = ['bash', 'zsh', 'fish', 'powershell'] as const

/** cobra's ShellCompDirective bits, in the order cobra names them. */
const directiveNames: ReadonlyArray<readonly [number, string]> = [
  [1, 'ShellCompDirectiveError'],
  [2, 'ShellCompDirectiveNoSpace'],
  [4, 'ShellCompDirectiveNoFileComp'],
  [8, 'ShellCompDirectiveFilterFileExt'],
  [16, 'ShellCompDirectiveFilterDirs'],
  [32, 'ShellCompDirectiveKeepOrder'],
]
const noSpace = 2
const noFileCompletion = 4
const filterFileExtension = 8
/** Where the scripts complete names: `kubectl logs` offers these kinds with a slash. */
const podHolderTypes = ['daemonsets/', 'deployments/', 'pods/', 'jobs/', 'replicasets/', 'replicationcontrollers/', 'services/', 'statefulsets/']
/** get's -o values, in kubectl's order. */
const outputFormats = ['json', 'yaml', 'name', 'go-template', 'go-template-file', 'template', 'templatefile', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'custom-columns', 'custom-columns-file', 'wide']
/** Verbs whose arguments are resource types, then names of that type (kubectl's ResourceTypeAndNameCompletionFunc). */
const typeAndNameVerbs = new Set(['annotate', 'delete', 'describe', 'edit', 'get', 'label', 'patch'])
/** Verbs whose first argument is a pod, or a kind that holds pods then its name. */
const podVerbs = new Set(['attach', 'exec', 'logs', 'port-forward'])
/** Commands that complete the kinds they scale, then their names. */
const scalableVerbs = new Set(['autoscale', 'scale'])
const scalableTypes = ['deployment', 'replicaset', 'replicationcontroller', 'statefulset']
/** Each shell's script, read on first use. */
let scripts: Record<string, string> | null = null

/** `kubectl completion SHELL`: the script, or kubectl's refusals. */
export const completionVerb: KubectlVerb = {
  name: 'completion',
  flags: [],
  run: async (session, args) => {
    const see = "\nSee 'kubectl completion -h' for help and examples"
    if (args.length === 0) throw new KubectlError(`Shell not specified.${see}`)
    if (args.length > 1) throw new KubectlError(`Too many arguments. Expected only the shell type.${see}`)
    scripts ??= JSON.parse(readFileSync(new URL('../../../data/kubectl-completion.json', import.meta.url), 'utf8')) as Record<string, string>
    const script = (completionShells as readonly string[]).includes(args[0]!) ? scripts[args[0]!] : undefined
    if (script === undefined) throw new KubectlError(`Unsupported shell type "${args[0]}".${see}`)
    session.io.stdout(script)
    return 0
  },
}

/** Runs a kubectl command line of this process quietly: what it printed on stdout (nothing on failure). */
export type QuietKubectl = (argv: readonly string[]) => Promise<string>

/** `name<TAB>description` lines of a help text's command lists (the root's sections, a command's Available Commands). */
function commandsOfHelp(path: string, environment: NodeJS.ProcessEnv): Array<{name: string; description: string}> {
  const help = kubectlHelp(path, environment) ?? ''
  const body = help.split(/\nUsage:\n/)[0]!
  const commands = [...body.matchAll(/^ {2}([a-z][\w-]*) {2,}(\S.*)$/gm)].map((match) => ({name: match[1]!, description: match[2]!}))
  return commands
}

/** Each flag's help line as `kubectl … --help` (or `kubectl options`) shows it, by long name. */
function flagUsages(path: string, environment: NodeJS.ProcessEnv): Map<string, {shorthand: string; usage: string}> {
  const help = kubectlHelp(path, environment) ?? ''
  const usages = new Map<string, {shorthand: string; usage: string}>()
  for (const match of help.matchAll(/^ {4}(?:-(\S), )?--([\w-]+)=.*:\n\t(.*)$/gm)) usages.set(match[2]!, {shorthand: match[1] ?? '', usage: match[3]!})
  return usages
}

interface Resolved {
  readonly verbs: readonly KubectlVerb[]
  readonly verb: KubectlVerb | null
  readonly path: string
  readonly depth: number
}

function resolve(verbs: readonly KubectlVerb[], prior: readonly string[], known: readonly KubectlFlag[]): Resolved {
  const words = commandWords(prior, known, 4)
  let verb: KubectlVerb | null = null
  let choices = verbs
  let path = ''
  let depth = 0
  for (const word of words) {
    const next = choices.find((candidate) => candidate.name === word || (candidate.aliases ?? []).includes(word))
    if (!next) break
    verb = next
    path = path ? `${path} ${next.name}` : next.name
    depth++
    choices = next.subverbs ?? []
    if (choices.length === 0) break
  }
  return {verbs: choices, verb, path, depth}
}

/** The flags a command takes as cobra visits them: the inherited global ones, then its own with --help, each sorted. */
function flagCompletions(resolved: Resolved, given: ReadonlySet<string>, toComplete: string, environment: NodeJS.ProcessEnv): string[] {
  const inherited = flagUsages('options', environment)
  const own = flagUsages(resolved.path, environment)
  own.set('help', {shorthand: 'h', usage: `help for ${resolved.verb?.name ?? 'kubectl'}`})
  for (const name of inherited.keys()) own.delete(name)
  const completions: string[] = []
  for (const usages of [inherited, own]) {
    for (const name of [...usages.keys()].sort()) {
      const {shorthand, usage} = usages.get(name)!
      const flag = [...globalFlags, ...(resolved.verb?.flags ?? [])].find((candidate) => candidate.name === name)
      if (given.has(name) && flag && flag.kind !== 'stringArray' && flag.kind !== 'stringSlice') continue
      if (`--${name}`.startsWith(toComplete)) completions.push(`--${name}\t${usage}`)
      if (shorthand && `-${shorthand}`.startsWith(toComplete)) completions.push(`-${shorthand}\t${usage}`)
    }
  }
  return completions
}

/** cobra's completeRequireFlags: the command's required flags not given yet, whose name starts with what is typed. */
function requiredFlagCompletions(resolved: Resolved, given: ReadonlySet<string>, toComplete: string, environment: NodeJS.ProcessEnv): string[] {
  const required = requiredFlags[resolved.path] ?? []
  if (required.length === 0) return []
  const usages = flagUsages(resolved.path, environment)
  return required.filter((name) => !given.has(name) && `--${name}`.startsWith(toComplete)).map((name) => `--${name}\t${usages.get(name)?.usage ?? ''}`)
}

/** The global flags given on the line, to read the cluster the line names (context, namespace, kubeconfig…). */
function globalArguments(prior: readonly string[], verb: KubectlVerb | null): string[] {
  try {
    const parsed = parseKubectlFlags(prior, [...globalFlags, ...(verb?.flags ?? [])])
    return globalFlags.filter((flag) => parsed.changed.has(flag.name)).map((flag) => `--${flag.name}=${parsed.values.get(flag.name) ?? ''}`)
  } catch {
    return []
  }
}

async function names(run: QuietKubectl, type: string, globals: readonly string[], toComplete: string): Promise<string[]> {
  const listed = await run(['get', type, '-o', 'template', '--template={{ range .items  }}{{ .metadata.name }} {{ end }}', ...globals])
  return listed.split(' ').filter((name) => name !== '' && name.startsWith(toComplete))
}

/** Names for `TYPE/PREFIX`, each with its type and slash. */
async function typedNames(run: QuietKubectl, globals: readonly string[], toComplete: string): Promise<string[]> {
  const slash = toComplete.indexOf('/')
  const type = toComplete.slice(0, slash)
  return (await names(run, type, globals, toComplete.slice(slash + 1))).map((found) => `${type}/${found}`)
}

async function resourceTypes(run: QuietKubectl, globals: readonly string[], toComplete: string): Promise<string[]> {
  const comma = toComplete.lastIndexOf(',')
  const prefix = toComplete.slice(0, comma + 1)
  const listed = await run(['api-resources', '-o', 'name', '--cached', '--verbs=get', ...globals])
  return listed.split('\n').filter((type) => type !== '' && type.startsWith(toComplete.slice(comma + 1))).map((type) => `${prefix}${type}`)
}

/** cobra's `__complete ARGS… TOCOMPLETE`: the candidates and the directive, as the scripts read them. */
export async function complete(words: readonly string[], verbs: readonly KubectlVerb[], run: QuietKubectl, environment: NodeJS.ProcessEnv): Promise<{stdout: string; stderr: string}> {
  const toComplete = words.at(-1) ?? ''
  const prior = words.slice(0, -1)
  const known = [...globalFlags, ...verbs.flatMap(function all(verb): KubectlFlag[] {
    return [...verb.flags, ...(verb.subverbs ?? []).flatMap(all)]
  })]
  const resolved = resolve(verbs, prior, known)
  const globals = globalArguments(prior, resolved.verb)
  let completions: string[] = []
  let directive = noFileCompletion
  const previous = prior.at(-1) ?? ''
  const valueOf = previous.startsWith('--') ? known.find((flag) => `--${flag.name}` === previous) : previous.length === 2 && previous.startsWith('-') ? known.find((flag) => flag.shorthand === previous[1]) : undefined
  let given: Set<string> = new Set()
  try {
    given = parseKubectlFlags(prior, [...globalFlags, ...(resolved.verb?.flags ?? [])]).changed
  } catch {
    given = new Set()
  }
  if (valueOf && takesValue(valueOf)) {
    if (valueOf.name === 'namespace') completions = await names(run, 'namespaces', globals, toComplete)
    else if (valueOf.name === 'filename') {
      // Files of these extensions (and folders), as kubectl registers for -f.
      completions = ['json', 'yaml', 'yml']
      directive = filterFileExtension
    } else if (valueOf.name === 'output' && resolved.path === 'get') completions = outputFormats.filter((format) => format.startsWith(toComplete))
    else directive = 0
  } else if (toComplete.startsWith('-') && !toComplete.includes('=')) {
    completions = flagCompletions(resolved, given, toComplete, environment)
  } else {
    let positionals: string[] = []
    try {
      positionals = parseKubectlFlags(prior, [...globalFlags, ...(resolved.verb?.flags ?? [])]).positionals.slice(resolved.depth)
    } catch {
      positionals = []
    }
    const verb = resolved.verb
    const commands = positionals.length === 0 ? commandsOfHelp(resolved.path, environment) : []
    if (verb === null || commands.length > 0) {
      // cobra's help command and kubectl's options, which the root's help names only in its footer.
      if (verb === null) commands.push({name: 'help', description: 'Help about any command'}, {name: 'options', description: 'Print the list of flags inherited by all commands'})
      completions = commands.filter((command) => command.name.startsWith(toComplete)).sort((left, right) => (left.name < right.name ? -1 : 1)).map((command) => `${command.name}\t${command.description}`)
    } else if (scalableVerbs.has(resolved.path)) {
      // kubectl's SpecifiedResourceTypeAndNameCompletionFunc, after cobra's required flags.
      completions = requiredFlagCompletions(resolved, given, toComplete, environment)
      if (positionals.length === 0 && toComplete.includes('/')) {
        if (scalableTypes.includes(toComplete.slice(0, toComplete.indexOf('/')))) completions.push(...(await typedNames(run, globals, toComplete)))
      } else if (positionals.length === 0) completions.push(...scalableTypes.filter((type) => type.startsWith(toComplete)))
      else if (positionals.length === 1 && !positionals[0]!.includes('/')) completions.push(...(await names(run, positionals[0]!, globals, toComplete)))
    } else if (requiredFlags[resolved.path] && !typeAndNameVerbs.has(resolved.path)) {
      // Commands without a completion function of their own: their required flags, then the shell's file names.
      completions = requiredFlagCompletions(resolved, given, toComplete, environment)
      directive = 0
    } else if (resolved.path === 'completion') {
      if (positionals.length === 0) completions = completionShells.filter((shell) => shell.startsWith(toComplete))
    } else if (typeAndNameVerbs.has(resolved.path)) {
      if (positionals.length > 0 && !positionals[0]!.includes('/')) {
        if (resolved.path === 'get' || positionals.length === 1) completions = (await names(run, positionals[0]!, globals, toComplete)).filter((name) => !positionals.slice(1).includes(name))
      } else if (!toComplete.includes('/')) {
        completions = await resourceTypes(run, globals, toComplete)
        if (positionals.length > 0) {
          completions = completions.map((type) => `${type}/`)
          directive |= noSpace
        }
      } else {
        completions = await typedNames(run, globals, toComplete)
      }
    } else if (podVerbs.has(resolved.path) && positionals.length === 0) {
      if (toComplete.includes('/')) {
        completions = await typedNames(run, globals, toComplete)
      } else {
        const pods = await names(run, 'pods', globals, toComplete)
        completions = [...pods, ...podHolderTypes.filter((type) => type.startsWith(toComplete))]
        // With no pod to offer, exec's kinds take their name right after the slash.
        if (resolved.path !== 'logs' && pods.length === 0) directive |= noSpace
      }
    } else if (!podVerbs.has(resolved.path)) {
      // A command without a completion function of its own: the shell completes file names.
      directive = 0
    }
  }
  const named = directiveNames.filter(([bit]) => (directive & bit) !== 0).map(([, name]) => name)
  return {
    stdout: `${completions.map((completion) => `${completion.split('\n')[0]}\n`).join('')}:${directive}\n`,
    stderr: `Completion ended with directive: ${named.length > 0 ? named.join(', ') : 'ShellCompDirectiveDefault'}\n`,
  }
}
