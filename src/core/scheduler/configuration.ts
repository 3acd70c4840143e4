// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) as kube-scheduler 1.32 loads it:
// decoded strictly, defaulted (each profile's plugins merged into the default MultiPoint set, each
// needed plugin given its default args) and validated with kube's field paths and texts. Building
// the profiles' frameworks (profile.ts) then finds what only the framework checks, such as an
// unknown plugin.
import {parse as parseYaml} from 'yaml'
import {aggregateText, type FieldError, fieldError, FieldPath} from '../api/field-errors.js'
import {type DecodeContext, optionalBoolean, optionalInteger, optionalList, optionalString, SchedulerConfigurationError, strictObject} from './config-decode.js'
import {defaultMultiPoint, type ExtensionPoint, extensionPoints, pluginRegistry} from './registry.js'

export {SchedulerConfigurationError}

export const schedulerConfigurationApiVersion = 'kubescheduler.config.k8s.io/v1'
export const defaultSchedulerName = 'default-scheduler'
/** A configuration file larger than this is refused before it is parsed. */
export const schedulerConfigurationBytesMax = 1024 * 1024

export interface PluginReference {
  readonly name: string
  readonly weight?: number
}

export interface PluginSet {
  readonly enabled: readonly PluginReference[]
  readonly disabled: readonly PluginReference[]
}

export type Plugins = Readonly<Record<ExtensionPoint | 'multiPoint', PluginSet>>

export interface ProfileConfiguration {
  readonly schedulerName: string
  readonly percentageOfNodesToScore?: number
  /** The plugins after merging with the defaults (mergePlugins). */
  readonly plugins: Plugins
  /** Args by plugin, in the order given, then the defaults of the needed plugins that had none. */
  readonly pluginConfig: ReadonlyArray<{readonly name: string; readonly args: unknown}>
}

export interface SchedulerConfiguration {
  readonly parallelism: number
  /** 0: kube-scheduler's adaptive percentage. */
  readonly percentageOfNodesToScore: number
  readonly podInitialBackoffSeconds: number
  readonly podMaxBackoffSeconds: number
  readonly profiles: readonly ProfileConfiguration[]
}

const pointsWithMultiPoint = [...extensionPoints, 'multiPoint'] as const
const emptySet: PluginSet = {enabled: [], disabled: []}
/** Plugins kube-scheduler 1.32 removed from v1 (invalidPluginsByVersion). */
const removedPlugins = ['AzureDiskLimits', 'CinderLimits', 'EBSLimits', 'GCEPDLimits']

function readPluginSet(value: unknown, path: string): PluginSet {
  const context: DecodeContext = {struct: 'KubeSchedulerConfiguration', path}
  const object = strictObject(value, context, ['enabled', 'disabled'], 'v1.PluginSet')
  const read = (field: string, withWeight: boolean) =>
    optionalList(object, field, context, '[]v1.Plugin', (element, at) => {
      const entry = strictObject(element, {struct: context.struct, path: at}, ['name', 'weight'], 'v1.Plugin')
      const weight = withWeight ? optionalInteger(entry, 'weight', {struct: context.struct, path: at}) : undefined
      return {name: optionalString(entry, 'name', {struct: context.struct, path: at}) ?? '', ...(weight === undefined ? {} : {weight})}
    }) ?? []
  return {enabled: read('enabled', true), disabled: read('disabled', true)}
}

/** mergePluginSet: the defaults in place (a custom entry replaces its default), then the other custom ones; '*' disables every default. */
function mergePluginSet(defaults: PluginSet, custom: PluginSet): PluginSet {
  const disabled = [...custom.disabled.map((entry) => ({name: entry.name})), ...defaults.disabled]
  const disabledNames = new Set(disabled.map((entry) => entry.name))
  const customByName = new Map(custom.enabled.map((entry, index) => [entry.name, index]))
  const replaced = new Set<number>()
  const enabled: PluginReference[] = []
  if (!disabledNames.has('*')) {
    for (const entry of defaults.enabled) {
      if (disabledNames.has(entry.name)) continue
      const index = customByName.get(entry.name)
      if (index === undefined) enabled.push(entry)
      else {
        enabled.push(custom.enabled[index]!)
        replaced.add(index)
      }
    }
  }
  custom.enabled.forEach((entry, index) => {
    if (!replaced.has(index)) enabled.push(entry)
  })
  return {enabled, disabled}
}

/** The plugins a profile needs: every one enabled anywhere (pluginsNames), in first-seen order. */
export function neededPlugins(plugins: Plugins): string[] {
  const names = new Set<string>()
  for (const point of pointsWithMultiPoint) for (const entry of plugins[point].enabled) names.add(entry.name)
  return [...names]
}

function readProfile(value: unknown, index: number, single: boolean): ProfileConfiguration {
  const path = `profiles[${index}]`
  const context: DecodeContext = {struct: 'KubeSchedulerConfiguration', path}
  const object = strictObject(value, context, ['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig'], 'v1.KubeSchedulerProfile')
  const pluginsContext: DecodeContext = {struct: context.struct, path: `${path}.plugins`}
  const pluginsObject = strictObject(object.plugins, pluginsContext, pointsWithMultiPoint, '*v1.Plugins')
  const custom = Object.fromEntries(pointsWithMultiPoint.map((point) => [point, readPluginSet(pluginsObject[point], `${path}.plugins.${point}`)])) as Record<ExtensionPoint | 'multiPoint', PluginSet>
  const plugins = Object.fromEntries(pointsWithMultiPoint.map((point) => [point, mergePluginSet(point === 'multiPoint' ? {enabled: defaultMultiPoint, disabled: []} : emptySet, custom[point])])) as Plugins
  const given =
    optionalList(object, 'pluginConfig', context, '[]v1.PluginConfig', (element, at) => {
      const entry = strictObject(element, {struct: context.struct, path: at}, ['name', 'args'], 'v1.PluginConfig')
      const name = optionalString(entry, 'name', {struct: context.struct, path: at}) ?? ''
      const kind = pluginRegistry[name]?.args
      return {name, args: kind ? kind.read(entry.args ?? {}) : entry.args}
    }) ?? []
  const withArgs = new Set(given.map((entry) => entry.name))
  const defaults = neededPlugins(plugins)
    .filter((name) => !withArgs.has(name) && pluginRegistry[name]?.args)
    .map((name) => ({name, args: pluginRegistry[name]!.args!.read(undefined) as unknown}))
  const schedulerName = optionalString(object, 'schedulerName', context) ?? (single ? defaultSchedulerName : '')
  const percentage = optionalInteger(object, 'percentageOfNodesToScore', context)
  return {schedulerName, ...(percentage === undefined ? {} : {percentageOfNodesToScore: percentage}), plugins, pluginConfig: [...given, ...defaults]}
}

/** Decodes and defaults a KubeSchedulerConfiguration; throws kube-scheduler's decoding errors. */
export function decodeSchedulerConfiguration(value: unknown): SchedulerConfiguration {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SchedulerConfigurationError("Object 'Kind' is missing in the scheduler configuration")
  const raw = value as Record<string, unknown>
  if (typeof raw.kind !== 'string' || raw.kind === '') throw new SchedulerConfigurationError(`Object 'Kind' is missing in '${JSON.stringify(value)}'`)
  if (raw.kind !== 'KubeSchedulerConfiguration' || raw.apiVersion !== schedulerConfigurationApiVersion) {
    throw new SchedulerConfigurationError(`no kind "${raw.kind}" is registered for version "${String(raw.apiVersion ?? '')}" in scheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme/scheme.go:30"`)
  }
  const context: DecodeContext = {struct: 'KubeSchedulerConfiguration', path: ''}
  const allowed = ['kind', 'apiVersion', 'parallelism', 'leaderElection', 'clientConnection', 'enableProfiling', 'enableContentionProfiling', 'percentageOfNodesToScore', 'podInitialBackoffSeconds', 'podMaxBackoffSeconds', 'profiles', 'extenders', 'delayCacheUntilActive']
  const object = strictObject(value, context, allowed, 'v1.KubeSchedulerConfiguration')
  for (const flag of ['enableProfiling', 'enableContentionProfiling', 'delayCacheUntilActive']) optionalBoolean(object, flag, context)
  // Leader election and the client connection are the host's (kubemu's masters elect their schedulers).
  strictObject(object.leaderElection, {struct: context.struct, path: 'leaderElection'}, ['leaderElect', 'leaseDuration', 'renewDeadline', 'retryPeriod', 'resourceLock', 'resourceName', 'resourceNamespace'], 'v1.LeaderElectionConfiguration')
  strictObject(object.clientConnection, {struct: context.struct, path: 'clientConnection'}, ['kubeconfig', 'acceptContentTypes', 'contentType', 'qps', 'burst'], 'v1.ClientConnectionConfiguration')
  if (Array.isArray(object.extenders) && object.extenders.length > 0) throw new SchedulerConfigurationError('extenders: kubemu does not call scheduler extenders; remove them (plugins and their args are supported)')
  const listed = optionalList(object, 'profiles', context, '[]v1.KubeSchedulerProfile', (element) => element) ?? []
  // No profile: one, default-scheduler (SetDefaults_KubeSchedulerConfiguration).
  const list = listed.length > 0 ? listed : [{}]
  const podInitialBackoffSeconds = optionalInteger(object, 'podInitialBackoffSeconds', context, 'int64') ?? 1
  return {
    parallelism: optionalInteger(object, 'parallelism', context) ?? 16,
    percentageOfNodesToScore: optionalInteger(object, 'percentageOfNodesToScore', context) ?? 0,
    podInitialBackoffSeconds,
    podMaxBackoffSeconds: optionalInteger(object, 'podMaxBackoffSeconds', context, 'int64') ?? 10,
    profiles: list.map((profile, index) => readProfile(profile, index, list.length === 1)),
  }
}

function validatePercentage(path: FieldPath, value: number | undefined): FieldError[] {
  return value !== undefined && (value < 0 || value > 100) ? [fieldError.invalid(path, value, 'not in valid range [0-100]')] : []
}

/** ValidateKubeSchedulerConfiguration: the field errors, in kube-scheduler's order. */
export function validateSchedulerConfiguration(configuration: SchedulerConfiguration): FieldError[] {
  const errors: FieldError[] = []
  if (configuration.parallelism <= 0) errors.push(fieldError.invalid('parallelism', configuration.parallelism, 'should be an integer value greater than zero'))
  const profilesPath = FieldPath.root('profiles')
  const seen = new Map<string, number>()
  configuration.profiles.forEach((profile, index) => {
    const path = profilesPath.index(index)
    if (profile.schedulerName.length === 0) errors.push(fieldError.required(path.child('schedulerName')))
    errors.push(...validatePercentage(path.child('percentageOfNodesToScore'), profile.percentageOfNodesToScore))
    for (const point of extensionPoints) {
      profile.plugins[point].enabled.forEach((entry, position) => {
        if (removedPlugins.includes(entry.name)) errors.push(fieldError.invalid(path.child('plugins', point, 'enabled').index(position), entry.name, `was invalid in version "${schedulerConfigurationApiVersion}" (KubeSchedulerConfiguration is version "${schedulerConfigurationApiVersion}")`))
      })
    }
    const configured = new Set<string>()
    profile.pluginConfig.forEach((entry, position) => {
      const at = path.child('pluginConfig').index(position)
      if (configured.has(entry.name)) errors.push(fieldError.duplicate(at, entry.name))
      configured.add(entry.name)
      const registered = pluginRegistry[entry.name]
      if (removedPlugins.includes(entry.name)) errors.push(fieldError.invalid(at, entry.name, `was invalid in version "${schedulerConfigurationApiVersion}" (KubeSchedulerConfiguration is version "${schedulerConfigurationApiVersion}")`))
      else if (registered?.args && !registered.argsCheckedAtStart) errors.push(...(registered.args.validate as (path: FieldPath, args: unknown) => FieldError[])(at.child('args'), entry.args))
    })
    const earlier = seen.get(profile.schedulerName)
    if (earlier !== undefined) errors.push(fieldError.duplicate(path.child('schedulerName'), profile.schedulerName))
    seen.set(profile.schedulerName, index)
  })
  const queueSort = (profile: ProfileConfiguration) => JSON.stringify(profile.plugins.queueSort)
  configuration.profiles.slice(1).forEach((profile, offset) => {
    if (queueSort(profile) !== queueSort(configuration.profiles[0]!)) errors.push(fieldError.invalid(profilesPath.index(offset + 1).child('plugins', 'queueSort'), {goString: queueSort(profile)}, 'must be the same for all profiles'))
  })
  errors.push(...validatePercentage(FieldPath.root('percentageOfNodesToScore'), configuration.percentageOfNodesToScore))
  if (configuration.podInitialBackoffSeconds <= 0) errors.push(fieldError.invalid('podInitialBackoffSeconds', configuration.podInitialBackoffSeconds, 'must be greater than 0'))
  if (configuration.podMaxBackoffSeconds < configuration.podInitialBackoffSeconds) errors.push(fieldError.invalid('podMaxBackoffSeconds', configuration.podMaxBackoffSeconds, 'must be greater than or equal to PodInitialBackoffSeconds'))
  return errors
}

/** Parses, defaults and validates a configuration file's text (YAML or JSON); throws with kube-scheduler's words. */
export function parseSchedulerConfiguration(text: string): SchedulerConfiguration {
  if (Buffer.byteLength(text) > schedulerConfigurationBytesMax) throw new SchedulerConfigurationError(`the scheduler configuration is larger than ${schedulerConfigurationBytesMax} bytes`)
  let value: unknown
  try {
    value = parseYaml(text, {uniqueKeys: true})
  } catch (error) {
    throw new SchedulerConfigurationError(`couldn't decode the scheduler configuration: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
  const configuration = decodeSchedulerConfiguration(value)
  const errors = validateSchedulerConfiguration(configuration)
  if (errors.length > 0) throw new SchedulerConfigurationError(aggregateText(errors))
  return configuration
}

/** The configuration kube-scheduler runs without a file: one profile, default-scheduler, with the default plugins. */
export function defaultSchedulerConfiguration(): SchedulerConfiguration {
  return decodeSchedulerConfiguration({apiVersion: schedulerConfigurationApiVersion, kind: 'KubeSchedulerConfiguration'})
}
