// kube-scheduler's in-tree plugin registry as kubemu has it: one line per plugin, with the
// extension points the plugin implements, how its args are read, and how it is built from them.
// A configuration may name only these plugins (kube-scheduler's `… "Foo" does not exist` otherwise).
import type {SchedulerPlugin} from './framework.js'
import {type ArgsKind, defaultPreemptionArgs, interPodAffinityArgs, nodeAffinityArgs, nodeResourcesBalancedAllocationArgs, nodeResourcesFitArgs, podTopologySpreadArgs, volumeBindingArgs} from './plugin-args.js'
import {interPodAffinityPlugin} from './plugins/inter-pod-affinity.js'
import {imageLocality, nodeAffinityPlugin, nodeName, nodePorts, nodeUnschedulable, taintToleration} from './plugins/node-plugins.js'
import {nodeResourcesBalancedAllocationPlugin, nodeResourcesFitPlugin} from './plugins/node-resources.js'
import {podTopologySpreadPlugin} from './plugins/topology-spread.js'
import {volumeBinding} from './plugins/volume-binding.js'

/** The extension points, in the order kube-scheduler's framework fills them (getExtensionPoints). */
export const extensionPoints = ['preFilter', 'filter', 'postFilter', 'reserve', 'preScore', 'score', 'preBind', 'bind', 'postBind', 'permit', 'preEnqueue', 'queueSort'] as const
export type ExtensionPoint = (typeof extensionPoints)[number]

export interface RegisteredPlugin {
  readonly points: readonly ExtensionPoint[]
  /** The plugin's args kind (kubescheduler.config.k8s.io/v1 <Name>Args), when it takes args. */
  readonly args?: ArgsKind<never>
  /**
   * kube-scheduler validates NodeResourcesFit's args when the plugin starts, not with the rest of the
   * configuration (its validation table names it "NodeResourcesFitArgs"), so the error reads differently.
   */
  readonly argsCheckedAtStart?: boolean
  readonly build: (args: never) => SchedulerPlugin
}

const plugin = <T>(points: readonly ExtensionPoint[], build: (args: T) => SchedulerPlugin, args?: ArgsKind<T>, argsCheckedAtStart = false): RegisteredPlugin =>
  // The table erases each plugin's args type T; build and args agree by construction here.
  ({points, build, args, argsCheckedAtStart}) as unknown as RegisteredPlugin

/**
 * Plugins whose work kubemu's scheduler does itself (the queue's order, gates, preemption, binding):
 * the profile records whether they are enabled. Plugins for what kubemu does not model yet (volume
 * limits and zones) are known, so configurations naming them are valid, and pass every node.
 * VolumeBinding's PreBind (naming the node on WaitForFirstConsumer claims) is the scheduler's.
 */
const builtIn = (name: string) => () => ({name})

export const pluginRegistry: Readonly<Record<string, RegisteredPlugin>> = {
  PrioritySort: plugin(['queueSort'], builtIn('PrioritySort')),
  SchedulingGates: plugin(['preEnqueue'], builtIn('SchedulingGates')),
  NodeUnschedulable: plugin(['filter'], () => nodeUnschedulable),
  NodeName: plugin(['filter'], () => nodeName),
  TaintToleration: plugin(['filter', 'preScore', 'score'], () => taintToleration),
  NodeAffinity: plugin(['preFilter', 'filter', 'preScore', 'score'], nodeAffinityPlugin, nodeAffinityArgs),
  NodePorts: plugin(['preFilter', 'filter'], () => nodePorts),
  NodeResourcesFit: plugin(['preFilter', 'filter', 'preScore', 'score'], nodeResourcesFitPlugin, nodeResourcesFitArgs, true),
  VolumeRestrictions: plugin(['preFilter', 'filter'], builtIn('VolumeRestrictions')),
  NodeVolumeLimits: plugin(['preFilter', 'filter'], builtIn('NodeVolumeLimits')),
  VolumeBinding: plugin(['preFilter', 'filter', 'reserve', 'preBind', 'preScore', 'score'], () => volumeBinding, volumeBindingArgs),
  VolumeZone: plugin(['preFilter', 'filter'], builtIn('VolumeZone')),
  PodTopologySpread: plugin(['preFilter', 'filter', 'preScore', 'score'], podTopologySpreadPlugin, podTopologySpreadArgs),
  InterPodAffinity: plugin(['preFilter', 'filter', 'preScore', 'score'], interPodAffinityPlugin, interPodAffinityArgs),
  DefaultPreemption: plugin(['postFilter'], builtIn('DefaultPreemption'), defaultPreemptionArgs),
  NodeResourcesBalancedAllocation: plugin(['preScore', 'score'], nodeResourcesBalancedAllocationPlugin, nodeResourcesBalancedAllocationArgs),
  ImageLocality: plugin(['score'], () => imageLocality),
  DefaultBinder: plugin(['bind'], builtIn('DefaultBinder')),
}

/** kube-scheduler 1.32's default profile: every default plugin at every point it implements, with its score weight (getDefaultPlugins). */
export const defaultMultiPoint: ReadonlyArray<{readonly name: string; readonly weight?: number}> = [
  {name: 'SchedulingGates'},
  {name: 'PrioritySort'},
  {name: 'NodeUnschedulable'},
  {name: 'NodeName'},
  {name: 'TaintToleration', weight: 3},
  {name: 'NodeAffinity', weight: 2},
  {name: 'NodePorts'},
  {name: 'NodeResourcesFit', weight: 1},
  {name: 'VolumeRestrictions'},
  {name: 'NodeVolumeLimits'},
  {name: 'VolumeBinding'},
  {name: 'VolumeZone'},
  {name: 'PodTopologySpread', weight: 2},
  {name: 'InterPodAffinity', weight: 2},
  {name: 'DefaultPreemption'},
  {name: 'NodeResourcesBalancedAllocation', weight: 1},
  {name: 'ImageLocality', weight: 1},
  {name: 'DefaultBinder'},
]
