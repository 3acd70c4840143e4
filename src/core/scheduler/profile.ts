// A scheduling profile: the framework kube-scheduler builds for one schedulerName (NewFramework):
// the plugins at each extension point in the configured order, MultiPoint expanded around them,
// the score weights, and the percentage of nodes to score. Building it checks what kube's framework
// checks, with its errors (an unknown plugin, one at a point it does not implement, twice at one).
import {defaultSchedulerConfiguration, type Plugins, type ProfileConfiguration, type SchedulerConfiguration, neededPlugins, SchedulerConfigurationError} from './configuration.js'
import type {SchedulerPlugin} from './framework.js'
import {type PodTopologySpreadArgs, type VolumeBindingArgs, volumeBindTimeoutSecondsDefault} from './plugin-args.js'
import {type ExtensionPoint, extensionPoints, pluginRegistry} from './registry.js'
import {aggregateText, type FieldError} from '../api/field-errors.js'

export interface WeightedPlugin {
  readonly plugin: SchedulerPlugin
  readonly weight: number
}

export interface Profile {
  readonly schedulerName: string
  /** The profile's percentageOfNodesToScore, or the configuration's (0: adaptive). */
  readonly percentageOfNodesToScore: number
  /** The plugins enabled at each extension point, in order. */
  readonly points: Readonly<Record<ExtensionPoint, readonly SchedulerPlugin[]>>
  /** The Score plugins with their weights. */
  readonly scores: readonly WeightedPlugin[]
  /** DefaultPreemption runs as a PostFilter plugin. */
  readonly preemption: boolean
  /** SchedulingGates runs as a PreEnqueue plugin: gated pods wait. */
  readonly schedulingGates: boolean
  /** PodTopologySpread gives pods default constraints (System or List defaulting): the scheduler looks up the pods' owners. */
  readonly defaultConstraints: boolean
  /** The configuration's scheduling-queue backoff, which every profile of a scheduler shares. */
  readonly podInitialBackoffSeconds: number
  readonly podMaxBackoffSeconds: number
  /** VolumeBinding's bindTimeoutSeconds: how long a pod waits in PreBind for its claims to bind. */
  readonly volumeBindTimeoutSeconds: number
}

/** The Go interface each extension point's plugins implement, as the framework's errors name it. */
const interfaceName: Record<ExtensionPoint, string> = {
  preFilter: 'PreFilterPlugin',
  filter: 'FilterPlugin',
  postFilter: 'PostFilterPlugin',
  reserve: 'ReservePlugin',
  preScore: 'PreScorePlugin',
  score: 'ScorePlugin',
  preBind: 'PreBindPlugin',
  bind: 'BindPlugin',
  postBind: 'PostBindPlugin',
  permit: 'PermitPlugin',
  preEnqueue: 'PreEnqueuePlugin',
  queueSort: 'QueueSortPlugin',
}

const fail = (message: string): never => {
  throw new SchedulerConfigurationError(message)
}

/** The names at one point: its own enabled list, then MultiPoint expanded around it (expandMultiPointPlugins). */
/** updatePluginList: the names enabled at one point, each known, implementing the point, once. */
function enabledAt(point: ExtensionPoint, plugins: Plugins): string[] {
  const type = interfaceName[point]
  const enabled: string[] = []
  for (const entry of plugins[point].enabled) {
    const registered = pluginRegistry[entry.name]
    if (!registered) fail(`${type} "${entry.name}" does not exist`)
    if (!registered!.points.includes(point)) fail(`plugin "${entry.name}" does not extend ${type} plugin`)
    if (enabled.includes(entry.name)) fail(`plugin "${entry.name}" already registered as "${type}"`)
    enabled.push(entry.name)
  }
  return enabled
}

function pluginsAt(point: ExtensionPoint, plugins: Plugins, enabled: readonly string[]): string[] {
  const type = interfaceName[point]
  const multiPoint = plugins.multiPoint.enabled
  if (multiPoint.length === 0) return [...enabled]
  const disabled = new Set(plugins[point].disabled.map((entry) => entry.name))
  if (disabled.has('*')) return [...enabled]
  const overrides: string[] = []
  const fromMultiPoint: string[] = []
  for (const entry of multiPoint) {
    const registered = pluginRegistry[entry.name]
    if (!registered) fail(`${type} "${entry.name}" does not exist`)
    if (!registered!.points.includes(point) || disabled.has(entry.name)) continue
    if (enabled.includes(entry.name)) {
      if (!overrides.includes(entry.name)) overrides.push(entry.name)
      continue
    }
    if (fromMultiPoint.includes(entry.name)) fail(`plugin "${entry.name}" already registered as "${type}"`)
    fromMultiPoint.push(entry.name)
  }
  return [...enabled.filter((name) => overrides.includes(name)), ...fromMultiPoint, ...enabled.filter((name) => !overrides.includes(name))]
}

/** Pods without constraints of their own get some: System's, or List's when it has any. */
function spreadsByDefault(args: PodTopologySpreadArgs | undefined): boolean {
  const defaultingType = args?.defaultingType ?? 'System'
  return defaultingType === 'System' || (args?.defaultConstraints.length ?? 0) > 0
}

function buildProfile(configuration: ProfileConfiguration, scheduler: SchedulerConfiguration): Profile {
  const {percentageOfNodesToScore, podInitialBackoffSeconds, podMaxBackoffSeconds} = scheduler
  const name = configuration.schedulerName
  const args = new Map(configuration.pluginConfig.map((entry) => [entry.name, entry.args]))
  const instances = new Map<string, SchedulerPlugin>()
  for (const pluginName of neededPlugins(configuration.plugins)) {
    const registered = pluginRegistry[pluginName]
    if (!registered) continue
    const pluginArgs = args.get(pluginName)
    if (registered.args && registered.argsCheckedAtStart) {
      const errors = (registered.args.validate as (path: null, value: unknown) => FieldError[])(null, pluginArgs)
      if (errors.length > 0) fail(`initializing plugin "${pluginName}": ${aggregateText(errors)}`)
    }
    instances.set(pluginName, (registered.build as (value: unknown) => SchedulerPlugin)(pluginArgs))
  }
  const enabled = extensionPoints.map((point) => enabledAt(point, configuration.plugins))
  const points = Object.fromEntries(extensionPoints.map((point, index) => [point, pluginsAt(point, configuration.plugins, enabled[index]!).map((pluginName) => instances.get(pluginName)!)])) as Record<ExtensionPoint, SchedulerPlugin[]>
  if (points.queueSort.length !== 1) fail(`only one queue sort plugin required for profile with scheduler name "${name}", but got ${points.queueSort.length}`)
  if (points.bind.length === 0) fail(`at least one bind plugin is needed for profile with scheduler name "${name}"`)
  // getScoreWeights: the Score point's own weight first, then MultiPoint's; none (or 0) is 1.
  const weights = new Map<string, number>()
  for (const entry of [...configuration.plugins.score.enabled, ...configuration.plugins.multiPoint.enabled]) {
    if (!pluginRegistry[entry.name]?.points.includes('score') || weights.has(entry.name)) continue
    weights.set(entry.name, entry.weight ? entry.weight : 1)
  }
  return {
    schedulerName: name,
    percentageOfNodesToScore: configuration.percentageOfNodesToScore ?? percentageOfNodesToScore,
    points,
    scores: points.score.map((plugin) => ({plugin, weight: weights.get(plugin.name) ?? 1})),
    preemption: points.postFilter.some((plugin) => plugin.name === 'DefaultPreemption'),
    schedulingGates: points.preEnqueue.some((plugin) => plugin.name === 'SchedulingGates'),
    defaultConstraints: instances.has('PodTopologySpread') && spreadsByDefault(args.get('PodTopologySpread') as PodTopologySpreadArgs | undefined),
    podInitialBackoffSeconds,
    podMaxBackoffSeconds,
    volumeBindTimeoutSeconds: (args.get('VolumeBinding') as VolumeBindingArgs | undefined)?.bindTimeoutSeconds ?? volumeBindTimeoutSecondsDefault,
  }
}

/** The profiles of a configuration (profile.NewMap), or kube-scheduler's error for the first that cannot be built. */
export function buildProfiles(configuration: SchedulerConfiguration): Profile[] {
  return configuration.profiles.map((profile) => {
    try {
      return buildProfile(profile, configuration)
    } catch (error) {
      if (!(error instanceof SchedulerConfigurationError)) throw error
      throw new SchedulerConfigurationError(`initializing profiles: creating profile for scheduler name ${profile.schedulerName}: ${error.message}`)
    }
  })
}

/** kube-scheduler's profile without a configuration file: default-scheduler with the default plugins and weights. */
export const defaultProfile: Profile = buildProfiles(defaultSchedulerConfiguration())[0]!
