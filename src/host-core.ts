// The host commands' core (src/host-main.ts): from its bundle with its code cache where the build
// made a current one, else from the modules (a build by tsc alone, KUBEMU_NO_BUNDLE=1).
import {bundledExports} from './tool-bundle.js'

export type HostCore = typeof import('./host-main.js')

export async function hostCore(): Promise<HostCore> {
  return (bundledExports('host') as HostCore | null) ?? (await import('./host-main.js'))
}
