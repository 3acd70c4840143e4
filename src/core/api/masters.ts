// The default cluster's masters, as the seeds draw an HA control plane: master N is the
// control-plane node kind names for it and runs etcd member infraN, a kube-apiserver, a
// kube-scheduler and a kube-controller-manager.

export const masterComponents = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const
export type MasterComponent = (typeof masterComponents)[number]

export interface MasterLayout {
  /** The master's node in the API (kind's names for an HA control plane). */
  readonly node: string
  /** The etcd member it runs. */
  readonly member: string
  /** Its position, 1-based (master N). */
  readonly index: number
}

export const defaultMasters: readonly MasterLayout[] = [
  {node: 'control-plane', member: 'infra1', index: 1},
  {node: 'control-plane2', member: 'infra2', index: 2},
  {node: 'control-plane3', member: 'infra3', index: 3},
]

export class UnknownMasterError extends Error {}

/** The master behind a node name (or its etcd member's name), or a clear error. */
export function masterNamed(name: string, masters: readonly MasterLayout[] = defaultMasters): MasterLayout {
  const master = masters.find((candidate) => candidate.node === name || candidate.member === name)
  if (!master) throw new UnknownMasterError(`no master named "${name}" (masters: ${masters.map((candidate) => candidate.node).join(', ')})`)
  return master
}
