// Whether a master's control-plane component runs, read from what the cluster folder records:
// a stopped etcd member (cluster.json) stops that master's etcd; a stopped master (host.json)
// stops all four of its components. Its node's kubelet keeps running either way. A live host
// (`kubemu up`) passes its own view instead.
import {readClusterState} from '../etcd/cluster-files.js'
import {defaultMasters, type MasterLayout} from '../api/masters.js'
import {readHostState} from './state.js'
import type {StaticPodHealth} from '../kubelet/static-pods.js'

/** Which masters and etcd members are stopped, as a host knows it. */
export interface StoppedComponents {
  masterStopped(node: string): boolean
  memberStopped(member: string): boolean
}

export function staticPodHealthOf(stopped: StoppedComponents, masters: readonly MasterLayout[] = defaultMasters): StaticPodHealth {
  return (node, component) => {
    const master = masters.find((candidate) => candidate.node === node)
    if (!master) return 'running'
    if (stopped.masterStopped(node)) return 'stopped'
    return component === 'etcd' && stopped.memberStopped(master.member) ? 'stopped' : 'running'
  }
}

export function staticPodHealthFromFolder(folder: string, masters: readonly MasterLayout[] = defaultMasters): StaticPodHealth {
  return staticPodHealthOf({
    masterStopped: (node) => readHostState(folder).stoppedMasters.includes(node),
    memberStopped: (member) => readClusterState(folder).stopped.includes(member),
  }, masters)
}
