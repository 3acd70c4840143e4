// The kubectl verbs manifest: every verb's names, flags and subverbs, and which of verbs/index.ts's
// sources has it. The build writes it next to this module (scripts/write-kubectl-verbs-manifest.mjs,
// after tsc), as oclif writes its manifest, so that the dispatcher parses a command line without
// importing the verbs (over a hundred modules) and imports only the modules of the verb it runs.
// Without the file (src/ run through vitest) the same manifest is built in memory from every verb,
// so both paths parse alike; test/kubectl/verbs-manifest.test.ts keeps the file true to the verbs.
import {readFileSync} from 'node:fs'
import type {KubectlFlag} from './flags.js'
import type {KubectlVerb} from './verb.js'
import {verbSources} from './verbs/index.js'

/** A verb as the dispatcher needs it before it runs one: names, flags, subverbs (plain data). */
export interface VerbEntry {
  readonly name: string
  readonly aliases?: readonly string[]
  readonly flags: readonly KubectlFlag[]
  readonly subverbs?: readonly VerbEntry[]
  /** Whether the verb runs by itself (a group such as `config` runs only through a subverb). */
  readonly runs: boolean
}

/** A top-level verb, with the index in verbSources of the source that loads it. */
export interface ManifestVerb extends VerbEntry {
  readonly source: number
}

export interface VerbsManifest {
  /** Each source's modules, in verbSources' order: a manifest another build wrote is not used. */
  readonly sources: readonly (readonly string[])[]
  readonly verbs: readonly ManifestVerb[]
}

/** What the dispatcher reads verbs from: the manifest's entries, and a loader of the real verb. */
export interface VerbCatalog {
  readonly verbs: readonly ManifestVerb[]
  /** The top-level verb of an entry, its modules imported. */
  load(entry: ManifestVerb): Promise<KubectlVerb>
}

/** The manifest the build writes: dist/core/kubectl/verbs-manifest.json beside the built module. */
export const verbsManifestUrl = new URL('./verbs-manifest.json', import.meta.url)

/** A loaded manifest that differs from the verbs it names (a tsc build whose manifest was not rewritten). */
export class StaleVerbsManifestError extends Error {
  constructor(verb: string) {
    super(`kubemu's kubectl verbs manifest (${verbsManifestUrl.pathname}) does not match the verb "${verb}": run \`npm run build\` to write it again`)
  }
}

function entryOf(verb: KubectlVerb): VerbEntry {
  return {
    name: verb.name,
    ...(verb.aliases ? {aliases: [...verb.aliases]} : {}),
    flags: verb.flags.map((flag) => ({...flag})),
    ...(verb.subverbs ? {subverbs: verb.subverbs.map(entryOf)} : {}),
    runs: verb.run !== undefined,
  }
}

/** The manifest of every verb, built by loading them all (what the build writes, and the fallback). */
export async function buildVerbsManifest(): Promise<VerbsManifest> {
  const loaded = await Promise.all(verbSources.map((source) => source.load()))
  return {
    sources: verbSources.map((source) => source.modules),
    verbs: loaded.flatMap((verbs, source) => verbs.map((verb) => ({...entryOf(verb), source}))),
  }
}

/** The manifest the build wrote, or null when there is none, it is unreadable, or it lists other sources than these. */
export function readVerbsManifest(): VerbsManifest | null {
  let text: string
  try {
    text = readFileSync(verbsManifestUrl, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  let manifest: VerbsManifest
  try {
    manifest = JSON.parse(text) as VerbsManifest
  } catch {
    return null // a file cut short: every verb is loaded instead, which parses alike
  }
  const sameSources =
    Array.isArray(manifest.sources) &&
    Array.isArray(manifest.verbs) &&
    manifest.sources.length === verbSources.length &&
    verbSources.every((source, index) => JSON.stringify(source.modules) === JSON.stringify(manifest.sources[index]))
  return sameSources ? manifest : null
}

/** The verbs from the build's manifest, else from a manifest built in memory (every verb imported). */
export async function openVerbCatalog(): Promise<VerbCatalog> {
  const manifest = readVerbsManifest() ?? (await buildVerbsManifest())
  return {
    verbs: manifest.verbs,
    load: async (entry) => {
      const verb = (await verbSources[entry.source]!.load()).find((candidate) => candidate.name === entry.name)
      // A manifest entry must be the verb it stands for, or the command line was parsed with other flags.
      const {source: _source, ...expected} = entry
      if (!verb || JSON.stringify(entryOf(verb)) !== JSON.stringify(expected)) throw new StaleVerbsManifestError(entry.name)
      return verb
    },
  }
}
