// The kubectl 1.32 clone's entry: finds the verb among the arguments (global flags may come
// anywhere), parses the verb's and the global flags, runs the verb against the in-process API
// server, and prints errors with kubectl's texts and exit codes. Verbs' names and flags come from
// the build's verbs manifest, so only the modules of the verb that runs are imported.
import {ConnectionRefusedError, errorLine, KubectlError, ServerError} from './errors.js'
import {kubectlHelp} from './help/help.js'
import {commandWords, type KubectlFlag, KubectlFlagError, missingRequiredFlags, parseKubectlFlags} from './flags.js'
import {globalFlags, type KubectlIo, KubectlSession} from './session.js'
import type {KubectlVerb} from './verb.js'
import {loadVerbs} from './verbs/index.js'
import {openVerbCatalog, type VerbEntry} from './verbs-manifest.js'
import {ResourceMapper, StaleDiscoveryError} from './resources.js'

function wantsHelp(argv: readonly string[]): boolean {
  const beforeDashes = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'))
  return beforeDashes.includes('--help') || beforeDashes.includes('-h')
}

/** kubectl 1.32's help for the command, or a usage built from kubemu's flags where none is kept. */
function usageOf(path: string, verb: VerbEntry, environment: NodeJS.ProcessEnv): string {
  const kept = kubectlHelp(path.replace(/^kubectl ?/, ''), environment)
  if (kept !== null) return kept
  let text = `Usage:\n  ${path}${verb.subverbs && verb.subverbs.length > 0 && !verb.runs ? ' [command]' : ' [options]'}\n`
  if (verb.subverbs && verb.subverbs.length > 0) {
    text += `\nAvailable Commands:\n${verb.subverbs.map((subverb) => `  ${subverb.name}\n`).join('')}`
  }
  const options = verb.flags.map((flag) => `    ${flag.shorthand ? `-${flag.shorthand}, ` : ''}--${flag.name}${flag.kind === 'bool' ? '' : '=\'\''}\n`).join('')
  if (options.length > 0) text += `\nOptions:\n${options}`
  return `${text}\nUse "kubectl options" for a list of global command-line options (applies to all commands).\n`
}

function allFlags(list: readonly VerbEntry[]): KubectlFlag[] {
  return list.flatMap((verb) => [...verb.flags, ...allFlags(verb.subverbs ?? [])])
}

/** What the command of `path` runs: the loaded verb's subverb of the path's words. */
function runnerOf(verb: KubectlVerb, path: string): NonNullable<KubectlVerb['run']> {
  let found: KubectlVerb | undefined = verb
  for (const name of path.split(' ').slice(2)) found = found?.subverbs?.find((subverb) => subverb.name === name)
  if (!found?.run) throw new Error(`kubectl's "${path}" runs nothing`)
  return found.run
}

/** Verbs that decode into kubectl's Go types (a resource builder with a scheme, or a typed client): a server's Status loses its kind and apiVersion in the -v=4 log. */
const typedBuilderVerbs = /^kubectl (rollout|set|expose|taint|cordon|uncordon|drain|port-forward|attach|debug)( |$)/

export async function runKubectl(argv: readonly string[], io: KubectlIo): Promise<number> {
  // cobra's hidden command the completion scripts call (NoDesc: the candidates without descriptions).
  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    const quiet = async (line: readonly string[]) => {
      let stdout = ''
      const status = await runKubectl(line, {...io, stdout: (text) => (stdout += text), stderr: () => {}, stdoutColors: false})
      return status === 0 ? stdout : ''
    }
    const {complete} = await import('./completion.js')
    const answer = await complete(argv.slice(1), await loadVerbs(), quiet, io.environment)
    io.stdout(argv[0] === '__complete' ? answer.stdout : answer.stdout.replace(/\t.*$/gm, ''))
    io.stderr(answer.stderr)
    return 0
  }
  const catalog = await openVerbCatalog()
  const known = [...globalFlags, ...allFlags(catalog.verbs)]
  const [word] = commandWords(argv, known, 1)
  if (word === undefined || (word === 'help' && commandWords(argv, known, 2)[1] === undefined)) {
    // The root command parses its flags before it shows its help: a flag it does not know, or one without its value, is refused.
    try {
      parseKubectlFlags(argv, [...globalFlags, {name: 'help', shorthand: 'h', kind: 'bool'}])
    } catch (error) {
      if (!(error instanceof KubectlFlagError)) throw error
      io.stderr(`error: ${error.message}\nSee 'kubectl --help' for usage.\n`)
      return 1
    }
    io.stdout(kubectlHelp('', io.environment) ?? '')
    return 0
  }
  if (word === 'options') {
    io.stdout(kubectlHelp('options', io.environment) ?? '')
    return 0
  }
  if (word === 'help') return runKubectl([...argv.filter((argument) => argument !== 'help'), '--help'], io)
  const command = catalog.verbs.find((candidate) => candidate.name === word || (candidate.aliases ?? []).includes(word))
  if (!command) {
    // A plugin then, named by the words before any flag; a flag first is refused, as kubectl does.
    if (argv[0]?.startsWith('-')) {
      io.stderr(`Error: flags cannot be placed before plugin name: ${argv[0]}\n`)
      return 1
    }
    const {findPlugin, runPlugin} = await import('./plugins.js')
    const plugin = findPlugin(argv, io.environment)
    if (plugin) return runPlugin(plugin, io)
    const {suggestionsFor} = await import('./suggestions.js')
    io.stderr(`error: unknown command "${word}" for "kubectl"\n${suggestionsFor(word)}`)
    return 1
  }
  let verb: VerbEntry = command
  let path = `kubectl ${verb.name}`
  let depth = 1
  while (verb.subverbs && verb.subverbs.length > 0) {
    const subword = commandWords(argv, known, depth + 1)[depth]
    const subverb = verb.subverbs.find((candidate) => candidate.name === subword || (candidate.aliases ?? []).includes(subword ?? ''))
    if (!subverb) {
      if (verb.runs) break
      // kubectl certificate shows its help whatever follows it (its Run is the help).
      if (wantsHelp(argv) || path === 'kubectl certificate') {
        io.stdout(usageOf(path, verb, io.environment))
        return 0
      }
      if (subword === undefined) {
        // kubectl's DefaultSubCommandRun: the group's help and exit 1, on stderr (rollout's on stdout).
        ;(path === 'kubectl rollout' ? io.stdout : io.stderr)(usageOf(path, verb, io.environment))
        return 1
      }
      // kubectl's DefaultSubCommandRun names the words after the group (its arguments, joined), and where to look.
      const words = commandWords(argv, known, argv.length).slice(depth).join(' ')
      io.stderr(`error: unknown command "${words}"\nSee '${path} -h' for help and examples\n`)
      return 1
    }
    verb = subverb
    path = `${path} ${subverb.name}`
    depth++
  }
  // Help before flags are checked, as cobra does: the verb's usage and its subcommands (alpha,
  // which has none in kubectl 1.32, says so instead).
  if (wantsHelp(argv) && verb.name !== 'alpha') {
    io.stdout(usageOf(path, verb, io.environment))
    return 0
  }
  let session: KubectlSession | null = null
  try {
    let flags
    try {
      flags = parseKubectlFlags(argv, [...globalFlags, ...verb.flags])
    } catch (error) {
      if (error instanceof KubectlFlagError) throw new KubectlError(`${error.message}\nSee '${path} --help' for usage.`)
      throw error
    }
    // pflag's notice for a deprecated flag, once per flag given.
    for (const flag of [...globalFlags, ...verb.flags]) if (flag.deprecated && flags.changed.has(flag.name)) io.stderr(`Flag --${flag.name} has been deprecated, ${flag.deprecated}\n`)
    const missing = missingRequiredFlags(path.slice('kubectl '.length), flags)
    if (missing) throw new KubectlError(missing)
    const args = [...flags.positionals.slice(depth), ...flags.rest]
    const runner = runnerOf(await catalog.load(command), path)
    // Printed output and stdin are counted and kept, so that a command whose cached discovery
    // missed a name can run again with the server's (when it has printed and changed nothing).
    let printed = false
    let stdin: Promise<string> | null = null
    session = new KubectlSession(flags, {...io, stdout: (text) => ((printed = true), io.stdout(text)), readStdin: () => (stdin ??= io.readStdin())}, argv)
    session.typedStatus = typedBuilderVerbs.test(path)
    try {
      return await runner(session, args)
    } catch (error) {
      if (!(error instanceof StaleDiscoveryError)) throw error
      session.discoveryFromServer = true
      if (!printed && !session.sentWrite) return await runner(session, args)
      // Too late to run again: the cache is brought up to date for the next command.
      await ResourceMapper.discover(session)
      throw new KubectlError(`${error.message}; run the command again`)
    }
  } catch (error) {
    if (error instanceof KubectlError) {
      // kubectl's error handler logs the server's Status first (-v=4), indented, in the brackets its format leaves.
      if (error instanceof ServerError && session) io.stderr(session.serverErrorLog(error))
      if (error instanceof ConnectionRefusedError && session) io.stderr(session.connectionErrorLog(error))
      if (error.stdoutBefore) io.stdout(error.stdoutBefore)
      io.stderr(errorLine(error))
      return error.exitCode
    }
    throw error
  } finally {
    try {
      await session?.settleControlPlane()
    } finally {
      await session?.close()
    }
  }
}
