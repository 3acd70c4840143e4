// Whether a master's control-plane component runs, read from what the cluster folder records:
// a stopped etcd member (cluster.json) stops that master's etcd; a stopped master (host.json)
// stops all four of its components. Its node's kubelet keeps running either way. A live host
// (`kubemu up`) passes its own view instead.
import {readClusterState} from '../etcd/cluster-files.js'
import {defaultMasters, type MasterLayout} from '../api/masters.js'
import {readHostState} from './state.js'
import type {StaticPodHealth} from '../kubelet/static-pods.js'

export function staticPodHealthFromFolder(folder: string, masters: readonly MasterLayout[] = defaultMasters): StaticPodHealth {
  return (node, component) => {
    const master = masters.find((candidate) => candidate.node === node)
    if (!master) return 'running'
    if (readHostState(folder).stoppedMasters.includes(node)) return 'stopped'
    return component === 'etcd' && readClusterState(folder).stopped.includes(master.member) ? 'stopped' : 'running'
  }
}
