// Admission as kube-apiserver runs it: every mutating plugin in order, then (after the
// registry's own validation) every validating plugin in order; the first refusal ends the write.
import type {KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import type {UserInfo} from '../../api/wire.js'
import type {AdmissionHooks} from '../registry.js'
import type {AdmissionTrail} from '../change-trail.js'

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'

export interface AdmissionAttributes {
  readonly operation: AdmissionOperation
  readonly definition: ResourceDefinition
  readonly subresource: string
  readonly namespace: string
  readonly name: string
  readonly user: UserInfo
  readonly dryRun: boolean
  /** Warnings for the response (PodSecurity's "would violate ..."). */
  readonly warnings?: string[]
}

export interface AdmissionPlugin {
  readonly name: string
  /**
   * May change the object (defaults, injected fields); throws an ApiError to refuse. A plugin
   * with reportsChange resolves to whether it changed the object.
   */
  admit?(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<boolean | void>
  /**
   * admit says whether it changed the object (the webhooks know it from their patches): a
   * recorded write takes its word instead of comparing the object around it, which for a plugin
   * that may change every write (as the webhooks may) cost two JSON encodings of each object written.
   */
  readonly reportsChange?: boolean
  /**
   * False when admit leaves this request's object as it is (it acts on other kinds or
   * operations): a recorded write then need not compare the object around it. Without it, admit
   * may change any object.
   */
  mayChange?(attributes: AdmissionAttributes): boolean
  /** Checks the final object; throws an ApiError to refuse. */
  validate?(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void>
}

export class AdmissionChain {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  /** The registry's hooks for one write; `trail`, when given, gathers the plugins that changed or checked it. */
  hooks(request: Omit<AdmissionAttributes, 'name'> & {name?: string; trail?: AdmissionTrail | null}): AdmissionHooks {
    const {trail = null, ...attributes} = request
    // One attributes object per name, not one per plugin: a copy for each of a write's dozens of
    // plugin calls was about 1% of the API server's time.
    let named: AdmissionAttributes | null = null
    const withName = (object: KubeObject): AdmissionAttributes => {
      const name = attributes.name ?? object.metadata.name ?? ''
      if (named === null || named.name !== name) named = {...attributes, name}
      return named
    }
    return {
      mutate: async (object, old) => {
        // A recorded change names the plugins that changed the object (a trace shows them): the
        // object is compared (as JSON) around each plugin that may change it for this request,
        // not around those that leave it alone, which are most of them for most writes.
        let before: string | null = null
        for (const plugin of this.plugins) {
          if (!plugin.admit) continue
          const pluginAttributes = withName(object)
          if (trail !== null && plugin.reportsChange) {
            if ((await plugin.admit(pluginAttributes, object, old)) !== true) continue
            trail.mutatedBy.push(plugin.name)
            // The next comparison starts from the changed object.
            before = null
            continue
          }
          const compared = trail !== null && (plugin.mayChange?.(pluginAttributes) ?? true)
          if (compared) before ??= JSON.stringify(object)
          await plugin.admit(pluginAttributes, object, old)
          if (!compared) continue
          const after = JSON.stringify(object)
          if (after !== before) trail.mutatedBy.push(plugin.name)
          before = after
        }
      },
      validate: async (object, old) => {
        for (const plugin of this.plugins) {
          if (!plugin.validate) continue
          await plugin.validate(withName(object), object, old)
          trail?.validatedBy.push(plugin.name)
        }
      },
    }
  }

  /** Admission of a DELETE (no new object). */
  async admitDelete(attributes: AdmissionAttributes, old: KubeObject | null): Promise<void> {
    for (const plugin of this.plugins) await plugin.admit?.(attributes, null, old)
    for (const plugin of this.plugins) await plugin.validate?.(attributes, null, old)
  }
}
