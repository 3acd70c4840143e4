// The cores of kubemu's own commands (src/host-main.ts: time, member, master, node, load;
// src/up-main.ts: up) from their bundles with V8's code cache where the build made current ones,
// else from the modules (a build by tsc alone, KUBEMU_NO_BUNDLE=1).
import {bundledExports} from './tool-bundle.js'

export type HostCore = typeof import('./host-main.js')
export type UpCore = typeof import('./up-main.js')

export async function hostCore(): Promise<HostCore> {
  return (bundledExports('host') as HostCore | null) ?? (await import('./host-main.js'))
}

export async function upCore(): Promise<UpCore> {
  return (bundledExports('up') as UpCore | null) ?? (await import('./up-main.js'))
}
