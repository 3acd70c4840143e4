// KubeSchedulerConfiguration: decoding, kube-scheduler's defaults and merging of plugins, its
// validation and framework errors word for word, and scheduling with profiles, weights, plugin
// args and percentageOfNodesToScore. Expected values follow kube-scheduler 1.32's code.
import {describe, expect, it} from 'vitest'
import {feasibleNodesToFind, SchedulingAlgorithm} from '../../src/core/scheduler/algorithm.js'
import {parseSchedulerConfiguration} from '../../src/core/scheduler/configuration.js'
import type {Snapshot} from '../../src/core/scheduler/framework.js'
import {buildProfiles, defaultProfile, type Profile} from '../../src/core/scheduler/profile.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {node, pod, seeded, snapshot} from './fixtures.js'

const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n'
const profilesOf = (body: string): Profile[] => buildProfiles(parseSchedulerConfiguration(header + body))
const errorOf = (body: string): string => {
  try {
    profilesOf(body)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the configuration was accepted')
}
const names = (plugins: ReadonlyArray<{name: string}>) => plugins.map((plugin) => plugin.name)
const weights = (profile: Profile) => Object.fromEntries(profile.scores.map(({plugin, weight}) => [plugin.name, weight]))
const schedule = (target: Pod, current: Snapshot, profile: Profile) => new SchedulingAlgorithm(seeded(3), profile).schedule(target, current)

describe('scheduler configuration: defaults', () => {
  it('an empty configuration is the default profile: kube-scheduler 1.32 plugins in order, with their weights', () => {
    const [profile] = profilesOf('')
    expect(profile!.schedulerName).toBe('default-scheduler')
    expect(names(profile!.points.filter)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'NodeVolumeLimits', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity'])
    expect(weights(profile!)).toEqual({TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, VolumeBinding: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1})
    expect(profile!.preemption).toBe(true)
    expect(weights(defaultProfile)).toEqual(weights(profile!))
  })

  it("'*' disables every default at a point; enabled plugins keep their place or come after; weights from the point, else MultiPoint, else 1", () => {
    const [only] = profilesOf('profiles:\n- plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeResourcesFit, weight: 5}, {name: ImageLocality}]\n')
    expect(weights(only!)).toEqual({NodeResourcesFit: 5, ImageLocality: 1})
    const [reweighted] = profilesOf('profiles:\n- plugins:\n    multiPoint:\n      enabled: [{name: TaintToleration, weight: 7}]\n    filter:\n      disabled: [{name: NodePorts}]\n    postFilter:\n      disabled: [{name: DefaultPreemption}]\n')
    expect(weights(reweighted!).TaintToleration).toBe(7)
    expect(names(reweighted!.points.filter)).not.toContain('NodePorts')
    expect(names(reweighted!.points.preFilter)).toContain('NodePorts')
    expect(reweighted!.preemption).toBe(false)
  })

  it('several profiles each keep their own name, plugins and percentage of nodes to score', () => {
    const profiles = profilesOf('percentageOfNodesToScore: 30\nprofiles:\n- schedulerName: default-scheduler\n- schedulerName: my-scheduler\n  percentageOfNodesToScore: 10\n')
    expect(profiles.map((profile) => [profile.schedulerName, profile.percentageOfNodesToScore])).toEqual([
      ['default-scheduler', 30],
      ['my-scheduler', 10],
    ])
    expect(feasibleNodesToFind(1000, 10)).toBe(100)
    expect(feasibleNodesToFind(5000, 30)).toBe(1500)
    expect(feasibleNodesToFind(5000, 1)).toBe(100)
    expect(feasibleNodesToFind(1000, 0)).toBe(420)
    expect(feasibleNodesToFind(99, 10)).toBe(99)
  })
})

describe('scheduler configuration: errors in kube-scheduler 1.32 words', () => {
  it('validation names the fields', () => {
    expect(errorOf('percentageOfNodesToScore: 120\n')).toBe('percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]')
    expect(errorOf('profiles:\n- schedulerName: a\n- {}\n')).toBe('profiles[1].schedulerName: Required value')
    expect(errorOf('profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 101}\n- schedulerName: a\n')).toBe(
      '[profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100], profiles[1].schedulerName: Duplicate value: "a"]',
    )
    expect(errorOf('profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Sometimes}]\n')).toBe(
      '[profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty, profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf), profiles[0].pluginConfig[0].args.defaultConstraints[0].whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"]',
    )
    expect(errorOf('profiles:\n- pluginConfig:\n  - name: VolumeBinding\n    args: {bindTimeoutSeconds: -1, shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]}\n')).toBe(
      '[profiles[0].pluginConfig[0].args.bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value, profiles[0].pluginConfig[0].args.shape: Invalid value: []config.UtilizationShapePoint{config.UtilizationShapePoint{Utilization:0, Score:0}, config.UtilizationShapePoint{Utilization:100, Score:10}}: unexpected field `shape`, remove it or turn on the feature gate VolumeCapacityPriority]',
    )
    expect(errorOf('profiles:\n- plugins:\n    score:\n      enabled: [{name: AzureDiskLimits}]\n')).toBe(
      'profiles[0].plugins.score.enabled[0]: Invalid value: "AzureDiskLimits": was invalid in version "kubescheduler.config.k8s.io/v1" (KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")',
    )
    expect(errorOf('podMaxBackoffSeconds: 0\n')).toBe('podMaxBackoffSeconds: Invalid value: 0: must be greater than or equal to PodInitialBackoffSeconds')
  })

  it('the framework refuses unknown plugins, plugins at points they do not extend, and one plugin twice', () => {
    const prefix = 'initializing profiles: creating profile for scheduler name default-scheduler: '
    expect(errorOf('profiles:\n- plugins:\n    score:\n      enabled: [{name: Foo}]\n')).toBe(`${prefix}ScorePlugin "Foo" does not exist`)
    expect(errorOf('profiles:\n- plugins:\n    multiPoint:\n      enabled: [{name: Foo}]\n')).toBe(`${prefix}PreFilterPlugin "Foo" does not exist`)
    expect(errorOf('profiles:\n- plugins:\n    filter:\n      enabled: [{name: ImageLocality}]\n')).toBe(`${prefix}plugin "ImageLocality" does not extend FilterPlugin plugin`)
    expect(errorOf('profiles:\n- plugins:\n    filter:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeName}, {name: NodeName}]\n')).toBe(`${prefix}plugin "NodeName" already registered as "FilterPlugin"`)
    expect(errorOf('profiles:\n- plugins:\n    bind:\n      disabled: [{name: DefaultBinder}]\n')).toBe(`${prefix}at least one bind plugin is needed for profile with scheduler name "default-scheduler"`)
    expect(errorOf('profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Packed}}\n')).toBe(
      `${prefix}initializing plugin "NodeResourcesFit": scoringStrategy.type: Unsupported value: "Packed": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`,
    )
  })

  it('decoding is strict', () => {
    expect(errorOf('profiles:\n- schedulerName: a\n  plugin: {}\n')).toBe('strict decoding error: unknown field "profiles[0].plugin"')
    expect(errorOf('percentageOfNodesToScore: half\n')).toBe('json: cannot unmarshal string into Go struct field KubeSchedulerConfiguration.percentageOfNodesToScore of type int32')
    expect(() => parseSchedulerConfiguration('apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n')).toThrow(
      'no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io/v1beta3" in scheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme/scheme.go:30"',
    )
  })
})

describe('scheduling with a configuration', () => {
  const fitConfig = (strategy: string) => `profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        ${strategy}\n`
  // a has 3 of 4 CPUs and 6 of 8Gi requested, b 1 CPU and 1Gi; the pod asks for 500m and 512Mi.
  const busy = () => snapshot([node('a'), node('b')], [[pod('big-a', {cpu: '3', memory: '6Gi'}), 'a'], [pod('big-b', {cpu: '1', memory: '1Gi'}), 'b']])

  it('NodeResourcesFit: LeastAllocated spreads, MostAllocated packs, RequestedToCapacityRatio follows its shape', () => {
    const incoming = pod('web', {cpu: '500m', memory: '512Mi'})
    const least = schedule(incoming, busy(), profilesOf(fitConfig('type: LeastAllocated'))[0]!)
    expect(least.node).toBe('b')
    const most = profilesOf(fitConfig('type: MostAllocated'))[0]!
    expect(most.scores.find(({plugin}) => plugin.name === 'NodeResourcesFit')!.plugin.score!(incoming, busy().byName.get('a')!, new Map(), busy())).toBe(84)
    const packed = schedule(incoming, busy(), most)
    expect(packed.node).toBe('a')
    // The shape maps utilization 0..100 to scores 0..10 (×10): cpu 3.5/4 → 87, memory 6.5/8 → 81; weighted 1 each.
    const ratio = profilesOf(fitConfig('type: RequestedToCapacityRatio\n        requestedToCapacityRatio:\n          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]'))[0]!
    const nodeA = busy().byName.get('a')!
    expect(ratio.scores.find(({plugin}) => plugin.name === 'NodeResourcesFit')!.plugin.score!(incoming, nodeA, new Map(), busy())).toBe(84)
    expect(schedule(incoming, busy(), ratio).node).toBe('a')
  })

  it('a score weight decides between plugins that disagree', () => {
    // NodeAffinity prefers b, which is busier; with NodeResourcesFit (MostAllocated) weighted 1
    // affinity wins, with it weighted 10 packing wins.
    const current = snapshot([node('a', {labels: {disk: 'ssd'}}), node('b')], [[pod('big-b', {cpu: '3'}), 'b']])
    const incoming = pod('web', {cpu: '500m', affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, preference: {matchExpressions: [{key: 'disk', operator: 'In', values: ['ssd']}]}}]}}})
    const body = (weight: number) => `profiles:\n- plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeAffinity, weight: 1}, {name: NodeResourcesFit, weight: ${weight}}]\n  pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: MostAllocated}}\n`
    const light = schedule(incoming, current, profilesOf(body(1))[0]!)
    expect(light.node).toBe('a')
    const heavy = schedule(incoming, current, profilesOf(body(10))[0]!)
    expect(heavy.node).toBe('b')
    expect(heavy.verdicts.find((verdict) => verdict.node === 'b')!.scores).toEqual({NodeAffinity: 0, NodeResourcesFit: 10 * 45})
  })

  it('InterPodAffinity: hardPodAffinityWeight scores the nodes of pods that require the incoming one', () => {
    const wanting = pod('cache', {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'web'}}, topologyKey: 'kubernetes.io/hostname'}]}}})
    const current = snapshot([node('a'), node('b')], [[wanting, 'a']])
    const incoming = pod('web', {}, {app: 'web'})
    const scoresWith = (weight: number) => {
      const [profile] = profilesOf(`profiles:\n- plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: InterPodAffinity}]\n  pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: ${weight}}\n`)
      return schedule(incoming, current, profile!).verdicts.map((verdict) => [verdict.node, verdict.total])
    }
    expect(scoresWith(1)).toEqual([['a', 100], ['b', 0]].sort())
    expect(scoresWith(0)).toEqual([['a', 0], ['b', 0]])
  })

  it('NodeAffinity addedAffinity keeps every pod of the profile off other nodes', () => {
    const [profile] = profilesOf('profiles:\n- pluginConfig:\n  - name: NodeAffinity\n    args:\n      addedAffinity:\n        requiredDuringSchedulingIgnoredDuringExecution:\n          nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [batch]}]}]\n')
    const current = snapshot([node('a', {labels: {pool: 'batch'}}), node('b')])
    const result = schedule(pod('job'), current, profile!)
    expect(result.node).toBe('a')
    expect(result.verdicts.find((verdict) => verdict.node === 'b')!.rejectedBy).toEqual({plugin: 'NodeAffinity', status: {code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match scheduler-enforced node affinity"]}})
  })

  it('PodTopologySpread List defaulting: default constraints with the selector of what owns the pod', () => {
    const [profile] = profilesOf('profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultingType: List\n      defaultConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}]\n')
    expect(profile!.defaultConstraints).toBe(true)
    const replicas = [pod('web-1', {}, {app: 'web'}), pod('web-2', {}, {app: 'web'})]
    const base = snapshot([node('a'), node('b')], [[replicas[0]!, 'a'], [replicas[1]!, 'a']])
    const owned: Snapshot = {...base, defaultSelector: (target) => (target.metadata.labels?.app === 'web' ? {matchLabels: {app: 'web'}} : null)}
    const result = schedule(pod('web-3', {}, {app: 'web'}), owned, profile!)
    expect(result.node).toBe('b')
    expect(result.verdicts.find((verdict) => verdict.node === 'a')!.rejectedBy?.plugin).toBe('PodTopologySpread')
    // Nothing owns it: no default constraints.
    expect(schedule(pod('lonely'), owned, profile!).verdicts.every((verdict) => verdict.rejectedBy === null)).toBe(true)
  })
  it('PodTopologySpread System defaulting: kube-scheduler\'s default constraints score an owned pod away from its siblings, zones or not', () => {
    const [profile] = profilesOf('profiles:\n- schedulerName: default-scheduler\n')
    expect(profile!.defaultConstraints).toBe(true)
    const replicas = [pod('web-1', {}, {app: 'web'}), pod('web-2', {}, {app: 'web'})]
    const base = snapshot([node('a'), node('b')], [[replicas[0]!, 'a'], [replicas[1]!, 'a']])
    const owned: Snapshot = {...base, defaultSelector: (target) => (target.metadata.labels?.app === 'web' ? {matchLabels: {app: 'web'}} : null)}
    const result = schedule(pod('web-3', {}, {app: 'web'}), owned, profile!)
    const spread = (name: string) => result.verdicts.find((verdict) => verdict.node === name)!.scores!.PodTopologySpread
    // Nodes have no zone label: the hostname constraint alone scores them (weight 2).
    expect(spread('b')).toBe(200)
    expect(spread('a')).toBeLessThan(spread('b')!)
    expect(result.node).toBe('b')
    // Nothing owns it: no default constraints, every node scores the same.
    const lonely = schedule(pod('lonely'), owned, profile!)
    expect(new Set(lonely.verdicts.map((verdict) => verdict.scores!.PodTopologySpread)).size).toBe(1)
  })
})
