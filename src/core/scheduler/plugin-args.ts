// The args of the default plugins (kubescheduler.config.k8s.io/v1 <Plugin>Args): read strictly,
// defaulted as kube-scheduler's SetDefaults_<Plugin>Args, and validated with the field paths and
// texts of its validation_pluginargs.go.
import {type FieldError, fieldError, FieldPath} from '../api/field-errors.js'
import {isQualifiedName} from '../api/names.js'
import {childPath, type DecodeContext, optionalBoolean, optionalInteger, optionalList, optionalString, strictObject} from './config-decode.js'
import type {NodeSelectorTerm, TopologySpreadConstraint} from '../api/kinds.js'

export interface ResourceSpec {
  readonly name: string
  readonly weight: number
}

export interface UtilizationShapePoint {
  readonly utilization: number
  readonly score: number
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio'

export interface NodeResourcesFitArgs {
  readonly ignoredResources: readonly string[]
  readonly ignoredResourceGroups: readonly string[]
  readonly scoringStrategy: {readonly type: string; readonly resources: readonly ResourceSpec[]; readonly requestedToCapacityRatio?: {readonly shape: readonly UtilizationShapePoint[]}}
}

export interface InterPodAffinityArgs {
  readonly hardPodAffinityWeight: number
  readonly ignorePreferredTermsOfExistingPods: boolean
}

export interface PodTopologySpreadArgs {
  readonly defaultConstraints: readonly TopologySpreadConstraint[]
  readonly defaultingType: string
}

export interface NodeAffinityArgs {
  readonly addedAffinity?: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: {readonly nodeSelectorTerms: readonly NodeSelectorTerm[]}
    readonly preferredDuringSchedulingIgnoredDuringExecution?: ReadonlyArray<{readonly weight: number; readonly preference: NodeSelectorTerm}>
  }
}

export interface DefaultPreemptionArgs {
  readonly minCandidateNodesPercentage: number
  readonly minCandidateNodesAbsolute: number
}

export interface NodeResourcesBalancedAllocationArgs {
  readonly resources: readonly ResourceSpec[]
}

export interface VolumeBindingArgs {
  /** How long PreBind waits for the pod's claims to bind before the attempt fails (kube's default: 600). */
  readonly bindTimeoutSeconds: number
  /** Scoring by volume capacity: behind the VolumeCapacityPriority feature gate, which is off in 1.32. */
  readonly shape?: readonly UtilizationShapePoint[]
}

/** How kubemu reads, defaults and checks one plugin's args. */
export interface ArgsKind<T> {
  /** Reads the args (strict) and fills kube's defaults; `undefined` gives the defaults. */
  readonly read: (value: unknown) => T
  /** kube's validation of the args under `path`. */
  readonly validate: (path: FieldPath | null, args: T) => FieldError[]
}

const defaultResources: readonly ResourceSpec[] = [
  {name: 'cpu', weight: 1},
  {name: 'memory', weight: 1},
]
/** config.MaxCustomPriorityScore: the top of a RequestedToCapacityRatio shape's scores. */
export const maxCustomPriorityScore = 10

const at = (path: FieldPath | null, ...names: string[]): FieldPath => (path ? path.child(...names) : FieldPath.root(names[0]!).child(...names.slice(1)))

function readResources(object: Record<string, unknown>, context: DecodeContext): ResourceSpec[] | undefined {
  return optionalList(object, 'resources', context, '[]v1.ResourceSpec', (element, path) => {
    const entry = strictObject(element, {struct: context.struct, path}, ['name', 'weight'], 'v1.ResourceSpec')
    return {name: optionalString(entry, 'name', {struct: context.struct, path}) ?? '', weight: optionalInteger(entry, 'weight', {struct: context.struct, path}, 'int64') ?? 0}
  })
}

export const nodeResourcesFitArgs: ArgsKind<NodeResourcesFitArgs> = {
  read(value) {
    const context = {struct: 'NodeResourcesFitArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'ignoredResources', 'ignoredResourceGroups', 'scoringStrategy'], 'v1.NodeResourcesFitArgs')
    const strings = (field: string) => optionalList(object, field, context, '[]string', (element) => optionalString({[field]: element}, field, context) ?? '') ?? []
    let scoringStrategy: NodeResourcesFitArgs['scoringStrategy'] = {type: 'LeastAllocated', resources: defaultResources}
    if (object.scoringStrategy !== undefined && object.scoringStrategy !== null) {
      const strategyContext = {struct: context.struct, path: 'scoringStrategy'}
      const strategy = strictObject(object.scoringStrategy, strategyContext, ['type', 'resources', 'requestedToCapacityRatio'], '*v1.ScoringStrategy')
      const resources = (readResources(strategy, strategyContext) ?? []).map((resource) => ({name: resource.name, weight: resource.weight === 0 ? 1 : resource.weight}))
      let ratio: {shape: UtilizationShapePoint[]} | undefined
      if (strategy.requestedToCapacityRatio !== undefined && strategy.requestedToCapacityRatio !== null) {
        const ratioContext = {struct: context.struct, path: childPath(strategyContext, 'requestedToCapacityRatio')}
        const ratioObject = strictObject(strategy.requestedToCapacityRatio, ratioContext, ['shape'], '*v1.RequestedToCapacityRatioParam')
        const shape = optionalList(ratioObject, 'shape', ratioContext, '[]v1.UtilizationShapePoint', (element, path) => {
          const point = strictObject(element, {struct: context.struct, path}, ['utilization', 'score'], 'v1.UtilizationShapePoint')
          return {utilization: optionalInteger(point, 'utilization', {struct: context.struct, path}) ?? 0, score: optionalInteger(point, 'score', {struct: context.struct, path}) ?? 0}
        })
        ratio = {shape: shape ?? []}
      }
      scoringStrategy = {type: optionalString(strategy, 'type', strategyContext) ?? '', resources: resources.length > 0 ? resources : defaultResources, ...(ratio ? {requestedToCapacityRatio: ratio} : {})}
    }
    return {ignoredResources: strings('ignoredResources'), ignoredResourceGroups: strings('ignoredResourceGroups'), scoringStrategy}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    args.ignoredResources.forEach((name, index) => {
      for (const message of isQualifiedName(name)) errors.push(fieldError.invalid(at(path, 'ignoredResources').index(index), name, message))
    })
    args.ignoredResourceGroups.forEach((group, index) => {
      const where = at(path, 'ignoredResourceGroups').index(index)
      if (group.includes('/')) errors.push(fieldError.invalid(where, group, "resource group name can't contain '/'"))
      for (const message of isQualifiedName(group)) errors.push(fieldError.invalid(where, group, message))
    })
    const strategy = args.scoringStrategy
    const strategyPath = at(path, 'scoringStrategy')
    const supported = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio']
    if (!supported.includes(strategy.type)) errors.push(fieldError.notSupported(strategyPath.child('type'), strategy.type, supported))
    strategy.resources.forEach((resource, index) => {
      if (resource.weight <= 0 || resource.weight > 100) errors.push(fieldError.invalid(strategyPath.child('resources').index(index).child('weight'), resource.weight, `resource weight of ${resource.name} not in valid range (0, 100]`))
    })
    if (strategy.type === 'RequestedToCapacityRatio') {
      if (!strategy.requestedToCapacityRatio) errors.push(fieldError.required(strategyPath.child('requestedToCapacityRatio'), 'must be specified when type is RequestedToCapacityRatio'))
      else errors.push(...validateFunctionShape(strategy.requestedToCapacityRatio.shape, strategyPath.child('requestedToCapacityRatio', 'shape')))
    } else if (strategy.requestedToCapacityRatio) {
      errors.push(fieldError.forbidden(strategyPath.child('requestedToCapacityRatio'), 'must be nil when type is not RequestedToCapacityRatio'))
    }
    return errors
  },
}

function validateFunctionShape(shape: readonly UtilizationShapePoint[], path: FieldPath): FieldError[] {
  if (shape.length === 0) return [fieldError.required(path, 'at least one point must be specified')]
  const errors: FieldError[] = []
  for (let index = 1; index < shape.length; index++) {
    if (shape[index - 1]!.utilization >= shape[index]!.utilization) {
      errors.push(fieldError.invalid(path.index(index).child('utilization'), shape[index]!.utilization, 'values must be sorted in increasing order'))
      break
    }
  }
  shape.forEach((point, index) => {
    if (point.utilization < 0 || point.utilization > 100) errors.push(fieldError.invalid(path.index(index).child('utilization'), point.utilization, 'not in valid range [0, 100]'))
    if (point.score < 0 || point.score > maxCustomPriorityScore) errors.push(fieldError.invalid(path.index(index).child('score'), point.score, `not in valid range [0, ${maxCustomPriorityScore}]`))
  })
  return errors
}

export const interPodAffinityArgs: ArgsKind<InterPodAffinityArgs> = {
  read(value) {
    const context = {struct: 'InterPodAffinityArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods'], 'v1.InterPodAffinityArgs')
    return {hardPodAffinityWeight: optionalInteger(object, 'hardPodAffinityWeight', context) ?? 1, ignorePreferredTermsOfExistingPods: optionalBoolean(object, 'ignorePreferredTermsOfExistingPods', context) ?? false}
  },
  validate: (path, args) => (args.hardPodAffinityWeight < 0 || args.hardPodAffinityWeight > 100 ? [fieldError.invalid(at(path, 'hardPodAffinityWeight'), args.hardPodAffinityWeight, 'not in valid range [0, 100]')] : []),
}

const constraintFields = ['maxSkew', 'topologyKey', 'whenUnsatisfiable', 'labelSelector', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy', 'matchLabelKeys']

export const podTopologySpreadArgs: ArgsKind<PodTopologySpreadArgs> = {
  read(value) {
    const context = {struct: 'PodTopologySpreadArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'defaultConstraints', 'defaultingType'], 'v1.PodTopologySpreadArgs')
    const defaultConstraints = optionalList(object, 'defaultConstraints', context, '[]v1.TopologySpreadConstraint', (element, path) => {
      const entry = strictObject(element, {struct: context.struct, path}, constraintFields, 'v1.TopologySpreadConstraint')
      const where = {struct: context.struct, path}
      return {
        ...(entry as object),
        maxSkew: optionalInteger(entry, 'maxSkew', where) ?? 0,
        topologyKey: optionalString(entry, 'topologyKey', where) ?? '',
        whenUnsatisfiable: (optionalString(entry, 'whenUnsatisfiable', where) ?? '') as TopologySpreadConstraint['whenUnsatisfiable'],
      } as TopologySpreadConstraint
    })
    return {defaultConstraints: defaultConstraints ?? [], defaultingType: optionalString(object, 'defaultingType', context) || 'System'}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    const typePath = at(path, 'defaultingType')
    if (args.defaultingType !== 'System' && args.defaultingType !== 'List') errors.push(fieldError.notSupported(typePath, args.defaultingType, ['System', 'List']))
    else if (args.defaultingType === 'System' && args.defaultConstraints.length > 0) errors.push(fieldError.invalid(typePath, args.defaultingType, 'when .defaultConstraints are not empty'))
    const listPath = at(path, 'defaultConstraints')
    args.defaultConstraints.forEach((constraint, index) => {
      const where = listPath.index(index)
      if (constraint.maxSkew <= 0) errors.push(fieldError.invalid(where.child('maxSkew'), constraint.maxSkew, 'not in valid range (0, inf)'))
      if (constraint.topologyKey.length === 0) errors.push(fieldError.required(where.child('topologyKey'), 'can not be empty'))
      else for (const message of isQualifiedName(constraint.topologyKey)) errors.push(fieldError.invalid(where.child('topologyKey'), constraint.topologyKey, message))
      const actions = ['DoNotSchedule', 'ScheduleAnyway']
      if (String(constraint.whenUnsatisfiable).length === 0) errors.push(fieldError.required(where.child('whenUnsatisfiable'), 'can not be empty'))
      else if (!actions.includes(constraint.whenUnsatisfiable)) errors.push(fieldError.notSupported(where.child('whenUnsatisfiable'), constraint.whenUnsatisfiable, actions))
      if (constraint.labelSelector) errors.push(fieldError.forbidden(where.child('labelSelector'), 'constraint must not define a selector, as they deduced for each pod'))
      const repeated = args.defaultConstraints.slice(0, index).some((other) => other.topologyKey === constraint.topologyKey && other.whenUnsatisfiable === constraint.whenUnsatisfiable)
      if (repeated) errors.push(fieldError.duplicate(where, `{${constraint.topologyKey}, ${constraint.whenUnsatisfiable}}`))
    })
    return errors
  },
}

export const nodeAffinityArgs: ArgsKind<NodeAffinityArgs> = {
  read(value) {
    const context = {struct: 'NodeAffinityArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'addedAffinity'], 'v1.NodeAffinityArgs')
    if (object.addedAffinity === undefined || object.addedAffinity === null) return {}
    const added = strictObject(object.addedAffinity, {struct: context.struct, path: 'addedAffinity'}, ['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution'], '*v1.NodeAffinity')
    return {addedAffinity: added as NodeAffinityArgs['addedAffinity']}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    const operators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']
    const terms = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
    terms.forEach((term, index) => {
      ;(term.matchExpressions ?? []).forEach((requirement, position) => {
        const where = at(path, 'addedAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms').index(index).child('matchExpressions').index(position)
        if (!operators.includes(requirement.operator)) errors.push(fieldError.invalid(where.child('operator'), requirement.operator, 'not a valid selector operator'))
      })
    })
    return errors
  },
}

export const defaultPreemptionArgs: ArgsKind<DefaultPreemptionArgs> = {
  read(value) {
    const context = {struct: 'DefaultPreemptionArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'minCandidateNodesPercentage', 'minCandidateNodesAbsolute'], 'v1.DefaultPreemptionArgs')
    return {minCandidateNodesPercentage: optionalInteger(object, 'minCandidateNodesPercentage', context) ?? 10, minCandidateNodesAbsolute: optionalInteger(object, 'minCandidateNodesAbsolute', context) ?? 100}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    const percentagePath = at(path, 'minCandidateNodesPercentage')
    const absolutePath = at(path, 'minCandidateNodesAbsolute')
    if (args.minCandidateNodesPercentage < 0 || args.minCandidateNodesPercentage > 100) errors.push(fieldError.invalid(percentagePath, args.minCandidateNodesPercentage, 'not in valid range [0, 100]'))
    if (args.minCandidateNodesAbsolute < 0) errors.push(fieldError.invalid(absolutePath, args.minCandidateNodesAbsolute, 'not in valid range [0, inf)'))
    if (args.minCandidateNodesPercentage === 0 && args.minCandidateNodesAbsolute === 0) {
      errors.push(fieldError.invalid(percentagePath, 0, 'cannot be zero at the same time as minCandidateNodesAbsolute'), fieldError.invalid(absolutePath, 0, 'cannot be zero at the same time as minCandidateNodesPercentage'))
    }
    return errors
  },
}

export const nodeResourcesBalancedAllocationArgs: ArgsKind<NodeResourcesBalancedAllocationArgs> = {
  read(value) {
    const context = {struct: 'NodeResourcesBalancedAllocationArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'resources'], 'v1.NodeResourcesBalancedAllocationArgs')
    const resources = (readResources(object, context) ?? []).map((resource) => ({name: resource.name, weight: resource.weight === 0 ? 1 : resource.weight}))
    return {resources: resources.length > 0 ? resources : defaultResources}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    const seen = new Set<string>()
    args.resources.forEach((resource, index) => {
      const where = at(path, 'resources').index(index)
      if (seen.has(resource.name)) errors.push(fieldError.duplicate(where.child('name'), resource.name))
      seen.add(resource.name)
      if (resource.weight !== 1) errors.push(fieldError.invalid(where.child('weight'), resource.weight, 'must be 1'))
    })
    return errors
  },
}

/** kube-scheduler's default bindTimeoutSeconds (SetDefaults_VolumeBindingArgs). */
export const volumeBindTimeoutSecondsDefault = 600

export const volumeBindingArgs: ArgsKind<VolumeBindingArgs> = {
  read(value) {
    const context = {struct: 'VolumeBindingArgs', path: ''}
    const object = strictObject(value, context, ['kind', 'apiVersion', 'bindTimeoutSeconds', 'shape'], 'v1.VolumeBindingArgs')
    const shape = optionalList(object, 'shape', context, '[]v1.UtilizationShapePoint', (element, path) => {
      const point = strictObject(element, {struct: context.struct, path}, ['utilization', 'score'], 'v1.UtilizationShapePoint')
      return {utilization: optionalInteger(point, 'utilization', {struct: context.struct, path}) ?? 0, score: optionalInteger(point, 'score', {struct: context.struct, path}) ?? 0}
    })
    return {bindTimeoutSeconds: optionalInteger(object, 'bindTimeoutSeconds', context, 'int64') ?? volumeBindTimeoutSecondsDefault, ...(shape ? {shape} : {})}
  },
  validate(path, args) {
    const errors: FieldError[] = []
    if (args.bindTimeoutSeconds < 0) errors.push(fieldError.invalid(at(path, 'bindTimeoutSeconds'), args.bindTimeoutSeconds, 'invalid BindTimeoutSeconds, should not be a negative value'))
    // The feature gate is off: a shape would take effect the day it turns on, so kube refuses it now.
    if (args.shape) {
      const points = args.shape.map((point) => `config.UtilizationShapePoint{Utilization:${point.utilization}, Score:${point.score}}`).join(', ')
      errors.push(fieldError.invalid(at(path, 'shape'), {goString: `[]config.UtilizationShapePoint{${points}}`}, 'unexpected field `shape`, remove it or turn on the feature gate VolumeCapacityPriority'))
    }
    return errors
  },
}
